"""The demo county's catalog extras, added after the core rows are written: worksite
agreement expiry dates, logos for the partners who endorse the Work Ready Certificate,
employers' proposals waiting in the staff queue, teachers' classes (planned here, written by
the roster import) and the demo teacher's class events.

Deterministic like the rest of the demo: its own generator seeded from the demo's seed, so
the core rows (and their tests) do not move when an extra is added here.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any
from xml.sax.saxutils import escape

from sqlalchemy import insert, select, update

from wbl.auth.models import User
from wbl.catalog.clearance_models import ClearanceType, SupervisorClearance
from wbl.catalog.models import (
    CLASS_EVENT_KINDS,
    ChangeStatus,
    Offering,
    OfferingChange,
    OfferingStatus,
    Partner,
    PartnerContact,
)
from wbl.clock import local_to_utc
from wbl.events.models import EventDateOption, EventRequest, EventRequestStatus
from wbl.extensions import db, utcnow
from wbl.images import clean_logo
from wbl.reference.models import ExperienceKind
from wbl.schools.models import ClassSection
from wbl.storage import storage

AGREEMENT_YEARS = 3  # the county's worksite agreements run three years
CLASSES_PER_TEACHER = 2

# Brand colours dark enough for white initials (WCAG AA on the badge).
_PALETTE = ("#0b5f80", "#7d2222", "#1d5c34", "#704400", "#46307d", "#17497a", "#5c3d2e")
_ACCENT = "#f2a541"
_COURSES = (
    "Intro to Health Careers",
    "Medical Terminology",
    "Agriscience",
    "Animal Science",
    "Digital Media Arts",
    "Engineering Design",
    "Culinary Arts",
    "Construction Technology",
    "Computer Science Principles",
    "Business Management",
    "Automotive Technology",
    "Child Development",
    "Law and Public Safety",
    "Environmental Science",
)


def add_catalog_extras(rng: random.Random, anchor: date) -> dict[str, int]:
    """Partners' and offerings' extras, before the roster is imported; ``rng`` goes on to
    ``plan_classes``. Everything here flushes; ``seed_demo`` commits once for the county."""
    _agreement_expiries()
    clearances = _clearances(anchor)
    logos = _logos()
    proposals = _proposals(rng, anchor)
    return {"logos": logos, "proposals": proposals, "clearances": clearances}


def add_class_events(anchor: date, demo_domain: str) -> int:
    """The demo teacher's class events, once the roster has brought the classes."""
    return _event_requests(anchor, demo_domain)


def _clearances(anchor: date) -> int:
    """Every primary contact (the supervisor a placement names) holds the fingerprint
    background check and mandated-reporter training the default rules require, so the demo's
    employers accept minors; a few show the compliance list at work: every 20th contact's
    training expires within 30 days, and every 30th has no background check on file yet.
    Chosen by id, not by ``rng`` (which goes on to the classes)."""
    contacts = db.session.scalars(
        select(PartnerContact.id)
        .where(PartnerContact.is_primary.is_(True))
        .order_by(PartnerContact.id)
    ).all()
    rows = []
    for n, contact_id in enumerate(contacts):
        completed = anchor - timedelta(days=120 + n % 200)
        if n % 30 != 29:
            rows.append(
                {
                    "contact_id": contact_id,
                    "kind": ClearanceType.BACKGROUND_CHECK,
                    "completed_on": completed,
                    "expires_on": completed + timedelta(days=365 * 5),
                }
            )
        rows.append(
            {
                "contact_id": contact_id,
                "kind": ClearanceType.MANDATED_REPORTER,
                "completed_on": completed,
                "expires_on": anchor + timedelta(days=20 + n % 7)
                if n % 20 == 19
                else completed + timedelta(days=365 * 2),
            }
        )
    if rows:
        db.session.execute(insert(SupervisorClearance), rows)
    return len(rows)


def _agreement_expiries() -> None:
    rows = db.session.execute(
        select(Partner.id, Partner.worksite_agreement_date).where(
            Partner.worksite_agreement_date.is_not(None)
        )
    ).all()
    updates = [
        {
            "id": row.id,
            "worksite_agreement_expiry": row.worksite_agreement_date
            + timedelta(days=365 * AGREEMENT_YEARS),
        }
        for row in rows
    ]
    if updates:
        db.session.execute(update(Partner), updates)


def logo_svg(name: str) -> bytes:
    """A plain, legible emblem: the initials on a coloured badge (square, so it reads at the
    size of a logo tile; the pages print the name beside it)."""
    digest = hashlib.sha256(name.encode()).digest()
    colour = _PALETTE[digest[0] % len(_PALETTE)]
    words = [w for w in name.replace("&", "and").split() if w[:1].isalnum()]
    initials = "".join(w[0] for w in words[:2]).upper()
    badge = (
        f'<circle cx="48" cy="48" r="46" fill="{colour}"/>'
        if digest[1] % 2
        else f'<rect x="2" y="2" width="92" height="92" rx="18" fill="{colour}"/>'
    )
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">'
        f"<title>{escape(name)}</title>{badge}"
        f'<text x="48" y="60" font-family="DejaVu Sans, Arial, sans-serif" font-size="36" '
        f'font-weight="700" fill="#ffffff" text-anchor="middle">{escape(initials)}</text>'
        f'<rect x="24" y="70" width="48" height="4" rx="2" fill="{_ACCENT}"/></svg>'
    )
    return svg.encode()


def _logos() -> int:
    """Endorsing partners get a logo through the same cleaning and storage as an upload."""
    endorsers = db.session.execute(
        select(Partner.id, Partner.name).where(Partner.endorses_certificate.is_(True))
    ).all()
    updates: list[dict[str, Any]] = []
    for row in endorsers:
        logo = clean_logo(logo_svg(row.name))
        key = storage().save(logo.data, folder="logos", extension=logo.extension)
        updates.append({"id": row.id, "logo_key": key, "logo_content_type": logo.content_type})
    if updates:
        db.session.execute(update(Partner), updates)
    return len(updates)


def _primary_contacts() -> dict[int, int]:
    rows = db.session.execute(
        select(PartnerContact.partner_id, PartnerContact.user_id).where(
            PartnerContact.is_primary.is_(True)
        )
    )
    return {row.partner_id: row.user_id for row in rows}


def _proposals(rng: random.Random, anchor: date) -> int:
    """Pending offerings were proposed by the partner's primary contact; a few employers
    have proposed changes to live postings (the first partner's, the demo employer's, too)."""
    contacts = _primary_contacts()
    pending = db.session.execute(
        select(Offering.id, Offering.partner_id).where(Offering.status == OfferingStatus.PENDING)
    ).all()
    updates = [
        {"id": row.id, "proposed_by_id": contacts[row.partner_id]}
        for row in pending
        if row.partner_id in contacts
    ]
    if updates:
        db.session.execute(update(Offering), updates)
    published = db.session.scalars(
        select(Offering).where(Offering.status == OfferingStatus.PUBLISHED).order_by(Offering.id)
    ).all()
    if not published:
        return len(updates)
    chosen = [published[0], *rng.sample(published[1:], min(4, len(published) - 1))]
    schedules = ("Tuesdays, 3:30–5:30 pm", "Weekdays, 8 am–noon", "Saturdays, 9 am–1 pm")
    changes = []
    for offering in chosen:
        if offering.partner_id not in contacts:
            continue
        proposed: dict[str, Any] = {
            "capacity": offering.capacity + rng.randint(1, 3),
            "schedule": rng.choice(schedules),
        }
        changes.append(
            {
                "offering_id": offering.id,
                "proposed_by_id": contacts[offering.partner_id],
                "changes": _change_of(offering, proposed),
                "status": ChangeStatus.PENDING,
                "review_note": "",
            }
        )
    if changes:
        db.session.execute(insert(OfferingChange), changes)
    return len(updates) + len(changes)


def _change_of(offering: Offering, proposed: dict[str, Any]) -> dict[str, Any]:
    from wbl.catalog.manage_offerings import OfferingData

    current = OfferingData.of(offering).to_json()
    return {**current, **proposed}


@dataclass(frozen=True, slots=True)
class DemoClass:
    """A teacher's class as the roster lists it: the teacher and the students are indexes
    into the lists given to ``plan_classes``."""

    teacher: int
    school: int
    name: str
    period: str
    students: tuple[int, ...]


def plan_classes(
    rng: random.Random, teachers: Sequence[int], students: Sequence[int]
) -> list[DemoClass]:
    """Two classes a teacher, of 22 to 30 students of the teacher's school. ``teachers`` and
    ``students`` are their schools, in the order their accounts are created."""
    by_school: dict[int, list[int]] = {}
    for index, school in enumerate(students):
        by_school.setdefault(school, []).append(index)
    classes: list[DemoClass] = []
    for teacher, school in enumerate(teachers):
        pool = by_school.get(school, [])
        courses = rng.sample(_COURSES, CLASSES_PER_TEACHER)
        periods = sorted(rng.sample(range(1, 7), CLASSES_PER_TEACHER))
        for course, period in zip(courses, periods, strict=True):
            size = min(len(pool), rng.randint(22, 30))
            members = tuple(sorted(rng.sample(pool, size)))
            classes.append(DemoClass(teacher, school, course, str(period), members))
    return classes


def _event_requests(anchor: date, demo_domain: str) -> int:
    """The demo teacher has asked the demo employer for a class event (waiting for an
    answer) and has a guest speaker confirmed elsewhere, for their first class (the roster puts
    the demo student in it)."""
    accounts = {
        user.email.split("@")[0]: user
        for user in db.session.scalars(
            select(User).where(
                User.email.in_([f"{n}@{demo_domain}" for n in ("teacher", "employer")])
            )
        )
    }
    teacher, employer = accounts.get("teacher"), accounts.get("employer")
    if teacher is None or employer is None or teacher.school_id is None:
        return 0
    section = db.session.scalar(
        select(ClassSection).where(ClassSection.teacher_id == teacher.id).order_by(ClassSection.id)
    )
    if section is None:
        return 0
    own = db.session.scalar(
        select(PartnerContact.partner_id).where(PartnerContact.user_id == employer.id)
    )
    events = list(
        db.session.scalars(
            select(Offering)
            .where(
                Offering.status == OfferingStatus.PUBLISHED,
                Offering.kind.in_([k.value for k in CLASS_EVENT_KINDS]),
                Offering.start_date > anchor,
            )
            .order_by(Offering.id)
        )
    )
    mine = next((o for o in events if o.partner_id == own), None)
    other = next(
        (o for o in events if o.partner_id != own and o.kind is ExperienceKind.GUEST_SPEAKER),
        None,
    )
    contacts = _primary_contacts()
    size = max(len(section.students), 1)
    made = 0
    if own is not None:
        db.session.add(
            EventRequest(
                kind=mine.kind if mine else ExperienceKind.WORKPLACE_VISIT,
                partner_id=own,
                offering_id=mine.id if mine else None,
                teacher_id=teacher.id,
                school_id=section.school_id,
                class_section=section,
                class_size=size,
                topic="What a working day at your practice looks like, and how students start",
                options=[
                    EventDateOption(
                        position=i,
                        starts_at=local_to_utc(anchor + timedelta(days=days), at),
                        duration_minutes=90,
                    )
                    for i, (days, at) in enumerate(
                        ((14, time(10, 0)), (16, time(13, 0)), (21, time(9, 30)))
                    )
                ],
            )
        )
        made += 1
    if other is not None and other.partner_id in contacts:
        day = max(other.start_date or anchor, anchor + timedelta(days=7))
        db.session.add(
            EventRequest(
                kind=ExperienceKind.GUEST_SPEAKER,
                partner_id=other.partner_id,
                offering_id=other.id,
                teacher_id=teacher.id,
                school_id=section.school_id,
                class_section=section,
                class_size=size,
                topic=other.title,
                status=EventRequestStatus.ACCEPTED,
                response_message="Happy to come. I will bring a few tools of the trade.",
                decided_by_id=contacts[other.partner_id],
                decided_at=utcnow(),
                options=[
                    EventDateOption(
                        position=0,
                        starts_at=local_to_utc(day, time(10, 0)),
                        duration_minutes=60,
                        chosen=True,
                    )
                ],
            )
        )
        made += 1
    db.session.flush()
    return made
