"""Accounts. A person has one account and one or more roles."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from wbl.access import Role
from wbl.extensions import Base, utcnow

if TYPE_CHECKING:
    from wbl.schools.models import District, School


def normalize_email(email: str) -> str:
    """E-mail addresses are unique case-insensitively: we store them trimmed and lower-cased."""
    return email.strip().lower()


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

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    district: Mapped[District | None] = relationship()
    school: Mapped[School | None] = relationship()

    # Flask-Login
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(r.role for r in self.roles)

    def has_role(self, role: Role) -> bool:
        return role in self.role_set

    @property
    def is_county_wide(self) -> bool:
        """Administrators, and CTE staff of the county office (no district), see everything."""
        return self.has_role(Role.ADMIN) or (self.has_role(Role.STAFF) and self.district_id is None)

    @property
    def primary_role(self) -> Role:
        for role in (Role.ADMIN, Role.STAFF, Role.TEACHER, Role.EMPLOYER, Role.STUDENT):
            if role in self.role_set:
                return role
        return Role.STUDENT

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            return False
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


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
