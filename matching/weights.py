"""The one place where recommendation scoring is tuned.

A recommendation score is a weighted average of six components, each in [0, 1]:

* ``interest_text`` -- TF-IDF cosine similarity between the offering's text and the
  student's own words (interests) plus the names of their pathways and sectors, divided
  by ``text_saturation`` and capped at 1 (short texts rarely exceed a cosine of ~0.5, so
  a strong textual match should count fully).
* ``pathway`` -- 1 when the offering is tagged with one of the student's CTE pathways;
  ``understood_factor`` when it is in a pathway read from the student's own words through
  the concept vocabulary (``matching/concepts.toml``: "nurse" -> Patient Care), tagged or
  read from its text the same way.
* ``sector`` -- 1 when the offering's industry sector is the sector of one of the
  student's pathways (a weaker signal than the exact pathway); ``understood_factor`` when
  it is the sector of a pathway or sector read from their words.
* ``distance`` -- ``exp(-miles / distance_scale_miles)`` for in-person offerings;
  ``virtual_distance_score`` for virtual ones (no travel, but being on site is the richer
  experience); 0 when the distance is unknown (no bonus rather than a guess).
* ``continuum`` -- how well the offering's experience type is the student's *next step*
  on the WBL continuum (awareness -> exploration -> preparation). See
  :data:`CONTINUUM_SCORES`. Class events (guest speakers, workplace visits) are scaled by
  ``class_event_factor``: the product is mainly about individual experiences; class
  events are usually booked by a teacher for a whole class.
* ``availability`` -- 1 when the offering's schedule overlaps the times the student said
  they are available, 0 when it does not, ``unknown_availability_score`` when either
  side did not say.

The score is ``sum(weight_i * component_i) / sum(weight_i)``, so it always lies in
[0, 1] and only the *ratios* of the weights matter. Hard eligibility rules (age, grade,
prerequisites, seats, deadlines, travel) are not weights: they are filters in
:mod:`matching.recommend` and can never be outweighed.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CONTINUUM_SCORES", "DEFAULT_WEIGHTS", "Weights"]

#: Continuum component by the offering stage relative to the student's progress.
#: ``next`` is one stage above the highest stage the student has done (awareness when
#: nothing is done yet; preparation stays the target once reached).
CONTINUUM_SCORES: dict[str, float] = {
    # the stage right after the highest one done: the recommended next step
    "next": 1.0,
    # a type not yet tried at a stage already reached (e.g. a workplace visit after a
    # guest speaker): still worth doing, fills in the stage
    "new_type_same_or_lower_stage": 0.7,
    # two stages ahead (e.g. a job shadow with nothing done yet, or an internship after
    # only awareness events): possible, but the preparation should come first
    "one_stage_skipped": 0.35,
    # a type the student has already done at or below their stage: repetition
    "repeat": 0.25,
    # three stages ahead is impossible with three stages; kept for completeness
    "far_ahead": 0.1,
}


@dataclass(frozen=True, slots=True)
class Weights:
    """Relative weights of the score components and the constants that shape them."""

    interest_text: float = 0.30
    pathway: float = 0.15
    sector: float = 0.10
    distance: float = 0.15
    continuum: float = 0.22
    availability: float = 0.08

    #: Miles over which the distance bonus falls to 1/e (about 37 %).
    distance_scale_miles: float = 8.0
    #: Distance component of a virtual offering: 0.5 equals an in-person offering about
    #: 5.5 miles away, so a nearby worksite (the richer experience) still comes first.
    virtual_distance_score: float = 0.5
    #: Cosine at which the text component is already full (then capped at 1).
    text_saturation: float = 0.5
    #: Pathway and sector components of a pathway or sector understood from the student's
    #: words rather than chosen by them: the same signal, trusted a little less (a word can
    #: mean more than one thing; a chosen pathway is the student's own decision).
    understood_factor: float = 0.8
    #: Multiplier on the continuum component of class events (guest speaker, visit).
    class_event_factor: float = 0.8
    #: Availability component when the student or the offering did not give a schedule.
    unknown_availability_score: float = 0.5
    #: Minimum text cosine before "related to your interests" is given as a reason.
    text_reason_threshold: float = 0.08
    #: A deadline this many days away or closer is mentioned as a reason.
    deadline_reason_days: int = 14
    #: A word in more than this share of the offerings is too common to be named as a
    #: shared interest ("questions", "supervisor"; it still scores, weighted by its IDF) ...
    common_word_share: float = 0.2
    #: ... once it is in at least this many offerings: a share of a small catalog says
    #: little (two of three offerings about nurses does not make "nurse" filler).
    common_word_min_offerings: int = 10

    def __post_init__(self) -> None:
        parts = self.components()
        if any(w < 0 for w in parts):
            raise ValueError("weights must be non-negative")
        if sum(parts) <= 0:
            raise ValueError("at least one weight must be positive")
        if self.distance_scale_miles <= 0 or self.text_saturation <= 0:
            raise ValueError("distance_scale_miles and text_saturation must be positive")
        if not 0.0 < self.common_word_share <= 1.0 or self.common_word_min_offerings < 1:
            raise ValueError("common_word_share must be within (0, 1], the minimum at least 1")
        for name in (
            "virtual_distance_score",
            "class_event_factor",
            "unknown_availability_score",
            "understood_factor",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within [0, 1]")

    def components(self) -> tuple[float, float, float, float, float, float]:
        """The six component weights in a fixed order (text, pathway, sector, distance,
        continuum, availability)."""
        return (
            self.interest_text,
            self.pathway,
            self.sector,
            self.distance,
            self.continuum,
            self.availability,
        )

    def normalised(self) -> tuple[float, float, float, float, float, float]:
        """Component weights divided by their sum, so a weighted sum stays in [0, 1]."""
        parts = self.components()
        total = sum(parts)
        return (
            parts[0] / total,
            parts[1] / total,
            parts[2] / total,
            parts[3] / total,
            parts[4] / total,
            parts[5] / total,
        )


DEFAULT_WEIGHTS = Weights()
