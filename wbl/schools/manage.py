"""Districts and schools by hand (Administration ▸ Districts and schools), for a county with
no roster file yet, or a school the roster does not carry.

Who keeps them: the county office — administrators and county-wide CTE staff. A district's
staff read their own district and its schools but change neither: districts and schools are
the units every scope in WBL is built on (a school's district decides which district staff
see its students), and their CDS codes are the keys the state reporting and the roster import
match on, so one office keeps them consistent for the whole county (as it keeps the
credential catalog). Nothing is ever deleted: deactivating leaves a district or school out of
the lists people pick from, and every record that names it stays as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from wbl.access import require
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db, lock_row
from wbl.geocoding.services import zip_centroid, zip_info
from wbl.pagination import paginate
from wbl.schools import rules
from wbl.schools.models import District, School
from wbl.scopes import (
    in_staff_district,
    is_county_wide,
    is_staff,
    staff_sees_district,
    staff_sees_school,
)

if TYPE_CHECKING:
    from wbl.auth.models import User

DISTRICTS_PER_PAGE = 25
SCHOOLS_PER_PAGE = 25


@dataclass(frozen=True, slots=True)
class DistrictInput:
    name: str
    code: str


@dataclass(frozen=True, slots=True)
class SchoolInput:
    name: str
    cds_code: str
    city: str
    zip: str


@dataclass(frozen=True, slots=True)
class DistrictRow:
    district: District
    active_schools: int
    schools: int


def keeps_districts(actor: User) -> bool:
    """Administrators and county-wide CTE staff (see the module's docstring for why)."""
    return is_county_wide(actor)


# --- Reading ----------------------------------------------------------------------------


def _visible_districts(actor: User) -> Select[District]:
    return select(District).where(in_staff_district(actor, District.id))


def districts_page(actor: User, page: int) -> tuple[Pagination, list[DistrictRow]]:
    """The districts the actor sees (active first, by name), each with its school counts."""
    require(is_staff(actor))
    listed = paginate(
        _visible_districts(actor).order_by(District.active.desc(), District.name),
        page=page,
        per_page=DISTRICTS_PER_PAGE,
    )
    ids = [d.id for d in listed.items]
    counts = {
        district_id: (active or 0, total)
        for district_id, active, total in db.session.execute(
            select(
                School.district_id,
                func.sum(func.cast(School.active, db.Integer)),
                func.count(School.id),
            )
            .where(School.district_id.in_(ids))
            .group_by(School.district_id)
        )
    }
    rows = [DistrictRow(d, *counts.get(d.id, (0, 0))) for d in listed.items]
    return listed, rows


def get_district(actor: User, district_id: int) -> District:
    """A district the actor may see; another district is not found."""
    require(is_staff(actor))
    district = db.session.get(District, district_id)
    if district is None or not staff_sees_district(actor, district.id):
        raise NotFound()
    return district


def schools_page(actor: User, district_id: int, page: int) -> Pagination:
    district = get_district(actor, district_id)
    return paginate(
        select(School)
        .where(School.district_id == district.id)
        .order_by(School.active.desc(), School.name),
        page=page,
        per_page=SCHOOLS_PER_PAGE,
    )


def get_school(actor: User, school_id: int) -> School:
    require(is_staff(actor))
    school = db.session.get(School, school_id)
    if school is None or not staff_sees_school(actor, school):
        raise NotFound()
    return school


def district_to_keep(actor: User, district_id: int) -> District:
    """A district the actor may change (Forbidden for a district's own staff)."""
    district = get_district(actor, district_id)
    require(keeps_districts(actor))
    return district


def school_to_keep(actor: User, school_id: int) -> School:
    school = get_school(actor, school_id)
    require(keeps_districts(actor))
    return school


# --- Checks -----------------------------------------------------------------------------


def _check_district(data: DistrictInput, *, keep_id: int | None) -> tuple[str, str]:
    name, code = data.name.strip(), rules.normalise_code(data.code)
    problem = rules.name_problem(name)
    if problem:
        raise DomainError(problem, field="name")
    problem = rules.district_code_problem(code)
    if problem:
        raise DomainError(problem, field="code")
    others = select(District).where(District.id != keep_id) if keep_id else select(District)
    same_name = db.session.scalar(others.where(func.lower(District.name) == name.lower()).limit(1))
    if same_name is not None:
        raise DomainError(f"There is already a district called “{same_name.name}”.", field="name")
    same_code = db.session.scalar(others.where(District.code == code).limit(1))
    if same_code is not None:
        raise DomainError(f"{same_code.name} already has the code {code}.", field="code")
    return name, code


def _check_school(
    data: SchoolInput, district: District, *, keep_id: int | None
) -> tuple[str, str, str, str, float, float]:
    name, code = data.name.strip(), rules.normalise_code(data.cds_code)
    problem = rules.name_problem(name)
    if problem:
        raise DomainError(problem, field="name")
    problem = rules.school_code_problem(code, district.code)
    if problem:
        raise DomainError(problem, field="cds_code")
    problem = rules.city_problem(data.city)
    if problem:
        raise DomainError(problem, field="city")
    zip_code = data.zip.strip()
    where = zip_centroid(zip_code)  # UnknownZip on the zip field
    city = data.city.strip()
    if not city:
        known = zip_info(zip_code)
        city = known.city if known is not None else ""
    others = select(School).where(School.id != keep_id) if keep_id else select(School)
    same_name = db.session.scalar(others.where(func.lower(School.name) == name.lower()).limit(1))
    if same_name is not None:
        raise DomainError(f"There is already a school called “{same_name.name}”.", field="name")
    same_code = db.session.scalar(others.where(School.cds_code == code).limit(1))
    if same_code is not None:
        raise DomainError(f"{same_code.name} already has the CDS code {code}.", field="cds_code")
    return name, code, city, zip_code[:5], where.latitude, where.longitude


def _flush(field: str) -> None:
    """Two people saving the same name or code at once: the unique index decides."""
    try:
        db.session.flush()
    except IntegrityError:
        raise DomainError(
            "Someone saved a district or school with that name or code a moment ago.",
            field=field,
        ) from None


# --- Changes ----------------------------------------------------------------------------


@atomic
def create_district(actor: User, data: DistrictInput) -> District:
    require(keeps_districts(actor))
    name, code = _check_district(data, keep_id=None)
    district = District(name=name, code=code, active=True)
    db.session.add(district)
    _flush("name")
    db.session.commit()
    return district


@atomic
def update_district(actor: User, district_id: int, data: DistrictInput) -> District:
    """A new code does not change the schools' CDS codes: staff correct those one by one."""
    district_to_keep(actor, district_id)
    district = lock_row(District, district_id)
    district.name, district.code = _check_district(data, keep_id=district.id)
    _flush("name")
    db.session.commit()
    return district


@atomic
def set_district_active(actor: User, district_id: int, active: bool) -> tuple[District, int]:
    """Deactivating a district deactivates its active schools too (returned: how many);
    reactivating brings back the district alone, and staff reactivate the schools they
    want. Every record stays."""
    district_to_keep(actor, district_id)
    district = lock_row(District, district_id)
    district.active = active
    changed = 0
    if not active:
        for school in db.session.scalars(
            select(School).where(School.district_id == district.id, School.active.is_(True))
        ):
            school.active = False
            changed += 1
    db.session.commit()
    return district, changed


@atomic
def create_school(actor: User, district_id: int, data: SchoolInput) -> School:
    district = district_to_keep(actor, district_id)
    if not district.active:
        raise DomainError(f"{district.name} is inactive: reactivate it first.")
    name, code, city, zip_code, latitude, longitude = _check_school(data, district, keep_id=None)
    school = School(
        district_id=district.id,
        name=name,
        cds_code=code,
        city=city,
        zip=zip_code,
        latitude=latitude,
        longitude=longitude,
        active=True,
    )
    db.session.add(school)
    _flush("name")
    db.session.commit()
    return school


@atomic
def update_school(actor: User, school_id: int, data: SchoolInput) -> School:
    school_to_keep(actor, school_id)
    school = lock_row(School, school_id)
    name, code, city, zip_code, latitude, longitude = _check_school(
        data, school.district, keep_id=school.id
    )
    school.name, school.cds_code, school.city = name, code, city
    if zip_code != school.zip or school.latitude is None:
        school.zip, school.latitude, school.longitude = zip_code, latitude, longitude
    _flush("name")
    db.session.commit()
    return school


@atomic
def set_school_active(actor: User, school_id: int, active: bool) -> School:
    school_to_keep(actor, school_id)
    school = lock_row(School, school_id)
    if active and not school.district.active:
        raise DomainError(f"{school.district.name} is inactive: reactivate the district first.")
    school.active = active
    db.session.commit()
    return school
