"""Who may report, read and act on an incident.

Issue 21: "Incidents are visible only to staff and the student's teacher; the reporter sees
their own report's status." Here:

- anyone the placement's page is shown to in one of its roles may report (the student, the
  supervisor, a teacher of the student's school, staff who see the student): whoever was
  there, or was told, should not have to find the right person first;
- the whole incident (description, follow-ups, closing note) is read by staff who see the
  student (``wbl.scopes``: their district, or all for county staff) and by the student's
  teachers: those whose class the student is in, the teachers the report is e-mailed to, not
  every teacher of the school (an incident is more private than an hours log);
- the reporter who is neither sees only their own report: what they wrote and its status;
- only staff record follow-ups, close it, and pause, resume or end the placement.
"""

from __future__ import annotations

from sqlalchemy import exists, select

from wbl.access import Role
from wbl.auth.models import User
from wbl.extensions import db
from wbl.incidents.models import Incident, ReporterRole
from wbl.placements.models import Placement
from wbl.placements.policies import is_employer_of, is_student_of, is_teacher_of, staff_sees
from wbl.schools.models import ClassSection, class_section_student


def reporter_role(user: User, placement: Placement) -> ReporterRole | None:
    """In what capacity ``user`` may report on ``placement``; None when they may not."""
    if is_student_of(user, placement):
        return ReporterRole.STUDENT
    if is_employer_of(user, placement):
        return ReporterRole.SUPERVISOR
    if staff_sees(user, placement):
        return ReporterRole.STAFF
    if is_teacher_of(user, placement):
        return ReporterRole.TEACHER
    return None


def is_class_teacher_of(user: User, student_id: int) -> bool:
    """A teacher with the student in one of their classes (one query)."""
    if not user.has_role(Role.TEACHER):
        return False
    return bool(
        db.session.scalar(
            select(
                exists()
                .where(ClassSection.teacher_id == user.id)
                .where(class_section_student.c.class_section_id == ClassSection.id)
                .where(class_section_student.c.student_id == student_id)
            )
        )
    )


def reads_in_full(user: User, incident: Incident) -> bool:
    """Staff who see the student, and the student's teachers."""
    return staff_sees(user, incident.placement) or is_class_teacher_of(
        user, incident.placement.student_id
    )


def is_reporter(user: User, incident: Incident) -> bool:
    return incident.reporter_id is not None and incident.reporter_id == user.id


def manages(user: User, incident: Incident) -> bool:
    """Follow up, close, pause, resume or end: staff who see the student."""
    return staff_sees(user, incident.placement)
