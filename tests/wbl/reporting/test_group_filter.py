"""One student group across places (the reports' group filter), and the pages of a district
and its schools hiding their small counts together (wbl.reporting.groups.suppress_places)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

import pytest

from tests.support.builders import make_district, make_school, make_student, make_user
from tests.support.log_data import make_placement
from wbl.access import Role
from wbl.clock import local_today
from wbl.extensions import db
from wbl.reference.models import ExperienceKind
from wbl.reporting.reach import ReachFilters, SchoolYear, reach
from wbl.roster.models import StudentDemographics
from wbl.schools.models import School

URL = "/reports/reach"


@pytest.fixture
def year() -> SchoolYear:
    return SchoolYear.of(local_today())


def _students(school: School, count: int, reached: int, year: SchoolYear, **demographics: Any):
    for n in range(count):
        student = make_student(school=school)
        db.session.add(StudentDemographics(student_id=student.id, **demographics))
        if n < reached:
            make_placement(
                student, kind=ExperienceKind.JOB_SHADOW, start=year.first_day + timedelta(days=9)
            )
    db.session.flush()


@pytest.fixture
def county(year) -> dict[str, Any]:
    """The county CI's property test once found a filtered page giving away: in North,
    Alder High's 20 Hispanic boys, none reached; Birch High's 9 boys (4 reached), 7 Hispanic
    girls (6), 21 Hispanic boys (19) and 28 of another sex (10). South: Cedar High, 40 girls
    and 40 boys, 20 of each reached."""
    north, south = make_district(name="North Unified"), make_district(name="South Unified")
    alder = make_school(district=north, name="Alder High")
    birch = make_school(district=north, name="Birch High")
    cedar = make_school(district=south, name="Cedar High")
    _students(alder, 20, 0, year, sex="male", hispanic_or_latino=True)
    _students(birch, 9, 4, year, sex="male", hispanic_or_latino=False)
    _students(birch, 7, 6, year, sex="female", hispanic_or_latino=True)
    _students(birch, 21, 19, year, sex="male", hispanic_or_latino=True)
    _students(birch, 28, 10, year, sex="other", hispanic_or_latino=False)
    _students(cedar, 40, 20, year, sex="female", hispanic_or_latino=False)
    _students(cedar, 40, 20, year, sex="male", hispanic_or_latino=False)
    return {"north": north, "south": south, "alder": alder, "birch": birch, "cedar": cedar}


def _group(found, name: str, key: str) -> int | None:
    return next(g for g in found.groups if g.name == name).cells[key].value


def test_a_district_and_its_schools_never_leave_one_hidden_part_of_a_shown_sum(
    year, county
) -> None:
    staff = make_user(roles={Role.STAFF})
    today = local_today()
    pages = {
        name: reach(staff, ReachFilters(year, **filters), today)
        for name, filters in {
            "county": {},
            "north": {"district_id": county["north"].id},
            "south": {"district_id": county["south"].id},
            "alder": {"school_id": county["alder"].id},
            "birch": {"school_id": county["birch"].id},
            "cedar": {"school_id": county["cedar"].id},
        }.items()
    }
    sums = [("county", ["north", "south"]), ("north", ["alder", "birch"]), ("south", ["cedar"])]
    names = [g.name for g in pages["county"].groups]
    for key in ("students", "reached"):
        for name in names:
            for whole, parts in sums:
                cells = [_group(pages[p], name, key) for p in (whole, *parts)]
                if cells[0] is not None:  # a shown sum: no part alone hidden, or it would show
                    assert [c is None for c in cells[1:]].count(True) != 1, (key, name, whole)
                    if None not in cells:
                        assert cells[0] == sum(cells[1:])  # the sums are real sums
                else:  # a hidden sum: never all its parts shown
                    assert None in cells[1:], (key, name, whole)
    # Alder's boys, none reached, are hidden; Birch's 23 of 30 (7 not) cannot show beside
    # the district's boys.
    assert _group(pages["alder"], "Male", "reached") is None
    assert None in (
        _group(pages["birch"], "Male", "reached"),
        _group(pages["north"], "Male", "reached"),
    )


def _cells(page: str, table: str, name: str) -> list[str]:
    body = re.search(rf'id="{table}"(.*?)</table>', page, re.S)
    assert body is not None, table
    row = re.search(rf">{re.escape(name)}</th>(.*?)</tr>", body.group(1), re.S)
    assert row is not None, name
    return [c.strip() for c in re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))]


@pytest.mark.parametrize(
    ("report", "table"),
    [("reach", "reach"), ("funnel", "funnel"), ("perkins-5s3", "perkins")],
)
def test_staff_filter_a_report_to_one_group_across_places(
    year, client, login_as, county, report, table
) -> None:
    login_as(make_user(roles={Role.STAFF}))
    page = client.get(f"/reports/{report}?group=hispanic_or_latino").get_data(as_text=True)
    assert 'name="group"' in page
    assert '<option selected value="hispanic_or_latino">Hispanic or Latino</option>' in page
    assert "Hispanic or Latino, by district" in page
    for place in ("The county", "North Unified", "South Unified"):
        assert _cells(page, f"{table}-across-table", place)
    # the rows are the cells the group tables of those pages show
    north = client.get(f"/reports/{report}?district={county['north'].id}").get_data(as_text=True)
    assert _cells(page, f"{table}-across-table", "North Unified") == _cells(
        north, f"{table}-groups", "Hispanic or Latino"
    )
    by_school = client.get(
        f"/reports/{report}?district={county['north'].id}&group=hispanic_or_latino"
    ).get_data(as_text=True)
    assert "Hispanic or Latino, by school" in by_school
    birch = client.get(f"/reports/{report}?school={county['birch'].id}").get_data(as_text=True)
    assert _cells(by_school, f"{table}-across-table", "Birch High") == _cells(
        birch, f"{table}-groups", "Hispanic or Latino"
    )


def test_the_reach_filtered_to_a_group_shows_its_figures(year, client, login_as, county) -> None:
    login_as(make_user(roles={Role.STAFF}))
    page = client.get(f"{URL}?district={county['south'].id}&group=male").get_data(as_text=True)
    assert _cells(page, "reach-across-table", "South Unified")[:3] == ["40", "20", "50%"]
    assert _cells(page, "reach-across-table", "Cedar High")[:3] == ["40", "20", "50%"]


def test_a_group_that_is_not_one_says_so(client, login_as) -> None:
    login_as(make_user(roles={Role.STAFF}))
    page = client.get(f"{URL}?group=martians").get_data(as_text=True)
    assert "That is not a student group; showing all students." in page
    assert "reach-across" not in page


def test_teachers_have_no_group_filter(client, login_as, county) -> None:
    login_as(make_user(roles={Role.TEACHER}, school=county["alder"]))
    page = client.get(f"{URL}?group=male").get_data(as_text=True)
    assert 'name="group"' not in page
    assert "reach-across" not in page


def test_the_download_holds_the_group_across_places(year, client, login_as, county) -> None:
    login_as(make_user(roles={Role.STAFF}))
    response = client.get(f"{URL}/download?format=csv&group=male")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    across = {row[1]: row for row in rows if row[0] == "Male, here and by place"}
    assert set(across) == {"The county", "North Unified", "South Unified"}
    assert across["South Unified"][2:4] == ["40", "20"]
