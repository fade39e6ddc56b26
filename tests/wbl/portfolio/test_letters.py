"""Letters of recommendation: the student asks by e-mail; the recommender uploads the letter
once through the signed link, without an account; the student sees that it arrived, never
the letter; staff in scope and assigned reviewers download it; nobody else."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import current_app, render_template_string
from flask_login import login_user
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import csrf_from
from tests.support.builders import make_district, make_employer, make_school, make_user
from tests.support.hour_data import ADULT
from tests.support.placement_data import Cast, make_cast
from tests.support.upload_files import EXECUTABLE, corrupt_pdf, docx_bytes, pdf_bytes
from wbl.access import Role
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import db, utcnow
from wbl.notifications.models import OutboxMessage
from wbl.placements.consent import PURPOSE as CONSENT_PURPOSE
from wbl.portfolio import letters
from wbl.portfolio.letters import LetterRequest
from wbl.portfolio.models import LetterStatus, Recommendation
from wbl.reviews.models import PortfolioSubmission, ReviewAssignment, SubmissionStatus
from wbl.tokens import make_token

REQUEST = LetterRequest(
    recommender_name="  Ms.  Rivera ",
    recommender_email=" J.Rivera@Example.org ",
    relationship_note=" CTE teacher ",
    message="You saw my vet tech project in Animal Science 2.",
)


@pytest.fixture
def cast() -> Cast:
    return make_cast(born=ADULT)


def ask(cast: Cast, request: LetterRequest = REQUEST, **changes: str) -> Recommendation:
    with current_app.test_request_context():
        return letters.ask(cast.student.user, replace(request, **changes))


def asked(cast: Cast, n: int) -> Recommendation:
    return ask(cast, recommender_name=f"Person {n}", recommender_email=f"person{n}@example.org")


def outbox(to: str, kind: str = letters.REQUEST_KIND) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.to_email == to, OutboxMessage.kind == kind)
            .order_by(OutboxMessage.id)
        )
    )


def link_from_outbox(to: str, kind: str = letters.REQUEST_KIND) -> str:
    """The path of the upload link in the latest e-mail of that kind to ``to``."""
    messages = outbox(to, kind)
    assert messages, f"no {kind} e-mail to {to}"
    line = next(s for s in messages[-1].body_text.splitlines() if "/letters/upload/" in s)
    return urlsplit(line.strip()).path


def stored_letters() -> list[Path]:
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / letters.STORAGE_FOLDER
    return sorted(folder.glob("*")) if folder.exists() else []


def upload(
    client, path: str, data: bytes, name: str = "letter.pdf", *, confirm: bool = True, page=""
):
    """POST the upload form with the CSRF token of ``page`` (the link's own page by default;
    a link that no longer works has no form: take it from the sign-in page)."""
    token = csrf_from(client.get(page or path).get_data(as_text=True))
    form: dict[str, object] = {"csrf_token": token, "file": FileStorage(io.BytesIO(data), name)}
    if confirm:
        form["confirm"] = "y"
    # Encoded here in memory: the test client would spool a large body to a temporary file
    # it never closes (a ResourceWarning).
    boundary, body = encode_multipart(form)
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def post(client, path: str, data: dict[str, object], *, page: str):
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def reload(letter: Recommendation) -> Recommendation:
    db.session.expire(letter)
    return letter


def received(client, cast: Cast, data: bytes | None = None) -> Recommendation:
    letter = ask(cast)
    response = upload(client, link_from_outbox(letter.recommender_email), data or pdf_bytes("Hi"))
    assert response.status_code == 200, response.get_data(as_text=True)
    return reload(letter)


def make_reviewer(student_id: int, status: SubmissionStatus = SubmissionStatus.IN_REVIEW):
    reviewer = make_employer()
    attempts = db.session.scalar(
        select(func.count(PortfolioSubmission.id)).where(
            PortfolioSubmission.student_id == student_id
        )
    )
    submission = PortfolioSubmission(
        student_id=student_id, status=status, attempt=(attempts or 0) + 1
    )
    db.session.add(submission)
    db.session.flush()
    db.session.add(ReviewAssignment(submission_id=submission.id, reviewer_id=reviewer.id))
    db.session.flush()
    return reviewer


# --- asking --------------------------------------------------------------------------------


def test_the_student_asks_and_the_recommender_is_emailed_a_link(cast):
    before = utcnow()
    letter = ask(cast)
    assert (letter.recommender_name, letter.recommender_email, letter.relationship_note) == (
        "Ms. Rivera",
        "j.rivera@example.org",
        "CTE teacher",
    )
    assert letter.status is LetterStatus.REQUESTED
    assert letter.nonce
    assert len(letter.nonce) == 32
    assert timedelta(days=30) <= letter.expires_at - before < timedelta(days=30, minutes=1)
    [message] = outbox("j.rivera@example.org")
    body = message.body_text
    assert cast.student.user.full_name in message.subject
    for said in (
        "Hello Ms. Rivera",
        cast.student.school.name,
        "CTE teacher",
        "You saw my vet tech project",
        "No account is needed",
        "never what it",
        "http://localhost/letters/upload/",
    ):
        assert said in body, said
    assert link_from_outbox(letter.recommender_email).startswith("/letters/upload/")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"recommender_name": "  "}, "recommender_name", "Enter the recommender's name."),
        ({"recommender_email": "rivera@"}, "recommender_email", "Enter a valid e-mail address"),
        ({"recommender_email": ""}, "recommender_email", "Enter the recommender's e-mail"),
        ({"relationship_note": ""}, "relationship_note", "how you know them"),
        ({"message": "x" * 1001}, "message", "1000 characters"),
    ],
)
def test_the_request_needs_a_name_an_email_and_a_relationship(cast, changes, field, message):
    with pytest.raises(DomainError) as caught:
        ask(cast, **changes)
    assert caught.value.field == field
    assert message in caught.value.message
    assert db.session.scalar(select(Recommendation.id)) is None
    assert db.session.scalar(select(OutboxMessage.id)) is None


def test_the_student_cannot_ask_themself(cast):
    with pytest.raises(DomainError) as caught:
        ask(cast, recommender_email=cast.student.user.email.upper())
    assert caught.value.field == "recommender_email"
    assert "your own e-mail" in caught.value.message


def test_one_open_request_per_recommender(cast):
    first = ask(cast)
    with pytest.raises(DomainError) as caught:
        ask(cast, recommender_email="j.rivera@EXAMPLE.org")
    assert caught.value.field == "recommender_email"
    assert "already asked this person" in caught.value.message
    with current_app.test_request_context():
        letters.withdraw(cast.student.user, first.id)
    assert ask(cast).id != first.id  # withdrawn: the student may ask again


def test_at_most_four_open_requests(cast):
    made = [asked(cast, n) for n in range(4)]
    with pytest.raises(DomainError) as caught:
        asked(cast, 5)
    assert "already have 4 requests waiting" in caught.value.message
    assert caught.value.field is None
    made[0].expires_at = utcnow() - timedelta(seconds=1)  # an expired link is not open
    db.session.flush()
    assert asked(cast, 6).status is LetterStatus.REQUESTED


def test_a_received_letter_does_not_count_as_open(client, cast):
    received(client, cast)
    for n in range(4):
        asked(cast, n)
    assert len(letters.own_letters(cast.student.user)[1]) == 5


def test_only_students_ask(cast):
    with pytest.raises(Forbidden), current_app.test_request_context():
        letters.ask(cast.teacher, REQUEST)


# --- withdrawing and reminding -------------------------------------------------------------


def test_withdrawing_stops_the_link(client, cast):
    letter = ask(cast)
    path = link_from_outbox(letter.recommender_email)
    with current_app.test_request_context():
        letters.withdraw(cast.student.user, letter.id)
    assert (reload(letter).status, letter.nonce) == (LetterStatus.WITHDRAWN, None)
    response = client.get(path)
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert "already been used or is no longer needed" in html
    assert upload(client, path, pdf_bytes(), page="/login").status_code == 410
    assert reload(letter).status is LetterStatus.WITHDRAWN
    with pytest.raises(DomainError, match="already withdrawn"):
        letters.withdraw(cast.student.user, letter.id)


def test_a_received_letter_cannot_be_withdrawn(client, cast):
    letter = received(client, cast)
    with pytest.raises(DomainError, match="already arrived"):
        letters.withdraw(cast.student.user, letter.id)
    assert reload(letter).status is LetterStatus.RECEIVED


def test_another_students_request_is_not_found(cast):
    letter = ask(cast)
    other = make_cast(born=ADULT)
    for action in (letters.withdraw, letters.remind):
        with pytest.raises(NotFound), current_app.test_request_context():
            action(other.student.user, letter.id)


def backdate_emails(to: str, hours: int) -> None:
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.to_email == to)
        .values(created_at=utcnow() - timedelta(hours=hours))
    )


def test_a_reminder_sends_the_same_link_once_a_day(client, cast):
    letter = ask(cast)
    too_soon = pytest.raises(DomainError, match="e-mailed less than a day ago")
    with too_soon, current_app.test_request_context():
        letters.remind(cast.student.user, letter.id)
    backdate_emails(letter.recommender_email, 25)
    with current_app.test_request_context():
        letters.remind(cast.student.user, letter.id)
    [reminder] = outbox(letter.recommender_email, letters.REMINDER_KIND)
    assert reminder.subject.startswith("Reminder:")
    assert "A reminder:" in reminder.body_text
    path = link_from_outbox(letter.recommender_email, letters.REMINDER_KIND)
    assert client.get(path).status_code == 200
    assert client.get(link_from_outbox(letter.recommender_email)).status_code == 200
    with pytest.raises(DomainError, match="once a day"), current_app.test_request_context():
        letters.remind(cast.student.user, letter.id)
    assert len(outbox(letter.recommender_email, letters.REMINDER_KIND)) == 1


def test_no_reminder_for_a_letter_received_withdrawn_or_expired(client, cast):
    done = received(client, cast)
    backdate_emails(done.recommender_email, 25)
    with pytest.raises(DomainError, match="already arrived"):
        letters.remind(cast.student.user, done.id)
    gone = asked(cast, 1)
    letters.withdraw(cast.student.user, gone.id)
    backdate_emails(gone.recommender_email, 25)
    with pytest.raises(DomainError, match="withdrawn"):
        letters.remind(cast.student.user, gone.id)
    old = asked(cast, 2)
    old.expires_at = utcnow() - timedelta(minutes=1)
    backdate_emails(old.recommender_email, 25)
    with pytest.raises(DomainError, match="expired"):
        letters.remind(cast.student.user, old.id)


# --- the student's page --------------------------------------------------------------------


def test_the_student_asks_from_the_page(client, login_as, cast):
    login_as(cast.student.user)
    page = client.get("/letters/")
    assert page.status_code == 200
    assert "0 of 2 received" in page.get_data(as_text=True)
    response = post(
        client,
        "/letters/",
        {
            "recommender_name": "Sam Ortiz",
            "recommender_email": "sam@example.com",
            "relationship_note": "Internship supervisor",
            "message": "",
        },
        page="/letters/",
    )
    assert response.status_code == 302
    html = client.get("/letters/").get_data(as_text=True)
    for shown in ("Your request is on its way to Sam Ortiz", "Internship supervisor", "Waiting"):
        assert shown in html, shown
    assert outbox("sam@example.com")


def test_the_page_puts_a_refusal_on_its_field(client, login_as, cast):
    login_as(cast.student.user)
    data = {
        "recommender_name": "Sam Ortiz",
        "recommender_email": "not-an-address",
        "relationship_note": "Coach",
    }
    response = post(client, "/letters/", data, page="/letters/")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter a valid e-mail address" in html
    assert 'aria-invalid="true"' in html
    data["recommender_email"] = cast.student.user.email
    response = post(client, "/letters/", data, page="/letters/")
    assert response.status_code == 422
    assert "That is your own e-mail address" in response.get_data(as_text=True)
    assert db.session.scalar(select(Recommendation.id)) is None


def test_the_page_withdraws_and_reminds(client, login_as, cast):
    letter = ask(cast)
    login_as(cast.student.user)
    reminded = post(client, f"/letters/{letter.id}/remind", {}, page="/letters/")
    assert reminded.status_code == 302
    assert "You can send a reminder once a day" in client.get("/letters/").get_data(as_text=True)
    withdrawn = post(client, f"/letters/{letter.id}/withdraw", {}, page="/letters/")
    assert withdrawn.status_code == 302
    assert reload(letter).status is LetterStatus.WITHDRAWN
    html = client.get("/letters/").get_data(as_text=True)
    assert "their link no longer works" in html
    assert "Withdrawn" in html


def test_only_students_use_the_page(client, login_as, cast):
    login_as(cast.teacher)
    assert client.get("/letters/").status_code == 403


# --- the recommender's link ----------------------------------------------------------------


def test_the_link_shows_whom_the_letter_is_for(client, cast):
    letter = ask(cast)
    response = client.get(link_from_outbox(letter.recommender_email))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert cast.student.user.full_name in html
    assert cast.student.school.name in html
    for private in (cast.student.user.email, cast.student.home_zip, cast.student.guardian_name):
        assert private not in html
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Robots-Tag"].startswith("noindex")
    assert "no-store" in response.headers["Cache-Control"]


def test_the_recommender_uploads_once(client, cast):
    letter = ask(cast)
    path = link_from_outbox(letter.recommender_email)
    response = upload(client, path, docx_bytes("Dear reviewer"), "../My Letter.docx")
    assert response.status_code == 200
    assert "Thank you" in response.get_data(as_text=True)
    assert response.headers["Referrer-Policy"] == "no-referrer"
    reload(letter)
    assert letter.status is LetterStatus.RECEIVED
    assert letter.nonce is None
    assert letter.received_at is not None
    assert (letter.file_name, letter.content_type) == (
        "My Letter.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    assert letter.file_size == len(docx_bytes("Dear reviewer"))
    assert letter.file_key
    assert letter.file_key.startswith("letters/")
    [told] = outbox(cast.student.user.email, letters.RECEIVED_KIND)
    assert told.subject == "A letter from Ms. Rivera arrived"
    assert "Dear reviewer" not in told.body_text
    assert "/letters/upload/" not in told.body_text
    again = client.get(path)
    assert again.status_code == 410
    assert "already been used or is no longer needed" in again.get_data(as_text=True)
    assert upload(client, path, pdf_bytes(), page="/login").status_code == 410
    assert len(stored_letters()) >= 1
    assert reload(letter).file_name == "My Letter.docx"


def test_a_tampered_or_foreign_link_is_not_valid(client, cast):
    letter = ask(cast)
    other = asked(cast, 2)
    path = link_from_outbox(letter.recommender_email)
    token = path.rsplit("/", 1)[1]
    middle = len(token) // 2
    swapped = "A" if token[middle] != "A" else "B"
    bad_paths = [
        f"/letters/upload/{token[:middle]}{swapped}{token[middle + 1 :]}",
        "/letters/upload/not-a-token",
        # another request's id with this request's nonce (and the reverse)
        "/letters/upload/" + make_token(letters.PURPOSE, {"r": other.id, "n": letter.nonce}),
        "/letters/upload/" + make_token(letters.PURPOSE, {"r": letter.id, "n": other.nonce}),
        "/letters/upload/" + make_token(letters.PURPOSE, {"r": letter.id + 1000, "n": "0" * 32}),
        # a token signed for another purpose
        "/letters/upload/" + make_token(CONSENT_PURPOSE, {"r": letter.id, "n": letter.nonce}),
    ]
    for bad in bad_paths:
        response = client.get(bad)
        assert response.status_code == 400, bad
        assert "This link is not valid" in response.get_data(as_text=True)
        assert response.headers["Referrer-Policy"] == "no-referrer"
    refused = upload(client, bad_paths[2], pdf_bytes(), page="/login")
    assert refused.status_code == 400
    assert (reload(letter).status, reload(other).status) == (
        LetterStatus.REQUESTED,
        LetterStatus.REQUESTED,
    )


def test_an_expired_link_is_refused(client, cast):
    letter = ask(cast)
    path = link_from_outbox(letter.recommender_email)
    letter.expires_at = utcnow() - timedelta(seconds=1)
    db.session.flush()
    response = client.get(path)
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert "This link has expired" in html
    assert "works for 30 days" in html
    assert reload(letter).status is LetterStatus.REQUESTED


def test_an_expired_link_cannot_upload(cast):
    letter = ask(cast)
    letter.expires_at = utcnow() - timedelta(seconds=1)
    db.session.flush()
    before = stored_letters()
    with pytest.raises(letters.ExpiredLetterLink), current_app.test_request_context():
        letters.receive(
            letter.id, letter.nonce or "", data=pdf_bytes(), filename="a.pdf", confirmed=True
        )
    assert stored_letters() == before
    assert reload(letter).status is LetterStatus.REQUESTED


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (EXECUTABLE, "letter.pdf", "That file is not a PDF, a Word document (.docx)"),
        (corrupt_pdf(), "letter.pdf", "The PDF is damaged and cannot be opened."),
        (b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024 + 1), "big.pdf", "the limit is 10 MB"),
        (b"", "empty.pdf", "The file is empty."),
    ],
)
def test_a_bad_file_is_refused_and_nothing_is_stored(client, cast, data, name, message):
    letter = ask(cast)
    nonce = letter.nonce
    before = stored_letters()
    response = upload(client, link_from_outbox(letter.recommender_email), data, name)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'id="file-error"' in html
    assert stored_letters() == before
    assert (reload(letter).status, letter.nonce, letter.file_key) == (
        LetterStatus.REQUESTED,
        nonce,
        None,
    )
    assert not outbox(cast.student.user.email, letters.RECEIVED_KIND)


def test_the_confirmation_box_is_required(client, cast):
    letter = ask(cast)
    before = stored_letters()
    response = upload(
        client, link_from_outbox(letter.recommender_email), pdf_bytes(), confirm=False
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Tick this box to confirm" in html
    assert 'id="confirm-error"' in html
    assert stored_letters() == before
    assert reload(letter).status is LetterStatus.REQUESTED


# --- confidentiality -----------------------------------------------------------------------


def test_staff_in_scope_download_the_letter(client, login_as, cast):
    letter = received(client, cast, pdf_bytes("A fine student"))
    login_as(cast.staff)  # county staff
    response = client.get(f"/letters/{letter.id}/file")
    assert response.status_code == 200
    assert response.data == pdf_bytes("A fine student")
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"
    district_staff = make_user(roles={Role.STAFF}, district=cast.school.district)
    login_as(district_staff)
    assert client.get(f"/letters/{letter.id}/file").status_code == 200


def test_an_assigned_reviewer_downloads_the_letter_while_the_review_is_open(client, login_as, cast):
    letter = received(client, cast)
    reviewer = make_reviewer(cast.student.id)
    login_as(reviewer)
    assert client.get(f"/letters/{letter.id}/file").status_code == 200
    finished = make_reviewer(cast.student.id, SubmissionStatus.PASSED)
    login_as(finished)
    assert client.get(f"/letters/{letter.id}/file").status_code == 404


def test_the_student_and_teachers_never_get_the_letter(client, login_as, cast):
    letter = received(client, cast)
    login_as(cast.student.user)
    assert client.get(f"/letters/{letter.id}/file").status_code == 403
    html = client.get("/letters/").get_data(as_text=True)
    assert "1 of 2 received" in html
    assert f"/letters/{letter.id}/file" not in html
    login_as(cast.teacher)
    response = client.get(f"/letters/{letter.id}/file")
    assert response.status_code == 403
    assert "confidential" in response.get_data(as_text=True)


def test_others_are_told_it_does_not_exist(client, login_as, cast):
    letter = received(client, cast)
    other_staff = make_user(roles={Role.STAFF}, district=make_district())
    other_teacher = make_user(roles={Role.TEACHER}, school=make_school())
    for outsider in (make_employer(), cast.employer, other_staff, other_teacher):
        login_as(outsider)
        assert client.get(f"/letters/{letter.id}/file").status_code == 404, outsider
    login_as(cast.staff)
    assert client.get(f"/letters/{letter.id + 1000}/file").status_code == 404


def test_a_letter_not_yet_received_has_no_file(client, login_as, cast):
    letter = ask(cast)
    login_as(cast.staff)
    assert client.get(f"/letters/{letter.id}/file").status_code == 404


def test_signed_out_the_file_needs_a_sign_in(client, cast):
    letter = received(client, cast)
    response = client.get(f"/letters/{letter.id}/file")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# --- the summary card ----------------------------------------------------------------------

SUMMARY = '{% include "letters/_summary.html" %}'


def summary_for(viewer, student) -> str:
    with current_app.test_request_context():
        login_user(viewer)
        return render_template_string(SUMMARY, student=student)


def test_the_summary_shows_status_to_the_student_and_teachers(client, cast):
    letter = received(client, cast)
    waiting = asked(cast, 1)
    gone = asked(cast, 2)
    letters.withdraw(cast.student.user, gone.id)
    for viewer in (cast.student.user, cast.teacher):
        html = summary_for(viewer, cast.student)
        assert "Letters of recommendation: 1 of 2 received" in html
        assert "Ms. Rivera" in html
        assert "CTE teacher" in html
        assert "Person 1" in html
        assert "Waiting" in html
        assert "Person 2" not in html  # withdrawn
        assert "/file" not in html
        assert "Download" not in html
    assert "/letters/" in summary_for(cast.student.user, cast.student)  # manage requests
    assert waiting.status is LetterStatus.REQUESTED
    assert letter.status is LetterStatus.RECEIVED


def test_the_summary_links_the_letter_for_staff_and_reviewers(client, cast):
    letter = received(client, cast)
    asked(cast, 1)
    for viewer in (cast.staff, make_reviewer(cast.student.id)):
        html = summary_for(viewer, cast.student)
        assert f"/letters/{letter.id}/file" in html
        assert html.count("/file") == 1  # the waiting request has nothing to download


def test_the_summary_shows_nothing_to_others(cast):
    ask(cast)
    for outsider in (cast.employer, make_user(roles={Role.STAFF}, district=make_district())):
        assert "Letters of recommendation" not in summary_for(outsider, cast.student)


def test_the_summary_takes_a_fixed_number_of_queries(client, cast, count_queries):
    received(client, cast)
    for n in range(4):
        asked(cast, n)
    reviewer = make_reviewer(cast.student.id)
    db.session.expire_all()
    with current_app.test_request_context():
        login_user(reviewer)
        student = db.session.merge(cast.student)
        student.school  # noqa: B018 - loaded, as the including page has it
        with count_queries() as counter:
            card = letters.letters_card(reviewer, student)
    assert len(card.rows) == 5
    assert card.received == 1
    assert counter.count <= 3


def test_the_summary_heading_fits_the_including_page(cast):
    assert "<h2 " in summary_for(cast.teacher, cast.student)
    with current_app.test_request_context():
        login_user(cast.teacher)
        nested = render_template_string(
            "{% with letters_heading=3 %}" + SUMMARY + "{% endwith %}", student=cast.student
        )
    assert "<h3 " in nested
    assert "<h2 " not in nested
