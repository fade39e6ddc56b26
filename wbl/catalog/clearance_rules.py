"""The clearance rules, as pure functions over plain values (no database): which clearances a
district requires by default, when a clearance counts, and what a supervisor lacks.

Defaults (docs/safety.md, "Supervisor clearances"): a student placed alone with an adult
(a job shadow, a work-based project, an internship) needs that adult to have passed the
fingerprint background check and the mandated-reporter training; class events (a guest
speaker, a workplace visit) happen with the teacher present and require nothing. A TB test is
required by no experience type by default: districts that want it (health-care and child-care
sites) tick it on the settings page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from wbl.catalog.clearance_models import ClearanceType
from wbl.reference.models import ExperienceKind

EXPIRY_WARNING_DAYS = 30  # staff are warned, and the contact reminded, this many days before

_ONE_TO_ONE = frozenset({ClearanceType.BACKGROUND_CHECK, ClearanceType.MANDATED_REPORTER})
DEFAULT_REQUIRED: Mapping[ExperienceKind, frozenset[ClearanceType]] = {
    ExperienceKind.GUEST_SPEAKER: frozenset(),
    ExperienceKind.WORKPLACE_VISIT: frozenset(),
    ExperienceKind.JOB_SHADOW: _ONE_TO_ONE,
    ExperienceKind.WORK_BASED_PROJECT: _ONE_TO_ONE,
    ExperienceKind.INTERNSHIP: _ONE_TO_ONE,
}


def required_for(
    kind: ExperienceKind, decisions: Mapping[tuple[ExperienceKind, ClearanceType], bool]
) -> frozenset[ClearanceType]:
    """What a district requires for ``kind``: its saved decisions, else the default."""
    return frozenset(
        clearance
        for clearance in ClearanceType
        if decisions.get((kind, clearance), clearance in DEFAULT_REQUIRED[kind])
    )


@dataclass(frozen=True, slots=True)
class Held:
    """One recorded clearance, as the rules need it."""

    kind: ClearanceType
    completed_on: date
    expires_on: date


def latest(held: Iterable[Held]) -> dict[ClearanceType, Held]:
    """The clearance that counts for each type: the one that runs longest (a renewal
    supersedes the old record; an older record never hides a newer one)."""
    found: dict[ClearanceType, Held] = {}
    for row in held:
        best = found.get(row.kind)
        if best is None or (row.expires_on, row.completed_on) > (
            best.expires_on,
            best.completed_on,
        ):
            found[row.kind] = row
    return found


def is_current(row: Held, day: date) -> bool:
    """Counts on ``day``: completed by then and not expired (it still counts on its expiry
    day)."""
    return row.completed_on <= day <= row.expires_on


def missing(
    required: Iterable[ClearanceType], held: Iterable[Held], today: date, start: date | None
) -> list[ClearanceType]:
    """The required clearances the supervisor lacks for a placement starting on ``start``:
    each must be current today and still current on the first day (a clearance that lapses
    before the student arrives does not clear the placement)."""
    best = latest(held)
    first_day = max(today, start) if start else today
    return [
        clearance
        for clearance in ClearanceType
        if clearance in set(required)
        and not (
            (row := best.get(clearance)) is not None
            and is_current(row, today)
            and is_current(row, first_day)
        )
    ]


def status(row: Held, today: date) -> str:
    """``current``, ``expiring`` (within 30 days), ``expired`` or ``future`` (not completed
    yet: a date recorded ahead), for the pages' badges."""
    if row.completed_on > today:
        return "future"
    if row.expires_on < today:
        return "expired"
    if (row.expires_on - today).days <= EXPIRY_WARNING_DAYS:
        return "expiring"
    return "current"
