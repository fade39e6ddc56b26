"""Students keep their own matching profile: where they live, how far they can travel,
what interests them and when they are free. Recommendations follow the profile at once.

A student who does not know what to write takes the interest check (``interest_check``): the
statements they tick suggest pathways and words, and what they confirm is added to the
profile, never replacing what they wrote or chose themselves."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wbl.access import Role, require
from wbl.auth.models import User
from wbl.errors import N_, DomainError, NotFound
from wbl.extensions import atomic, db
from wbl.geocoding.services import UnknownZip, locate
from wbl.reference.models import IndustrySector, Pathway
from wbl.scopes import staff_sees_student, teaches
from wbl.students.interest_check import (
    Statement,
    interest_words,
    merge_interests,
    says,
    statements,
)
from wbl.students.interest_check import rank_pathways as rank_statement_pathways
from wbl.students.models import AVAILABILITY_CHOICES, StudentProfile, Transportation
from wbl.students.queries import profile_for_user

MAX_PATHWAYS = 3
MAX_TRAVEL_MILES = 100
MAX_INTERESTS_CHARS = 1000
#: New pathways the interest check suggests at most (the best ones; more is a list to read).
MAX_SUGGESTIONS = 6


@dataclass(frozen=True, slots=True)
class ProfileUpdate:
    home_zip: str
    max_travel_miles: int
    transportation: Transportation
    pathway_ids: frozenset[int]
    interests: str
    availability: frozenset[str]


def sees_student(user: User, student: StudentProfile) -> bool:
    """Who may see a student's records (education records: a legitimate educational
    interest): the student, teachers of their school, staff whose district holds the school
    (county staff: all). Employers see placed students only through their placements."""
    if user.has_role(Role.STUDENT) and student.user_id == user.id:
        return True
    return teaches(user, student) or staff_sees_student(user, student)


def get_student(actor: User, student_id: int) -> StudentProfile:
    """A student the actor may see (anyone else's: not found)."""
    student = db.session.scalar(
        select(StudentProfile)
        .where(StudentProfile.id == student_id)
        .options(selectinload(StudentProfile.user), selectinload(StudentProfile.school))
    )
    if student is None or not sees_student(actor, student):
        raise NotFound()
    return student


def own_profile(actor: User) -> StudentProfile:
    require(actor.has_role(Role.STUDENT))
    profile = db.session.scalar(profile_for_user(actor.id))
    if profile is None:
        raise NotFound(gettext("Your student profile has not been set up yet. Ask your teacher."))
    return profile


@atomic
def update_own_profile(actor: User, update: ProfileUpdate) -> StudentProfile:
    """Save the student's matching profile. The home ZIP is placed offline at its centre
    (we never store a student's street address)."""
    profile = own_profile(actor)
    if not 1 <= update.max_travel_miles <= MAX_TRAVEL_MILES:
        raise DomainError(
            gettext(
                "Choose a distance from 1 to %(MAX_TRAVEL_MILES)s miles.",
                MAX_TRAVEL_MILES=MAX_TRAVEL_MILES,
            ),
            field="max_travel_miles",
        )
    if len(update.pathway_ids) > MAX_PATHWAYS:
        raise DomainError(
            gettext("Choose up to %(MAX_PATHWAYS)s pathways.", MAX_PATHWAYS=MAX_PATHWAYS),
            field="pathway_ids",
        )
    unknown = set(update.availability) - set(AVAILABILITY_CHOICES)
    if unknown:
        raise DomainError(gettext("Choose from the times listed."), field="availability")
    interests = update.interests.strip()
    _check_interests_length(interests, field="interests")
    pathways = list(
        db.session.scalars(
            select(Pathway).where(Pathway.id.in_(update.pathway_ids), Pathway.active.is_(True))
        )
    )
    if len(pathways) != len(update.pathway_ids):
        raise DomainError(gettext("Choose pathways from the list."), field="pathway_ids")
    try:
        location = locate(zip_code=update.home_zip)
    except UnknownZip as error:
        raise UnknownZip(error.message, field="home_zip") from None
    profile.home_zip = update.home_zip.strip()[:5]
    profile.home_latitude, profile.home_longitude = location.latitude, location.longitude
    profile.max_travel_miles = update.max_travel_miles
    profile.transportation = update.transportation
    _set_pathways_and_interests(profile, pathways, interests)
    profile.availability = sorted(update.availability)
    db.session.commit()
    return profile


def _check_interests_length(interests: str, *, field: str, hint: str = "") -> None:
    if len(interests) > MAX_INTERESTS_CHARS:
        raise DomainError(
            gettext(
                "Your interests can be up to %(MAX_INTERESTS_CHARS)s characters long.%(hint)s",
                MAX_INTERESTS_CHARS=MAX_INTERESTS_CHARS,
                hint=hint,
            ),
            field=field,
        )


def _set_pathways_and_interests(
    profile: StudentProfile, pathways: Sequence[Pathway], interests: str
) -> None:
    """The one place a student's pathways and interests (what recommendations match on)
    change, from the profile form or the interest check: whatever must follow such a change
    belongs here. Recommendations are worked out from the profile on every request (the
    catalog's index holds offerings, not students), so today nothing else has to."""
    profile.pathways = list(pathways)
    profile.interests = interests
    db.session.flush()


# --- the interest check ---------------------------------------------------------------------


class StaleInterestCheck(DomainError):
    """A statement id that is not (or no longer) in the interest check: the statements
    changed while the student had the page open, or the form was tampered with."""

    message = N_("The interest check has changed since you opened it. Please take it again.")


@dataclass(frozen=True, slots=True)
class SuggestedPathway:
    pathway: Pathway
    #: How many of the ticked statements point to it.
    votes: int


@dataclass(frozen=True, slots=True)
class InterestCheckResult:
    """What the ticked statements suggest for this student's profile (nothing saved)."""

    statements: tuple[Statement, ...]
    #: Pathways not on the profile yet, best first (at most ``MAX_SUGGESTIONS``).
    new_pathways: tuple[SuggestedPathway, ...]
    #: Suggested pathways the student has already chosen.
    on_profile: tuple[SuggestedPathway, ...]
    #: The statements' words the student's interests do not say yet.
    new_words: tuple[str, ...]
    #: Every word of the statements (a word the student added meanwhile may still be sent).
    all_words: tuple[str, ...]
    #: How many more pathways the profile has room for.
    free_slots: int

    @property
    def pre_checked(self) -> list[int]:
        """The best new pathways, as many as the profile has room for."""
        return [s.pathway.id for s in self.new_pathways[: self.free_slots]]


@dataclass(frozen=True, slots=True)
class InterestCheckChoice:
    """What the student confirmed on the result page."""

    statement_ids: tuple[str, ...]
    pathway_ids: frozenset[int]
    words: frozenset[str]


@dataclass(frozen=True, slots=True)
class AddedFromCheck:
    """What a confirmation added to the profile (names of pathways; words)."""

    pathways: tuple[str, ...]
    words: tuple[str, ...]


def _ticked_statements(statement_ids: Collection[str]) -> tuple[Statement, ...]:
    if not statement_ids:
        raise DomainError(
            gettext(
                "Tick at least one statement that sounds like you, then press the button again."
            ),
            field="statements",
        )
    known = {statement.id: statement for statement in statements()}
    if any(statement_id not in known for statement_id in statement_ids):
        raise StaleInterestCheck()
    wanted = set(statement_ids)
    return tuple(statement for statement in statements() if statement.id in wanted)


def _result_for(profile: StudentProfile, ticked: tuple[Statement, ...]) -> InterestCheckResult:
    ranked = rank_statement_pathways(ticked)
    # Only pathways the profile form offers: active, in an active sector.
    rows = {
        pathway.code: pathway
        for pathway in db.session.scalars(
            select(Pathway)
            .join(IndustrySector, Pathway.sector_id == IndustrySector.id)
            .where(
                Pathway.code.in_([r.code for r in ranked]),
                Pathway.active.is_(True),
                IndustrySector.active.is_(True),
            )
            .options(selectinload(Pathway.sector))
        )
    }
    chosen = {pathway.id for pathway in profile.pathways}
    suggested = [SuggestedPathway(rows[r.code], r.votes) for r in ranked if r.code in rows]
    all_words = tuple(interest_words(ticked))
    return InterestCheckResult(
        statements=ticked,
        new_pathways=tuple(s for s in suggested if s.pathway.id not in chosen)[:MAX_SUGGESTIONS],
        on_profile=tuple(s for s in suggested if s.pathway.id in chosen),
        new_words=tuple(interest_words(ticked, profile.interests)),
        all_words=all_words,
        free_slots=max(0, MAX_PATHWAYS - len(chosen)),
    )


def interest_check_result(actor: User, statement_ids: Collection[str]) -> InterestCheckResult:
    """What the ticked statements suggest for the actor's own profile. Saves nothing: the
    student confirms with ``apply_interest_check``."""
    profile = own_profile(actor)
    return _result_for(profile, _ticked_statements(statement_ids))


@atomic
def apply_interest_check(actor: User, choice: InterestCheckChoice) -> AddedFromCheck:
    """Add what the student confirmed to their profile: the pathways they kept ticked join
    the ones they had, and the words go on a new line under what they wrote (a word their
    text already says is not added twice). Nothing they chose or wrote is taken away, and the
    profile's limits hold: at most ``MAX_PATHWAYS`` pathways, ``MAX_INTERESTS_CHARS``
    characters. Confirming the same result twice changes nothing the second time (and says
    that nothing was added)."""
    profile = own_profile(actor)
    result = _result_for(profile, _ticked_statements(choice.statement_ids))
    if not choice.pathway_ids and not choice.words:
        raise DomainError(
            gettext(
                "Nothing was ticked, so nothing was added. Tick the pathways and words you want on"
                " your profile, or go back to your profile."
            )
        )
    offered = {s.pathway.id: s.pathway for s in (*result.new_pathways, *result.on_profile)}
    if not choice.pathway_ids <= offered.keys():
        raise DomainError(gettext("Choose pathways from the suggestions."), field="pathway_ids")
    if not choice.words <= set(result.all_words):
        raise DomainError(gettext("Choose words from the suggestions."), field="words")
    pathways = list(profile.pathways)
    pathways += [
        offered[s.pathway.id]
        for s in result.new_pathways
        if s.pathway.id in choice.pathway_ids and s.pathway not in pathways
    ]
    if len(pathways) > MAX_PATHWAYS:
        raise DomainError(_no_room_for_pathways(result.free_slots), field="pathway_ids")
    words = [word for word in result.all_words if word in choice.words]
    interests = merge_interests(profile.interests, words)
    _check_interests_length(
        interests,
        field="words",
        hint=" " + gettext("Untick some words, or shorten what you wrote on your profile first."),
    )
    added = AddedFromCheck(
        pathways=tuple(p.name for p in pathways if p not in profile.pathways),
        words=tuple(w for w in words if not says(profile.interests, w)),
    )
    _set_pathways_and_interests(profile, pathways, interests)
    db.session.commit()
    return added


def _no_room_for_pathways(free_slots: int) -> str:
    if free_slots == 0:
        return (
            f"Your profile already has {MAX_PATHWAYS} pathways, the most it can have. Untick "
            "the pathways here, or remove one on your profile first."
        )
    more = "1 more pathway" if free_slots == 1 else f"{free_slots} more pathways"
    return f"Your profile has room for {more} (up to {MAX_PATHWAYS} in all): untick some."
