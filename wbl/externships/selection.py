"""Who goes on an externship: teachers apply, staff decline them or place them as a team.

- **Apply.** A teacher applies once per externship, with a statement, while it is open, the
  apply-by date has not passed and seats are left; they may withdraw while still ``applied``.
- **Place a team.** Staff place two or more applicants together (never fewer than the
  externship's minimum team size), all or nothing. The seats are taken by ONE conditional
  UPDATE (``seats_taken + n <= seats``), so two staff placing teams at once never overbook;
  each applicant moves by compare-and-set from ``applied`` to ``placed``, so an applicant who
  withdrew a moment ago is not placed (and the seats go back with the savepoint).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from wbl.access import Role, require
from wbl.auth.models import User
from wbl.clock import local_today
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db, lock_row, move_status, rows_affected, utcnow
from wbl.externships.models import (
    Externship,
    ExternshipApplication,
    ExternshipStatus,
    ExternshipTeam,
    TeacherApplicationStatus,
)
from wbl.externships.policies import is_teacher_of, staff_sees_teacher
from wbl.externships.services import (
    get_application,
    get_externship,
    own_application,
    partner_contacts,
)
from wbl.hours.services import MAX_DESCRIPTION
from wbl.notifications.services import queue_email
from wbl.scopes import is_staff

MAX_STATEMENT = 4000


# --- apply ---------------------------------------------------------------------------------


def open_problem(externship: Externship, today: date) -> str | None:
    """Why a teacher cannot apply now, or None."""
    if externship.status is not ExternshipStatus.OPEN:
        return "This externship is not taking applications."
    if externship.apply_by is not None and externship.apply_by < today:
        return f"Applications closed on {externship.apply_by:%B} {externship.apply_by.day}."
    if externship.seats_taken >= externship.seats:
        return "Every seat of this externship is taken."
    left = externship.seats - externship.seats_taken
    if left < externship.min_team_size:
        # Teachers are placed in teams of at least min_team_size: fewer seats fit nobody.
        return (
            f"Only {left} {'seat is' if left == 1 else 'seats are'} left, fewer than a team "
            f"of {externship.min_team_size}; this externship is full."
        )
    return None


@atomic
def apply(actor: User, externship_id: int, statement: str) -> ExternshipApplication:
    require(actor.has_role(Role.TEACHER))
    externship = get_externship(actor, externship_id)
    # Under a lock on the externship, read afresh: closed or cancelled a moment ago is seen.
    externship = lock_row(Externship, externship.id)
    if own_application(actor, externship.id) is not None:
        raise DomainError("You have already applied to this externship.", field="statement")
    problem = open_problem(externship, local_today())
    if problem:
        raise DomainError(problem, field="statement")
    statement = (statement or "").strip()
    if not statement:
        raise DomainError(
            "Say why you want this externship and what you would bring back to class.",
            field="statement",
        )
    if len(statement) > MAX_STATEMENT:
        raise DomainError(
            f"Keep the statement under {MAX_STATEMENT} characters.", field="statement"
        )
    application = ExternshipApplication(
        externship_id=externship.id, teacher_id=actor.id, statement=statement
    )
    db.session.add(application)
    try:
        db.session.flush()
    except IntegrityError:  # the same teacher, twice at the same moment
        raise DomainError(
            "You have already applied to this externship.", field="statement"
        ) from None
    db.session.commit()
    return application


@atomic
def withdraw(actor: User, application_id: int) -> ExternshipApplication:
    application = get_application(actor, application_id)
    require(is_teacher_of(actor, application))
    if not move_status(
        application,
        TeacherApplicationStatus.APPLIED,
        status=TeacherApplicationStatus.WITHDRAWN,
        updated_at=utcnow(),
    ):
        raise DomainError("Only an application still waiting for a decision can be withdrawn.")
    db.session.commit()
    return application


@atomic
def decline(actor: User, application_id: int, note: str) -> ExternshipApplication:
    """Staff turn an applicant down, with a note the teacher sees."""
    application = get_application(actor, application_id)
    require(is_staff(actor))
    note = (note or "").strip()
    if not note:
        raise DomainError("Tell the teacher why (they see this note).", field="note")
    if len(note) > MAX_DESCRIPTION:
        raise DomainError("Keep the note shorter.", field="note")
    if not move_status(
        application,
        TeacherApplicationStatus.APPLIED,
        status=TeacherApplicationStatus.DECLINED,
        decision_note=note,
        updated_at=utcnow(),
    ):
        raise DomainError("This application has already been decided.", field="note")
    externship = application.externship
    queue_email(
        kind="externship_declined",
        to=application.teacher.email,
        template="externships/declined",
        context={"externship": externship, "note": note},
    )
    db.session.commit()
    return application


# --- place teams ---------------------------------------------------------------------------


def _take_seats(externship_id: int, count: int) -> bool:
    """Take ``count`` seats in one conditional UPDATE, or none (the database serialises
    the updates on the row; the CHECK ``seats_taken <= seats`` is the second line)."""
    return (
        rows_affected(
            db.session.execute(
                update(Externship)
                .where(
                    Externship.id == externship_id,
                    Externship.seats_taken + count <= Externship.seats,
                )
                .values(seats_taken=Externship.seats_taken + count)
                .execution_options(synchronize_session=False)
            )
        )
        == 1
    )


@atomic
def place_team(actor: User, externship_id: int, application_ids: Iterable[int]) -> ExternshipTeam:
    """Place the chosen applicants together, all or nothing."""
    require(is_staff(actor))
    externship = get_externship(actor, externship_id)
    if externship.status is ExternshipStatus.CANCELLED:
        raise DomainError("This externship is cancelled.")
    ids = sorted(set(application_ids))
    needed = max(externship.min_team_size, 2)
    if len(ids) < needed:
        raise DomainError(
            f"Place a team of at least {needed} teachers; you chose {len(ids)}. "
            "Nothing was changed."
        )
    applications = list(
        db.session.scalars(
            select(ExternshipApplication)
            .where(
                ExternshipApplication.id.in_(ids),
                ExternshipApplication.externship_id == externship.id,
            )
            .options(selectinload(ExternshipApplication.teacher).selectinload(User.school))
            .order_by(ExternshipApplication.id)
        )
    )
    if len(applications) != len(ids):
        raise NotFound()
    if not all(staff_sees_teacher(actor, a.teacher) for a in applications):
        raise NotFound()  # another district's teacher
    gone = [a for a in applications if a.status is not TeacherApplicationStatus.APPLIED]
    if gone:
        raise DomainError(_not_waiting(gone))
    if not _take_seats(externship.id, len(ids)):
        left = db.session.scalar(
            select(Externship.seats - Externship.seats_taken).where(Externship.id == externship.id)
        )
        raise DomainError(
            f"Not enough seats: the team needs {len(ids)} and {left} "
            f"{'is' if left == 1 else 'are'} left. Nothing was changed."
        )
    db.session.expire(externship, ["seats_taken"])
    team = ExternshipTeam(externship_id=externship.id, placed_by_id=actor.id)
    db.session.add(team)
    db.session.flush()
    for application in applications:
        if not move_status(
            application,
            TeacherApplicationStatus.APPLIED,
            status=TeacherApplicationStatus.PLACED,
            team_id=team.id,
            updated_at=utcnow(),
        ):
            raise DomainError(_not_waiting([application]))
    _tell_team(externship, applications)
    db.session.commit()
    return team


def _not_waiting(applications: list[ExternshipApplication]) -> str:
    names = ", ".join(f"{a.teacher.full_name} ({a.status.value})" for a in applications)
    return f"No longer waiting to be placed: {names}. Nothing was changed."


def _tell_team(externship: Externship, applications: list[ExternshipApplication]) -> None:
    names = ", ".join(a.teacher.full_name for a in applications)
    for application in applications:
        queue_email(
            kind="externship_placed",
            to=application.teacher.email,
            template="externships/placed",
            context={"externship": externship, "names": names},
        )
    for contact in partner_contacts(externship.partner_id):
        queue_email(
            kind="externship_team",
            to=contact.email,
            template="externships/team",
            context={"externship": externship, "names": names},
        )
