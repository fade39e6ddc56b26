"""From "interested" to "placed": readiness, applications, guardian consent, placements.

An application moves through these states (every move is kept in ``ApplicationEvent``):

    submitted --teacher approves--> approved --employer accepts--> accepted (a seat is taken)
        |                              |                              |
        +--teacher returns--> returned |--employer declines--> declined
                                       +--no seat left--> waitlisted (offered the next free seat)
    accepted --guardian consents (or the student is an adult)--> placed (a Placement exists)
    accepted --guardian refuses / no answer in time--> consent_refused / consent_expired
    any active state --student--> withdrawn;  --staff--> cancelled

Seats are taken and given back only by conditional UPDATEs on ``offering.seats_taken``
(``wbl/placements/seats.py``); a seat is held from the employer's acceptance to the end of
the placement, and released by a refusal, an expiry, a withdrawal or a cancellation.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import gettext, pgettext
from sqlalchemy import (
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wbl.extensions import Base, utcnow
from wbl.reference.models import str_enum

if TYPE_CHECKING:
    from wbl.auth.models import User
    from wbl.catalog.models import Offering, PartnerContact
    from wbl.reference.models import PreparatoryActivity
    from wbl.students.models import StudentProfile


class ReadinessRecord(Base):
    """A preparatory activity a student has done, recorded by a teacher or staff."""

    __tablename__ = "readiness_record"
    __table_args__ = (UniqueConstraint("student_id", "activity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student_profile.id", ondelete="CASCADE"), index=True
    )
    activity_id: Mapped[int] = mapped_column(ForeignKey("preparatory_activity.id"))
    completed_on: Mapped[date]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    student: Mapped[StudentProfile] = relationship()
    activity: Mapped[PreparatoryActivity] = relationship()
    recorded_by: Mapped[User] = relationship()


class ApplicationStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    WAITLISTED = "waitlisted"
    ACCEPTED = "accepted"
    PLACED = "placed"
    DECLINED = "declined"
    CONSENT_REFUSED = "consent_refused"
    CONSENT_EXPIRED = "consent_expired"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {
            "submitted": gettext("Waiting for your teacher"),
            "returned": gettext("Returned by the teacher"),
            "approved": gettext("Waiting for the employer"),
            "waitlisted": gettext("On the waitlist"),
            "accepted": gettext("Accepted: waiting for guardian consent"),
            "placed": gettext("Placed"),
            "declined": gettext("Declined"),
            "consent_refused": gettext("Guardian did not consent"),
            "consent_expired": gettext("Consent not given in time"),
            "withdrawn": gettext("Withdrawn"),
            "cancelled": gettext("Cancelled"),
        }[self.value]

    @property
    def is_active(self) -> bool:
        return self in ACTIVE_STATUSES


ACTIVE_STATUSES = frozenset(
    {
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.RETURNED,
        ApplicationStatus.APPROVED,
        ApplicationStatus.WAITLISTED,
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.PLACED,
    }
)
# The statuses in which the application holds one of the offering's seats.
SEAT_HOLDING = frozenset({ApplicationStatus.ACCEPTED, ApplicationStatus.PLACED})

_ACTIVE_SQL = "status IN ({})".format(", ".join(f"'{s.value}'" for s in sorted(ACTIVE_STATUSES)))


class Application(Base):
    __tablename__ = "application"
    __table_args__ = (
        # One active application per offering per student, enforced by the database (a
        # double submit, a second tab or the back button cannot make a second one).
        Index(
            "uq_application_active",
            "student_id",
            "offering_id",
            unique=True,
            sqlite_where=text(_ACTIVE_SQL),
            postgresql_where=text(_ACTIVE_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student_profile.id"), index=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("offering.id"), index=True)
    statement: Mapped[str] = mapped_column(Text)
    share_resume: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ApplicationStatus] = mapped_column(
        str_enum(ApplicationStatus, 20), default=ApplicationStatus.SUBMITTED, index=True
    )
    teacher_comment: Mapped[str] = mapped_column(Text, default="")
    employer_message: Mapped[str] = mapped_column(Text, default="")
    waitlisted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    student: Mapped[StudentProfile] = relationship()
    offering: Mapped[Offering] = relationship()
    events: Mapped[list[ApplicationEvent]] = relationship(
        back_populates="application",
        cascade="all, delete-orphan",
        order_by="ApplicationEvent.id",
    )
    consent: Mapped[GuardianConsent | None] = relationship(
        back_populates="application", cascade="all, delete-orphan"
    )
    placement: Mapped[Placement | None] = relationship(back_populates="application")

    @property
    def completed(self) -> bool:
        """Its placement has ended (the application itself stays "placed")."""
        return self.placement is not None and self.placement.status is PlacementStatus.COMPLETED


class ApplicationEvent(Base):
    """Who changed an application, from what to what, when (and why)."""

    __tablename__ = "application_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str] = mapped_column(String(20), default="")
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_label: Mapped[str] = mapped_column(String(160), default="")  # e.g. "guardian"
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[Application] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class ConsentStatus(enum.StrEnum):
    PENDING = "pending"
    GIVEN = "given"
    REFUSED = "refused"
    EXPIRED = "expired"


class ConsentMethod(enum.StrEnum):
    LINK = "link"  # the guardian answered from the e-mailed link
    PAPER = "paper"  # staff recorded a signed paper form, with its scan


class GuardianConsent(Base):
    """A guardian's answer for a minor's placement. The e-mailed link carries this row's id
    and ``nonce``; answering clears the nonce, so the link works once."""

    __tablename__ = "guardian_consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), unique=True
    )
    guardian_name: Mapped[str] = mapped_column(String(120), default="")
    guardian_email: Mapped[str] = mapped_column(String(254), default="")
    # The language the guardian chose on the consent page (``es``); "" when they did not
    # choose. Later e-mails to them (the training agreement) use it before the roster's.
    language: Mapped[str] = mapped_column(String(35), default="", server_default="")
    status: Mapped[ConsentStatus] = mapped_column(
        str_enum(ConsentStatus, 16), default=ConsentStatus.PENDING, index=True
    )
    nonce: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    method: Mapped[ConsentMethod | None] = mapped_column(str_enum(ConsentMethod, 16))
    typed_name: Mapped[str] = mapped_column(String(120), default="")
    answered_at: Mapped[datetime | None]
    ip_address: Mapped[str] = mapped_column(String(64), default="")
    scan_key: Mapped[str | None] = mapped_column(String(80))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    application: Mapped[Application] = relationship(back_populates="consent")


class PlacementStatus(enum.StrEnum):
    """``paused``: staff stopped the placement for a while, after an incident
    (``wbl.incidents``): the student logs no hours and nobody ends it early until staff resume
    it (back to ``active``) or end it (``cancelled``). The nightly job completes only active
    placements, so a paused one past its end date waits for staff to decide."""

    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """The word pages and downloads show."""
        return {
            "active": gettext("Active"),
            "paused": pgettext("a placement", "Paused"),
            "completed": gettext("Completed"),
            "cancelled": pgettext("a placement", "Cancelled"),
        }[self.value]


class Placement(Base):
    __tablename__ = "placement"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), unique=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student_profile.id"), index=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("offering.id"), index=True)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("partner_contact.id"))
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    expected_hours: Mapped[int | None]
    status: Mapped[PlacementStatus] = mapped_column(
        str_enum(PlacementStatus, 16), default=PlacementStatus.ACTIVE, index=True
    )
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When it ended: by its end date (the nightly job, no one) or early by the supervisor.
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    application: Mapped[Application] = relationship(back_populates="placement")
    student: Mapped[StudentProfile] = relationship()
    offering: Mapped[Offering] = relationship()
    supervisor: Mapped[PartnerContact | None] = relationship()
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])

    def starts_after(self, today: date) -> bool:
        """It has a start date still to come."""
        return self.start_date is not None and self.start_date > today

    def under_way(self, today: date) -> bool:
        """Active and started: the student logs hours, the supervisor may end it early.
        Before its first day there is nothing to log (the days before are outside its dates)
        and nothing to end (staff cancel the application instead)."""
        return self.status is PlacementStatus.ACTIVE and not self.starts_after(today)


class AgreementParty(enum.StrEnum):
    STUDENT = "student"
    GUARDIAN = "guardian"
    SUPERVISOR = "supervisor"


class TrainingAgreement(Base):
    """For an unpaid placement the district carries the liability: a training agreement
    generated from the placement (student, site, supervisor, dates, hours, learning goals,
    PoG outcomes), kept as a PDF and acknowledged by each party before the start."""

    __tablename__ = "training_agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placement.id", ondelete="CASCADE"), unique=True
    )
    learning_goals: Mapped[str] = mapped_column(Text, default="")
    pdf_key: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]  # when the last party acknowledged

    placement: Mapped[Placement] = relationship()
    acknowledgements: Mapped[list[AgreementAcknowledgement]] = relationship(
        back_populates="agreement",
        cascade="all, delete-orphan",
        order_by="AgreementAcknowledgement.id",
    )


class AgreementAcknowledgement(Base):
    """One party's acknowledgement, from a signed single-use link (the nonce is cleared)."""

    __tablename__ = "agreement_acknowledgement"
    __table_args__ = (UniqueConstraint("agreement_id", "party"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("training_agreement.id", ondelete="CASCADE"), index=True
    )
    party: Mapped[AgreementParty] = mapped_column(str_enum(AgreementParty, 16))
    name: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    nonce: Mapped[str | None] = mapped_column(String(32))
    typed_name: Mapped[str] = mapped_column(String(120), default="")
    acknowledged_at: Mapped[datetime | None]
    ip_address: Mapped[str] = mapped_column(String(64), default="")

    agreement: Mapped[TrainingAgreement] = relationship(back_populates="acknowledgements")


class PermitStatus(enum.StrEnum):
    """A minor's work permit for a paid placement (California: form B1-1, then B1-4).

    ``requested``: the parties are filling in their parts of the Statement of Intent;
    ``complete``: every part is in, the school decides; ``issued`` (with its dates) or
    ``refused`` (with the reason the family is told)."""

    REQUESTED = "requested"
    COMPLETE = "complete"
    ISSUED = "issued"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return {
            "requested": gettext("Waiting for the parties' parts"),
            "complete": gettext("Waiting for the school"),
            "issued": gettext("Issued"),
            "refused": gettext("Refused"),
        }[self.value]


class PermitParty(enum.StrEnum):
    STUDENT = "student"
    GUARDIAN = "guardian"
    EMPLOYER = "employer"


class WorkPermit(Base):
    """The permit request of a minor's paid placement: the Statement of Intent to Employ a
    Minor and Request for a Work Permit (B1-1), whose parts the student, the guardian and the
    employer give, and the school's decision: the Permit to Employ and Work (B1-4), or a
    refusal. The placement's hours wait for an issued, unexpired permit."""

    __tablename__ = "work_permit"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placement.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[PermitStatus] = mapped_column(
        str_enum(PermitStatus, 16), default=PermitStatus.REQUESTED, index=True
    )
    permit_number: Mapped[str] = mapped_column(String(40), default="")
    issued_on: Mapped[date | None]
    expires_on: Mapped[date | None]
    refusal_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    placement: Mapped[Placement] = relationship()
    decided_by: Mapped[User | None] = relationship()
    parts: Mapped[list[PermitPart]] = relationship(
        back_populates="permit", cascade="all, delete-orphan", order_by="PermitPart.id"
    )

    def valid_on(self, day: date) -> bool:
        """Issued, and ``day`` is within its dates."""
        return (
            self.status is PermitStatus.ISSUED
            and self.issued_on is not None
            and self.expires_on is not None
            and self.issued_on <= day <= self.expires_on
        )


class PermitPart(Base):
    """One party's part of the B1-1, from a signed single-use link (the nonce is cleared):
    the typed name, when and from where, and the facts that party gives."""

    __tablename__ = "permit_part"
    __table_args__ = (UniqueConstraint("permit_id", "party"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(
        ForeignKey("work_permit.id", ondelete="CASCADE"), index=True
    )
    party: Mapped[PermitParty] = mapped_column(str_enum(PermitParty, 16))
    name: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    nonce: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None]
    typed_name: Mapped[str] = mapped_column(String(120), default="")
    signed_at: Mapped[datetime | None]
    ip_address: Mapped[str] = mapped_column(String(64), default="")
    # What the party states (JSON-free on purpose: each is a column a report can read).
    school_name: Mapped[str] = mapped_column(String(120), default="")  # student
    grade: Mapped[str] = mapped_column(String(10), default="")  # student
    consents: Mapped[bool] = mapped_column(default=False)  # guardian
    job_title: Mapped[str] = mapped_column(String(120), default="")  # employer
    duties: Mapped[str] = mapped_column(Text, default="")  # employer
    hours_per_day: Mapped[int | None]  # employer, whole hours
    hours_per_week: Mapped[int | None]  # employer, whole hours
    pay_rate: Mapped[str] = mapped_column(String(40), default="")  # employer, optional

    permit: Mapped[WorkPermit] = relationship(back_populates="parts")
