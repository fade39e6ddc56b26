"""Teachers keep their classes: own school's students only, another teacher's class is 404."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.support.builders import make_class_section, make_school, make_student, make_user
from tests.support.event_data import make_teacher
from wbl.access import Role
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import db
from wbl.schools import services
from wbl.schools.models import ClassSection
from wbl.schools.services import ClassInput

# --- Services --------------------------------------------------------------------------------


def test_teacher_creates_a_class_of_their_schools_students() -> None:
    teacher = make_teacher()
    a, b = make_student(school=teacher.school), make_student(school=teacher.school)
    section = services.create_class(
        teacher, ClassInput(name=" Animal Science 2 ", period="2", student_ids=frozenset({a.id}))
    )
    assert section.name == "Animal Science 2"
    assert section.school_id == teacher.school_id
    assert section.students == [a]
    services.update_class(
        teacher,
        section.id,
        ClassInput(name="Animal Science 2", period="3", student_ids={a.id, b.id}),
    )
    assert {s.id for s in section.students} == {a.id, b.id}
    assert section.period == "3"
    (row,) = services.own_classes(teacher)
    assert (row.section, row.student_count) == (section, 2)


def test_students_of_another_school_are_refused() -> None:
    teacher = make_teacher()
    outsider = make_student(school=make_school())
    with pytest.raises(DomainError) as caught:
        services.create_class(
            teacher, ClassInput(name="Biology", period="", student_ids=frozenset({outsider.id}))
        )
    assert caught.value.field == "student_ids"
    assert db.session.scalar(select(ClassSection.id)) is None


def test_a_class_needs_a_name() -> None:
    with pytest.raises(DomainError) as caught:
        services.create_class(
            make_teacher(), ClassInput(name=" ", period="", student_ids=frozenset())
        )
    assert caught.value.field == "name"


def test_another_teachers_class_is_not_found() -> None:
    teacher = make_teacher()
    theirs = make_class_section(teacher=make_teacher(school=teacher.school))
    with pytest.raises(NotFound):
        services.own_class(teacher, theirs.id)
    with pytest.raises(NotFound):
        services.update_class(teacher, theirs.id, ClassInput("Mine now", "", frozenset()))


def test_a_teacher_without_a_school_is_told() -> None:
    with pytest.raises(services.NoSchool):
        services.create_class(
            make_user(roles={Role.TEACHER}), ClassInput("Biology", "", frozenset())
        )


def test_only_teachers_keep_classes() -> None:
    with pytest.raises(Forbidden):
        services.own_classes(make_user(roles={Role.STUDENT}))


def test_an_archived_class_leaves_the_list() -> None:
    teacher = make_teacher()
    section = make_class_section(teacher=teacher)
    services.archive_class(teacher, section.id)
    assert services.own_classes(teacher) == []
    assert db.session.get(ClassSection, section.id) is not None


# --- Views -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        (None, 302),
        ({Role.STUDENT}, 403),
        ({Role.EMPLOYER}, 403),
        ({Role.STAFF}, 403),
        ({Role.TEACHER}, 200),
    ],
)
@pytest.mark.parametrize("url", ["/classes", "/classes/new"])
def test_class_pages_by_role(client, login_as, url, roles, expected) -> None:
    if roles:
        login_as(make_teacher() if roles == {Role.TEACHER} else make_user(roles=roles))
    assert client.get(url).status_code == expected


def test_teacher_lists_classes_with_student_counts(client, login_as) -> None:
    teacher = make_teacher()
    students = [make_student(school=teacher.school) for _ in range(3)]
    make_class_section(teacher=teacher, name="Animal Science 2", students=students)
    make_class_section(teacher=make_teacher(school=teacher.school), name="Someone Else's")
    login_as(teacher)
    body = client.get("/classes").get_data(as_text=True)
    assert "Animal Science 2" in body
    assert "<td>3</td>" in body
    assert "Someone Else" not in body


def test_teacher_creates_a_class_through_the_form(client, login_as, post_form) -> None:
    teacher = make_teacher()
    ours = make_student(
        school=teacher.school,
        user=make_user(roles={Role.STUDENT}, school=teacher.school, full_name="Ana Reyes"),
    )
    theirs = make_student(
        user=make_user(roles={Role.STUDENT}, full_name="Elsewhere Student"),
    )
    login_as(teacher)
    page = client.get("/classes/new").get_data(as_text=True)
    assert "Ana Reyes" in page
    assert "Elsewhere Student" not in page
    response = post_form(
        "/classes/new", {"name": "Biology", "period": "4", "student_ids": [ours.id]}
    )
    assert response.status_code == 302
    section = db.session.scalar(select(ClassSection).where(ClassSection.teacher_id == teacher.id))
    assert section is not None
    assert section.students == [ours]
    refused = post_form(
        "/classes/new", {"name": "Sneaky", "student_ids": [theirs.id]}, page="/classes/new"
    )
    assert refused.status_code == 200
    assert "is not a valid choice" in refused.get_data(as_text=True).replace("&#39;", "'")
    missing = post_form("/classes/new", {"name": ""})
    assert "This field is required." in missing.get_data(as_text=True)


def test_teacher_edits_their_class(client, login_as, post_form) -> None:
    teacher = make_teacher()
    a, b = make_student(school=teacher.school), make_student(school=teacher.school)
    section = make_class_section(teacher=teacher, name="Biology", students=[a])
    login_as(teacher)
    url = f"/classes/{section.id}/edit"
    assert "checked" in client.get(url).get_data(as_text=True)
    response = post_form(url, {"name": "Biology 2", "period": "5", "student_ids": [b.id]})
    assert response.status_code == 302
    assert section.name == "Biology 2"
    assert section.students == [b]


def test_another_teachers_class_is_404(client, login_as, post_form) -> None:
    teacher = make_teacher()
    theirs = make_class_section(teacher=make_teacher(school=teacher.school), name="Theirs")
    login_as(teacher)
    assert client.get(f"/classes/{theirs.id}/edit").status_code == 404
    response = post_form(f"/classes/{theirs.id}/archive", {}, page="/classes")
    assert response.status_code == 404
    assert theirs.active


def test_teacher_removes_a_class(client, login_as, post_form) -> None:
    teacher = make_teacher()
    section = make_class_section(teacher=teacher, name="Old Biology")
    login_as(teacher)
    response = post_form(f"/classes/{section.id}/archive", {}, page="/classes")
    assert response.status_code == 302
    assert not section.active
    assert '<td class="ps-3 fw-semibold">Old Biology' not in client.get("/classes").get_data(
        as_text=True
    )


def test_a_teacher_without_a_school_is_sent_back(client, login_as) -> None:
    login_as(make_user(roles={Role.TEACHER}))
    response = client.get("/classes/new", follow_redirects=True)
    assert "not linked to a school" in response.get_data(as_text=True)
