"""WBL matching engine: recommendations and stable placement allocation.

Pure Python + numpy/scipy/scikit-learn; no web framework, database or I/O, so the Flask
app (or a batch job) hands in plain dataclasses and mappings and gets plain results.

* :class:`OfferingIndex` -- build once per catalog change, then ``recommend`` offerings
  to a student, ``recommend_many`` for a whole school at once, or ``students_for`` an
  offering (the staff / employer view).
* :func:`allocate` -- student-proposing deferred acceptance with capacities: the
  student-optimal stable assignment of students to seats; :func:`is_stable` checks one.
* :mod:`matching.welfare` -- the welfare-optimal allocation beside it (most students placed,
  then most first choices, ...), its rank profile and blocking pairs; imported from its module
  (it needs NumPy and SciPy), not from here.
* :class:`Weights` -- the single place where scoring is tuned.

``import matching`` does not import numpy: the names of :mod:`matching.recommend` load it
with that module when first used (a web app that imports the package at start-up but serves
a recommendation only on some pages, and its command-line tools, start without it).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from matching.allocate import Allocation, allocate, is_stable, lottery_order
from matching.geo import EARTH_RADIUS_MILES, haversine_miles, miles_between
from matching.weights import CONTINUUM_SCORES, DEFAULT_WEIGHTS, Weights

if TYPE_CHECKING:
    from matching.recommend import (
        AVAILABILITY_SLOTS,
        CLASS_EVENT_TYPES,
        EXPERIENCE_TYPES,
        STAGE_BY_TYPE,
        TRANSPORT_MAX_MILES,
        Offering,
        OfferingIndex,
        Recommendation,
        Student,
        StudentFit,
        age_on,
        continuum_category,
        effective_schedule,
        effective_travel_limit,
        eligibility_problems,
    )

_FROM_RECOMMEND = frozenset(
    {
        "AVAILABILITY_SLOTS",
        "CLASS_EVENT_TYPES",
        "EXPERIENCE_TYPES",
        "STAGE_BY_TYPE",
        "TRANSPORT_MAX_MILES",
        "Offering",
        "OfferingIndex",
        "Recommendation",
        "Student",
        "StudentFit",
        "age_on",
        "continuum_category",
        "effective_schedule",
        "effective_travel_limit",
        "eligibility_problems",
    }
)


def __getattr__(name: str) -> Any:
    """The names of :mod:`matching.recommend`, imported (with numpy) at their first use."""
    if name not in _FROM_RECOMMEND:
        raise AttributeError(f"module 'matching' has no attribute {name!r}")
    value = getattr(importlib.import_module("matching.recommend"), name)
    globals()[name] = value
    return value


__all__ = [
    "AVAILABILITY_SLOTS",
    "CLASS_EVENT_TYPES",
    "CONTINUUM_SCORES",
    "DEFAULT_WEIGHTS",
    "EARTH_RADIUS_MILES",
    "EXPERIENCE_TYPES",
    "STAGE_BY_TYPE",
    "TRANSPORT_MAX_MILES",
    "Allocation",
    "Offering",
    "OfferingIndex",
    "Recommendation",
    "Student",
    "StudentFit",
    "Weights",
    "age_on",
    "allocate",
    "continuum_category",
    "effective_schedule",
    "effective_travel_limit",
    "eligibility_problems",
    "haversine_miles",
    "is_stable",
    "lottery_order",
    "miles_between",
]
