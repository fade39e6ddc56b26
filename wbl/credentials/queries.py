"""Credential queries: the catalog list, a district's policies, a student's records and
WorkKeys scores, and the verification queue (each scoped by the caller or by the actor)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import selectinload

from wbl.auth.models import User
from wbl.credentials.models import (
    Credential,
    DistrictCredentialPolicy,
    EarnedStatus,
    StudentCredential,
    WorkKeysScore,
    WorkKeysTest,
)
from wbl.extensions import db
from wbl.students.models import StudentProfile
from wbl.students.queries import students_visible_to


def catalog(
    *, text: str = "", sector_id: int | None = None, active: bool | None = None
) -> Select[Credential]:
    """The catalog, by career field then name, narrowed by a search in the name, issuer or
    external code, a career field, and active or not."""
    query = (
        select(Credential)
        .options(selectinload(Credential.sector))
        .order_by(Credential.sector_id, func.lower(Credential.name), Credential.id)
    )
    words = text.strip().lower()
    if words:
        query = query.where(
            func.lower(Credential.name).contains(words, autoescape=True)
            | func.lower(Credential.issuer).contains(words, autoescape=True)
            | func.lower(func.coalesce(Credential.external_code, "")).contains(
                words, autoescape=True
            )
        )
    if sector_id is not None:
        query = query.where(Credential.sector_id == sector_id)
    if active is not None:
        query = query.where(Credential.active.is_(active))
    return query


def active_credentials() -> Select[Credential]:
    """What a student may record: active credentials, by name."""
    return (
        select(Credential)
        .where(Credential.active.is_(True))
        .options(selectinload(Credential.sector))
        .order_by(func.lower(Credential.name), Credential.id)
    )


def district_policies(district_id: int) -> dict[int, DistrictCredentialPolicy]:
    """The district's policy rows by credential id (no row: not accepted, neither)."""
    return {
        p.credential_id: p
        for p in db.session.scalars(
            select(DistrictCredentialPolicy)
            .where(DistrictCredentialPolicy.district_id == district_id)
            .options(selectinload(DistrictCredentialPolicy.updated_by))
        )
    }


def student_records(student_id: int) -> Select[StudentCredential]:
    """A student's earned credentials, newest first, with what the page shows loaded."""
    return (
        select(StudentCredential)
        .where(StudentCredential.student_id == student_id)
        .options(
            selectinload(StudentCredential.credential).selectinload(Credential.sector),
            selectinload(StudentCredential.decided_by),
            selectinload(StudentCredential.recorded_by),
        )
        .order_by(StudentCredential.earned_on.desc(), StudentCredential.id.desc())
    )


def _pending_in_scope(actor: User) -> tuple[ColumnElement[bool], ...]:
    visible = students_visible_to(actor).with_only_columns(StudentProfile.id)
    return (
        StudentCredential.status == EarnedStatus.PENDING,
        StudentCredential.student_id.in_(visible),
    )


def pending_count(actor: User) -> Select[int]:
    """How many records of the students the actor may see wait for verification (one
    query, for the staff home)."""
    return select(func.count(StudentCredential.id)).where(*_pending_in_scope(actor))


def verification_queue(actor: User) -> Select[StudentCredential]:
    """Pending records of the students the actor may see, oldest first."""
    return (
        select(StudentCredential)
        .where(*_pending_in_scope(actor))
        .options(
            selectinload(StudentCredential.credential).selectinload(Credential.sector),
            selectinload(StudentCredential.student).selectinload(StudentProfile.user),
            selectinload(StudentCredential.student).selectinload(StudentProfile.school),
            selectinload(StudentCredential.recorded_by),
        )
        .order_by(StudentCredential.recorded_at, StudentCredential.id)
    )


def workkeys_history(student_id: int) -> Select[WorkKeysScore]:
    return (
        select(WorkKeysScore)
        .where(WorkKeysScore.student_id == student_id)
        .options(selectinload(WorkKeysScore.entered_by))
        .order_by(WorkKeysScore.tested_on.desc(), WorkKeysScore.test)
    )


def best_workkeys(student_id: int) -> dict[WorkKeysTest, int | None]:
    """The best level the student reached on each WorkKeys test (None: not taken)."""
    best: dict[WorkKeysTest, int | None] = dict.fromkeys(WorkKeysTest)
    for test, level in db.session.execute(
        select(WorkKeysScore.test, func.max(WorkKeysScore.level))
        .where(WorkKeysScore.student_id == student_id)
        .group_by(WorkKeysScore.test)
    ):
        best[WorkKeysTest(test)] = level
    return best
