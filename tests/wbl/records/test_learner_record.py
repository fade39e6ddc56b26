"""The student's learner record (a CLR 2.0 ClrCredential): what the student chooses goes in,
each part meets 1EdTech's AchievementCredential schema, it is signed RS256 and verifies with
the published key set, and nothing about anyone else is in it."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.conftest import csrf_from
from tests.support.builders import make_employer, make_student, make_user
from tests.support.certificate_data import issue, make_setting
from tests.support.credential_data import make_credential, make_earned, make_workkeys
from tests.support.log_data import make_entry, make_placement
from wbl.access import Role
from wbl.certificates import keys
from wbl.clock import local_today
from wbl.credentials.models import EarnedStatus, WorkKeysTest
from wbl.evaluations.models import PlacementEvaluation
from wbl.extensions import db
from wbl.placements.models import PlacementStatus
from wbl.reference.models import ExperienceKind

URL = "/record"
SCHEMA = Path(__file__).parents[2] / "schemas" / "ob_v3p0_achievementcredential_schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema_rs.Draft201909Validator:
    return jsonschema_rs.Draft201909Validator(json.loads(SCHEMA.read_text()))


@pytest.fixture
def record_of() -> dict[str, Any]:
    """A student with a completed internship (2.5 confirmed hours, an evaluation with a
    private comment), an active job shadow, a verified and a pending credential, two WorkKeys
    scores of one test, and the Work Ready Certificate."""
    setting = make_setting()
    student = setting.student
    today = local_today()
    internship = make_placement(
        student,
        kind=ExperienceKind.INTERNSHIP,
        start=today - timedelta(days=60),
        end=today - timedelta(days=5),
        status=PlacementStatus.COMPLETED,
    )
    internship.completed_at = datetime.now(UTC) - timedelta(days=4)
    for minutes in (90, 60):
        make_entry(internship, today - timedelta(days=20), minutes)
    db.session.add(
        PlacementEvaluation(
            placement_id=internship.id,
            evaluator_id=make_employer().id,
            ratings=[
                {"code": "teamwork", "name": "Teamwork", "rating": 4},
                {"code": "safety", "name": "Safety", "rating": 3},
            ],
            comment="Private: late twice in March.",
        )
    )
    make_placement(student, kind=ExperienceKind.JOB_SHADOW)  # still active: not in
    make_earned(student, make_credential(name="CPR and First Aid"))
    make_earned(student, make_credential(name="OSHA 10"), status=EarnedStatus.PENDING)
    make_workkeys(student, test=WorkKeysTest.APPLIED_MATH, level=4)
    make_workkeys(
        student, test=WorkKeysTest.APPLIED_MATH, level=6, tested_on=today - timedelta(days=9)
    )
    certificate = issue(setting)
    other = make_student(school=setting.school)
    make_placement(other, kind=ExperienceKind.INTERNSHIP, status=PlacementStatus.COMPLETED)
    db.session.flush()
    return {
        "student": student,
        "internship": internship,
        "certificate": certificate,
        "other": other,
    }


def _keys(page: str) -> list[str]:
    return re.findall(r'name="items" value="([^"]+)"', page)


def test_the_student_sees_everything_their_record_can_hold(client, login_as, record_of) -> None:
    login_as(record_of["student"].user)
    page = client.get(URL).get_data(as_text=True)
    assert _keys(page) == [
        f"placement-{record_of['internship'].id}",
        *(k for k in _keys(page) if k.startswith("credential-")),
        "workkeys-applied_math",
        f"certificate-{record_of['certificate'].id}",
    ]
    assert len([k for k in _keys(page) if k.startswith("credential-")]) == 1  # verified only
    assert "2.5 confirmed hours" in page
    assert "Level 6" in page  # the best level of the test
    assert len(re.findall(r'name="items" value="[^"]+" id="[^"]+" checked', page)) == 4


def _download(client, chosen: list[str], fmt: str) -> Any:
    token = csrf_from(client.get(URL).get_data(as_text=True))
    return client.post(URL, data={"csrf_token": token, "items": chosen, "format": fmt})


def test_the_record_holds_what_the_student_chose_and_each_part_meets_the_schema(
    client, login_as, record_of, validator
) -> None:
    login_as(record_of["student"].user)
    chosen = [
        k for k in _keys(client.get(URL).get_data(as_text=True)) if not k.startswith("workkeys")
    ]
    response = _download(client, chosen, "json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    body = response.json
    assert body["type"] == ["VerifiableCredential", "ClrCredential"]
    assert body["@context"][1].startswith("https://purl.imsglobal.org/spec/clr/v2p0/")
    inside = body["credentialSubject"]["verifiableCredential"]
    assert len(inside) == 3  # the internship, the credential, the certificate; no WorkKeys
    for credential in inside:
        errors = [e.message for e in validator.iter_errors(credential)]
        assert errors == [], errors
    internship = inside[0]
    assert internship["credentialSubject"]["achievement"]["achievementType"] == "ext:Internship"
    narratives = [e["narrative"] for e in internship["evidence"]]
    assert "Above expectations: Teamwork; Meets: Safety." in narratives
    assert internship["evidence"][0]["name"] == "2.5 confirmed hours"
    text = json.dumps(body)
    student = record_of["student"]
    for private in (
        student.user.email,
        student.user.full_name,
        "late twice",
        record_of["other"].user.full_name,
    ):
        assert private not in text
    # the same experience keeps its id from one download to the next
    again = _download(client, chosen, "json").json
    assert again["credentialSubject"]["verifiableCredential"][0]["id"] == internship["id"]
    assert again["id"] != body["id"]


def test_the_signed_record_verifies_with_the_published_keys(client, login_as, record_of) -> None:
    login_as(record_of["student"].user)
    chosen = _keys(client.get(URL).get_data(as_text=True))
    response = _download(client, chosen, "jwt")
    assert response.mimetype == "application/vc+jwt"
    published = KeySet.import_key_set(client.get("/.well-known/jwks.json").json)
    decoded = jwt.decode(response.get_data(as_text=True), published, algorithms=[keys.ALGORITHM])
    assert decoded.header["alg"] == "RS256"
    assert len(decoded.claims["vc"]["credentialSubject"]["verifiableCredential"]) == 4


@pytest.mark.parametrize(
    ("chosen", "says"),
    [
        ([], "Choose at least one thing to put in your record."),
        (["placement-999999"], "not a valid choice"),
    ],
    ids=["nothing", "not-theirs"],
)
def test_a_choice_that_is_not_one_says_so(client, login_as, record_of, chosen, says) -> None:
    login_as(record_of["student"].user)
    response = _download(client, chosen, "json")
    assert response.status_code == 400
    assert says in response.get_data(as_text=True)


def test_another_students_experience_cannot_be_put_in(client, login_as, record_of) -> None:
    other = record_of["other"]
    login_as(record_of["student"].user)
    from wbl.placements.models import Placement

    theirs = db.session.query(Placement).filter_by(student_id=other.id).one()
    assert _download(client, [f"placement-{theirs.id}"], "json").status_code == 400


@pytest.mark.parametrize("role", [Role.TEACHER, Role.STAFF])
def test_only_students_have_a_record(client, login_as, role) -> None:
    login_as(make_user(roles={role}))
    assert client.get(URL).status_code == 403
    login_as(make_employer())
    assert client.get(URL).status_code == 403


def test_a_student_with_nothing_yet_is_told_so(client, login_as) -> None:
    login_as(make_student().user)
    page = client.get(URL).get_data(as_text=True)
    assert "Nothing to put in yet" in page
