"""Experience logs (student, class, school), their CSV files, who may see them, and the staff
hours report with its no-hours-for-14-days flag."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest

from tests.support.builders import (
    make_class_section,
    make_district,
    make_employer,
    make_partner,
    make_school,
    make_student,
    make_user,
)
from tests.support.event_data import make_event_request, make_teacher
from tests.support.log_data import attend, make_entry, make_placement
from wbl.access import Role
from wbl.auth.models import User
from wbl.catalog.models import Partner
from wbl.clock import local_today, to_local
from wbl.errors import DomainError
from wbl.evaluations.models import PlacementEvaluation
from wbl.events.models import EventRequest, EventRequestStatus
from wbl.extensions import db
from wbl.hours import logs
from wbl.hours.models import EntryStatus
from wbl.placements.models import Placement, PlacementStatus
from wbl.reference.models import ExperienceKind
from wbl.schools.models import ClassSection, District, School
from wbl.students.models import StudentProfile


@dataclass
class World:
    district: District
    school: School
    teacher: User
    section: ClassSection
    ana: StudentProfile  # in the class: two placements, at the event
    ben: StudentProfile  # in the class: absent from the event, nothing else
    cleo: StudentProfile  # same school, not in the class: one pending entry
    clinic: Partner
    garage: Partner
    shadow: Placement
    internship: Placement
    event: EventRequest


def _named(name: str, school: School) -> StudentProfile:
    student = make_student(school=school)
    student.user.full_name = name
    return student


@pytest.fixture
def world() -> World:
    today = local_today()
    district = make_district()
    school = make_school(district=district, name="Elsie Allen High")
    teacher = make_teacher(school=school)
    ana, ben, cleo = (_named(n, school) for n in ("Ana Lee", "Ben Ortiz", "Cleo Park"))
    section = make_class_section(teacher=teacher, students=[ana, ben], name="Biology", period="2")
    clinic = make_partner(name="Sunrise Veterinary Clinic")
    garage = make_partner(name="Redwood Garage", sector_code="health")
    shadow = make_placement(
        ana, partner=clinic, kind=ExperienceKind.JOB_SHADOW, start=today - timedelta(days=20)
    )
    make_entry(shadow, today - timedelta(days=5), 120)
    make_entry(shadow, today - timedelta(days=3), 30, EntryStatus.PENDING)
    make_entry(shadow, today - timedelta(days=2), 60, EntryStatus.REJECTED)
    make_entry(shadow, today - timedelta(days=1), 45, EntryStatus.DELETED)
    make_entry(shadow, today - timedelta(days=6), 15, EntryStatus.CORRECTED)
    internship = make_placement(
        ana,
        partner=garage,
        kind=ExperienceKind.INTERNSHIP,
        start=today - timedelta(days=60),
        end=today - timedelta(days=30),
        status=PlacementStatus.COMPLETED,
    )
    make_entry(internship, today - timedelta(days=40), 90)
    db.session.add(
        PlacementEvaluation(
            placement_id=internship.id,
            evaluator_id=make_employer(partner=garage).id,
            ratings=[
                {"code": "a", "name": "Punctuality", "rating": 3},
                {"code": "b", "name": "Teamwork", "rating": 4},
                {"code": "c", "name": "Initiative", "rating": 4},
                {"code": "d", "name": "Safety", "rating": None},
            ],
        )
    )
    cleo_placement = make_placement(cleo, partner=clinic, start=today - timedelta(days=5))
    make_entry(cleo_placement, today - timedelta(days=4), 60, EntryStatus.PENDING)
    event = make_event_request(
        teacher=teacher,
        section=section,
        partner=clinic,
        status=EventRequestStatus.ACCEPTED,
        days=(-1,),
        chosen=1,
        topic="Careers with animals",
    )
    attend(event, ana, minutes=60)
    attend(event, ben, present=False)
    db.session.flush()
    return World(
        district,
        school,
        teacher,
        section,
        ana,
        ben,
        cleo,
        clinic,
        garage,
        shadow,
        internship,
        event,
    )


def event_day(world: World):
    return to_local(world.event.confirmed_option.starts_at).date()


def read_csv(response) -> list[list[str]]:
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


# --- the student's log -----------------------------------------------------------------------


def test_the_student_log_lists_every_experience(world):
    log = logs.student_log(world.ana)
    by_id = {line.placement.id: line for line in log.placements}
    shadow, internship = by_id[world.shadow.id], by_id[world.internship.id]
    # Confirmed and pending only; rejected, withdrawn and corrected entries count nowhere.
    assert (shadow.confirmed, shadow.pending) == (120, 30)
    # The last day with an entry of any status but withdrawn.
    assert shadow.last_activity == local_today() - timedelta(days=2)
    assert shadow.evaluation is None
    assert (internship.confirmed, internship.pending) == (90, 0)
    assert internship.evaluation is not None
    assert internship.evaluation.label == "Average 3.7 of 4 (Above expectations)"
    [line] = log.events
    assert (line.present, line.minutes, line.day) == (True, 60, event_day(world))
    assert (log.confirmed, log.pending, log.events_attended, log.event_minutes) == (210, 30, 1, 60)
    assert log.last_activity == max(local_today() - timedelta(days=2), event_day(world))


def test_an_evaluation_without_ratings_says_when(world):
    evaluation = PlacementEvaluation(placement_id=world.shadow.id, evaluator_id=world.teacher.id)
    db.session.add(evaluation)
    db.session.flush()
    summary = logs.summarize(evaluation)
    assert summary.average is None
    assert summary.label == ""
    assert summary.submitted_on == to_local(evaluation.submitted_at).date()


def test_an_absence_is_shown_but_not_counted(world):
    log = logs.student_log(world.ben)
    [line] = log.events
    assert line.present is False
    assert (log.events_attended, log.event_minutes, log.last_activity) == (0, 0, None)


def test_the_student_page(client, login_as, world):
    login_as(world.ana.user)
    html = client.get(f"/logs/students/{world.ana.id}").get_data(as_text=True)
    assert "My experience log" in html
    for text in (
        "Sunrise Veterinary Clinic",
        "Redwood Garage",
        "Careers with animals",
        "Present",
        "Average 3.7 of 4 (Above expectations)",
        "3.5",  # 120 + 90 minutes confirmed
    ):
        assert text in html


def test_my_log_redirects_to_the_student_page(client, login_as, world):
    login_as(world.ana.user)
    response = client.get("/logs/me")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/logs/students/{world.ana.id}")
    assert client.get("/logs/").headers["Location"].endswith("/logs/me")


def test_a_student_account_without_a_profile_has_no_log(client, login_as):
    login_as(make_user(roles={Role.STUDENT}))
    assert client.get("/logs/me").status_code == 404


def test_the_student_log_as_csv(client, login_as, world):
    login_as(world.teacher)
    rows = read_csv(client.get(f"/logs/students/{world.ana.id}?format=csv"))
    assert rows[0][:3] == ["Experience", "Type", "Partner"]
    by_partner = {r[2]: r for r in rows[1:-1]}
    shadow = by_partner["Redwood Garage"]
    assert shadow[6:8] == ["1.5", "0"]
    assert shadow[10] == "Average 3.7 of 4 (Above expectations)"
    event = next(r for r in rows if r[0] == "Careers with animals")
    assert event[3] == "Present"
    assert event[8] == "1"
    assert rows[-1][0] == "Total"
    assert rows[-1][6:9] == ["3.5", "0.5", "1"]


def test_the_student_log_csv_writes_statuses_as_the_page_shows_them(client, login_as, world):
    """Issue 14 §6.8: the CSV wrote the stored values ("active", "completed", "present");
    each status cell is now the word the page shows."""
    login_as(world.teacher)
    url = f"/logs/students/{world.ana.id}"
    page = client.get(url).get_data(as_text=True)
    statuses = [r[3] for r in read_csv(client.get(f"{url}?format=csv"))[1:-1]]
    assert {"Active", "Completed", "Present"} <= set(statuses)
    for status in statuses:
        assert re.search(rf">{status}</(td|span)>", page), status


STUDENT_VIEWERS = [
    ("anonymous", 302),
    ("self", 200),
    ("classmate", 404),
    ("teacher_of_school", 200),
    ("teacher_elsewhere", 404),
    ("employer", 403),
    ("district_staff", 200),
    ("other_district_staff", 404),
    ("county_staff", 200),
    ("admin", 200),
]


def _viewer(world: World, who: str) -> User | None:
    return {
        "anonymous": lambda: None,
        "self": lambda: world.ana.user,
        "classmate": lambda: world.ben.user,
        "teacher_of_school": lambda: make_teacher(school=world.school),
        "teacher_elsewhere": lambda: make_teacher(),
        "employer": lambda: make_employer(partner=world.clinic),
        "district_staff": lambda: make_user(roles={Role.STAFF}, district=world.district),
        "other_district_staff": lambda: make_user(roles={Role.STAFF}, district=make_district()),
        "county_staff": lambda: make_user(roles={Role.STAFF}),
        "admin": lambda: make_user(roles={Role.ADMIN}),
        "class_teacher": lambda: world.teacher,
    }[who]()


@pytest.mark.parametrize(("who", "expected"), STUDENT_VIEWERS)
def test_who_sees_a_student_log(client, login_as, world, who, expected):
    user = _viewer(world, who)
    if user:
        login_as(user)
    assert client.get(f"/logs/students/{world.ana.id}").status_code == expected
    assert client.get(f"/logs/students/{world.ana.id}?format=csv").status_code == expected


# --- a class's and a school's logs -----------------------------------------------------------


def test_the_class_log_has_a_row_per_student_and_totals(world):
    log = logs.class_log(world.section)
    assert [r.name for r in log.rows] == ["Ana Lee", "Ben Ortiz"]
    ana, ben = log.rows
    assert (ana.placements, ana.events_attended, ana.confirmed, ana.pending) == (2, 1, 210, 30)
    assert ana.last_activity == max(local_today() - timedelta(days=2), event_day(world))
    assert (ben.placements, ben.events_attended, ben.confirmed, ben.last_activity) == (
        0,
        0,
        0,
        None,
    )
    total = log.total
    assert (total.placements, total.events_attended, total.confirmed, total.pending) == (
        2,
        1,
        210,
        30,
    )


def test_the_school_log_has_every_student_of_the_school(world):
    log = logs.school_log(world.school)
    assert [r.name for r in log.rows] == ["Ana Lee", "Ben Ortiz", "Cleo Park"]
    assert log.rows[2].pending == 60
    assert (log.total.confirmed, log.total.pending, log.total.placements) == (210, 90, 3)


def test_cancelled_placements_are_not_counted(world):
    make_placement(world.ben, status=PlacementStatus.CANCELLED)
    assert logs.class_log(world.section).rows[1].placements == 0


def test_the_class_page_and_its_csv(client, login_as, world):
    login_as(world.teacher)
    html = client.get(f"/logs/classes/{world.section.id}").get_data(as_text=True)
    assert "Experience log: Biology (period 2)" in html
    assert f"/logs/students/{world.ana.id}" in html
    rows = read_csv(client.get(f"/logs/classes/{world.section.id}?format=csv"))
    last = max(local_today() - timedelta(days=2), event_day(world)).isoformat()
    assert rows == [
        logs.GROUP_HEADER,
        ["Ana Lee", "11", "2", "1", "3.5", "0.5", last],
        ["Ben Ortiz", "11", "0", "0", "0", "0", ""],
        ["Total", "", "2", "1", "3.5", "0.5", last],
    ]


def test_the_school_csv(client, login_as, world):
    login_as(world.teacher)
    rows = read_csv(client.get(f"/logs/schools/{world.school.id}?format=csv"))
    assert rows[0] == logs.GROUP_HEADER
    assert [r[0] for r in rows[1:]] == ["Ana Lee", "Ben Ortiz", "Cleo Park", "Total"]
    assert rows[-1][4:6] == ["3.5", "1.5"]


def test_a_name_that_looks_like_a_formula_is_written_as_text(client, login_as, world):
    world.ben.user.full_name = "=HYPERLINK(1)"
    db.session.flush()
    login_as(world.teacher)
    rows = read_csv(client.get(f"/logs/classes/{world.section.id}?format=csv"))
    assert "'=HYPERLINK(1)" in [r[0] for r in rows]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 302),
        ("class_teacher", 200),
        ("teacher_of_school", 404),  # another teacher's class
        ("teacher_elsewhere", 404),
        ("self", 403),
        ("employer", 403),
        ("district_staff", 200),
        ("other_district_staff", 404),
        ("county_staff", 200),
    ],
)
def test_who_sees_a_class_log(client, login_as, world, who, expected):
    user = _viewer(world, who)
    if user:
        login_as(user)
    assert client.get(f"/logs/classes/{world.section.id}").status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 302),
        ("class_teacher", 200),
        ("teacher_of_school", 200),
        ("teacher_elsewhere", 404),
        ("self", 403),
        ("employer", 403),
        ("district_staff", 200),
        ("other_district_staff", 404),
        ("county_staff", 200),
    ],
)
def test_who_sees_a_school_log(client, login_as, world, who, expected):
    user = _viewer(world, who)
    if user:
        login_as(user)
    assert client.get(f"/logs/schools/{world.school.id}").status_code == expected
    assert client.get(f"/logs/schools/{world.school.id}?format=csv").status_code == expected


def test_the_index_lists_the_teachers_classes_and_school(client, login_as, world):
    login_as(world.teacher)
    html = client.get("/logs/").get_data(as_text=True)
    assert f"/logs/classes/{world.section.id}" in html
    assert f"/logs/schools/{world.school.id}" in html
    assert "/logs/report" not in html


def test_the_index_lists_the_district_schools_for_its_staff(client, login_as, world):
    elsewhere = make_school()
    login_as(make_user(roles={Role.STAFF}, district=world.district))
    html = client.get("/logs/").get_data(as_text=True)
    assert f"/logs/schools/{world.school.id}" in html
    assert f"/logs/schools/{elsewhere.id}" not in html
    assert "/logs/report" in html


def test_a_school_log_takes_a_fixed_number_of_queries(client, login_as, world, count_queries):
    login_as(world.teacher)
    url = f"/logs/schools/{world.school.id}"
    client.get(url)  # warm up
    with count_queries() as few:
        client.get(url)
    today = local_today()
    for n in range(5):
        student = make_student(school=world.school)
        placement = make_placement(student, partner=world.clinic, start=today - timedelta(days=9))
        make_entry(placement, today - timedelta(days=n + 1), 60)
        attend(world.event, student)
    db.session.flush()
    with count_queries() as many:
        html = client.get(url).get_data(as_text=True)
    assert html.count("/logs/students/") == 8
    assert many.count == few.count


def _more_students(world: World, count: int) -> list[StudentProfile]:
    """``count`` more students of the school ("Zed 00", ...), each with an hour of
    confirmed placement time per number in their name."""
    today = local_today()
    students = []
    for n in range(count):
        student = _named(f"Zed {n:02d}", world.school)
        placement = make_placement(student, partner=world.clinic, start=today - timedelta(days=9))
        make_entry(placement, today - timedelta(days=1), 60 * (n + 1))
        students.append(student)
    db.session.flush()
    return students


def test_a_school_log_page_has_totals_over_every_page(world):
    _more_students(world, 4)  # 7 students: Ana, Ben, Cleo, Zed 00..03
    first = logs.group_log(logs.school_students(world.school), logs.GroupFilters(), per_page=3)
    assert [r.name for r in first.rows] == ["Ana Lee", "Ben Ortiz", "Cleo Park"]
    assert (first.count, first.page.pages) == (7, 3)
    assert first.total.confirmed == 210 + 60 * (1 + 2 + 3 + 4)
    assert (first.total.pending, first.total.placements) == (90, 7)
    assert first.total.events_attended == 1
    last = logs.group_log(
        logs.school_students(world.school), logs.GroupFilters(page=99), per_page=3
    )
    assert last.page.page == 3
    assert [r.name for r in last.rows] == ["Zed 03"]
    assert last.total == first.total


@pytest.mark.parametrize(
    ("sort", "names"),
    [
        ("name", ["Ana Lee", "Ben Ortiz", "Cleo Park", "Zed 00", "Zed 01"]),
        ("-name", ["Zed 01", "Zed 00", "Cleo Park", "Ben Ortiz", "Ana Lee"]),
        ("-confirmed", ["Ana Lee", "Zed 01", "Zed 00", "Ben Ortiz", "Cleo Park"]),
        ("confirmed", ["Ben Ortiz", "Cleo Park", "Zed 00", "Zed 01", "Ana Lee"]),
        ("-pending", ["Cleo Park", "Ana Lee", "Ben Ortiz", "Zed 00", "Zed 01"]),
        ("-placements", ["Ana Lee", "Cleo Park", "Zed 00", "Zed 01", "Ben Ortiz"]),
        ("-events", ["Ana Lee", "Ben Ortiz", "Cleo Park", "Zed 00", "Zed 01"]),
        ("nonsense", ["Ana Lee", "Ben Ortiz", "Cleo Park", "Zed 00", "Zed 01"]),
    ],
)
def test_a_school_log_sorts_in_the_database(world, sort, names):
    _more_students(world, 2)
    found = logs.school_log(world.school, logs.GroupFilters.parse(None, sort))
    assert [r.name for r in found.rows] == names


def test_a_school_log_sorts_by_grade_then_name(world):
    world.ben.grade, world.cleo.grade = 9, 12
    db.session.flush()
    found = logs.school_log(world.school, logs.GroupFilters.parse(None, "grade"))
    assert [r.name for r in found.rows] == ["Ben Ortiz", "Ana Lee", "Cleo Park"]
    found = logs.school_log(world.school, logs.GroupFilters.parse(None, "-grade"))
    assert [r.name for r in found.rows] == ["Cleo Park", "Ana Lee", "Ben Ortiz"]


def test_a_name_search_narrows_the_rows_and_the_totals(world):
    _more_students(world, 3)
    found = logs.school_log(world.school, logs.GroupFilters.parse("  zED 0", None))
    assert [r.name for r in found.rows] == ["Zed 00", "Zed 01", "Zed 02"]
    assert (found.count, found.total.confirmed, found.total.pending) == (3, 360, 0)
    nobody = logs.school_log(world.school, logs.GroupFilters.parse("100%_", None))
    assert (nobody.rows, nobody.count, nobody.total.confirmed) == ([], 0, 0)


def test_the_school_page_pages_sorts_and_searches(client, login_as, world, monkeypatch):
    monkeypatch.setattr(logs, "GROUP_PER_PAGE", 2)
    _more_students(world, 2)
    login_as(world.teacher)
    url = f"/logs/schools/{world.school.id}"
    html = client.get(url).get_data(as_text=True)
    assert "Students (5)" in html
    assert html.count("/logs/students/") == 2
    assert "(all 5)" in html
    assert f'href="{url}?page=2&amp;sort=name"' in html
    html = client.get(f"{url}?sort=-confirmed&page=2").get_data(as_text=True)
    assert re.findall(r'">([^<]+)</a></th>', html) == ["Zed 00", "Ben Ortiz"]
    assert 'aria-sort="descending"' in html
    html = client.get(f"{url}?q=zed").get_data(as_text=True)
    assert "Students (2 matching “zed”)" in html
    assert "Ana Lee" not in html


def test_the_school_csv_has_every_page_in_the_page_order(client, login_as, world, monkeypatch):
    monkeypatch.setattr(logs, "GROUP_PER_PAGE", 2)
    _more_students(world, 2)
    login_as(world.teacher)
    rows = read_csv(client.get(f"/logs/schools/{world.school.id}?format=csv&sort=-confirmed"))
    assert [r[0] for r in rows[1:]] == [
        "Ana Lee",
        "Zed 01",
        "Zed 00",
        "Ben Ortiz",
        "Cleo Park",
        "Total",
    ]
    assert rows[-1][4] == "6.5"
    rows = read_csv(client.get(f"/logs/schools/{world.school.id}?format=csv&q=zed"))
    assert [r[0] for r in rows[1:]] == ["Zed 00", "Zed 01", "Total"]
    assert rows[-1][4] == "3"


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=-3",
        "page=0",
        "page=99",
        f"page={10**30}",
        "sort=",
        "sort=-",
        "sort=--name",
        "sort=grade;drop",
        "q=" + "x" * 5000,
        "q=%25%00%27",
        "q=&sort=-confirmed&page=2",
        "format=csv&sort=bogus&page=abc",
    ],
)
def test_odd_school_log_input_is_never_an_error(client, login_as, world, query):
    login_as(world.teacher)
    response = client.get(f"/logs/schools/{world.school.id}?{query}")
    assert response.status_code == 200
    response = client.get(f"/logs/classes/{world.section.id}?{query}")
    assert response.status_code == 200


def test_a_school_log_page_takes_a_fixed_number_of_queries_in_every_order(
    client, login_as, world, count_queries, monkeypatch
):
    """Sorted by name the page is chosen before its figures are added up; sorted by a figure
    every student's are: either way two statements for the list, however many students."""
    monkeypatch.setattr(logs, "GROUP_PER_PAGE", 3)
    login_as(world.teacher)
    url = f"/logs/schools/{world.school.id}"
    counts = {}
    for sort in ("name", "-confirmed"):
        client.get(f"{url}?sort={sort}")
        with count_queries() as few:
            client.get(f"{url}?sort={sort}")
        counts[sort] = few.count
    _more_students(world, 6)
    for sort in ("name", "-confirmed"):
        with count_queries() as many:
            html = client.get(f"{url}?sort={sort}&page=2").get_data(as_text=True)
        assert html.count("/logs/students/") == 3
        assert many.count == counts[sort]


def test_a_student_log_takes_a_fixed_number_of_queries(client, login_as, world, count_queries):
    login_as(world.ana.user)
    url = f"/logs/students/{world.ana.id}"
    client.get(url)
    with count_queries() as few:
        client.get(url)
    today = local_today()
    for n in range(4):
        placement = make_placement(world.ana, start=today - timedelta(days=9))
        make_entry(placement, today - timedelta(days=n + 1), 60)
        event = make_event_request(
            teacher=world.teacher,
            section=world.section,
            status=EventRequestStatus.ACCEPTED,
            days=(-n - 2,),
            chosen=1,
        )
        attend(event, world.ana)
    db.session.flush()
    with count_queries() as many:
        client.get(url)
    assert many.count == few.count


# --- the staff report ------------------------------------------------------------------------


def _report(actor: User, start=None, end=None, world: World | None = None) -> logs.HoursReport:
    kind_names = {k.value: k.value for k in ExperienceKind}
    return logs.hours_report(actor, logs.DateRange(start, end), kind_names)


def _by_name(table: logs.HoursTable) -> dict[str, tuple[int, int, int]]:
    return {r.name: (r.confirmed, r.pending, r.event_minutes) for r in table.rows}


def test_the_report_groups_hours_by_partner_school_and_type(world):
    report = _report(make_user(roles={Role.STAFF}))
    partners = _by_name(report.by_partner)
    assert partners["Sunrise Veterinary Clinic"] == (120, 90, 60)
    assert partners["Redwood Garage"] == (90, 0, 0)
    assert _by_name(report.by_school)["Elsie Allen High"] == (210, 90, 60)
    kinds = _by_name(report.by_kind)
    assert kinds["job_shadow"] == (120, 90, 0)
    assert kinds["internship"] == (90, 0, 0)
    assert kinds["guest_speaker"] == (0, 0, 60)


def test_district_staff_see_their_district_only(world):
    other_school = make_school(district=make_district(), name="Far Away High")
    stranger = make_student(school=other_school)
    placement = make_placement(stranger, start=local_today() - timedelta(days=30))
    make_entry(placement, local_today() - timedelta(days=1), 60)
    county = _report(make_user(roles={Role.STAFF}))
    assert "Far Away High" in _by_name(county.by_school)
    assert placement.id not in {s.placement_id for s in county.stale}
    district = _report(make_user(roles={Role.STAFF}, district=world.district))
    assert set(_by_name(district.by_school)) == {"Elsie Allen High"}
    make_placement(stranger, start=local_today() - timedelta(days=30))
    district = _report(make_user(roles={Role.STAFF}, district=world.district))
    assert {s.student_id for s in district.stale} <= {
        world.ana.id,
        world.ben.id,
        world.cleo.id,
    }


def test_the_date_range_filters_by_the_day_worked(world):
    today = local_today()
    report = _report(
        make_user(roles={Role.STAFF}), today - timedelta(days=4), today - timedelta(days=3)
    )
    assert _by_name(report.by_school)["Elsie Allen High"] == (0, 90, 0)
    assert report.by_school.total.pending == 90


def test_a_range_ending_before_it_starts_is_refused(world):
    today = local_today()
    with pytest.raises(DomainError, match="before the start") as error:
        _report(make_user(roles={Role.STAFF}), today, today - timedelta(days=1))
    assert error.value.field == "end"


def test_placements_with_no_hours_for_14_days_are_flagged(world):
    today = local_today()
    quiet = make_placement(world.ben, start=today - timedelta(days=30))
    make_entry(quiet, today - timedelta(days=14), 60)  # exactly 14 days ago: too long
    new = make_placement(world.ben, start=today - timedelta(days=13))  # too recent to tell
    never = make_placement(world.cleo, start=today - timedelta(days=14))
    ended = make_placement(
        world.cleo, start=today - timedelta(days=40), status=PlacementStatus.COMPLETED
    )
    withdrawn_only = make_placement(world.ben, start=today - timedelta(days=20))
    make_entry(withdrawn_only, today - timedelta(days=1), 60, EntryStatus.DELETED)
    rejected_recent = make_placement(world.ben, start=today - timedelta(days=20))
    make_entry(rejected_recent, today - timedelta(days=1), 60, EntryStatus.REJECTED)
    stale = {s.placement_id: s for s in _report(make_user(roles={Role.STAFF})).stale}
    assert quiet.id in stale
    assert stale[quiet.id].last_entry == today - timedelta(days=14)
    assert never.id in stale
    assert stale[never.id].last_entry is None
    assert withdrawn_only.id in stale
    for fine in (new, ended, rejected_recent, world.shadow):
        assert fine.id not in stale


def test_the_report_page_flags_and_filters(client, login_as, world):
    quiet = make_placement(world.ben, start=local_today() - timedelta(days=30))
    login_as(make_user(roles={Role.STAFF}, district=world.district))
    html = client.get("/logs/report").get_data(as_text=True)
    assert "By partner" in html
    assert "Sunrise Veterinary Clinic" in html
    assert "No hours for 14 days" in html
    assert f"/hours/placements/{quiet.id}" in html
    start = local_today().isoformat()
    end = (local_today() - timedelta(days=1)).isoformat()
    response = client.get(f"/logs/report?start={start}&end={end}")
    assert response.status_code == 422
    assert "The end date is before the start date." in response.get_data(as_text=True)
    response = client.get("/logs/report?start=not-a-date")
    assert response.status_code == 422


def test_the_report_page_takes_a_fixed_number_of_queries(client, login_as, world, count_queries):
    """The flagged placements come with their student, school, offering and partner in one
    query, however many there are."""
    today = local_today()
    make_placement(world.ben, start=today - timedelta(days=30))
    login_as(make_user(roles={Role.STAFF}, district=world.district))
    client.get("/logs/report")  # warm up
    with count_queries() as one:
        client.get("/logs/report")
    for n in range(4):
        student = make_student(school=world.school)
        quiet = make_placement(student, start=today - timedelta(days=30 + n))
        make_entry(quiet, today - timedelta(days=20), 60)
        make_entry(make_placement(student, start=today - timedelta(days=9)), today, 30)
    db.session.flush()
    with count_queries() as five:
        html = client.get("/logs/report").get_data(as_text=True)
    assert html.count("No hours for 14 days</span>") == 5
    assert five.count == one.count


def test_the_report_csv(client, login_as, world):
    login_as(make_user(roles={Role.STAFF}))
    rows = read_csv(client.get("/logs/report?format=csv"))
    assert rows[0] == [
        "Grouped by",
        "Name",
        "Confirmed hours",
        "Pending hours",
        "Class-event hours",
    ]
    assert ["School", "Elsie Allen High", "3.5", "1.5", "1"] in rows
    assert ["Partner", "Redwood Garage", "1.5", "0", "0"] in rows


def test_the_report_pages_partners_and_flagged_placements(client, login_as, world, monkeypatch):
    """A page of partners and a page of flagged placements, each with its own page number;
    the partners' Total is over every partner, and the CSV has them all."""
    monkeypatch.setattr(logs, "REPORT_PER_PAGE", 1)
    today = local_today()
    quiet = [make_placement(world.ben, start=today - timedelta(days=30 + n)) for n in range(2)]
    login_as(make_user(roles={Role.STAFF}, district=world.district))
    report = _report(make_user(roles={Role.STAFF}, district=world.district))
    assert [r.name for r in report.by_partner.rows] == ["Redwood Garage"]
    assert report.by_partner.page.total == 2
    totals = report.by_partner.total
    assert (totals.confirmed, totals.pending, totals.event_minutes) == (210, 90, 60)
    assert report.stale_page.total == 2
    html = client.get("/logs/report?partners_page=2&stale_page=2").get_data(as_text=True)
    assert "Sunrise Veterinary Clinic" in html
    assert "Redwood Garage" not in html
    assert "(all 2)" in html
    flagged = [q.id for q in quiet if f"/hours/placements/{q.id}" in html]
    assert len(flagged) == 1
    assert "/logs/report?partners_page=1&amp;stale_page=2" in html
    assert "/logs/report?stale_page=1&amp;partners_page=2" in html
    assert 'aria-label="Pages of by partner"' in html
    rows = read_csv(client.get("/logs/report?format=csv&partners_page=2"))
    assert [r[1] for r in rows if r[0] == "Partner"] == [
        "Redwood Garage",
        "Sunrise Veterinary Clinic",
        "Total",
    ]


@pytest.mark.parametrize(
    "query",
    [
        "partners_page=abc",
        "partners_page=-1",
        f"partners_page={10**30}",
        "stale_page=0",
        "stale_page=99",
        f"stale_page={10**30}&partners_page=x",
        "format=csv&partners_page=abc",
        "start=2026-01-01&end=2026-12-31&stale_page=2",
    ],
)
def test_odd_report_page_numbers_are_never_an_error(client, login_as, world, query):
    login_as(make_user(roles={Role.STAFF}))
    assert client.get(f"/logs/report?{query}").status_code == 200


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 302),
        ("self", 403),
        ("class_teacher", 403),
        ("employer", 403),
        ("district_staff", 200),
        ("county_staff", 200),
        ("admin", 200),
    ],
)
def test_who_sees_the_report(client, login_as, world, who, expected):
    user = _viewer(world, who)
    if user:
        login_as(user)
    assert client.get("/logs/report").status_code == expected
