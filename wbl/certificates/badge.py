"""The certificate as an Open Badges 3.0 credential.

Two downloads:
- ``badge.json``: the ``OpenBadgeCredential`` itself (the W3C Verifiable Credentials Data
  Model 2.0 shape that Open Badges 3.0 uses), unsigned, for people and tools that read it.
- ``badge.jwt``: the same credential secured as a VC-JWT, the Open Badges 3.0 "JSON Web
  Token" proof format: a compact JWS signed with the county's RSA key (RS256, the algorithm
  every Open Badges verifier must support: ``wbl.certificates.keys``), whose payload
  carries the credential in the ``vc`` claim with ``iss`` (the issuer's id), ``jti`` (the
  credential's id, its verification URL), ``nbf`` and ``iat``. There is no ``sub``: the
  student has no public identifier, see below. The header names the key (``kid``, its RFC
  7638 thumbprint), published at ``/.well-known/jwks.json`` beside the keys that signed
  earlier credentials.

Why not a JSON file with an embedded ``DataIntegrityProof``: that proof signs the RDF
canonical form of the credential (RDF Dataset Canonicalization plus a JSON-LD processor
that fetches or bundles the contexts), which we would have to implement or vendor; a JWS
signs the exact bytes and every JOSE library verifies it.

Privacy: the credential names the student only through an Open Badges ``IdentityObject``
with a salted SHA-256 hash of their e-mail address (``identityHash = "sha256$" +
hex(sha256(email + salt))``): whoever already knows the address can check it matches,
nobody can read it from the badge. The student's name is not in the credential either (an
``AchievementSubject`` has no name): its ``id`` is the verification page, which shows it.
The salt is derived from the certificate's code with the app's secret key, so the same
certificate always gives the same credential.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC
from typing import Any

from flask import current_app

from wbl.certificates import keys
from wbl.certificates.models import Certificate
from wbl.certificates.services import TITLE, verify_url
from wbl.county.settings import county

#: 1EdTech's JSON Schema of the AchievementCredential, which every credential names.
SCHEMA = {
    "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
    "type": "1EdTechJsonSchemaValidator2019",
}
CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
DESCRIPTION = (
    "The Work Ready Certificate recognizes a high school student who has shown the Portrait "
    "of a Graduate outcomes through a reviewed portfolio and a work ready interview."
)
CRITERIA = (
    "A portfolio with one to three artifacts for each Portrait of a Graduate outcome, each "
    "with commentary on how it shows the outcome, a resume, a cover letter and two letters "
    "of recommendation, scored with the county's scoring guide by two reviewers (employers "
    "and educators) at the passing level; and a work ready interview passed before a panel "
    "of employers and educators."
)


def issuer_id() -> str:
    configured = str(current_app.config.get("BADGE_ISSUER_URL") or "")
    return configured or f"{county().base_url.rstrip('/')}/certificates/issuer"


def issuer_profile() -> dict[str, Any]:
    """The county as the badge's issuer (Open Badges 3.0 Profile), with its logo when it
    has one."""
    settings = county()
    profile: dict[str, Any] = {
        "id": issuer_id(),
        "type": ["Profile"],
        "name": settings.display_name,
        "url": settings.base_url,
    }
    logo = settings.logo_url(external=True)
    if logo:
        profile["image"] = {"id": logo, "type": "Image"}
    return profile


def _timestamp(certificate: Certificate) -> str:
    return certificate.issued_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def identity_salt(certificate: Certificate) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, f"badge-salt:{certificate.code}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def identity_hash(email: str, salt: str) -> str:
    """Open Badges 3.0 IdentityHash: ``sha256$`` and the hex digest of identity + salt."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def alignments(certificate: Certificate) -> list[dict[str, Any]]:
    """The Portrait of a Graduate outcomes the certificate recognizes, as the achievement's
    alignments (competencies of the county's Portrait of a Graduate; each described as the
    county's reference data describes it)."""
    from sqlalchemy import select

    from wbl.extensions import db
    from wbl.reference.models import PogOutcome

    described: dict[str, str] = dict(
        db.session.execute(
            select(PogOutcome.name, PogOutcome.description).where(
                PogOutcome.name.in_(certificate.outcomes)
            )
        ).all()
    )
    framework = f"Portrait of a Graduate, {county().display_name}"
    found = []
    for name in certificate.outcomes:
        alignment: dict[str, Any] = {
            "type": ["Alignment"],
            "targetName": name,
            "targetUrl": f"{issuer_id()}#outcome-{_slug(name)}",
            "targetType": "ceasn:Competency",
            "targetFramework": framework,
        }
        if described.get(name):
            alignment["targetDescription"] = described[name]
        found.append(alignment)
    return found


def evidence(certificate: Certificate) -> list[dict[str, Any]]:
    """What the student showed, as the credential's evidence: each finished portfolio
    artifact tied to an outcome by the day the certificate was issued (its title, and the
    outcomes it shows), then the work-based learning hours their supervisors had confirmed
    by then. Titles only: an artifact's content stays in the student's portfolio."""
    from sqlalchemy import func, select

    from wbl.extensions import db
    from wbl.hours.models import EntryStatus, HourEntry
    from wbl.portfolio.models import Artifact, ArtifactOutcome, ArtifactStatus
    from wbl.reference.models import PogOutcome

    shown: dict[int, tuple[str, list[str]]] = {}
    for artifact_id, title, outcome in db.session.execute(
        select(Artifact.id, Artifact.title, PogOutcome.name)
        .join(ArtifactOutcome, ArtifactOutcome.artifact_id == Artifact.id)
        .join(PogOutcome, PogOutcome.id == ArtifactOutcome.outcome_id)
        .where(
            Artifact.student_id == certificate.student_id,
            Artifact.status == ArtifactStatus.READY,
            Artifact.created_at <= certificate.issued_at,
        )
        .order_by(Artifact.id, PogOutcome.position, PogOutcome.id)
    ):
        shown.setdefault(artifact_id, (title, []))[1].append(outcome)
    found: list[dict[str, Any]] = [
        {
            "type": ["Evidence"],
            "name": title,
            "genre": "Portfolio artifact",
            "narrative": f"A portfolio artifact showing: {', '.join(outcomes)}.",
        }
        for title, outcomes in shown.values()
    ]
    minutes = db.session.scalar(
        select(func.coalesce(func.sum(HourEntry.minutes), 0)).where(
            HourEntry.student_id == certificate.student_id,
            HourEntry.status == EntryStatus.CONFIRMED,
            HourEntry.decided_at <= certificate.issued_at,
        )
    )
    if minutes:
        hours = f"{minutes / 60:,.2f}".rstrip("0").rstrip(".")
        found.append(
            {
                "type": ["Evidence"],
                "name": "Confirmed work-based learning hours",
                "genre": "Work-based learning hours",
                "narrative": (
                    f"{hours} hours of work-based learning, each entry confirmed by the "
                    "student's workplace supervisor."
                ),
            }
        )
    return found


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def identity_object(email: str, salt: str) -> dict[str, Any]:
    """The recipient as Open Badges names them: a salted hash of their e-mail address."""
    return {
        "type": "IdentityObject",
        "identityType": "emailAddress",
        "hashed": True,
        "identityHash": identity_hash(email, salt),
        "salt": salt,
    }


def credential(certificate: Certificate) -> dict[str, Any]:
    """The OpenBadgeCredential. Every identifier is on the county's configured base URL,
    whichever host the request came in on (or none: a job)."""
    from wbl.certificates import status

    salt = identity_salt(certificate)
    return {
        "@context": CONTEXTS,
        "id": verify_url(certificate),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer_profile(),
        "validFrom": _timestamp(certificate),
        "name": TITLE,
        "credentialSchema": [SCHEMA],
        "credentialStatus": status.entry(certificate),
        "evidence": evidence(certificate),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [identity_object(certificate.student.user.email, salt)],
            "achievement": {
                "id": f"{issuer_id()}#work-ready-certificate",
                "type": ["Achievement"],
                "name": TITLE,
                "description": DESCRIPTION,
                "criteria": {"narrative": CRITERIA},
                "achievementType": "Certificate",
                "tag": list(certificate.outcomes),
                "alignment": alignments(certificate),
            },
        },
    }


def credential_jwt(certificate: Certificate) -> str:
    """The credential as a VC-JWT signed with the county's key."""
    return sign(credential(certificate), issued=int(certificate.issued_at.timestamp()))


def sign(body: dict[str, Any], *, issued: int) -> str:
    """A credential as a VC-JWT (RS256, the county's current key named by ``kid``)."""
    from joserfc import jwt  # here: joserfc and cryptography are seldom needed by a process

    key = keys.signing_key()
    issuer = body["issuer"]
    claims = {
        "iss": issuer["id"] if isinstance(issuer, dict) else issuer,
        "jti": body["id"],
        "nbf": issued,
        "iat": issued,
        "vc": body,
    }
    header = {"alg": keys.ALGORITHM, "typ": "JWT", "kid": keys.key_id(key)}
    return jwt.encode(header, claims, key, algorithms=[keys.ALGORITHM])
