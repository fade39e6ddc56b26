"""The incentive-funding report: every qualifying completion of a district's students in a
program year, what it requests, whether the per-student cap funds it, and the estimated
amount when the district's appropriation is distributed tier by tier.

Qualifying completions (Colorado CDIP as shipped; every number is the program year's):
- a credential on the qualified list (``Credential.incentive_qualified``), verified by staff
  and earned within the year, once per student and year (the earliest verified record: the
  same credential earned again, e.g. a renewal, is not a second completion);
- a completed internship placement that ended within the year with at least the year's
  minimum of supervisor-confirmed hours;
- a pre-apprenticeship, apprenticeship or qualified AP course staff entered for the year.

A student's completions are taken in tier order, then date; only the first
``completions_per_student`` are funded (the state pays per student completion up to the
cap). Students eligible for free or reduced-price lunch request ``amount × frl_weight``.
Three queries read the completions whatever their number (a test counts them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from sqlalchemy import Select, and_, func, or_, select

from wbl.access import require
from wbl.auth.models import User
from wbl.catalog.models import Offering
from wbl.clock import local_to_utc, to_local
from wbl.credentials.models import Credential, EarnedStatus, StudentCredential
from wbl.extensions import db
from wbl.hours.models import EntryStatus, HourEntry
from wbl.imports.writing import csv_bytes, xlsx_bytes
from wbl.incentives.distribution import Claim, distribute
from wbl.incentives.models import Appropriation, CompletionType, ProgramYear, StaffCompletion
from wbl.incentives.services import get_district, get_year, is_staff, tier_ranks
from wbl.placements.models import Placement, PlacementStatus
from wbl.reference.models import ExperienceKind
from wbl.schools.models import District, School
from wbl.students.models import StudentProfile


def money(cents: int) -> str:
    """$1,234.56: whole cents as dollars, exactly."""
    return f"${cents // 100:,}.{cents % 100:02d}"


def plain_dollars(cents: int) -> str:
    """1234.56: for CSV (a number a spreadsheet reads)."""
    return f"{cents // 100}.{cents % 100:02d}"


def weighted_cents(amount_cents: int, weight: Decimal) -> int:
    """amount × weight, rounded half up to the cent."""
    return int((Decimal(amount_cents) * weight).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class Completion:
    """One qualifying completion, as read from its own record."""

    student_id: int
    student_name: str
    school: str
    grade: int
    frl: bool
    kind: CompletionType
    what: str
    day: date
    source_id: int  # the record's id, a stable tie-break


@dataclass(frozen=True, slots=True)
class ReportRow:
    completion: Completion
    tier: int
    weight: Decimal
    requested_cents: int
    funded: bool
    reason: str  # why not funded
    estimated_cents: int


@dataclass(frozen=True, slots=True)
class TierTotal:
    tier: int
    kinds: tuple[CompletionType, ...]
    rows: int
    funded_rows: int
    requested_cents: int  # funded rows only
    estimated_cents: int

    @property
    def label(self) -> str:
        return ", ".join(kind.label for kind in self.kinds)

    @property
    def prorated(self) -> bool:
        return 0 < self.estimated_cents < self.requested_cents


@dataclass(frozen=True, slots=True)
class IncentiveReport:
    year: ProgramYear
    district: District
    appropriation_cents: int | None
    rows: tuple[ReportRow, ...]
    tiers: tuple[TierTotal, ...]

    @property
    def requested_cents(self) -> int:
        return sum(t.requested_cents for t in self.tiers)

    @property
    def estimated_cents(self) -> int:
        return sum(t.estimated_cents for t in self.tiers)

    @property
    def funded_rows(self) -> int:
        return sum(1 for r in self.rows if r.funded)

    @property
    def students(self) -> int:
        return len({r.completion.student_id for r in self.rows})

    @property
    def frl_students(self) -> int:
        return len({r.completion.student_id for r in self.rows if r.completion.frl})


# --------------------------------------------------------------------------- reading


def _student_columns() -> tuple[Any, ...]:
    return (
        StudentProfile.id.label("student_id"),
        User.full_name.label("student_name"),
        School.name.label("school"),
        StudentProfile.grade,
        StudentProfile.frl_eligible,
    )


def _in_district(query: Select[Any], district_id: int) -> Select[Any]:
    return query.join(User, StudentProfile.user_id == User.id).join(
        School, and_(StudentProfile.school_id == School.id, School.district_id == district_id)
    )


def _completion(row: Any, kind: CompletionType, what: str, day: date, source_id: int) -> Completion:
    return Completion(
        student_id=row.student_id,
        student_name=row.student_name,
        school=row.school,
        grade=row.grade,
        frl=bool(row.frl_eligible),
        kind=kind,
        what=what,
        day=day,
        source_id=source_id,
    )


def _credentials(year: ProgramYear, district_id: int) -> list[Completion]:
    query = (
        select(
            *_student_columns(),
            StudentCredential.id.label("source_id"),
            StudentCredential.credential_id,
            StudentCredential.earned_on,
            Credential.name.label("what"),
        )
        .select_from(StudentCredential)
        .join(Credential, StudentCredential.credential_id == Credential.id)
        .join(StudentProfile, StudentCredential.student_id == StudentProfile.id)
        .where(
            StudentCredential.status == EarnedStatus.VERIFIED,
            Credential.incentive_qualified.is_(True),
            StudentCredential.earned_on.between(year.starts_on, year.ends_on),
        )
        .order_by(StudentCredential.earned_on, StudentCredential.id)
    )
    seen: set[tuple[int, int]] = set()
    completions = []
    for r in db.session.execute(_in_district(query, district_id)):
        if (r.student_id, r.credential_id) in seen:
            continue  # the earliest record of this credential already counts
        seen.add((r.student_id, r.credential_id))
        completions.append(
            _completion(r, CompletionType.CREDENTIAL, r.what, r.earned_on, r.source_id)
        )
    return completions


def _internships(year: ProgramYear, district_id: int) -> list[Completion]:
    """Completed internships that ended in the year (the placement's end date; a placement
    without one counts on the day it was marked complete) with enough confirmed hours (none
    confirmed is 0 hours, enough when the year's minimum is 0)."""
    confirmed = (
        select(HourEntry.placement_id, func.sum(HourEntry.minutes).label("minutes"))
        .where(HourEntry.status == EntryStatus.CONFIRMED)
        .group_by(HourEntry.placement_id)
        .subquery()
    )
    first = local_to_utc(year.starts_on, time(0))
    after = local_to_utc(year.ends_on + timedelta(days=1), time(0))
    query = (
        select(
            *_student_columns(),
            Placement.id.label("source_id"),
            Placement.end_date,
            Placement.completed_at,
            Offering.title.label("what"),
        )
        .select_from(Placement)
        .join(Offering, Placement.offering_id == Offering.id)
        .outerjoin(confirmed, confirmed.c.placement_id == Placement.id)
        .join(StudentProfile, Placement.student_id == StudentProfile.id)
        .where(
            Placement.status == PlacementStatus.COMPLETED,
            Offering.kind == ExperienceKind.INTERNSHIP,
            func.coalesce(confirmed.c.minutes, 0) >= year.internship_min_hours * 60,
            or_(
                Placement.end_date.between(year.starts_on, year.ends_on),
                and_(
                    Placement.end_date.is_(None),
                    Placement.completed_at >= first,
                    Placement.completed_at < after,
                ),
            ),
        )
    )
    completions = []
    for r in db.session.execute(_in_district(query, district_id)):
        day = r.end_date or _local_day(r.completed_at)
        completions.append(_completion(r, CompletionType.INTERNSHIP, r.what, day, r.source_id))
    return completions


def _local_day(value: datetime) -> date:
    return to_local(value if value.tzinfo else value.replace(tzinfo=UTC)).date()


def _staff_entered(year: ProgramYear, district_id: int) -> list[Completion]:
    query = (
        select(
            *_student_columns(),
            StaffCompletion.id.label("source_id"),
            StaffCompletion.completion_type,
            StaffCompletion.completed_on,
            StaffCompletion.name.label("what"),
        )
        .select_from(StaffCompletion)
        .join(StudentProfile, StaffCompletion.student_id == StudentProfile.id)
        .where(StaffCompletion.completed_on.between(year.starts_on, year.ends_on))
    )
    return [
        _completion(r, CompletionType(r.completion_type), r.what, r.completed_on, r.source_id)
        for r in db.session.execute(_in_district(query, district_id))
    ]


# --------------------------------------------------------------------------- building


_KIND_ORDER = {kind: n for n, kind in enumerate(CompletionType)}


def build_rows(
    completions: list[Completion],
    *,
    ranks: dict[CompletionType, int],
    amount_cents: int,
    frl_weight: Decimal,
    cap: int,
    appropriation_cents: int,
) -> tuple[list[ReportRow], list[TierTotal]]:
    """Apply the cap, the weight and the tier-by-tier distribution (the report's rules)."""
    qualifying = [c for c in completions if c.kind in ranks]

    def order(c: Completion) -> tuple[object, ...]:
        return (ranks[c.kind], c.day, _KIND_ORDER[c.kind], c.what, c.source_id)

    funded: set[tuple[CompletionType, int]] = set()
    by_student: dict[int, list[Completion]] = {}
    for c in qualifying:
        by_student.setdefault(c.student_id, []).append(c)
    for items in by_student.values():
        funded.update((c.kind, c.source_id) for c in sorted(items, key=order)[:cap])

    ordered = sorted(
        qualifying,
        key=lambda c: (ranks[c.kind], c.school, c.student_name, c.student_id, *order(c)[1:]),
    )
    weights = [frl_weight if c.frl else Decimal(1) for c in ordered]
    requested = [weighted_cents(amount_cents, w) for w in weights]
    is_funded = [(c.kind, c.source_id) in funded for c in ordered]
    result = distribute(
        appropriation_cents,
        [
            Claim(ranks[c.kind], cents if ok else 0)
            for c, cents, ok in zip(ordered, requested, is_funded, strict=True)
        ],
    )
    plural = "completion" if cap == 1 else "completions"
    rows = [
        ReportRow(
            completion=c,
            tier=ranks[c.kind],
            weight=w,
            requested_cents=cents,
            funded=ok,
            reason="" if ok else f"Over the cap of {cap} funded {plural} per student",
            estimated_cents=paid,
        )
        for c, w, cents, ok, paid in zip(
            ordered, weights, requested, is_funded, result.amounts, strict=True
        )
    ]
    tiers = []
    for tier in sorted(set(ranks.values())):
        in_tier = [r for r in rows if r.tier == tier]
        tiers.append(
            TierTotal(
                tier=tier,
                kinds=tuple(k for k in CompletionType if ranks.get(k) == tier),
                rows=len(in_tier),
                funded_rows=sum(1 for r in in_tier if r.funded),
                requested_cents=sum(r.requested_cents for r in in_tier if r.funded),
                estimated_cents=sum(r.estimated_cents for r in in_tier),
            )
        )
    return rows, tiers


def incentive_report(actor: User, year_id: int, district_id: int) -> IncentiveReport:
    """The report for one program year and district (a district outside the actor's scope:
    not found). Staff only: it names students and their lunch eligibility."""
    require(is_staff(actor))
    year = get_year(year_id)
    district = get_district(actor, district_id)
    appropriation = db.session.scalar(
        select(Appropriation.amount_cents).where(
            Appropriation.program_year_id == year.id, Appropriation.district_id == district.id
        )
    )
    completions = (
        _credentials(year, district.id)
        + _internships(year, district.id)
        + _staff_entered(year, district.id)
    )
    rows, tiers = build_rows(
        completions,
        ranks=tier_ranks(year),
        amount_cents=year.amount_cents,
        frl_weight=year.frl_weight,
        cap=year.completions_per_student,
        appropriation_cents=appropriation or 0,
    )
    return IncentiveReport(year, district, appropriation, tuple(rows), tuple(tiers))


def requested_by_tier(year: ProgramYear, district_id: int) -> dict[int, int]:
    """tier -> requested cents (funded rows) of a district: what the demo loader sizes its
    appropriations from (no actor: the loader is not a user)."""
    completions = (
        _credentials(year, district_id)
        + _internships(year, district_id)
        + _staff_entered(year, district_id)
    )
    _, tiers = build_rows(
        completions,
        ranks=tier_ranks(year),
        amount_cents=year.amount_cents,
        frl_weight=year.frl_weight,
        cap=year.completions_per_student,
        appropriation_cents=0,
    )
    return {t.tier: t.requested_cents for t in tiers}


# --------------------------------------------------------------------------- export

HEADER = [
    "Student",
    "School",
    "Grade",
    "FRL",
    "Completion type",
    "What",
    "Date",
    "Tier",
    "Weight",
    "Requested",
    "Funded",
    "Not funded because",
    "Estimated amount",
]


def _weight_text(weight: Decimal) -> str:
    return f"{weight:.2f}"


def _yes_no(flag: bool) -> str:
    """As the report page writes it."""
    return "Yes" if flag else "No"


def _row_values(row: ReportRow) -> list[object]:
    c = row.completion
    return [
        c.student_name,
        c.school,
        c.grade,
        _yes_no(c.frl),
        c.kind.label,
        c.what,
        c.day,
        row.tier,
        _weight_text(row.weight),
        row.requested_cents,
        _yes_no(row.funded),
        row.reason,
        row.estimated_cents,
    ]


def _total_rows(report: IncentiveReport) -> list[list[object]]:
    rows: list[list[object]] = [
        [
            f"Tier {t.tier} total",
            "",
            "",
            "",
            t.label,
            f"{t.funded_rows} funded of {t.rows}",
            "",
            t.tier,
            "",
            t.requested_cents,
            "",
            "",
            t.estimated_cents,
        ]
        for t in report.tiers
    ]
    rows.append(
        [
            "Total",
            "",
            "",
            f"{report.frl_students} FRL",
            f"{report.students} students",
            f"{report.funded_rows} funded of {len(report.rows)}",
            "",
            "",
            "",
            report.requested_cents,
            "",
            "",
            report.estimated_cents,
        ]
    )
    return rows


_MONEY_COLUMNS = (9, 12)


def report_csv(report: IncentiveReport) -> bytes:
    """The rows, then a total per tier and overall; money in dollars (1200.00)."""
    table = [*(_row_values(r) for r in report.rows), *_total_rows(report)]
    for values in table:
        for i in _MONEY_COLUMNS:
            values[i] = plain_dollars(cast(int, values[i]))
    return csv_bytes(HEADER, table)


def report_xlsx(report: IncentiveReport) -> bytes:
    """The same table as the CSV, money as numbers with two decimals."""
    table: list[list[object]] = [*(_row_values(r) for r in report.rows), *_total_rows(report)]
    for values in table:
        for i in _MONEY_COLUMNS:
            values[i] = Decimal(cast(int, values[i])) / 100
    return xlsx_bytes(
        HEADER,
        table,
        sheet_name="incentives",
        number_formats=dict.fromkeys(_MONEY_COLUMNS, "#,##0.00"),
    )
