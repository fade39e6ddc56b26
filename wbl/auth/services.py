"""Sign-in, password reset, invitations and first administrator."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from flask import current_app, url_for
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from wbl.access import Role, require
from wbl.auth.models import User, UserRole, normalize_email, password_matches
from wbl.auth.throttle import current_throttle
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db, utcnow
from wbl.i18n import supported
from wbl.notifications.services import queue_email
from wbl.tokens import InvalidLink, make_token, read_token

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 10


class InvalidCredentials(DomainError):
    message = "That e-mail and password do not match an active account."


class EmailTaken(DomainError):
    message = "An account with that e-mail already exists."


class WeakPassword(DomainError):
    message = f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters."


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def load_user(user_id: str) -> User | None:
    """The signed-in account of a request, with its roles in the same statement (every page
    asks for them; a second statement for them would cost every page)."""
    if not user_id.isdigit():
        return None
    query = select(User).where(User.id == int(user_id)).options(joinedload(User.roles))
    return db.session.scalars(query).unique().one_or_none()


def authenticate(email: str, password: str, *, address: str) -> User:
    """Sign in from ``address`` (the client's IP address).

    The attempt is counted first (``wbl.auth.throttle``: a growing delay per account and
    address, a ceiling per address) and refused with SignInDelayed before any password is
    checked. Otherwise a password hash is always checked — a dummy one for an unknown
    address or an account without a password — and an inactive account is refused only after
    its check, so a refusal takes the same time whether or not the account exists.

    The counters are written in transactions of their own (they must outlive a refusal); the
    one commit here records the sign-in.
    """
    throttle = current_throttle()
    throttle.reserve(email, address)
    user = find_user_by_email(email)
    matches = password_matches(user, password)
    if user is None or not matches or not user.active:
        throttle.failed(email, address)
        raise InvalidCredentials(field="password")
    throttle.succeeded(email, address)
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def _check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(field="password")


@contextmanager
def _taking_at_least(seconds: float) -> Iterator[None]:
    """Pad the block to ``seconds``, so that how long it took does not tell which way it went."""
    started = time.monotonic()
    try:
        yield
    finally:
        left = seconds - (time.monotonic() - started)
        if left > 0:
            time.sleep(left)


@atomic
def request_password_reset(email: str) -> None:
    """E-mail a reset link if the account exists. The answer is the same either way, so the
    form cannot be used to find out who has an account — and so is the time it takes: the
    e-mail is queued only for a real account (a few milliseconds of work), so both ways are
    padded to ``PASSWORD_RESET_MIN_SECONDS``."""
    with _taking_at_least(current_app.config["PASSWORD_RESET_MIN_SECONDS"]):
        _request_password_reset(email)
        db.session.commit()


def _request_password_reset(email: str) -> None:
    user = find_user_by_email(email)
    if user is None or not user.active:
        log.info("password reset asked for an unknown or inactive address")
        return
    token = make_token("reset", {"uid": user.id, "pw": password_fingerprint(user.password_hash)})
    hours = current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600
    link = url_for("auth.reset_password", token=token, _external=True)
    queue_email(
        kind="password_reset",
        to=user.email,
        template="auth/password_reset",
        context={"user": user, "hours": hours, "link": link},
    )


def password_fingerprint(password_hash: str | None) -> str:
    """What a reset or invitation link carries of the password hash: the link stops working
    the moment the password is set, so it is single use without a table of used links."""
    return hashlib.sha256((password_hash or "unset").encode()).hexdigest()[:16]


def _user_from_link(purpose: str, token: str, max_age: int) -> User:
    data = read_token(purpose, token, max_age)
    user_id = data.get("uid")
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active:
        raise InvalidLink()
    if data.get("pw") != password_fingerprint(user.password_hash):
        raise InvalidLink("This link has already been used. Ask for a new one.")
    return user


def check_reset_token(token: str) -> User:
    return _user_from_link("reset", token, current_app.config["PASSWORD_RESET_MAX_AGE"])


@atomic
def reset_password(token: str, password: str) -> User:
    user = check_reset_token(token)
    _check_password_strength(password)
    user.set_password(password)
    db.session.commit()
    return user


def check_invitation_token(token: str) -> User:
    return _user_from_link("invite", token, current_app.config["INVITATION_MAX_AGE"])


@atomic
def accept_invitation(token: str, password: str) -> User:
    user = check_invitation_token(token)
    _check_password_strength(password)
    user.set_password(password)
    user.last_login_at = utcnow()
    db.session.commit()
    return user


INVITABLE_BY_STAFF = frozenset({Role.STAFF, Role.TEACHER, Role.STUDENT, Role.EMPLOYER})


def roles_grantable_by(actor: User) -> frozenset[Role]:
    """The roles ``actor`` may give in an invitation: staff the everyday ones, an
    administrator also administrator (the invite form offers these; the service enforces)."""
    return INVITABLE_BY_STAFF | ({Role.ADMIN} if actor.has_role(Role.ADMIN) else frozenset())


@atomic
def invite_user(
    actor: User,
    *,
    email: str,
    full_name: str,
    roles: Iterable[Role],
    district_id: int | None = None,
    school_id: int | None = None,
) -> User:
    """Staff invite a colleague, teacher or employer; the invitee sets a password from the link.

    District staff invite only into their own district; only administrators create admins.
    """
    user = add_invited_user(
        actor,
        email=email,
        full_name=full_name,
        roles=roles,
        district_id=district_id,
        school_id=school_id,
    )
    db.session.commit()
    return user


def add_invited_user(
    actor: User,
    *,
    email: str,
    full_name: str,
    roles: Iterable[Role],
    district_id: int | None = None,
    school_id: int | None = None,
    note: str = "",
) -> User:
    """The invitation itself, inside the caller's transaction (flushes, never commits): used by
    ``invite_user`` and by features that invite as part of their own change (a partner's new
    contact). ``note`` adds a sentence to the e-mail, such as which partner the account is for."""
    wanted = frozenset(roles)
    if not wanted:
        raise DomainError("Choose at least one role.", field="roles")
    require(wanted <= roles_grantable_by(actor))
    if not actor.is_county_wide:
        if district_id is not None and district_id != actor.district_id:
            raise NotFound()
        district_id = actor.district_id
    from wbl.schools.models import School

    if school_id is not None:
        school = db.session.get(School, school_id)
        if school is None or (not actor.is_county_wide and school.district_id != actor.district_id):
            raise NotFound()
        district_id = school.district_id
    if find_user_by_email(email) is not None:
        raise EmailTaken(field="email")
    user = User(
        email=normalize_email(email),
        full_name=full_name.strip(),
        district_id=district_id,
        school_id=school_id,
        invited_at=utcnow(),
        roles=[UserRole(role=r) for r in sorted(wanted)],
    )
    db.session.add(user)
    db.session.flush()
    token = make_token("invite", {"uid": user.id, "pw": password_fingerprint(None)})
    days = current_app.config["INVITATION_MAX_AGE"] // 86400
    link = url_for("auth.accept_invitation", token=token, _external=True)
    queue_email(
        kind="invitation",
        to=user.email,
        template="auth/invitation",
        context={"user": user, "actor": actor, "note": note, "days": days, "link": link},
    )
    return user


@atomic
def create_admin(email: str, full_name: str, password: str) -> User:
    """The first administrator of a real deployment (``flask users create-admin``)."""
    if find_user_by_email(email) is not None:
        raise EmailTaken(field="email")
    _check_password_strength(password)
    user = User(
        email=normalize_email(email),
        full_name=full_name.strip() or "Administrator",
        roles=[UserRole(role=Role.ADMIN), UserRole(role=Role.STAFF)],
    )
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


@atomic
def set_language(actor: User, language: str) -> User:
    """The person's preferred language (a code WBL speaks, or "" to follow the browser):
    their pages and the e-mails sent to them use it."""
    if language and supported(language) != language:
        raise DomainError(gettext("Choose one of the languages offered."), field="language")
    actor.language = language
    db.session.commit()
    return actor
