"""The county's districts and their high schools: the units that scope data."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wbl.extensions import Base, utcnow

if TYPE_CHECKING:
    from wbl.auth.models import User
    from wbl.students.models import StudentProfile


class District(Base):
    __tablename__ = "district"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # CDS county-district code
    # The student information system's id for the org (OneRoster ``sourcedId``): set by the
    # roster import, which finds the district by it on every later import.
    sourced_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    active: Mapped[bool] = mapped_column(default=True)

    schools: Mapped[list[School]] = relationship(back_populates="district", order_by="School.name")


class School(Base):
    __tablename__ = "school"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    cds_code: Mapped[str | None] = mapped_column(String(20), unique=True)
    sourced_id: Mapped[str | None] = mapped_column(String(255), unique=True)  # OneRoster org
    city: Mapped[str] = mapped_column(String(80), default="")
    zip: Mapped[str] = mapped_column(String(10), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    active: Mapped[bool] = mapped_column(default=True)

    district: Mapped[District] = relationship(back_populates="schools")


class_section_student = Table(
    "class_section_student",
    Base.metadata,
    Column(
        "class_section_id", ForeignKey("class_section.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("student_id", ForeignKey("student_profile.id", ondelete="CASCADE"), primary_key=True),
)


class ClassSection(Base):
    """A teacher's class: the group a guest speaker or a workplace visit is booked for, and
    whose students see the confirmed event (and, later, its attendance)."""

    __tablename__ = "class_section"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    period: Mapped[str] = mapped_column(String(20), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Rostered classes (OneRoster): the SIS's id, and the course's code (the state course code
    # that state reporting needs) and title. Classes staff create by hand have none.
    sourced_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    course_code: Mapped[str] = mapped_column(String(40), default="", server_default="")
    course_title: Mapped[str] = mapped_column(String(120), default="", server_default="")

    school: Mapped[School] = relationship()
    teacher: Mapped[User] = relationship()
    students: Mapped[list[StudentProfile]] = relationship(secondary=class_section_student)
