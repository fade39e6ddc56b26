"""Read side of pathways: students' rows turned into the rule engine's snapshots.

:func:`student_records` builds a :class:`~wbl.pathways.rules.StudentRecord` for any set of
students -- one student or a whole school -- in a fixed number of queries (students,
chosen career fields, earned credentials, WorkKeys scores, placements with confirmed hours
and evaluations, district policies, the active catalog), whatever their number.

Confirmed hours are summed here as in ``wbl.hours.logs`` (only supervisor-confirmed entries
count), grouped per placement.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from wbl.auth.models import User
from wbl.catalog.models import Offering
from wbl.credentials.models import (
    Credential,
    DistrictCredentialPolicy,
    StudentCredential,
    WorkKeysScore,
)
from wbl.evaluations.models import PlacementEvaluation
from wbl.extensions import db
from wbl.hours.models import EntryStatus, HourEntry
from wbl.pathways import rules
from wbl.pathways.models import PathwayRule
from wbl.placements.models import Placement, PlacementStatus
from wbl.reference.models import IndustrySector, Pathway
from wbl.schools.models import School
from wbl.students.models import StudentProfile, student_pathway


@dataclass(frozen=True, slots=True)
class StudentLine:
    """Who a record is about, for lists."""

    student_id: int
    name: str
    grade: int
    graduation_year: int
    district_id: int


# What the engine knows of a catalog credential (``rules.CatalogCredential``'s fields).
_CREDENTIAL_COLUMNS = (
    Credential.id,
    Credential.name,
    Credential.issuer,
    Credential.sector_id,
    IndustrySector.name,
    Credential.points,
)


def district_rules(district_id: int, *, active_only: bool = True) -> Select[PathwayRule]:
    query = select(PathwayRule).where(PathwayRule.district_id == district_id)
    if active_only:
        query = query.where(PathwayRule.active.is_(True))
    return query.order_by(PathwayRule.position, PathwayRule.id)


def school_students(
    school_id: int,
    graduation_year: int | None = None,
    *,
    grade: int | None = None,
    name: str = "",
) -> Select[int]:
    """The school's students with an active account (optionally one graduating class, one
    grade, and those whose name contains ``name``, in any case)."""
    query = (
        select(StudentProfile.id)
        .join(User, User.id == StudentProfile.user_id)
        .where(StudentProfile.school_id == school_id, User.active.is_(True))
    )
    if graduation_year is not None:
        query = query.where(StudentProfile.graduation_year == graduation_year)
    if grade is not None:
        query = query.where(StudentProfile.grade == grade)
    if name:
        query = query.where(func.lower(User.full_name).contains(name.lower(), autoescape=True))
    return query


def school_classes_and_grades(school_id: int) -> tuple[list[int], list[int]]:
    """The graduating classes and the grades among a school's students, for the filters
    (one query)."""
    pairs = db.session.execute(
        select(StudentProfile.graduation_year, StudentProfile.grade)
        .where(StudentProfile.school_id == school_id)
        .distinct()
    ).all()
    return sorted({year for year, _ in pairs}), sorted({grade for _, grade in pairs})


def _ratings(evaluation_ratings: object, outcome_ratings: object) -> tuple[int | None, ...]:
    values: list[int | None] = []
    for group in (evaluation_ratings, outcome_ratings):
        for item in group if isinstance(group, list) else []:
            rating = item.get("rating") if isinstance(item, dict) else None
            values.append(
                rating if isinstance(rating, int) and not isinstance(rating, bool) else None
            )
    return tuple(values)


def catalog() -> tuple[rules.CatalogCredential, ...]:
    """Every active credential of the catalog with its career field (one query)."""
    return tuple(
        rules.CatalogCredential(cid, name, issuer, sector_id, sector_name, points)
        for cid, name, issuer, sector_id, sector_name, points in db.session.execute(
            select(*_CREDENTIAL_COLUMNS)
            .join(IndustrySector, IndustrySector.id == Credential.sector_id)
            .where(Credential.active.is_(True))
            .order_by(Credential.name, Credential.id)
        )
    )


def student_records(
    student_ids: Select[int],
) -> tuple[list[StudentLine], dict[int, rules.StudentRecord]]:
    """The students of ``student_ids`` (a select of ids), sorted by name, with their
    snapshots: seven queries whatever the number of students."""
    ids = student_ids.scalar_subquery()
    lines = [
        StudentLine(*row)
        for row in db.session.execute(
            select(
                StudentProfile.id,
                User.full_name,
                StudentProfile.grade,
                StudentProfile.graduation_year,
                School.district_id,
            )
            .join(User, User.id == StudentProfile.user_id)
            .join(School, School.id == StudentProfile.school_id)
            .where(StudentProfile.id.in_(ids))
            .order_by(User.full_name, StudentProfile.id)
        )
    ]
    fields: dict[int, list[int]] = defaultdict(list)
    for student_id, sector_id in db.session.execute(
        select(student_pathway.c.student_id, Pathway.sector_id)
        .join(Pathway, Pathway.id == student_pathway.c.pathway_id)
        .where(student_pathway.c.student_id.in_(ids))
        .order_by(Pathway.position, Pathway.id)
    ):
        if sector_id not in fields[student_id]:
            fields[student_id].append(sector_id)

    earned: dict[int, list[rules.EarnedCredential]] = defaultdict(list)
    for row in db.session.execute(
        select(
            StudentCredential.student_id,
            StudentCredential.status,
            StudentCredential.earned_on,
            StudentCredential.expires_on,
            *_CREDENTIAL_COLUMNS,
        )
        .join(Credential, Credential.id == StudentCredential.credential_id)
        .join(IndustrySector, IndustrySector.id == Credential.sector_id)
        .where(StudentCredential.student_id.in_(ids))
        .order_by(StudentCredential.earned_on, StudentCredential.id)
    ):
        student_id, status, earned_on, expires_on, *credential = row
        earned[student_id].append(
            rules.EarnedCredential(
                rules.CatalogCredential(*credential), status, earned_on, expires_on
            )
        )

    scores: dict[int, list[rules.WorkKeysResult]] = defaultdict(list)
    for student_id, test, level, tested_on in db.session.execute(
        select(
            WorkKeysScore.student_id,
            WorkKeysScore.test,
            WorkKeysScore.level,
            WorkKeysScore.tested_on,
        ).where(WorkKeysScore.student_id.in_(ids))
    ):
        scores[student_id].append(rules.WorkKeysResult(test, level, tested_on))

    confirmed = (
        select(HourEntry.placement_id, func.sum(HourEntry.minutes).label("minutes"))
        .where(HourEntry.student_id.in_(ids), HourEntry.status == EntryStatus.CONFIRMED)
        .group_by(HourEntry.placement_id)
        .subquery()
    )
    experiences: dict[int, list[rules.Experience]] = defaultdict(list)
    for row in db.session.execute(
        select(
            Placement.id,
            Placement.student_id,
            Placement.status,
            Offering.title,
            func.coalesce(confirmed.c.minutes, 0),
            PlacementEvaluation.id,
            PlacementEvaluation.ratings,
            PlacementEvaluation.outcome_ratings,
        )
        .join(Offering, Offering.id == Placement.offering_id)
        .outerjoin(confirmed, confirmed.c.placement_id == Placement.id)
        .outerjoin(PlacementEvaluation, PlacementEvaluation.placement_id == Placement.id)
        .where(Placement.student_id.in_(ids), Placement.status != PlacementStatus.CANCELLED)
        .order_by(Placement.start_date, Placement.id)
    ):
        placement_id, student_id, status, title, minutes, evaluation_id, ratings, outcomes = tuple(
            row
        )
        experiences[student_id].append(
            rules.Experience(
                placement_id=placement_id,
                title=title,
                completed=status is PlacementStatus.COMPLETED,
                confirmed_minutes=int(minutes),
                ratings=_ratings(ratings, outcomes) if evaluation_id is not None else None,
            )
        )

    districts = {line.district_id for line in lines}
    policies: dict[int, list[rules.Policy]] = defaultdict(list)
    if districts:
        for policy in db.session.scalars(
            select(DistrictCredentialPolicy).where(
                DistrictCredentialPolicy.district_id.in_(districts)
            )
        ):
            policies[policy.district_id].append(
                rules.Policy(
                    policy.district_id,
                    policy.credential_id,
                    policy.accepted_for_graduation,
                    policy.counts_toward,
                )
            )
    shared_catalog = catalog() if lines else ()
    # One tuple per district, shared by its students (the engine remembers per tuple).
    district_policies = {district_id: tuple(found) for district_id, found in policies.items()}
    records = {
        line.student_id: rules.StudentRecord(
            student_id=line.student_id,
            district_id=line.district_id,
            graduation_year=line.graduation_year,
            credentials=tuple(earned[line.student_id]),
            policies=district_policies.get(line.district_id, ()),
            workkeys=tuple(scores[line.student_id]),
            experiences=tuple(experiences[line.student_id]),
            career_field_ids=tuple(fields[line.student_id]),
            catalog=shared_catalog,
        )
        for line in lines
    }
    return lines, records
