"""Work ready interview panels: staff create them; the panel pages read them.

The business rules (DOMAIN.md "Work Ready Certificate": portfolio review, then a work ready
interview before a panel, then the certificate):
- A panel is a session (a county-local date, time and length) at a place or on a video link
  (http or https only), with two or three panelists: employers or educators, i.e. any active
  user with the employer, teacher or staff role.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from urllib.parse import urlsplit

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from wbl.access import Role, require
from wbl.auth.models import User, UserRole
from wbl.certificates.interviews import interview_options
from wbl.certificates.models import Interview, InterviewPanel
from wbl.clock import local_to_utc
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db, utcnow
from wbl.pagination import paginate
from wbl.scopes import is_staff
from wbl.students.services import sees_student

MIN_PANELISTS, MAX_PANELISTS = 2, 3
PANELIST_ROLES = (Role.EMPLOYER, Role.TEACHER, Role.STAFF)
MIN_SESSION, MAX_SESSION = 15, 8 * 60
MAX_LOCATION = 200
MAX_URL = 500
MAX_NOTES = 2000
PANELS_PER_PAGE = 25


@dataclass(frozen=True, slots=True)
class PanelInput:
    day: date
    start: time
    duration_minutes: int
    location: str
    video_url: str
    notes: str
    member_ids: tuple[int, ...]


def panelist_candidates() -> list[User]:
    """Active employers, teachers and staff, by name (who may sit on a panel): people, not
    the service accounts API tokens act as."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.active.is_(True),
                User.is_person(),
                exists().where(UserRole.user_id == User.id, UserRole.role.in_(PANELIST_ROLES)),
            )
            .order_by(User.full_name, User.id)
        )
    )


def panel_page(actor: User, page: int) -> Pagination:
    """Panels, the latest session first, with their panelists and interviews loaded."""
    require(is_staff(actor))
    statement = (
        select(InterviewPanel)
        .options(
            selectinload(InterviewPanel.members),
            selectinload(InterviewPanel.interviews),
        )
        .order_by(InterviewPanel.starts_at.desc(), InterviewPanel.id.desc())
    )
    return paginate(statement, page=page, per_page=PANELS_PER_PAGE)


def get_panel(actor: User, panel_id: int) -> InterviewPanel:
    """A panel, for staff (panels are the county program's; the students on it are shown
    to each staff member by their own scope, see ``visible_interviews``)."""
    require(is_staff(actor))
    panel = db.session.scalar(
        select(InterviewPanel)
        .where(InterviewPanel.id == panel_id)
        .options(
            selectinload(InterviewPanel.members),
            selectinload(InterviewPanel.interviews).options(*interview_options()),
        )
    )
    if panel is None:
        raise NotFound()
    return panel


def visible_interviews(actor: User, panel: InterviewPanel) -> tuple[list[Interview], int]:
    """The panel's interviews of students the actor sees, and how many others there are."""
    shown = [i for i in panel.interviews if sees_student(actor, i.student)]
    return shown, len(panel.interviews) - len(shown)


def _clean_url(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    if len(value) > MAX_URL:
        raise DomainError(f"Keep the link under {MAX_URL} characters.", field="video_url")
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in value:
        raise DomainError(
            "Enter the full video link, starting with https:// (or http://).", field="video_url"
        )
    return value


def _members(member_ids: tuple[int, ...]) -> list[User]:
    chosen = list(dict.fromkeys(i for i in member_ids if i))
    if len(chosen) < MIN_PANELISTS or len(chosen) > MAX_PANELISTS:
        raise DomainError(
            f"Choose {MIN_PANELISTS} or {MAX_PANELISTS} different panelists.", field="member_ids"
        )
    users = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(User.id.in_(chosen)).options(selectinload(User.roles))
        )
    }
    members = []
    for user_id in chosen:
        user = users.get(user_id)
        if user is None or not user.active or not (user.role_set & set(PANELIST_ROLES)):
            raise DomainError(
                "Panelists are employers, teachers or staff with an active account.",
                field="member_ids",
            )
        members.append(user)
    return members


@atomic
def create_panel(actor: User, data: PanelInput) -> InterviewPanel:
    require(is_staff(actor))
    if not MIN_SESSION <= data.duration_minutes <= MAX_SESSION:
        raise DomainError(
            f"Choose a session length from {MIN_SESSION} to {MAX_SESSION} minutes.",
            field="duration_minutes",
        )
    starts_at = local_to_utc(data.day, data.start)
    if starts_at <= utcnow():
        raise DomainError("Choose a date and time in the future.", field="day")
    location = " ".join(data.location.split())
    if len(location) > MAX_LOCATION:
        raise DomainError(f"Keep the place under {MAX_LOCATION} characters.", field="location")
    video_url = _clean_url(data.video_url)
    if not location and not video_url:
        raise DomainError("Give the place, or a video link, or both.", field="location")
    notes = data.notes.strip()
    if len(notes) > MAX_NOTES:
        raise DomainError(f"Keep the notes under {MAX_NOTES} characters.", field="notes")
    panel = InterviewPanel(
        starts_at=starts_at,
        duration_minutes=data.duration_minutes,
        location=location,
        video_url=video_url,
        notes=notes,
        created_by_id=actor.id,
        members=_members(data.member_ids),
    )
    db.session.add(panel)
    db.session.commit()
    return panel
