"""Readiness: preparatory activities recorded per student by teachers and staff; offerings
that ask for them stay out of reach (and out of the recommendations) until they are done."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.support.builders import (
    make_district,
    make_employer,
    make_offering,
    make_school,
    make_student,
    make_user,
)
from tests.support.event_data import make_class_with_students, make_teacher
from wbl.access import Role
from wbl.catalog.adapters import match_students
from wbl.catalog.recommendations import recommendations_for
from wbl.clock import local_today
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import db
from wbl.placements import readiness
from wbl.placements.models import ReadinessRecord
from wbl.reference.models import ExperienceKind, PreparatoryActivity
from wbl.students.models import StudentProfile


def activity(code: str) -> PreparatoryActivity:
    found = db.session.scalar(select(PreparatoryActivity).where(PreparatoryActivity.code == code))
    assert found is not None, f"no activity {code}"
    return found


def records() -> int:
    return db.session.scalar(select(func.count(ReadinessRecord.id))) or 0


YESTERDAY = timedelta(days=-1)


# --- Services: scope ----------------------------------------------------------------------


def test_teacher_records_an_activity_for_a_student_of_their_school() -> None:
    teacher = make_teacher()
    student = make_student(school=teacher.school)
    day = local_today() + YESTERDAY
    record = readiness.record_activity(teacher, student.id, activity("resume_workshop").id, day)
    assert (record.student_id, record.completed_on, record.recorded_by_id) == (
        student.id,
        day,
        teacher.id,
    )
    page = readiness.student_readiness(teacher, student.id)
    done = {s.activity.code: s.record for s in page.activities}
    assert done["resume_workshop"] is not None
    assert done["mock_interview"] is None


@pytest.mark.parametrize(
    "who", ["teacher_elsewhere", "district_staff_elsewhere", "student", "employer"]
)
def test_students_out_of_scope_are_not_found_or_forbidden(who: str) -> None:
    student = make_student()
    actor = {
        "teacher_elsewhere": lambda: make_teacher(),
        "district_staff_elsewhere": lambda: make_user(roles={Role.STAFF}, district=make_district()),
        "student": lambda: student.user,
        "employer": lambda: make_employer(),
    }[who]()
    expected = NotFound if who.endswith("elsewhere") else Forbidden
    with pytest.raises(expected):
        readiness.record_activity(actor, student.id, activity("mock_interview").id, local_today())
    with pytest.raises(expected):
        readiness.student_readiness(actor, student.id)
    assert records() == 0


def test_district_staff_record_in_their_district_and_county_staff_anywhere() -> None:
    district = make_district()
    student = make_student(school=make_school(district=district))
    district_staff = make_user(roles={Role.STAFF}, district=district)
    county_staff = make_user(roles={Role.STAFF})
    readiness.record_activity(
        district_staff, student.id, activity("mock_interview").id, local_today()
    )
    readiness.record_activity(
        county_staff, student.id, activity("resume_workshop").id, local_today()
    )
    assert readiness.readiness_of([student.id]) == {
        student.id: {activity("mock_interview").id, activity("resume_workshop").id}
    }


def test_a_future_date_is_refused() -> None:
    teacher = make_teacher()
    student = make_student(school=teacher.school)
    with pytest.raises(DomainError) as caught:
        readiness.record_activity(
            teacher, student.id, activity("mock_interview").id, local_today() + timedelta(days=1)
        )
    assert caught.value.field == "completed_on"
    assert "future" in caught.value.message
    assert records() == 0


def test_a_second_record_of_the_same_activity_is_refused_with_a_clear_message() -> None:
    teacher = make_teacher()
    student = make_student(school=teacher.school)
    first = readiness.record_activity(
        teacher, student.id, activity("mock_interview").id, local_today()
    )
    with pytest.raises(readiness.AlreadyRecorded) as caught:
        readiness.record_activity(
            teacher, student.id, activity("mock_interview").id, local_today() + YESTERDAY
        )
    assert caught.value.field == "activity_id"
    assert "Mock interview is already recorded for" in caught.value.message
    assert student.user.full_name in caught.value.message
    assert records() == 1
    assert db.session.get(ReadinessRecord, first.id).completed_on == local_today()


def test_an_inactive_or_unknown_activity_is_refused() -> None:
    teacher = make_teacher()
    student = make_student(school=teacher.school)
    retired = activity("mock_interview")
    retired.active = False
    db.session.flush()
    for activity_id in (retired.id, 999_999):
        with pytest.raises(DomainError) as caught:
            readiness.record_activity(teacher, student.id, activity_id, local_today())
        assert caught.value.field == "activity_id"


def test_remove_a_record_in_scope_only() -> None:
    teacher = make_teacher()
    student = make_student(school=teacher.school)
    record = readiness.record_activity(
        teacher, student.id, activity("mock_interview").id, local_today()
    )
    with pytest.raises(NotFound):
        readiness.remove_record(make_teacher(), record.id)
    removed = readiness.remove_record(teacher, record.id)
    assert removed == readiness.RemovedRecord(student.id, "Mock interview")
    assert records() == 0
    with pytest.raises(NotFound):
        readiness.remove_record(teacher, record.id)


# --- Services: a whole class ----------------------------------------------------------------


def test_teacher_records_for_the_ticked_students_of_their_class() -> None:
    teacher = make_teacher()
    section = make_class_with_students(teacher, n=3)
    a, b, c = section.students
    survey = activity("interest_survey")
    readiness.record_activity(teacher, a.id, survey.id, local_today() + timedelta(days=-30))
    result = readiness.record_for_class(teacher, section.id, survey.id, local_today(), [a.id, b.id])
    assert result == readiness.ClassRecording("Career interest survey", 1, 1)
    done = readiness.readiness_of([a.id, b.id, c.id])
    assert done == {a.id: {survey.id}, b.id: {survey.id}, c.id: set()}
    kept = db.session.scalar(select(ReadinessRecord).where(ReadinessRecord.student_id == a.id))
    assert kept.completed_on == local_today() + timedelta(days=-30)  # its own date is kept
    sheet = readiness.class_sheet(teacher, section.id)
    assert sheet.done[b.id] == {survey.id: local_today()}


def test_class_recording_refuses_bad_input_and_saves_nothing() -> None:
    teacher = make_teacher()
    section = make_class_with_students(teacher, n=2)
    outsider = make_student(school=teacher.school)
    survey = activity("interest_survey").id
    ids = [s.id for s in section.students]
    cases = [
        ([], survey, local_today(), "student_ids"),
        ([*ids, outsider.id], survey, local_today(), "student_ids"),
        (ids, survey, local_today() + timedelta(days=2), "completed_on"),
        (ids, 999_999, local_today(), "activity_id"),
    ]
    for student_ids, activity_id, day, field in cases:
        with pytest.raises(DomainError) as caught:
            readiness.record_for_class(teacher, section.id, activity_id, day, student_ids)
        assert caught.value.field == field
    assert records() == 0


def test_another_teachers_class_is_not_found() -> None:
    owner = make_teacher()
    section = make_class_with_students(owner, n=1)
    colleague = make_teacher(school=owner.school)
    with pytest.raises(NotFound):
        readiness.record_for_class(
            colleague,
            section.id,
            activity("interest_survey").id,
            local_today(),
            [section.students[0].id],
        )
    with pytest.raises(NotFound):
        readiness.class_sheet(colleague, section.id)


# --- Queries: what is missing -----------------------------------------------------------------


def test_missing_prerequisites_and_the_viewer_readiness() -> None:
    teacher = make_teacher()
    student = make_student(school=teacher.school)
    offering = make_offering(kind=ExperienceKind.INTERNSHIP)
    assert readiness.missing_prerequisites(student.id, offering) == []
    assert readiness.readiness_for_viewer(student.user, offering) is None  # asks for nothing
    offering.prerequisites = [activity("mock_interview"), activity("resume_workshop")]
    db.session.flush()
    assert [a.code for a in readiness.missing_prerequisites(student.id, offering)] == [
        "resume_workshop",
        "mock_interview",
    ]
    readiness.record_activity(teacher, student.id, activity("resume_workshop").id, local_today())
    assert [a.code for a in readiness.readiness_for_viewer(student.user, offering)] == [
        "mock_interview"
    ]
    assert readiness.readiness_for_viewer(teacher, offering) is None  # not a student
    readiness.record_activity(teacher, student.id, activity("mock_interview").id, local_today())
    assert readiness.readiness_for_viewer(student.user, offering) == []


def test_readiness_of_many_students_is_one_query(count_queries) -> None:
    teacher = make_teacher()
    section = make_class_with_students(teacher, n=5)
    ids = [s.id for s in section.students]
    readiness.record_for_class(
        teacher, section.id, activity("interest_survey").id, local_today(), ids
    )
    with count_queries() as counter:
        done = readiness.readiness_of(ids)
    assert counter.count == 1
    assert all(done[i] == {activity("interest_survey").id} for i in ids)
    assert readiness.readiness_of([]) == {}


# --- Matching: prerequisites are a hard filter, now fed from the records -------------------


def test_recommendations_include_an_internship_once_its_prerequisites_are_done() -> None:
    teacher = make_teacher()
    student = make_student(school=teacher.school)
    internship = make_offering(kind=ExperienceKind.INTERNSHIP, title="Clinic internship")
    internship.prerequisites = [activity("workplace_safety")]
    db.session.flush()
    today = local_today()
    assert internship.id not in [r.offering.id for r in recommendations_for(student, today)]
    readiness.record_activity(teacher, student.id, activity("workplace_safety").id, today)
    assert internship.id in [r.offering.id for r in recommendations_for(student, today)]


def test_students_who_fit_see_the_records_in_one_more_query(count_queries) -> None:
    teacher = make_teacher()
    section = make_class_with_students(teacher, n=2)
    done, not_done = section.students
    readiness.record_activity(teacher, done.id, activity("mock_interview").id, local_today())
    scope = select(StudentProfile).where(StudentProfile.school_id == teacher.school_id)
    with count_queries() as counter:
        students = {s.id: s for s in match_students(scope)}
    assert counter.count == 3  # profiles, pathways, done activities
    assert students[done.id].completed_prerequisites == frozenset({"mock_interview"})
    assert students[not_done.id].completed_prerequisites == frozenset()


# --- Views ----------------------------------------------------------------------------------


def _as(login_as, who: str, school) -> None:  # type: ignore[no-untyped-def]
    if who == "anonymous":
        return
    login_as(
        {
            "student": lambda: make_student(school=school).user,
            "employer": make_employer,
            "teacher_elsewhere": make_teacher,
            "staff": lambda: make_user(roles={Role.STAFF}),
            "teacher": lambda: make_teacher(school=school),
        }[who]()
    )


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 302),
        ("student", 403),
        ("employer", 403),
        ("teacher_elsewhere", 404),
        ("teacher", 200),
        ("staff", 200),
    ],
)
def test_student_page_access(client, login_as, who: str, expected: int) -> None:
    student = make_student()
    _as(login_as, who, student.school)
    assert client.get(f"/readiness/students/{student.id}").status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 302),
        ("student", 403),
        ("employer", 403),
        ("staff", 403),
        ("teacher_elsewhere", 404),
        ("teacher", 404),  # a colleague at the same school: not their class
        ("owner", 200),
    ],
)
def test_class_sheet_access(client, login_as, who: str, expected: int) -> None:
    owner = make_teacher()
    section = make_class_with_students(owner, n=1)
    if who == "owner":
        login_as(owner)
    else:
        _as(login_as, who, owner.school)
    assert client.get(f"/readiness/classes/{section.id}").status_code == expected


def test_teacher_records_and_removes_on_the_student_page(client, login_as, post_form) -> None:
    teacher = login_as(make_teacher(full_name="Ms Rivera"))
    student = make_student(school=teacher.school)
    url = f"/readiness/students/{student.id}"
    html = client.get(url).get_data(as_text=True)
    assert student.user.full_name in html
    assert html.count("Not yet") == 4
    response = post_form(
        url,
        {"activity_id": activity("mock_interview").id, "completed_on": local_today().isoformat()},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Mock interview is recorded." in html
    assert "Ms Rivera" in html
    assert html.count("Not yet") == 3
    # the same activity again: a message next to the field, nothing saved
    html = post_form(
        url,
        {"activity_id": activity("mock_interview").id, "completed_on": local_today().isoformat()},
    ).get_data(as_text=True)
    assert "Mock interview is already recorded for" in html
    assert 'aria-invalid="true"' in html
    assert records() == 1
    record = db.session.scalar(select(ReadinessRecord))
    response = post_form(f"/readiness/records/{record.id}/remove", {}, page=url)
    assert response.status_code == 302
    assert records() == 0


def test_bad_dates_are_shown_next_to_the_field(client, login_as, post_form) -> None:
    teacher = login_as(make_teacher())
    student = make_student(school=teacher.school)
    url = f"/readiness/students/{student.id}"
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    for day, message in ((tomorrow, "cannot be in the future"), ("", "Enter the day")):
        html = post_form(
            url, {"activity_id": activity("mock_interview").id, "completed_on": day}
        ).get_data(as_text=True)
        assert message in html
    assert records() == 0


def test_removing_needs_the_csrf_token(client, login_as) -> None:
    teacher = login_as(make_teacher())
    student = make_student(school=teacher.school)
    record = readiness.record_activity(
        teacher, student.id, activity("mock_interview").id, local_today()
    )
    assert client.post(f"/readiness/records/{record.id}/remove").status_code == 400
    assert records() == 1


def test_class_sheet_records_for_the_ticked_students(client, login_as, post_form) -> None:
    teacher = login_as(make_teacher())
    section = make_class_with_students(teacher, n=3)
    a, b, c = section.students
    readiness.record_activity(teacher, a.id, activity("interest_survey").id, local_today())
    url = f"/readiness/classes/{section.id}"
    html = client.get(url).get_data(as_text=True)
    assert html.count('<input checked class="form-check-input"') == 3  # all ticked by default
    assert "Done" in html
    response = post_form(
        url,
        {
            "activity_id": activity("interest_survey").id,
            "completed_on": local_today().isoformat(),
            "student_ids": [a.id, b.id],
        },
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Career interest survey: recorded for 1 student. 1 already had it on record." in html
    assert readiness.readiness_of([b.id, c.id]) == {
        b.id: {activity("interest_survey").id},
        c.id: set(),
    }
    html = post_form(
        url,
        {"activity_id": activity("interest_survey").id, "completed_on": local_today().isoformat()},
    ).get_data(as_text=True)
    assert "Tick at least one student." in html


def test_offering_page_tells_a_student_what_is_missing(client, login_as) -> None:
    student = make_student()
    offering = make_offering(kind=ExperienceKind.INTERNSHIP)
    offering.prerequisites = [activity("resume_workshop"), activity("mock_interview")]
    db.session.flush()
    login_as(student.user)
    html = client.get(f"/offerings/{offering.id}").get_data(as_text=True)
    assert "Before you apply:</strong> complete Resume workshop, Mock interview" in html
    assert "(ask your teacher)" in html
    teacher = make_teacher(school=student.school)
    for code in ("resume_workshop", "mock_interview"):
        readiness.record_activity(teacher, student.id, activity(code).id, local_today())
    html = client.get(f"/offerings/{offering.id}").get_data(as_text=True)
    assert "You have done everything this opportunity asks for" in html
    login_as(teacher)
    html = client.get(f"/offerings/{offering.id}").get_data(as_text=True)
    assert "Your preparation" not in html


def test_teacher_roster_and_classes_link_to_readiness(client, login_as) -> None:
    teacher = login_as(make_teacher())
    student = make_student(school=teacher.school)
    section = make_class_with_students(teacher, n=1)
    assert f"/readiness/students/{student.id}" in client.get("/home").get_data(as_text=True)
    assert f"/readiness/classes/{section.id}" in client.get("/classes").get_data(as_text=True)
