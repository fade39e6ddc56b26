"""Issuing and revoking the Work Ready Certificate, the badge and the signing key."""

from __future__ import annotations

import os
import stat

import pytest
from flask import Flask
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import ECKey, KeySet, OKPKey, RSAKey
from sqlalchemy import func, select

from tests.support.builders import make_employer, make_school, make_user
from tests.support.certificate_data import Setting, issue, make_setting, passed_student
from wbl.access import Role
from wbl.certificates import badge, keys, services
from wbl.certificates.models import Certificate
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import db
from wbl.notifications.models import OutboxMessage
from wbl.reference.services import active_outcomes


@pytest.fixture
def setting() -> Setting:
    return make_setting()


@pytest.fixture
def request_context(app: Flask):
    with app.test_request_context():
        yield


def _count() -> int:
    return db.session.scalar(select(func.count(Certificate.id))) or 0


def test_an_eligible_student_gets_a_certificate(setting, request_context) -> None:
    student, interview = passed_student(setting)
    certificate = services.issue_certificate(setting.staff, student.id)
    assert certificate.student_name == student.user.full_name
    assert certificate.outcomes == [o.name for o in active_outcomes()]
    assert len(certificate.outcomes) > 0
    assert certificate.issued_by_id == setting.staff.id
    assert certificate.submission_id == setting.submission.id
    assert certificate.interview_id == interview.id
    assert len(certificate.code) >= 16
    assert certificate.code.replace("-", "").replace("_", "").isalnum()  # URL-safe
    mail = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.kind == "certificate_issued")
    )
    assert mail is not None
    assert mail.to_email == student.user.email
    assert f"/verify/{certificate.code}" in mail.body_text


def test_codes_are_random(request_context) -> None:
    codes = {issue(make_setting()).code for _ in range(3)}
    assert len(codes) == 3


def test_the_certificate_keeps_the_name_as_issued(setting, request_context) -> None:
    certificate = issue(setting)
    setting.student.user.full_name = "Renamed Later"
    db.session.flush()
    assert services.by_code(certificate.code).student_name != "Renamed Later"


def test_not_eligible_without_a_passed_interview(setting, request_context) -> None:
    with pytest.raises(DomainError, match="interview has not been passed"):
        services.issue_certificate(setting.staff, setting.student.id)
    assert _count() == 0
    found = services.eligibility(setting.student.id)
    assert found.submission is not None
    assert not found.eligible


def test_one_valid_certificate_at_a_time(setting, request_context) -> None:
    first = issue(setting)
    with pytest.raises(DomainError, match="already holds a valid certificate"):
        services.issue_certificate(setting.staff, setting.student.id)
    assert _count() == 1
    services.revoke_certificate(setting.staff, first.id, "Issued to the wrong record.")
    second = services.issue_certificate(setting.staff, setting.student.id)
    assert second.code != first.code
    assert services.eligibility(setting.student.id).certificate is second


def test_only_staff_in_scope_issue(setting, request_context) -> None:
    passed_student(setting)
    teacher = make_user(roles={Role.TEACHER}, school=setting.school)
    with pytest.raises(Forbidden):
        services.issue_certificate(teacher, setting.student.id)
    other_district = make_user(roles={Role.STAFF}, district=make_school().district)
    with pytest.raises(NotFound):
        services.issue_certificate(other_district, setting.student.id)
    with pytest.raises(NotFound):
        services.issue_certificate(make_employer(), setting.student.id)
    assert _count() == 0


def test_ready_to_issue_lists_students_in_scope(setting, request_context) -> None:
    passed_student(setting)
    assert [s.id for s in services.ready_to_issue(setting.staff)] == [setting.student.id]
    other_district = make_user(roles={Role.STAFF}, district=make_school().district)
    assert services.ready_to_issue(other_district) == []
    services.issue_certificate(setting.staff, setting.student.id)
    assert services.ready_to_issue(setting.staff) == []


def test_revoke_needs_a_reason_and_happens_once(setting, request_context) -> None:
    certificate = issue(setting)
    with pytest.raises(DomainError) as caught:
        services.revoke_certificate(setting.staff, certificate.id, "   ")
    assert caught.value.field == "reason"
    assert certificate.revoked_at is None
    services.revoke_certificate(setting.staff, certificate.id, "Portfolio plagiarised.")
    assert certificate.revoked_at is not None
    assert certificate.revoked_by_id == setting.staff.id
    assert certificate.revoke_reason == "Portfolio plagiarised."
    with pytest.raises(services.AlreadyRevoked):
        services.revoke_certificate(setting.staff, certificate.id, "Again")
    assert certificate.revoke_reason == "Portfolio plagiarised."
    mail = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.kind == "certificate_revoked")
    )
    assert mail.to_email == setting.student.user.email
    assert "Portfolio plagiarised." in mail.body_text


def test_only_staff_revoke(setting, request_context) -> None:
    certificate = issue(setting)
    with pytest.raises(Forbidden):
        services.revoke_certificate(setting.student.user, certificate.id, "No")
    assert certificate.revoked_at is None


def test_a_revoked_certificate_is_not_downloaded(setting, request_context) -> None:
    certificate = issue(setting)
    assert services.downloadable(setting.student.user, certificate.id) is certificate
    services.revoke_certificate(setting.staff, certificate.id, "Wrong student.")
    with pytest.raises(services.Revoked):
        services.downloadable(setting.student.user, certificate.id)
    with pytest.raises(services.Revoked):
        services.badge_certificate(setting.student.user, certificate.id)


# --- the badge -----------------------------------------------------------------------------


def test_the_credential_has_the_open_badges_shape(setting, request_context, app) -> None:
    certificate = issue(setting)
    body = badge.credential(certificate)
    assert body["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert body["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert body["id"].endswith(f"/verify/{certificate.code}")
    assert body["issuer"]["id"] == "http://127.0.0.1:5000/certificates/issuer"
    assert body["issuer"]["name"] == app.config["COUNTY_NAME"]
    assert body["validFrom"].endswith("Z")
    subject = body["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["achievement"]["type"] == ["Achievement"]
    assert subject["achievement"]["name"] == "Work Ready Certificate"
    assert subject["achievement"]["criteria"]["narrative"]
    (identity,) = subject["identifier"]
    assert identity["hashed"] is True
    assert identity["identityType"] == "emailAddress"
    email = setting.student.user.email
    assert identity["identityHash"] == badge.identity_hash(email, identity["salt"])
    text = str(body)
    assert email not in text
    assert setting.student.user.full_name not in text
    assert setting.school.name not in text
    assert badge.credential(certificate) == body  # stable


def test_the_jwt_verifies_with_the_published_key(setting, request_context) -> None:
    certificate = issue(setting)
    token = badge.credential_jwt(certificate)
    public = KeySet.import_key_set(keys.public_jwks())
    decoded = jwt.decode(token, public, algorithms=[keys.ALGORITHM])
    assert decoded.header["alg"] == "RS256"
    assert decoded.header["kid"] == keys.public_jwks()["keys"][0]["kid"]
    claims = decoded.claims
    assert claims["iss"] == "http://127.0.0.1:5000/certificates/issuer"
    assert claims["jti"].endswith(f"/verify/{certificate.code}")
    assert claims["vc"] == badge.credential(certificate)
    assert claims["nbf"] == int(certificate.issued_at.timestamp())
    assert "d" not in keys.public_jwks()["keys"][0]  # never the private part


def test_a_tampered_jwt_fails(setting, request_context) -> None:
    token = badge.credential_jwt(issue(setting))
    header, payload, signature = token.split(".")
    forged_claims = payload[:-4] + ("AAAA" if not payload.endswith("AAAA") else "BBBB")
    public = KeySet.import_key_set(keys.public_jwks())
    with pytest.raises(BadSignatureError):
        jwt.decode(f"{header}.{forged_claims}.{signature}", public, algorithms=["RS256"])
    other = RSAKey.generate_key(2048)
    with pytest.raises(BadSignatureError):
        jwt.decode(token, RSAKey.import_key(other.as_dict(private=False)), algorithms=["RS256"])


# --- the key -------------------------------------------------------------------------------


@pytest.fixture
def key_config(app: Flask):
    saved = (app.config["BADGE_KEY_FILE"], app.config["NAME"], app.config["TESTING"])
    app.extensions.pop("wbl_badge_key", None)
    yield app.config
    app.config["BADGE_KEY_FILE"], app.config["NAME"], app.config["TESTING"] = saved
    app.config["BADGE_PREVIOUS_KEYS"] = ""
    app.extensions.pop("wbl_badge_key", None)


def test_development_generates_a_private_key_file(key_config, tmp_path, app) -> None:
    path = tmp_path / "keys" / "badge.pem"
    key_config["BADGE_KEY_FILE"] = str(path)
    key_config["NAME"] = "development"
    first = keys.signing_key()
    assert path.exists()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert b"PRIVATE KEY" in path.read_bytes()
    app.extensions.pop("wbl_badge_key")
    assert keys.key_id(keys.signing_key()) == keys.key_id(first)  # read back, not replaced


def test_development_default_is_in_the_instance_folder(key_config, tmp_path, app) -> None:
    key_config["BADGE_KEY_FILE"] = ""
    key_config["TESTING"] = False
    saved = app.instance_path
    app.instance_path = str(tmp_path)
    try:
        keys.signing_key()
    finally:
        app.instance_path = saved
    assert (tmp_path / keys.DEV_KEY_NAME).exists()


def test_production_without_a_key_refuses_to_issue(key_config, tmp_path, request_context) -> None:
    setting = make_setting()
    passed_student(setting)
    key_config["NAME"] = "production"
    key_config["BADGE_KEY_FILE"] = ""
    with pytest.raises(keys.SigningKeyMissing, match="WBL_BADGE_KEY_FILE"):
        services.issue_certificate(setting.staff, setting.student.id)
    key_config["BADGE_KEY_FILE"] = str(tmp_path / "missing.pem")
    with pytest.raises(keys.SigningKeyMissing):
        services.issue_certificate(setting.staff, setting.student.id)
    assert not (tmp_path / "missing.pem").exists()
    assert _count() == 0


def test_a_configured_key_file_is_used(key_config, tmp_path) -> None:
    key = RSAKey.generate_key(2048)
    path = tmp_path / "county.pem"
    path.write_bytes(key.as_pem(private=True))
    key_config["BADGE_KEY_FILE"] = str(path)
    key_config["NAME"] = "production"
    (published,) = keys.public_jwks()["keys"]
    assert published["n"] == key.as_dict(private=False)["n"]
    assert (published["alg"], published["kid"]) == ("RS256", key.thumbprint())


def _short_rsa_key() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(65537, 1024).private_bytes(  # noqa: S505 - the short key refused
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"not a key", "not an RSA private key"),
        (ECKey.generate_key("P-256").as_pem(private=True), "not an RSA private key"),
        (OKPKey.generate_key("X25519").as_pem(private=True), "not an RSA private key"),
        (RSAKey.generate_key(2048).as_pem(private=False), "public half only"),
        (_short_rsa_key(), "1024 bits"),
        (OKPKey.generate_key("Ed25519").as_pem(private=True), "WBL_BADGE_PREVIOUS_KEYS"),
    ],
    ids=["garbage", "ec", "x25519", "public-only", "short", "ed25519-of-earlier-releases"],
)
def test_a_file_that_is_not_an_rsa_private_key_is_refused(
    key_config, tmp_path, content, says
) -> None:
    path = tmp_path / "bad.pem"
    path.write_bytes(content)
    key_config["BADGE_KEY_FILE"] = str(path)
    with pytest.raises(keys.SigningKeyMissing, match=says):
        keys.signing_key()


def test_earlier_keys_stay_published_so_their_credentials_verify(
    key_config, tmp_path, setting, request_context
) -> None:
    """A county rotates: the Ed25519 key of an earlier release and an RSA key it retired
    sign nothing more, but a credential either signed still verifies with the key set."""
    old = OKPKey.generate_key("Ed25519")
    retired = RSAKey.generate_key(2048)
    (tmp_path / "old.pem").write_bytes(old.as_pem(private=True))
    (tmp_path / "retired.pub").write_bytes(retired.as_pem(private=False))
    (tmp_path / "broken.pem").write_bytes(b"nothing")
    key_config["BADGE_PREVIOUS_KEYS"] = ":".join(
        str(tmp_path / name) for name in ("old.pem", "retired.pub", "broken.pem")
    )
    try:
        published = keys.public_jwks()["keys"]
        assert [k["alg"] for k in published] == ["RS256", "Ed25519", "RS256"]
        assert published[1]["kid"] == old.thumbprint()
        assert all("d" not in k for k in published)
        claims = {"iss": "x", "vc": {"id": "y"}}
        signed_then = jwt.encode(
            {"alg": "Ed25519", "kid": old.thumbprint()}, claims, old, algorithms=["Ed25519"]
        )
        found = jwt.decode(
            signed_then, KeySet.import_key_set({"keys": published}), algorithms=["Ed25519"]
        )
        assert found.claims == claims
        token = badge.credential_jwt(issue(setting))  # new ones: the current key, RS256
        assert jwt.decode(token, KeySet.import_key_set({"keys": published}), algorithms=["RS256"])
    finally:
        key_config["BADGE_PREVIOUS_KEYS"] = ""
