"""The Open Badges credential against 1EdTech's own JSON Schema, its identifiers from the
configured base URL, and revocation a third-party verifier can see (the Bitstring Status
List)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema_rs
import pytest
from flask import Flask
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.support.certificate_data import Setting, issue, make_setting
from wbl.certificates import badge, keys, services, status
from wbl.clock import local_today
from wbl.county.settings import county

SCHEMA = Path(__file__).parents[2] / "schemas" / "ob_v3p0_achievementcredential_schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema_rs.Draft201909Validator:
    return jsonschema_rs.Draft201909Validator(json.loads(SCHEMA.read_text()))


@pytest.fixture
def setting() -> Setting:
    return make_setting()


@pytest.fixture
def request_context(app: Flask):
    with app.test_request_context():
        yield


def _errors(validator, body) -> list[str]:
    return [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(body)]


def test_every_credential_wbl_issues_meets_1edtechs_schema(
    validator, setting, request_context
) -> None:
    certificate = issue(setting)
    body = badge.credential(certificate)
    assert _errors(validator, body) == []
    assert body["credentialSchema"] == [badge.SCHEMA]
    # the schema is not a formality: a credential without its subject fails it
    broken = {k: v for k, v in body.items() if k != "credentialSubject"}
    assert _errors(validator, broken)
    # a revoked one still has the shape (its status bit says it was revoked)
    services.revoke_certificate(setting.staff, certificate.id, "Issued in error.")
    assert _errors(validator, badge.credential(certificate)) == []


def test_each_outcome_is_an_alignment_of_the_achievement(setting, request_context) -> None:
    certificate = issue(setting)
    achievement = badge.credential(certificate)["credentialSubject"]["achievement"]
    alignments = achievement["alignment"]
    assert [a["targetName"] for a in alignments] == certificate.outcomes
    assert all(a["targetType"] == "ceasn:Competency" for a in alignments)
    assert all(a["targetUrl"].startswith(badge.issuer_id() + "#outcome-") for a in alignments)
    assert len({a["targetUrl"] for a in alignments}) == len(alignments)
    assert all(a.get("targetDescription") for a in alignments)


def test_identifiers_come_from_the_configured_base_url(app: Flask, setting) -> None:
    with app.test_request_context(base_url="http://intranet.local:8080/"):
        certificate = issue(setting)
        body = badge.credential(certificate)
    base = county().base_url.rstrip("/")
    assert base
    assert "intranet.local" not in json.dumps(body)
    assert body["id"] == f"{base}/verify/{certificate.code}"
    assert body["issuer"]["id"] == f"{base}/certificates/issuer"
    assert (
        body["credentialStatus"]["statusListCredential"] == f"{base}/certificates/status/revocation"
    )
    with app.app_context():  # outside any request (a job): the same identifiers
        assert badge.credential(certificate)["id"] == body["id"]


def _bit(token: str, index: int) -> bool:
    claims = jwt.decode(
        token, KeySet.import_key_set(keys.public_jwks()), algorithms=[keys.ALGORITHM]
    ).claims
    subject = claims["vc"]["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    bits = status.decode(subject["encodedList"])
    assert len(bits) * 8 >= status.LIST_BITS
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def test_revoking_sets_the_credentials_bit_in_the_published_list(
    app: Flask, client, setting
) -> None:
    with app.test_request_context():
        certificate, other = issue(setting), issue(make_setting())
        entry = badge.credential(certificate)["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry"
    assert entry["statusPurpose"] == "revocation"
    index = int(entry["statusListIndex"])
    path = "/certificates/status/revocation"
    response = client.get(path)  # public: no one signed in
    assert response.status_code == 200
    assert response.mimetype == "application/vc+jwt"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert _bit(response.get_data(as_text=True), index) is False
    with app.test_request_context():
        services.revoke_certificate(setting.staff, certificate.id, "Issued in error.")
    token = client.get(path).get_data(as_text=True)
    assert _bit(token, index) is True
    assert _bit(token, other.id) is False  # only the revoked one
    plain = client.get(f"{path}.json").json
    assert plain["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert status.decode(plain["credentialSubject"]["encodedList"])[index // 8] & (
        0x80 >> (index % 8)
    )


def test_the_encoding_is_the_specifications() -> None:
    bits = bytearray(status.LIST_BITS // 8)
    bits[0] = 0b0100_0000  # index 1
    encoded = status.encode(bytes(bits))
    assert encoded.startswith("u")
    assert "=" not in encoded
    assert status.encode(bytes(bits)) == encoded  # the same bits, the same text
    assert status.decode(encoded) == bytes(bits)
    with pytest.raises(ValueError, match="multibase"):
        status.decode("z" + encoded[1:])


def test_the_evidence_is_what_the_student_showed_by_the_issue_day(
    validator, setting, request_context
) -> None:
    from datetime import UTC, datetime, timedelta

    from tests.support.log_data import make_entry, make_placement
    from tests.support.portfolio_data import active_outcomes, ready_artifact
    from wbl.hours.models import EntryStatus
    from wbl.portfolio.models import ArtifactStatus

    student = setting.student
    first, second = active_outcomes()[:2]
    ready_artifact(student, [first, second], title="Bridge load test")
    ready_artifact(student, [first], title="Unfinished idea", status=ArtifactStatus.DRAFT)
    placement = make_placement(student)
    earlier = datetime.now(UTC) - timedelta(days=2)
    for minutes, entry_status in (
        (90, EntryStatus.CONFIRMED),
        (60, EntryStatus.CONFIRMED),
        (45, EntryStatus.PENDING),
        (30, EntryStatus.REJECTED),
    ):
        make_entry(
            placement, local_today() - timedelta(days=3), minutes, entry_status, decided_at=earlier
        )
    certificate = issue(setting)
    later = datetime.now(UTC) + timedelta(days=5)
    make_entry(placement, local_today(), 600, decided_at=later)  # confirmed after: not counted
    body = badge.credential(certificate)
    assert _errors(validator, body) == []
    evidence = body["evidence"]
    assert [e["name"] for e in evidence] == [
        "Bridge load test",
        "Confirmed work-based learning hours",
    ]
    assert evidence[0]["narrative"] == f"A portfolio artifact showing: {first.name}, {second.name}."
    assert evidence[1]["narrative"].startswith("2.5 hours of work-based learning")
    assert "what I did" not in json.dumps(body)  # titles only, never an artifact's content
