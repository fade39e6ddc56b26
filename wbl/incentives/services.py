"""Incentive program configuration (program years, tiers, appropriations), the completions
staff enter, and students' free/reduced-price lunch eligibility.

Who may do what: every CTE staff member reads the program years; county-wide staff (the
county office and administrators) change them, because the program's rules are the state's,
the same for every district. District staff enter their own district's appropriation and the
completions and FRL flags of their own district's students; another district's records are
"not found". Money is whole cents; the FRL weight a Decimal (1.20), never a float.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from wbl.access import require
from wbl.auth.models import User
from wbl.clock import local_today
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db
from wbl.incentives.models import (
    STAFF_ENTERED,
    Appropriation,
    CompletionType,
    ProgramTier,
    ProgramYear,
    StaffCompletion,
)
from wbl.schools.models import District, School
from wbl.scopes import in_staff_district, is_county_wide, is_staff, staff_sees_district
from wbl.students.models import StudentProfile
from wbl.students.services import get_student

# Colorado's CDIP as shipped (C.R.S. 22-54-138): up to $1,000 per student completion, 120 %
# for students eligible for free or reduced-price lunch, paid in tiered order when the
# appropriation runs short: 1. industry credentials on the qualified list; 2. internships,
# residencies, (construction) pre-apprenticeships and apprenticeships; 3. qualified AP courses.
DEFAULT_AMOUNT_CENTS = 100_000
DEFAULT_FRL_WEIGHT = Decimal("1.20")
DEFAULT_COMPLETIONS_PER_STUDENT = 1
DEFAULT_INTERNSHIP_MIN_HOURS = 40  # the county's rule until staff set the state's current one
DEFAULT_TIERS: dict[CompletionType, int] = {
    CompletionType.CREDENTIAL: 1,
    CompletionType.INTERNSHIP: 2,
    CompletionType.PRE_APPRENTICESHIP: 2,
    CompletionType.APPRENTICESHIP: 2,
    CompletionType.AP_COURSE: 3,
}
MAX_TIER = len(CompletionType)
MAX_AMOUNT_CENTS = 10_000_000  # $100,000 per completion: anything above is a typo
MAX_APPROPRIATION_CENTS = 100_000_000_000  # $1 billion
MAX_WEIGHT = Decimal("3.00")
MAX_CAP = 20
MAX_MIN_HOURS = 2000


def is_county_wide_staff(actor: User) -> bool:
    """Who keeps the program: county-wide staff (``wbl.scopes.is_county_wide``)."""
    return is_county_wide(actor)


# --------------------------------------------------------------------------- program years


@dataclass(frozen=True, slots=True)
class YearSettings:
    label: str
    starts_on: date
    ends_on: date
    amount_cents: int
    frl_weight: Decimal
    completions_per_student: int
    internship_min_hours: int
    tiers: Mapping[CompletionType, int]


def colorado_defaults(label: str, starts_on: date, ends_on: date) -> YearSettings:
    return YearSettings(
        label=label,
        starts_on=starts_on,
        ends_on=ends_on,
        amount_cents=DEFAULT_AMOUNT_CENTS,
        frl_weight=DEFAULT_FRL_WEIGHT,
        completions_per_student=DEFAULT_COMPLETIONS_PER_STUDENT,
        internship_min_hours=DEFAULT_INTERNSHIP_MIN_HOURS,
        tiers=DEFAULT_TIERS,
    )


def program_years() -> Select[ProgramYear]:
    """Newest first, tiers loaded."""
    return (
        select(ProgramYear)
        .options(selectinload(ProgramYear.tiers))
        .order_by(ProgramYear.starts_on.desc(), ProgramYear.id.desc())
    )


def get_year(year_id: int) -> ProgramYear:
    year = db.session.scalar(
        select(ProgramYear)
        .where(ProgramYear.id == year_id)
        .options(selectinload(ProgramYear.tiers))
    )
    if year is None:
        raise NotFound()
    return year


def _check(settings: YearSettings, year_id: int | None) -> None:
    label = settings.label.strip()
    if not label:
        raise DomainError("Give the program year a label, e.g. 2026-27.", field="label")
    if len(label) > 20:
        raise DomainError("Keep the label to 20 characters.", field="label")
    if settings.ends_on <= settings.starts_on:
        raise DomainError("The year must end after it starts.", field="ends_on")
    if (settings.ends_on - settings.starts_on).days > 366:
        raise DomainError("A program year lasts at most a year.", field="ends_on")
    if not 0 <= settings.amount_cents <= MAX_AMOUNT_CENTS:
        raise DomainError("Enter an amount from $0 to $100,000.", field="amount")
    if not Decimal(1) <= settings.frl_weight <= MAX_WEIGHT:
        raise DomainError("The FRL weight is from 100 % to 300 %.", field="frl_percent")
    if not 1 <= settings.completions_per_student <= MAX_CAP:
        raise DomainError(
            f"Fund from 1 to {MAX_CAP} completions per student.", field="completions_per_student"
        )
    if not 0 <= settings.internship_min_hours <= MAX_MIN_HOURS:
        raise DomainError(f"Enter from 0 to {MAX_MIN_HOURS} hours.", field="internship_min_hours")
    for kind in CompletionType:
        rank = settings.tiers.get(kind)
        if rank is None or not 1 <= rank <= MAX_TIER:
            raise DomainError(f"Choose a tier from 1 to {MAX_TIER}.", field=f"tier_{kind.value}")
    others = select(ProgramYear).where(ProgramYear.id != (year_id or 0))
    same = db.session.scalar(others.where(ProgramYear.label == label))
    if same is not None:
        raise DomainError(f"There is already a program year {label}.", field="label")
    overlapping = db.session.scalar(
        others.where(
            and_(
                ProgramYear.starts_on <= settings.ends_on, ProgramYear.ends_on >= settings.starts_on
            )
        ).order_by(ProgramYear.starts_on)
    )
    if overlapping is not None:
        raise DomainError(
            f"These dates overlap program year {overlapping.label}.", field="starts_on"
        )


def _apply(year: ProgramYear, settings: YearSettings, actor: User | None) -> None:
    year.label = settings.label.strip()
    year.starts_on = settings.starts_on
    year.ends_on = settings.ends_on
    year.amount_cents = settings.amount_cents
    year.frl_weight = settings.frl_weight
    year.completions_per_student = settings.completions_per_student
    year.internship_min_hours = settings.internship_min_hours
    year.updated_by_id = actor.id if actor else None
    ranks = {tier.completion_type: tier for tier in year.tiers}
    for kind in CompletionType:
        if kind in ranks:
            ranks[kind].rank = settings.tiers[kind]
        else:
            year.tiers.append(ProgramTier(completion_type=kind, rank=settings.tiers[kind]))


def add_program_year(settings: YearSettings, actor: User | None = None) -> ProgramYear:
    """Add a year without committing (the demo loader's building block)."""
    _check(settings, None)
    year = ProgramYear(tiers=[])
    _apply(year, settings, actor)
    db.session.add(year)
    db.session.flush()
    return year


@atomic
def create_year(actor: User, settings: YearSettings) -> ProgramYear:
    require(is_county_wide_staff(actor))
    year = add_program_year(settings, actor)
    db.session.commit()
    return year


@atomic
def update_year(actor: User, year_id: int, settings: YearSettings) -> ProgramYear:
    require(is_county_wide_staff(actor))
    year = get_year(year_id)
    _check(settings, year.id)
    _apply(year, settings, actor)
    db.session.commit()
    return year


def tier_ranks(year: ProgramYear) -> dict[CompletionType, int]:
    return {tier.completion_type: tier.rank for tier in year.tiers}


# --------------------------------------------------------------------------- appropriations


def visible_districts(actor: User) -> list[District]:
    """County-wide staff: every active district; district staff: their own."""
    query = (
        select(District)
        .where(District.active.is_(True), in_staff_district(actor, District.id))
        .order_by(District.name)
    )
    return list(db.session.scalars(query))


def get_district(actor: User, district_id: int) -> District:
    """A district the actor's reports may cover (another district: not found)."""
    district = db.session.get(District, district_id)
    if district is None or not staff_sees_district(actor, district.id):
        raise NotFound()
    return district


def appropriations(actor: User, year: ProgramYear) -> dict[int, Appropriation]:
    """district id -> appropriation, for the districts the actor sees."""
    ids = [d.id for d in visible_districts(actor)]
    rows = db.session.scalars(
        select(Appropriation).where(
            Appropriation.program_year_id == year.id, Appropriation.district_id.in_(ids)
        )
    )
    return {row.district_id: row for row in rows}


@atomic
def set_appropriation(
    actor: User, year_id: int, district_id: int, amount_cents: int
) -> Appropriation:
    """What staff expect the district to receive this year (the pot the estimate divides).
    Two first saves at once both find no row; the second insert hits the unique constraint
    (inside a savepoint) and then updates the row the first one made."""
    require(is_staff(actor))
    year = get_year(year_id)
    district = get_district(actor, district_id)
    if not 0 <= amount_cents <= MAX_APPROPRIATION_CENTS:
        raise DomainError("Enter an amount from $0 to $1,000,000,000.", field="amount")
    mine = (Appropriation.program_year_id == year.id, Appropriation.district_id == district.id)
    row = db.session.scalar(select(Appropriation).where(*mine).with_for_update())
    if row is None:
        row = Appropriation(
            program_year_id=year.id,
            district_id=district.id,
            amount_cents=amount_cents,
            updated_by_id=actor.id,
        )
        try:
            with db.session.begin_nested():
                db.session.add(row)
                db.session.flush()
        except IntegrityError:  # saved by someone else meanwhile: update theirs
            row = db.session.scalars(select(Appropriation).where(*mine).with_for_update()).one()
    row.amount_cents = amount_cents
    row.updated_by_id = actor.id
    db.session.commit()
    return row


# --------------------------------------------------------------------------- completions


@dataclass(frozen=True, slots=True)
class CompletionInput:
    completion_type: CompletionType
    name: str
    completed_on: date
    note: str = ""


def _staff_student(actor: User, student_id: int) -> StudentProfile:
    """A student of the staff member's scope (teachers and others never reach here)."""
    require(is_staff(actor))
    return get_student(actor, student_id)


def student_for_staff(actor: User, student_id: int) -> StudentProfile:
    return _staff_student(actor, student_id)


@atomic
def add_completion(actor: User, student_id: int, data: CompletionInput) -> StaffCompletion:
    student = _staff_student(actor, student_id)
    if data.completion_type not in STAFF_ENTERED:
        raise DomainError(
            "Credentials and internships come from their own records; choose a "
            "pre-apprenticeship, apprenticeship or AP course.",
            field="completion_type",
        )
    name = data.name.strip()
    if not name:
        raise DomainError("Name the program or course.", field="name")
    if len(name) > 200:
        raise DomainError("Keep the name to 200 characters.", field="name")
    if data.completed_on > local_today():
        raise DomainError("The completion date cannot be in the future.", field="completed_on")
    if len(data.note) > 2000:
        raise DomainError("Keep the note to 2,000 characters.", field="note")
    duplicate = DomainError(
        f"This completion is already entered: {data.completion_type.label} “{name}” of "
        f"{student.user.full_name}, completed on {data.completed_on:%B} "
        f"{data.completed_on.day}, {data.completed_on.year}.",
        field="name",
    )
    same = db.session.scalar(
        select(StaffCompletion.id).where(
            StaffCompletion.student_id == student.id,
            StaffCompletion.completion_type == data.completion_type,
            StaffCompletion.name_key == name.lower(),
            StaffCompletion.completed_on == data.completed_on,
        )
    )
    if same is not None:
        raise duplicate
    completion = StaffCompletion(
        student_id=student.id,
        completion_type=data.completion_type,
        name=name,
        name_key=name.lower(),
        completed_on=data.completed_on,
        note=data.note.strip(),
        entered_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(completion)
            db.session.flush()
    except IntegrityError:  # entered in another tab meanwhile: the unique constraint said no
        raise duplicate from None
    db.session.commit()
    return completion


def student_completions(student: StudentProfile) -> list[StaffCompletion]:
    return list(
        db.session.scalars(
            select(StaffCompletion)
            .where(StaffCompletion.student_id == student.id)
            .options(selectinload(StaffCompletion.entered_by))
            .order_by(StaffCompletion.completed_on.desc(), StaffCompletion.id.desc())
        )
    )


@atomic
def delete_completion(actor: User, completion_id: int) -> StaffCompletion:
    completion = db.session.get(StaffCompletion, completion_id)
    if completion is None:
        raise NotFound()
    _staff_student(actor, completion.student_id)
    db.session.delete(completion)
    db.session.commit()
    return completion


def completions_in_scope(actor: User, limit: int = 200) -> list[StaffCompletion]:
    """The latest staff-entered completions of the students the actor sees."""
    query = (
        select(StaffCompletion)
        .join(StudentProfile, StaffCompletion.student_id == StudentProfile.id)
        .join(School, StudentProfile.school_id == School.id)
        .where(in_staff_district(actor, School.district_id))
        .options(
            selectinload(StaffCompletion.student).selectinload(StudentProfile.user),
            selectinload(StaffCompletion.student).selectinload(StudentProfile.school),
        )
        .order_by(StaffCompletion.completed_on.desc(), StaffCompletion.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


@atomic
def set_frl(actor: User, student_id: int, *, eligible: bool) -> StudentProfile:
    """Record the student's free/reduced-price lunch eligibility (staff only: it is a
    demographic, used only in the incentive report)."""
    student = _staff_student(actor, student_id)
    student.frl_eligible = eligible
    db.session.commit()
    return student
