"""Worksite visits (issue 21, "Safe placements"): staff or a teacher goes to a placement's
worksite and records what they found, against a checklist of safety and learning items the
district keeps.

A visit keeps the checklist's items as they read on the day it was recorded
(``WorksiteVisitAnswer.item_text``): a district that rewords or drops an item later does not
rewrite what an earlier visitor answered. A visit may ask for a follow-up; staff close it when
it is done (a compare-and-set on ``follow_up_closed_at``).

A placement is *visit due* by the district's rule (``wbl.visits.rules``) or because staff
flagged it by hand (``VisitDueFlag``); the next visit recorded clears the flag.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import gettext
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wbl.extensions import Base, utcnow
from wbl.reference.models import str_enum

if TYPE_CHECKING:
    from wbl.auth.models import User
    from wbl.placements.models import Placement


class ChecklistAnswer(enum.StrEnum):
    YES = "yes"
    NO = "no"
    NOT_APPLICABLE = "na"

    @property
    def label(self) -> str:
        return {
            "yes": gettext("Yes"),
            "no": gettext("No"),
            "na": gettext("Not applicable"),
        }[self.value]


class VisitorRole(enum.StrEnum):
    """In what capacity the visitor went: the same account may be staff and a teacher."""

    STAFF = "staff"
    TEACHER = "teacher"

    @property
    def label(self) -> str:
        return {"staff": gettext("program staff"), "teacher": gettext("a teacher")}[self.value]


class VisitSettings(Base):
    """A district's visit rule: a placement is due a visit ``due_after_days`` days after its
    start or its last visit. A district without a row uses the default (``rules``)."""

    __tablename__ = "visit_settings"

    district_id: Mapped[int] = mapped_column(
        ForeignKey("district.id", ondelete="CASCADE"), primary_key=True
    )
    due_after_days: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class VisitChecklistItem(Base):
    """One item of a district's visit checklist, in order. A district without items uses
    the documented defaults (``rules.DEFAULT_CHECKLIST``)."""

    __tablename__ = "visit_checklist_item"
    __table_args__ = (UniqueConstraint("district_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(
        ForeignKey("district.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    text: Mapped[str] = mapped_column(String(200))


class WorksiteVisit(Base):
    __tablename__ = "worksite_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placement.id", ondelete="CASCADE"), index=True
    )
    visited_on: Mapped[date] = mapped_column(index=True)
    visitor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    visitor_role: Mapped[VisitorRole] = mapped_column(str_enum(VisitorRole, 16))
    notes: Mapped[str] = mapped_column(Text, default="")
    follow_up_needed: Mapped[bool] = mapped_column(default=False)
    follow_up: Mapped[str] = mapped_column(Text, default="")  # what needs doing
    # Set once, by staff, when the follow-up is done (None: still open, or none needed).
    follow_up_closed_at: Mapped[datetime | None]
    follow_up_closed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    follow_up_outcome: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    placement: Mapped[Placement] = relationship()
    visitor: Mapped[User | None] = relationship(foreign_keys=[visitor_id])
    follow_up_closed_by: Mapped[User | None] = relationship(foreign_keys=[follow_up_closed_by_id])
    answers: Mapped[list[WorksiteVisitAnswer]] = relationship(
        back_populates="visit",
        cascade="all, delete-orphan",
        order_by="WorksiteVisitAnswer.position",
    )

    @property
    def follow_up_open(self) -> bool:
        return self.follow_up_needed and self.follow_up_closed_at is None


class WorksiteVisitAnswer(Base):
    """One checklist item as it read when the visit was recorded, and the answer."""

    __tablename__ = "worksite_visit_answer"
    __table_args__ = (UniqueConstraint("visit_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("worksite_visit.id", ondelete="CASCADE"))
    position: Mapped[int]
    item_text: Mapped[str] = mapped_column(String(200))
    answer: Mapped[ChecklistAnswer] = mapped_column(str_enum(ChecklistAnswer, 8))

    visit: Mapped[WorksiteVisit] = relationship(back_populates="answers")


class VisitDueFlag(Base):
    """Staff marked a placement "visit due" by hand (a concern, a change of supervisor); the
    next visit recorded on it removes the flag."""

    __tablename__ = "visit_due_flag"

    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placement.id", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str] = mapped_column(String(500), default="")
    flagged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    flagged_at: Mapped[datetime] = mapped_column(default=utcnow)

    flagged_by: Mapped[User | None] = relationship()
