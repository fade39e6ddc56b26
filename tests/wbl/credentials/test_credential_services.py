"""Credential services: the catalog's rules, district policies (scope), recording an earned
credential (every validation), deciding on it (only once, only staff in scope), WorkKeys."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select, update

from tests.support.builders import make_district, make_school, make_student, make_user, sector
from tests.support.credential_data import make_credential, make_earned, make_workkeys
from tests.support.upload_files import corrupt_pdf, pdf_bytes
from wbl.access import Role
from wbl.auth.models import User
from wbl.clock import local_today
from wbl.credentials import services
from wbl.credentials.models import (
    Credential,
    DistrictCredentialPolicy,
    EarnedStatus,
    StudentCredential,
    Subject,
    WorkKeysScore,
    WorkKeysTest,
)
from wbl.credentials.queries import best_workkeys, verification_queue
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import db
from wbl.notifications.models import OutboxMessage
from wbl.portfolio.services import Upload
from wbl.storage import storage


def staff(district=None):  # type: ignore[no-untyped-def]
    return make_user(roles={Role.STAFF}, district=district)


def data(**overrides: object) -> services.CredentialData:
    values: dict[str, object] = {
        "name": "Certified Nursing Assistant",
        "issuer": "State Board of Nursing",
        "sector_id": sector("health").id,
        "points": 4,
        "expires": True,
        "validity_months": 24,
        "external_code": "",
    }
    values.update(overrides)
    return services.CredentialData(**values)  # type: ignore[arg-type]


# --- catalog ----------------------------------------------------------------------------------


def test_staff_add_and_edit_a_credential() -> None:
    actor = staff()
    credential = services.save_credential(actor, data(external_code=" CO-1 "))
    assert credential.external_code == "CO-1"
    assert credential.validity_months == 24
    services.save_credential(actor, data(expires=False, validity_months=None), credential.id)
    assert credential.validity_months is None
    assert not credential.expires


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"name": "  "}, "name", "name"),
        ({"issuer": ""}, "issuer", "issuing body"),
        ({"sector_id": None}, "sector_id", "career field"),
        ({"points": -1}, "points", "negative"),
        ({"points": None}, "points", "point value"),
        ({"expires": True, "validity_months": None}, "validity_months", "how many months"),
        ({"expires": False, "validity_months": 12}, "validity_months", "does not expire"),
        ({"validity_months": 0}, "validity_months", "at least one month"),
        ({"points": 101}, "points", "up to 100"),
        ({"validity_months": 100_000}, "validity_months", "at most 600 months"),
        ({"external_code": "x" * 81}, "external_code", "At most 80"),
    ],
)
def test_credential_rules(overrides: dict[str, object], field: str, words: str) -> None:
    with pytest.raises(DomainError) as refused:
        services.save_credential(staff(), data(**overrides))
    assert refused.value.field == field
    assert words in refused.value.message
    assert db.session.scalar(select(func.count()).select_from(Credential)) == 0


def test_duplicate_name_and_issuer_and_code_are_refused() -> None:
    make_credential(name="CNA", issuer="Board", external_code="CO-7")
    with pytest.raises(DomainError, match="already has “CNA” from Board") as refused:
        services.save_credential(staff(), data(name="cna", issuer="BOARD"))
    assert refused.value.field == "name"
    with pytest.raises(DomainError, match="external code “CO-7”") as refused:
        services.save_credential(staff(), data(external_code="CO-7"))
    assert refused.value.field == "external_code"


def test_editing_keeps_its_own_name_and_code() -> None:
    credential = make_credential(name="CNA", issuer="Board", external_code="CO-7")
    services.save_credential(
        staff(), data(name="CNA", issuer="Board", external_code="CO-7", points=5), credential.id
    )
    assert credential.points == 5


@pytest.mark.parametrize("role", [Role.TEACHER, Role.STUDENT, Role.EMPLOYER])
def test_only_staff_keep_the_catalog(role: Role) -> None:
    with pytest.raises(Forbidden):
        services.save_credential(make_user(roles={role}), data())


def test_district_staff_do_not_keep_the_county_catalog() -> None:
    """The catalog is every district's: one district must not change another's points."""
    credential = make_credential(name="CNA", issuer="Board", points=3)
    district_staff = staff(make_district())
    with pytest.raises(Forbidden):
        services.save_credential(district_staff, data())
    with pytest.raises(Forbidden):
        services.save_credential(
            district_staff, data(name="CNA", issuer="Board", points=9), credential.id
        )
    assert credential.points == 3
    assert services.keeps_catalog(staff())
    assert not services.keeps_catalog(district_staff)


def test_a_changed_validity_recomputes_the_records_expiry() -> None:
    """``expires_on`` is a snapshot: staff changing the validity bring it up to date for
    pending and verified records; a rejected record keeps its history."""
    credential = make_credential(name="CNA", issuer="Board", validity_months=12)
    earned_on = date(2025, 1, 31)
    rows = {
        status: make_earned(make_student(), credential, status=status, earned_on=earned_on)
        for status in EarnedStatus
    }
    assert {r.expires_on for r in rows.values()} == {date(2026, 1, 31)}
    services.save_credential(
        staff(), data(name="CNA", issuer="Board", validity_months=13), credential.id
    )
    for row in rows.values():
        db.session.refresh(row)
    assert rows[EarnedStatus.PENDING].expires_on == date(2026, 2, 28)
    assert rows[EarnedStatus.VERIFIED].expires_on == date(2026, 2, 28)
    assert rows[EarnedStatus.REJECTED].expires_on == date(2026, 1, 31)
    services.save_credential(
        staff(),
        data(name="CNA", issuer="Board", expires=False, validity_months=None),
        credential.id,
    )
    db.session.refresh(rows[EarnedStatus.VERIFIED])
    assert rows[EarnedStatus.VERIFIED].expires_on is None


# --- district policy --------------------------------------------------------------------------


def test_district_staff_set_their_own_district_policy() -> None:
    district = make_district()
    actor = staff(district)
    cna, osha = make_credential(), make_credential()
    changed = services.set_policies(
        actor,
        district.id,
        [
            services.PolicyChoice(cna.id, True, Subject.MATH),
            services.PolicyChoice(osha.id, False, Subject.NEITHER),
        ],
    )
    assert changed == 1  # not accepted and neither: no row needed
    row = db.session.scalars(select(DistrictCredentialPolicy)).one()
    assert (row.credential_id, row.counts_toward, row.updated_by_id) == (
        cna.id,
        Subject.MATH,
        actor.id,
    )
    assert row.updated_at is not None
    again = services.set_policies(
        actor, district.id, [services.PolicyChoice(cna.id, True, Subject.MATH)]
    )
    assert again == 0


def test_district_staff_cannot_reach_another_district() -> None:
    mine, other = make_district(), make_district()
    with pytest.raises(NotFound):
        services.set_policies(
            staff(mine), other.id, [services.PolicyChoice(make_credential().id, True, Subject.BOTH)]
        )
    assert services.policy_district(staff(), other.id) == other  # county staff: any


def test_counting_toward_a_subject_needs_acceptance() -> None:
    district = make_district()
    credential = make_credential(name="OSHA 10")
    with pytest.raises(DomainError, match="not accepted for graduation") as refused:
        services.set_policies(
            staff(district),
            district.id,
            [services.PolicyChoice(credential.id, False, Subject.ENGLISH)],
        )
    assert refused.value.field == f"counts_{credential.id}"
    assert db.session.scalar(select(func.count()).select_from(DistrictCredentialPolicy)) == 0


def test_teachers_cannot_set_policy() -> None:
    district = make_district()
    teacher = make_user(roles={Role.TEACHER}, school=make_school(district=district))
    with pytest.raises(Forbidden):
        services.policy_district(teacher, district.id)


# --- earned credentials -----------------------------------------------------------------------


def earned(credential: Credential, **overrides: object) -> services.EarnedInput:
    values: dict[str, object] = {
        "credential_id": credential.id,
        "earned_on": local_today() - timedelta(days=3),
        "evidence": Upload(pdf_bytes("Certificate"), "cert.pdf"),
        "note": "",
    }
    values.update(overrides)
    return services.EarnedInput(**values)  # type: ignore[arg-type]


def test_a_student_records_a_credential_that_expires() -> None:
    student = make_student()
    credential = make_credential(validity_months=1)
    row = services.record_earned(
        student.user, student.id, earned(credential, earned_on=date(2024, 1, 31))
    )
    assert row.status is EarnedStatus.PENDING
    assert row.expires_on == date(2024, 2, 29)  # a month after Jan 31 in a leap year
    assert row.content_type == "application/pdf"
    assert row.recorded_by_id == student.user_id


def test_a_teacher_of_the_school_records_for_a_student() -> None:
    student = make_student()
    teacher = make_user(roles={Role.TEACHER}, school=student.school)
    row = services.record_earned(teacher, student.id, earned(make_credential()))
    assert row.recorded_by_id == teacher.id
    assert row.expires_on is None


OUTSIDERS = ["other student", "other teacher", "other staff", "employer"]


def outsider(who: str) -> User:
    """Someone who does not see a new student's records: one of ``OUTSIDERS``."""
    return {
        "other student": lambda: make_student().user,
        "other teacher": lambda: make_user(roles={Role.TEACHER}, school=make_school()),
        "other staff": lambda: staff(make_district()),
        "employer": lambda: make_user(roles={Role.EMPLOYER}),
    }[who]()


@pytest.mark.parametrize("who", OUTSIDERS)
def test_out_of_scope_recording_is_not_found(who: str) -> None:
    student = make_student()
    actor = outsider(who)
    with pytest.raises(NotFound):
        services.record_earned(actor, student.id, earned(make_credential()))


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ("inactive", "credential_id", "Choose a credential"),
        ("no credential", "credential_id", "Choose a credential"),
        ("future", "earned_on", "future"),
        ("no date", "earned_on", "date"),
        ("no file", "evidence", "Upload the evidence"),
        ("bad file", "evidence", "not a PDF"),
        ("corrupt pdf", "evidence", "PDF"),
        ("empty file", "evidence", "empty"),
        ("huge file", "evidence", "limit is 10 MB"),
        ("long note", "note", "too long"),
    ],
)
def test_recording_rules(change: str, field: str, words: str) -> None:
    student = make_student()
    credential = make_credential()
    overrides: dict[str, object] = {
        "inactive": {"credential_id": make_credential(active=False).id},
        "no credential": {"credential_id": None},
        "future": {"earned_on": local_today() + timedelta(days=1)},
        "no date": {"earned_on": None},
        "no file": {"evidence": None},
        "bad file": {"evidence": Upload(b"MZ\x90\x00 an executable", "cert.pdf")},
        "corrupt pdf": {"evidence": Upload(corrupt_pdf(), "cert.pdf")},
        "empty file": {"evidence": Upload(b"", "cert.pdf")},
        "huge file": {"evidence": Upload(b"%PDF-" + b"0" * (10 * 1024 * 1024), "big.pdf")},
        "long note": {"note": "x" * 2001},
    }[change]
    with pytest.raises(DomainError) as refused:
        services.record_earned(student.user, student.id, earned(credential, **overrides))
    assert refused.value.field == field
    assert words in refused.value.message
    assert db.session.scalar(select(func.count()).select_from(StudentCredential)) == 0


def test_the_same_credential_and_date_is_recorded_once() -> None:
    student = make_student()
    credential = make_credential(name="OSHA 10")
    day = local_today() - timedelta(days=5)
    services.record_earned(student.user, student.id, earned(credential, earned_on=day))
    with pytest.raises(DomainError, match="already recorded") as refused:
        services.record_earned(student.user, student.id, earned(credential, earned_on=day))
    assert refused.value.field == "credential_id"
    # Another date is another certificate; a rejected one may be recorded again.
    services.record_earned(
        student.user, student.id, earned(credential, earned_on=day - timedelta(days=1))
    )
    rejected = make_earned(
        student, credential, status=EarnedStatus.REJECTED, earned_on=day - timedelta(days=9)
    )
    services.record_earned(
        student.user, student.id, earned(credential, earned_on=rejected.earned_on)
    )


def test_the_database_refuses_a_second_live_record() -> None:
    student = make_student()
    credential = make_credential()
    day = date(2025, 5, 1)
    make_earned(student, credential, status=EarnedStatus.VERIFIED, earned_on=day)
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), db.session.begin_nested():
        make_earned(student, credential, status=EarnedStatus.PENDING, earned_on=day)


# --- decisions --------------------------------------------------------------------------------


def _decision_mails(to: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == "credential_decision", OutboxMessage.to_email == to
            )
        )
    )


def test_staff_verify_once() -> None:
    student = make_student()
    row = make_earned(
        student, make_credential(name="Pharmacy Technician"), status=EarnedStatus.PENDING
    )
    actor = staff(student.school.district)
    with current_app.test_request_context():
        services.verify(actor, row.id)
    assert row.status is EarnedStatus.VERIFIED
    assert row.decided_by_id == actor.id
    assert row.decided_at is not None
    with (
        current_app.test_request_context(),
        pytest.raises(DomainError, match="already decided: it is verified"),
    ):
        services.reject(staff(), row.id, "Not readable")
    assert row.status is EarnedStatus.VERIFIED
    assert row.reject_reason == ""
    # The student hears once, from the decision that counted.
    [mail] = _decision_mails(student.user.email)
    assert mail.subject == "Your credential is verified: Pharmacy Technician"
    assert "/credentials/mine" in mail.body_text


def test_a_rejection_tells_the_student_why() -> None:
    student = make_student()
    row = make_earned(student, make_credential(name="OSHA 10"), status=EarnedStatus.PENDING)
    with current_app.test_request_context():
        services.reject(staff(), row.id, "The card's name is not legible.")
    [mail] = _decision_mails(student.user.email)
    assert mail.subject == "Your credential needs another look: OSHA 10"
    assert "The card's name is not legible." in mail.body_text


def test_a_stale_second_decision_changes_nothing() -> None:
    """Two staff open the same pending record; the second click loses the race."""
    student = make_student()
    row = make_earned(student, make_credential(), status=EarnedStatus.PENDING)
    first, second = staff(), staff()
    with current_app.test_request_context():
        services.reject(first, row.id, "The name on the certificate is not yours.")
        with pytest.raises(DomainError, match="already decided: it is rejected"):
            services.verify(second, row.id)
    db.session.refresh(row)
    assert (row.status, row.decided_by_id) == (EarnedStatus.REJECTED, first.id)
    assert row.reject_reason == "The name on the certificate is not yours."


def test_rejecting_needs_a_reason() -> None:
    row = make_earned(make_student(), make_credential(), status=EarnedStatus.PENDING)
    with pytest.raises(DomainError, match="Say why") as refused:
        services.reject(staff(), row.id, "   ")
    assert refused.value.field == "reason"
    assert row.status is EarnedStatus.PENDING


def test_only_staff_in_scope_decide() -> None:
    student = make_student()
    row = make_earned(student, make_credential(), status=EarnedStatus.PENDING)
    teacher = make_user(roles={Role.TEACHER}, school=student.school)
    with pytest.raises(Forbidden):
        services.verify(teacher, row.id)
    with pytest.raises(Forbidden):
        services.verify(student.user, row.id)
    with pytest.raises(NotFound):
        services.verify(staff(make_district()), row.id)
    assert row.status is EarnedStatus.PENDING


def test_evidence_is_for_the_student_teachers_and_staff_in_scope() -> None:
    student = make_student()
    row = make_earned(student, make_credential())
    for reader in (
        student.user,
        make_user(roles={Role.TEACHER}, school=student.school),
        staff(student.school.district),
        staff(),
    ):
        assert services.evidence_file(reader, row.id).data.startswith(b"%PDF-")
    for outsider in (
        make_student().user,
        make_user(roles={Role.TEACHER}, school=make_school()),
        staff(make_district()),
        make_user(roles={Role.EMPLOYER}),
    ):
        with pytest.raises(NotFound):
            services.evidence_file(outsider, row.id)


def test_the_queue_holds_pending_records_in_scope_oldest_first() -> None:
    district = make_district()
    here = make_student(school=make_school(district=district))
    there = make_student()
    credential = make_credential()
    older = make_earned(here, credential, status=EarnedStatus.PENDING, earned_on=date(2025, 1, 1))
    newer = make_earned(here, credential, status=EarnedStatus.PENDING, earned_on=date(2025, 2, 1))
    newer.recorded_at = older.recorded_at + timedelta(minutes=5)
    make_earned(here, credential, status=EarnedStatus.VERIFIED, earned_on=date(2025, 3, 1))
    elsewhere = make_earned(there, credential, status=EarnedStatus.PENDING)
    db.session.flush()
    assert list(db.session.scalars(verification_queue(staff(district)))) == [older, newer]
    assert elsewhere in list(db.session.scalars(verification_queue(staff())))


# --- WorkKeys ---------------------------------------------------------------------------------


def test_staff_enter_a_score_and_the_best_level_counts() -> None:
    student = make_student()
    actor = staff(student.school.district)
    services.enter_score(actor, student.id, WorkKeysTest.APPLIED_MATH, 4, date(2025, 1, 10))
    services.enter_score(actor, student.id, WorkKeysTest.APPLIED_MATH, 6, date(2025, 3, 10))
    make_workkeys(student, test=WorkKeysTest.GRAPHIC_LITERACY, level=3)
    assert best_workkeys(student.id) == {
        WorkKeysTest.APPLIED_MATH: 6,
        WorkKeysTest.GRAPHIC_LITERACY: 3,
        WorkKeysTest.WORKPLACE_DOCUMENTS: None,
    }


@pytest.mark.parametrize(
    ("level", "tested_on", "field", "words"),
    [
        (2, date(2025, 1, 1), "level", "3 to 7"),
        (8, date(2025, 1, 1), "level", "3 to 7"),
        (None, date(2025, 1, 1), "level", "3 to 7"),
        (5, None, "tested_on", "test date"),
        (5, "future", "tested_on", "future"),
        (5, "duplicate", "tested_on", "already recorded"),
    ],
)
def test_score_rules(level: int | None, tested_on: object, field: str, words: str) -> None:
    student = make_student()
    if tested_on == "future":
        tested_on = local_today() + timedelta(days=1)
    elif tested_on == "duplicate":
        tested_on = date(2025, 2, 2)
        make_workkeys(student, test=WorkKeysTest.APPLIED_MATH, tested_on=tested_on)
    before = db.session.scalar(select(func.count()).select_from(WorkKeysScore))
    with pytest.raises(DomainError) as refused:
        services.enter_score(staff(), student.id, WorkKeysTest.APPLIED_MATH, level, tested_on)  # type: ignore[arg-type]
    assert refused.value.field == field
    assert words in refused.value.message
    assert db.session.scalar(select(func.count()).select_from(WorkKeysScore)) == before


def test_scores_are_for_staff_in_scope() -> None:
    student = make_student()
    teacher = make_user(roles={Role.TEACHER}, school=student.school)
    with pytest.raises(Forbidden):
        services.enter_score(teacher, student.id, WorkKeysTest.APPLIED_MATH, 5, date(2025, 1, 1))
    with pytest.raises(NotFound):
        services.enter_score(
            staff(make_district()), student.id, WorkKeysTest.APPLIED_MATH, 5, date(2025, 1, 1)
        )


# --- withdrawing ------------------------------------------------------------------------------


def _stored(key: str) -> bool:
    try:
        storage().read(key)
    except NotFound:
        return False
    return True


@pytest.mark.parametrize("who", ["the student", "teacher of the school", "district staff"])
def test_a_pending_record_is_withdrawn_with_its_evidence(who: str) -> None:
    student = make_student()
    actor = {
        "the student": lambda: student.user,
        "teacher of the school": lambda: make_user(roles={Role.TEACHER}, school=student.school),
        "district staff": lambda: staff(student.school.district),
    }[who]()
    row = make_earned(student, make_credential(name="OSHA 10"), status=EarnedStatus.PENDING)
    record_id, key = row.id, row.file_key
    withdrawn = services.withdraw_record(actor, record_id)
    assert withdrawn.credential.name == "OSHA 10"
    assert db.session.get(StudentCredential, record_id) is None
    assert not _stored(key)


@pytest.mark.parametrize("status", [EarnedStatus.VERIFIED, EarnedStatus.REJECTED])
def test_a_decided_record_cannot_be_withdrawn(status: EarnedStatus) -> None:
    student = make_student()
    row = make_earned(student, make_credential(name="OSHA 10"), status=status)
    with pytest.raises(DomainError) as refused:
        services.withdraw_record(student.user, row.id)
    assert refused.value.message == (
        "Only a credential waiting for verification can be withdrawn: "
        f"OSHA 10 is {status.label.lower()}."
    )
    assert db.session.get(StudentCredential, row.id) is not None
    assert _stored(row.file_key)


@pytest.mark.parametrize("who", OUTSIDERS)
def test_withdrawing_out_of_scope_is_not_found(who: str) -> None:
    student = make_student()
    row = make_earned(student, make_credential(), status=EarnedStatus.PENDING)
    actor = outsider(who)
    with pytest.raises(NotFound):
        services.withdraw_record(actor, row.id)
    with pytest.raises(NotFound):
        services.withdraw_record(student.user, row.id + 1000)
    assert db.session.get(StudentCredential, row.id) is not None


def test_a_record_verified_meanwhile_is_kept() -> None:
    """The student's page said pending; staff verified it before the withdrawal arrived. The
    conditional DELETE finds no pending row and changes nothing."""
    student = make_student()
    row = make_earned(student, make_credential(), status=EarnedStatus.PENDING)
    # Another request verifies it behind this session's back (its copy still says pending).
    db.session.execute(
        update(StudentCredential)
        .where(StudentCredential.id == row.id)
        .values(status=EarnedStatus.VERIFIED)
        .execution_options(synchronize_session=False)
    )
    assert row.status is EarnedStatus.PENDING
    with pytest.raises(DomainError, match="decided meanwhile: it is verified, and stays"):
        services.withdraw_record(student.user, row.id)
    assert (
        db.session.scalar(select(StudentCredential.status).where(StudentCredential.id == row.id))
        == EarnedStatus.VERIFIED
    )
    assert _stored(row.file_key)


def test_a_second_withdrawal_is_not_found() -> None:
    student = make_student()
    row = make_earned(student, make_credential(), status=EarnedStatus.PENDING)
    record_id = row.id
    services.withdraw_record(student.user, record_id)
    with pytest.raises(NotFound):
        services.withdraw_record(student.user, record_id)


def test_a_shared_evidence_file_stays_while_another_record_uses_it() -> None:
    """The demo stores one certificate per credential for all its students' records."""
    first, second = make_student(), make_student()
    credential = make_credential()
    mine = make_earned(first, credential, status=EarnedStatus.PENDING)
    theirs = make_earned(second, credential, status=EarnedStatus.PENDING)
    own_key = theirs.file_key
    theirs.file_key = mine.file_key
    db.session.flush()
    storage().delete(own_key)
    services.withdraw_record(first.user, mine.id)
    assert _stored(theirs.file_key)  # the other record still needs it
    services.withdraw_record(second.user, theirs.id)
    assert not _stored(mine.file_key)
