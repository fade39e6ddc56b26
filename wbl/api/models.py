"""API tokens: what a script or another system shows, as ``Authorization: Bearer wbl_…``, to
call ``/api/v1`` (issue 19).

A token acts as one account, ``user``: every scope, policy and query of the web pages then
applies to it unchanged (no second set of rules). A *personal* token acts as the person who
made it, with at most the scopes their roles allow. A *service* token, made by staff for a
district's systems (the student information system, a data warehouse), acts as an account of
its own, made with it: a service account with no password and an address no one can receive
mail at, holding the staff role in the maker's district (no district for county-wide staff).
So it keeps working when the staff member who made it leaves, and it never sees more than its
maker did on the day it was made. ``created_by`` says who made it (kept as an audit trail, set
to nothing if that account is ever deleted).

Only a SHA-256 digest of the secret is stored: the secret has 256 random bits, so no slow
password hash is needed, and the digest can be looked up by an index. ``hint`` is the first
characters of the secret, shown in the list so that people can tell their tokens apart (and
match one a secret scanner found). The ``wbl_`` prefix is what scanners look for.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wbl.extensions import Base, utcnow
from wbl.reference.models import str_enum

if TYPE_CHECKING:
    from wbl.auth.models import User


class TokenKind(enum.StrEnum):
    PERSONAL = "personal"
    SERVICE = "service"


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TokenKind] = mapped_column(str_enum(TokenKind, 16))
    name: Mapped[str] = mapped_column(String(80))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[str] = mapped_column(String(400))  # space-separated, as OAuth writes them
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def usable_at(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at and self.user.active
