"""Who may use which route.

Every view carries exactly one ``@policy(...)`` under its route decorator; a test walks the
URL map and fails on a view without one. Anonymous users are sent to sign in; a signed-in
user without the role gets 403, never a redirect. Object and data scope are checked in the
services (out of scope looks like 404).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort
from flask_login import current_user

from wbl.extensions import login_manager
from wbl.i18n import N_


class Role(enum.StrEnum):
    ADMIN = "admin"
    STAFF = "staff"
    TEACHER = "teacher"
    STUDENT = "student"
    EMPLOYER = "employer"

    @property
    def label(self) -> str:
        """The role's name in English; pages show ``gettext(role.label)``."""
        return {
            "admin": N_("Administrator"),
            "staff": N_("CTE staff"),
            "teacher": N_("Teacher"),
            "student": N_("Student"),
            "employer": N_("Employer"),
        }[self.value]


class Access(enum.StrEnum):
    PUBLIC = "public"
    AUTHENTICATED = "authenticated"


PUBLIC = Access.PUBLIC
AUTHENTICATED = Access.AUTHENTICATED

F = TypeVar("F", bound=Callable[..., Any])


def user_has_any_role(user: Any, roles: frozenset[Role]) -> bool:
    """Administrators may do whatever CTE staff may do."""
    user_roles: frozenset[Role] = user.role_set
    if Role.ADMIN in user_roles and Role.STAFF in roles:
        return True
    return bool(user_roles & roles)


def policy(*allowed: Role | Access) -> Callable[[F], F]:
    """Declare who may call a view: ``PUBLIC``, ``AUTHENTICATED``, or one or more roles."""
    if not allowed:
        raise ValueError("policy() needs at least one role or access level")
    is_public = PUBLIC in allowed
    roles = frozenset(a for a in allowed if isinstance(a, Role))

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not is_public:
                if not current_user.is_authenticated:
                    return login_manager.unauthorized()
                if roles and not user_has_any_role(current_user, roles):
                    abort(403)
            return view(*args, **kwargs)

        # read by the set-up gate and the route tests; mypy knows no attributes set on functions
        wrapper.policy = allowed  # type: ignore[attr-defined]
        return cast(F, wrapper)

    return decorate


def require(condition: bool) -> None:
    """Raise Forbidden unless ``condition``: for object-level checks in services."""
    if not condition:
        from wbl.errors import Forbidden

        raise Forbidden()
