"""What other features ask of the roster."""

from __future__ import annotations

from sqlalchemy import func, select

from wbl.extensions import db
from wbl.roster.models import Guardian


def guardian_language(student_id: int, email: str) -> str:
    """The language the roster gives for the student's guardian with this e-mail address
    (the consent contact; BCP 47, e.g. "es"), or "" when the roster does not say."""
    if not email:
        return ""
    language = db.session.scalar(
        select(Guardian.language)
        .where(
            Guardian.student_id == student_id,
            func.lower(Guardian.email) == email.strip().lower(),
            Guardian.active.is_(True),
            Guardian.language != "",
        )
        .order_by(Guardian.id)
        .limit(1)
    )
    return language or ""
