"""Supervisor clearances: staff record what each partner contact who supervises minors has
completed; each district says which clearances it requires per experience type; an
individual placement of a minor is refused while its supervisor lacks one (docs/safety.md,
"Supervisor clearances").

Partners serve the whole county, so any staff member keeps their contacts' clearances (as
they keep the partner); a district's rules are kept by that district's staff or county staff
(another district is not found). The documents are read by staff only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext, ngettext
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from wbl.access import require
from wbl.auth.models import User
from wbl.catalog import clearance_rules as rules
from wbl.catalog.clearance_models import (
    ClearanceType,
    DistrictClearanceRule,
    SupervisorClearance,
)
from wbl.catalog.models import INDIVIDUAL_KINDS, Offering, OfferingStatus, Partner, PartnerContact
from wbl.catalog.policies import can_manage_partner, get_partner
from wbl.clock import local_today
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db, rows_affected, utcnow
from wbl.reference.models import ExperienceKind
from wbl.schools.models import District
from wbl.scopes import district_of, is_county_wide, is_staff, staff_sees_district
from wbl.storage import storage
from wbl.uploads import clean_upload

FOLDER = "clearances"
MAX_YEARS = 10  # an expiry further than this after completion is a typing mistake


# --- recording ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Document:
    data: bytes
    filename: str = ""


@dataclass(frozen=True, slots=True)
class ClearanceData:
    kind: str
    completed_on: date | None
    expires_on: date | None
    document: Document | None = None


def contact_to_manage(actor: User, partner_id: int, contact_id: int) -> PartnerContact:
    """A contact of a partner staff keep; a contact of another partner is not found."""
    partner = get_partner(actor, partner_id)
    require(can_manage_partner(actor, partner))
    contact = db.session.scalar(
        select(PartnerContact)
        .where(PartnerContact.id == contact_id, PartnerContact.partner_id == partner.id)
        .options(selectinload(PartnerContact.user), selectinload(PartnerContact.partner))
    )
    if contact is None:
        raise NotFound()
    return contact


def clearance_to_manage(
    actor: User, partner_id: int, contact_id: int, clearance_id: int
) -> SupervisorClearance:
    contact = contact_to_manage(actor, partner_id, contact_id)
    clearance = db.session.get(SupervisorClearance, clearance_id)
    if clearance is None or clearance.contact_id != contact.id:
        raise NotFound()
    return clearance


def _check(data: ClearanceData) -> tuple[ClearanceType, date, date]:
    try:
        kind = ClearanceType(data.kind)
    except ValueError:
        raise DomainError(gettext("Choose the type of clearance."), field="kind") from None
    if data.completed_on is None:
        raise DomainError(gettext("Give the date it was completed."), field="completed_on")
    if data.completed_on > local_today():
        raise DomainError(
            gettext("The completion date cannot be in the future."), field="completed_on"
        )
    if data.expires_on is None:
        raise DomainError(
            gettext("Give the date it expires (or the district's re-check date)."),
            field="expires_on",
        )
    if data.expires_on < data.completed_on:
        raise DomainError(
            gettext("The expiry date cannot be before the completion date."), field="expires_on"
        )
    if data.expires_on > data.completed_on + timedelta(days=366 * MAX_YEARS):
        raise DomainError(
            gettext(
                "The expiry date is more than %(years)d years after completion: check the year.",
                years=MAX_YEARS,
            ),
            field="expires_on",
        )
    return kind, data.completed_on, data.expires_on


def _store(document: Document | None, row: SupervisorClearance) -> str | None:
    """Store the cleaned document on ``row``; the key it replaced (to delete after the commit)."""
    if document is None:
        return None
    clean = clean_upload(document.data, document.filename, field="document")
    old = row.document_key
    row.document_key = storage().save(clean.data, folder=FOLDER, extension=clean.extension)
    row.document_name, row.document_type = clean.name, clean.content_type
    return old


@atomic
def record_clearance(
    actor: User, partner_id: int, contact_id: int, data: ClearanceData
) -> SupervisorClearance:
    contact = contact_to_manage(actor, partner_id, contact_id)
    kind, completed_on, expires_on = _check(data)
    row = SupervisorClearance(
        contact_id=contact.id,
        kind=kind,
        completed_on=completed_on,
        expires_on=expires_on,
        recorded_by_id=actor.id,
        recorded_at=utcnow(),
    )
    _store(data.document, row)
    db.session.add(row)
    try:
        db.session.commit()
    except Exception:
        if row.document_key:
            storage().delete(row.document_key)
        raise
    return row


@atomic
def update_clearance(
    actor: User, partner_id: int, contact_id: int, clearance_id: int, data: ClearanceData
) -> SupervisorClearance:
    """Correct a record; a new document replaces the old one (kept when none is sent)."""
    row = clearance_to_manage(actor, partner_id, contact_id, clearance_id)
    kind, completed_on, expires_on = _check(data)
    row.kind, row.completed_on, row.expires_on = kind, completed_on, expires_on
    row.recorded_by_id, row.recorded_at = actor.id, utcnow()
    old = _store(data.document, row)
    db.session.commit()
    if old:
        storage().delete(old)  # after the commit: a failed save keeps the old document
    return row


@atomic
def delete_clearance(actor: User, partner_id: int, contact_id: int, clearance_id: int) -> None:
    row = clearance_to_manage(actor, partner_id, contact_id, clearance_id)
    key = row.document_key
    db.session.delete(row)
    db.session.commit()
    if key:
        storage().delete(key)


@dataclass(frozen=True, slots=True)
class StoredDocument:
    data: bytes
    name: str
    content_type: str


def clearance_document(
    actor: User, partner_id: int, contact_id: int, clearance_id: int
) -> StoredDocument:
    """The scanned certificate, for staff only (the contact page's policy and this scope)."""
    row = clearance_to_manage(actor, partner_id, contact_id, clearance_id)
    if not row.document_key:
        raise NotFound()
    return StoredDocument(storage().read(row.document_key), row.document_name, row.document_type)


def clearances_of(contact_ids: Iterable[int]) -> dict[int, list[SupervisorClearance]]:
    """Each contact's clearances, newest expiry first, in one query."""
    ids = list(contact_ids)
    found: dict[int, list[SupervisorClearance]] = defaultdict(list)
    if not ids:
        return found
    for row in db.session.scalars(
        select(SupervisorClearance)
        .where(SupervisorClearance.contact_id.in_(ids))
        .options(selectinload(SupervisorClearance.recorded_by).lazyload(User.roles))
        .order_by(SupervisorClearance.expires_on.desc(), SupervisorClearance.id.desc())
    ):
        found[row.contact_id].append(row)
    return found


def held(rows: Iterable[SupervisorClearance]) -> list[rules.Held]:
    return [rules.Held(r.kind, r.completed_on, r.expires_on) for r in rows]


def own_contacts(actor: User) -> list[PartnerContact]:
    """The employer's own contact records (one per partner they speak for)."""
    return list(
        db.session.scalars(
            select(PartnerContact)
            .where(PartnerContact.user_id == actor.id)
            .options(selectinload(PartnerContact.partner))
            .order_by(PartnerContact.id)
        )
    )


# --- district rules ------------------------------------------------------------------------


def rules_district(actor: User, district_id: int) -> District:
    """A district whose rules the actor keeps: any for county staff, their own for district
    staff (another district is not found)."""
    require(is_staff(actor))
    district = db.session.get(District, district_id)
    if district is None or not staff_sees_district(actor, district.id):
        raise NotFound()
    return district


def decisions(district_id: int) -> dict[tuple[ExperienceKind, ClearanceType], bool]:
    return {
        (row.kind, row.clearance): row.required
        for row in db.session.scalars(
            select(DistrictClearanceRule).where(DistrictClearanceRule.district_id == district_id)
        )
    }


def required_in(district_id: int, kind: ExperienceKind) -> frozenset[ClearanceType]:
    return rules.required_for(kind, decisions(district_id))


@atomic
def set_rules(
    actor: User, district_id: int, required: Mapping[ExperienceKind, Iterable[ClearanceType]]
) -> int:
    """Save what the district requires per experience type; returns how many choices
    changed. A kind not named keeps what it had."""
    district = rules_district(actor, district_id)
    saved = {
        (row.kind, row.clearance): row
        for row in db.session.scalars(
            select(DistrictClearanceRule).where(DistrictClearanceRule.district_id == district.id)
        )
    }
    current = {key: row.required for key, row in saved.items()}
    changed = 0
    for kind, chosen in required.items():
        wanted = set(chosen)
        before = rules.required_for(kind, current)
        for clearance in ClearanceType:
            value = clearance in wanted
            if (clearance in before) == value:
                continue
            row = saved.get((kind, clearance))
            if row is None:
                row = DistrictClearanceRule(district_id=district.id, kind=kind, clearance=clearance)
                db.session.add(row)
            row.required, row.updated_by_id, row.updated_at = value, actor.id, utcnow()
            changed += 1
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # another save of the same district made the row meanwhile
        raise DomainError(
            gettext("Someone else saved this district's rules just now. Try again.")
        ) from None
    db.session.commit()
    return changed


# --- the rule at acceptance ------------------------------------------------------------------


class SupervisorNotCleared(DomainError):
    pass


@dataclass(frozen=True, slots=True)
class SupervisorCheck:
    """What the district requires of the supervisor for the experience type, and which of
    those they lack (all of them when there is no supervisor)."""

    required: frozenset[ClearanceType]
    missing: list[ClearanceType]


def supervisor_check(
    supervisor_id: int | None,
    *,
    kind: ExperienceKind,
    district_id: int,
    start: date | None,
    today: date | None = None,
) -> SupervisorCheck:
    """The one place the acceptance rule is read (``require_cleared_supervisor`` refuses on
    it; the placement's safety card shows it): at most two queries."""
    required = required_in(district_id, kind)
    if not required:
        return SupervisorCheck(required, [])
    if supervisor_id is None:
        return SupervisorCheck(required, [c for c in ClearanceType if c in required])
    rows = db.session.scalars(
        select(SupervisorClearance).where(SupervisorClearance.contact_id == supervisor_id)
    )
    return SupervisorCheck(
        required, rules.missing(required, held(rows), today or local_today(), start)
    )


def require_cleared_supervisor(
    supervisor: PartnerContact | None,
    *,
    partner: Partner,
    kind: ExperienceKind,
    district_id: int,
    start: date | None,
) -> None:
    """Refuse (``SupervisorNotCleared``, naming what is missing) when the supervisor of a
    minor's individual placement lacks a clearance the student's district requires for the
    experience type. The caller decides it is a minor's individual placement and who the
    supervisor is (``wbl.placements``)."""
    check = supervisor_check(
        supervisor.id if supervisor else None, kind=kind, district_id=district_id, start=start
    )
    if not check.required:
        return
    if supervisor is None:
        raise SupervisorNotCleared(
            gettext(
                "%(partner)s has no contact to supervise a minor yet: staff add a contact "
                "and record their clearances first.",
                partner=partner.name,
            )
        )
    lacking = check.missing
    if lacking:
        raise SupervisorNotCleared(
            ngettext(
                "The supervisor at %(partner)s, %(name)s, lacks a current clearance the "
                "district requires for a minor: %(missing)s. Staff record it on the "
                "partner's contact page; then accept again.",
                "The supervisor at %(partner)s, %(name)s, lacks current clearances the "
                "district requires for a minor: %(missing)s. Staff record them on the "
                "partner's contact page; then accept again.",
                len(lacking),
                partner=partner.name,
                name=supervisor.user.full_name,
                missing=", ".join(c.label for c in lacking),
            )
        )


# --- the compliance list and the reminder -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClearanceRow:
    partner: Partner
    contact: PartnerContact
    problem: str
    severity: str  # danger (refused now) | warning (soon)
    day: date | None


def _required_by_kind(actor: User) -> dict[ExperienceKind, frozenset[ClearanceType]]:
    """District staff: their district's rules. County staff: what any district requires
    (a partner may take students of every district)."""
    district_ids = (
        list(db.session.scalars(select(District.id)))
        if is_county_wide(actor) or district_of(actor) is None
        else [district_of(actor)]
    )
    by_district: dict[int, dict[tuple[ExperienceKind, ClearanceType], bool]] = defaultdict(dict)
    for row in db.session.scalars(
        select(DistrictClearanceRule).where(DistrictClearanceRule.district_id.in_(district_ids))
    ):
        by_district[row.district_id][(row.kind, row.clearance)] = row.required
    result: dict[ExperienceKind, frozenset[ClearanceType]] = {}
    for kind in ExperienceKind:
        needed: set[ClearanceType] = set()
        for district_id in district_ids or [0]:
            needed |= rules.required_for(kind, by_district.get(district_id, {}))
        result[kind] = frozenset(needed)
    return result


def _supervisors_of_minors(today: date) -> dict[int, set[ExperienceKind]]:
    """Contact id → the individual experience types they would supervise: the supervisor
    the placement rule picks (the partner's primary contact, else its first) of every active
    partner with a published individual offering open to minors that has not ended, and every
    contact named supervisor of an active or paused placement."""
    from wbl.placements.models import Placement, PlacementStatus

    offerings = db.session.execute(
        select(Offering.partner_id, Offering.kind)
        .join(Partner, Partner.id == Offering.partner_id)
        .where(
            Partner.active.is_(True),
            Offering.status == OfferingStatus.PUBLISHED,
            Offering.kind.in_([k.value for k in INDIVIDUAL_KINDS]),
            or_(Offering.end_date.is_(None), Offering.end_date >= today),
            or_(Offering.minimum_age.is_(None), Offering.minimum_age < 18),
        )
    ).all()
    kinds_of_partner: dict[int, set[ExperienceKind]] = defaultdict(set)
    for partner_id, kind in offerings:
        kinds_of_partner[partner_id].add(kind)
    found: dict[int, set[ExperienceKind]] = defaultdict(set)
    if kinds_of_partner:
        chosen: dict[int, int] = {}
        for contact_id, partner_id in db.session.execute(
            select(PartnerContact.id, PartnerContact.partner_id)
            .where(PartnerContact.partner_id.in_(list(kinds_of_partner)))
            .order_by(PartnerContact.is_primary.desc(), PartnerContact.id)
        ):
            chosen.setdefault(partner_id, contact_id)
        for partner_id, contact_id in chosen.items():
            found[contact_id] |= kinds_of_partner[partner_id]
    for contact_id, kind in db.session.execute(
        select(Placement.supervisor_id, Offering.kind)
        .join(Offering, Offering.id == Placement.offering_id)
        .where(
            Placement.supervisor_id.is_not(None),
            Placement.status.in_([PlacementStatus.ACTIVE, PlacementStatus.PAUSED]),
        )
    ):
        found[contact_id].add(kind)
    return found


def compliance_rows(actor: User, today: date) -> list[ClearanceRow]:
    """Beside the agreements and insurance: a supervisor of minors without a required
    clearance, and any clearance (the latest of its type) expired or expiring within 30 days
    at an active partner. Most urgent first."""
    soon = today + timedelta(days=rules.EXPIRY_WARNING_DAYS)
    supervising = _supervisors_of_minors(today)
    required = _required_by_kind(actor)
    expiring_contacts = set(
        db.session.scalars(
            select(SupervisorClearance.contact_id).where(SupervisorClearance.expires_on <= soon)
        )
    )
    contact_ids = set(supervising) | expiring_contacts
    if not contact_ids:
        return []
    contacts = {
        c.id: c
        for c in db.session.scalars(
            select(PartnerContact)
            .join(Partner, Partner.id == PartnerContact.partner_id)
            .where(PartnerContact.id.in_(contact_ids), Partner.active.is_(True))
            .options(selectinload(PartnerContact.partner), selectinload(PartnerContact.user))
        )
    }
    records = clearances_of(contacts)
    rows: list[ClearanceRow] = []
    for contact_id, contact in contacts.items():
        best = rules.latest(held(records.get(contact_id, [])))
        needed: set[ClearanceType] = set()
        for kind in supervising.get(contact_id, set()):
            needed |= required.get(kind, frozenset())
        for clearance in ClearanceType:
            row = best.get(clearance)
            if row is None or row.completed_on > today:
                if clearance in needed:
                    rows.append(
                        ClearanceRow(
                            contact.partner,
                            contact,
                            gettext("No %(clearance)s on file", clearance=clearance.label),
                            "danger",
                            None,
                        )
                    )
            elif row.expires_on <= soon:
                expired = row.expires_on < today
                rows.append(
                    ClearanceRow(
                        contact.partner,
                        contact,
                        (
                            gettext("%(clearance)s expired", clearance=clearance.label)
                            if expired
                            else gettext("%(clearance)s expires", clearance=clearance.label)
                        ),
                        "danger" if expired else "warning",
                        row.expires_on,
                    )
                )
    rows.sort(key=lambda r: (r.severity != "danger", r.day or date.min, r.partner.name))
    return rows


def due_reminders(today: date) -> list[SupervisorClearance]:
    """Clearances expiring within 30 days (and not yet expired) whose contact has not been
    reminded of this expiry date, at active partners; only the latest of each type (a renewed
    clearance is not reminded of)."""
    soon = today + timedelta(days=rules.EXPIRY_WARNING_DAYS)
    candidates = list(
        db.session.scalars(
            select(SupervisorClearance)
            .join(PartnerContact, PartnerContact.id == SupervisorClearance.contact_id)
            .join(Partner, Partner.id == PartnerContact.partner_id)
            .where(
                Partner.active.is_(True),
                SupervisorClearance.expires_on >= today,
                SupervisorClearance.expires_on <= soon,
                or_(
                    SupervisorClearance.reminded_for.is_(None),
                    SupervisorClearance.reminded_for != SupervisorClearance.expires_on,
                ),
            )
            .options(
                selectinload(SupervisorClearance.contact).selectinload(PartnerContact.user),
                selectinload(SupervisorClearance.contact).selectinload(PartnerContact.partner),
            )
            .order_by(SupervisorClearance.id)
        )
    )
    if not candidates:
        return []
    latest_expiry: dict[tuple[int, ClearanceType], date] = {}
    for contact_id, kind, expires_on in db.session.execute(
        select(
            SupervisorClearance.contact_id,
            SupervisorClearance.kind,
            SupervisorClearance.expires_on,
        ).where(SupervisorClearance.contact_id.in_({c.contact_id for c in candidates}))
    ):
        key = (contact_id, kind)
        latest_expiry[key] = max(latest_expiry.get(key, expires_on), expires_on)
    return [c for c in candidates if latest_expiry[(c.contact_id, c.kind)] == c.expires_on]


def mark_reminded(row: SupervisorClearance) -> bool:
    """Compare-and-set: True for the one run that marks this expiry as reminded."""
    return (
        rows_affected(
            db.session.execute(
                update(SupervisorClearance)
                .where(
                    SupervisorClearance.id == row.id,
                    SupervisorClearance.expires_on == row.expires_on,
                    or_(
                        SupervisorClearance.reminded_for.is_(None),
                        SupervisorClearance.reminded_for != row.expires_on,
                    ),
                )
                .values(reminded_for=row.expires_on)
                .execution_options(synchronize_session=False)
            )
        )
        == 1
    )


def primary_contact(partner_id: int) -> PartnerContact | None:
    return db.session.scalar(
        select(PartnerContact)
        .where(PartnerContact.partner_id == partner_id, PartnerContact.is_primary.is_(True))
        .options(selectinload(PartnerContact.user))
        .order_by(PartnerContact.id)
        .limit(1)
    )
