"""Builders for credentials: catalog entries, district policies, students' earned credentials
(with a small real PDF stored as evidence) and WorkKeys scores. Like tests/support/builders.py:
keyword-only options, each adds and flushes, never commits."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from tests.support.builders import make_user, sector
from tests.support.upload_files import pdf_bytes
from wbl.access import Role
from wbl.auth.models import User
from wbl.clock import local_today
from wbl.credentials.models import (
    Credential,
    DistrictCredentialPolicy,
    EarnedStatus,
    ScoreSource,
    StudentCredential,
    Subject,
    WorkKeysScore,
    WorkKeysTest,
)
from wbl.extensions import db, utcnow
from wbl.schools.models import District
from wbl.storage import storage
from wbl.students.models import StudentProfile

_seq = itertools.count(1)


def make_credential(
    *,
    name: str | None = None,
    issuer: str = "American Heart Association",
    sector_code: str = "health",
    points: int = 3,
    validity_months: int | None = None,
    external_code: str | None = None,
    incentive_qualified: bool = False,
    active: bool = True,
) -> Credential:
    """A catalog credential in the career field ``sector_code`` (a seeded IndustrySector)."""
    n = next(_seq)
    credential = Credential(
        name=name or f"Credential {n}",
        issuer=issuer,
        sector=sector(sector_code),
        points=points,
        validity_months=validity_months,
        external_code=external_code,
        incentive_qualified=incentive_qualified,
        active=active,
    )
    db.session.add(credential)
    db.session.flush()
    return credential


def make_policy(
    *,
    district: District,
    credential: Credential,
    accepted: bool = True,
    counts_toward: Subject = Subject.NEITHER,
    updated_by: User | None = None,
) -> DistrictCredentialPolicy:
    """The district's policy on ``credential``."""
    policy = DistrictCredentialPolicy(
        district_id=district.id,
        credential_id=credential.id,
        accepted_for_graduation=accepted,
        counts_toward=counts_toward,
        updated_by_id=updated_by.id if updated_by else None,
    )
    db.session.add(policy)
    db.session.flush()
    return policy


def _staff() -> User:
    return make_user(roles={Role.STAFF})


def make_earned(
    student: StudentProfile,
    credential: Credential,
    *,
    status: EarnedStatus = EarnedStatus.VERIFIED,
    earned_on: date | None = None,
    recorded_by: User | None = None,
    decided_by: User | None = None,
    reject_reason: str = "",
    note: str = "",
) -> StudentCredential:
    """``student`` earned ``credential`` on ``earned_on`` (default: 30 days ago), with a stored
    PDF as evidence. ``expires_on`` follows the credential's validity. A verified or rejected
    record is decided by ``decided_by`` (default: a new staff member)."""
    earned_on = earned_on or local_today() - timedelta(days=30)
    data = pdf_bytes(f"Certificate: {credential.name}")
    decided = status is not EarnedStatus.PENDING
    if decided and decided_by is None:
        decided_by = _staff()
    row = StudentCredential(
        student_id=student.id,
        credential_id=credential.id,
        earned_on=earned_on,
        expires_on=(
            earned_on + relativedelta(months=credential.validity_months)
            if credential.validity_months
            else None
        ),
        status=status,
        file_key=storage().save(data, folder="credentials", extension="pdf"),
        file_name="certificate.pdf",
        content_type="application/pdf",
        file_size=len(data),
        note=note,
        recorded_by_id=(recorded_by.id if recorded_by else student.user_id),
        decided_by_id=decided_by.id if decided and decided_by else None,
        decided_at=utcnow() if decided else None,
        reject_reason=reject_reason or ("Not readable." if status is EarnedStatus.REJECTED else ""),
    )
    db.session.add(row)
    db.session.flush()
    return row


def make_workkeys(
    student: StudentProfile,
    *,
    test: WorkKeysTest = WorkKeysTest.APPLIED_MATH,
    level: int = 5,
    tested_on: date | None = None,
    entered_by: User | None = None,
    source: ScoreSource = ScoreSource.WEB,
) -> WorkKeysScore:
    """A WorkKeys score of ``student`` (default: tested 60 days ago)."""
    score = WorkKeysScore(
        student_id=student.id,
        test=test,
        level=level,
        tested_on=tested_on or local_today() - timedelta(days=60),
        source=source,
        entered_by_id=(entered_by or _staff()).id,
    )
    db.session.add(score)
    db.session.flush()
    return score
