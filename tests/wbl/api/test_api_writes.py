"""/api/v1 writes and the records reads: hour entries, the supervisor's decisions, employers'
proposals, evaluations, credentials and certificates. Each goes through the feature's
service, so what the pages refuse the API refuses: another's object 404, an action that is
not the account's 403, a broken rule 422 on its field (and nothing saved), a token without
the scope 403, a revoked one 401."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from tests.support.api_data import api_get, personal_token
from tests.support.builders import (
    make_class_section,
    make_employer,
    make_partner,
    make_school,
    make_student,
    make_user,
)
from tests.support.certificate_data import issue, make_setting
from tests.support.credential_data import make_credential, make_earned
from tests.support.log_data import days_ago, make_entry, make_placement
from wbl.access import Role
from wbl.api import services
from wbl.api.models import ApiToken
from wbl.catalog.models import Offering, OfferingStatus
from wbl.clock import local_today
from wbl.credentials.models import EarnedStatus
from wbl.evaluations.models import PlacementEvaluation
from wbl.extensions import db
from wbl.hours.models import Channel, EntryStatus, HourEntry, HourEntryEvent
from wbl.placements.models import Placement, PlacementStatus
from wbl.reference.models import ExperienceKind
from wbl.students.models import StudentProfile

PROBLEM = "application/problem+json"


def post(client: FlaskClient, url: str, token: str | None, body: Any = None) -> TestResponse:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(url, headers=headers, json=body)


def field_errors(response: TestResponse, status: int = 422) -> dict[str, list[str]]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    errors: dict[str, list[str]] = body.get("errors", {}).get("json", {})
    return errors


def _placement(student: StudentProfile | None = None, **kwargs: Any) -> Placement:
    today = local_today()
    return make_placement(
        student or make_student(),
        start=days_ago(today, 20),
        end=today + timedelta(days=20),
        **kwargs,
    )


def _entries() -> int:
    return db.session.scalar(select(func.count()).select_from(HourEntry)) or 0


def _hours(day_offset: int = 1, minutes: int = 90, text: str = "Stocked the shelves") -> dict:
    return {
        "work_date": days_ago(local_today(), day_offset).isoformat(),
        "minutes": minutes,
        "description": text,
    }


# --- a student's hours -----------------------------------------------------------------------


def test_a_student_logs_hours_on_their_placement(client: FlaskClient) -> None:
    placement = _placement()
    token = personal_token(placement.student.user, ["hours:write"])
    response = post(client, f"/api/v1/placements/{placement.id}/hours", token, _hours())
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["status"] == "pending"
    assert body["minutes"] == 90
    assert body["placement_id"] == placement.id
    entry = db.session.get_one(HourEntry, body["id"])
    assert (entry.status, entry.description) == (EntryStatus.PENDING, "Stocked the shelves")
    events = db.session.scalars(
        select(HourEntryEvent.action).where(HourEntryEvent.entry_id == entry.id)
    ).all()
    assert events == ["created"]


def test_hours_follow_the_web_forms_rules_and_nothing_is_saved(client: FlaskClient) -> None:
    placement = _placement()
    token = personal_token(placement.student.user, ["hours:write"])
    url = f"/api/v1/placements/{placement.id}/hours"
    before = _entries()
    assert "minutes" in field_errors(post(client, url, token, _hours(minutes=20)))
    assert "minutes" in field_errors(post(client, url, token, _hours(minutes=13 * 60)))
    assert "work_date" in field_errors(post(client, url, token, _hours(day_offset=-1)))
    assert "work_date" in field_errors(post(client, url, token, _hours(day_offset=60)))
    assert "description" in field_errors(post(client, url, token, _hours(text="   ")))
    assert "description" in field_errors(post(client, url, token, _hours(text="a\x00b")))
    missing = field_errors(post(client, url, token, {"minutes": "lots"}))
    assert set(missing) == {"work_date", "minutes", "description"}
    assert _entries() == before
    assert post(client, url, token, _hours(minutes=2 * 60)).status_code == 201
    too_much = field_errors(post(client, url, token, _hours(minutes=11 * 60, text="More")))
    assert "12 hours a day" in too_much["minutes"][0]
    duplicate = field_errors(post(client, url, token, _hours(minutes=2 * 60)))
    assert "description" in duplicate
    assert _entries() == before + 1


def test_hours_of_another_or_without_the_scope_are_refused(client: FlaskClient) -> None:
    placement = _placement()
    other = _placement()
    student = placement.student.user
    token = personal_token(student, ["hours:write"])
    reader = personal_token(student, ["hours:read"])
    employer = make_employer(partner=placement.offering.partner)
    supervisor = personal_token(employer, ["hours:write"])
    ended = _placement(placement.student, status=PlacementStatus.COMPLETED)
    url = f"/api/v1/placements/{placement.id}/hours"
    assert post(client, f"/api/v1/placements/{other.id}/hours", token, _hours()).status_code == 404
    assert post(client, "/api/v1/placements/999999/hours", token, _hours()).status_code == 404
    assert post(client, url, supervisor, _hours()).status_code == 403  # not the student
    refused = post(client, url, reader, _hours())
    assert refused.status_code == 403
    assert "insufficient_scope" in refused.headers["WWW-Authenticate"]
    assert "work_date" in field_errors(
        post(client, f"/api/v1/placements/{ended.id}/hours", token, _hours())
    )
    assert post(client, url, None, _hours()).status_code == 401
    writer = db.session.scalars(
        select(ApiToken).where(ApiToken.scopes == "hours:write", ApiToken.user_id == student.id)
    ).one()
    services.revoke(student, writer.id)
    assert post(client, url, token, _hours()).status_code == 401
    assert _entries() == 0


# --- the supervisor's decision ---------------------------------------------------------------


def test_the_supervisor_confirms_and_rejects_hours(client: FlaskClient) -> None:
    placement = _placement()
    employer = make_employer(partner=placement.offering.partner)
    first, second = (
        make_entry(placement, days_ago(local_today(), d), status=EntryStatus.PENDING)
        for d in (1, 2)
    )
    token = personal_token(employer, ["hours:write"])
    confirmed = post(client, f"/api/v1/hours/{first.id}/confirm", token)
    assert confirmed.status_code == 200, confirmed.get_data(as_text=True)
    assert confirmed.headers["Cache-Control"] == "no-store"
    assert confirmed.get_json()["status"] == "confirmed"
    db.session.expire_all()
    assert db.session.get_one(HourEntry, first.id).decided_via is Channel.API
    again = post(client, f"/api/v1/hours/{first.id}/confirm", token)
    assert field_errors(again) == {}
    assert "already been decided" in again.get_json()["detail"]
    assert "reason" in field_errors(
        post(client, f"/api/v1/hours/{second.id}/reject", token, {"reason": "  "})
    )
    assert "reason" in field_errors(post(client, f"/api/v1/hours/{second.id}/reject", token, {}))
    rejected = post(client, f"/api/v1/hours/{second.id}/reject", token, {"reason": "A holiday."})
    assert rejected.status_code == 200
    assert rejected.get_json()["status"] == "rejected"
    assert rejected.get_json()["reject_reason"] == "A holiday."
    db.session.expire_all()
    assert db.session.get_one(HourEntry, second.id).decided_via is Channel.API


def test_only_the_placements_supervisor_decides(client: FlaskClient) -> None:
    placement = _placement()
    entry = make_entry(placement, days_ago(local_today(), 1), status=EntryStatus.PENDING)
    stranger = personal_token(make_employer(partner=make_partner()), ["hours:write"])
    student = personal_token(placement.student.user, ["hours:write"])
    reader = personal_token(make_employer(partner=placement.offering.partner), ["hours:read"])
    url = f"/api/v1/hours/{entry.id}/confirm"
    assert post(client, url, stranger).status_code == 404
    assert (
        post(client, f"/api/v1/hours/{entry.id}/reject", stranger, {"reason": "x"}).status_code
        == 404
    )
    assert post(client, url, student).status_code == 403
    assert post(client, url, reader).status_code == 403
    assert post(client, "/api/v1/hours/999999/confirm", student).status_code == 404
    db.session.expire_all()
    assert db.session.get_one(HourEntry, entry.id).status is EntryStatus.PENDING


# --- an employer's proposal ------------------------------------------------------------------


def _proposal(partner_id: int, **changes: Any) -> dict[str, Any]:
    return {
        "partner_id": partner_id,
        "kind": ExperienceKind.JOB_SHADOW.value,
        "title": "Shadow a pharmacist",
        "description": "A morning behind the counter.",
        "capacity": 2,
        **changes,
    }


def test_an_employer_proposes_an_offering_for_review(client: FlaskClient) -> None:
    partner = make_partner()
    employer = make_employer(partner=partner)
    token = personal_token(employer, ["offerings:write"])
    response = post(client, "/api/v1/offerings/proposals", token, _proposal(partner.id))
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "pending"
    assert body["partner"]["id"] == partner.id
    offering = db.session.get_one(Offering, body["id"])
    assert (offering.status, offering.proposed_by_id) == (OfferingStatus.PENDING, employer.id)
    student = personal_token(make_student().user, ["catalog:read"])
    assert api_get(client, f"/api/v1/offerings/{offering.id}", student).status_code == 404


def test_a_proposal_breaking_the_forms_rules_saves_nothing(client: FlaskClient) -> None:
    partner = make_partner()
    token = personal_token(make_employer(partner=partner), ["offerings:write"])
    reader = personal_token(make_employer(partner=partner), ["catalog:read"])
    count = db.session.scalar(select(func.count()).select_from(Offering))
    url = "/api/v1/offerings/proposals"
    today = local_today()
    broken = _proposal(
        partner.id,
        capacity=0,
        start_date=(today + timedelta(days=30)).isoformat(),
        end_date=(today + timedelta(days=10)).isoformat(),
    )
    assert {"capacity", "end_date"} <= set(field_errors(post(client, url, token, broken)))
    assert "partner_id" in field_errors(post(client, url, token, _proposal(make_partner().id)))
    assert "kind" in field_errors(post(client, url, token, _proposal(partner.id, kind="party")))
    assert "title" in field_errors(post(client, url, token, _proposal(partner.id, title=" ")))
    assert "pathway_ids" in field_errors(
        post(client, url, token, _proposal(partner.id, pathway_ids=[999999]))
    )
    assert post(client, url, reader, _proposal(partner.id)).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Offering)) == count


# --- evaluations, credentials, certificates --------------------------------------------------


def test_the_evaluation_summary_as_the_page_shows_it(client: FlaskClient) -> None:
    school = make_school()
    student = make_student(school=school)
    placement = _placement(student, status=PlacementStatus.COMPLETED)
    employer = make_employer(partner=placement.offering.partner)
    db.session.add(
        PlacementEvaluation(
            placement_id=placement.id,
            evaluator_id=employer.id,
            ratings=[
                {"code": "attendance", "name": "Attendance", "rating": 4},
                {"code": "teamwork", "name": "Teamwork", "rating": 3},
                {"code": "safety", "name": "Safety", "rating": None},
            ],
            outcome_ratings=[],
            comment="Reliable.",
        )
    )
    teacher = make_user(roles={Role.TEACHER}, school=school)
    make_class_section(teacher=teacher, students=[student])
    url = f"/api/v1/placements/{placement.id}/evaluation"
    for user in (student.user, teacher, employer):
        response = api_get(client, url, personal_token(user, ["evaluations:read"]))
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        assert body["evaluated"] is True
        assert body["average"] == 3.5
        assert body["comment"] == "Reliable."
        assert [r["rating"] for r in body["ratings"]] == [4, 3, None]
    other_employer = personal_token(make_employer(), ["evaluations:read"])
    assert api_get(client, url, other_employer).status_code == 404
    other_student = personal_token(make_student().user, ["evaluations:read"])
    assert api_get(client, url, other_student).status_code == 404
    waiting = _placement(student)
    body = api_get(
        client,
        f"/api/v1/placements/{waiting.id}/evaluation",
        personal_token(student.user, ["evaluations:read"]),
    ).get_json()
    assert (body["evaluated"], body["average"], body["ratings"]) == (False, None, [])


def test_credentials_and_certificates_of_the_students_one_sees(client: FlaskClient) -> None:
    setting = make_setting()
    certificate = issue(setting)
    student = setting.student
    earned = make_earned(student, make_credential())
    mine = personal_token(student.user, ["credentials:read"])
    body = api_get(client, f"/api/v1/students/{student.id}/credentials", mine).get_json()
    assert [(r["id"], r["status"], r["counts"]) for r in body["items"]] == [
        (earned.id, "verified", True)
    ]
    found = api_get(client, f"/api/v1/students/{student.id}/certificates", mine).get_json()
    assert found["eligible"] is True
    [issued] = found["certificates"]
    assert issued["valid"] is True
    assert issued["verify_url"].endswith(f"/verify/{certificate.code}")
    staff = personal_token(setting.staff, ["credentials:read"])
    assert api_get(client, f"/api/v1/students/{student.id}/credentials", staff).status_code == 200
    other = personal_token(make_student().user, ["credentials:read"])
    for what in ("credentials", "certificates"):
        assert api_get(client, f"/api/v1/students/{student.id}/{what}", other).status_code == 404
    assert "credentials:read" not in {s.name for s in services.scopes_for(make_employer())}


def test_a_district_lists_its_students_credentials(client: FlaskClient) -> None:
    school = make_school()
    ours = [make_student(school=school) for _ in range(3)]
    theirs = make_student()
    credential = make_credential()
    counted = [make_earned(student, credential) for student in ours]
    waiting = make_earned(ours[0], make_credential(), status=EarnedStatus.PENDING)
    make_earned(theirs, credential)
    staff = personal_token(
        make_user(roles={Role.STAFF}, district=school.district), ["credentials:read"]
    )
    first = api_get(client, "/api/v1/credentials?limit=2", staff).get_json()
    rest = api_get(
        client, f"/api/v1/credentials?limit=2&cursor={first['next_cursor']}", staff
    ).get_json()
    assert rest["next_cursor"] is None
    listed = [r["id"] for r in first["items"] + rest["items"]]
    assert listed == sorted(r.id for r in [*counted, waiting])
    verified = api_get(client, "/api/v1/credentials?status=verified", staff).get_json()
    assert [r["id"] for r in verified["items"]] == [r.id for r in counted]
    assert all(r["counts"] for r in verified["items"])
    student = personal_token(ours[1].user, ["credentials:read"])
    own = api_get(client, "/api/v1/credentials", student).get_json()
    assert [r["id"] for r in own["items"]] == [counted[1].id]
    wrong = api_get(client, "/api/v1/credentials?status=lost", staff)
    assert wrong.status_code == 422
    assert "status" in wrong.get_json()["errors"]["query"]
