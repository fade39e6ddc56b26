"""The catalog's back office: partners, logos, contacts, offerings and the review queue."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from tests.support.builders import (
    make_employer,
    make_offering,
    make_partner,
    make_user,
    pathway,
    sector,
)
from tests.support.logo_files import SVG_WITH_SCRIPT, jpeg_bytes, png_bytes, png_header
from wbl.access import Role
from wbl.catalog import manage_contacts, manage_offerings, manage_partners, proposal_review
from wbl.catalog.manage_contacts import ContactData
from wbl.catalog.manage_offerings import OfferingData
from wbl.catalog.manage_partners import PartnerData
from wbl.catalog.models import ChangeStatus, Offering, OfferingChange, OfferingStatus, Partner
from wbl.clock import local_today
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import db
from wbl.geocoding.services import UnknownZip
from wbl.images import BadLogo, clean_logo
from wbl.notifications.models import OutboxMessage
from wbl.reference.models import ExperienceKind
from wbl.storage import storage


@pytest.fixture(autouse=True)
def _request(app):
    """Services put links in e-mails: they run inside a request, as in the app."""
    with app.test_request_context():
        yield


@pytest.fixture
def staff(app):
    return make_user(roles={Role.STAFF})


def partner_data(**overrides: object) -> PartnerData:
    values: dict[str, object] = {
        "name": "Petaluma Valley Hospital",
        "sector_id": sector("health").id,
        "street_address": "400 N McDowell Blvd",
        "city": "Petaluma",
        "zip": "94954",
        "worksite_agreement_date": date(2026, 1, 10),
        "worksite_agreement_expiry": date(2029, 1, 10),
        "insurance_expiry": date(2027, 12, 31),
    }
    values.update(overrides)
    return PartnerData(**values)  # type: ignore[arg-type]


def offering_data(partner: Partner, **overrides: object) -> OfferingData:
    start = local_today() + timedelta(days=20)
    values: dict[str, object] = {
        "partner_id": partner.id,
        "kind": ExperienceKind.JOB_SHADOW,
        "title": "Shadow a respiratory therapist",
        "description": "Spend a morning on the respiratory care team.",
        "capacity": 3,
        "start_date": start,
        "end_date": start + timedelta(days=1),
        "pathway_ids": frozenset({pathway().id}),
    }
    # A timedelta stands for "that many days from today" (parameters exist before the app).
    values.update(
        {k: local_today() + v if isinstance(v, timedelta) else v for k, v in overrides.items()}
    )
    return OfferingData(**values)  # type: ignore[arg-type]


# --- partners ----------------------------------------------------------------------------


def test_staff_create_a_partner_located_from_its_zip(staff) -> None:
    partner = manage_partners.create_partner(staff, partner_data())
    assert partner.id is not None
    assert partner.latitude == pytest.approx(38.25, abs=0.1)
    assert partner.longitude == pytest.approx(-122.63, abs=0.1)
    assert partner.coordinates_manual is False


def test_manual_coordinates_override_the_zip(staff) -> None:
    partner = manage_partners.create_partner(staff, partner_data(latitude=38.5, longitude=-122.9))
    assert (partner.latitude, partner.longitude) == (38.5, -122.9)
    assert partner.coordinates_manual is True


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"zip": "00000"}, "zip"),
        ({"zip": "abc"}, "zip"),
        ({"latitude": 38.5}, "latitude"),
        ({"latitude": 95.0, "longitude": -122.0}, "latitude"),
        ({"latitude": 38.0, "longitude": -190.0}, "longitude"),
        ({"sector_id": 999_999}, "sector_id"),
        ({"name": "  "}, "name"),
        ({"worksite_agreement_expiry": date(2025, 1, 1)}, "worksite_agreement_expiry"),
        (
            {"worksite_agreement_date": None, "worksite_agreement_expiry": date(2029, 1, 1)},
            "worksite_agreement_date",
        ),
    ],
)
def test_bad_partner_input_is_refused_on_its_field(staff, overrides, field) -> None:
    before = db.session.scalar(select(db.func.count(Partner.id)))
    with pytest.raises(DomainError) as caught:
        manage_partners.create_partner(staff, partner_data(**overrides))
    assert caught.value.field == field
    assert db.session.scalar(select(db.func.count(Partner.id))) == before


def test_partner_names_are_unique_ignoring_case(staff) -> None:
    manage_partners.create_partner(staff, partner_data())
    with pytest.raises(DomainError, match="already exists"):
        manage_partners.create_partner(staff, partner_data(name="PETALUMA VALLEY HOSPITAL"))


def test_a_failed_edit_changes_nothing(staff) -> None:
    partner = manage_partners.create_partner(staff, partner_data())
    with pytest.raises(UnknownZip):
        manage_partners.update_partner(staff, partner.id, partner_data(name="Renamed", zip="00000"))
    db.session.expire_all()
    assert db.session.get(Partner, partner.id).name == "Petaluma Valley Hospital"


def test_only_staff_manage_partners(app) -> None:
    partner = make_partner()
    employer = make_employer(partner=partner)
    with pytest.raises(Forbidden):
        manage_partners.create_partner(make_user(roles={Role.TEACHER}), partner_data())
    with pytest.raises(Forbidden):
        manage_partners.update_partner(employer, partner.id, partner_data())
    with pytest.raises(NotFound):  # another partner's employer does not even see it
        manage_partners.update_partner(make_employer(), partner.id, partner_data())


def test_deactivating_hides_and_reactivating_restores(staff) -> None:
    partner = make_partner()
    manage_partners.set_partner_active(staff, partner.id, False)
    assert partner.active is False
    manage_partners.set_partner_active(staff, partner.id, True)
    assert partner.active is True


# --- logos -------------------------------------------------------------------------------


def test_png_and_jpeg_logos_are_re_encoded(staff) -> None:
    partner = make_partner()
    manage_partners.upload_logo(staff, partner.id, png_bytes() + b"<?php appended payload ?>")
    stored = storage().read(partner.logo_key)
    assert stored.startswith(b"\x89PNG")
    assert b"payload" not in stored
    assert partner.logo_content_type == "image/png"
    manage_partners.upload_logo(staff, partner.id, jpeg_bytes())
    assert partner.logo_content_type == "image/jpeg"
    assert partner.logo_key.endswith(".jpg")


def test_replacing_a_logo_removes_the_old_file(staff) -> None:
    partner = make_partner()
    manage_partners.upload_logo(staff, partner.id, png_bytes())
    old = partner.logo_key
    manage_partners.upload_logo(staff, partner.id, png_bytes(colour="#ff0000"))
    with pytest.raises(NotFound):
        storage().read(old)


def test_svg_logos_lose_scripts_handlers_and_external_references() -> None:
    logo = clean_logo(SVG_WITH_SCRIPT)
    assert logo.content_type == "image/svg+xml"
    assert b"<script" not in logo.data
    assert b"onload" not in logo.data
    assert b"tracker.example.com" not in logo.data
    assert b"<rect" in logo.data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"MZ\x90\x00\x03 this is an executable renamed logo.png", "not a PNG, JPEG or SVG"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "damaged"),
        (b"\xff\xd8\xff\xe0 not really a jpeg", "damaged"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><rect></svg>", "not valid XML"),
        (b"<html><body>hi</body></html>", "SVG"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (1024 * 1024), "limit is 1 MB"),
        (png_header(5000, 5000), "too large in pixels"),
        (png_header(30_000, 30_000), "too large in pixels"),  # Pillow refuses to open it
    ],
)
def test_bad_logos_are_refused_with_a_reason(data, message) -> None:
    with pytest.raises(BadLogo, match=message) as caught:
        clean_logo(data)
    assert caught.value.field == "logo"


def test_a_refused_logo_keeps_the_old_one(staff) -> None:
    partner = make_partner()
    manage_partners.upload_logo(staff, partner.id, png_bytes())
    key = partner.logo_key
    with pytest.raises(BadLogo):
        manage_partners.upload_logo(staff, partner.id, b"GIF89a not allowed")
    db.session.expire_all()
    assert db.session.get(Partner, partner.id).logo_key == key


# --- contacts ----------------------------------------------------------------------------


def test_a_new_contact_is_invited_as_an_employer(staff) -> None:
    partner = make_partner(name="Bodega Marine Lab")
    contact = manage_contacts.add_contact(
        staff, partner.id, ContactData(email="Lee@Marine.example.org", full_name="Lee Park")
    )
    assert contact.user.email == "lee@marine.example.org"
    assert contact.user.role_set == {Role.EMPLOYER}
    assert contact.is_primary is True
    mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_email == "lee@marine.example.org")
    ).one()
    assert "Bodega Marine Lab" in mail.body_text
    assert "/invitation/" in mail.body_text


def test_an_existing_employer_is_linked_not_invited_again(staff) -> None:
    employer = make_employer()
    other = make_partner()
    contact = manage_contacts.add_contact(
        staff, other.id, ContactData(email=employer.email, full_name="ignored")
    )
    assert contact.user_id == employer.id
    with pytest.raises(DomainError, match="already a contact"):
        manage_contacts.add_contact(
            staff, other.id, ContactData(email=employer.email, full_name="x")
        )


@pytest.mark.parametrize("email", ["lee.marine.example.org", "lee@", "lee park@marine.example.org"])
def test_a_contact_needs_a_real_e_mail_address(staff, email: str) -> None:
    """The form checks it with email-validator; the service does too (no caller skips it)."""
    partner = make_partner()
    with pytest.raises(DomainError) as caught:
        manage_contacts.add_contact(
            staff, partner.id, ContactData(email=email, full_name="Lee Park")
        )
    assert caught.value.field == "email"
    assert partner.contacts == []


def test_a_student_account_never_becomes_a_contact(staff) -> None:
    student = make_user(roles={Role.STUDENT})
    with pytest.raises(DomainError, match="not an employer") as caught:
        manage_contacts.add_contact(
            staff, make_partner().id, ContactData(email=student.email, full_name="x")
        )
    assert caught.value.field == "email"


# --- offerings ---------------------------------------------------------------------------


def test_staff_create_a_draft_then_publish(staff) -> None:
    partner = make_partner()
    offering = manage_offerings.create_offering(staff, offering_data(partner))
    assert offering.status is OfferingStatus.DRAFT
    manage_offerings.publish_offering(staff, offering.id)
    assert offering.status is OfferingStatus.PUBLISHED
    assert offering.published_at is not None
    manage_offerings.close_offering(staff, offering.id)
    assert offering.status is OfferingStatus.CLOSED


@pytest.mark.parametrize(
    "partner_overrides",
    [
        {"insurance_expiry": date(2020, 1, 1)},
        {"insurance_expiry": None},
        {"worksite_agreement_date": None},
    ],
)
def test_individual_placements_need_a_compliant_partner(staff, partner_overrides) -> None:
    partner = make_partner(**partner_overrides)
    with pytest.raises(DomainError, match="cannot host individual placements"):
        manage_offerings.create_offering(staff, offering_data(partner), publish=True)
    assert db.session.scalar(select(Offering).where(Offering.partner_id == partner.id)) is None


def test_an_expired_agreement_blocks_an_internship(staff) -> None:
    partner = make_partner()
    partner.worksite_agreement_expiry = local_today() - timedelta(days=1)
    with pytest.raises(DomainError, match="agreement expired"):
        manage_offerings.create_offering(
            staff, offering_data(partner, kind=ExperienceKind.INTERNSHIP), publish=True
        )


def test_class_events_do_not_need_a_worksite_agreement(staff) -> None:
    partner = make_partner(worksite_agreement_date=None, insurance_expiry=None)
    offering = manage_offerings.create_offering(
        staff, offering_data(partner, kind=ExperienceKind.GUEST_SPEAKER), publish=True
    )
    assert offering.status is OfferingStatus.PUBLISHED


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"capacity": -1}, "capacity"),
        ({"end_date": timedelta(days=0)}, "end_date"),
        ({"start_date": None}, "start_date"),
        ({"application_deadline": timedelta(days=60)}, "application_deadline"),
        ({"min_grade": 8}, "min_grade"),
        ({"minimum_age": 10}, "minimum_age"),
        ({"expected_hours": 0}, "expected_hours"),
        ({"zip": "99999"}, "zip"),
        ({"pathway_ids": frozenset({987_654})}, "pathway_ids"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_offering_input_is_refused_on_its_field(staff, overrides, field) -> None:
    with pytest.raises(DomainError) as caught:
        manage_offerings.create_offering(staff, offering_data(make_partner(), **overrides))
    assert caught.value.field == field


def test_capacity_never_drops_below_seats_taken(staff) -> None:
    offering = make_offering(capacity=5)
    offering.seats_taken = 3
    db.session.flush()
    data = dataclasses.replace(manage_offerings.OfferingData.of(offering), capacity=2)
    with pytest.raises(DomainError, match="3 seats are already taken") as caught:
        manage_offerings.update_offering(staff, offering.id, data)
    assert caught.value.field == "capacity"
    db.session.expire_all()
    assert db.session.get(Offering, offering.id).capacity == 5
    manage_offerings.update_offering(staff, offering.id, dataclasses.replace(data, capacity=3))
    assert db.session.get(Offering, offering.id).capacity == 3


# --- employer proposals and the review queue ---------------------------------------------


def test_an_employer_proposal_waits_for_review_and_is_approved_with_edits(staff) -> None:
    partner = make_partner()
    employer = make_employer(partner=partner)
    offering = manage_offerings.create_offering(employer, offering_data(partner), publish=True)
    assert offering.status is OfferingStatus.PENDING  # an employer cannot publish
    assert offering.proposed_by_id == employer.id
    edited = dataclasses.replace(offering_data(partner), title="Respiratory therapy shadow")
    proposal_review.approve_offering(staff, offering.id, edited)
    assert offering.status is OfferingStatus.PUBLISHED
    assert offering.title == "Respiratory therapy shadow"
    assert offering.reviewed_by_id == staff.id
    mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_email == employer.email)
    ).one()
    assert "approved" in mail.subject


def test_a_returned_proposal_shows_the_reason_and_can_be_resubmitted(staff) -> None:
    partner = make_partner()
    employer = make_employer(partner=partner)
    offering = manage_offerings.create_offering(employer, offering_data(partner))
    with pytest.raises(DomainError) as caught:
        proposal_review.return_offering(staff, offering.id, "  ")
    assert caught.value.field == "reason"
    proposal_review.return_offering(staff, offering.id, "Please add the dress code.")
    assert offering.status is OfferingStatus.RETURNED
    assert offering.review_note == "Please add the dress code."
    with pytest.raises(DomainError, match="already been reviewed"):
        proposal_review.approve_offering(staff, offering.id, offering_data(partner))
    manage_offerings.update_offering(
        employer, offering.id, offering_data(partner, requirements="Scrubs are provided.")
    )
    assert offering.status is OfferingStatus.PENDING


def test_employers_propose_changes_to_live_offerings_without_changing_them(staff) -> None:
    partner = make_partner()
    employer = make_employer(partner=partner)
    offering = make_offering(partner=partner, title="Shadow a nurse")
    data = manage_offerings.OfferingData.of(offering)
    change = manage_offerings.update_offering(
        employer, offering.id, dataclasses.replace(data, capacity=8)
    )
    assert isinstance(change, OfferingChange)
    assert offering.capacity == 5  # the live offering is untouched
    assert proposal_review.changed_fields(change) == ["capacity"]
    newer = manage_offerings.update_offering(
        employer, offering.id, dataclasses.replace(data, capacity=9)
    )
    assert change.status is ChangeStatus.WITHDRAWN  # one open proposal at a time
    proposal_review.approve_change(staff, newer.id, OfferingData.from_json(newer.changes))
    assert offering.capacity == 9
    assert newer.status is ChangeStatus.APPROVED
    with pytest.raises(DomainError, match="Nothing has changed"):
        manage_offerings.update_offering(
            employer, offering.id, manage_offerings.OfferingData.of(offering)
        )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"capacity": 0}, "capacity"),
        ({"capacity": 501}, "capacity"),
        ({"minimum_age": 0}, "minimum_age"),
        ({"expected_hours": 2001}, "expected_hours"),
        ({"end_date": None, "application_deadline": timedelta(days=21)}, "application_deadline"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_every_service_path_keeps_the_offering_rules(staff, overrides, field) -> None:
    """A proposal, a proposed change and staff's approval with edits: the same rules."""
    partner = make_partner()
    employer = make_employer(partner=partner)
    bad = offering_data(partner, **overrides)
    live = make_offering(partner=partner)
    proposal = make_offering(partner=partner, status=OfferingStatus.PENDING)
    attempts = [
        lambda: manage_offerings.create_offering(employer, bad),
        lambda: manage_offerings.update_offering(employer, live.id, bad),
        lambda: proposal_review.approve_offering(staff, proposal.id, bad),
        lambda: manage_offerings.update_offering(staff, live.id, bad),
    ]
    for attempt in attempts:
        with pytest.raises(DomainError) as caught:
            attempt()
        assert caught.value.field == field
    assert db.session.scalars(select(OfferingChange)).all() == []
    assert proposal.status is OfferingStatus.PENDING


def test_declined_changes_leave_the_offering_as_it_was(staff) -> None:
    partner = make_partner()
    employer = make_employer(partner=partner)
    offering = make_offering(partner=partner)
    data = dataclasses.replace(manage_offerings.OfferingData.of(offering), title="Something else")
    change = manage_offerings.update_offering(employer, offering.id, data)
    proposal_review.return_change(staff, change.id, "The title must name the job.")
    assert change.status is ChangeStatus.RETURNED
    assert offering.title != "Something else"


def _decided_elsewhere(model: type[Offering] | type[OfferingChange], row_id: int, status) -> None:
    """Another staff member's review, committed while this one's page was open: the database
    changes, this session's copy of the row still says pending."""
    db.session.execute(
        update(model)
        .where(model.id == row_id)
        .values(status=status)
        .execution_options(synchronize_session=False)
    )


@pytest.mark.parametrize("action", ["approve", "return"])
def test_a_proposal_reviewed_meanwhile_is_not_reviewed_again(staff, action) -> None:
    """The review moves the proposal from pending in one conditional UPDATE (move_status):
    the second of two reviewers is refused, even though the row it read said pending."""
    partner = make_partner()
    employer = make_employer(partner=partner)
    offering = manage_offerings.create_offering(employer, offering_data(partner))
    _decided_elsewhere(Offering, offering.id, OfferingStatus.RETURNED)
    assert offering.status is OfferingStatus.PENDING  # what this reviewer's page read
    reviews = {
        "approve": lambda: proposal_review.approve_offering(
            staff, offering.id, offering_data(partner)
        ),
        "return": lambda: proposal_review.return_offering(
            staff, offering.id, "Add the dress code."
        ),
    }
    with pytest.raises(DomainError, match="already been reviewed"):
        reviews[action]()
    db.session.expire_all()
    found = db.session.get(Offering, offering.id)
    assert found.status is OfferingStatus.RETURNED
    assert found.published_at is None
    assert found.reviewed_by_id is None
    to_employer = select(OutboxMessage).where(OutboxMessage.to_email == employer.email)
    assert db.session.scalars(to_employer).all() == []


@pytest.mark.parametrize("action", ["approve", "return"])
def test_changes_reviewed_meanwhile_are_not_reviewed_again(staff, action) -> None:
    partner = make_partner()
    employer = make_employer(partner=partner)
    offering = make_offering(partner=partner, title="Shadow a nurse")
    data = dataclasses.replace(manage_offerings.OfferingData.of(offering), capacity=8)
    change = manage_offerings.update_offering(employer, offering.id, data)
    _decided_elsewhere(OfferingChange, change.id, ChangeStatus.RETURNED)
    assert change.status is ChangeStatus.PENDING  # what this reviewer's page read
    reviews = {
        "approve": lambda: proposal_review.approve_change(staff, change.id, data),
        "return": lambda: proposal_review.return_change(staff, change.id, "No."),
    }
    with pytest.raises(DomainError, match="already been reviewed"):
        reviews[action]()
    db.session.expire_all()
    assert db.session.get(OfferingChange, change.id).status is ChangeStatus.RETURNED
    assert db.session.get(OfferingChange, change.id).reviewed_by_id is None
    assert db.session.get(Offering, offering.id).capacity == 5


def test_employers_only_touch_their_own_partner(app) -> None:
    mine, theirs = make_partner(), make_partner()
    employer = make_employer(partner=mine)
    with pytest.raises(DomainError) as caught:
        manage_offerings.create_offering(employer, offering_data(theirs))
    assert caught.value.field == "partner_id"
    with pytest.raises(NotFound):
        manage_offerings.update_offering(
            employer, make_offering(partner=theirs).id, offering_data(mine)
        )
    with pytest.raises(Forbidden):
        manage_offerings.publish_offering(employer, make_offering(partner=mine).id)


def test_removing_a_placements_supervisor_leaves_the_placement_without_one(app) -> None:
    """A contact who supervises a placement can still be removed (the placement keeps going
    with no named supervisor: any contact of the partner confirms its hours)."""
    from tests.support.hour_data import place
    from tests.support.placement_data import make_cast
    from wbl.catalog.models import PartnerContact
    from wbl.placements.models import Placement, PlacementStatus

    cast = make_cast(born=date(2007, 1, 1))
    placement = place(cast)
    assert placement.supervisor_id is not None
    manage_contacts.remove_contact(make_user(roles={Role.STAFF}), placement.supervisor_id)
    db.session.expire_all()
    kept = db.session.get(Placement, placement.id)
    assert kept.supervisor_id is None
    assert kept.status is PlacementStatus.ACTIVE
    assert (
        db.session.scalar(select(PartnerContact).where(PartnerContact.user_id == cast.employer.id))
        is None
    )
