"""A district's graduation pathway rules.

A rule is data: a kind (which evaluator in ``wbl.pathways.rules`` reads it), its
parameters (JSON, validated by that evaluator's parameter type), and the graduating classes
it applies to. Shipped defaults are created per district by ``seed_all_districts``; staff
of the district edit, disable or add rules.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wbl.extensions import Base, utcnow
from wbl.reference.models import str_enum

if TYPE_CHECKING:
    from wbl.auth.models import User
    from wbl.schools.models import District


class RuleKind(enum.StrEnum):
    CREDENTIAL_POINTS = "credential_points"  # Ohio: 12 points in one career field + WorkKeys
    WBL_HOURS = "wbl_hours"  # Ohio: a 250-hour experience with positive evaluations
    DISTRICT_CERTIFICATE = "district_certificate"  # Colorado: accepted cert for English/math

    @property
    def label(self) -> str:
        return {
            "credential_points": "Credential points and WorkKeys",
            "wbl_hours": "Work-based learning hours with positive evaluations",
            "district_certificate": "District-accepted industry certificate",
        }[self.value]


class PathwayRule(Base):
    __tablename__ = "pathway_rule"
    __table_args__ = (
        CheckConstraint(
            "classes_from IS NULL OR classes_to IS NULL OR classes_from <= classes_to",
            name="class_range",
        ),
        UniqueConstraint("district_id", "preset"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    kind: Mapped[RuleKind] = mapped_column(str_enum(RuleKind, 32))
    # The shipped default this rule was made from (``services.DEFAULT_RULES``); None for a
    # rule staff added. Lets ``seed_all_districts`` add only what a district lacks.
    preset: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    classes_from: Mapped[int | None]  # first graduating class it applies to (None: all before)
    classes_to: Mapped[int | None]  # last graduating class (None: all after)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    district: Mapped[District] = relationship()
    updated_by: Mapped[User | None] = relationship()

    def applies_to(self, graduation_year: int) -> bool:
        return (self.classes_from is None or graduation_year >= self.classes_from) and (
            self.classes_to is None or graduation_year <= self.classes_to
        )
