"""State reporting's use cases: the WBLR export, and the codes and offering facts staff keep.

The export never drops a record silently. The file holds only the records CALPADS can take;
when some cannot be reported, the caller must say how many it leaves out (``leave_out``, the
number the validation report showed): the command line's ``--leave-out N``, the page's
download link. A different number (the data changed since the report was read) or none is
refused with the count, so nobody submits a file believing it complete.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from wbl.auth.models import User
from wbl.catalog.models import Offering
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import atomic, db
from wbl.reporting import layout
from wbl.reporting.models import OfferingReporting, ReportingCode
from wbl.reporting.wblr import NothingToReport, WblrReport, build_report, parse_year
from wbl.schools.models import ClassSection
from wbl.scopes import is_county_wide, is_staff


class RecordsLeftOut(DomainError):
    """Some records cannot be reported and the caller did not say it leaves them out."""

    def __init__(self, count: int) -> None:
        noun = "record" if count == 1 else "records"
        super().__init__(
            f"{count} {noun} cannot be reported (see the validation report). Fix them, or "
            f"export saying you leave {count} out."
        )
        self.count = count


@dataclass(frozen=True)
class Export:
    report: WblrReport
    data: bytes

    @property
    def file_name(self) -> str:
        return self.report.file_name


def export(
    actor: User | None, year: str, district_id: int | None = None, *, leave_out: int | None = None
) -> Export:
    """The WBLR file of ``year`` (and one district), as ``checked_export`` allows it."""
    return checked_export(build_report(actor, parse_year(year), district_id), leave_out)


def checked_export(report: WblrReport, leave_out: int | None) -> Export:
    """The file of a built report. Refused when there is nothing to report, when nothing
    can be reported, or when records are left out and ``leave_out`` is not their number."""
    if not report.records:
        raise NothingToReport()
    left_out = len(report.left_out)
    if not report.valid:
        raise DomainError(
            f"Nothing can be reported: each of the {left_out} records has a problem "
            "(see the validation report)."
        )
    if left_out and leave_out != left_out:
        raise RecordsLeftOut(left_out)
    return Export(report, report.file())


# --- codes --------------------------------------------------------------------------------


def may_change_codes(actor: User) -> bool:
    """County-wide staff: the file is the county's, so one set of codes."""
    return is_staff(actor) and is_county_wide(actor)


@atomic
def set_codes(actor: User, new_codes: dict[str, dict[str, str]]) -> None:
    """County-wide staff set the codes of the mappings (``{mapping: {key: code}}``). A code
    equal to its default removes the row: the default holds again."""
    if not may_change_codes(actor):
        raise Forbidden("Only county-wide staff change the state reporting codes.")
    cleaned: dict[tuple[str, str], str] = {}
    for mapping, given in new_codes.items():
        defaults = layout.DEFAULTS.get(mapping)
        if defaults is None or set(given) - set(defaults):
            raise DomainError("Unknown codes: reload the page and try again.")
        for key, code in given.items():
            code = code.strip().upper()
            problem = layout.code_problem(mapping, code)
            if problem:
                raise DomainError(
                    f"{layout.LABELS[mapping][key]}: {problem}", field=f"{mapping}:{key}"
                )
            cleaned[mapping, key] = code
    rows = {(row.mapping, row.key): row for row in db.session.scalars(select(ReportingCode))}
    for (mapping, key), code in cleaned.items():
        row = rows.get((mapping, key))
        if code == layout.DEFAULTS[mapping][key]:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(
                ReportingCode(mapping=mapping, key=key, code=code, updated_by_id=actor.id)
            )
        else:
            row.code = code
            row.updated_by_id = actor.id
    db.session.commit()


# --- an offering's facts ------------------------------------------------------------------


def offering_reporting(actor: User, offering_id: int) -> tuple[Offering, OfferingReporting]:
    """An offering and its reporting facts (unsaved defaults when it has none), for staff."""
    offering = db.session.get(Offering, offering_id)
    if offering is None or not is_staff(actor):
        raise NotFound()
    facts = db.session.get(OfferingReporting, offering_id) or OfferingReporting(
        offering_id=offering_id,
        state_course_code="",
        lea_sponsored=True,
        certificated_supervised=False,
    )
    return offering, facts


def rostered_courses(limit: int = 500) -> list[tuple[str, str]]:
    """The state course codes of the rostered classes (OneRoster courses), with a title
    each: what staff pick the embedded course from. One statement; capped for the page."""
    rows = db.session.execute(
        select(ClassSection.course_code, func.min(ClassSection.course_title))
        .where(ClassSection.course_code != "", ClassSection.active.is_(True))
        .group_by(ClassSection.course_code)
        .order_by(ClassSection.course_code)
        .limit(limit)
    ).all()
    return [(code, title) for code, title in rows]


def course_code_problem(code: str) -> str | None:
    if code and not (len(code) == 4 and code.isascii() and code.isdigit()):
        return "A state course code is 4 digits, such as 7000."
    return None


@atomic
def set_offering_reporting(
    actor: User,
    offering_id: int,
    *,
    state_course_code: str,
    lea_sponsored: bool,
    certificated_supervised: bool,
) -> OfferingReporting:
    """Staff (who keep the catalog) record the course an offering is embedded in and who
    sponsors and supervises it; every placement on it is reported with these."""
    _offering, facts = offering_reporting(actor, offering_id)
    code = state_course_code.strip()
    problem = course_code_problem(code)
    if problem:
        raise DomainError(problem, field="state_course_code")
    if facts not in db.session:
        db.session.add(facts)
    facts.state_course_code = code
    facts.lea_sponsored = lea_sponsored
    facts.certificated_supervised = certificated_supervised
    facts.updated_by_id = actor.id
    db.session.commit()
    return facts
