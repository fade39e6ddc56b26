"""What a request may carry into the database (wbl/http.py): numbers past an INTEGER column's
range are "not found" or "not given", never a database error."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.exceptions import NotFound

from tests.support.builders import make_class_section, make_school, make_student, make_user
from wbl.access import Role
from wbl.auth.models import User
from wbl.http import DB_INT_MAX

WBL = Path(__file__).parents[2] / "wbl"
PAST_BIGINT = "99999999999999999999"  # past PostgreSQL's bigint and SQLite's integer too


# --- ids in the path ---------------------------------------------------------------------


def _int_rules(app: Flask) -> list[tuple[str, str]]:
    return sorted(
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods or ())
        if method not in {"HEAD", "OPTIONS"}
        and any(type(c).__name__ == "IdConverter" for c in rule._converters.values())
    )


def _path(rule: str, number: int | str) -> str:
    return re.sub(r"<int:\w+>", str(number), re.sub(r"<(?!int:)[^>]+>", "x", rule))


def test_every_int_route_uses_the_database_range(app: Flask) -> None:
    rules = _int_rules(app)
    assert len(rules) > 100  # the walk below is over the whole app
    urls = app.url_map.bind("localhost")
    for rule, method in rules:
        assert urls.match(_path(rule, DB_INT_MAX), method=method)[1], rule
        for too_large in (DB_INT_MAX + 1, 2**63, PAST_BIGINT):
            with pytest.raises(NotFound):
                urls.match(_path(rule, too_large), method=method)


@pytest.mark.parametrize(
    "url",
    [
        "/offerings/99999999999999999999",
        "/applications/2147483648",
        "/partners/2147483648/logo",
        "/hours/entries/9223372036854775808",
        "/offerings/2147483647",  # the largest id there can be: simply not found
    ],
)
def test_an_id_past_the_database_range_is_not_found(client, login_as, url: str) -> None:
    login_as(make_user(roles={Role.STAFF}))
    response = client.get(url)
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


# --- integers in the query string --------------------------------------------------------


def _people() -> dict[Role, User]:
    school = make_school()
    teacher = make_user(roles={Role.TEACHER}, school=school)
    make_class_section(teacher=teacher)
    student = make_student(school=school)
    return {
        Role.STAFF: make_user(roles={Role.STAFF}),
        Role.TEACHER: teacher,
        Role.STUDENT: student.user,
    }


QUERY_PAGES = [
    (Role.STAFF, "/applications?page={n}"),
    (Role.STAFF, "/catalog/partners?page={n}&sector={n}"),
    (Role.STAFF, "/catalog/offerings?page={n}&partner={n}"),
    (Role.STAFF, "/credentials/catalog?page={n}"),
    (Role.STAFF, "/credentials/queue?page={n}"),
    (Role.STAFF, "/credentials/policy?district_id={n}"),
    (Role.STAFF, "/pathways/rules?district={n}"),
    (Role.STAFF, "/events?page={n}"),
    (Role.STAFF, "/outbox/?page={n}"),
    (Role.STAFF, "/reviews/submissions?page={n}"),
    (Role.STAFF, "/evaluations/?page={n}"),
    (Role.STAFF, "/certificates?page={n}"),
    (Role.STAFF, "/interviews?page={n}"),
    (Role.STAFF, "/externships/?partner_id={n}"),
    (Role.TEACHER, "/home?grade={n}&page={n}"),
    (Role.TEACHER, "/events/new?offering={n}&class={n}"),
    (Role.STUDENT, "/offerings?page={n}"),
]


@pytest.mark.parametrize("number", [PAST_BIGINT, f"-{PAST_BIGINT}", str(DB_INT_MAX + 1)])
@pytest.mark.parametrize(("role", "url"), QUERY_PAGES)
def test_a_query_number_past_the_database_range_is_ignored(
    client, login_as, role: Role, url: str, number: str
) -> None:
    login_as(_people()[role])
    response = client.get(url.format(n=number))
    assert response.status_code == 200


def _calls(name: str) -> list[tuple[Path, ast.Call]]:
    found = []
    for path in sorted(WBL.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == name
            ):
                found.append((path, node))
    return found


def test_query_integers_are_read_one_way() -> None:
    """``type=int`` lets any number through; ``db_int`` is the one reader. Pagination is told
    its page and size (left out, Flask-SQLAlchemy reads them from the query string itself)."""
    raw_int = [
        f"{path.relative_to(WBL)}:{call.lineno}"
        for path, call in _calls("get")
        for keyword in call.keywords
        if keyword.arg == "type" and isinstance(keyword.value, ast.Name)
        if keyword.value.id == "int"
    ]
    implicit_page = [
        f"{path.relative_to(WBL)}:{call.lineno}"
        for path, call in _calls("paginate")
        if not {"page", "per_page"} <= {k.arg for k in call.keywords}
    ]
    assert (raw_int, implicit_page) == ([], [])
