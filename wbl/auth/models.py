"""Accounts. A person has one account and one or more roles."""

from __future__ import annotations

import secrets
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import ColumnElement, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from wbl import scopes
from wbl.access import Role
from wbl.extensions import Base, utcnow

if TYPE_CHECKING:
    from wbl.schools.models import District, School


# Werkzeug's scrypt at its default cost; the dummy hash below uses the same.
PASSWORD_METHOD = "scrypt"  # noqa: S105 - the name of a hash method, not a password


@cache
def _dummy_hash() -> str:
    """A hash of nothing anyone knows, made once per process with the real method and cost."""
    return generate_password_hash(secrets.token_urlsafe(16), method=PASSWORD_METHOD)


def password_matches(user: User | None, password: str) -> bool:
    """Whether ``password`` is ``user``'s. Without an account, or before an invited user has
    chosen a password, a dummy hash is checked instead, so that a wrong password takes as long
    for an unknown address as for a real account: the time must not tell who has one."""
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(user.password_hash, password)


def normalize_email(email: str) -> str:
    """E-mail addresses are unique case-insensitively: we store them trimmed and lower-cased."""
    return email.strip().lower()


#: The address domain of service accounts (the accounts service API tokens act as, made by
#: ``wbl.api.services``): RFC 6761's ``.invalid``, where no mail is ever delivered.
SERVICE_DOMAIN = "service.invalid"


class User(UserMixin, Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    invited_at: Mapped[datetime | None]
    # The student information system's id for the person (OneRoster ``sourcedId``): students
    # and teachers the roster import created or adopted. A rostered account that leaves the
    # roster is deactivated (``active`` false), never deleted.
    sourced_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    # The language the person chose on their account page (``es``); "" follows the browser.
    # Pages and the e-mails sent to them use it (wbl/i18n.py, docs/i18n.md).
    language: Mapped[str] = mapped_column(String(35), default="", server_default="")

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    district: Mapped[District | None] = relationship()
    school: Mapped[School | None] = relationship()

    @classmethod
    def is_person(cls) -> ColumnElement[bool]:
        """Not a service account: for the lists people are picked from (a panel's members)."""
        return ~cls.email.endswith(f"@{SERVICE_DOMAIN}")

    # Flask-Login
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(r.role for r in self.roles)

    def has_role(self, role: Role) -> bool:
        return role in self.role_set

    @property
    def is_county_wide(self) -> bool:
        """``wbl.scopes.is_county_wide``, for templates and the callers that read it here."""
        return scopes.is_county_wide(self)

    @property
    def primary_role(self) -> Role:
        for role in (Role.ADMIN, Role.STAFF, Role.TEACHER, Role.EMPLOYER, Role.STUDENT):
            if role in self.role_set:
                return role
        return Role.STUDENT

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class ThrottleCounter(Base):
    """One rate-limit counter that every web worker shares: sign-in attempts
    (``wbl.auth.throttle``) and Flask-Limiter's limits, such as password-reset requests, when no
    ``RATELIMIT_STORAGE_URI`` names Redis (``wbl.auth.throttle_storage``). ``key`` names what is
    counted (a digest, never an e-mail or address in clear); a row past ``expires_at`` counts
    as nothing and is deleted when another window starts."""

    __tablename__ = "throttle_counter"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class UserRole(Base):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        primary_key=True,
    )

    user: Mapped[User] = relationship(back_populates="roles")


class SsoIdentity(Base):
    """An account's identity at an OpenID Connect provider: the provider's issuer and its
    subject (``sub``, the provider's id for the person, which never changes; an e-mail address
    may). Written on the first single sign-on, which matched the account by e-mail; later
    sign-ins match by this pair first (``wbl.auth.sso``). One identity per account and issuer:
    an address that the provider now gives to someone else does not open the account."""

    __tablename__ = "sso_identity"
    __table_args__ = (
        UniqueConstraint("issuer", "subject"),
        UniqueConstraint("user_id", "issuer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
