"""Offerings: staff create, edit, publish and close them; employers propose them.

Staff create offerings of all five types as drafts (or publish at once) and edit them in
place. An employer's new offering is a proposal that waits in the staff queue as
``pending``; the employer edits it in place until staff approve it, and after that proposes
changes, which wait as an ``OfferingChange`` while the live offering stays as it is (staff
review both in ``proposal_review.py``).

Rules that hold on every path: an individual placement (job shadow, project, internship) is
published only for a partner with a current worksite agreement and liability insurance;
capacity never drops below the seats already taken (a conditional UPDATE, so a seat taken a
moment ago is never lost); every date range ends after it starts.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app, url_for
from sqlalchemy import select, update

from wbl.access import require
from wbl.auth.models import User
from wbl.catalog import rules
from wbl.catalog.models import ChangeStatus, Offering, OfferingChange, OfferingStatus, Partner
from wbl.catalog.policies import can_propose_for, get_offering_to_manage
from wbl.clock import local_today
from wbl.errors import DomainError
from wbl.extensions import atomic, db, rows_affected, utcnow
from wbl.geocoding.services import UnknownZip, locate
from wbl.notifications.services import queue_email
from wbl.reference.models import ExperienceKind, Pathway, PogOutcome, PreparatoryActivity
from wbl.scopes import is_staff


@dataclass(frozen=True, slots=True)
class OfferingData:
    """What a person fills in for an offering (staff form, employer proposal, review)."""

    partner_id: int
    kind: ExperienceKind
    title: str
    description: str = ""
    skills: str = ""
    requirements: str = ""
    schedule: str = ""
    location: str = ""
    zip: str = ""
    is_virtual: bool = False
    capacity: int = 1
    start_date: date | None = None
    end_date: date | None = None
    application_deadline: date | None = None
    minimum_age: int | None = None
    min_grade: int | None = None
    paid: bool = False
    expected_hours: int | None = None
    pathway_ids: frozenset[int] = frozenset()
    outcome_ids: frozenset[int] = frozenset()
    prerequisite_ids: frozenset[int] = frozenset()

    def rule_fields(self) -> rules.OfferingFields:
        return rules.OfferingFields(
            title=self.title,
            capacity=self.capacity,
            description=self.description,
            skills=self.skills,
            requirements=self.requirements,
            schedule=self.schedule,
            location=self.location,
            start_date=self.start_date,
            end_date=self.end_date,
            application_deadline=self.application_deadline,
            minimum_age=self.minimum_age,
            min_grade=self.min_grade,
            expected_hours=self.expected_hours,
        )

    def to_json(self) -> dict[str, Any]:
        """For an ``OfferingChange``: dates as ISO text, id sets as sorted lists."""
        out: dict[str, Any] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, frozenset):
                value = sorted(value)
            elif isinstance(value, ExperienceKind):
                value = value.value
            out[field.name] = value
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OfferingData:
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            if field.name not in data:
                continue
            value = data[field.name]
            if field.name in ("start_date", "end_date", "application_deadline") and value:
                value = date.fromisoformat(value)
            elif field.name.endswith("_ids"):
                value = frozenset(int(v) for v in value)
            elif field.name == "kind":
                value = ExperienceKind(value)
            values[field.name] = value
        return cls(**values)

    @classmethod
    def of(cls, offering: Offering) -> OfferingData:
        return cls(
            partner_id=offering.partner_id,
            kind=offering.kind,
            title=offering.title,
            description=offering.description,
            skills=offering.skills,
            requirements=offering.requirements,
            schedule=offering.schedule,
            location=offering.location,
            zip=offering.zip,
            is_virtual=offering.is_virtual,
            capacity=offering.capacity,
            start_date=offering.start_date,
            end_date=offering.end_date,
            application_deadline=offering.application_deadline,
            minimum_age=offering.minimum_age,
            min_grade=offering.min_grade,
            paid=offering.paid,
            expected_hours=offering.expected_hours,
            pathway_ids=frozenset(p.id for p in offering.pathways),
            outcome_ids=frozenset(o.id for o in offering.outcomes),
            prerequisite_ids=frozenset(a.id for a in offering.prerequisites),
        )


def _rows(model: type[Any], ids: frozenset[int], field: str, what: str) -> list[Any]:
    rows = list(db.session.scalars(select(model).where(model.id.in_(ids), model.active.is_(True))))
    if len(rows) != len(ids):
        raise DomainError(f"Choose {what} from the list.", field=field)
    return rows


@dataclass(frozen=True, slots=True)
class _Links:
    pathways: list[Pathway]
    outcomes: list[PogOutcome]
    prerequisites: list[PreparatoryActivity]


def _check_offering(data: OfferingData) -> _Links:
    """Every rule an offering's fields must meet (``rules.py``, then the ones that need the
    database), checked before anything is changed."""
    rules.refuse(rules.offering_problems(data.rule_fields()))
    if not data.is_virtual and data.kind is not ExperienceKind.GUEST_SPEAKER and data.zip:
        try:
            locate(zip_code=data.zip)
        except UnknownZip as error:
            raise UnknownZip(error.message, field="zip") from None
    return _Links(
        _rows(Pathway, data.pathway_ids, "pathway_ids", "pathways"),
        _rows(PogOutcome, data.outcome_ids, "outcome_ids", "outcomes"),
        _rows(
            PreparatoryActivity,
            data.prerequisite_ids,
            "prerequisite_ids",
            "preparatory activities",
        ),
    )


def check_publishable(offering: Offering, today: date) -> None:
    """An offering may go live: its partner is active, and an individual placement's partner
    has a current agreement and insurance; it has not already ended."""
    partner = offering.partner
    if not partner.active:
        raise DomainError(f"{partner.name} is inactive: reactivate the partner first.")
    if offering.is_individual:
        problems = partner.compliance_problems(today)
        if problems:
            raise DomainError(
                f"{partner.name} cannot host individual placements yet: "
                + "; ".join(problems)
                + ". Update the partner's compliance dates first."
            )
    if offering.end_date and offering.end_date < today:
        raise DomainError("This opportunity has already ended; change its dates first.")


def _apply_offering(offering: Offering, data: OfferingData, links: _Links) -> None:
    offering.partner_id = data.partner_id
    offering.kind = data.kind
    offering.title = data.title.strip()
    offering.description = data.description.strip()
    offering.skills = data.skills.strip()
    offering.requirements = data.requirements.strip()
    offering.schedule = data.schedule.strip()
    offering.is_virtual = data.is_virtual
    offering.location = "" if data.is_virtual else data.location.strip()
    offering.zip = "" if data.is_virtual else data.zip.strip()[:5]
    if offering.zip:
        place = locate(zip_code=offering.zip)
        offering.latitude, offering.longitude = place.latitude, place.longitude
    else:  # the partner's own location applies
        offering.latitude = offering.longitude = None
    offering.start_date = data.start_date
    offering.end_date = data.end_date
    offering.application_deadline = data.application_deadline
    offering.minimum_age = data.minimum_age
    offering.min_grade = data.min_grade
    offering.paid = data.paid
    offering.expected_hours = data.expected_hours
    offering.pathways = links.pathways
    offering.outcomes = links.outcomes
    offering.prerequisites = links.prerequisites


def _set_capacity(offering: Offering, capacity: int) -> None:
    """Capacity changes in one conditional UPDATE: it never drops below the seats taken, even
    if a seat was taken after this form was loaded."""
    if offering.id is None:
        offering.capacity = capacity
        return
    db.session.flush()
    changed = rows_affected(
        db.session.execute(
            update(Offering)
            .where(Offering.id == offering.id, Offering.seats_taken <= capacity)
            .values(capacity=capacity)
            .execution_options(synchronize_session=False)
        )
    )
    if changed != 1:
        db.session.refresh(offering, ["seats_taken"])
        raise DomainError(
            f"{offering.seats_taken} seats are already taken; capacity cannot be lower.",
            field="capacity",
        )
    db.session.refresh(offering, ["capacity"])


def edit_fields(actor: User, offering: Offering, data: OfferingData) -> None:
    """Check every field, then change the offering (capacity by its conditional UPDATE);
    inside the caller's transaction (flushes, never commits): an edit here or a reviewer's
    approval with their edits (``proposal_review.py``)."""
    _partner_for(actor, data.partner_id)
    links = _check_offering(data)
    _apply_offering(offering, data, links)
    _set_capacity(offering, data.capacity)


def _partner_for(actor: User, partner_id: int) -> Partner:
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        raise DomainError("Choose a partner from the list.", field="partner_id")
    if not is_staff(actor) and not can_propose_for(actor, partner):
        raise DomainError("Choose a partner from the list.", field="partner_id")
    return partner


@atomic
def create_offering(actor: User, data: OfferingData, *, publish: bool = False) -> Offering:
    """Staff create a draft (or publish at once); an employer's new offering is a proposal
    that waits for staff review."""
    _partner_for(actor, data.partner_id)
    links = _check_offering(data)
    offering = Offering()
    _apply_offering(offering, data, links)
    offering.capacity = data.capacity
    db.session.add(offering)
    if is_staff(actor):
        offering.status = OfferingStatus.DRAFT
        if publish:
            db.session.flush()
            mark_published(actor, offering)
    else:
        offering.status = OfferingStatus.PENDING
        offering.proposed_by_id = actor.id
        db.session.flush()
        _tell_staff_of_proposal(offering, "new")
    db.session.commit()
    return offering


@atomic
def update_offering(actor: User, offering_id: int, data: OfferingData) -> Offering | OfferingChange:
    """Staff edit in place. An employer edits its proposal in place (and resubmits it) until
    staff approve it; after that, its edits become a proposed change for staff to review."""
    offering = get_offering_to_manage(actor, offering_id)
    if is_staff(actor):
        edit_fields(actor, offering, data)
        if offering.status is OfferingStatus.PUBLISHED:
            check_publishable(offering, local_today())
        db.session.commit()
        return offering
    if offering.status in (OfferingStatus.DRAFT, OfferingStatus.PENDING, OfferingStatus.RETURNED):
        edit_fields(actor, offering, data)
        resubmitted = offering.status is not OfferingStatus.PENDING
        offering.status = OfferingStatus.PENDING
        offering.proposed_by_id = actor.id
        if resubmitted:
            _tell_staff_of_proposal(offering, "returned")
        db.session.commit()
        return offering
    _partner_for(actor, data.partner_id)
    _check_offering(data)
    change = _propose_change(actor, offering, data)
    db.session.commit()
    return change


def _propose_change(actor: User, offering: Offering, data: OfferingData) -> OfferingChange:
    current = OfferingData.of(offering)
    if current == data:
        raise DomainError("Nothing has changed.")
    # One open proposal per offering: a newer one replaces the one staff have not seen yet.
    for earlier in db.session.scalars(
        select(OfferingChange).where(
            OfferingChange.offering_id == offering.id,
            OfferingChange.status == ChangeStatus.PENDING,
        )
    ):
        earlier.status = ChangeStatus.WITHDRAWN
    change = OfferingChange(offering=offering, proposed_by_id=actor.id, changes=data.to_json())
    db.session.add(change)
    db.session.flush()
    _tell_staff_of_proposal(offering, "changes")
    return change


def mark_published(actor: User, offering: Offering) -> None:
    """Put the offering live if it may go (``check_publishable``), keeping the time it first
    went live; inside the caller's transaction (never commits)."""
    check_publishable(offering, local_today())
    offering.status = OfferingStatus.PUBLISHED
    offering.published_at = offering.published_at or utcnow()


@atomic
def publish_offering(actor: User, offering_id: int) -> Offering:
    offering = get_offering_to_manage(actor, offering_id)
    require(is_staff(actor))
    if offering.status is OfferingStatus.PUBLISHED:
        raise DomainError("This opportunity is already published.")
    mark_published(actor, offering)
    db.session.commit()
    return offering


@atomic
def close_offering(actor: User, offering_id: int) -> Offering:
    """Closed offerings leave the catalog and the recommendations; placements already made
    are not affected."""
    offering = get_offering_to_manage(actor, offering_id)
    require(is_staff(actor))
    if offering.status is OfferingStatus.CLOSED:
        raise DomainError("This opportunity is already closed.")
    offering.status = OfferingStatus.CLOSED
    db.session.commit()
    return offering


def _tell_staff_of_proposal(offering: Offering, what: str) -> None:  # new, returned, changes
    """Staff watch the queue page; a digest of proposals is not needed at county scale. The
    program's shared inbox (``PROGRAM_EMAIL``) is told when one is configured."""
    to = current_app.config["PROGRAM_EMAIL"]
    if not to:
        return
    link = url_for("manage.review_queue", _external=True)
    queue_email(
        kind="offering_proposed",
        to=to,
        template="catalog/offering_proposed",
        context={"offering": offering, "what": what, "link": link},
    )
