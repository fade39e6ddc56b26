"""Reach and the funnel filtered to one student group: the figures are the group's, the
teacher never gets the filter, a bad group is the default with a note, and no suppressed
count can be worked out from what the pages and downloads show, filtered or not, taken
together (a property test over generated schools)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.support.builders import (
    make_class_section,
    make_district,
    make_offering,
    make_school,
    make_student,
    make_user,
)
from tests.support.log_data import make_placement
from wbl.access import Role
from wbl.auth.models import User
from wbl.clock import local_today
from wbl.errors import NotFound
from wbl.extensions import db
from wbl.placements.models import Application
from wbl.reference.models import ExperienceKind
from wbl.reporting.funnel import funnel
from wbl.reporting.groups import GROUP_KEYS, GROUP_LABELS, SEX_GROUP_KEYS
from wbl.reporting.reach import FIGURES, ReachFilters, SchoolYear, reach
from wbl.roster.demographics import SMALLEST_SHOWN
from wbl.roster.models import StudentDemographics
from wbl.schools.models import School

REACH, FUNNEL = "/reports/reach", "/reports/funnel"
HIDDEN_WORDS = ("fewer than 11", "hidden")


@pytest.fixture
def year() -> SchoolYear:
    return SchoolYear.of(local_today())


def _block(
    school: School, count: int, reached: int, *, start: date, offering: Any, **demographics: Any
) -> None:
    """``count`` students of ``school`` with ``demographics``, the first ``reached`` of them on
    a job shadow of this year (placed, so an application of this year too), and every
    other unreached one with an application only."""
    for n in range(count):
        student = make_student(school=school, grade=12 if n % 3 == 0 else 11)
        db.session.add(StudentDemographics(student_id=student.id, **demographics))
        if n < reached:
            make_placement(student, offering=offering, start=start)
        elif n % 2 == 0:
            db.session.add(Application(student=student, offering=offering, statement="Hello."))
    db.session.flush()


# --- the figures ----------------------------------------------------------------------------


@pytest.fixture
def alder(year: SchoolYear) -> dict[str, Any]:
    """Alder High: 40 girls (30 of them Hispanic) of whom 20 reached, 30 boys of whom 12;
    Birch High: 20 girls and 20 boys, 11 of each reached."""
    district = make_district(name="North Unified")
    alder, birch = (make_school(district=district, name=n) for n in ("Alder High", "Birch High"))
    offering = make_offering(kind=ExperienceKind.JOB_SHADOW)
    start = year.first_day + timedelta(days=30)
    _block(alder, 30, 15, start=start, offering=offering, sex="female", hispanic_or_latino=True)
    _block(alder, 10, 5, start=start, offering=offering, sex="female")
    _block(alder, 30, 12, start=start, offering=offering, sex="male")
    for sex in ("female", "male"):
        _block(birch, 20, 11, start=start, offering=offering, sex=sex)
    staff = make_user(roles={Role.STAFF}, district=district)
    return {"staff": staff, "alder": alder, "birch": birch}


def test_a_group_filter_makes_every_figure_the_groups(year, alder) -> None:
    staff = alder["staff"]
    found = reach(staff, ReachFilters(year, group="hispanic_or_latino"), local_today())
    assert (found.total.values["students"], found.total.values["reached"]) == (30, 15)
    assert found.groups == []  # the page is one group's
    schools = {row.name: row for row in found.schools}
    assert schools["Birch High"].cell("students").text == "fewer than 11"  # none
    # Alder's 30 would be the total minus Birch's none: the lone hidden cell takes it along.
    assert schools["Alder High"].cell("students").text == "hidden"
    assert "students" not in schools["Alder High"].values  # never reaches the page
    applications = funnel(staff, ReachFilters(year, group="hispanic_or_latino")).total
    assert applications.cell("applied").text == "22"  # 15 placed, 7 more applied
    assert applications.cell("placed").text == "hidden"  # it would leave out those 7


def test_the_sexes_pages_add_up_to_the_unfiltered_one(year, alder) -> None:
    # No student of another sex: the girls' 60 and the boys' 50 would give away that none
    # is (110 - 60 - 50), so the smaller goes.
    girls = reach(alder["staff"], ReachFilters(year, group="female"), local_today())
    boys = reach(alder["staff"], ReachFilters(year, group="male"), local_today())
    assert girls.total.cell("students").text == "60"
    assert boys.total.cell("students").text == "hidden"
    other = reach(alder["staff"], ReachFilters(year, group="other_sex"), local_today())
    assert other.total.cell("students").text == "fewer than 11"


def test_a_school_without_the_group_is_fewer_than_11_not_missing(year, alder) -> None:
    found = reach(alder["staff"], ReachFilters(year, group="asian"), local_today())
    assert [row.name for row in found.schools] == ["Alder High", "Birch High"]
    assert {row.cell("students").text for row in found.schools} == {"fewer than 11"}
    assert found.total.cell("students").text == "fewer than 11"
    assert found.total.share("reached") is None


def test_a_count_the_unfiltered_page_would_reveal_by_subtraction_is_hidden(year, alder) -> None:
    # 30 of Alder's 40 girls are Hispanic and 15 of its 20 reached girls: on the girls' page
    # the Hispanic page's 15 would leave 5 by subtraction; the Hispanic page hides it.
    found = reach(
        alder["staff"],
        ReachFilters(year, school_id=alder["alder"].id, group="hispanic_or_latino"),
        local_today(),
    )
    # Alder's 70 students, 30 Hispanic: 40 others, shown; reached: 32 at Alder, 15 Hispanic.
    assert found.total.cell("students").text == "30"
    assert found.total.cell("reached").text == "15"
    # Every reached Hispanic student is a girl: the girls' page may not show that too.
    girls = reach(
        alder["staff"],
        ReachFilters(year, school_id=alder["alder"].id, group="female"),
        local_today(),
    )
    assert girls.total.cell("reached").text == "20"


def test_teachers_never_get_the_group_filter(year, client, login_as, alder) -> None:
    teacher = make_user(roles={Role.TEACHER}, school=alder["alder"])
    make_class_section(teacher=teacher, students=[])
    with pytest.raises(NotFound):
        reach(teacher, ReachFilters(year, group="female"), local_today())
    login_as(teacher)
    page = client.get(f"{REACH}?group=female").get_data(as_text=True)
    assert 'name="group"' not in page
    assert "One student group" not in page


def test_an_unknown_group_is_every_student_with_a_note(client, login_as, alder) -> None:
    login_as(alder["staff"])
    for url in (REACH, FUNNEL):
        response = client.get(f"{url}?group=martians")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "That is not a student group; showing every student." in page
        assert "One student group" not in page
        assert client.get(f"{url}/download?group=martians").status_code == 200


def test_the_pages_offer_the_groups_and_say_which_is_shown(client, login_as, alder) -> None:
    login_as(alder["staff"])
    page = client.get(f"{REACH}?group=english_learner").get_data(as_text=True)
    assert 'name="group"' in page
    assert '<optgroup label="Race and ethnicity">' in page
    assert "One student group: <strong>English learners</strong>" in page
    assert 'id="reach-groups"' not in page
    assert "group=english_learner" in page  # the downloads keep the filter
    funnel_page = client.get(f"{FUNNEL}?group=male").get_data(as_text=True)
    assert 'id="funnel-groups"' not in funnel_page
    assert "One student group: <strong>Male</strong>" in funnel_page
    response = client.get(f"{FUNNEL}/download?format=xlsx&group=male")
    assert response.headers["Content-Disposition"].endswith("-male.xlsx")


def test_other_reports_ignore_a_group(client, login_as, alder) -> None:
    login_as(alder["staff"])
    assert 'name="group"' not in client.get("/reports/perkins-5s3?group=male").get_data(
        as_text=True
    )


# --- nothing suppressed can be worked out ----------------------------------------------------


def _sheet(client: Any, url: str) -> dict[tuple[str, str], list[str]]:
    """A download as {(section, row): cells}, the section of the first row called "Total"."""
    response = client.get(url)
    assert response.status_code == 200, url
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    keep = [i for i, name in enumerate(header) if i >= 2 and not name.startswith("Share")]
    sheet: dict[tuple[str, str], list[str]] = {}
    for n, row in enumerate(body):
        section = "Total" if n == 0 else row[0]
        if section.startswith("Median days"):
            continue
        sheet[section, row[1]] = [row[i] for i in keep]
    return sheet


def _derived(
    known: dict[Any, int], unknown: set[Any], equations: Iterable[tuple[list[Any], list[Any]]]
) -> set[Any]:
    """The unknowns that equations ``sum(left) == sum(right)`` give away, one at a time (the
    subtraction a reader does): repeated until nothing new."""
    equations = list(equations)
    values = dict(known)
    found: set[Any] = set()
    changed = True
    while changed:
        changed = False
        for left, right in equations:
            missing = [c for c in (*left, *right) if c not in values]
            if len(missing) != 1 or missing[0] not in unknown:
                continue
            cell = missing[0]
            sign = 1 if cell in left else -1
            value = sum(values.get(c, 0) for c in right) - sum(values.get(c, 0) for c in left)
            values[cell] = sign * value
            found.add(cell)
            changed = True
    return found


def _check(
    client: Any,
    url: str,
    page_sections: tuple[str, ...],
    groups_section: str,
    within: dict[int, int],
) -> None:
    """Open ``url``'s download unfiltered and filtered to every group; assert that every
    count shown filtered is at least 11, leaves at least 11 unfiltered and of the figure it
    is part of (``within``: column to column, when both show), and that no hidden count
    follows from the sums a reader can do: each page's sections add up to its total
    (``page_sections``), the sexes' pages add up to the unfiltered one, a group's page's total
    is the unfiltered page's row for the group."""
    sheets = {None: _sheet(client, f"{url}/download?format=csv")}
    for key in GROUP_KEYS:
        sheets[key] = _sheet(client, f"{url}/download?format=csv&group={key}")
    known: dict[Any, int] = {}
    unknown: set[Any] = set()
    for key, sheet in sheets.items():
        for (section, name), cells in sheet.items():
            for column, text in enumerate(cells):
                cell = (key, section, name, column)
                if text in HIDDEN_WORDS:
                    unknown.add(cell)
                else:
                    known[cell] = int(text.replace(",", ""))
    whole = sheets[None]
    for key in GROUP_KEYS:
        for (section, name), cells in sheets[key].items():
            assert (section, name) in whole
            for column in range(len(cells)):
                cell = (key, section, name, column)
                if cell in known:
                    assert known[cell] >= SMALLEST_SHOWN, cell
                    left_out = known[None, section, name, column] - known[cell]
                    assert left_out >= SMALLEST_SHOWN, cell
    for (key, section, name, column), value in known.items():
        if key is None and section != groups_section:
            continue  # the unfiltered page's own rows are not of a group
        part_of = (key, section, name, within.get(column, column))
        if column in within and part_of in known:
            assert known[part_of] - value >= SMALLEST_SHOWN, (key, section, name, column)
    equations: list[tuple[list[Any], list[Any]]] = []
    for key, sheet in sheets.items():
        width = len(sheet["Total", next(n for s, n in sheet if s == "Total")])
        total_name = next(n for s, n in sheet if s == "Total")
        for section in page_sections:
            names = [n for s, n in sheet if s == section]
            for column in range(width):
                equations.append(
                    (
                        [(key, "Total", total_name, column)],
                        [(key, section, n, column) for n in names],
                    )
                )
    for (section, name), cells in whole.items():
        for column in range(len(cells)):
            equations.append(
                (
                    [(None, section, name, column)],
                    [(k, section, name, column) for k in SEX_GROUP_KEYS],
                )
            )
    total_name = next(n for s, n in whole if s == "Total")
    for key in GROUP_KEYS:
        row = (None, groups_section, GROUP_LABELS[key])
        if (groups_section, GROUP_LABELS[key]) not in whole:
            continue
        for column in range(len(whole[groups_section, GROUP_LABELS[key]])):
            equations.append(([(*row, column)], [(key, "Total", total_name, column)]))
    # Where the unfiltered page shows 0, every group's count is 0 for anyone to see.
    for cell in list(unknown):
        key, section, name, column = cell
        source = (
            (None, "Total", total_name, column) if key is None else (None, section, name, column)
        )
        if known.get(source) == 0:
            unknown.discard(cell)
            known[cell] = 0
    leaked = _derived(known, unknown, equations)
    assert leaked == set(), sorted(map(str, leaked))[:5]


blocks = st.lists(
    st.tuples(
        st.integers(0, 1),  # the school
        st.sampled_from(("female", "male", "other")),
        st.booleans(),  # Hispanic or Latino
        st.integers(0, 30),  # students
        st.floats(0, 1),  # the share reached
    ),
    min_size=1,
    max_size=6,
)


@settings(  # each example builds its schools in the database: shrinking would take minutes
    max_examples=12,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(blocks)
def test_no_suppressed_count_can_be_worked_out_from_the_pages_together(
    client, login_as, blocks
) -> None:
    year = SchoolYear.of(local_today())
    district = make_district()
    schools = [make_school(district=district) for _ in range(2)]
    offering = make_offering(kind=ExperienceKind.JOB_SHADOW)
    for school, sex, hispanic, count, share in blocks:
        _block(
            schools[school],
            count,
            round(count * share),
            start=year.first_day + timedelta(days=20),
            offering=offering,
            sex=sex,
            hispanic_or_latino=hispanic,
        )
    staff: User = make_user(roles={Role.STAFF}, district=district)
    login_as(staff)
    reach_sections = ("By school", "By grade", "By pathway chosen")
    # Reach: the reached are part of the students, each stage and type of the reached.
    reach_within = {1: 0, **dict.fromkeys(range(2, len(FIGURES)), 1)}
    _check(client, REACH, reach_sections, "By student group", reach_within)
    _check(client, FUNNEL, ("By school",), "By student group", {c: c - 1 for c in range(1, 6)})


def test_the_page_shows_what_the_download_does(client, login_as, alder) -> None:
    login_as(alder["staff"])
    page = client.get(f"{REACH}?group=hispanic_or_latino").get_data(as_text=True)
    body = re.search(r'id="reach-schools"(.*?)</table>', page, re.S)
    assert body is not None
    assert "fewer than 11" in body.group(1)  # Birch High has no Hispanic students
    sheet = _sheet(client, f"{REACH}/download?format=csv&group=hispanic_or_latino")
    assert sheet["By school", "Birch High"][0] == "fewer than 11"
