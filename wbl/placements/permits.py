"""Work permits for the paid placements of minors (California).

A minor (under 18 on the placement's first day) needs a work permit for paid work. The
"Statement of Intent to Employ a Minor and Request for a Work Permit" (form B1-1) has a part
for the student, one for a parent or guardian and one for the employer; with the three parts
in, the school issues the "Permit to Employ and Work" (B1-4) or refuses it. A permit expires
(in California at the latest five days after the next school year starts); the date is the
school's to write, from the permit it issued.

Here: a placement of a minor in a paid offering gets a ``WorkPermit`` request when it is made
(``start_permit``, called by ``lifecycle.place`` in the placement's transaction), or when staff
open one. Each party fills in their part from their own e-mailed link, which works like the
training agreement's (``training.py``): an itsdangerous token with a purpose salt names the
part and carries its nonce; signing clears the nonce, so a link works once; a tampered or
expired link changes nothing. A link is good for ``LINK_DAYS`` days; staff may send a party
a new one (a new nonce, which retires the old link). The student may also fill in theirs
signed in.

Once every part is in, the request is ``complete`` and the school (CTE staff who see the
student: the program's staff issue the permit on the school's behalf; teachers do not) issues
it (with its dates) or refuses it (with a reason, e-mailed to the student and the guardian).
Each decision is a compare-and-set (``move_status``): of two staff deciding at once, one wins.

Until the permit is issued and covers the day, no hours are logged on the placement
(``hours_blocked``, asked by ``wbl.hours.services``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import has_request_context, url_for
from flask_babel import gettext
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import selectinload

from wbl.access import require
from wbl.auth.models import User
from wbl.catalog.models import Offering, PartnerContact
from wbl.clock import local_today
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import atomic, db, lock_row, move_status, rows_affected, utcnow
from wbl.i18n import N_
from wbl.notifications.services import queue_email, recipient_language
from wbl.placements import policies
from wbl.placements.models import (
    Application,
    PermitPart,
    PermitParty,
    PermitStatus,
    Placement,
    PlacementStatus,
    WorkPermit,
)
from wbl.placements.training import _guardian_language
from wbl.schools.models import School
from wbl.scopes import in_staff_district
from wbl.students.models import StudentProfile
from wbl.tokens import InvalidLink, make_token, read_token

PURPOSE = "work-permit"
LINK_DAYS = 30
MAX_REASON = 2000

PARTY_LABELS = {
    PermitParty.STUDENT: N_("Student"),
    PermitParty.GUARDIAN: N_("Parent or guardian"),
    PermitParty.EMPLOYER: N_("Employer"),
}


class PartAlreadyGiven(InvalidLink):
    message = N_("This link has already been used or is no longer needed. Nothing was changed.")


class AlreadyDecided(DomainError):
    message = N_("The school has already decided on this permit; nothing was changed.")


# --- who needs one -------------------------------------------------------------------------


def needs_permit(placement: Placement) -> bool:
    """A paid placement of a student under 18 on its first day (today when it has none)."""
    if not placement.offering.paid:
        return False
    return placement.student.age_on(placement.start_date or local_today()) < 18


def start_permit(placement: Placement) -> WorkPermit | None:
    """The permit request of a minor's paid placement, with a part (and a link) for each
    party. Runs in the placement's transaction: flushes, never commits. A party without an
    e-mail address gets no link; staff see the part missing and send one later."""
    if not needs_permit(placement):
        return None
    student = placement.student
    parties = [
        (PermitParty.STUDENT, student.user.full_name, student.user.email),
        (PermitParty.GUARDIAN, student.guardian_name, student.guardian_email),
    ]
    supervisor = placement.supervisor
    parties.append(
        (
            PermitParty.EMPLOYER,
            supervisor.user.full_name if supervisor else "",
            supervisor.user.email if supervisor else "",
        )
    )
    permit = WorkPermit(
        placement=placement,
        parts=[
            PermitPart(party=party, name=name or "", email=email or "", nonce=secrets.token_hex(16))
            for party, name, email in parties
        ],
    )
    db.session.add(permit)
    db.session.flush()
    for part in permit.parts:
        _send_link(part)
    db.session.flush()
    return permit


# --- links ---------------------------------------------------------------------------------


def part_link(part: PermitPart) -> str:
    token = make_token(PURPOSE, {"p": part.id, "n": part.nonce})
    return url_for("permits.part", token=token, _external=True)


def read_part_link(token: str) -> tuple[PermitPart, str]:
    """The part a link is for and its nonce, if it can still be given. Raises
    ``InvalidLink`` (tampered, or made for something else), ``ExpiredLink`` (older than
    ``LINK_DAYS``) or ``PartAlreadyGiven`` (used, replaced by a new link, or no longer
    needed: the placement was cancelled or the school has decided)."""
    data = read_token(PURPOSE, token, max_age=LINK_DAYS * 86400)
    part_id, nonce = data.get("p"), data.get("n")
    if not isinstance(part_id, int) or not isinstance(nonce, str):
        raise InvalidLink()
    part = db.session.get(PermitPart, part_id)
    if part is None:
        raise InvalidLink()
    if (
        part.signed_at is not None
        or part.nonce != nonce
        or part.permit.status not in (PermitStatus.REQUESTED, PermitStatus.COMPLETE)
        or part.permit.placement.status is PlacementStatus.CANCELLED
    ):
        raise PartAlreadyGiven()
    return part, nonce


def _language(part: PermitPart) -> str:
    placement = part.permit.placement
    guardian = part.party is PermitParty.GUARDIAN
    return recipient_language(part.email, _guardian_language(placement) if guardian else None)


def guardian_page_language(part: PermitPart) -> str | None:
    """The language a guardian's page opens in when the records know it (the one they chose
    for the consent, else the roster's); None otherwise (the browser's then)."""
    if part.party is not PermitParty.GUARDIAN:
        return None
    return _guardian_language(part.permit.placement) or None


def _send_link(part: PermitPart) -> None:
    if not part.email:
        return
    placement = part.permit.placement
    link = part_link(part) if has_request_context() else ""
    part.sent_at = utcnow()
    queue_email(
        kind="work_permit_part",
        to=part.email,
        language=_language(part),
        template="placements/work_permit_part",
        context={
            "name": part.name,
            "party": part.party.value,
            "student": placement.student,
            "offering": placement.offering,
            "link": link,
        },
    )


# --- reading -------------------------------------------------------------------------------


def _permit_query() -> Select[WorkPermit]:
    return select(WorkPermit).options(
        selectinload(WorkPermit.parts),
        selectinload(WorkPermit.placement)
        .selectinload(Placement.student)
        .options(selectinload(StudentProfile.user), selectinload(StudentProfile.school)),
        selectinload(WorkPermit.placement)
        .selectinload(Placement.offering)
        .selectinload(Offering.partner),
        selectinload(WorkPermit.placement)
        .selectinload(Placement.supervisor)
        .selectinload(PartnerContact.user),
    )


def permit_of(placement_id: int) -> WorkPermit | None:
    """The placement's permit request (no scope check: for pages that have checked it)."""
    return db.session.scalar(_permit_query().where(WorkPermit.placement_id == placement_id))


def _sees(actor: User, placement: Placement) -> bool:
    """The placement's people: the student, teachers of the school, staff in scope and the
    employer's contacts (the employer is a party to the permit)."""
    return (
        policies.is_student_of(actor, placement)
        or policies.is_teacher_of(actor, placement)
        or policies.staff_sees(actor, placement)
        or policies.is_employer_of(actor, placement)
    )


def get_permit(actor: User, placement_id: int) -> WorkPermit:
    permit = permit_of(placement_id)
    if permit is None or not _sees(actor, permit.placement):
        raise NotFound()
    return permit


def pending_for(actor: User) -> Select[WorkPermit]:
    """The requests in ``actor``'s staff scope still waiting (parts, or the school's
    decision), those ready to decide first, oldest first."""
    return (
        _permit_query()
        .join(Placement, Placement.id == WorkPermit.placement_id)
        .join(StudentProfile, StudentProfile.id == Placement.student_id)
        .join(School, School.id == StudentProfile.school_id)
        .where(
            in_staff_district(actor, School.district_id),
            WorkPermit.status.in_((PermitStatus.REQUESTED, PermitStatus.COMPLETE)),
            Placement.status != PlacementStatus.CANCELLED,
        )
        .order_by((WorkPermit.status == PermitStatus.COMPLETE).desc(), WorkPermit.created_at)
    )


def hours_blocked(placement: Placement, day: date) -> str | None:
    """Why no hours may be logged on ``day`` for lack of a permit, or None. Only a placement
    with a permit request (a minor's paid placement) is gated."""
    permit = db.session.scalar(select(WorkPermit).where(WorkPermit.placement_id == placement.id))
    if permit is None:
        return None
    if permit.status is PermitStatus.REFUSED:
        return gettext("The school refused the work permit: no hours can be logged.")
    if permit.status is not PermitStatus.ISSUED:
        return gettext(
            "Waiting for the work permit: hours can be logged once the school has issued it."
        )
    if not permit.valid_on(day):
        return gettext(
            "The work permit covers %(start)s to %(end)s: hours outside those days cannot be "
            "logged.",
            start=permit.issued_on.isoformat() if permit.issued_on else "…",
            end=permit.expires_on.isoformat() if permit.expires_on else "…",
        )
    return None


def hour_limits_apply(placement: Placement, day: date) -> int | None:
    """The student's age on ``day`` when the minors' hour limits (``minor_hours``) apply to
    hours logged on it: on a placement with a permit request (a minor's paid job), while
    the student is under 18. None otherwise."""
    has_permit = db.session.scalar(
        select(WorkPermit.id).where(WorkPermit.placement_id == placement.id)
    )
    if has_permit is None:
        return None
    age = placement.student.age_on(day)
    return age if age < 18 else None


# --- giving a part -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PartAnswer:
    """What a party gives: the typed name always, and the facts their part asks for."""

    typed_name: str
    school_name: str = ""
    grade: str = ""
    consents: bool = False
    job_title: str = ""
    duties: str = ""
    hours_per_day: int | None = None
    hours_per_week: int | None = None
    pay_rate: str = ""


def _clean(part: PermitPart, answer: PartAnswer) -> dict[str, object]:
    """The columns to write, after the rules of the party's part (one error at a time, on
    its field, in the page's order)."""
    values: dict[str, object] = {}
    if part.party is PermitParty.STUDENT:
        school = " ".join(answer.school_name.split())
        if not school:
            raise DomainError(gettext("Write the name of your school."), field="school_name")
        grade = answer.grade.strip()
        if grade not in {"9", "10", "11", "12", "7", "8"}:
            raise DomainError(gettext("Choose your grade."), field="grade")
        values |= {"school_name": school[:120], "grade": grade}
    elif part.party is PermitParty.GUARDIAN:
        if not answer.consents:
            raise DomainError(
                gettext("Tick this box to give your consent to this work."), field="consents"
            )
        values |= {"consents": True}
    else:
        title = " ".join(answer.job_title.split())
        if not title:
            raise DomainError("Write the job title.", field="job_title")
        duties = answer.duties.strip()
        if len(duties) < 10:
            raise DomainError("Describe the duties (at least 10 characters).", field="duties")
        if answer.hours_per_day is None or not 1 <= answer.hours_per_day <= 8:
            raise DomainError("Hours per day: a whole number from 1 to 8.", field="hours_per_day")
        if answer.hours_per_week is None or not 1 <= answer.hours_per_week <= 48:
            raise DomainError(
                "Hours per week: a whole number from 1 to 48.", field="hours_per_week"
            )
        if answer.hours_per_week < answer.hours_per_day:
            raise DomainError(
                "Hours per week cannot be fewer than hours per day.", field="hours_per_week"
            )
        values |= {
            "job_title": title[:120],
            "duties": duties[:2000],
            "hours_per_day": answer.hours_per_day,
            "hours_per_week": answer.hours_per_week,
            "pay_rate": " ".join(answer.pay_rate.split())[:40],
        }
    # The signature last, as on the page.
    typed = " ".join(answer.typed_name.split())
    if len(typed) < 3:
        raise DomainError(gettext("Type your full name to sign."), field="typed_name")
    return values | {"typed_name": typed[:120]}


def _give(part: PermitPart, nonce: str | None, answer: PartAnswer, ip_address: str) -> None:
    """Write the part once (``nonce`` None: the signed-in student, who has no link) and
    complete the request when it was the last. Flushes."""
    values = _clean(part, answer)
    # Parts given at the same moment: the last one in sees the others and completes it.
    permit = lock_row(WorkPermit, part.permit_id)
    if permit.status is not PermitStatus.REQUESTED or (
        permit.placement.status is PlacementStatus.CANCELLED
    ):
        raise PartAlreadyGiven()
    conditions = [PermitPart.id == part.id, PermitPart.signed_at.is_(None)]
    if nonce is not None:
        conditions.append(PermitPart.nonce == nonce)
    used = rows_affected(
        db.session.execute(
            update(PermitPart)
            .where(*conditions)
            .values(nonce=None, signed_at=utcnow(), ip_address=ip_address[:64], **values)
            .execution_options(synchronize_session=False)
        )
    )
    if used != 1:
        raise PartAlreadyGiven()
    missing = db.session.scalar(
        select(func.count(PermitPart.id)).where(
            PermitPart.permit_id == permit.id, PermitPart.signed_at.is_(None)
        )
    )
    if missing == 0:
        move_status(permit, PermitStatus.REQUESTED, status=PermitStatus.COMPLETE)
    for each in permit.parts:
        db.session.expire(each)


@atomic
def give_part(part_id: int, nonce: str, answer: PartAnswer, *, ip_address: str) -> PermitPart:
    """A party gives their part from their link."""
    part = db.session.get(PermitPart, part_id)
    if part is None:
        raise NotFound()
    _give(part, nonce, answer, ip_address)
    db.session.commit()
    return part


def own_part(actor: User, placement_id: int) -> PermitPart:
    """The signed-in student's part of their permit request."""
    permit = get_permit(actor, placement_id)
    require(policies.is_student_of(actor, permit.placement))
    return next(p for p in permit.parts if p.party is PermitParty.STUDENT)


@atomic
def give_own_part(
    actor: User, placement_id: int, answer: PartAnswer, *, ip_address: str
) -> PermitPart:
    """The student gives their part signed in (their link, if any, then no longer works)."""
    part = own_part(actor, placement_id)
    if part.signed_at is not None:
        raise PartAlreadyGiven()
    _give(part, None, answer, ip_address)
    db.session.commit()
    return part


# --- staff ---------------------------------------------------------------------------------


def _staff_permit(actor: User, placement_id: int) -> WorkPermit:
    permit = get_permit(actor, placement_id)
    if not policies.staff_sees(actor, permit.placement):
        raise Forbidden()
    return permit


@atomic
def request_permit(actor: User, placement_id: int) -> WorkPermit:
    """Staff open a permit request for a placement that has none (one made before permits
    were kept, or whose offering became paid): only a minor's paid placement needs one."""
    placement = db.session.get(Placement, placement_id)
    if placement is None or not policies.staff_sees(actor, placement):
        raise NotFound()
    if placement.status is not PlacementStatus.ACTIVE:
        raise DomainError("Only an active placement can get a work permit request.")
    if permit_of(placement_id) is not None:
        raise DomainError("This placement already has a work permit request.")
    permit = start_permit(placement)
    if permit is None:
        raise DomainError("Only a paid placement of a student under 18 needs a work permit.")
    db.session.commit()
    return permit


@atomic
def resend_link(actor: User, placement_id: int, party: PermitParty) -> PermitPart:
    """A new link for a party who has not given their part (read again from the records:
    an address added since); the new nonce retires the old link."""
    permit = _staff_permit(actor, placement_id)
    part = next((p for p in permit.parts if p.party is party), None)
    if part is None:
        raise NotFound()
    if part.signed_at is not None or permit.status is not PermitStatus.REQUESTED:
        raise DomainError("This part is already given.")
    placement = permit.placement
    if party is PermitParty.STUDENT:
        name, email = placement.student.user.full_name, placement.student.user.email
    elif party is PermitParty.GUARDIAN:
        name, email = placement.student.guardian_name, placement.student.guardian_email
    elif placement.supervisor is not None:
        name, email = placement.supervisor.user.full_name, placement.supervisor.user.email
    else:
        name, email = "", ""
    if not email:
        raise DomainError("There is no e-mail address for this party: add it to their record.")
    changed = rows_affected(
        db.session.execute(
            update(PermitPart)
            .where(PermitPart.id == part.id, PermitPart.signed_at.is_(None))
            .values(nonce=secrets.token_hex(16), name=name or part.name, email=email)
            .execution_options(synchronize_session=False)
        )
    )
    if changed != 1:
        raise DomainError("This part is already given.")
    db.session.expire(part)
    _send_link(part)
    db.session.commit()
    return part


@dataclass(frozen=True, slots=True)
class Issue:
    issued_on: date
    expires_on: date
    permit_number: str = ""


@atomic
def issue(actor: User, placement_id: int, decision: Issue) -> WorkPermit:
    """The school issues the permit, once every part is in."""
    permit = _staff_permit(actor, placement_id)
    today = local_today()
    if decision.issued_on > today:
        raise DomainError("The issue date cannot be in the future.", field="issued_on")
    if decision.expires_on <= decision.issued_on:
        raise DomainError("The permit must expire after the day it is issued.", field="expires_on")
    if decision.expires_on < today:
        raise DomainError("This expiry date has already passed.", field="expires_on")
    if permit.status is PermitStatus.REQUESTED:
        raise DomainError("Every party must give their part before the permit is issued.")
    moved = move_status(
        permit,
        PermitStatus.COMPLETE,
        status=PermitStatus.ISSUED,
        issued_on=decision.issued_on,
        expires_on=decision.expires_on,
        permit_number=" ".join(decision.permit_number.split())[:40],
        decided_by_id=actor.id,
        decided_at=utcnow(),
    )
    if not moved:
        raise AlreadyDecided()
    _tell(permit, "issued")
    db.session.commit()
    return permit


@atomic
def refuse(actor: User, placement_id: int, reason: str) -> WorkPermit:
    """The school refuses the permit (before or after the parts are in), with a reason the
    student and the guardian are e-mailed."""
    permit = _staff_permit(actor, placement_id)
    reason = reason.strip()
    if len(reason) < 10:
        raise DomainError("Give the reason (at least 10 characters).", field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(f"Keep the reason under {MAX_REASON} characters.", field="reason")
    values: dict[str, object] = {
        "status": PermitStatus.REFUSED,
        "refusal_reason": reason,
        "decided_by_id": actor.id,
        "decided_at": utcnow(),
    }
    # Refusable from two statuses: read the one it is in under the row's lock (a last part
    # may be completing it this moment), then move from exactly that one.
    current = lock_row(WorkPermit, permit.id).status
    if current not in (PermitStatus.REQUESTED, PermitStatus.COMPLETE):
        raise AlreadyDecided()
    if not move_status(permit, current, **values):
        raise AlreadyDecided()
    db.session.execute(
        update(PermitPart)
        .where(PermitPart.permit_id == permit.id, PermitPart.signed_at.is_(None))
        .values(nonce=None)
        .execution_options(synchronize_session=False)
    )
    _tell(permit, "refused")
    db.session.commit()
    return permit


def _tell(permit: WorkPermit, what: str) -> None:
    """The decision, to the student and the guardian (and, when issued, the employer), each
    in their language. The refusal's reason is written for the family."""
    db.session.refresh(permit)
    placement = permit.placement
    student = placement.student
    recipients: list[tuple[str, str, str | None]] = [(student.user.email, "student", None)]
    if student.guardian_email:
        recipients.append((student.guardian_email, "guardian", _guardian_language(placement)))
    if what == "issued" and placement.supervisor is not None:
        recipients.append((placement.supervisor.user.email, "employer", None))
    link = (
        url_for("permits.detail", placement_id=placement.id, _external=True)
        if has_request_context()
        else ""
    )
    for email, whom, language in recipients:
        message: dict[str, Any] = {
            "kind": f"work_permit_{what}",
            "to": email,
            "language": recipient_language(email, language),
            "context": {
                "whom": whom,
                "student": student,
                "offering": placement.offering,
                "permit": permit,
                "link": link if whom != "guardian" else "",
                "guardian_name": student.guardian_name,
            },
        }
        # Each template named in full, so the e-mail checks (and a translator) find its file.
        if what == "issued":
            queue_email(template="placements/work_permit_issued", **message)
        else:
            queue_email(template="placements/work_permit_refused", **message)


def missing_permit(application: Application) -> bool:
    """An active placement that needs a permit and has no request (made before permits were
    kept, or its offering became paid): staff may open one."""
    placement = application.placement
    return (
        placement is not None
        and placement.status is PlacementStatus.ACTIVE
        and permit_of(placement.id) is None
        and needs_permit(placement)
    )


def application_permit(application: Application) -> WorkPermit | None:
    """The permit request of an application's placement, for its page."""
    if application.placement is None:
        return None
    return permit_of(application.placement.id)
