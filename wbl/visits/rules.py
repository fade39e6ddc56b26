"""The worksite-visit rules that need no database: the default checklist and when a placement
is due a visit. Both are documented in docs/safety.md ("Worksite visits").

The rule: an active placement that has started is *due* a visit ``N`` days after its last
visit, or, before its first visit, ``N`` days after its start date; ``N`` is the district's
setting (``DEFAULT_DUE_AFTER_DAYS``, 30, when the district has not set one). So with N = 30 a
placement that started on 1 March and has had no visit is due from 31 March on; visited on
10 March, it is due from 9 April. Thirty days is about one visit a month, what a coordinator
can keep up with for internships of 6 to 12 weeks, and early enough that the first visit
falls in the placement's first month.
"""

from __future__ import annotations

from datetime import date, timedelta

from wbl.i18n import N_

DEFAULT_DUE_AFTER_DAYS = 30
MIN_DUE_AFTER_DAYS = 1
MAX_DUE_AFTER_DAYS = 365

# The checklist a district starts with (staff reword, reorder, add or remove items). English:
# a district's own items are in the words its staff write; these are marked so that a Spanish
# page would show them translated, but what a visit stores is the text as it was answered.
DEFAULT_CHECKLIST: tuple[str, ...] = (
    N_("Supervisor present and knows the training plan"),
    N_("Work area safe, hazards controlled"),
    N_("Student has required safety equipment"),
    N_("Student is doing the agreed learning tasks"),
    N_("Hours and breaks as agreed"),
)
MAX_ITEMS = 20
MAX_ITEM_LENGTH = 200


def due_from(start: date | None, last_visit: date | None, every_days: int) -> date | None:
    """The first day a placement is due a visit: ``every_days`` after its last visit, or
    after its start before the first visit; None without either (no start date: only a
    staff flag makes it due)."""
    reference = last_visit or start
    if reference is None:
        return None
    return reference + timedelta(days=every_days)


def is_due(start: date | None, last_visit: date | None, every_days: int, today: date) -> bool:
    """Whether the rule makes the placement due today (from the day ``due_from`` says on)."""
    if start is not None and start > today:
        return False  # not started yet: nothing to visit
    due = due_from(start, last_visit, every_days)
    return due is not None and due <= today
