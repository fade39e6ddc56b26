"""Demographics in aggregate: who sees them, the counts (one GROUP BY statement), and the
small-group suppression rule."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.builders import (
    make_district,
    make_employer,
    make_school,
    make_student,
    make_user,
)
from wbl.access import Role
from wbl.extensions import db
from wbl.roster.demographics import SEX_KEYS, SMALLEST_SHOWN, Hidden, suppress
from wbl.roster.models import StudentDemographics
from wbl.schools.models import School

URL = "/roster/demographics"


# --- the rule ---------------------------------------------------------------------------------


def _row(students: int, female: int, male: int, **flags: int) -> dict[str, int]:
    return {
        "students": students,
        "female": female,
        "male": male,
        "other_sex": students - female - male,
        **flags,
    }


def test_counts_under_11_are_hidden_and_zero_too() -> None:
    rows, total = suppress([_row(40, 20, 20, asian=15), _row(30, 15, 15, asian=0)])
    assert rows[1]["asian"] is Hidden.SMALL
    assert rows[0]["other_sex"] is Hidden.SMALL  # 0 of "other or not reported"
    assert total["other_sex"] is Hidden.SMALL
    # The Asian column would show 15 of 15: one more of its cells goes.
    assert [rows[0].get("asian"), total.get("asian")].count(Hidden.COMPLEMENT) == 1


def test_a_lone_hidden_cell_takes_the_next_smallest_of_its_row_with_it() -> None:
    rows, _ = suppress(
        [_row(60, 25, 30, asian=12), _row(60, 30, 30, asian=40), _row(60, 30, 30, asian=20)]
    )
    # Row 0: "other" is 5, so the smaller of female and male (25) is hidden too.
    assert rows[0]["other_sex"] is Hidden.SMALL
    assert rows[0]["female"] is Hidden.COMPLEMENT
    assert "male" not in rows[0]
    assert "asian" not in rows[0]  # 12: shown, and nothing in its column is hidden


def test_a_group_under_11_is_hidden_whole() -> None:
    rows, _ = suppress([_row(8, 4, 4, white=2), _row(80, 40, 40, white=30)])
    assert set(rows[0]) == {"students", "female", "male", "other_sex", "white"}


def _lines(rows: list[dict[str, int]]) -> list[list[tuple[int, str]]]:
    keys = list(rows[0])
    lines = [[(r, "students"), *((r, k) for k in SEX_KEYS)] for r in range(-1, len(rows))]
    lines += [[(-1, k), *((r, k) for r in range(len(rows)))] for k in keys]
    return lines


@st.composite
def tables(draw: st.DrawFn) -> list[dict[str, int]]:
    count = draw(st.integers(1, 6))
    rows = []
    for _ in range(count):
        female = draw(st.integers(0, 60))
        male = draw(st.integers(0, 60))
        other = draw(st.integers(0, 15))
        students = female + male + other
        rows.append(
            _row(
                students,
                female,
                male,
                asian=draw(st.integers(0, students)),
                english_learner=draw(st.integers(0, students)),
            )
        )
    return rows


@settings(max_examples=200, deadline=None)
@given(tables())
def test_no_small_count_shows_and_no_hidden_cell_stands_alone(rows: list[dict[str, int]]) -> None:
    hidden_rows, hidden_total = suppress(rows)
    grid = {(r, k): v for r, row in enumerate(rows) for k, v in row.items()}
    grid |= {(-1, k): sum(row[k] for row in rows) for k in rows[0]}
    hidden = {(r, k) for r, keys in enumerate(hidden_rows) for k in keys}
    hidden |= {(-1, k) for k in hidden_total}
    assert {cell for cell, value in grid.items() if value < SMALLEST_SHOWN} <= hidden
    for line in _lines(rows):
        # A hidden cell is never the only one of a sum whose other cells show.
        assert sum(cell in hidden for cell in line) != 1, line


# --- the page ---------------------------------------------------------------------------------


def _rostered(school: School, count: int, **values: Any) -> None:
    for _ in range(count):
        student = make_student(school=school)
        db.session.add(StudentDemographics(student_id=student.id, **values))
    db.session.flush()


@pytest.fixture
def county() -> dict[str, Any]:
    north = make_district(name="North Unified")
    south = make_district(name="South Unified")
    a = make_school(district=north, name="Alder High")
    b = make_school(district=north, name="Birch High")
    c = make_school(district=south, name="Cedar High")
    _rostered(a, 20, sex="female", hispanic_or_latino=True, english_learner=True)
    _rostered(a, 15, sex="male", asian=True)
    _rostered(a, 3, sex="other", white=True, disability=True)
    _rostered(b, 12, sex="female", white=True)
    _rostered(b, 12, sex="male", white=True, free_reduced_meals=True)
    _rostered(c, 25, sex="female", black_or_african_american=True)
    _rostered(c, 25, sex="male", hispanic_or_latino=True)
    make_student(school=c)  # not rostered: no demographics, not counted
    return {"north": north, "south": south}


def _cells(page: str, name: str) -> list[str]:
    """The first table's cells of the row headed ``name``."""
    found = re.search(rf">{re.escape(name)}</th>(.*?)</tr>", page, re.S)
    assert found is not None, name
    return [c.strip() for c in re.findall(r"<td[^>]*>([^<]*)</td>", found.group(1))]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (None, 302),
        ("student", 403),
        ("teacher", 403),
        ("employer", 403),
        ("district_staff", 200),
        ("county_staff", 200),
        ("admin", 200),
    ],
)
def test_only_staff_see_the_demographics(client, login_as, who, expected) -> None:
    people: dict[str, Callable[[], Any]] = {
        "student": lambda: make_student().user,
        "teacher": lambda: make_user(roles={Role.TEACHER}, school=make_school()),
        "employer": make_employer,
        "district_staff": lambda: make_user(roles={Role.STAFF}, district=make_district()),
        "county_staff": lambda: make_user(roles={Role.STAFF}),
        "admin": lambda: make_user(roles={Role.ADMIN}),
    }
    if who is not None:
        login_as(people[who]())
    assert client.get(URL).status_code == expected


def test_county_staff_see_every_district_with_small_groups_suppressed(
    client, login_as, county
) -> None:
    login_as(make_user(roles={Role.STAFF}))
    page = client.get(URL).get_data(as_text=True)
    assert "How small groups are protected" in page
    # Students, female, male, other. The total row's "other" (3) is hidden, so its smallest
    # (male, 52) goes too; North's 3 takes its male (27) along, South's 0 its female (25,
    # the first of two smallest); the female column's lone hidden cell then takes North's.
    assert _cells(page, "North Unified") == ["62", "hidden", "hidden", "fewer than 11"]
    assert _cells(page, "South Unified") == ["50", "hidden", "25", "fewer than 11"]
    assert _cells(page, "All districts") == ["112", "57", "hidden", "fewer than 11"]
    assert "South Unified" in page


def test_county_staff_count_by_school(client, login_as, county) -> None:
    login_as(make_user(roles={Role.STAFF}))
    page = client.get(f"{URL}?by=school").get_data(as_text=True)
    for school in ("Alder High", "Birch High", "Cedar High"):
        assert f">{school}</th>" in page
    assert "North Unified</th>" not in page


def test_district_staff_see_only_their_districts_schools(client, login_as, county) -> None:
    login_as(make_user(roles={Role.STAFF}, district=county["north"]))
    page = client.get(f"{URL}?by=district").get_data(as_text=True)
    assert ">Alder High</th>" in page
    assert ">Birch High</th>" in page
    assert "Cedar High" not in page
    assert "South Unified" not in page
    assert 'name="by"' not in page  # no choice: their district's schools


def test_an_unknown_grouping_is_the_default(client, login_as, county) -> None:
    login_as(make_user(roles={Role.STAFF}))
    assert client.get(f"{URL}?by=%00nope").status_code == 200


def test_deactivated_students_are_not_counted(client, login_as) -> None:
    school = make_school(name="Dogwood High")
    _rostered(school, 12, sex="female")
    gone = make_student(school=school)
    db.session.add(StudentDemographics(student_id=gone.id, sex="female"))
    gone.user.active = False
    login_as(make_user(roles={Role.STAFF}))
    page = client.get(f"{URL}?by=school").get_data(as_text=True)
    assert _cells(page, "Dogwood High")[:2] == ["12", "12"]


def test_the_page_runs_the_same_statements_however_many_schools(
    client, login_as, count_queries
) -> None:
    login_as(make_user(roles={Role.STAFF}))
    _rostered(make_school(), 12, sex="female")
    url = f"{URL}?by=school"
    client.get(url)
    # Both requests start from an expired session (the signed-in user loaded afresh), so a
    # commit elsewhere that expires it for only one of them cannot tip the count.
    db.session.expire_all()
    with count_queries() as one:
        assert client.get(url).status_code == 200
    for _ in range(4):
        _rostered(make_school(), 12, sex="male")
    client.get(url)
    db.session.expire_all()
    with count_queries() as five:
        client.get(url)
    assert five.count == one.count, (one.statements, five.statements)
    assert sum("GROUP BY" in s for s in five.statements) == 1
