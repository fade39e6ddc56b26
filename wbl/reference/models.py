"""Reference data staff edit in the app: sectors, pathways, PoG outcomes, preparatory
activities and the experience types of the work-based learning continuum.

Defaults ship in ``wbl/reference/defaults.py`` (from California's CTE model curriculum
and the Sonoma County Portrait of a Graduate) and load with ``flask seed-reference``.
Codes are stable keys; names, descriptions, order and the active flag are the county's.
"""

from __future__ import annotations

import enum

from sqlalchemy import Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wbl.extensions import Base


def str_enum(enum_cls: type[enum.StrEnum], length: int = 32) -> Enum:
    """Store a StrEnum by value as a VARCHAR: the same schema on SQLite and PostgreSQL."""
    return Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class ExperienceKind(enum.StrEnum):
    GUEST_SPEAKER = "guest_speaker"
    WORKPLACE_VISIT = "workplace_visit"
    JOB_SHADOW = "job_shadow"
    WORK_BASED_PROJECT = "work_based_project"
    INTERNSHIP = "internship"


class ContinuumStage(enum.StrEnum):
    AWARENESS = "awareness"
    EXPLORATION = "exploration"
    PREPARATION = "preparation"
    TRAINING = "training"


class _Editable:
    """Columns every staff-editable reference row has."""

    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class IndustrySector(_Editable, Base):
    __tablename__ = "industry_sector"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)

    pathways: Mapped[list[Pathway]] = relationship(
        back_populates="sector", order_by="Pathway.position"
    )


class Pathway(_Editable, Base):
    __tablename__ = "pathway"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    sector_id: Mapped[int] = mapped_column(ForeignKey("industry_sector.id"), index=True)

    sector: Mapped[IndustrySector] = relationship(back_populates="pathways")


class PogOutcome(_Editable, Base):
    """A Portrait of a Graduate outcome (Sonoma County's six by default)."""

    __tablename__ = "pog_outcome"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)


class PreparatoryActivity(_Editable, Base):
    """Done before preparation-stage experiences: survey, resume workshop, mock interview..."""

    __tablename__ = "preparatory_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)


class ExperienceType(_Editable, Base):
    """The five experience types; the code is fixed, the wording and order are the county's."""

    __tablename__ = "experience_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[ExperienceKind] = mapped_column(str_enum(ExperienceKind), unique=True)
    stage: Mapped[ContinuumStage] = mapped_column(str_enum(ContinuumStage, 16))
    is_class_event: Mapped[bool] = mapped_column(default=False)


class EvaluationCategory(_Editable, Base):
    """A category of the supervisor's end-of-placement evaluation, rated 1–4 or N/A
    (California's intern evaluation template by default); staff rename, reorder or retire
    them, and each evaluation keeps the names it was given under."""

    __tablename__ = "evaluation_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
