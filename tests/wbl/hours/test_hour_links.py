"""The signed link in the supervisor's e-mail: it confirms or rejects the entries the e-mail
listed, as that supervisor, without signing in, and nothing else (expired, tampered, reused
for other entries, or another supervisor's)."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from flask import current_app
from sqlalchemy import delete, select

from tests.conftest import csrf_from
from tests.support.builders import make_user
from tests.support.hour_data import ADULT, place
from tests.support.placement_data import Cast, make_cast
from wbl.access import Role
from wbl.catalog.manage_contacts import remove_contact
from wbl.catalog.models import PartnerContact
from wbl.clock import local_today
from wbl.extensions import db, utcnow
from wbl.hours import jobs, links, queries, services
from wbl.hours.models import Channel, Digest, EntryStatus, HourEntry
from wbl.notifications.models import OutboxMessage
from wbl.placements.consent import PURPOSE as CONSENT_PURPOSE
from wbl.placements.models import Placement
from wbl.tokens import make_token


@pytest.fixture
def cast() -> Cast:
    return make_cast(born=ADULT)


@pytest.fixture
def placement(cast: Cast) -> Placement:
    return place(cast)


@pytest.fixture
def now() -> datetime:
    """The jobs' clock, fixed for the test (the page checks expiry against the real one)."""
    return utcnow().replace(microsecond=0)


def log(cast: Cast, placement: Placement, days_ago: int = 1, text: str = "") -> HourEntry:
    day = local_today() - timedelta(days=days_ago)
    return services.log_hours(
        cast.student.user, placement.id, day, 60, text or f"Fed the animals ({days_ago})"
    )


def send(now: datetime) -> str:
    with current_app.test_request_context():
        return jobs.send_supervisor_digests(now)


def link_from_outbox(to: str, kind: str = "hours_supervisor") -> str:
    """The path of the signed link in the latest e-mail of that kind to ``to``."""
    body = db.session.scalar(
        select(OutboxMessage.body_text)
        .where(OutboxMessage.kind == kind, OutboxMessage.to_email == to)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    assert body is not None, f"no {kind} e-mail to {to}"
    link = next(line.strip() for line in body.splitlines() if "/hours/review/" in line)
    return urlsplit(link).path


def status_of(entry: HourEntry) -> EntryStatus:
    db.session.expire(entry)
    return entry.status


def post(client, path: str, data: dict[str, object], *, page: str | None = None):
    """POST with the CSRF token of the page, as a browser would."""
    token = csrf_from(client.get(page or path).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def ids(*entries: HourEntry) -> list[str]:
    return [str(e.id) for e in entries]


@pytest.fixture
def sent(cast, placement, now) -> tuple[HourEntry, HourEntry, str]:
    """Two entries waiting, and the link from this week's e-mail to the supervisor."""
    first, second = log(cast, placement, 1), log(cast, placement, 2)
    assert send(now) == "1 supervisor e-mail(s) queued"
    return first, second, link_from_outbox(cast.employer.email)


# --- the page and its decisions -------------------------------------------------------------


def test_the_link_shows_the_entries_without_signing_in(client, cast, sent):
    _first, _second, path = sent
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for shown in (
        "Fed the animals (1)",
        "Fed the animals (2)",
        cast.student.user.full_name,
        cast.offering.title,
        f"You are confirming as <strong>{cast.employer.full_name}</strong>",
        "Confirm selected",
        "Confirm all 2 waiting",
        "/hours/inbox",
    ):
        assert shown in html, shown
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Robots-Tag"].startswith("noindex")
    assert "no-store" in response.headers["Cache-Control"]


def test_confirm_selected_records_the_supervisor_and_the_email_channel(client, cast, sent):
    first, second, path = sent
    response = post(client, path, {"entry_ids": ids(first)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(path)
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert status_of(first) is EntryStatus.CONFIRMED
    assert status_of(second) is EntryStatus.PENDING
    assert (first.decided_by_id, first.decided_via) == (cast.employer.id, Channel.EMAIL)
    [event] = [
        e for e in db.session.scalars(queries.audit_trail(first.id)) if e.action != "created"
    ]
    assert (event.action, event.actor_id, event.via) == (
        "confirmed",
        cast.employer.id,
        Channel.EMAIL,
    )
    html = client.get(path).get_data(as_text=True)
    assert "1 entry confirmed." in html
    assert f"By {cast.employer.full_name}" in html
    assert "Confirm all 1 waiting" in html


def test_confirm_all_confirms_every_entry_shown(client, sent):
    first, second, path = sent
    response = post(client, path, {"confirm_all": "y", "shown_ids": ids(first, second)})
    assert response.status_code == 302
    assert status_of(first) is EntryStatus.CONFIRMED
    assert status_of(second) is EntryStatus.CONFIRMED
    html = client.get(path).get_data(as_text=True)
    assert "2 entries confirmed." in html
    assert "Every entry from this e-mail has been decided" in html


def test_nothing_chosen_is_explained(client, sent):
    first, _second, path = sent
    response = post(client, path, {})
    assert response.status_code == 302
    assert "Choose at least one entry" in client.get(path).get_data(as_text=True)
    assert status_of(first) is EntryStatus.PENDING


def test_reject_needs_a_reason_and_records_it(client, cast, sent):
    first, _second, path = sent
    field = f"reject-{first.id}-reason"
    missing = post(client, path, {"reject_id": str(first.id), field: "  "})
    assert missing.status_code == 422
    assert "Tell the student why" in missing.get_data(as_text=True)
    assert status_of(first) is EntryStatus.PENDING

    response = post(client, path, {"reject_id": str(first.id), field: "I was off that day"})
    assert response.status_code == 302
    assert status_of(first) is EntryStatus.REJECTED
    assert first.reject_reason == "I was off that day"
    assert (first.decided_by_id, first.decided_via) == (cast.employer.id, Channel.EMAIL)
    [event] = [
        e for e in db.session.scalars(queries.audit_trail(first.id)) if e.action != "created"
    ]
    assert (event.action, event.actor_id, event.via) == (
        "rejected",
        cast.employer.id,
        Channel.EMAIL,
    )
    assert event.detail == {"reason": "I was off that day"}
    html = client.get(path).get_data(as_text=True)
    assert "the student sees your reason" in html
    assert "I was off that day" in html


def test_already_decided_entries_are_skipped_with_a_message(client, cast, sent):
    first, second, path = sent
    html = client.get(path).get_data(as_text=True)  # the page is open ...
    services.confirm(cast.employer, [first.id])  # ... while the inbox confirms one
    token = csrf_from(html)
    client.post(path, data={"entry_ids": ids(first, second), "csrf_token": token})
    assert status_of(second) is EntryStatus.CONFIRMED
    assert first.decided_via is Channel.WEB  # decided once, on the web
    page = client.get(path).get_data(as_text=True)
    assert "1 entry confirmed. 1 had already been decided and was skipped." in page

    client.post(path, data={"entry_ids": ids(first), "csrf_token": token})
    assert "already been decided; nothing was changed" in client.get(path).get_data(as_text=True)

    field = f"reject-{first.id}-reason"
    client.post(path, data={"reject_id": str(first.id), field: "No", "csrf_token": token})
    assert status_of(first) is EntryStatus.CONFIRMED
    assert "already been decided" in client.get(path).get_data(as_text=True)


def test_someone_else_signed_in_still_acts_as_the_supervisor(client, login_as, cast, sent):
    first, _second, path = sent
    colleague = make_user(roles={Role.EMPLOYER}, full_name="Casey Colleague")
    db.session.add(PartnerContact(partner=cast.partner, user=colleague))
    login_as(colleague)
    html = client.get(path).get_data(as_text=True)
    assert f"You are confirming as <strong>{cast.employer.full_name}</strong>" in html
    assert "You are signed in as Casey Colleague" in html
    post(client, path, {"entry_ids": ids(first)})
    assert status_of(first) is EntryStatus.CONFIRMED
    assert first.decided_by_id == cast.employer.id


def test_the_reminder_link_works_too(client, cast, placement, now):
    entry = log(cast, placement, 5)
    entry.created_at = now - timedelta(days=4)
    db.session.flush()
    with current_app.test_request_context():
        assert jobs.remind_pending(now) == "1 reminder(s) queued"
    path = link_from_outbox(cast.employer.email, "hours_reminder")
    assert "Fed the animals (5)" in client.get(path).get_data(as_text=True)
    post(client, path, {"confirm_all": "y", "shown_ids": ids(entry)})
    assert status_of(entry) is EntryStatus.CONFIRMED
    assert entry.decided_via is Channel.EMAIL


def test_the_page_runs_the_same_statements_for_few_or_many_entries(
    client, cast, placement, now, count_queries
):
    log(cast, placement, 1)
    send(now)
    few_path = link_from_outbox(cast.employer.email)
    for days_ago in (2, 3, 4, 5, 6):
        log(cast, placement, days_ago)
    send(now + timedelta(days=7))
    many_path = link_from_outbox(cast.employer.email)
    assert few_path != many_path

    def statements(path: str) -> int:
        db.session.expire_all()
        with count_queries() as counter:
            assert client.get(path).status_code == 200
        return counter.count

    assert statements(many_path) == statements(few_path)


# --- misuse ---------------------------------------------------------------------------------


def test_an_expired_link_is_refused(client, cast, placement, now):
    entry = log(cast, placement)
    send(now - timedelta(days=14, minutes=1))
    path = link_from_outbox(cast.employer.email)
    response = client.get(path)
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert "This link has expired" in html
    assert "works for 14 days" in html
    assert "sign in and open your inbox" in html
    assert response.headers["Referrer-Policy"] == "no-referrer"
    refused = post(client, path, {"confirm_all": "y", "shown_ids": ids(entry)}, page="/login")
    assert refused.status_code == 410
    assert status_of(entry) is EntryStatus.PENDING


def test_a_link_works_until_its_14th_day(client, cast, placement, now):
    log(cast, placement)
    send(now - timedelta(days=13, hours=23))
    assert client.get(link_from_outbox(cast.employer.email)).status_code == 200


def test_a_tampered_link_is_refused(client, cast, sent):
    first, _second, path = sent
    token = path.rsplit("/", 1)[1]
    middle = len(token) // 2
    swapped = "A" if token[middle] != "A" else "B"
    response = client.get(f"/hours/review/{token[:middle]}{swapped}{token[middle + 1 :]}")
    assert response.status_code == 400
    assert "This link is not valid" in response.get_data(as_text=True)
    assert client.get("/hours/review/not-a-token").status_code == 400
    digest = db.session.scalar(select(Digest))
    assert digest is not None
    wrong_nonce = make_token(links.PURPOSE, {"d": digest.id, "n": "0" * 32})
    assert client.get(f"/hours/review/{wrong_nonce}").status_code == 400
    unknown = make_token(links.PURPOSE, {"d": digest.id + 1000, "n": digest.nonce})
    assert client.get(f"/hours/review/{unknown}").status_code == 400
    other_purpose = make_token(CONSENT_PURPOSE, {"d": digest.id, "n": digest.nonce})
    assert client.get(f"/hours/review/{other_purpose}").status_code == 400
    refused = post(client, f"/hours/review/{wrong_nonce}", {"entry_ids": ids(first)}, page="/login")
    assert refused.status_code == 400
    assert status_of(first) is EntryStatus.PENDING


def test_a_link_cannot_decide_entries_it_did_not_list(client, cast, placement, now, sent):
    first, second, path = sent
    later = log(cast, placement, 3)  # logged after the e-mail: not in its digest
    other_cast = make_cast(born=ADULT)
    elsewhere = log(other_cast, place(other_cast), text="Answered the phone")
    send(now)  # the other partner's supervisor gets their own e-mail
    for foreign in (later, elsewhere):
        response = post(client, path, {"entry_ids": ids(foreign)})
        assert response.status_code == 404
        # Mixed with the link's own entries: refused as a whole, nothing half-saved.
        all_of_them = post(
            client, path, {"confirm_all": "y", "shown_ids": ids(first, second, foreign)}
        )
        assert all_of_them.status_code == 404
        field = f"reject-{foreign.id}-reason"
        rejected = post(client, path, {"reject_id": str(foreign.id), field: "No"})
        assert rejected.status_code == 404
        no_reason = post(client, path, {"reject_id": str(foreign.id), field: ""})
        assert no_reason.status_code == 404
        assert status_of(foreign) is EntryStatus.PENDING
    assert status_of(first) is EntryStatus.PENDING
    assert status_of(second) is EntryStatus.PENDING
    assert "Answered the phone" not in client.get(path).get_data(as_text=True)


def test_a_supervisor_no_longer_a_contact_cannot_use_the_link(client, cast, sent):
    first, second, path = sent
    csrf = csrf_from(client.get(path).get_data(as_text=True))
    contact = db.session.scalar(
        select(PartnerContact.id).where(
            PartnerContact.user_id == cast.employer.id,
            PartnerContact.partner_id == cast.partner.id,
        )
    )
    remove_contact(make_user(roles={Role.STAFF}), contact)
    html = client.get(path).get_data(as_text=True)
    assert "Fed the animals" not in html
    assert "2 entries from the e-mail are no longer yours to confirm" in html
    refused = client.post(path, data={"entry_ids": ids(first), "csrf_token": csrf})
    assert refused.status_code == 404
    field = f"reject-{first.id}-reason"
    rejected = client.post(path, data={"reject_id": str(first.id), field: "No", "csrf_token": csrf})
    assert rejected.status_code == 404
    assert status_of(first) is EntryStatus.PENDING
    assert status_of(second) is EntryStatus.PENDING


def test_another_supervisors_link_acts_only_for_them(client, cast, placement, now):
    """Two contacts of the partner each get a link; when one leaves the partner their link
    stops deciding, while the other's still works (as the other)."""
    entry = log(cast, placement)
    colleague = make_user(roles={Role.EMPLOYER})
    db.session.add(PartnerContact(partner=cast.partner, user=colleague))
    db.session.flush()
    send(now)
    theirs = link_from_outbox(colleague.email)
    mine = link_from_outbox(cast.employer.email)
    assert theirs != mine
    db.session.execute(delete(PartnerContact).where(PartnerContact.user_id == colleague.id))
    assert "Fed the animals" not in client.get(theirs).get_data(as_text=True)
    refused = post(client, theirs, {"entry_ids": ids(entry)}, page="/login")
    assert refused.status_code == 404
    assert status_of(entry) is EntryStatus.PENDING
    post(client, mine, {"entry_ids": ids(entry)})
    assert status_of(entry) is EntryStatus.CONFIRMED
    assert entry.decided_by_id == cast.employer.id


def test_a_deactivated_supervisors_link_is_refused(client, cast, sent):
    first, _second, path = sent
    cast.employer.active = False
    db.session.flush()
    assert client.get(path).status_code == 400
    assert status_of(first) is EntryStatus.PENDING
