"""The roster import: a OneRoster bundle becomes districts, schools, student and teacher
accounts with their profiles, guardians, demographics, classes and class lists.

The rules (docs/import-formats.md has the mapping column by column):

- **Idempotent by ``sourcedId``.** Each row is found again by the id the student information
  system gave it; importing the same files again changes nothing. Rows that existed before
  the roster are adopted, not duplicated: districts by CDS code or name, schools by CDS code
  or name, accounts by e-mail address.
- **Deactivate, never delete.** A person, org or class missing from a *bulk* file, or marked
  ``tobedeleted`` in a *delta* file, is deactivated: an inactive student keeps every record,
  cannot sign in and is sent no e-mail. A returning ``sourcedId`` is active again. An ended
  enrollment takes the student off that class list (the student's records stay).
- **All or nothing.** The whole bundle is checked first; any problem, and nothing is written.
  The writing is one transaction.
- **Fast enough for a county.** Everything is read once, compared in memory, and written in
  bulk statements: 50,000 users and 200,000 enrollments in well under a minute on SQLite
  (``make bench``).

Here the bundle is read, checked and written. records.py reads the rows; plan_orgs,
plan_people, plan_guardians, plan_demographics and plan_classes check them and compare them
with what is stored (each a part of ``_Planner``, over planning.Plan); apply.py writes the
plan; report.py is what the import tells.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.exc import IntegrityError

from wbl.errors import DomainError
from wbl.extensions import atomic, db
from wbl.imports.tally import count_conflict, count_import
from wbl.roster.apply import PlanWriter
from wbl.roster.bundle import read_bundle
from wbl.roster.plan_classes import ClassesPlan
from wbl.roster.plan_demographics import DemographicsPlan
from wbl.roster.plan_guardians import GuardiansPlan
from wbl.roster.plan_orgs import OrgsPlan
from wbl.roster.plan_people import PeoplePlan
from wbl.roster.records import school_year_end
from wbl.roster.report import Progress, RosterReport

TALLY_KIND = "roster"  # the imports' counter (wbl/imports/tally.py)


class RosterConflict(DomainError):
    message = (
        "The roster changed while it was being imported (another import at the same time?). "
        "Nothing was changed; import the files again."
    )


class _Planner(OrgsPlan, PeoplePlan, GuardiansPlan, DemographicsPlan, ClassesPlan, PlanWriter):
    """The whole plan: checked entity by entity, then written (apply.py)."""

    def check(self, step: Progress) -> None:
        step("checking orgs")
        self.school_year_end = school_year_end(self.bundle)
        self._orgs()
        step("checking users")
        self._load_users()
        self._people()
        self._accounts()
        step("checking guardians and demographics")
        self._guardians()
        self._demographics()
        step("checking classes and enrollments")
        self._classes()
        self._enrollments()
        self.report.problems.extend(self.bundle.problems)


@atomic
def import_roster(
    source: Path | bytes, *, dry_run: bool, progress: Progress | None = None, commit: bool = True
) -> RosterReport:
    """Check a OneRoster bundle (a folder, a .zip path or a .zip's bytes) and, unless
    ``dry_run`` or anything is wrong, import it in one transaction.

    ``commit=False`` writes (flushed) inside the caller's transaction and leaves committing to
    the caller: ``seed-demo`` loads the roster and the demo's own rows as one transaction.
    A problem or a dry run writes nothing (and leaves the session as it was); a failure while
    writing rolls the session back, the caller's pending rows with it."""
    step = progress or (lambda _label: None)
    step("reading the files")
    bundle = read_bundle(source)
    report = RosterReport(dry_run=dry_run, version=bundle.version)
    if bundle.fatal:
        report.problems = bundle.problems
        count_import(TALLY_KIND, problems=True, dry_run=dry_run)
        return report
    plan = _Planner(bundle, report)
    with db.session.no_autoflush:
        plan.check(step)
    report.problems.sort(key=lambda p: (p.file, p.row or 0))
    if report.problems or dry_run:
        count_import(TALLY_KIND, problems=bool(report.problems), dry_run=dry_run)
        return report  # checking only read: nothing to undo
    try:
        plan.write(step)
        if commit:
            step("saving")
            db.session.commit()
        else:
            db.session.flush()
    except IntegrityError:
        db.session.rollback()
        count_conflict(TALLY_KIND)
        raise RosterConflict() from None
    except BaseException:
        db.session.rollback()
        raise
    count_import(TALLY_KIND, problems=False, dry_run=False)
    return report
