"""A student's profile: school, grade, home location and interests.

Date of birth, home ZIP and guardian details are education records (FERPA): they never
leave the school's and the county's staff (employers never see them).
"""

from __future__ import annotations

import enum
from datetime import date
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wbl.extensions import Base
from wbl.reference.models import str_enum

if TYPE_CHECKING:
    from wbl.auth.models import User
    from wbl.reference.models import Pathway
    from wbl.schools.models import School


class Transportation(enum.StrEnum):
    CAR = "car"
    TRANSIT = "transit"
    WALK_BIKE = "walk_bike"
    RIDE = "ride"  # a family member or friend drives
    NONE = "none"

    @property
    def label(self) -> str:
        return str(TRANSPORTATION_LABELS[self.value])


#: In the reader's language when shown (lazy: the profile form's choices are built at import).
TRANSPORTATION_LABELS: dict[str, LazyString] = {
    "car": _l("Drives own car"),
    "transit": _l("Public transit"),
    "walk_bike": _l("Walks or bikes"),
    "ride": _l("Gets a ride"),
    "none": _l("No transportation"),
}

AVAILABILITY_CHOICES: dict[str, LazyString] = {
    "school_day": _l("During the school day"),
    "after_school": _l("After school"),
    "weekends": _l("Weekends"),
    "summer": _l("Summer"),
}

student_pathway = Table(
    "student_pathway",
    Base.metadata,
    Column("student_id", ForeignKey("student_profile.id", ondelete="CASCADE"), primary_key=True),
    Column("pathway_id", ForeignKey("pathway.id"), primary_key=True),
)


class StudentProfile(Base):
    __tablename__ = "student_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    grade: Mapped[int]
    graduation_year: Mapped[int]
    date_of_birth: Mapped[date]
    home_zip: Mapped[str] = mapped_column(String(10))
    home_latitude: Mapped[float | None]
    home_longitude: Mapped[float | None]
    max_travel_miles: Mapped[int] = mapped_column(default=15)
    transportation: Mapped[Transportation] = mapped_column(
        str_enum(Transportation, 16), default=Transportation.RIDE
    )
    interests: Mapped[str] = mapped_column(Text, default="")
    availability: Mapped[list[str]] = mapped_column(JSON, default=list)
    guardian_name: Mapped[str] = mapped_column(String(120), default="")
    guardian_email: Mapped[str] = mapped_column(String(254), default="")
    # Free/reduced-price lunch eligibility: staff-only, used in incentive funding (120 %).
    frl_eligible: Mapped[bool] = mapped_column(default=False, server_default=false())
    # From the roster: the statewide student identifier (CALPADS SSID) and the district's own.
    ssid: Mapped[str] = mapped_column(String(20), default="", server_default="")
    local_id: Mapped[str] = mapped_column(String(40), default="", server_default="")

    user: Mapped[User] = relationship()
    school: Mapped[School] = relationship()
    pathways: Mapped[list[Pathway]] = relationship(secondary=student_pathway)

    def age_on(self, day: date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
