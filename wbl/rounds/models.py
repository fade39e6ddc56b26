"""Allocation rounds' tables: the round (its offerings, rules, seed and stored result), the
students' ranked choices and the employers' rankings of the students who chose them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wbl.extensions import Base, utcnow
from wbl.reference.models import str_enum

if TYPE_CHECKING:
    from wbl.catalog.models import Offering


class RoundStatus(enum.StrEnum):
    OPEN = "open"  # students rank choices; employers rank applicants
    PROPOSED = "proposed"  # allocation run; staff review the result
    PUBLISHED = "published"  # placements created, everyone told

    @property
    def label(self) -> str:
        return {"open": "Open", "proposed": "Result to review", "published": "Published"}[
            self.value
        ]


class RoundRanking(enum.StrEnum):
    EMPLOYER = "employer"  # each offering's contacts rank the students who chose it
    PRIORITY = "priority"  # staff rules: e.g. seniors first, then a lottery


class AllocationMode(enum.StrEnum):
    """Which allocation a round's result is: both are computed at every run, staff compare
    them and publish one (kept in the round's ``result`` JSON, not a column of its own)."""

    STABLE = "stable"  # deferred acceptance: nobody is outranked where they would rather be
    WELFARE = "welfare"  # most placed, then most first choices, ...; may be unstable

    @property
    def label(self) -> str:
        return {"stable": "Stable (deferred acceptance)", "welfare": "Welfare-optimal"}[self.value]


round_offering = Table(
    "round_offering",
    Base.metadata,
    Column("round_id", ForeignKey("allocation_round.id", ondelete="CASCADE"), primary_key=True),
    Column("offering_id", ForeignKey("offering.id"), primary_key=True),
)

# The students a scramble round is open to (its parent's unplaced students who took part, when
# it opened); an ordinary round has none here and is open to every student.
round_invitee = Table(
    "round_invitee",
    Base.metadata,
    Column("round_id", ForeignKey("allocation_round.id", ondelete="CASCADE"), primary_key=True),
    Column("student_id", ForeignKey("student_profile.id"), primary_key=True, index=True),
)


class AllocationRound(Base):
    """A round for programs with more demand than seats (e.g. summer internships).

    Students rank up to ``max_choices`` of the round's offerings before the deadline; the
    offerings rank students (by employers, or by staff priority rules with a lottery whose
    ``seed`` is stored, so the same inputs give the same result); ``matching.allocate`` then
    finds the student-optimal stable allocation, staff review it and publish it."""

    __tablename__ = "allocation_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    deadline: Mapped[datetime]
    max_choices: Mapped[int] = mapped_column(default=5)
    ranking: Mapped[RoundRanking] = mapped_column(
        str_enum(RoundRanking, 16), default=RoundRanking.PRIORITY
    )
    priority_rules: Mapped[list[str]] = mapped_column(JSON, default=list)
    seed: Mapped[int]
    status: Mapped[RoundStatus] = mapped_column(
        str_enum(RoundStatus, 16), default=RoundStatus.OPEN, index=True
    )
    result: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    run_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    # A scramble: the published round whose leftover seats and unplaced students this one
    # is for (``wbl.rounds.scramble``). Unique: a round has at most one scramble, so a
    # student is never in two scrambles of the same round at once.
    scramble_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("allocation_round.id"), unique=True
    )

    offerings: Mapped[list[Offering]] = relationship(secondary=round_offering)
    scramble_of: Mapped[AllocationRound | None] = relationship(
        remote_side=[id], foreign_keys=[scramble_of_id]
    )


class RoundChoice(Base):
    """A student's ranked choice in a round (rank 1 is the first choice)."""

    __tablename__ = "round_choice"
    __table_args__ = (
        UniqueConstraint("round_id", "student_id", "offering_id"),
        UniqueConstraint("round_id", "student_id", "rank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("allocation_round.id", ondelete="CASCADE"), index=True
    )
    student_id: Mapped[int] = mapped_column(ForeignKey("student_profile.id"), index=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("offering.id"))
    rank: Mapped[int]


class RoundEmployerRank(Base):
    """An employer's ranking of a student who chose its offering in a round."""

    __tablename__ = "round_employer_rank"
    __table_args__ = (
        UniqueConstraint("round_id", "offering_id", "student_id"),
        UniqueConstraint("round_id", "offering_id", "rank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("allocation_round.id", ondelete="CASCADE"), index=True
    )
    offering_id: Mapped[int] = mapped_column(ForeignKey("offering.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student_profile.id"))
    rank: Mapped[int]
