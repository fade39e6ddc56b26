"""Externship pages: every route by role (403) and scope (404), the forms' bad cases, what
employers may see, the CSV exports and the SQL count of the staff views."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_from
from tests.support.builders import make_employer, make_partner, make_school, make_student
from tests.support.externship_data import (
    make_application,
    make_externship,
    make_hour,
    make_ongoing_externship,
    make_placed_team,
    make_staff,
    make_teacher,
)
from tests.support.upload_files import pdf_bytes
from wbl.access import Role
from wbl.clock import local_today
from wbl.extensions import db
from wbl.externships.models import (
    Externship,
    ExternshipApplication,
    ExternshipHour,
    ExternshipHourStatus,
    TeacherApplicationStatus,
)


def _post(client, url: str, data: dict[str, object], page: str, **kwargs: object):
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


@pytest.fixture
def world():
    """An ongoing externship with a placed team (one with pending hours), one applicant."""
    externship = make_ongoing_externship(title="Summer at the winery")
    member, other = make_placed_team(externship=externship)
    hour = make_hour(application=member)
    applicant = make_application(externship=externship)
    contact = make_employer(partner=externship.partner)
    return {
        "externship": externship,
        "member": member,
        "other": other,
        "hour": hour,
        "applicant": applicant,
        "contact": contact,
    }


def _send(client, url: str, endpoint: str, signed_in: bool):
    """GET a page, or POST to a button's URL with a valid CSRF token (so the policy, not the
    CSRF check, answers)."""
    if endpoint not in POSTS:
        return client.get(url)
    token = csrf_from(client.get("/home" if signed_in else "/login").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token})


def _urls(w: dict) -> dict[str, str]:
    e, m, h = w["externship"].id, w["member"].id, w["hour"].id
    return {
        "index": "/externships/",
        "new": "/externships/new",
        "detail": f"/externships/{e}",
        "edit": f"/externships/{e}/edit",
        "placement": f"/externships/applications/{m}",
        "hour_edit": f"/externships/hours/{h}/edit",
        "project": f"/externships/applications/{m}/project",
        "project_file": f"/externships/applications/{m}/project/file",
        "by_school": "/externships/by-school",
        "by_partner": "/externships/by-partner",
        "apply": f"/externships/{e}/apply",
        "place": f"/externships/{e}/place",
        "withdraw": f"/externships/applications/{w['applicant'].id}/withdraw",
        "decline": f"/externships/applications/{w['applicant'].id}/decline",
        "hour_delete": f"/externships/hours/{h}/delete",
        "hour_confirm": f"/externships/hours/{h}/confirm",
        "hour_reject": f"/externships/hours/{h}/reject",
        "complete": f"/externships/applications/{m}/complete",
        "close": f"/externships/{e}/close",
        "reopen": f"/externships/{e}/reopen",
        "cancel": f"/externships/{e}/cancel",
    }


POSTS = {
    "apply",
    "place",
    "withdraw",
    "decline",
    "hour_delete",
    "hour_confirm",
    "hour_reject",
    "complete",
    "close",
    "reopen",
    "cancel",
}
# endpoint -> roles the policy lets in (everyone else: 403).
ALLOWED = {
    "index": {"teacher", "employer", "staff"},
    "new": {"employer", "staff"},
    "detail": {"teacher", "employer", "staff"},
    "edit": {"employer", "staff"},
    "placement": {"teacher", "employer", "staff"},
    "hour_edit": {"teacher"},
    "project": {"teacher"},
    "project_file": {"teacher", "employer", "staff"},
    "by_school": {"staff"},
    "by_partner": {"staff"},
    "apply": {"teacher"},
    "place": {"staff"},
    "withdraw": {"teacher"},
    "decline": {"staff"},
    "hour_delete": {"teacher"},
    "hour_confirm": {"employer", "staff"},
    "hour_reject": {"employer", "staff"},
    "complete": {"teacher", "staff"},
    "close": {"employer", "staff"},
    "reopen": {"employer", "staff"},
    "cancel": {"employer", "staff"},
}


# Let in, but answered otherwise: no file attached yet; an empty statement; someone else's
# application (out of scope).
SPECIAL = {
    ("project_file", "teacher"): 404,
    ("project_file", "employer"): 404,
    ("project_file", "staff"): 404,
    ("apply", "teacher"): 422,
    ("withdraw", "teacher"): 404,
}


def test_the_matrix_covers_every_route(app) -> None:
    routes = {
        rule.endpoint.split(".", 1)[1]
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("externships.")
    }
    assert routes == set(ALLOWED)


@pytest.mark.parametrize("endpoint", sorted(ALLOWED))
@pytest.mark.parametrize("role", ["anonymous", "student", "teacher", "employer", "staff"])
def test_access_matrix(client, login_as, world, endpoint: str, role: str) -> None:
    """Who the policy lets in: anonymous users go to sign in, other roles get 403. (Users
    let in but outside the object's scope get 404: see the scope tests below.)"""
    users = {
        "student": lambda: make_student().user,
        "teacher": lambda: world["member"].teacher,
        "employer": lambda: world["contact"],
        "staff": make_staff,
    }
    if role != "anonymous":
        login_as(users[role]())
    url = _urls(world)[endpoint]
    response = _send(client, url, endpoint, role != "anonymous")
    if role == "anonymous":
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    elif role in ALLOWED[endpoint]:
        default = 302 if endpoint in POSTS else 200
        assert response.status_code == SPECIAL.get((endpoint, role), default)
    else:
        assert response.status_code == 403


@pytest.mark.parametrize(
    "endpoint",
    [
        "detail",
        "edit",
        "placement",
        "project_file",
        "hour_confirm",
        "hour_reject",
        "close",
        "reopen",
        "cancel",
    ],
)
def test_another_partners_employer_gets_404(client, login_as, world, endpoint: str) -> None:
    login_as(make_employer())
    response = _send(client, _urls(world)[endpoint], endpoint, True)
    assert response.status_code == 404


@pytest.mark.parametrize("endpoint", ["placement", "hour_edit", "project", "project_file"])
def test_another_teacher_gets_404(client, login_as, world, endpoint: str) -> None:
    login_as(make_teacher())
    assert client.get(_urls(world)[endpoint]).status_code == 404


def test_a_teammate_cannot_log_on_anothers_placement(client, login_as, world) -> None:
    login_as(world["other"].teacher)
    assert client.get(_urls(world)["placement"]).status_code == 404


# --- pages and forms -------------------------------------------------------------------------


def test_staff_create_then_edit(client, login_as) -> None:
    partner = make_partner(name="Harbor Labs")
    login_as(make_staff())
    start = local_today() + timedelta(days=60)
    data = {
        "partner_id": partner.id,
        "title": "Marine biology summer",
        "description": "Field work.",
        "starts_on": start.isoformat(),
        "ends_on": (start + timedelta(days=10)).isoformat(),
        "seats": "4",
        "min_team_size": "2",
        "apply_by": (start - timedelta(days=7)).isoformat(),
        "expected_hours": "60",
    }
    response = _post(client, "/externships/new", data, "/externships/new")
    assert response.status_code == 302
    externship = db.session.scalar(select(Externship).where(Externship.title == data["title"]))
    assert externship is not None
    assert externship.partner_id == partner.id
    edit = f"/externships/{externship.id}/edit"
    assert "Marine biology summer" in client.get(edit).get_data(as_text=True)
    response = _post(client, edit, {**data, "seats": "6"}, edit)
    assert response.status_code == 302
    db.session.refresh(externship)
    assert externship.seats == 6


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"seats": "1"}, "at least 2 seats"),
        ({"seats": "3", "min_team_size": "4"}, "at least 4 seats"),
        ({"ends_on": "2000-01-01"}, "end on or after"),
        ({"title": ""}, "Give the externship a title"),
        ({"starts_on": ""}, "Choose the first day"),
        ({"seats": "many"}, "Not a valid integer"),
        ({"seats": "99999999999999999999"}, "at most 100 seats"),
        ({"seats": "101"}, "at most 100 seats"),
        ({"min_team_size": "99999999999999999999"}, "at most 100 teachers"),
    ],
)
def test_bad_externship_forms_say_what_is_wrong(client, login_as, change, message) -> None:
    partner = make_partner()
    login_as(make_staff())
    start = local_today() + timedelta(days=60)
    data = {
        "partner_id": partner.id,
        "title": "A title",
        "starts_on": start.isoformat(),
        "ends_on": (start + timedelta(days=3)).isoformat(),
        "seats": "2",
        "min_team_size": "2",
        **change,
    }
    before = db.session.scalar(select(func.count(Externship.id)))
    response = _post(client, "/externships/new", data, "/externships/new")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Externship.id))) == before


def test_an_employer_without_a_partner_cannot_post(client, login_as) -> None:
    from tests.support.builders import make_user

    login_as(make_user(roles={Role.EMPLOYER}))
    assert client.get("/externships/new").status_code == 403


def test_teacher_browses_applies_and_withdraws(client, login_as) -> None:
    open_one = make_externship(title="Open robotics")
    make_externship(title="Deadline gone", apply_by=local_today() - timedelta(days=1))
    full = make_externship(title="Full house", seats=2)
    make_placed_team(externship=full)
    teacher = login_as(make_teacher())
    body = client.get("/externships/").get_data(as_text=True)
    assert "Open robotics" in body
    assert "Deadline gone" not in body
    assert "Full house" not in body
    page = f"/externships/{open_one.id}"
    response = _post(client, f"{page}/apply", {"statement": ""}, page)
    assert response.status_code == 422
    assert "Say why you want this externship" in response.get_data(as_text=True)
    response = _post(client, f"{page}/apply", {"statement": "I teach robotics."}, page)
    assert response.status_code == 302
    application = db.session.scalar(
        select(ExternshipApplication).where(ExternshipApplication.teacher_id == teacher.id)
    )
    assert application is not None
    body = client.get("/externships/").get_data(as_text=True)
    assert "My applications and placements" in body
    assert "Open robotics" in body
    response = _post(client, f"/externships/applications/{application.id}/withdraw", {}, page)
    assert response.status_code == 302
    assert application.status is TeacherApplicationStatus.WITHDRAWN


def test_staff_place_a_team_from_the_detail_page(client, login_as) -> None:
    externship = make_externship(seats=3, min_team_size=2)
    a, b, c = (make_application(externship=externship) for _ in range(3))
    login_as(make_staff())
    page = f"/externships/{externship.id}"
    body = client.get(page).get_data(as_text=True)
    assert a.statement in body  # staff read the statements
    response = _post(
        client, f"{page}/place", {"application_ids": [a.id]}, page, follow_redirects=True
    )
    assert "at least 2 teachers; you chose 1" in response.get_data(as_text=True)
    response = _post(client, f"{page}/place", {"application_ids": [a.id, b.id, c.id, 999999]}, page)
    assert response.status_code == 404
    response = _post(
        client, f"{page}/place", {"application_ids": [a.id, b.id]}, page, follow_redirects=True
    )
    assert "Placed as a team" in response.get_data(as_text=True)
    assert (a.status, b.status, c.status) == (
        TeacherApplicationStatus.PLACED,
        TeacherApplicationStatus.PLACED,
        TeacherApplicationStatus.APPLIED,
    )


def test_staff_decline_needs_a_note(client, login_as, world) -> None:
    login_as(make_staff())
    urls = _urls(world)
    response = _post(client, urls["decline"], {"note": ""}, urls["detail"], follow_redirects=True)
    assert "Tell the teacher why" in response.get_data(as_text=True)
    assert world["applicant"].status is TeacherApplicationStatus.APPLIED
    _post(client, urls["decline"], {"note": "Next year"}, urls["detail"])
    assert world["applicant"].status is TeacherApplicationStatus.DECLINED


def test_employers_see_names_and_schools_only(client, login_as, world) -> None:
    login_as(world["contact"])
    body = client.get(_urls(world)["detail"]).get_data(as_text=True)
    applicant = world["applicant"]
    assert applicant.teacher.full_name in body
    assert applicant.teacher.school.name in body
    assert applicant.statement not in body
    assert applicant.teacher.email not in body
    assert "Place the chosen teachers" not in body
    assert "Summer at the winery" in client.get("/externships/").get_data(as_text=True)


def test_teacher_logs_edits_and_withdraws_hours(client, login_as, world) -> None:
    member = world["member"]
    login_as(member.teacher)
    urls = _urls(world)
    page = urls["placement"]
    day = (local_today() - timedelta(days=2)).isoformat()
    response = _post(client, page, {"work_date": day, "hours": "1.1", "description": "x"}, page)
    assert response.status_code == 422
    assert "quarter hours" in response.get_data(as_text=True)
    future = (local_today() + timedelta(days=1)).isoformat()
    response = _post(client, page, {"work_date": future, "hours": "1", "description": "x"}, page)
    assert "in the future" in response.get_data(as_text=True)
    response = _post(client, page, {"work_date": day, "hours": "2:30", "description": "Lab"}, page)
    assert response.status_code == 302
    count = select(func.count(ExternshipHour.id)).where(ExternshipHour.application_id == member.id)
    assert db.session.scalar(count) == 2
    hour = world["hour"]
    response = _post(
        client,
        urls["hour_edit"],
        {"work_date": day, "hours": "13", "description": "Long"},
        urls["hour_edit"],
    )
    assert response.status_code == 422
    assert "at most 12 hours" in response.get_data(as_text=True)
    response = _post(
        client,
        urls["hour_edit"],
        {"work_date": day, "hours": "3", "description": "Changed"},
        urls["hour_edit"],
    )
    assert response.status_code == 302
    assert (hour.minutes, hour.description) == (180, "Changed")
    _post(client, urls["hour_delete"], {}, page)
    # Withdrawn hours stay (as students' entries do), marked withdrawn, out of the totals.
    assert db.session.scalar(count) == 2
    assert hour.status is ExternshipHourStatus.WITHDRAWN
    text = client.get(page).get_data(as_text=True)
    assert "Withdrawn" in text
    assert "Changed" in text


def test_the_employer_confirms_and_rejects_and_the_teacher_sees_why(
    client, login_as, world
) -> None:
    urls = _urls(world)
    second = make_hour(application=world["member"], minutes=60)
    login_as(world["contact"])
    body = client.get(urls["placement"]).get_data(as_text=True)
    assert "Confirm" in body
    assert "Log hours" not in body
    _post(client, urls["hour_confirm"], {}, urls["placement"])
    assert world["hour"].status is ExternshipHourStatus.CONFIRMED
    reject = f"/externships/hours/{second.id}/reject"
    response = _post(client, reject, {"reason": ""}, urls["placement"], follow_redirects=True)
    assert "Tell the teacher why" in response.get_data(as_text=True)
    _post(client, reject, {"reason": "Not on the rota that day"}, urls["placement"])
    assert second.status is ExternshipHourStatus.REJECTED
    login_as(world["member"].teacher)
    body = client.get(urls["placement"]).get_data(as_text=True)
    assert "Not on the rota that day" in body


def test_a_teacher_cannot_log_on_a_page_that_is_not_theirs_to_log(client, login_as, world) -> None:
    login_as(make_staff())
    page = _urls(world)["placement"]
    response = _post(
        client, page, {"work_date": "2020-01-01", "hours": "1", "description": "x"}, page
    )
    assert response.status_code == 403


def test_project_upload_bad_file_then_good_and_download(client, login_as, world) -> None:
    urls = _urls(world)
    member = world["member"]
    login_as(member.teacher)
    token = csrf_from(client.get(urls["project"]).get_data(as_text=True))
    response = client.post(
        urls["project"],
        data={
            "csrf_token": token,
            "title": "Fermentation unit",
            "summary": "Students brew yogurt.",
            "file": (io.BytesIO(b"not really a pdf"), "unit.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "whatever its name says" in response.get_data(as_text=True)
    assert member.project_submitted_at is None
    response = client.post(
        urls["project"],
        data={
            "csrf_token": token,
            "title": "Fermentation unit",
            "summary": "Students brew yogurt.",
            "file": (io.BytesIO(pdf_bytes("Unit plan")), "unit plan.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert member.project_file_name == "unit plan.pdf"
    login_as(world["contact"])
    response = client.get(urls["project_file"])
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF-")
    assert "attachment" in response.headers["Content-Disposition"]
    login_as(member.teacher)
    response = _post(client, urls["complete"], {}, urls["placement"])
    assert member.status is TeacherApplicationStatus.COMPLETED


# --- staff views ---------------------------------------------------------------------------


def test_by_school_and_by_partner_show_teams_hours_and_projects(client, login_as, world) -> None:
    world["member"].project_title = "Fermentation unit"
    world["member"].project_submitted_at = world["member"].applied_at
    make_hour(application=world["member"], status=ExternshipHourStatus.CONFIRMED, minutes=90)
    login_as(make_staff())
    body = client.get("/externships/by-school").get_data(as_text=True)
    assert world["member"].teacher.school.name in body
    assert world["member"].teacher.full_name in body
    assert "Fermentation unit" in body
    assert world["applicant"].teacher.full_name not in body  # not placed
    body = client.get("/externships/by-partner").get_data(as_text=True)
    assert world["externship"].partner.name in body
    assert "2 of 4 seats taken" in body
    csv = client.get("/externships/by-school?format=csv")
    assert csv.headers["Content-Type"].startswith("text/csv")
    text = csv.data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("School,Teacher,Partner")
    assert "1.5" in text  # confirmed hours
    assert "Fermentation unit" in text
    assert client.get("/externships/by-partner?format=csv").status_code == 200


def test_the_externship_csv_writes_statuses_as_the_page_shows_them(client, login_as, world) -> None:
    """Issue 14 §6.8: the CSV wrote "placed" where the page says "Placed"."""
    import csv as csv_module
    import io

    login_as(make_staff())
    page = client.get("/externships/by-school").get_data(as_text=True)
    response = client.get("/externships/by-school?format=csv")
    rows = list(csv_module.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    column = rows[0].index("Status")
    statuses = {row[column] for row in rows[1:]}
    assert statuses == {"Placed"}
    assert ">Placed</span>" in page


def test_district_staff_see_their_districts_schools_only(client, login_as) -> None:
    externship = make_externship()
    mine, theirs = make_school(name="Valley High"), make_school(name="Coast High")
    make_placed_team(
        externship=externship,
        teachers=[make_teacher(school=mine), make_teacher(school=theirs)],
    )
    from tests.support.builders import make_user

    login_as(make_user(roles={Role.STAFF}, district=mine.district))
    body = client.get("/externships/by-school").get_data(as_text=True)
    assert "Valley High" in body
    assert "Coast High" not in body


def _team_with_hours(n: int) -> None:
    for _ in range(n):
        externship = make_ongoing_externship()
        for member in make_placed_team(externship=externship):
            make_hour(application=member)
            make_hour(application=member, status=ExternshipHourStatus.CONFIRMED, minutes=60)


@pytest.mark.parametrize("url", ["/externships/by-school", "/externships/by-partner"])
def test_staff_views_run_a_fixed_number_of_queries(client, login_as, count_queries, url) -> None:
    staff = login_as(make_staff())  # held, so the session's identity map keeps it loaded
    _team_with_hours(1)
    client.get(url)
    with count_queries() as one:
        client.get(url)
    _team_with_hours(5)
    with count_queries() as six:
        body = client.get(url).get_data(as_text=True)
    assert body.count("Team ") >= 12
    assert six.count == one.count, (one.statements, six.statements)
    assert one.count <= 6
    assert staff.id
