"""Credential use cases: keep the catalog, set a district's policy, record an earned
credential with evidence and decide on it, enter WorkKeys scores.

Who may do what (FERPA: education records go to those with a legitimate interest):
- the catalog is the county's: every staff member reads it, county-wide staff keep it (a
  district's edit would change every other district's points and incentive list);
- district staff set only their own district's policy, county staff any district's;
- a student records their own credentials, a teacher their school's students', staff the
  students of their district (county staff: all); only staff verify or reject;
- the evidence file is for the student, their teachers and staff in scope (never employers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from flask import url_for
from flask_babel import gettext
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from wbl.access import require
from wbl.auth.models import User
from wbl.clock import local_today
from wbl.credentials.models import (
    WORKKEYS_LEVELS,
    Credential,
    DistrictCredentialPolicy,
    EarnedStatus,
    ScoreSource,
    StudentCredential,
    Subject,
    WorkKeysScore,
    WorkKeysTest,
)
from wbl.credentials.queries import district_policies
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db, lock_row, move_status, rows_affected, utcnow
from wbl.i18n import later, long_day
from wbl.notifications.services import queue_email
from wbl.portfolio.files import clean_upload
from wbl.portfolio.services import StoredFile, Upload
from wbl.reference.models import IndustrySector
from wbl.schools.models import District
from wbl.scopes import is_county_wide, is_staff, staff_sees_district
from wbl.storage import storage
from wbl.students.models import StudentProfile
from wbl.students.services import get_student, sees_student

MAX_NAME = 200
MAX_CODE = 80
MAX_NOTE = 2000
MAX_REASON = 2000
MAX_POINTS = 100  # Ohio's largest credential is worth 12 points; 100 leaves room, not typos
MAX_VALIDITY_MONTHS = 600  # 50 years; beyond it ``expiry`` would overflow a date


# --- the catalog ------------------------------------------------------------------------------


def keeps_catalog(user: User) -> bool:
    """County-wide staff keep the catalog: it is the same for every district."""
    return is_county_wide(user)


def require_catalog_keeper(user: User) -> None:
    """Forbidden (403) for anyone but county-wide staff."""
    require(keeps_catalog(user))


@dataclass(frozen=True, slots=True)
class CredentialData:
    name: str
    issuer: str
    sector_id: int | None
    points: int | None
    expires: bool
    validity_months: int | None
    external_code: str = ""
    incentive_qualified: bool = False
    active: bool = True


def _check_credential(data: CredentialData, credential_id: int | None) -> tuple[int, int]:
    """Every rule a catalog entry must meet; the first broken one is raised on its field.
    Returns the sector and the points, both known to be given."""
    if not data.name.strip():
        raise DomainError("Give the credential's name.", field="name")
    if not data.issuer.strip():
        raise DomainError("Give the issuing body (who awards the credential).", field="issuer")
    if len(data.name.strip()) > MAX_NAME or len(data.issuer.strip()) > MAX_NAME:
        field = "name" if len(data.name.strip()) > MAX_NAME else "issuer"
        raise DomainError(f"At most {MAX_NAME} characters.", field=field)
    if data.sector_id is None or db.session.get(IndustrySector, data.sector_id) is None:
        raise DomainError("Choose the career field.", field="sector_id")
    if data.points is None:
        raise DomainError("Give the point value (0 if it carries no points).", field="points")
    if data.points < 0:
        raise DomainError("Points cannot be negative.", field="points")
    if data.points > MAX_POINTS:
        raise DomainError(f"Points go up to {MAX_POINTS}.", field="points")
    if data.expires and data.validity_months is None:
        raise DomainError(
            "Give how many months the credential stays valid, or untick “Expires”.",
            field="validity_months",
        )
    if not data.expires and data.validity_months is not None:
        raise DomainError(
            "A credential that does not expire has no validity period: tick “Expires” or "
            "leave the months blank.",
            field="validity_months",
        )
    if data.validity_months is not None and data.validity_months <= 0:
        raise DomainError("The validity must be at least one month.", field="validity_months")
    if data.validity_months is not None and data.validity_months > MAX_VALIDITY_MONTHS:
        raise DomainError(
            f"The validity is at most {MAX_VALIDITY_MONTHS} months (50 years).",
            field="validity_months",
        )
    code = data.external_code.strip()
    if len(code) > MAX_CODE:
        raise DomainError(f"At most {MAX_CODE} characters.", field="external_code")
    others = select(Credential).where(Credential.id != (credential_id or 0))
    same_name = db.session.scalar(
        others.where(
            func.lower(Credential.name) == data.name.strip().lower(),
            func.lower(Credential.issuer) == data.issuer.strip().lower(),
        )
    )
    if same_name is not None:
        raise DomainError(
            f"The catalog already has “{same_name.name}” from {same_name.issuer}.",
            field="name",
        )
    if code and db.session.scalar(others.where(Credential.external_code == code)) is not None:
        raise DomainError(
            f"Another credential already has the external code “{code}”.", field="external_code"
        )
    return data.sector_id, data.points


def get_credential(credential_id: int) -> Credential:
    credential = db.session.get(Credential, credential_id)
    if credential is None:
        raise NotFound()
    return credential


@atomic
def save_credential(
    actor: User, data: CredentialData, credential_id: int | None = None
) -> Credential:
    """Add a credential to the catalog, or change one (county-wide staff only). A changed
    validity recomputes the expiry of the credential's pending and verified records."""
    require_catalog_keeper(actor)
    credential = get_credential(credential_id) if credential_id else Credential()
    sector_id, points = _check_credential(data, credential_id)
    old_validity = credential.validity_months
    credential.name = data.name.strip()
    credential.issuer = data.issuer.strip()
    credential.sector_id = sector_id
    credential.points = points
    credential.validity_months = data.validity_months if data.expires else None
    credential.external_code = data.external_code.strip() or None
    credential.incentive_qualified = data.incentive_qualified
    credential.active = data.active
    try:
        with db.session.begin_nested():
            db.session.add(credential)
            db.session.flush()
            if credential_id and credential.validity_months != old_validity:
                refresh_expiry(credential)
    except IntegrityError:  # the same name or code saved by someone else meanwhile
        raise DomainError(
            "Another credential with this name and issuer, or this external code, was just "
            "saved. Check the catalog.",
            field="name",
        ) from None
    db.session.commit()
    return credential


# --- district policy --------------------------------------------------------------------------


def policy_district(actor: User, district_id: int) -> District:
    """A district whose policy the actor may set: any for county staff, their own for
    district staff (another district is not found)."""
    require(is_staff(actor))
    district = db.session.get(District, district_id)
    if district is None or not staff_sees_district(actor, district.id):
        raise NotFound()
    return district


@dataclass(frozen=True, slots=True)
class PolicyChoice:
    credential_id: int
    accepted: bool
    counts_toward: Subject


@atomic
def set_policies(actor: User, district_id: int, choices: list[PolicyChoice]) -> int:
    """Save the district's policy for each credential named; returns how many changed.
    A credential that counts toward English or math must be accepted for graduation."""
    district = policy_district(actor, district_id)
    known = set(db.session.scalars(select(Credential.id)))
    for choice in choices:
        if choice.credential_id not in known:
            raise NotFound()
        if choice.counts_toward is not Subject.NEITHER and not choice.accepted:
            name = db.session.get(Credential, choice.credential_id)
            raise DomainError(
                f"“{name.name if name else 'A credential'}” counts toward "
                f"{choice.counts_toward.label.lower()} but is not accepted for graduation. "
                "Accept it, or set it to count toward neither.",
                field=f"counts_{choice.credential_id}",
            )
    current = district_policies(district.id)
    changed = 0
    now = utcnow()
    for choice in choices:
        row = current.get(choice.credential_id)
        if row is None:
            if not choice.accepted and choice.counts_toward is Subject.NEITHER:
                continue  # no row means exactly this
            row = DistrictCredentialPolicy(
                district_id=district.id, credential_id=choice.credential_id
            )
            db.session.add(row)
        elif (
            row.accepted_for_graduation == choice.accepted
            and row.counts_toward is choice.counts_toward
        ):
            continue
        row.accepted_for_graduation = choice.accepted
        row.counts_toward = choice.counts_toward
        row.updated_by_id = actor.id
        row.updated_at = now
        changed += 1
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # another save of the same district made the row meanwhile
        raise DomainError(
            "Someone else saved this district's policy just now. Try again."
        ) from None
    db.session.commit()
    return changed


# --- earned credentials -----------------------------------------------------------------------


def expiry(earned_on: date, validity_months: int | None) -> date | None:
    """The last day a credential earned on ``earned_on`` is valid (a month later than the
    31st is the month's last day: 31 Jan + 1 month = 28/29 Feb)."""
    if validity_months is None:
        return None
    return earned_on + relativedelta(months=validity_months)


def refresh_expiry(credential: Credential) -> None:
    """``expires_on`` is stored with each record (a snapshot of the validity when it was
    recorded), so a changed validity recomputes it for the records that still count or may
    count: pending and verified (a rejected record keeps its history). Flushes, no commit."""
    rows = db.session.scalars(
        select(StudentCredential).where(
            StudentCredential.credential_id == credential.id,
            StudentCredential.status.in_([EarnedStatus.PENDING, EarnedStatus.VERIFIED]),
        )
    )
    for row in rows:
        row.expires_on = expiry(row.earned_on, credential.validity_months)
    db.session.flush()


@dataclass(frozen=True, slots=True)
class EarnedInput:
    credential_id: int | None
    earned_on: date | None
    evidence: Upload | None
    note: str = ""


@atomic
def record_earned(actor: User, student_id: int, earned: EarnedInput) -> StudentCredential:
    """The student, a teacher of their school or staff in scope record a credential the
    student earned, with evidence. It waits for staff to verify it."""
    student = get_student(actor, student_id)
    credential = db.session.get(Credential, earned.credential_id) if earned.credential_id else None
    if credential is None or not credential.active:
        raise DomainError(gettext("Choose a credential from the catalog."), field="credential_id")
    if earned.earned_on is None:
        raise DomainError(gettext("Give the date the credential was earned."), field="earned_on")
    if earned.earned_on > local_today():
        raise DomainError(gettext("The date earned cannot be in the future."), field="earned_on")
    note = earned.note.strip()
    if len(note) > MAX_NOTE:
        raise DomainError(
            gettext("The note is too long (at most %(most)s characters).", most=MAX_NOTE),
            field="note",
        )
    if earned.evidence is None:
        raise DomainError(
            gettext("Upload the evidence: the certificate, score report or licence."),
            field="evidence",
        )
    clean = clean_upload(earned.evidence.data, earned.evidence.filename, field="evidence")
    lock_row(StudentProfile, student.id)  # one recording per student at a time
    duplicate = db.session.scalar(
        select(StudentCredential.status).where(
            StudentCredential.student_id == student.id,
            StudentCredential.credential_id == credential.id,
            StudentCredential.earned_on == earned.earned_on,
            StudentCredential.status.in_([EarnedStatus.PENDING, EarnedStatus.VERIFIED]),
        )
    )
    if duplicate is not None:
        raise DomainError(
            gettext(
                "%(credential)s earned on %(day)s is already recorded (%(status)s).",
                credential=credential.name,
                day=long_day(earned.earned_on),
                status=EarnedStatus(duplicate).label.lower(),
            ),
            field="credential_id",
        )
    key = storage().save(clean.data, folder="credentials", extension=clean.extension)
    row = StudentCredential(
        student_id=student.id,
        credential_id=credential.id,
        earned_on=earned.earned_on,
        expires_on=expiry(earned.earned_on, credential.validity_months),
        status=EarnedStatus.PENDING,
        file_key=key,
        file_name=clean.name,
        content_type=clean.content_type,
        file_size=clean.size,
        note=note,
        recorded_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:  # recorded in another tab meanwhile: the unique index said no
        storage().delete(key)
        raise DomainError(
            gettext(
                "%(credential)s earned on that date is already recorded.",
                credential=credential.name,
            ),
            field="credential_id",
        ) from None
    db.session.commit()
    return row


def get_record(actor: User, record_id: int) -> StudentCredential:
    """An earned credential of a student the actor may see (anyone else's: not found)."""
    row = db.session.scalar(
        select(StudentCredential)
        .where(StudentCredential.id == record_id)
        .options(
            selectinload(StudentCredential.student).selectinload(StudentProfile.school),
            selectinload(StudentCredential.credential),
        )
    )
    if row is None or not sees_student(actor, row.student):
        raise NotFound()
    return row


def _decide(
    actor: User, record_id: int, status: EarnedStatus, reason: str = ""
) -> StudentCredential:
    row = get_record(actor, record_id)
    require(is_staff(actor))
    moved = move_status(
        row,
        EarnedStatus.PENDING,
        status=status,
        decided_by_id=actor.id,
        decided_at=utcnow(),
        reject_reason=reason,
    )
    if not moved:  # decided by someone else meanwhile: the UPDATE changed nothing
        raise DomainError(f"This credential was already decided: it is {row.status.label.lower()}.")
    _tell_student(row)
    return row


def _tell_student(row: StudentCredential) -> None:
    """E-mail the student the decision (through the outbox, in the same transaction)."""
    name = row.credential.name
    page = url_for("credentials.mine", _external=True)
    earned = later(long_day, row.earned_on)
    queue_email(
        kind="credential_decision",
        to=row.student.user.email,
        template="credentials/decision",
        context={
            "verified": row.status is EarnedStatus.VERIFIED,
            "name": name,
            "earned": earned,
            "reason": row.reject_reason,
            "page": page,
        },
    )


@atomic
def verify(actor: User, record_id: int) -> StudentCredential:
    """Staff in scope verify a pending record: from now on it counts."""
    row = _decide(actor, record_id, EarnedStatus.VERIFIED)
    db.session.commit()
    return row


@atomic
def reject(actor: User, record_id: int, reason: str) -> StudentCredential:
    """Staff in scope reject a pending record, with a reason the student sees."""
    text = (reason or "").strip()
    if not text:
        raise DomainError("Say why, so the student can fix it.", field="reason")
    if len(text) > MAX_REASON:
        raise DomainError(f"At most {MAX_REASON} characters.", field="reason")
    row = _decide(actor, record_id, EarnedStatus.REJECTED, text)
    db.session.commit()
    return row


def withdrawable_record(actor: User, record_id: int) -> StudentCredential:
    """A pending record the actor may withdraw: whoever may record for the student (the
    same scope as seeing them; NotFound outside it). A decided one is refused."""
    row = get_record(actor, record_id)
    if row.status is not EarnedStatus.PENDING:
        raise DomainError(
            gettext(
                "Only a credential waiting for verification can be withdrawn: %(credential)s is "
                "%(status)s.",
                credential=row.credential.name,
                status=row.status.label.lower(),
            )
        )
    return row


@atomic
def withdraw_record(actor: User, record_id: int) -> StudentCredential:
    """The student, or a teacher or staff member who may record for them, withdraws a record
    still waiting for verification: a mistake, or the wrong file. A verified or rejected
    record stays, as the decision's history.

    The DELETE is conditional on the record still being pending, so a record verified while
    the withdrawal was on its way is kept. Its evidence file goes too, unless another record
    shares the stored file (the demo stores one certificate per credential)."""
    row = withdrawable_record(actor, record_id)
    key = row.file_key
    deleted = rows_affected(
        db.session.execute(
            delete(StudentCredential)
            .where(
                StudentCredential.id == row.id,
                StudentCredential.status == EarnedStatus.PENDING,
            )
            .execution_options(synchronize_session=False)
        )
    )
    if deleted != 1:  # decided (or withdrawn) by someone else meanwhile: nothing changed
        now = db.session.scalar(
            select(StudentCredential.status).where(StudentCredential.id == row.id)
        )
        if now is None:
            raise DomainError(gettext("This credential was already withdrawn."))
        raise DomainError(
            gettext(
                "This credential was decided meanwhile: it is %(status)s, and stays on the record.",
                status=EarnedStatus(now).label.lower(),
            )
        )
    db.session.expunge(row)  # gone from the database; the caller still reads its fields
    shared = db.session.scalar(
        select(StudentCredential.id).where(StudentCredential.file_key == key).limit(1)
    )
    db.session.commit()
    if shared is None:
        storage().delete(key)  # after the commit: a failed commit keeps the evidence
    return row


def evidence_file(actor: User, record_id: int) -> StoredFile:
    row = get_record(actor, record_id)
    return StoredFile(storage().read(row.file_key), row.file_name, row.content_type)


# --- WorkKeys ---------------------------------------------------------------------------------


def check_level(level: int | None) -> int:
    if level is None or level not in WORKKEYS_LEVELS:
        raise DomainError("WorkKeys levels run from 3 to 7.", field="level")
    return level


@atomic
def enter_score(
    actor: User, student_id: int, test: WorkKeysTest, level: int | None, tested_on: date | None
) -> WorkKeysScore:
    """Staff enter a WorkKeys score of a student in their scope."""
    require(is_staff(actor))
    student = get_student(actor, student_id)
    check_level(level)
    if tested_on is None:
        raise DomainError("Give the test date.", field="tested_on")
    if tested_on > local_today():
        raise DomainError("The test date cannot be in the future.", field="tested_on")
    score = WorkKeysScore(
        student_id=student.id,
        test=test,
        level=level,
        tested_on=tested_on,
        source=ScoreSource.WEB,
        entered_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(score)
            db.session.flush()
    except IntegrityError:  # the same test on the same day is already recorded
        raise DomainError(
            f"The {test.label} score of {tested_on:%B %-d, %Y} is already recorded.",
            field="tested_on",
        ) from None
    db.session.commit()
    return score
