"""The student's work-based learning record as a Comprehensive Learner Record (CLR 2.0).

A ``ClrCredential`` the student downloads, signed like the Work Ready Certificate's badge
(a VC-JWT with the county's key, RS256: ``wbl.certificates.badge.sign``), holding one
``AchievementCredential`` per thing the student chose to put in:

- each completed placement (its experience type, the host partner, the dates, the hours the
  supervisor confirmed, and the supervisor's evaluation as averages: "Meets" on four skills);
- each verified industry credential (not expired);
- the best WorkKeys level per test;
- the Work Ready Certificate, when valid: its Open Badges credential as issued (revocation
  included, through its status list).

Every identifier is on the county's base URL or a name-based ``urn:uuid`` (the same
experience gives the same id in every download). The student is named only as the badge
names them: a salted hash of their e-mail address. Nothing about any other student, no
demographics, no free-text comment by anyone, no reflection: a record a student hands to a
college or an employer says what they did and what a supervisor confirmed.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from wbl.catalog.models import Offering
from wbl.certificates import badge
from wbl.certificates.models import Certificate
from wbl.county.settings import county
from wbl.credentials.models import (
    Credential,
    EarnedStatus,
    StudentCredential,
    WorkKeysScore,
    WorkKeysTest,
)
from wbl.evaluations.models import RATINGS, PlacementEvaluation
from wbl.extensions import db
from wbl.hours.models import EntryStatus, HourEntry
from wbl.placements.models import Placement, PlacementStatus
from wbl.reference.models import ExperienceKind
from wbl.reference.queries import experience_type_names
from wbl.students.models import StudentProfile

CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
CLR_SCHEMA = {
    "id": "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json",
    "type": "1EdTechJsonSchemaValidator2019",
}
ACHIEVEMENT_TYPES = {  # Open Badges' extension values for the experience types
    ExperienceKind.INTERNSHIP: "ext:Internship",
    ExperienceKind.JOB_SHADOW: "ext:JobShadow",
    ExperienceKind.WORK_BASED_PROJECT: "ext:WorkBasedProject",
    ExperienceKind.WORKPLACE_VISIT: "ext:WorkplaceVisit",
    ExperienceKind.GUEST_SPEAKER: "ext:GuestSpeaker",
}


@dataclass(frozen=True, slots=True)
class Item:
    """One thing the record can hold: ``key`` names it in the student's choice."""

    key: str
    kind: str  # "experience", "credential", "workkeys", "certificate"
    title: str
    detail: str
    credential: dict[str, Any]


def _timestamp(moment: datetime | date) -> str:
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time.min, tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _salt(student: StudentProfile) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"clr-salt:{student.id}".encode(), hashlib.sha256).hexdigest()[:32]


def _identity(student: StudentProfile) -> list[dict[str, Any]]:
    return [badge.identity_object(student.user.email, _salt(student))]


def _urn(kind: str, row_id: int) -> str:
    """The same id for the same experience, download after download, on this county."""
    name = f"{county().base_url.rstrip('/')}/records/{kind}/{row_id}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def _achievement_credential(
    student: StudentProfile,
    key: str,
    row_id: int,
    achievement: dict[str, Any],
    valid_from: datetime | date,
    **extra: Any,
) -> dict[str, Any]:
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": _identity(student),
        "achievement": achievement,
    }
    subject.update(extra.pop("subject", {}))
    body: dict[str, Any] = {
        "@context": badge.CONTEXTS,
        "id": _urn(key, row_id),
        "type": ["VerifiableCredential", "AchievementCredential"],
        "issuer": badge.issuer_profile(),
        "validFrom": _timestamp(valid_from),
        "name": achievement["name"],
        "credentialSubject": subject,
        "credentialSchema": [badge.SCHEMA],
    }
    body.update(extra)
    return body


def _experiences(student: StudentProfile) -> list[Item]:
    names = experience_type_names()
    minutes = dict(
        db.session.execute(
            select(HourEntry.placement_id, func.sum(HourEntry.minutes))
            .where(HourEntry.student_id == student.id, HourEntry.status == EntryStatus.CONFIRMED)
            .group_by(HourEntry.placement_id)
        ).all()
    )
    evaluations = dict(
        db.session.execute(
            select(PlacementEvaluation.placement_id, PlacementEvaluation.ratings)
            .join(Placement, Placement.id == PlacementEvaluation.placement_id)
            .where(Placement.student_id == student.id)
        ).all()
    )
    items = []
    for placement in db.session.scalars(
        select(Placement)
        .join(Offering, Offering.id == Placement.offering_id)
        .where(Placement.student_id == student.id, Placement.status == PlacementStatus.COMPLETED)
        .order_by(Placement.start_date, Placement.id)
    ):
        offering = placement.offering
        kind = ExperienceKind(offering.kind)
        label = names[kind.value]
        partner = offering.partner.name
        hours = int(minutes.get(placement.id) or 0) / 60
        hours_text = f"{hours:,.2f}".rstrip("0").rstrip(".")
        evidence = [
            {
                "type": ["Evidence"],
                "name": f"{hours_text} confirmed hours",
                "genre": "Work-based learning hours",
                "narrative": "Each hour entry confirmed by the workplace supervisor.",
            }
        ]
        summary = _evaluation_summary(evaluations.get(placement.id))
        if summary:
            evidence.append(
                {
                    "type": ["Evidence"],
                    "name": "The supervisor's evaluation",
                    "genre": "Supervisor evaluation",
                    "narrative": summary,
                }
            )
        dates = {}
        if placement.start_date:
            dates["activityStartDate"] = _timestamp(placement.start_date)
        if placement.end_date:
            dates["activityEndDate"] = _timestamp(placement.end_date)
        achievement = {
            "id": f"{badge.issuer_id()}#experience-{kind.value.replace('_', '-')}",
            "type": ["Achievement"],
            "name": f"{label}: {offering.title}",
            "description": f"A {label.lower()} hosted by {partner}.",
            "criteria": {
                "narrative": (
                    f"Completed a {label.lower()} in the county's work-based learning "
                    "program, with the hours confirmed by the workplace supervisor."
                )
            },
            "achievementType": ACHIEVEMENT_TYPES[kind],
            "creator": {
                "id": badge.issuer_id(),
                "type": ["Profile"],
                "name": county().display_name,
            },
        }
        credential = _achievement_credential(
            student,
            "placement",
            placement.id,
            achievement,
            placement.completed_at or placement.created_at,
            subject=dates,
            evidence=evidence,
        )
        when = placement.start_date.strftime("%b %Y") if placement.start_date else ""
        items.append(
            Item(
                f"placement-{placement.id}",
                "experience",
                f"{label} at {partner}",
                ", ".join(p for p in (offering.title, when, f"{hours_text} confirmed hours") if p),
                credential,
            )
        )
    return items


def _evaluation_summary(ratings: object) -> str:
    """The supervisor's ratings in words ("Meets: Teamwork, Communication; Above
    expectations: Safety"); never the comment."""
    by_level: dict[str, list[str]] = defaultdict(list)
    for item in ratings if isinstance(ratings, list) else []:
        rating = item.get("rating") if isinstance(item, dict) else None
        if isinstance(rating, int) and rating in RATINGS:
            by_level[RATINGS[rating]].append(str(item.get("name") or item.get("code")))
    order = [RATINGS[r] for r in sorted(RATINGS, reverse=True)]
    parts = [f"{level}: {', '.join(by_level[level])}" for level in order if by_level[level]]
    return "; ".join(parts) + ("." if parts else "")


def _credentials(student: StudentProfile, today: date) -> list[Item]:
    items = []
    for earned, credential in db.session.execute(
        select(StudentCredential, Credential)
        .join(Credential, Credential.id == StudentCredential.credential_id)
        .where(
            StudentCredential.student_id == student.id,
            StudentCredential.status == EarnedStatus.VERIFIED,
        )
        .order_by(StudentCredential.earned_on, StudentCredential.id)
    ):
        if earned.expires_on is not None and earned.expires_on < today:
            continue
        achievement = {
            "id": _urn("credential", credential.id),
            "type": ["Achievement"],
            "name": credential.name,
            "description": f"An industry credential issued by {credential.issuer}.",
            "criteria": {
                "narrative": (
                    f"Earned from {credential.issuer}; the evidence was checked by the "
                    "county's CTE staff."
                )
            },
            "achievementType": "Certification",
        }
        extra: dict[str, Any] = {}
        if earned.expires_on is not None:
            extra["validUntil"] = _timestamp(earned.expires_on)
        items.append(
            Item(
                f"credential-{earned.id}",
                "credential",
                credential.name,
                f"{credential.issuer}, earned {earned.earned_on:%b %Y}",
                _achievement_credential(
                    student, "credential", earned.id, achievement, earned.earned_on, **extra
                ),
            )
        )
    return items


def _workkeys(student: StudentProfile) -> list[Item]:
    best: dict[WorkKeysTest, WorkKeysScore] = {}
    for score in db.session.scalars(
        select(WorkKeysScore)
        .where(WorkKeysScore.student_id == student.id)
        .order_by(WorkKeysScore.tested_on, WorkKeysScore.id)
    ):
        if score.test not in best or score.level > best[score.test].level:
            best[score.test] = score
    items = []
    for test, score in sorted(best.items(), key=lambda pair: pair[0].label):
        achievement = {
            "id": f"{badge.issuer_id()}#workkeys-{test.value.replace('_', '-')}",
            "type": ["Achievement"],
            "name": f"ACT WorkKeys {test.label}",
            "description": f"ACT WorkKeys {test.label} assessment, level 3 to 7.",
            "criteria": {"narrative": "The level the student reached on ACT's assessment."},
            "achievementType": "Assessment",
        }
        items.append(
            Item(
                f"workkeys-{test.value}",
                "workkeys",
                f"WorkKeys {test.label}",
                f"Level {score.level}, {score.tested_on:%b %Y}",
                _achievement_credential(
                    student,
                    "workkeys",
                    score.id,
                    achievement,
                    score.tested_on,
                    evidence=[
                        {
                            "type": ["Evidence"],
                            "name": f"Level {score.level}",
                            "narrative": (
                                f"Level {score.level} of 7 on {score.tested_on:%B %-d, %Y}."
                            ),
                        }
                    ],
                ),
            )
        )
    return items


def _certificate(student: StudentProfile) -> list[Item]:
    certificate = db.session.scalar(
        select(Certificate).where(
            Certificate.student_id == student.id, Certificate.revoked_at.is_(None)
        )
    )
    if certificate is None:
        return []
    return [
        Item(
            f"certificate-{certificate.id}",
            "certificate",
            badge.TITLE,
            f"Issued {certificate.issued_at:%b %Y}",
            badge.credential(certificate),
        )
    ]


def items(student: StudentProfile, today: date) -> list[Item]:
    """Everything the student's record can hold, in the order the page lists it."""
    return [
        *_experiences(student),
        *_credentials(student, today),
        *_workkeys(student),
        *_certificate(student),
    ]


def record(student: StudentProfile, chosen: list[Item], now: datetime) -> dict[str, Any]:
    """The ClrCredential holding the ``chosen`` items (a new id each download)."""
    return {
        "@context": [badge.CONTEXTS[0], CLR_CONTEXT, badge.CONTEXTS[1]],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": badge.issuer_profile(),
        "validFrom": _timestamp(now),
        "name": "Work-based learning record",
        "description": (
            f"The work-based learning a student chose to share from {county().display_name}: "
            "completed experiences with their confirmed hours and evaluations, verified "
            "industry credentials, WorkKeys levels and the Work Ready Certificate."
        ),
        "credentialSubject": {
            "type": ["ClrSubject"],
            "identifier": _identity(student),
            "verifiableCredential": [item.credential for item in chosen],
        },
        "credentialSchema": [CLR_SCHEMA],
    }


def record_jwt(body: dict[str, Any], now: datetime) -> str:
    return badge.sign(body, issued=int(now.timestamp()))
