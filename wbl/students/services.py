"""Students keep their own matching profile: where they live, how far they can travel,
what interests them and when they are free. Recommendations follow the profile at once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wbl.access import Role, require
from wbl.auth.models import User
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db
from wbl.geocoding.services import UnknownZip, locate
from wbl.reference.models import Pathway
from wbl.scopes import staff_sees_student, teaches
from wbl.students.models import AVAILABILITY_CHOICES, StudentProfile, Transportation
from wbl.students.queries import profile_for_user

MAX_PATHWAYS = 3
MAX_TRAVEL_MILES = 100


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
        raise NotFound("Your student profile has not been set up yet. Ask your teacher.")
    return profile


@atomic
def update_own_profile(actor: User, update: ProfileUpdate) -> StudentProfile:
    """Save the student's matching profile. The home ZIP is placed offline at its centre
    (we never store a student's street address)."""
    profile = own_profile(actor)
    if not 1 <= update.max_travel_miles <= MAX_TRAVEL_MILES:
        raise DomainError(
            f"Choose a distance from 1 to {MAX_TRAVEL_MILES} miles.", field="max_travel_miles"
        )
    if len(update.pathway_ids) > MAX_PATHWAYS:
        raise DomainError(f"Choose up to {MAX_PATHWAYS} pathways.", field="pathway_ids")
    unknown = set(update.availability) - set(AVAILABILITY_CHOICES)
    if unknown:
        raise DomainError("Choose from the times listed.", field="availability")
    pathways = list(
        db.session.scalars(
            select(Pathway).where(Pathway.id.in_(update.pathway_ids), Pathway.active.is_(True))
        )
    )
    if len(pathways) != len(update.pathway_ids):
        raise DomainError("Choose pathways from the list.", field="pathway_ids")
    try:
        location = locate(zip_code=update.home_zip)
    except UnknownZip as error:
        raise UnknownZip(error.message, field="home_zip") from None
    profile.home_zip = update.home_zip.strip()[:5]
    profile.home_latitude, profile.home_longitude = location.latitude, location.longitude
    profile.max_travel_miles = update.max_travel_miles
    profile.transportation = update.transportation
    profile.pathways = pathways
    profile.interests = update.interests.strip()
    profile.availability = sorted(update.availability)
    db.session.commit()
    return profile
