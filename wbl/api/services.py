"""API tokens: create, list, revoke, and the check every ``/api/v1`` request makes.

A token's scopes are chosen from ``SCOPES``, each open to the roles that can do the thing on
the pages (a scope grants no more than the account's own access: it only narrows it). A
personal token acts as its maker; a service token acts as a service account made with it
(see ``wbl.api.models``). A token is shown once, at its creation; afterwards only its digest
is known, so a lost token is revoked and replaced, never recovered.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, or_, select, update

from wbl import scopes as access_scopes
from wbl.access import Role, user_has_any_role
from wbl.api.models import ApiToken, TokenKind
from wbl.auth.models import SERVICE_DOMAIN, User, UserRole
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db, rows_affected, utcnow

PREFIX = "wbl_"
MAX_DAYS = 366  # a year (and a leap day): every token ends, and its owner renews it
LAST_USED_GRANULARITY = timedelta(minutes=1)  # one write a minute per token, not per request

STUDENT, TEACHER, EMPLOYER, STAFF = Role.STUDENT, Role.TEACHER, Role.EMPLOYER, Role.STAFF


@dataclass(frozen=True)
class Scope:
    name: str
    label: str
    roles: frozenset[Role]

    @property
    def read_only(self) -> bool:
        return self.name.endswith(":read")


SCOPES: dict[str, Scope] = {
    s.name: s
    for s in (
        Scope(
            "catalog:read",
            "Read the published catalog (partners and opportunities)",
            frozenset({STUDENT, TEACHER, EMPLOYER, STAFF}),
        ),
        Scope(
            "placements:read",
            "Read the placements of the students you see",
            frozenset({STUDENT, TEACHER, EMPLOYER, STAFF}),
        ),
        Scope(
            "hours:read",
            "Read the confirmed hours of the students you see",
            frozenset({STUDENT, TEACHER, EMPLOYER, STAFF}),
        ),
        Scope(
            "evaluations:read",
            "Read the supervisors' evaluations of the placements you see",
            frozenset({STUDENT, TEACHER, EMPLOYER, STAFF}),
        ),
        Scope(
            # Employers see no student's records (wbl.students.services.sees_student).
            "credentials:read",
            "Read the earned credentials and Work Ready Certificates of the students you see",
            frozenset({STUDENT, TEACHER, STAFF}),
        ),
        Scope(
            "hours:write",
            "Log your hours (students); confirm or reject your students' hours (supervisors)",
            frozenset({STUDENT, EMPLOYER}),
        ),
        Scope(
            "offerings:write",
            "Propose opportunities for your organization (employers)",
            frozenset({EMPLOYER}),
        ),
    )
}


class TokenRefused(DomainError):
    """The form's choices break a rule (no scope, a scope the roles do not allow, too long)."""


def scopes_for(user: User) -> list[Scope]:
    """The scopes ``user``'s roles allow, in the list's order."""
    return [s for s in SCOPES.values() if user_has_any_role(user, s.roles)]


def service_scopes() -> list[Scope]:
    """What a service token may hold: the read scopes (a service account acts as staff)."""
    return [s for s in SCOPES.values() if s.read_only and STAFF in s.roles]


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once


def _checked(scopes: list[str], allowed: list[Scope], days: int) -> str:
    names = {s.name for s in allowed}
    if not scopes:
        raise TokenRefused("Choose at least one scope.", field="scopes")
    if not set(scopes) <= names:
        raise TokenRefused("Your account cannot give a token that scope.", field="scopes")
    if not 1 <= days <= MAX_DAYS:
        raise TokenRefused(f"A token lasts from 1 to {MAX_DAYS} days.", field="days")
    return " ".join(s for s in SCOPES if s in scopes)


def _issue(kind: TokenKind, name: str, scopes: str, user: User, maker: User, days: int) -> NewToken:
    secret = PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(
        kind=kind,
        name=name.strip()[:80] or "Token",
        digest=digest_of(secret),
        hint=secret[:10],
        scopes=scopes,
        user=user,
        created_by=maker,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    return NewToken(token, secret)


@atomic
def create_personal_token(actor: User, *, name: str, scopes: list[str], days: int) -> NewToken:
    """A token that acts as ``actor``, with scopes their roles allow."""
    chosen = _checked(scopes, scopes_for(actor), days)
    new = _issue(TokenKind.PERSONAL, name, chosen, actor, actor, days)
    db.session.commit()
    return new


@atomic
def create_service_token(actor: User, *, name: str, scopes: list[str], days: int) -> NewToken:
    """A staff member's token for a district's system. It acts as a new service account with
    the staff role in ``actor``'s district (none: county-wide), so it sees what ``actor`` sees
    as staff today, and keeps working when ``actor``'s own account is closed. The account has
    no password and an address at ``.invalid`` (RFC 6761): nobody signs in as it."""
    if not access_scopes.is_staff(actor):
        raise NotFound()
    chosen = _checked(scopes, service_scopes(), days)
    label = name.strip()[:80] or "Service"
    account = User(
        email=f"service-{secrets.token_hex(12)}@{SERVICE_DOMAIN}",
        full_name=f"Service: {label}"[:120],
        district_id=access_scopes.district_of(actor) if not actor.is_county_wide else None,
        roles=[UserRole(role=STAFF)],
    )
    db.session.add(account)
    new = _issue(TokenKind.SERVICE, label, chosen, account, actor, days)
    db.session.commit()
    return new


def tokens_of(actor: User) -> list[ApiToken]:
    """The account page's list: the actor's personal tokens, and for staff the service tokens
    they may manage (made in their district, or all for county-wide staff), newest first."""
    query = select(ApiToken).join(User, User.id == ApiToken.user_id)
    condition: ColumnElement[bool] = and_(
        ApiToken.kind == TokenKind.PERSONAL, ApiToken.user_id == actor.id
    )
    if access_scopes.is_staff(actor):
        district = cast("SQLColumnExpression[int]", User.district_id)  # NULL: county-wide
        service = and_(
            ApiToken.kind == TokenKind.SERVICE, access_scopes.in_staff_district(actor, district)
        )
        condition = or_(condition, service)
    return list(
        db.session.scalars(query.where(condition).order_by(ApiToken.created_at.desc(), ApiToken.id))
    )


def _manages(actor: User, token: ApiToken) -> bool:
    if token.kind is TokenKind.PERSONAL:
        return token.user_id == actor.id
    district = token.user.district_id
    if district is None:
        return actor.is_county_wide
    return access_scopes.staff_sees_district(actor, district)


@atomic
def revoke(actor: User, token_id: int) -> ApiToken:
    """End a token now. A service token's account is closed with it."""
    token = db.session.get(ApiToken, token_id)
    if token is None or not _manages(actor, token):
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        if token.kind is TokenKind.SERVICE:
            token.user.active = False
    db.session.commit()
    return token


class BadToken(DomainError):
    message = "The token is missing, unknown, expired or revoked."


def authenticate(secret: str, now: datetime | None = None) -> ApiToken:
    """The token ``secret`` names, if it is usable now; its last use is recorded (at most once
    a minute, by a conditional UPDATE, so concurrent requests do not queue on the row)."""
    now = now or utcnow()
    if not secret.startswith(PREFIX) or len(secret) > 100:
        raise BadToken()
    token = db.session.scalar(select(ApiToken).where(ApiToken.digest == digest_of(secret)))
    if token is None or not token.usable_at(now):
        raise BadToken()
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_GRANULARITY:
        changed = rows_affected(
            db.session.execute(
                update(ApiToken)
                .where(
                    ApiToken.id == token.id,
                    or_(
                        ApiToken.last_used_at.is_(None),
                        ApiToken.last_used_at < now - LAST_USED_GRANULARITY,
                    ),
                )
                .values(last_used_at=now)
                .execution_options(synchronize_session=False)
            )
        )
        if changed:
            db.session.commit()
            token = db.session.get_one(ApiToken, token.id)
    return token
