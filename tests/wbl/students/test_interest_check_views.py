"""The interest check's pages: reachable from the profile, students only, nothing saved until
the student confirms, and bad or stale input explained."""

from __future__ import annotations

import html
import re

import pytest

from tests.conftest import csrf_from
from tests.support.builders import make_student, make_user, pathway
from wbl.access import Role
from wbl.extensions import db
from wbl.students.interest_check import statements

CHECK = "/profile/interest-check"
CONFIRM = "/profile/interest-check/confirm"
CARE, SAFETY = "care_for_people", "safety_and_fairness"


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _state(student) -> tuple[list[str], str]:
    db.session.expire(student)
    return sorted(p.code for p in student.pathways), student.interests


def test_the_profile_page_links_to_the_interest_check(client, login_as) -> None:
    login_as(make_student().user)
    body = _text(client.get("/profile"))
    links = re.findall(r'<a [^>]*href="([^"]+)"[^>]*>([^<]+)</a>', body)
    assert (CHECK, "Not sure what to write? Take the interest check") in links


def test_the_check_lists_every_statement_as_a_labelled_checkbox(client, login_as) -> None:
    login_as(make_student().user)
    response = client.get(CHECK)
    assert response.status_code == 200
    body = _text(response)
    assert '<legend class="form-label fs-6 mb-1">Which of these would you enjoy?' in body
    for statement in statements():
        box = re.search(rf'<input [^>]*id="([^"]+)"[^>]*value="{statement.id}"', body)
        assert box is not None, statement.id
        label = f'<label class="form-check-label" for="{box.group(1)}">{statement.text}</label>'
        assert label in body


def test_the_result_suggests_and_saves_nothing(client, login_as, post_form) -> None:
    student = make_student(pathways=[pathway("agriculture.animal_science")])
    before = _state(student)
    login_as(student.user)
    response = post_form(CHECK, {"statements": [SAFETY, CARE]})
    assert response.status_code == 200
    body = _text(response)
    assert "What your answers suggest" in body
    emergency = pathway("public_services.emergency_response")
    assert "Emergency Response · Public Services · 2 of your answers point here" in body
    assert "Patient Care · Health Science and Medical Technology</label>" in body
    # The best two are ticked: the profile has room for two more pathways.
    ticked = re.findall(r'<input checked [^>]*name="pathway_ids"[^>]*value="(\d+)"', body)
    assert ticked == [str(emergency.id), str(pathway("health.patient_care").id)]
    assert re.search(r'<input checked [^>]*name="words"[^>]*value="first aid"', body)
    assert f'name="statements" type="hidden" value="{CARE} {SAFETY}"' in body
    assert _state(student) == before


def test_ticking_nothing_is_explained(client, login_as, post_form) -> None:
    login_as(make_student().user)
    response = post_form(CHECK, {})
    assert response.status_code == 200
    body = _text(response)
    assert "Tick at least one statement that sounds like you" in body
    assert 'aria-describedby="statements-help statements-error"' in body


def test_a_stale_statement_asks_to_take_the_check_again(client, login_as, post_form) -> None:
    login_as(make_student().user)
    response = post_form(CHECK, {"statements": [CARE, "gone_statement"]})
    assert response.status_code == 200
    assert "The interest check has changed since you opened it." in _text(response)


def test_confirming_updates_the_profile_and_shows_it(client, login_as, post_form) -> None:
    student = make_student(pathways=[pathway("agriculture.animal_science")])
    student.interests = "Horses"
    login_as(student.user)
    response = post_form(
        CONFIRM,
        {
            "statements": f"{CARE} {SAFETY}",
            "pathway_ids": [pathway("public_services.emergency_response").id],
            "words": ["first aid", "law"],
        },
        page=CHECK,
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/profile"
    assert _state(student) == (
        ["agriculture.animal_science", "public_services.emergency_response"],
        "Horses\nfirst aid, law",
    )
    body = _text(client.get("/profile"))
    assert (
        "Added to your profile: the pathway Emergency Response and the words “first aid, law”."
        in body
    )
    assert "Horses\nfirst aid, law</textarea>" in body


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"pathway_ids": ["abc"]}, "Invalid choice(s)"),
        ({"pathway_ids": [str(2**63)]}, "Invalid choice(s)"),
        ({"pathway_ids": ["ict.networking"]}, "Invalid choice(s)"),
        ({"words": ["law"]}, "Choose words from the suggestions."),
        ({"words": ["first aid", "x" * 5000]}, "Choose words from the suggestions."),
        ({}, "Nothing was ticked, so nothing was added."),
    ],
)
def test_bad_confirmations_are_explained_and_change_nothing(
    client, login_as, post_form, data, problem
) -> None:
    student = make_student(pathways=[])
    before = _state(student)
    login_as(student.user)
    response = post_form(CONFIRM, {"statements": CARE, **data}, page=CHECK)
    assert response.status_code == 200
    body = _text(response)
    assert problem in body
    assert "What your answers suggest" in body  # the suggestions again, to choose from
    assert _state(student) == before


def test_a_pathway_that_was_not_suggested_is_refused(client, login_as, post_form) -> None:
    student = make_student(pathways=[])
    login_as(student.user)
    networking = pathway("ict.networking").id
    response = post_form(CONFIRM, {"statements": CARE, "pathway_ids": [networking]}, page=CHECK)
    assert "Choose pathways from the suggestions." in _text(response)
    assert _state(student)[0] == []


def test_too_many_pathways_are_refused_on_the_result_page(client, login_as, post_form) -> None:
    student = make_student(
        pathways=[pathway("agriculture.animal_science"), pathway("ict.networking")]
    )
    login_as(student.user)
    two = [pathway("health.patient_care").id, pathway("public_services.emergency_response").id]
    response = post_form(CONFIRM, {"statements": CARE, "pathway_ids": two}, page=CHECK)
    assert "Your profile has room for 1 more pathway" in _text(response)
    assert len(_state(student)[0]) == 2


@pytest.mark.parametrize("statements_sent", ["", "gone_statement", f"{CARE} gone"])
def test_a_confirmation_without_its_statements_goes_back_to_the_check(
    client, login_as, post_form, statements_sent
) -> None:
    student = make_student(pathways=[])
    before = _state(student)
    login_as(student.user)
    response = post_form(
        CONFIRM,
        {"statements": statements_sent, "words": ["first aid"]},
        page=CHECK,
        follow_redirects=True,
    )
    assert response.request.path == CHECK
    body = _text(response)
    assert "Which of these would you enjoy?" in body
    assert ("Tick at least one statement" in body) or ("has changed since you opened it" in body)
    assert _state(student) == before


def test_a_confirmation_without_a_csrf_token_is_refused(client, login_as) -> None:
    student = make_student(pathways=[])
    before = _state(student)
    login_as(student.user)
    response = client.post(CONFIRM, data={"statements": CARE, "words": ["first aid"]})
    assert response.status_code == 400
    assert _state(student) == before


def test_the_result_page_says_when_the_profile_has_no_room(client, login_as, post_form) -> None:
    student = make_student(
        pathways=[
            pathway("agriculture.animal_science"),
            pathway("ict.networking"),
            pathway("education.education"),
        ]
    )
    login_as(student.user)
    body = _text(post_form(CHECK, {"statements": [CARE]}))
    assert "Your profile already has 3 pathways, the most it can have." in body
    assert not re.search(r'<input checked [^>]*name="pathway_ids"', body)


@pytest.mark.parametrize("role", [Role.TEACHER, Role.EMPLOYER, Role.STAFF, Role.ADMIN])
def test_only_students_take_the_interest_check(client, login_as, role) -> None:
    login_as(make_user(roles={role}))
    assert client.get(CHECK).status_code == 403
    token = csrf_from(client.get("/home", follow_redirects=True).get_data(as_text=True))
    assert client.post(CHECK, data={"csrf_token": token}).status_code == 403
    assert client.post(CONFIRM, data={"csrf_token": token}).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client) -> None:
    token = csrf_from(client.get("/login").get_data(as_text=True))
    for response in (
        client.get(CHECK),
        client.post(CHECK, data={"csrf_token": token}),
        client.post(CONFIRM, data={"csrf_token": token}),
    ):
        assert response.status_code == 302
        assert "/login?next=" in response.headers["Location"]


def test_a_student_without_a_profile_is_told_to_ask_their_teacher(client, login_as) -> None:
    login_as(make_user(roles={Role.STUDENT}))
    response = client.get(CHECK)
    assert response.status_code == 404
    assert "Ask your teacher" in _text(response)


def test_the_result_page_costs_the_same_queries_for_one_answer_or_all(
    client, login_as, count_queries
) -> None:
    """Pathways and their sectors are loaded up front: no query per suggestion."""
    login_as(make_student(pathways=[pathway("agriculture.animal_science")]).user)
    token = csrf_from(client.get(CHECK).get_data(as_text=True))
    with count_queries() as one:
        client.post(CHECK, data={"csrf_token": token, "statements": [CARE]})
    with count_queries() as every:
        response = client.post(
            CHECK, data={"csrf_token": token, "statements": [s.id for s in statements()]}
        )
    assert response.status_code == 200
    assert "What your answers suggest" in _text(response)
    assert one.count == every.count
    assert every.count <= 7, every.statements  # measured: 7 (sign-in, profile, suggestions)
