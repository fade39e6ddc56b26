"""Credential pages: the access matrix, scope (404), forms and their messages, the evidence
download, and SQL counts of the catalog and verification queue."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_from
from tests.support.builders import make_district, make_school, make_student, make_user, sector
from tests.support.credential_data import make_credential, make_earned, make_policy, make_workkeys
from tests.support.upload_files import pdf_bytes
from wbl.access import Role
from wbl.clock import local_today
from wbl.credentials.models import (
    Credential,
    DistrictCredentialPolicy,
    EarnedStatus,
    StudentCredential,
    Subject,
    WorkKeysScore,
    WorkKeysTest,
)
from wbl.extensions import db


def staff(district=None):  # type: ignore[no-untyped-def]
    return make_user(roles={Role.STAFF}, district=district)


# --- access matrix ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 302),
        ("self", 200),
        ("teacher here", 200),
        ("teacher elsewhere", 404),
        ("district staff", 200),
        ("other district staff", 404),
        ("county staff", 200),
        ("other student", 404),
        ("employer", 403),
    ],
)
def test_student_page_access(client, login_as, who: str, expected: int) -> None:
    student = make_student()
    actor = {
        "anonymous": lambda: None,
        "self": lambda: student.user,
        "teacher here": lambda: make_user(roles={Role.TEACHER}, school=student.school),
        "teacher elsewhere": lambda: make_user(roles={Role.TEACHER}, school=make_school()),
        "district staff": lambda: staff(student.school.district),
        "other district staff": lambda: staff(make_district()),
        "county staff": lambda: staff(),
        "other student": lambda: make_student().user,
        "employer": lambda: make_user(roles={Role.EMPLOYER}),
    }[who]()
    if actor:
        login_as(actor)
    row = make_earned(student, make_credential(name="OSHA 10"))
    assert client.get(f"/credentials/students/{student.id}").status_code == expected
    evidence = client.get(f"/credentials/records/{row.id}/evidence")
    assert evidence.status_code == expected
    if expected == 200:
        assert evidence.data.startswith(b"%PDF-")
        assert evidence.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    ("role", "expected"),
    [(None, 302), (Role.STUDENT, 200), (Role.TEACHER, 403), (Role.STAFF, 403)],
)
def test_my_credentials_is_for_students(client, login_as, role, expected) -> None:
    if role is Role.STUDENT:
        login_as(make_student().user)
    elif role:
        login_as(make_user(roles={role}))
    assert client.get("/credentials/mine").status_code == expected


# --- the student's page -----------------------------------------------------------------------


def test_the_student_page_shows_records_scores_and_reasons(client, login_as) -> None:
    student = make_student()
    cna = make_credential(name="Nurse Aide", validity_months=24, points=4)
    make_earned(student, cna, status=EarnedStatus.VERIFIED, earned_on=date(2025, 3, 1))
    make_earned(
        student,
        make_credential(name="Forklift"),
        status=EarnedStatus.REJECTED,
        reject_reason="The scan is unreadable.",
    )
    make_workkeys(student, test=WorkKeysTest.APPLIED_MATH, level=4, tested_on=date(2025, 1, 5))
    make_workkeys(student, test=WorkKeysTest.APPLIED_MATH, level=6, tested_on=date(2025, 4, 5))
    login_as(student.user)
    body = client.get("/credentials/mine").get_data(as_text=True)
    assert "Nurse Aide" in body
    assert "Mar 1, 2027" in body  # expires 24 months after it was earned
    assert "Verified" in body
    assert "The scan is unreadable." in body
    assert "Applied Math (best level)" in body
    assert '<div class="stat-value">6</div>' in body
    assert "Not taken" in body  # the two other tests
    assert "Verify" not in body  # students do not decide


def test_staff_see_decision_buttons_and_enter_a_score(client, login_as, post_form) -> None:
    student = make_student()
    make_earned(student, make_credential(), status=EarnedStatus.PENDING)
    login_as(staff(student.school.district))
    page = f"/credentials/students/{student.id}"
    assert "Verify" in client.get(page).get_data(as_text=True)
    url = f"/credentials/students/{student.id}/workkeys"
    response = post_form(
        url, {"test": "graphic_literacy", "level": "9", "tested_on": "2025-02-01"}, page=page
    )
    assert response.status_code == 422
    assert "WorkKeys levels run from 3 to 7." in response.get_data(as_text=True)
    response = post_form(
        url, {"test": "graphic_literacy", "level": "5", "tested_on": "2025-02-01"}, page=page
    )
    assert response.status_code == 302
    score = db.session.scalars(select(WorkKeysScore)).one()
    assert (score.test, score.level) == (WorkKeysTest.GRAPHIC_LITERACY, 5)


def test_teachers_cannot_enter_scores(client, login_as) -> None:
    student = make_student()
    login_as(make_user(roles={Role.TEACHER}, school=student.school))
    token = csrf_from(client.get("/home").get_data(as_text=True))
    response = client.post(
        f"/credentials/students/{student.id}/workkeys", data={"csrf_token": token}
    )
    assert response.status_code == 403


# --- recording --------------------------------------------------------------------------------


def _record(client, student_id: int, **fields: object):  # type: ignore[no-untyped-def]
    url = f"/credentials/students/{student_id}/record"
    token = csrf_from(client.get(url).get_data(as_text=True))
    data = {"csrf_token": token, **fields}
    return client.post(url, data=data, content_type="multipart/form-data")


def test_a_student_records_a_credential_with_evidence(client, login_as) -> None:
    student = make_student()
    credential = make_credential(name="ServSafe Food Handler", validity_months=36)
    make_credential(name="Retired one", active=False)
    login_as(student.user)
    form = client.get(f"/credentials/students/{student.id}/record").get_data(as_text=True)
    assert "ServSafe Food Handler" in form
    assert "Retired one" not in form
    response = _record(
        client,
        student.id,
        credential_id=str(credential.id),
        earned_on="2025-05-01",
        evidence=(io.BytesIO(pdf_bytes("ServSafe")), "servsafe.pdf"),
        note="Took it in culinary class",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/credentials/mine")
    row = db.session.scalars(select(StudentCredential)).one()
    assert (row.status, row.expires_on, row.note) == (
        EarnedStatus.PENDING,
        date(2028, 5, 1),
        "Took it in culinary class",
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"evidence": None}, "Upload the certificate, score report or licence."),
        ({"evidence": (io.BytesIO(b"just text"), "cert.pdf")}, "is not a PDF"),
        ({"evidence": (io.BytesIO(b"GIF89a..."), "cert.gif")}, "is not a PDF"),
        ({"earned_on": "future"}, "The date earned cannot be in the future."),
        ({"earned_on": ""}, "Give the date the credential was earned."),
        ({"credential_id": "0"}, "Choose the credential."),
    ],
)
def test_recording_refusals_are_shown_on_the_form(client, login_as, fields, message) -> None:
    student = make_student()
    credential = make_credential()
    login_as(student.user)
    values: dict[str, object] = {
        "credential_id": str(credential.id),
        "earned_on": "2025-05-01",
        "evidence": (io.BytesIO(pdf_bytes("Certificate")), "cert.pdf"),
    }
    values.update(fields)
    if values["earned_on"] == "future":
        values["earned_on"] = (local_today() + timedelta(days=2)).isoformat()
    if values["evidence"] is None:
        del values["evidence"]
    response = _record(client, student.id, **values)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(StudentCredential)) == 0


def test_recording_for_a_student_out_of_scope_is_not_found(client, login_as) -> None:
    student = make_student()
    login_as(make_user(roles={Role.TEACHER}, school=make_school()))
    assert client.get(f"/credentials/students/{student.id}/record").status_code == 404


# --- verification -----------------------------------------------------------------------------


def test_staff_verify_from_the_queue_and_a_second_click_says_so(client, login_as) -> None:
    student = make_student()
    row = make_earned(student, make_credential(name="OSHA 10"), status=EarnedStatus.PENDING)
    login_as(staff(student.school.district))
    page = client.get("/credentials/queue").get_data(as_text=True)
    assert "OSHA 10" in page
    token = csrf_from(page)
    response = client.post(
        f"/credentials/records/{row.id}/verify", data={"csrf_token": token}, follow_redirects=True
    )
    assert "OSHA 10 is verified" in response.get_data(as_text=True)
    again = client.post(
        f"/credentials/records/{row.id}/verify", data={"csrf_token": token}, follow_redirects=True
    )
    assert "already decided: it is verified" in again.get_data(as_text=True)
    db.session.refresh(row)
    assert row.status is EarnedStatus.VERIFIED


def test_staff_reject_with_a_reason(client, login_as, post_form) -> None:
    student = make_student()
    row = make_earned(student, make_credential(), status=EarnedStatus.PENDING)
    login_as(staff())
    url = f"/credentials/records/{row.id}/reject"
    empty = post_form(url, {"reason": " "})
    assert empty.status_code == 422
    assert "Say why, so the student can fix it." in empty.get_data(as_text=True)
    assert post_form(url, {"reason": "Wrong name on it."}).status_code == 302
    db.session.refresh(row)
    assert (row.status, row.reject_reason) == (EarnedStatus.REJECTED, "Wrong name on it.")


def test_decisions_out_of_scope_are_not_found(client, login_as) -> None:
    row = make_earned(make_student(), make_credential(), status=EarnedStatus.PENDING)
    login_as(staff(make_district()))
    assert client.get(f"/credentials/records/{row.id}/reject").status_code == 404
    page = client.get("/credentials/queue").get_data(as_text=True)
    assert "Nothing is waiting" in page
    response = client.post(
        f"/credentials/records/{row.id}/verify", data={"csrf_token": csrf_from(page)}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("role", [Role.TEACHER, Role.STUDENT])
def test_only_staff_decide(client, login_as, role) -> None:
    student = make_student()
    row = make_earned(student, make_credential(), status=EarnedStatus.PENDING)
    login_as(
        student.user if role is Role.STUDENT else make_user(roles={role}, school=student.school)
    )
    token = csrf_from(client.get("/home").get_data(as_text=True))
    verify = client.post(f"/credentials/records/{row.id}/verify", data={"csrf_token": token})
    assert verify.status_code == 403
    assert client.get(f"/credentials/records/{row.id}/reject").status_code == 403


# --- catalog ----------------------------------------------------------------------------------


def test_catalog_filters(client, login_as) -> None:
    make_credential(name="Nurse Aide", sector_code="health")
    make_credential(name="Welding Level 1", issuer="AWS", sector_code=_other_sector_code())
    make_credential(name="Old Nurse Thing", active=False)
    login_as(staff())
    body = client.get("/credentials/catalog").get_data(as_text=True)
    assert "Nurse Aide" in body
    assert "Welding Level 1" in body
    assert "Old Nurse Thing" not in body
    body = client.get(f"/credentials/catalog?sector={sector('health').id}").get_data(as_text=True)
    assert "Welding" not in body
    body = client.get("/credentials/catalog?q=aws&active=all").get_data(as_text=True)
    assert "Welding Level 1" in body
    assert "Nurse Aide" not in body
    body = client.get("/credentials/catalog?active=inactive").get_data(as_text=True)
    assert "Old Nurse Thing" in body
    assert "Nurse Aide</a>" not in body


def _other_sector_code() -> str:
    from wbl.reference.models import IndustrySector

    return (
        db.session.scalars(
            select(IndustrySector.code).where(IndustrySector.code != "health")
        ).first()
        or "health"
    )


def credential_form() -> dict[str, str]:
    """The credential form, filled in correctly."""
    return {
        "name": "CNA",
        "issuer": "Board",
        "sector_id": str(sector("health").id),
        "points": "4",
        "expires": "y",
        "validity_months": "24",
        "active": "y",
    }


def test_staff_create_a_credential_and_see_validation(client, login_as, post_form) -> None:
    make_credential(name="CNA", issuer="Board", external_code="CO-1")
    login_as(staff())
    url = "/credentials/catalog/new"
    good = {**credential_form(), "external_code": ""}
    cases = [
        ({}, "The catalog already has “CNA” from Board."),
        ({"name": "CNA 2", "external_code": "CO-1"}, "already has the external code “CO-1”"),
        ({"name": "CNA 2", "points": "-2"}, "Points go from 0 to 100."),
        ({"name": "CNA 2", "expires": ""}, "A credential that does not expire has no validity"),
        ({"name": "CNA 2", "validity_months": ""}, "Give how many months"),
    ]
    for change, message in cases:
        data = {**good, **change}
        data = {k: v for k, v in data.items() if v != "" or k in ("external_code",)}
        response = post_form(url, data)
        assert response.status_code == 422, change
        assert message in response.get_data(as_text=True), change
    assert db.session.scalar(select(func.count()).select_from(Credential)) == 1
    response = post_form(url, {**good, "name": "CNA 2"})
    assert response.status_code == 302
    edited = db.session.scalars(select(Credential).where(Credential.name == "CNA 2")).one()
    edit_url = f"/credentials/catalog/{edited.id}"
    assert "checked" in client.get(edit_url).get_data(as_text=True)
    assert post_form(edit_url, {**good, "name": "CNA 2", "points": "6"}).status_code == 302
    db.session.refresh(edited)
    assert edited.points == 6
    assert client.get("/credentials/catalog/999999").status_code == 404


def test_district_staff_read_the_catalog_but_do_not_change_it(client, login_as, post_form) -> None:
    credential = make_credential(name="Nurse Aide", points=3)
    login_as(staff(make_district()))
    body = client.get("/credentials/catalog").get_data(as_text=True)
    assert "Nurse Aide" in body
    assert "New credential" not in body
    assert 'btn-outline-primary" href="/credentials/catalog/import"' not in body
    assert f"/credentials/catalog/{credential.id}" not in body
    assert "Import credentials" not in body  # nor in the menu
    for url in (
        "/credentials/catalog/new",
        f"/credentials/catalog/{credential.id}",
        "/credentials/catalog/import",
    ):
        assert client.get(url).status_code == 403, url
    edit = {"name": "Nurse Aide", "issuer": credential.issuer, "points": "12"}
    response = post_form(f"/credentials/catalog/{credential.id}", edit, page="/credentials/policy")
    assert response.status_code == 403
    confirm = post_form("/credentials/catalog/import/confirm", {}, page="/credentials/policy")
    assert confirm.status_code == 403
    db.session.refresh(credential)
    assert credential.points == 3
    assert client.get("/credentials/catalog/export?format=csv").status_code == 200


def test_county_staff_see_the_catalog_buttons(client, login_as) -> None:
    login_as(staff())
    body = client.get("/credentials/catalog").get_data(as_text=True)
    assert "New credential" in body
    assert 'btn-outline-primary" href="/credentials/catalog/import"' in body
    assert "Import credentials" in body


def test_huge_numbers_in_the_credential_form_are_messages(client, login_as, post_form) -> None:
    login_as(staff())
    good = credential_form()
    for change, message in [
        ({"points": "101"}, "Points go from 0 to 100."),
        ({"points": "99999999999999999999"}, "Points go from 0 to 100."),
        ({"validity_months": "100000"}, "From 1 to 600 months"),
    ]:
        response = post_form("/credentials/catalog/new", {**good, **change})
        assert response.status_code == 422, change
        assert message in response.get_data(as_text=True), change
    assert db.session.scalar(select(func.count()).select_from(Credential)) == 0


def test_a_huge_sector_in_the_catalog_filter_is_ignored(client, login_as) -> None:
    make_credential(name="Nurse Aide")
    login_as(staff())
    response = client.get("/credentials/catalog?sector=99999999999999999999")
    assert response.status_code == 200
    assert "Nurse Aide" in response.get_data(as_text=True)


# --- district policy --------------------------------------------------------------------------


def test_district_staff_edit_their_policy(client, login_as) -> None:
    district = make_district(name="Sonoma Valley Unified")
    cna, osha = make_credential(name="Nurse Aide"), make_credential(name="OSHA 10")
    actor = login_as(staff(district))
    page = client.get("/credentials/policy").get_data(as_text=True)
    assert "Sonoma Valley Unified" in page
    assert "Nurse Aide" in page
    token = csrf_from(page)
    bad = client.post(
        "/credentials/policy",
        data={"csrf_token": token, f"counts_{cna.id}": "math", f"counts_{osha.id}": "neither"},
    )
    assert bad.status_code == 422
    assert "is not accepted for graduation" in bad.get_data(as_text=True)
    ok = client.post(
        "/credentials/policy",
        data={
            "csrf_token": token,
            f"accepted_{cna.id}": "y",
            f"counts_{cna.id}": "both",
            f"counts_{osha.id}": "neither",
        },
    )
    assert ok.status_code == 302
    row = db.session.scalars(select(DistrictCredentialPolicy)).one()
    assert (row.district_id, row.credential_id, row.counts_toward, row.updated_by_id) == (
        district.id,
        cna.id,
        Subject.BOTH,
        actor.id,
    )
    page = client.get("/credentials/policy").get_data(as_text=True)
    assert actor.full_name in page  # who changed it


def test_district_staff_addressing_another_district_get_404(client, login_as) -> None:
    mine, other = make_district(), make_district()
    make_policy(district=other, credential=make_credential())
    login_as(staff(mine))
    assert client.get(f"/credentials/policy?district_id={other.id}").status_code == 404


def test_county_staff_pick_the_district(client, login_as) -> None:
    make_district(name="Alpha District")
    other = make_district(name="Zulu District")
    login_as(staff())
    page = client.get(f"/credentials/policy?district_id={other.id}").get_data(as_text=True)
    assert '<h1 class="h3 mb-1">Zulu District</h1>' in page
    assert "Alpha District" in page  # in the picker


# --- SQL counts -------------------------------------------------------------------------------


def test_catalog_queries_do_not_grow_with_rows(client, login_as, count_queries) -> None:
    actor = staff()  # held: a collected user would be loaded again, one query more
    login_as(actor)
    make_credential()
    client.get("/credentials/catalog")
    with count_queries() as one:
        client.get("/credentials/catalog")
    for n in range(10):
        make_credential(name=f"More {n}", sector_code=_other_sector_code() if n % 2 else "health")
    with count_queries() as many:
        body = client.get("/credentials/catalog").get_data(as_text=True)
    assert body.count("More ") == 10
    assert many.count == one.count


def test_queue_queries_do_not_grow_with_rows(client, login_as, count_queries) -> None:
    actor = staff()  # held: a collected user would be loaded again, one query more
    login_as(actor)
    credential = make_credential()
    make_earned(make_student(), credential, status=EarnedStatus.PENDING)
    client.get("/credentials/queue")
    with count_queries() as one:
        client.get("/credentials/queue")
    for _ in range(8):
        make_earned(make_student(), make_credential(), status=EarnedStatus.PENDING)
    with count_queries() as many:
        body = client.get("/credentials/queue").get_data(as_text=True)
    assert body.count("/evidence") == 9
    assert many.count == one.count


# --- withdrawing ------------------------------------------------------------------------------


def test_a_student_withdraws_a_pending_record_after_confirming(client, login_as) -> None:
    student = make_student()
    pending = make_earned(
        student, make_credential(name="OSHA 10", issuer="OSHA"), status=EarnedStatus.PENDING
    )
    make_earned(student, make_credential(name="CPR"), status=EarnedStatus.VERIFIED)
    record_id = pending.id
    login_as(student.user)
    page = client.get("/credentials/mine").get_data(as_text=True)
    url = f"/credentials/records/{record_id}/withdraw"
    assert page.count("/withdraw") == 1  # only the pending record offers it
    assert f'href="{url}">Withdraw…<span class="visually-hidden"> OSHA 10</span>' in page
    confirm = client.get(url)
    assert confirm.status_code == 200
    body = confirm.get_data(as_text=True)
    assert "Withdraw OSHA 10?" in body
    assert "OSHA 10 (OSHA)" in body
    assert db.session.get(StudentCredential, record_id) is not None  # a GET changes nothing
    response = client.post(url, data={"csrf_token": csrf_from(body)}, follow_redirects=True)
    assert response.request.path == "/credentials/mine"
    assert "The OSHA 10 record is withdrawn." in response.get_data(as_text=True)
    assert db.session.get(StudentCredential, record_id) is None


def test_a_teacher_withdraws_for_a_student_and_goes_back_to_their_page(client, login_as) -> None:
    student = make_student()
    row = make_earned(student, make_credential(), status=EarnedStatus.PENDING)
    login_as(make_user(roles={Role.TEACHER}, school=student.school))
    url = f"/credentials/records/{row.id}/withdraw"
    response = client.post(url, data={"csrf_token": csrf_from(client.get(url).get_data(True))})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/credentials/students/{student.id}")
    assert db.session.scalar(select(func.count()).select_from(StudentCredential)) == 0


@pytest.mark.parametrize("status", [EarnedStatus.VERIFIED, EarnedStatus.REJECTED])
def test_a_decided_record_is_not_withdrawn(client, login_as, status) -> None:
    student = make_student()
    row = make_earned(student, make_credential(name="OSHA 10"), status=status)
    login_as(student.user)
    url = f"/credentials/records/{row.id}/withdraw"
    message = (
        "Only a credential waiting for verification can be withdrawn: "
        f"OSHA 10 is {status.label.lower()}."
    )
    shown = client.get(url, follow_redirects=True)
    assert shown.request.path == "/credentials/mine"
    assert message in shown.get_data(as_text=True)
    token = csrf_from(client.get("/credentials/mine").get_data(as_text=True))
    posted = client.post(url, data={"csrf_token": token}, follow_redirects=True)
    assert message in posted.get_data(as_text=True)
    assert db.session.get(StudentCredential, row.id) is not None


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("other student", 404),
        ("teacher elsewhere", 404),
        ("other district staff", 404),
        ("employer", 403),
    ],
)
def test_withdrawing_out_of_scope(client, login_as, who: str, expected: int) -> None:
    student = make_student()
    row = make_earned(student, make_credential(), status=EarnedStatus.PENDING)
    login_as(
        {
            "other student": lambda: make_student().user,
            "teacher elsewhere": lambda: make_user(roles={Role.TEACHER}, school=make_school()),
            "other district staff": lambda: staff(make_district()),
            "employer": lambda: make_user(roles={Role.EMPLOYER}),
        }[who]()
    )
    url = f"/credentials/records/{row.id}/withdraw"
    assert client.get(url).status_code == expected
    token = csrf_from(client.get("/home").get_data(as_text=True))
    assert client.post(url, data={"csrf_token": token}).status_code == expected
    assert db.session.get(StudentCredential, row.id) is not None


def test_withdrawing_needs_the_form_token(client, login_as) -> None:
    student = make_student()
    row = make_earned(student, make_credential(), status=EarnedStatus.PENDING)
    login_as(student.user)
    assert client.post(f"/credentials/records/{row.id}/withdraw").status_code == 400
    assert db.session.get(StudentCredential, row.id) is not None


def test_anonymous_withdrawal_goes_to_login(client) -> None:
    row = make_earned(make_student(), make_credential(), status=EarnedStatus.PENDING)
    assert client.get(f"/credentials/records/{row.id}/withdraw").status_code == 302


# --- local times ------------------------------------------------------------------------------


def test_recorded_and_decided_times_are_the_countys_local_time(client, login_as) -> None:
    """05:30 UTC on March 2 is still the evening of March 1 in the county (UTC-8)."""
    student = make_student()
    late = datetime(2026, 3, 2, 5, 30, tzinfo=UTC)
    pending = make_earned(student, make_credential(name="OSHA 10"), status=EarnedStatus.PENDING)
    decided = make_earned(student, make_credential(name="CPR"), status=EarnedStatus.VERIFIED)
    pending.recorded_at = late
    decided.decided_at = late
    db.session.flush()
    login_as(staff(student.school.district))
    queue = client.get("/credentials/queue").get_data(as_text=True)
    assert "Sun, Mar 1, 2026, 9:30 PM PST by" in queue
    page = client.get(f"/credentials/students/{student.id}").get_data(as_text=True)
    assert ", Sun, Mar 1, 2026, 9:30 PM PST</div>" in page  # decided
    assert "recorded Sun, Mar 1, 2026, 9:30 PM PST</div>" in page
    assert "Mar 2, 2026" not in queue + page
    confirm = client.get(f"/credentials/records/{pending.id}/withdraw").get_data(as_text=True)
    assert "Sun, Mar 1, 2026, 9:30 PM PST" in confirm
