"""Keeping the catalog: staff create and edit partners and offerings; employers propose.

The use cases of the catalog's back office (the browsing side is in ``search.py``):

- Staff (any CTE staff; partners serve the whole county) create, edit and deactivate
  partners, keep their logo, contacts and compliance dates, and create, publish and close
  offerings of all five types.
- Employers (a partner's contacts) propose new offerings, which wait in the staff queue as
  ``pending``, and propose changes to offerings staff already approved, which wait as an
  ``OfferingChange`` while the live offering stays as it is. Staff approve (with their own
  edits) or send back with a reason the employer sees.

Rules that hold everywhere: an individual placement (job shadow, project, internship) is
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
from sqlalchemy import func, select, update

from wbl.access import Role, require
from wbl.auth.models import User
from wbl.auth.services import add_invited_user, find_user_by_email
from wbl.catalog import rules
from wbl.catalog.models import (
    ChangeStatus,
    Offering,
    OfferingChange,
    OfferingStatus,
    Partner,
    PartnerContact,
)
from wbl.clock import local_today
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db, move_status, rows_affected, utcnow
from wbl.geocoding.services import UnknownZip, locate
from wbl.images import clean_logo
from wbl.notifications.services import queue_email
from wbl.placements.models import Placement
from wbl.reference.models import (
    ExperienceKind,
    IndustrySector,
    Pathway,
    PogOutcome,
    PreparatoryActivity,
)
from wbl.scopes import is_staff, speaks_for
from wbl.storage import storage

# --- who may do what ---------------------------------------------------------------------


def can_manage_partner(user: User, partner: Partner) -> bool:
    return is_staff(user)


def can_propose_for(user: User, partner: Partner) -> bool:
    return user.has_role(Role.EMPLOYER) and speaks_for(user, partner.id)


def manager_of(user: User, offering: Offering) -> str | None:
    """How the user may act on an offering's page: "staff", "employer" (its own partner's),
    or None (students, teachers, other partners' employers)."""
    if is_staff(user):
        return "staff"
    if user.has_role(Role.EMPLOYER) and speaks_for(user, offering.partner_id):
        return "employer"
    return None


def get_partner(actor: User, partner_id: int) -> Partner:
    """A partner staff manage, or an employer's own; anything else is not found."""
    partner = db.session.get(Partner, partner_id)
    if partner is None or not (is_staff(actor) or can_propose_for(actor, partner)):
        raise NotFound()
    return partner


def get_offering_to_manage(actor: User, offering_id: int) -> Offering:
    """Any offering for staff; an employer's own partner's offerings; else not found."""
    offering = db.session.get(Offering, offering_id)
    if offering is None:
        raise NotFound()
    if not is_staff(actor) and not speaks_for(actor, offering.partner_id):
        raise NotFound()
    return offering


# --- partners ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PartnerData:
    name: str
    sector_id: int
    street_address: str = ""
    city: str = ""
    zip: str = ""
    latitude: float | None = None
    longitude: float | None = None
    website: str = ""
    phone: str = ""
    description: str = ""
    endorses_certificate: bool = False
    worksite_agreement_date: date | None = None
    worksite_agreement_expiry: date | None = None
    insurance_expiry: date | None = None

    def rule_fields(self) -> rules.PartnerFields:
        return rules.PartnerFields(
            name=self.name,
            street_address=self.street_address,
            city=self.city,
            website=self.website.strip(),
            phone=self.phone,
            description=self.description,
            latitude=self.latitude,
            longitude=self.longitude,
            worksite_agreement_date=self.worksite_agreement_date,
            worksite_agreement_expiry=self.worksite_agreement_expiry,
        )


def _check_partner(data: PartnerData, partner_id: int | None) -> IndustrySector:
    _refuse(rules.partner_problems(data.rule_fields()))
    name = data.name.strip()
    clash = db.session.scalar(
        select(Partner.id).where(
            func.lower(Partner.name) == name.lower(),
            Partner.id != (partner_id or 0),
        )
    )
    if clash is not None:
        raise DomainError(rules.NAME_TAKEN, field="name")
    sector = db.session.get(IndustrySector, data.sector_id)
    if sector is None or not sector.active:
        raise DomainError("Choose a sector from the list.", field="sector_id")
    return sector


def _refuse(problems: rules.Problems) -> None:
    """The first problem the rules found, raised on its field (the forms show them all)."""
    if problems:
        field, message = next(iter(problems.items()))
        raise DomainError(message, field=field)


def _apply_partner(partner: Partner, data: PartnerData) -> None:
    try:
        location = locate(zip_code=data.zip, street=data.street_address, city=data.city)
    except UnknownZip as error:
        raise UnknownZip(error.message, field="zip") from None
    partner.name = data.name.strip()
    partner.sector_id = data.sector_id
    partner.street_address = data.street_address.strip()
    partner.city = data.city.strip()
    partner.zip = data.zip.strip()[:5]
    if data.latitude is not None and data.longitude is not None:
        partner.latitude, partner.longitude = data.latitude, data.longitude
        partner.coordinates_manual = True
    else:
        partner.latitude, partner.longitude = location.latitude, location.longitude
        partner.coordinates_manual = False
    partner.website = data.website.strip()
    partner.phone = data.phone.strip()
    partner.description = data.description.strip()
    partner.endorses_certificate = data.endorses_certificate
    partner.worksite_agreement_date = data.worksite_agreement_date
    partner.worksite_agreement_expiry = data.worksite_agreement_expiry
    partner.insurance_expiry = data.insurance_expiry


@atomic
def create_partner(actor: User, data: PartnerData) -> Partner:
    partner = add_partner(actor, data)
    db.session.commit()
    return partner


def add_partner(actor: User, data: PartnerData) -> Partner:
    """A new partner inside the caller's transaction (flushes, never commits): used by
    ``create_partner`` and by the approval of a business's sign-up, so both meet the same
    rules (``rules.py``, a unique name, an active sector, a ZIP we can place)."""
    require(is_staff(actor))
    _check_partner(data, None)
    partner = Partner()
    _apply_partner(partner, data)
    db.session.add(partner)
    db.session.flush()
    return partner


@atomic
def update_partner(actor: User, partner_id: int, data: PartnerData) -> Partner:
    partner = get_partner(actor, partner_id)
    require(can_manage_partner(actor, partner))
    _check_partner(data, partner.id)
    _apply_partner(partner, data)
    db.session.commit()
    return partner


@atomic
def set_partner_active(actor: User, partner_id: int, active: bool) -> Partner:
    """Deactivating hides the partner and all its offerings from students at once (the
    catalog and the recommendations only show active partners); nothing is deleted."""
    partner = get_partner(actor, partner_id)
    require(can_manage_partner(actor, partner))
    partner.active = active
    db.session.commit()
    return partner


@atomic
def upload_logo(actor: User, partner_id: int, data: bytes) -> Partner:
    """Store a cleaned logo under a new key; the old file is removed after the commit."""
    partner = get_partner(actor, partner_id)
    require(can_manage_partner(actor, partner))
    logo = clean_logo(data)
    old_key = partner.logo_key
    partner.logo_key = storage().save(logo.data, folder="logos", extension=logo.extension)
    partner.logo_content_type = logo.content_type
    db.session.commit()
    if old_key:
        storage().delete(old_key)
    return partner


@atomic
def remove_logo(actor: User, partner_id: int) -> Partner:
    partner = get_partner(actor, partner_id)
    require(can_manage_partner(actor, partner))
    old_key = partner.logo_key
    partner.logo_key, partner.logo_content_type = None, ""
    db.session.commit()
    if old_key:
        storage().delete(old_key)
    return partner


@dataclass(frozen=True, slots=True)
class ContactData:
    email: str
    full_name: str
    job_title: str = ""
    phone: str = ""


@atomic
def add_contact(actor: User, partner_id: int, data: ContactData) -> PartnerContact:
    """Link an employer account to the partner, inviting the person when they have none."""
    partner = get_partner(actor, partner_id)
    contact = link_contact(actor, partner, data)
    db.session.commit()
    return contact


def link_contact(
    actor: User, partner: Partner, data: ContactData, *, note: str | None = None
) -> PartnerContact:
    """The contact inside the caller's transaction (flushes, never commits): used by
    ``add_contact`` and by the approval of a sign-up. A person without an account is invited
    (``note`` replaces the invitation's sentence about the partner).

    An existing account is linked only if it is an employer's: a student's or a teacher's
    account must never gain access to a business's applicants."""
    require(can_manage_partner(actor, partner))
    problem = rules.email_problem(data.email)
    if problem:
        raise DomainError(problem, field="email")
    user = find_user_by_email(data.email)
    if user is None:
        default = f"You will speak for {partner.name}: post opportunities and confirm hours."
        user = add_invited_user(
            actor,
            email=data.email,
            full_name=data.full_name,
            roles={Role.EMPLOYER},
            note=note or default,
        )
    elif not user.has_role(Role.EMPLOYER):
        raise DomainError(
            "That e-mail belongs to an account that is not an employer's. "
            "Use the contact's work address.",
            field="email",
        )
    elif speaks_for(user, partner.id):
        raise DomainError("That person is already a contact of this partner.", field="email")
    first = not partner.contacts
    contact = PartnerContact(
        partner=partner,
        user=user,
        job_title=data.job_title.strip(),
        phone=data.phone.strip(),
        is_primary=first,
    )
    db.session.add(contact)
    db.session.flush()
    return contact


@atomic
def remove_contact(actor: User, contact_id: int) -> Partner:
    contact = db.session.get(PartnerContact, contact_id)
    if contact is None:
        raise NotFound()
    partner = get_partner(actor, contact.partner_id)
    require(can_manage_partner(actor, partner))
    # Placements this person supervised go on without a named supervisor (any contact of
    # the partner confirms their hours and evaluates) rather than block the removal.
    db.session.execute(
        update(Placement).where(Placement.supervisor_id == contact.id).values(supervisor_id=None)
    )
    db.session.delete(contact)
    db.session.commit()
    return partner


# --- offerings ---------------------------------------------------------------------------


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
    _refuse(rules.offering_problems(data.rule_fields()))
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


def _publishable(offering: Offering, today: date) -> None:
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


def _edit(actor: User, offering: Offering, data: OfferingData) -> None:
    """Check every field, then change the offering (capacity by its conditional UPDATE)."""
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
            _publish(actor, offering)
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
        _edit(actor, offering, data)
        if offering.status is OfferingStatus.PUBLISHED:
            _publishable(offering, local_today())
        db.session.commit()
        return offering
    if offering.status in (OfferingStatus.DRAFT, OfferingStatus.PENDING, OfferingStatus.RETURNED):
        _edit(actor, offering, data)
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


def _publish(actor: User, offering: Offering) -> None:
    _publishable(offering, local_today())
    offering.status = OfferingStatus.PUBLISHED
    offering.published_at = offering.published_at or utcnow()


@atomic
def publish_offering(actor: User, offering_id: int) -> Offering:
    offering = get_offering_to_manage(actor, offering_id)
    require(is_staff(actor))
    if offering.status is OfferingStatus.PUBLISHED:
        raise DomainError("This opportunity is already published.")
    _publish(actor, offering)
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


# --- the staff review queue --------------------------------------------------------------


@atomic
def approve_offering(actor: User, offering_id: int, data: OfferingData) -> Offering:
    """Approve an employer's proposal, with the reviewer's edits, and publish it."""
    offering = get_offering_to_manage(actor, offering_id)
    require(is_staff(actor))
    if not move_status(offering, OfferingStatus.PENDING, status=OfferingStatus.PUBLISHED):
        raise DomainError("This proposal has already been reviewed.")
    _edit(actor, offering, data)
    _publish(actor, offering)
    offering.review_note = ""
    offering.reviewed_by_id, offering.reviewed_at = actor.id, utcnow()
    _tell_proposer(
        offering.proposed_by,
        offering,
        "approved",
    )
    db.session.commit()
    return offering


@atomic
def return_offering(actor: User, offering_id: int, reason: str) -> Offering:
    offering = get_offering_to_manage(actor, offering_id)
    require(is_staff(actor))
    if not move_status(offering, OfferingStatus.PENDING, status=OfferingStatus.RETURNED):
        raise DomainError("This proposal has already been reviewed.")
    if not reason.strip():
        raise DomainError("Tell the employer what to change.", field="reason")
    offering.review_note = reason.strip()
    offering.reviewed_by_id, offering.reviewed_at = actor.id, utcnow()
    _tell_proposer(
        offering.proposed_by,
        offering,
        "returned",
        actor,
        offering.review_note,
    )
    db.session.commit()
    return offering


def get_change(actor: User, change_id: int) -> OfferingChange:
    change = db.session.get(OfferingChange, change_id)
    if change is None:
        raise NotFound()
    get_offering_to_manage(actor, change.offering_id)
    return change


@atomic
def approve_change(actor: User, change_id: int, data: OfferingData) -> Offering:
    change = get_change(actor, change_id)
    require(is_staff(actor))
    if not move_status(change, ChangeStatus.PENDING, status=ChangeStatus.APPROVED):
        raise DomainError("These changes have already been reviewed.")
    offering = change.offering
    _edit(actor, offering, data)
    if offering.status is OfferingStatus.PUBLISHED:
        _publishable(offering, local_today())
    change.reviewed_by_id, change.reviewed_at = actor.id, utcnow()
    _tell_proposer(
        change.proposed_by,
        offering,
        "change_approved",
    )
    db.session.commit()
    return offering


@atomic
def return_change(actor: User, change_id: int, reason: str) -> OfferingChange:
    change = get_change(actor, change_id)
    require(is_staff(actor))
    if not move_status(change, ChangeStatus.PENDING, status=ChangeStatus.RETURNED):
        raise DomainError("These changes have already been reviewed.")
    if not reason.strip():
        raise DomainError("Tell the employer why.", field="reason")
    change.review_note = reason.strip()
    change.reviewed_by_id, change.reviewed_at = actor.id, utcnow()
    _tell_proposer(
        change.proposed_by,
        change.offering,
        "change_returned",
        actor,
        change.review_note,
    )
    db.session.commit()
    return change


def changed_fields(change: OfferingChange) -> list[str]:
    """Names of the fields a proposed change would alter (for the reviewer's side-by-side)."""
    current = OfferingData.of(change.offering).to_json()
    return [name for name, value in change.changes.items() if current.get(name) != value]


# --- e-mail ------------------------------------------------------------------------------


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


def _tell_proposer(
    user: User | None,
    offering: Offering,
    outcome: str,  # approved, returned, change_approved, change_returned
    actor: User | None = None,
    note: str | None = None,
) -> None:
    if user is None:
        return
    link = url_for("manage.my_offerings", _external=True)
    queue_email(
        kind="offering_reviewed",
        to=user.email,
        template="catalog/offering_reviewed",
        context={
            "user": user,
            "offering": offering,
            "outcome": outcome,
            "actor": actor,
            "note": note,
            "link": link,
        },
    )
