"""What a request may carry into the database (wbl/http.py): numbers past an INTEGER column's
range are "not found" or "not given", and NUL (which PostgreSQL refuses in text) is no route
in a path and is left out of query strings and forms — never a database error."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import NotFound

from tests.support.builders import (
    make_class_section,
    make_school,
    make_student,
    make_user,
    pathway,
)
from wbl.access import Role
from wbl.auth.models import User
from wbl.http import DB_INT_MAX, LEFT_OUT, NulFreeParameters

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


def test_form_choices_are_read_as_database_integers() -> None:
    """``coerce=int`` lets 2**64 through to the query (SQLite's driver cannot bind it);
    ``db_int`` makes it a choice that is not valid, answered on the form."""
    raw = [
        f"{path.relative_to(WBL)}:{node.lineno}"
        for path in WBL.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.keyword)
        and node.arg == "coerce"
        and isinstance(node.value, ast.Name)
        and node.value.id == "int"
    ]
    assert raw == []


# --- NUL ---------------------------------------------------------------------------------


def test_no_route_takes_a_nul_in_its_path(app: Flask) -> None:
    urls = app.url_map.bind("localhost")
    rules = [
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods or ())
        if method not in {"HEAD", "OPTIONS"}
        and rule.endpoint != "static"  # Flask adds it before create_app can say anything
        and any(type(c).__name__ != "IdConverter" for c in rule._converters.values())
    ]
    assert len(rules) > 20
    for rule, method in rules:
        with_nul = re.sub(r"<(?!int:)[^>]+>", "a\x00b", re.sub(r"<int:\w+>", "1", rule))
        with pytest.raises(NotFound):
            urls.match(with_nul, method=method)
        urls.match(with_nul.replace("\x00", ""), method=method)  # the same path without it


@pytest.mark.parametrize(
    "url",
    [
        "/verify/abc%00",
        "/verify/%00",
        "/verify/%ff%fe",
        "/static/css/app%00.css",
        "/bootstrap/static/css/bootstrap.min%00.css",
    ],
)
def test_a_path_with_nul_or_bad_bytes_is_not_found(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "url"),
    [
        (Role.STUDENT, "/offerings?q=a%00b"),
        (Role.STUDENT, "/offerings?q=%ff"),
        (Role.STAFF, "/catalog/partners?q=%00"),
        (Role.STAFF, "/catalog/offerings?q=%00"),
        (Role.STAFF, "/credentials/catalog?q=%00"),
        (Role.STAFF, "/credentials/catalog?q=%ff%00"),
        (Role.STAFF, "/incentives/completions?q=a%00"),
        (Role.STAFF, "/rounds/?q=%00"),
        (Role.TEACHER, "/home?q=%00"),
    ],
)
def test_a_nul_in_the_query_string_is_left_out(client, login_as, role: Role, url: str) -> None:
    login_as(_people()[role])
    response = client.get(url)
    assert response.status_code == 200
    assert LEFT_OUT not in response.get_data(as_text=True)  # a link is not told off


def test_a_nul_typed_into_a_form_is_left_out_and_everything_else_saved(
    client, login_as, post_form
) -> None:
    student = make_student()
    login_as(student.user)
    response = post_form(
        "/profile",
        {
            "home_zip": "95476",
            "max_travel_miles": 30,
            "transportation": "car",
            "pathway_ids": [pathway().id],
            "interests": "I like\x00 robots",
            "availability": ["after_school"],
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert LEFT_OUT in body
    assert "Your profile is saved." in body
    assert student.interests == "I like robots"


def test_names_values_and_file_names_lose_their_nul() -> None:
    upload = FileStorage(filename="scores\x00.csv")
    parameters = NulFreeParameters([("q\x00", "a\x00b"), ("q", "c"), ("file", upload)])
    assert parameters.getlist("q") == ["ab", "c"]
    assert upload.filename == "scores.csv"
    assert parameters.left_out is True
    assert NulFreeParameters({"q": ["a", "b"]}).left_out is False
