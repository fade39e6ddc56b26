from __future__ import annotations

from sqlalchemy import select

from tests.support.builders import make_user
from wbl.access import Role
from wbl.auth.models import User, password_matches
from wbl.extensions import db


def test_create_admin_asks_for_the_password(app) -> None:
    result = app.test_cli_runner().invoke(
        args=["users", "create-admin", "Chief@District.org", "--name", "Chief"],
        input="a strong admin password\na strong admin password\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "chief@district.org"))
    assert user is not None
    assert user.role_set == {Role.ADMIN, Role.STAFF}
    assert password_matches(user, "a strong admin password")
    assert "a strong admin password" not in result.output


def test_create_admin_refuses_a_weak_password_and_a_taken_address(app) -> None:
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["users", "create-admin", "a@b.org"], input="short\nshort\n")
    assert weak.exit_code == 1
    assert "at least 10 characters" in weak.output
    make_user(email="taken@b.org")
    taken = runner.invoke(
        args=["users", "create-admin", "taken@b.org"], input="long enough pw\nlong enough pw\n"
    )
    assert taken.exit_code == 1
    assert "already exists" in taken.output
