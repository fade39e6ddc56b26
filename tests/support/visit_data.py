"""Test data for worksite visits: a visit recorded through the real service."""

from __future__ import annotations

from datetime import date

from flask import current_app

from tests.support.hour_data import yesterday
from wbl.auth.models import User
from wbl.placements.models import Placement
from wbl.visits import queries, services
from wbl.visits.models import ChecklistAnswer, WorksiteVisit


def answers_for(placement: Placement, answer: ChecklistAnswer = ChecklistAnswer.YES) -> dict:
    """The checklist of the placement's district, and every item answered ``answer``."""
    items = queries.checklist(placement.student.school.district_id)
    return {"items": items, "key": services.checklist_key(items), "answer": answer}


def record(
    actor: User,
    placement: Placement,
    *,
    on: date | None = None,
    notes: str = "Met the supervisor; the stockroom is tidy.",
    follow_up: str = "",
    answer: ChecklistAnswer = ChecklistAnswer.YES,
) -> WorksiteVisit:
    checklist = answers_for(placement, answer)
    report = services.VisitReport(
        visited_on=on or yesterday(),
        answers=tuple(answer for _ in checklist["items"]),
        checklist_key=checklist["key"],
        notes=notes,
        follow_up_needed=bool(follow_up),
        follow_up=follow_up,
    )
    with current_app.test_request_context():
        return services.record_visit(actor, placement.id, report)
