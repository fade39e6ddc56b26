"""Letters of recommendation: the student asks someone by e-mail; the recommender uploads the
letter through a signed link, without an account; the student sees that it arrived, never
the letter (DOMAIN.md, Work Ready Certificate: letters are confidential to reviewers and
staff).

The e-mailed link is an itsdangerous token (purpose-salted) naming the ``Recommendation``
and carrying its random nonce. The row decides what the link may do: it works while the
request is open and until the row's ``expires_at`` (30 days after the request); uploading
clears the nonce (the link works once), and so does withdrawing (the link stops working).
A tampered token or an unknown request is not valid; a link past its row's ``expires_at``
has expired; a request already answered or withdrawn says so. Either way nothing changes.

Who sees what: the student sees each request's status and dates; teachers of the student's
school see the status; staff whose district holds the school (county staff: all) and the
assigned reviewers of an open submission (``is_reviewer_of``) also download the letter.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import url_for
from flask_babel import gettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from wbl.access import Role
from wbl.auth.models import User, normalize_email
from wbl.clock import local_when
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import atomic, db, move_status, rows_affected, utcnow
from wbl.i18n import N_, later
from wbl.notifications.models import OutboxMessage
from wbl.notifications.services import queue_email
from wbl.portfolio.files import clean_upload
from wbl.portfolio.models import LetterStatus, Recommendation
from wbl.reviews.policies import is_reviewer_of
from wbl.scopes import staff_sees_student
from wbl.storage import storage
from wbl.students.models import StudentProfile
from wbl.students.services import own_profile, sees_student
from wbl.tokens import ExpiredLink, InvalidLink, make_token, read_token

PURPOSE = "recommendation-letter"
LINK_DAYS = 30
LETTERS_NEEDED = 2
MAX_OPEN = 4
REMINDER_EVERY = timedelta(hours=24)
MAX_NAME = 120
MAX_EMAIL = 254
MAX_RELATIONSHIP = 120
MAX_MESSAGE = 1000
STORAGE_FOLDER = "letters"
# The e-mails that carry the upload link: at most one a day to the same address.
REQUEST_KIND = "letter_request"
REMINDER_KIND = "letter_reminder"
RECEIVED_KIND = "letter_received"


class ExpiredLetterLink(ExpiredLink):
    # Shown translated: gettext(message, days=LINK_DAYS) (wbl/portfolio/letters_views.py).
    message = N_(
        "This link has expired: it works for %(days)s days after the student's request. "
        "Nothing was changed. If you still want to write the letter, tell the student: they "
        "can send you a new request."
    )


class UsedLetterLink(InvalidLink):
    message = N_(
        "This link has already been used or is no longer needed: the letter has been "
        "uploaded, or the student withdrew the request. Nothing was changed."
    )


@dataclass(frozen=True, slots=True)
class LetterRequest:
    recommender_name: str
    recommender_email: str
    relationship_note: str
    message: str = ""


# --- the signed link ------------------------------------------------------------------------


def upload_link(letter: Recommendation) -> str:
    """The absolute link for the recommender's e-mail (inside a request)."""
    token = make_token(PURPOSE, {"r": letter.id, "n": letter.nonce})
    return url_for("letters.upload", token=token, _external=True)


def read_upload_link(token: str, now: datetime | None = None) -> Recommendation:
    """The request a link is for, if the letter can still be uploaded through it at ``now``."""
    now = now or utcnow()
    # The row's expires_at decides; the signature's own age is only a backstop.
    data = read_token(PURPOSE, token, max_age=(LINK_DAYS + 1) * 86400)
    letter_id, nonce = data.get("r"), data.get("n")
    if not isinstance(letter_id, int) or not isinstance(nonce, str) or not nonce:
        raise InvalidLink()
    letter = db.session.scalar(
        select(Recommendation)
        .where(Recommendation.id == letter_id)
        .options(
            selectinload(Recommendation.student).selectinload(StudentProfile.user),
            selectinload(Recommendation.student).selectinload(StudentProfile.school),
        )
    )
    if letter is None:
        raise InvalidLink()
    if letter.status is not LetterStatus.REQUESTED or letter.nonce is None:
        raise UsedLetterLink()
    if not secrets.compare_digest(letter.nonce, nonce):
        raise InvalidLink()
    if now >= letter.expires_at:
        raise ExpiredLetterLink()
    return letter


# --- the student asks, withdraws, reminds ---------------------------------------------------


def is_expired(letter: Recommendation, now: datetime | None = None) -> bool:
    return letter.status is LetterStatus.REQUESTED and (now or utcnow()) >= letter.expires_at


def _open_requests(student_id: int, now: datetime) -> list[Recommendation]:
    """Requests still waiting for a letter whose link still works."""
    return list(
        db.session.scalars(
            select(Recommendation).where(
                Recommendation.student_id == student_id,
                Recommendation.status == LetterStatus.REQUESTED,
                Recommendation.expires_at > now,
            )
        )
    )


def _clean_email(value: str) -> str:
    text = value.strip()
    if not text:
        raise DomainError(
            gettext("Enter the recommender's e-mail address."), field="recommender_email"
        )
    from email_validator import EmailNotValidError, validate_email  # only forms that ask load it

    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise DomainError(
            gettext("Enter a valid e-mail address, like name@example.org."),
            field="recommender_email",
        ) from None
    email = normalize_email(checked.normalized)
    if len(email) > MAX_EMAIL:
        raise DomainError(gettext("That e-mail address is too long."), field="recommender_email")
    return email


def _clean(request: LetterRequest) -> LetterRequest:
    name = " ".join(request.recommender_name.split())
    if not name:
        raise DomainError(gettext("Enter the recommender's name."), field="recommender_name")
    if len(name) > MAX_NAME:
        raise DomainError(
            gettext("Keep the name to %(MAX_NAME)s characters or fewer.", MAX_NAME=MAX_NAME),
            field="recommender_name",
        )
    relationship = " ".join(request.relationship_note.split())
    if not relationship:
        raise DomainError(
            gettext("Say how you know them, for example “CTE teacher” or “Internship supervisor”."),
            field="relationship_note",
        )
    if len(relationship) > MAX_RELATIONSHIP:
        raise DomainError(
            gettext(
                "Keep this to %(MAX_RELATIONSHIP)s characters or fewer.",
                MAX_RELATIONSHIP=MAX_RELATIONSHIP,
            ),
            field="relationship_note",
        )
    message = request.message.strip()
    if len(message) > MAX_MESSAGE:
        raise DomainError(
            gettext(
                "Keep your message to %(MAX_MESSAGE)s characters or fewer.", MAX_MESSAGE=MAX_MESSAGE
            ),
            field="message",
        )
    return LetterRequest(name, _clean_email(request.recommender_email), relationship, message)


def _request_email(letter: Recommendation, *, reminder: bool) -> None:
    student = letter.student
    name = student.user.full_name
    queue_email(
        kind=REMINDER_KIND if reminder else REQUEST_KIND,
        to=letter.recommender_email,
        template="portfolio/letter_request",
        context={
            "reminder": reminder,
            "letter": letter,
            "student": student,
            "name": name,
            "until": later(local_when, letter.expires_at),
            "link": upload_link(letter),
        },
    )


@atomic
def ask(actor: User, request: LetterRequest, now: datetime | None = None) -> Recommendation:
    """The student asks a recommender: the request is stored and the recommender e-mailed a
    signed upload link. At most ``MAX_OPEN`` open requests; not the student's own address;
    not a second open request to the same address."""
    now = now or utcnow()
    student = own_profile(actor)
    cleaned = _clean(request)
    if cleaned.recommender_email == normalize_email(actor.email):
        raise DomainError(
            gettext("That is your own e-mail address. Ask someone who knows your work."),
            field="recommender_email",
        )
    waiting = _open_requests(student.id, now)
    if any(r.recommender_email == cleaned.recommender_email for r in waiting):
        raise DomainError(
            gettext(
                "You have already asked this person, and they have not answered yet. Send them a "
                "reminder instead."
            ),
            field="recommender_email",
        )
    if len(waiting) >= MAX_OPEN:
        raise DomainError(
            gettext(
                "You already have %(MAX_OPEN)s requests waiting. Withdraw one before asking "
                "someone else.",
                MAX_OPEN=MAX_OPEN,
            )
        )
    letter = Recommendation(
        student=student,
        recommender_name=cleaned.recommender_name,
        recommender_email=cleaned.recommender_email,
        relationship_note=cleaned.relationship_note,
        message=cleaned.message,
        status=LetterStatus.REQUESTED,
        nonce=secrets.token_hex(16),
        requested_at=now,
        expires_at=now + timedelta(days=LINK_DAYS),
    )
    db.session.add(letter)
    db.session.flush()
    _request_email(letter, reminder=False)
    db.session.commit()
    return letter


def own_letter(actor: User, letter_id: int) -> Recommendation:
    """One of the student's own requests (anyone else's: not found)."""
    student = own_profile(actor)
    letter = db.session.scalar(
        select(Recommendation)
        .where(Recommendation.id == letter_id, Recommendation.student_id == student.id)
        .options(
            selectinload(Recommendation.student).selectinload(StudentProfile.user),
            selectinload(Recommendation.student).selectinload(StudentProfile.school),
        )
    )
    if letter is None:
        raise NotFound()
    return letter


@atomic
def withdraw(actor: User, letter_id: int) -> Recommendation:
    """The student no longer needs this letter: the link stops working."""
    letter = own_letter(actor, letter_id)
    if not move_status(letter, LetterStatus.REQUESTED, status=LetterStatus.WITHDRAWN, nonce=None):
        if letter.status is LetterStatus.RECEIVED:
            raise DomainError(
                gettext("This letter has already arrived; it can no longer be withdrawn.")
            )
        raise DomainError(gettext("This request is already withdrawn; nothing was changed."))
    db.session.commit()
    return letter


def last_emailed(address: str, since: datetime) -> datetime | None:
    """When the latest upload-link e-mail went to ``address`` after ``since``, if one did."""
    found: datetime | None = db.session.scalar(
        select(func.max(OutboxMessage.created_at)).where(
            OutboxMessage.to_email == address,
            OutboxMessage.kind.in_((REQUEST_KIND, REMINDER_KIND)),
            OutboxMessage.created_at > since,
        )
    )
    return found


@atomic
def remind(actor: User, letter_id: int, now: datetime | None = None) -> Recommendation:
    """E-mail the recommender the same link again: at most once a day to the same address
    (the outbox holds what was sent and when)."""
    now = now or utcnow()
    letter = own_letter(actor, letter_id)
    if letter.status is LetterStatus.RECEIVED:
        raise DomainError(gettext("This letter has already arrived; no reminder is needed."))
    if letter.status is LetterStatus.WITHDRAWN or letter.nonce is None:
        raise DomainError(gettext("This request is withdrawn; ask again to send a new link."))
    if now >= letter.expires_at:
        raise DomainError(
            gettext(
                "This request has expired: its link no longer works. Withdraw it and ask again."
            )
        )
    sent = last_emailed(letter.recommender_email, now - REMINDER_EVERY)
    if sent is not None:
        raise DomainError(
            gettext(
                "%(recommender_name)s was e-mailed less than a day ago (%(value)s). You can send a"
                " reminder once a day.",
                recommender_name=letter.recommender_name,
                value=local_when(sent),
            )
        )
    _request_email(letter, reminder=True)
    db.session.commit()
    return letter


# --- the recommender uploads ----------------------------------------------------------------


@atomic
def receive(
    letter_id: int,
    nonce: str,
    *,
    data: bytes,
    filename: str,
    confirmed: bool,
    now: datetime | None = None,
) -> Recommendation:
    """The recommender's upload from the link. The file is checked before anything is
    stored; the nonce is cleared, so the link works once. The student is told it arrived."""
    now = now or utcnow()
    if not confirmed:
        raise DomainError(
            gettext(
                "Tick this box to confirm that you wrote the letter and that it may be shared."
            ),
            field="confirm",
        )
    clean = clean_upload(data, filename, field="file")
    key = storage().save(clean.data, folder=STORAGE_FOLDER, extension=clean.extension)
    changed = rows_affected(
        db.session.execute(
            update(Recommendation)
            .where(
                Recommendation.id == letter_id,
                Recommendation.nonce == nonce,
                Recommendation.status == LetterStatus.REQUESTED,
                Recommendation.expires_at > now,
            )
            .values(
                status=LetterStatus.RECEIVED,
                nonce=None,
                received_at=now,
                file_key=key,
                file_name=clean.name,
                content_type=clean.content_type,
                file_size=clean.size,
            )
            .execution_options(synchronize_session=False)
        )
    )
    letter = db.session.get(Recommendation, letter_id)
    if letter is not None:
        db.session.refresh(letter)
    if changed != 1 or letter is None:
        storage().delete(key)
        if letter is not None and is_expired(letter, now):
            raise ExpiredLetterLink()
        raise UsedLetterLink()
    student = letter.student
    queue_email(
        kind=RECEIVED_KIND,
        to=student.user.email,
        template="portfolio/letter_received",
        context={
            "student": student,
            "letter": letter,
            "link": url_for("letters.index", _external=True),
        },
    )
    db.session.commit()
    return letter


# --- who sees the letters -------------------------------------------------------------------


def may_download(user: User, student: StudentProfile) -> bool:
    """Staff in scope and the student's assigned reviewers read the letters."""
    return staff_sees_student(user, student) or is_reviewer_of(user, student.id)


def letter_file(actor: User, letter_id: int) -> tuple[Recommendation, bytes]:
    """A received letter's file, for staff in scope and assigned reviewers. Those who may
    see the request but not the letter (the student, teachers): forbidden; anyone else:
    not found."""
    letter = db.session.scalar(
        select(Recommendation)
        .where(Recommendation.id == letter_id)
        .options(selectinload(Recommendation.student).selectinload(StudentProfile.school))
    )
    if letter is None:
        raise NotFound()
    student = letter.student
    if not may_download(actor, student):
        if sees_student(actor, student):
            raise Forbidden(
                gettext("Letters of recommendation are confidential to reviewers and staff.")
            )
        raise NotFound()
    if letter.status is not LetterStatus.RECEIVED or not letter.file_key:
        raise NotFound(gettext("This letter has not arrived yet."))
    return letter, storage().read(letter.file_key)


@dataclass(frozen=True, slots=True)
class LetterRow:
    """A request as the viewer may see it: never the letter, a download flag at most."""

    id: int
    recommender_name: str
    relationship_note: str
    status: LetterStatus
    expired: bool
    requested_at: datetime
    expires_at: datetime
    received_at: datetime | None
    can_download: bool


@dataclass(frozen=True, slots=True)
class LettersCard:
    visible: bool
    is_owner: bool = False
    rows: tuple[LetterRow, ...] = ()
    received: int = 0
    needed: int = LETTERS_NEEDED

    @property
    def shown_received(self) -> int:
        return min(self.received, self.needed)


def letters_card(viewer: User | None, student: StudentProfile) -> LettersCard:
    """What ``viewer`` may see of the student's letters (withdrawn requests left out): one
    query for the requests, one more for a possible reviewer."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return LettersCard(visible=False)
    is_owner = viewer.has_role(Role.STUDENT) and student.user_id == viewer.id
    download = not is_owner and may_download(viewer, student)
    if not (is_owner or download or sees_student(viewer, student)):
        return LettersCard(visible=False)
    now = utcnow()
    letters = db.session.scalars(
        select(Recommendation)
        .where(
            Recommendation.student_id == student.id,
            Recommendation.status != LetterStatus.WITHDRAWN,
        )
        .order_by(Recommendation.requested_at, Recommendation.id)
    ).all()
    rows = tuple(
        LetterRow(
            id=letter.id,
            recommender_name=letter.recommender_name,
            relationship_note=letter.relationship_note,
            status=letter.status,
            expired=is_expired(letter, now),
            requested_at=letter.requested_at,
            expires_at=letter.expires_at,
            received_at=letter.received_at,
            can_download=download
            and letter.status is LetterStatus.RECEIVED
            and bool(letter.file_key),
        )
        for letter in letters
    )
    received = sum(1 for row in rows if row.status is LetterStatus.RECEIVED)
    return LettersCard(visible=True, is_owner=is_owner, rows=rows, received=received)


def own_letters(actor: User) -> tuple[StudentProfile, list[Recommendation]]:
    """The student's page: every request, newest first."""
    student = own_profile(actor)
    letters = list(
        db.session.scalars(
            select(Recommendation)
            .where(Recommendation.student_id == student.id)
            .order_by(Recommendation.requested_at.desc(), Recommendation.id.desc())
        )
    )
    return student, letters
