"""Planning the demographics: a student's sex, race and ethnicity flags and the extension
columns (English learner, disability, free or reduced meals), compared with what is stored.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from wbl.access import Role
from wbl.extensions import db
from wbl.roster.models import StudentDemographics
from wbl.roster.planning import Plan, chunks
from wbl.roster.records import read_flag

# Demographics beyond the specification come as extension columns; these are read.
EXTENSION_COLUMNS = {
    "english_learner": ("metadata.englishLearner", "metadata.ell"),
    "disability": ("metadata.disability", "metadata.iep"),
    "free_reduced_meals": (
        "metadata.freeReducedMeals",
        "metadata.freeReducedLunch",
        "metadata.frl",
    ),
}
RACE_COLUMNS = {
    "american_indian_or_alaska_native": "americanIndianOrAlaskaNative",
    "asian": "asian",
    "black_or_african_american": "blackOrAfricanAmerican",
    "native_hawaiian_or_other_pacific_islander": "nativeHawaiianOrOtherPacificIslander",
    "white": "white",
    "two_or_more_races": "demographicRaceTwoOrMoreRaces",
    "hispanic_or_latino": "hispanicOrLatinoEthnicity",
}
SEXES = frozenset({"male", "female", "other", "unspecified"})


class DemographicsPlan(Plan):
    def _demographics(self) -> None:
        columns = self.bundle.columns.get("demographics", ())
        extensions = {
            name: next((c for c in aliases if c in columns), None)
            for name, aliases in EXTENSION_COLUMNS.items()
        }
        for row in self.bundle.rows("demographics"):
            key = row.get("sourcedId")
            person = self.people.get(key)
            if person is None and key not in self.stored_users:
                self.problem("demographics", row, "sourcedId", f"unknown user {key!r}")
                continue
            if key not in self.accounts or self.accounts[key].role is not Role.STUDENT:
                continue  # a teacher's or a guardian's demographics are not kept
            sex = row.get("sex").lower()
            if sex and sex not in SEXES:
                self.problem(
                    "demographics",
                    row,
                    "sex",
                    f"{row.get('sex')!r} is not male, female, other or unspecified",
                )
            values: dict[str, Any] = {"sex": sex}
            for name, column in RACE_COLUMNS.items():
                values[name] = read_flag(self.bundle, "demographics", row, column)
            for name, extension in extensions.items():
                values[name] = (
                    read_flag(self.bundle, "demographics", row, extension) if extension else None
                )
            self.demographic_rows[key] = values
            if values["free_reduced_meals"] is not None:
                self.frl[key] = values["free_reduced_meals"]
        profile_ids = [
            self.profiles[a.user_id]["id"]
            for key, a in self.accounts.items()
            if key in self.demographic_rows and a.user_id in self.profiles
        ]
        stored_columns: list[Any] = [StudentDemographics.student_id] + [
            getattr(StudentDemographics, name)
            for name in ("sex", *RACE_COLUMNS, *EXTENSION_COLUMNS)
        ]
        for chunk in chunks(profile_ids):
            for stored in db.session.execute(
                select(*stored_columns).where(StudentDemographics.student_id.in_(chunk))
            ):
                values = dict(stored._mapping)
                self.demographic_existing[values.pop("student_id")] = values
