"""The end of a placement: the supervisor's evaluation and the student's reflection.

An evaluation keeps the names it was given under (categories and outcomes are staff-edited
reference data that can be renamed or retired later), so its ratings are stored with them:
``ratings`` is ``[{"code", "name", "rating"}]`` for the evaluation categories and
``outcome_ratings`` ``[{"outcome_id", "code", "name", "rating"}]`` for the PoG outcomes the
offering develops; a rating is 1–4, or ``None`` for N/A.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wbl.extensions import Base, utcnow

if TYPE_CHECKING:
    from wbl.auth.models import User
    from wbl.placements.models import Placement
    from wbl.students.models import StudentProfile

RATINGS = {1: "Does not meet", 2: "Partially meets", 3: "Meets", 4: "Above expectations"}


class PlacementEvaluation(Base):
    __tablename__ = "placement_evaluation"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id"), unique=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    ratings: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    outcome_ratings: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    comment: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    placement: Mapped[Placement] = relationship()
    evaluator: Mapped[User] = relationship()


class PlacementReflection(Base):
    """What the student says they did and learned; with the evaluation, it makes the
    placement's portfolio artifact draft."""

    __tablename__ = "placement_reflection"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id"), unique=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student_profile.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    placement: Mapped[Placement] = relationship()
    student: Mapped[StudentProfile] = relationship()
