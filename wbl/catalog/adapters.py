"""Database rows -> the matching library's plain types (matching knows nothing of the app)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

import matching
from wbl.catalog.models import Offering
from wbl.extensions import db
from wbl.placements.readiness import completed_codes_query
from wbl.students.models import StudentProfile, Transportation, student_pathway

# Our transport choices -> the library's vocabulary. A ride from family is like a car for
# distance; the library limits walkers, bikers, transit riders and students with none.
_TRANSPORT = {
    Transportation.CAR: "car",
    Transportation.RIDE: "car",
    Transportation.TRANSIT: "transit",
    Transportation.WALK_BIKE: "walk_bike",
    Transportation.NONE: "none",
}


def to_match_offering(offering: Offering) -> matching.Offering:
    latitude = offering.latitude if offering.latitude is not None else offering.partner.latitude
    longitude = offering.longitude if offering.longitude is not None else offering.partner.longitude
    return matching.Offering(
        id=offering.id,
        type=offering.kind.value,
        title=offering.title,
        text=" ".join((offering.title, offering.description, offering.skills)),
        partner_name=offering.partner.name,
        pathway_ids=frozenset(p.id for p in offering.pathways),
        sector_id=offering.partner.sector_id,
        latitude=None if offering.is_virtual else latitude,
        longitude=None if offering.is_virtual else longitude,
        virtual=offering.is_virtual,
        seats_left=offering.seats_left,
        start_date=offering.start_date,
        end_date=offering.end_date,
        application_deadline=offering.application_deadline,
        minimum_age=offering.minimum_age,
        min_grade=offering.min_grade,
        prerequisites=frozenset(a.code for a in offering.prerequisites),
    )


def _student(
    source: Any,  # a StudentProfile, or a Row of its columns
    pathway_ids: frozenset[int],
    completed_prerequisites: frozenset[str] = frozenset(),
    experience_types_done: frozenset[str] = frozenset(),
    offerings_taken: frozenset[int] = frozenset(),
) -> matching.Student:
    """One conversion for an ORM profile and a plain row alike (same attribute names)."""
    return matching.Student(
        id=source.id,
        grade=source.grade,
        interests=source.interests,
        pathway_ids=pathway_ids,
        latitude=source.home_latitude,
        longitude=source.home_longitude,
        max_travel_miles=float(source.max_travel_miles),
        transportation=_TRANSPORT[source.transportation],
        date_of_birth=source.date_of_birth,
        completed_prerequisites=completed_prerequisites,
        experience_types_done=experience_types_done,
        availability=frozenset(source.availability or ()).intersection(matching.AVAILABILITY_SLOTS),
        offerings_taken=offerings_taken,
    )


def to_match_student(
    profile: StudentProfile,
    *,
    completed_prerequisites: frozenset[str] = frozenset(),
    experience_types_done: frozenset[str] = frozenset(),
    offerings_taken: frozenset[int] = frozenset(),
) -> matching.Student:
    return _student(
        profile,
        frozenset(p.id for p in profile.pathways),
        completed_prerequisites,
        experience_types_done,
        offerings_taken,
    )


def match_students(profiles: Select[StudentProfile]) -> list[matching.Student]:
    """Many students as the matcher sees them, read as plain rows (three queries: profiles,
    pathways, done preparatory activities; no ORM objects): the reverse query looks at a
    whole district or county at once."""
    scope = profiles.with_only_columns(StudentProfile.id).scalar_subquery()
    rows = db.session.execute(
        select(
            StudentProfile.id,
            StudentProfile.grade,
            StudentProfile.interests,
            StudentProfile.home_latitude,
            StudentProfile.home_longitude,
            StudentProfile.max_travel_miles,
            StudentProfile.transportation,
            StudentProfile.date_of_birth,
            StudentProfile.availability,
        ).where(StudentProfile.id.in_(scope))
    ).all()
    pathways: dict[int, set[int]] = {}
    for student_id, pathway_id in db.session.execute(
        select(student_pathway.c.student_id, student_pathway.c.pathway_id).where(
            student_pathway.c.student_id.in_(scope)
        )
    ):
        pathways.setdefault(student_id, set()).add(pathway_id)
    completed: dict[int, set[str]] = {}
    for student_id, code in db.session.execute(completed_codes_query(scope)):
        completed.setdefault(student_id, set()).add(code)
    return [
        _student(
            row,
            frozenset(pathways.get(row.id, ())),
            completed_prerequisites=frozenset(completed.get(row.id, ())),
        )
        for row in rows
    ]
