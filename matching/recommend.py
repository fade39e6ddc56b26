"""Recommend work-based learning offerings to students (and students to offerings).

The pipeline, per student, is: hard eligibility filters -> a score in [0, 1] -> top k ->
short human-readable reasons for those k only. Everything before the reasons is done on
numpy arrays for a block of students against the whole catalog at once, so one student
and 20,000 students go through the same code path (and get identical results).

Business rules (the hard filters; an offering failing any of them is never recommended):

* **Open**: it has seats left, its application deadline (if any) is not before ``today``,
  and it has not already ended (``end_date``, or ``start_date`` for one-day events, is
  not before ``today``).
* **Age**: the student's age on the offering's start date (``today`` when the offering
  has no start date) is at least ``minimum_age``. A student without a date of birth
  cannot be shown to meet an age rule, so age-restricted offerings are left out for them.
* **Grade**: the student's grade is at least ``min_grade``.
* **Prerequisites**: every prerequisite activity code of the offering is among the
  student's completed prerequisites.
* **Travel**: an in-person offering is at most the student's travel limit away. The
  limit is the smaller of the student's own ``max_travel_miles`` and the cap of their
  means of transport (:data:`TRANSPORT_MAX_MILES`; a student with no transport can still
  take virtual offerings). Virtual offerings need no travel. When the distance is
  unknown (the student or an in-person offering has no coordinates) the offering stays
  eligible but earns no distance bonus: staff confirm travel when approving. Class
  events held at the school (a guest speaker in class) should therefore be entered
  without coordinates or as virtual.
* **Not taken yet**: the offering is not among the student's ``offerings_taken`` (an
  application still under way, a placement, or one already completed): a student is
  never pointed again at what they already have or have done.

Soft preferences are scored; the weights live in :mod:`matching.weights`.

Students' words are read as well as matched: the concept vocabulary
(:mod:`matching.concepts`, ``concepts.toml``) turns everyday words, activities and
occupations ("my dog", "nurce", "fire department") into the pathways and sectors they
suggest, after a spelling correction of words neither the catalog nor the vocabulary
knows. Those pathways score like chosen ones, weighed by ``Weights.understood_factor``,
against each offering's pathways and those its own text names (within its sector), and
the reason quotes the student: "You wrote “fire department” → Emergency Response".

Availability uses a small fixed vocabulary, :data:`AVAILABILITY_SLOTS`: ``school_day``
(during class time), ``after_school``, ``weekends`` and ``summer``. A student lists the
slots they can do; an offering lists the slots it runs in (``schedule``). When an
offering gives no schedule, it is inferred: ``summer`` if it starts and ends within June
to August, and ``school_day`` for class events (guest speakers and workplace visits
happen with the class).
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Final

import numpy as np
from numpy.typing import NDArray

from matching.geo import GeoPoints, distance_matrix_miles
from matching.weights import CONTINUUM_SCORES, DEFAULT_WEIGHTS, Weights

if TYPE_CHECKING:  # SciPy and scikit-learn load when an index is built, not on import
    import scipy.sparse as sp

    from matching.concepts import Concepts, Speller

__all__ = [
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
]

#: The five WBL experience types, in continuum order.
EXPERIENCE_TYPES: Final[tuple[str, ...]] = (
    "guest_speaker",
    "workplace_visit",
    "job_shadow",
    "work_based_project",
    "internship",
)
#: Continuum stage of each type: 1 awareness, 2 exploration, 3 preparation.
STAGE_BY_TYPE: Final[Mapping[str, int]] = {
    "guest_speaker": 1,
    "workplace_visit": 1,
    "job_shadow": 2,
    "work_based_project": 3,
    "internship": 3,
}
#: Types experienced with a whole class rather than individually.
CLASS_EVENT_TYPES: Final[frozenset[str]] = frozenset({"guest_speaker", "workplace_visit"})
_TYPE_LABEL: Final[Mapping[str, str]] = {
    "guest_speaker": "guest speaker",
    "workplace_visit": "workplace visit",
    "job_shadow": "job shadow",
    "work_based_project": "work-based project",
    "internship": "internship",
}
#: Times a student can take part / an offering runs.
AVAILABILITY_SLOTS: Final[tuple[str, ...]] = ("school_day", "after_school", "weekends", "summer")
_SLOT_LABEL: Final[Mapping[str, str]] = {
    "school_day": "school-day",
    "after_school": "after-school",
    "weekends": "weekend",
    "summer": "summer",
}
#: Longest trip, in miles, a means of transport allows (absent: no cap beyond the
#: student's own limit). Walking or biking keeps it local; transit in a mostly rural
#: county rarely works beyond a town or two; with no transport only virtual offerings
#: (or ones at an unknown distance, to be confirmed by staff) remain.
TRANSPORT_MAX_MILES: Final[Mapping[str, float]] = {
    "walk_bike": 3.0,
    "transit": 15.0,
    "none": 0.0,
}

_N_TYPES: Final = len(EXPERIENCE_TYPES)
_N_SLOTS: Final = len(AVAILABILITY_SLOTS)
_TYPE_INDEX: Final[Mapping[str, int]] = {t: i for i, t in enumerate(EXPERIENCE_TYPES)}
_SLOT_BIT: Final[Mapping[str, int]] = {s: 1 << i for i, s in enumerate(AVAILABILITY_SLOTS)}
_NO_DOB_KEY: Final = 99_999_999  # later than any real date key: fails every age rule
# Cells (students x offerings) scored at once: about 2 MiB per float64 buffer, so the
# handful of buffers a block needs stays in cache, and memory stays flat however large
# the catalog (a 300,000-offering state catalog is scored one student at a time).
_BLOCK_CELLS: Final = 1 << 18
_GC_PAUSE_MIN_STUDENTS: Final = 1_000  # batches this large pause the cyclic GC


def _slot_mask(slots: Iterable[str]) -> int:
    mask = 0
    for slot in slots:
        mask |= _SLOT_BIT[slot]
    return mask


def _check_slots(slots: frozenset[str], what: str) -> None:
    unknown = slots - set(AVAILABILITY_SLOTS)
    if unknown:
        raise ValueError(f"unknown {what} slot(s) {sorted(unknown)}; use {AVAILABILITY_SLOTS}")


@dataclass(frozen=True, slots=True)
class Student:
    """What the matcher needs to know about a student (no names: it does not need them)."""

    id: int
    grade: int
    interests: str = ""
    pathway_ids: frozenset[int] = frozenset()
    latitude: float | None = None
    longitude: float | None = None
    #: The student's own travel limit in miles (None: no limit of their own).
    max_travel_miles: float | None = None
    #: "car", "transit", "walk_bike" or "none"; see :data:`TRANSPORT_MAX_MILES`.
    transportation: str = "car"
    date_of_birth: date | None = None
    #: Activity codes done, e.g. "resume_workshop", "safety_orientation".
    completed_prerequisites: frozenset[str] = frozenset()
    #: Experience type codes already done, e.g. {"guest_speaker"}.
    experience_types_done: frozenset[str] = frozenset()
    #: Subset of :data:`AVAILABILITY_SLOTS`; empty means "not said".
    availability: frozenset[str] = frozenset()
    #: Offering ids the student already has or has done (see "Not taken yet" above).
    offerings_taken: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        _check_slots(self.availability, "availability")
        unknown = self.experience_types_done - set(EXPERIENCE_TYPES)
        if unknown:
            raise ValueError(f"unknown experience type(s) {sorted(unknown)}")


@dataclass(frozen=True, slots=True)
class Offering:
    """A WBL opportunity a partner offers. ``text`` is title + description + skills."""

    id: int
    type: str
    title: str = ""
    text: str = ""
    partner_name: str = ""
    pathway_ids: frozenset[int] = frozenset()
    sector_id: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    virtual: bool = False
    seats_left: int = 1
    start_date: date | None = None
    end_date: date | None = None
    application_deadline: date | None = None
    minimum_age: int | None = None
    min_grade: int | None = None
    prerequisites: frozenset[str] = frozenset()
    #: Subset of :data:`AVAILABILITY_SLOTS`; empty means inferred, see the module doc.
    schedule: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.type not in _TYPE_INDEX:
            raise ValueError(f"unknown experience type {self.type!r}; use {EXPERIENCE_TYPES}")
        _check_slots(self.schedule, "schedule")


@dataclass(frozen=True, slots=True)
class Recommendation:
    """One recommended offering for a student, best first in a list."""

    offering_id: int
    score: float
    reasons: tuple[str, ...]
    #: Great-circle miles from home; None when virtual or when a location is unknown.
    distance_miles: float | None = None


@dataclass(frozen=True, slots=True)
class StudentFit:
    """One eligible student for an offering (the staff / employer view), best first."""

    student_id: int
    score: float
    reasons: tuple[str, ...]
    distance_miles: float | None = None


# --------------------------------------------------------------------------- scalar rules


def age_on(date_of_birth: date, day: date) -> int:
    """Age in whole years on ``day`` (a birthday counts from the day itself)."""
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - int(before_birthday)


def effective_travel_limit(student: Student) -> float:
    """Miles the student can travel: own limit capped by their transport (inf: no limit)."""
    limit = math.inf if student.max_travel_miles is None else float(student.max_travel_miles)
    return min(limit, TRANSPORT_MAX_MILES.get(student.transportation, math.inf))


def effective_schedule(offering: Offering) -> frozenset[str]:
    """The offering's schedule, or the one inferred from its dates and type."""
    if offering.schedule:
        return offering.schedule
    inferred: set[str] = set()
    start, end = offering.start_date, offering.end_date or offering.start_date
    if (
        start is not None
        and end is not None
        and start.year == end.year
        and 6 <= start.month <= 8
        and 6 <= end.month <= 8
    ):
        inferred.add("summer")
    if offering.type in CLASS_EVENT_TYPES and not inferred:
        inferred.add("school_day")
    return frozenset(inferred)


def continuum_category(types_done: frozenset[str], offering_type: str) -> str:
    """Where an offering type sits relative to the student's progress on the continuum.

    Returns a key of :data:`matching.weights.CONTINUUM_SCORES`. The target is the stage
    after the highest one done; preparation (projects, internships) stays the target once
    reached, so a second internship is still a next step rather than a repeat.
    """
    highest = max((STAGE_BY_TYPE[t] for t in types_done), default=0)
    target = min(highest + 1, 3)
    stage = STAGE_BY_TYPE[offering_type]
    if stage == target and (offering_type not in types_done or stage == 3):
        return "next"
    if offering_type in types_done:
        return "repeat"
    if stage < target:
        return "new_type_same_or_lower_stage"
    if stage == target + 1:
        return "one_stage_skipped"
    return "far_ahead"


def _open_on(offering: Offering, today: date) -> bool:
    if offering.seats_left <= 0:
        return False
    if offering.application_deadline is not None and offering.application_deadline < today:
        return False
    last_day = offering.end_date or offering.start_date
    return last_day is None or last_day >= today


def eligibility_problems(
    student: Student, offering: Offering, today: date, distance_miles: float | None = None
) -> tuple[str, ...]:
    """Why ``student`` cannot take ``offering`` (empty when eligible); the scalar spec.

    ``distance_miles`` is the home-to-site distance if known (ignored for virtual
    offerings). The index applies exactly these rules, vectorised.
    """
    problems: list[str] = []
    if not _open_on(offering, today):
        problems.append("closed")
    if offering.id in student.offerings_taken:
        problems.append("taken")
    if offering.minimum_age is not None:
        on = offering.start_date or today
        if student.date_of_birth is None or age_on(student.date_of_birth, on) < (
            offering.minimum_age
        ):
            problems.append("age")
    if offering.min_grade is not None and student.grade < offering.min_grade:
        problems.append("grade")
    if not offering.prerequisites <= student.completed_prerequisites:
        problems.append("prerequisites")
    if (
        not offering.virtual
        and distance_miles is not None
        and distance_miles > effective_travel_limit(student)
    ):
        problems.append("distance")
    return tuple(problems)


def _date_key(day: date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


def _age_cutoff_key(start: date, minimum_age: int) -> int:
    """Date key of the latest birth date that is ``minimum_age`` years old on ``start``.

    Age on ``start`` >= N  <=>  (birth year + N, month, day) <= (start y, m, d), i.e. the
    birth date key is <= (start year - N) * 10000 + month * 100 + day. Same answer as
    :func:`age_on`, including for 29 February birthdays, without constructing dates.
    """
    return (start.year - minimum_age) * 10_000 + start.month * 100 + start.day


# ----------------------------------------------------------------------- lookup tables


def _continuum_table(weights: Weights) -> NDArray[np.float64]:
    """Weighted continuum component by (mask of types done, offering type index)."""
    table = np.zeros((1 << _N_TYPES, _N_TYPES))
    for mask in range(1 << _N_TYPES):
        done = _types_of(mask)
        for j, t in enumerate(EXPERIENCE_TYPES):
            value = CONTINUUM_SCORES[continuum_category(done, t)]
            if t in CLASS_EVENT_TYPES:
                value *= weights.class_event_factor
            table[mask, j] = value
    return table


def _availability_table(weights: Weights) -> NDArray[np.float64]:
    """Availability component by (student slot mask, offering slot mask)."""
    table = np.empty((1 << _N_SLOTS, 1 << _N_SLOTS))
    for s in range(1 << _N_SLOTS):
        for o in range(1 << _N_SLOTS):
            if s == 0 or o == 0:
                table[s, o] = weights.unknown_availability_score
            else:
                table[s, o] = 1.0 if s & o else 0.0
    return table


def _continuum_reason(
    types_done: frozenset[str], offering_type: str, staff_view: bool = False
) -> str | None:
    """Say why the type is a good step on the continuum; None when it is not one."""
    category = continuum_category(types_done, offering_type)
    label = _TYPE_LABEL[offering_type]
    if category == "next":
        if not types_done:
            return (
                "A good first step"
                if staff_view
                else "A good first step: see what the work is like"
            )
        highest = max(STAGE_BY_TYPE[t] for t in types_done)
        last = next(
            t for t in reversed(EXPERIENCE_TYPES) if t in types_done and STAGE_BY_TYPE[t] == highest
        )
        owner = "their" if staff_view else "your"
        return f"A good next step after {owner} {_TYPE_LABEL[last]}"
    if category == "new_type_same_or_lower_stage":
        return (
            f"New kind of experience: {label}"
            if staff_view
            else f"Try a {label}: something new for you"
        )
    return None


def _availability_reason(student_mask: int, offering_mask: int, staff_view: bool) -> str | None:
    both = student_mask & offering_mask
    if not both:
        return None
    slot = next(s for s in AVAILABILITY_SLOTS if both & _SLOT_BIT[s])
    return f"Fits {'their' if staff_view else 'your'} {_SLOT_LABEL[slot]} availability"


def _types_of(mask: int) -> frozenset[str]:
    return frozenset(t for i, t in enumerate(EXPERIENCE_TYPES) if mask >> i & 1)


# Reason sentences by (types-done mask, offering type) and by (availability, schedule)
# masks, for the student view (False) and the staff view (True): built once, looked up
# for every recommendation.
_CONTINUUM_REASONS: Final[dict[bool, list[str | None]]] = {
    view: [
        _continuum_reason(_types_of(mask), t, view)
        for mask in range(1 << _N_TYPES)
        for t in EXPERIENCE_TYPES
    ]
    for view in (False, True)
}
_AVAILABILITY_REASONS: Final[dict[bool, list[str | None]]] = {
    view: [
        _availability_reason(s, o, view) for s in range(1 << _N_SLOTS) for o in range(1 << _N_SLOTS)
    ]
    for view in (False, True)
}


# ------------------------------------------------------------------------ encoded data


@dataclass(frozen=True, slots=True)
class _Catalog:
    """The offerings open on one day, as arrays (columns sorted by offering id)."""

    today: date
    positions: NDArray[np.intp]  # rows of the full index
    ids: NDArray[np.int64]
    text_t: sp.csr_matrix  # (vocabulary x n) TF-IDF, l2-normalised per offering
    affinity: NDArray[np.float64]  # (n_pathways + 1) x n: weighted pathway/sector match
    # (n_pathways + n_sectors + 1) x n: the same for pathways and sectors understood from
    # a student's words (OfferingIndex._understood_col), times Weights.understood_factor
    understood: NDArray[np.float64]
    key: NDArray[np.intp]  # type index * 16 + schedule mask
    geo: GeoPoints  # NaN for virtual offerings and unknown locations
    virtual_cols: NDArray[np.intp]
    grade_cols: NDArray[np.intp]
    grade_min: NDArray[np.int64]
    age_cols: NDArray[np.intp]
    age_cutoff: NDArray[np.int64]
    prereq_cols: NDArray[np.intp]
    prereq_bits: NDArray[np.uint64]  # (len(prereq_cols) x words)
    # plain Python per column, for the reasons of the top k
    offerings: tuple[Offering, ...]
    expanded: tuple[frozenset[int], ...]  # tagged pathways and those the text names
    type_index: tuple[int, ...]
    slot_mask: tuple[int, ...]
    deadline_note: tuple[str | None, ...]  # "Apply by ..." when the deadline is near

    @property
    def size(self) -> int:
        return int(self.ids.shape[0])

    def column(self, col: int) -> _Catalog:
        """The one-offering catalog of column ``col`` (for the reverse query)."""

        def only(cols: NDArray[np.intp]) -> NDArray[np.bool_]:
            return np.asarray(cols == col)

        import scipy.sparse as sp

        one = slice(col, col + 1)
        grade, age, prereq = only(self.grade_cols), only(self.age_cols), only(self.prereq_cols)
        return _Catalog(
            today=self.today,
            positions=self.positions[one],
            ids=self.ids[one],
            text_t=sp.csr_matrix(self.text_t[:, one]),
            affinity=self.affinity[:, one],
            understood=self.understood[:, one],
            key=self.key[one],
            geo=self.geo.take(np.array([col], dtype=np.intp)),
            virtual_cols=np.zeros(int(only(self.virtual_cols).sum()), dtype=np.intp),
            grade_cols=np.zeros(int(grade.sum()), dtype=np.intp),
            grade_min=self.grade_min[grade],
            age_cols=np.zeros(int(age.sum()), dtype=np.intp),
            age_cutoff=self.age_cutoff[age],
            prereq_cols=np.zeros(int(prereq.sum()), dtype=np.intp),
            prereq_bits=self.prereq_bits[prereq],
            offerings=self.offerings[one],
            expanded=self.expanded[one],
            type_index=self.type_index[one],
            slot_mask=self.slot_mask[one],
            deadline_note=self.deadline_note[one],
        )


@dataclass(slots=True)
class _StudentBlock:
    """A block of students encoded for scoring against a catalog."""

    students: Sequence[Student]
    query: sp.csr_matrix  # (n x vocabulary) TF-IDF of interests + pathway/sector names
    pathway_rows: NDArray[np.intp]  # (n x m) rows of _Catalog.affinity, padded with the zero row
    understood_rows: NDArray[np.intp]  # (n x m) rows of _Catalog.understood, padded likewise
    readings: list[_Reading]  # what each student's words were understood as
    key: NDArray[np.intp]  # types-done mask * 16 + availability mask
    geo: GeoPoints
    travel_limit: NDArray[np.float64]
    grade: NDArray[np.int64]
    dob_key: NDArray[np.int64]
    prereq_have: NDArray[np.uint64]  # (n x words)
    sectors: list[frozenset[int]]  # via their pathways
    done_mask: list[int]  # experience types done, as bits
    slot_mask: list[int]  # availability, as bits
    # (student row, offering id) of every offering taken, rows ascending
    taken_rows: NDArray[np.intp]
    taken_ids: NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class _Reading:
    """A student's interests as the index understands them."""

    #: Terms of the text query: stems of their words, misspellings corrected.
    stems: tuple[str, ...]
    #: Pathway ids understood, in the order the text names them, with the words quoted.
    pathways: dict[int, str]
    #: Sector ids understood (directly, or through a pathway), with the words quoted.
    sectors: dict[int, str]
    #: The catalog's word -> the student's own form of it ("nurse" -> "nursing"), for
    #: reasons in their words.
    written: dict[str, str]
    #: Rows of the understood affinity to score them with (_Catalog.understood).
    rows: tuple[int, ...]


_NOTHING_READ: Final = _Reading((), {}, {}, {}, ())
#: A student's word as an index reads it: its term (stem, spelling corrected), the word
#: the catalog writes that term with when it differs ("" otherwise), what the word alone
#: points to in the concept vocabulary (pathway ids, sector ids), and whether a longer
#: phrase starts with it.
_Word = tuple[str, str, tuple[tuple[int, ...], tuple[int, ...]] | None, bool]
#: Distinct words an index remembers (students use a few thousand).
_WORDS_REMEMBERED: Final = 100_000
#: Longest phrase of the concept vocabulary, in meaningful words.
_MAX_PHRASE: Final = 3


@dataclass(slots=True)
class _Scored:
    """Scores of a student block against (part of) a catalog.

    An ineligible pair gets its score minus 2, so below 0 but still distinct: thousands
    of equal ``-inf`` would make numpy's partition (used to pick the top k) several
    times slower.
    """

    score: NDArray[np.float64]
    cosine: NDArray[np.float64]
    miles: NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class _Phrases:
    """The reason sentences of one audience, prepared once per index.

    Students read "your"; staff and employers read "their", and never the student's
    home ("miles away", not "from home").
    """

    pathway: dict[int, str]
    pathway_unnamed: str
    sector: dict[int, str]
    interests: str
    wrote: str
    miles: str
    continuum: list[str | None]
    availability: list[str | None]
    deadlines: bool
    text_threshold: float
    eligible: str

    @classmethod
    def build(
        cls,
        staff_view: bool,
        pathway_names: Mapping[int, str],
        sector_names: Mapping[int, str],
        sector_ids: Iterable[int],
        text_threshold: float,
    ) -> _Phrases:
        """Sentences for ``staff_view`` (else the student's own view)."""
        if staff_view:
            pathway = {p: f"In the {name} pathway" for p, name in pathway_names.items()}
            sector_phrase = "Interested in {}"
        else:
            pathway = {p: f"Part of your {name} pathway" for p, name in pathway_names.items()}
            sector_phrase = "Matches your interest in {}"
        return cls(
            pathway=pathway,
            pathway_unnamed="In a matching pathway" if staff_view else "In your pathway",
            sector={
                s: sector_phrase.format(sector_names.get(s, "this industry")) for s in sector_ids
            },
            interests="Interests match: " if staff_view else "Related to your interests: ",
            wrote="They wrote “{}” → {}" if staff_view else "You wrote “{}” → {}",
            miles=" miles away" if staff_view else " miles from home",
            continuum=_CONTINUUM_REASONS[staff_view],
            availability=_AVAILABILITY_REASONS[staff_view],
            deadlines=not staff_view,
            text_threshold=text_threshold,
            eligible="Meets every requirement"
            if staff_view
            else "Open to you: you meet every requirement",
        )


@contextmanager
def _gc_paused(pause: bool) -> Iterator[None]:
    """Hold the cyclic garbage collector while a batch builds its results.

    A school-wide batch creates hundreds of thousands of small objects that all stay
    alive (recommendations and their reasons), none of them in reference cycles. Each
    allocation burst makes the collector walk the whole growing heap again, about a
    quarter of the batch's time, for nothing to free. The previous state is restored
    on exit, and nothing is leaked: a pause only delays collection.
    """
    if not pause or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _nan_float(value: float | None) -> float:
    return math.nan if value is None else float(value)


class OfferingIndex:
    """The catalog of offerings, encoded once for fast recommendations.

    Build it once per catalog change (about 100 ms for 2,000 offerings, plus some 0.3 s
    for the first index of a process: see :func:`matching.concepts.speller_for`) and reuse
    it for every request. Apart from small caches (per-day views of the catalog, the words
    students used) it does not change after construction, and it is safe to share between
    threads.

    ``concepts`` is the concept vocabulary students' words are read with (by default the
    shipped ``matching/concepts.toml``); its names are matched against ``pathway_names``
    and ``sector_names``, so a name the vocabulary does not know is simply not reached.

    ``pathway_sectors`` maps a pathway id to its sector id; it turns a student's pathways
    into sector interests. When omitted, each pathway's sector is inferred from the
    offerings tagged with it (the most common sector). ``today`` is the reference date
    for deadlines and ages (the library never reads the clock, so results are
    reproducible); every query method accepts its own ``today`` too, for a long-lived
    index.
    """

    __slots__ = (
        "_affinity_all",
        "_catalogs",
        "_concept_stems",
        "_concepts",
        "_cont_avail",
        "_expanded",
        "_id_position",
        "_known_terms",
        "_name_terms",
        "_offerings",
        "_pathway_by_name",
        "_pathway_col",
        "_pathway_names",
        "_pathway_sectors",
        "_phrase_ids",
        "_phrase_starts",
        "_phrases",
        "_prereq_bit",
        "_prereq_words",
        "_sector_by_name",
        "_sector_names",
        "_speller",
        "_stem",
        "_text",
        "_understood_all",
        "_understood_col",
        "_words",
        "today",
        "weights",
    )

    def __init__(
        self,
        offerings: Iterable[Offering],
        *,
        pathway_names: Mapping[int, str] | None = None,
        sector_names: Mapping[int, str] | None = None,
        pathway_sectors: Mapping[int, int] | None = None,
        today: date,
        weights: Weights = DEFAULT_WEIGHTS,
        concepts: Concepts | None = None,
    ) -> None:
        self.today: date = today
        self.weights: Weights = weights
        self._offerings: tuple[Offering, ...] = tuple(sorted(offerings, key=lambda o: o.id))
        self._id_position: dict[int, int] = {o.id: i for i, o in enumerate(self._offerings)}
        if len(self._id_position) != len(self._offerings):
            raise ValueError("offering ids must be unique")
        self._pathway_names: dict[int, str] = dict(pathway_names or {})
        self._sector_names: dict[int, str] = dict(sector_names or {})
        self._pathway_sectors: dict[int, int] = self._infer_pathway_sectors(pathway_sectors)

        # Text: the pathway and sector names join the vocabulary, so the names a
        # student's query is expanded with are known terms. (Imported here: scikit-learn
        # takes seconds to import, and a program that only reads the types should not pay.)
        from matching.concepts import load_concepts, speller_for
        from matching.relevance import TextModel, stem

        texts = [o.text or o.title for o in self._offerings]
        self._text = TextModel(
            texts,
            [*self._pathway_names.values(), *self._sector_names.values()],
            common_share=weights.common_word_share,
            common_min_documents=weights.common_word_min_offerings,
        )
        # The concept vocabulary, with the names of this catalog's pathways and sectors
        # (a name the reference data does not have is not read).
        self._concepts: Concepts = load_concepts() if concepts is None else concepts
        self._concept_stems: frozenset[str] = self._concepts.stems
        self._speller: Speller = speller_for(self._concepts)
        self._pathway_by_name: dict[str, int] = {n: p for p, n in self._pathway_names.items()}
        self._sector_by_name: dict[str, int] = {n: s for s, n in self._sector_names.items()}
        self._stem = stem
        self._known_terms: frozenset[str] = self._text.terms() | self._concept_stems
        # phrases of stems -> (pathway ids, sector ids) of this catalog's names
        self._phrase_ids: dict[tuple[str, ...], tuple[tuple[int, ...], tuple[int, ...]]] = {}
        for key, (pathway_names_, sector_names_) in self._concepts.phrases().items():
            ids = (
                tuple(
                    sorted(
                        self._pathway_by_name[n]
                        for n in pathway_names_
                        if n in self._pathway_by_name
                    )
                ),
                tuple(
                    sorted(
                        self._sector_by_name[n] for n in sector_names_ if n in self._sector_by_name
                    )
                ),
            )
            if ids[0] or ids[1]:
                self._phrase_ids[key] = ids
        self._words: dict[str, _Word] = {}
        # the terms of pathway and sector names, which join the query of a student in them
        analyze = self._concepts.analyzer
        self._name_terms: dict[tuple[str, int], list[str]] = {
            **{("p", p): analyze(name) for p, name in self._pathway_names.items()},
            **{("s", x): analyze(name) for x, name in self._sector_names.items()},
        }
        self._phrase_starts: frozenset[str] = frozenset(
            k[0] for k in self._phrase_ids if len(k) > 1
        )
        self._expanded: tuple[frozenset[int], ...] = tuple(
            o.pathway_ids | self._pathways_named(o, text)
            for o, text in zip(self._offerings, texts, strict=True)
        )

        # Pathway / sector affinity: one row per known pathway (plus a zero row), holding
        # w_pathway * [offering tagged with it] + w_sector * [offering in its sector].
        w = weights.normalised()
        pathway_ids = sorted(
            {p for o in self._offerings for p in o.pathway_ids}
            | set(self._pathway_names)
            | set(self._pathway_sectors)
        )
        self._pathway_col: dict[int, int] = {p: i for i, p in enumerate(pathway_ids)}
        affinity = np.zeros((len(pathway_ids) + 1, len(self._offerings)))
        for j, o in enumerate(self._offerings):
            for p in o.pathway_ids:
                affinity[self._pathway_col[p], j] += w[1]
        sector_of_offering = np.array(
            [-1 if o.sector_id is None else o.sector_id for o in self._offerings], dtype=np.int64
        )
        for p, row in self._pathway_col.items():
            sector = self._pathway_sectors.get(p)
            if sector is not None:
                affinity[row] += w[2] * (sector_of_offering == sector)
        self._affinity_all = affinity

        # Understood pathways and sectors: a row per pathway (as above, but against the
        # offerings' expanded pathways), then a row per sector (its offerings), then a
        # zero row; all times the understood factor.
        sector_rows = sorted(
            {o.sector_id for o in self._offerings if o.sector_id is not None}
            | set(self._sector_names)
            | set(self._pathway_sectors.values())
        )
        self._understood_col: dict[tuple[str, int], int] = {
            ("p", p): i for p, i in self._pathway_col.items()
        }
        for s in sector_rows:
            self._understood_col["s", s] = len(self._understood_col)
        understood = np.zeros((len(self._understood_col) + 1, len(self._offerings)))
        for j, pathways in enumerate(self._expanded):
            for p in pathways:
                understood[self._pathway_col[p], j] += w[1]
        for p, row in self._pathway_col.items():
            sector = self._pathway_sectors.get(p)
            if sector is not None:
                understood[row] += w[2] * (sector_of_offering == sector)
        for s in sector_rows:
            understood[self._understood_col["s", s]] = w[2] * (sector_of_offering == s)
        understood *= weights.understood_factor
        self._understood_all = understood

        # Continuum x availability lookup: (types-done mask, availability mask) x
        # (offering type, schedule mask), already weighted.
        cont = w[4] * _continuum_table(weights)
        avail = w[5] * _availability_table(weights)
        self._cont_avail: NDArray[np.float64] = (
            cont[:, None, :, None] + avail[None, :, None, :]
        ).reshape((1 << _N_TYPES) * (1 << _N_SLOTS), _N_TYPES * (1 << _N_SLOTS))

        codes = sorted({c for o in self._offerings for c in o.prerequisites})
        self._prereq_bit: dict[str, int] = {c: 1 << i for i, c in enumerate(codes)}
        self._prereq_words: int = max(1, (len(codes) + 63) // 64)
        sector_ids = (
            {o.sector_id for o in self._offerings if o.sector_id is not None}
            | set(self._sector_names)
            | set(self._pathway_sectors.values())
        )
        self._phrases: dict[bool, _Phrases] = {
            view: _Phrases.build(
                view,
                self._pathway_names,
                self._sector_names,
                sector_ids,
                weights.text_reason_threshold,
            )
            for view in (False, True)
        }
        self._catalogs: dict[date, _Catalog] = {}
        self._catalog(self.today)

    # ------------------------------------------------------------------ construction

    def _pathways_named(self, offering: Offering, text: str) -> frozenset[int]:
        """The pathways an offering's text names through the concept vocabulary, within
        its own sector: a phrase of a description ("first aid" at a preschool) does not
        move an offering out of its industry."""
        found: set[int] = set()
        for match in self._concepts.find(text):
            for name in match.pathways:
                p = self._pathway_by_name.get(name)
                if p is None:
                    continue
                sector = self._pathway_sectors.get(p)
                if offering.sector_id is None or sector is None or sector == offering.sector_id:
                    found.add(p)
        return frozenset(found)

    def _read(self, text: str) -> _Reading:
        """A student's interests: stems (misspelt words corrected), the pathways and
        sectors their words name, and how they wrote each word.

        Runs for every student of a batch, so the vocabulary is looked up in tables of
        ids prepared with the index (the phrase search of :meth:`Concepts.find`, inlined).
        """
        if not text.strip():
            return _NOTHING_READ
        analyzer = self._concepts.analyzer
        typed = analyzer.words(text)
        words, word_info = self._words, self._word
        infos = [words.get(word) or word_info(word) for word in typed]
        stems = [info[0] for info in infos]
        written: dict[str, str] = {}
        for info, word in zip(infos, typed, strict=True):
            if info[1]:
                written.setdefault(info[1], word)
        spans: list[tuple[str, int, int]] = []  # where the words are: only to quote them
        pathways: dict[int, str] = {}
        sectors: dict[int, str] = {}
        sector_words: dict[int, str] = {}
        phrases, n, i = self._phrase_ids, len(stems), 0
        while i < n:
            _, _, target, multi = infos[i]
            size = 1
            if multi:
                for longer in range(min(_MAX_PHRASE, n - i), 1, -1):
                    found = phrases.get(tuple(stems[i : i + longer]))
                    if found is not None:
                        size, target = longer, found
                        break
            if target is not None:
                if size == 1:
                    quote = typed[i]
                else:  # the words as typed from the first to the last, small ones too
                    spans = spans or analyzer.spans(text)
                    lower = text.lower()  # what the spans index
                    quote = " ".join(lower[spans[i][1] : spans[i + size - 1][2]].split())
                for p in target[0]:
                    pathways.setdefault(p, quote)
                    sector = self._pathway_sectors.get(p)
                    if sector is not None:
                        sectors.setdefault(sector, quote)
                for x in target[1]:
                    sector_words.setdefault(x, quote)
            i += size
        col = self._understood_col
        rows = [col["p", p] for p in pathways]
        for x, quote in sector_words.items():
            if x not in sectors:  # a pathway of it already brings the sector
                sectors[x] = quote
                rows.append(col["s", x])
        return _Reading(tuple(stems), pathways, sectors, written, tuple(rows))

    def _word(self, word: str) -> _Word:
        """What a word of a student's is to this index (see :data:`_Word`); remembered."""
        stem = self._stem
        term, name = stem(word), ""
        if term in self._known_terms:
            name = self._text.name_of(term)
            if name == word:
                name = ""
        else:
            fixed = self._speller.correct(word)
            if fixed is not None:
                term = stem(fixed)  # named as the catalog writes it, not as misspelt
        info = (term, name, self._phrase_ids.get((term,)), term in self._phrase_starts)
        if len(self._words) < _WORDS_REMEMBERED:
            self._words[word] = info
        return info

    def __getstate__(self) -> dict[str, object]:
        """Pickled without the words remembered from students (see ``index_files``)."""
        state = {name: getattr(self, name) for name in self.__slots__ if hasattr(self, name)}
        state["_words"] = {}
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)

    def _infer_pathway_sectors(self, given: Mapping[int, int] | None) -> dict[int, int]:
        if given is not None:
            return dict(given)
        counts: dict[int, dict[int, int]] = {}
        for o in self._offerings:
            if o.sector_id is None:
                continue
            for p in o.pathway_ids:
                by_sector = counts.setdefault(p, {})
                by_sector[o.sector_id] = by_sector.get(o.sector_id, 0) + 1
        return {p: min(c, key=lambda s: (-c[s], s)) for p, c in counts.items()}

    def _bits(self, codes: Iterable[str]) -> list[int]:
        mask = 0
        for code in codes:
            mask |= self._prereq_bit.get(code, 0)
        return [(mask >> (64 * i)) & 0xFFFF_FFFF_FFFF_FFFF for i in range(self._prereq_words)]

    def _deadline_note(self, deadline: date | None, today: date) -> str | None:
        """ "Apply by ..." when the deadline is within ``Weights.deadline_reason_days``."""
        if deadline is None:
            return None
        days = (deadline - today).days
        if not 0 <= days <= self.weights.deadline_reason_days:
            return None
        left = "today" if days == 0 else f"{days} day{'s' if days != 1 else ''} left"
        return f"Apply by {deadline:%b} {deadline.day} ({left})"

    def _catalog(self, today: date) -> _Catalog:
        """The offerings open on ``today``, encoded; cached per day."""
        cached = self._catalogs.get(today)
        if cached is not None:
            return cached
        import scipy.sparse as sp

        offs = self._offerings
        pos = np.array([i for i, o in enumerate(offs) if _open_on(o, today)], dtype=np.intp)
        sub = [offs[i] for i in pos]
        lat = np.array([math.nan if o.virtual else _nan_float(o.latitude) for o in sub])
        lon = np.array([math.nan if o.virtual else _nan_float(o.longitude) for o in sub])
        grade_cols = [j for j, o in enumerate(sub) if o.min_grade is not None]
        age_cols = [j for j, o in enumerate(sub) if o.minimum_age is not None]
        prereq_cols = [j for j, o in enumerate(sub) if o.prerequisites]
        key = [
            _TYPE_INDEX[o.type] * (1 << _N_SLOTS) + _slot_mask(effective_schedule(o)) for o in sub
        ]
        catalog = _Catalog(
            today=today,
            positions=pos,
            ids=np.array([o.id for o in sub], dtype=np.int64),
            text_t=sp.csr_matrix(self._text.documents[pos].T),
            affinity=np.ascontiguousarray(self._affinity_all[:, pos]),
            understood=np.ascontiguousarray(self._understood_all[:, pos]),
            key=np.array(key, dtype=np.intp),
            geo=GeoPoints.from_degrees(lat, lon),
            virtual_cols=np.array([j for j, o in enumerate(sub) if o.virtual], dtype=np.intp),
            grade_cols=np.array(grade_cols, dtype=np.intp),
            grade_min=np.array([sub[j].min_grade for j in grade_cols], dtype=np.int64),
            age_cols=np.array(age_cols, dtype=np.intp),
            age_cutoff=np.array(
                [
                    _age_cutoff_key(sub[j].start_date or today, sub[j].minimum_age or 0)
                    for j in age_cols
                ],
                dtype=np.int64,
            ),
            prereq_cols=np.array(prereq_cols, dtype=np.intp),
            prereq_bits=np.array(
                [self._bits(sub[j].prerequisites) for j in prereq_cols], dtype=np.uint64
            ).reshape(len(prereq_cols), self._prereq_words),
            offerings=tuple(sub),
            expanded=tuple(self._expanded[i] for i in pos),
            type_index=tuple(_TYPE_INDEX[o.type] for o in sub),
            slot_mask=tuple(_slot_mask(effective_schedule(o)) for o in sub),
            deadline_note=tuple(self._deadline_note(o.application_deadline, today) for o in sub),
        )
        if len(self._catalogs) >= 4:  # a long-lived index sees a new day now and then
            self._catalogs.clear()
        self._catalogs[today] = catalog
        return catalog

    def _encode(self, students: Sequence[Student]) -> _StudentBlock:
        """Students as arrays for scoring.

        The text query is the student's own words (misspellings corrected) plus the names
        of their pathways and of those pathways' sectors: a student in Patient Care should
        see health offerings even when their interests do not use the catalog's words. The
        pathways and sectors their words name become rows of the understood affinity.
        """
        n = len(students)
        names = self._name_terms
        readings: list[_Reading] = []
        seen: dict[str, _Reading] = {}  # a school's students often write the same words
        queries: list[list[str]] = []
        for s in students:
            reading = seen.get(s.interests)
            if reading is None:
                reading = seen[s.interests] = self._read(s.interests)
            readings.append(reading)
            terms = list(reading.stems)
            if s.pathway_ids:
                sectors: set[int] = set()
                for p in sorted(s.pathway_ids):
                    terms.extend(names.get(("p", p)) or ())
                    sector = self._pathway_sectors.get(p)
                    if sector is not None:
                        sectors.add(sector)
                for x in sorted(sectors):
                    terms.extend(names.get(("s", x)) or ())
            queries.append(terms)
        query = self._text.vectors(queries)

        zero_row = len(self._pathway_col)
        rows = [
            [self._pathway_col[p] for p in s.pathway_ids if p in self._pathway_col]
            for s in students
        ]
        width = max((len(r) for r in rows), default=0) or 1
        pathway_rows = np.full((n, width), zero_row, dtype=np.intp)
        for i, r in enumerate(rows):
            pathway_rows[i, : len(r)] = r
        width = max((len(r.rows) for r in readings), default=0) or 1
        understood_rows = np.full((n, width), len(self._understood_col), dtype=np.intp)
        for i, reading in enumerate(readings):
            understood_rows[i, : len(reading.rows)] = reading.rows

        key = np.array(
            [
                sum(1 << _TYPE_INDEX[t] for t in s.experience_types_done) * (1 << _N_SLOTS)
                + _slot_mask(s.availability)
                for s in students
            ],
            dtype=np.intp,
        )
        return _StudentBlock(
            students=students,
            query=query,
            pathway_rows=pathway_rows,
            understood_rows=understood_rows,
            readings=readings,
            key=key,
            geo=GeoPoints.from_degrees(
                np.array([_nan_float(s.latitude) for s in students]),
                np.array([_nan_float(s.longitude) for s in students]),
            ),
            travel_limit=np.array([effective_travel_limit(s) for s in students]),
            grade=np.array([s.grade for s in students], dtype=np.int64),
            dob_key=np.array(
                [
                    _NO_DOB_KEY if s.date_of_birth is None else _date_key(s.date_of_birth)
                    for s in students
                ],
                dtype=np.int64,
            ),
            prereq_have=np.array(
                [self._bits(s.completed_prerequisites) for s in students], dtype=np.uint64
            ).reshape(n, self._prereq_words),
            sectors=[
                frozenset(
                    self._pathway_sectors[p] for p in s.pathway_ids if p in self._pathway_sectors
                )
                for s in students
            ],
            done_mask=(key >> _N_SLOTS).tolist(),
            slot_mask=(key & ((1 << _N_SLOTS) - 1)).tolist(),
            taken_rows=np.repeat(
                np.arange(n, dtype=np.intp), [len(s.offerings_taken) for s in students]
            ),
            taken_ids=np.array(
                [oid for s in students for oid in sorted(s.offerings_taken)], dtype=np.int64
            ),
        )

    # ------------------------------------------------------------------------ scoring

    def _score(self, block: _StudentBlock, cat: _Catalog, lo: int, hi: int) -> _Scored:
        """Scores of students ``lo:hi`` of ``block`` against every offering of ``cat``."""
        weights = self.weights
        w = weights.normalised()
        n_s, n_o = hi - lo, cat.size
        cosine = np.zeros((n_s, n_o))
        if n_o:
            import scipy.sparse as sp

            sp.csr_matrix(block.query[lo:hi] @ cat.text_t).toarray(out=cosine)
        # pathway and sector: the best over the student's pathways
        rows = block.pathway_rows[lo:hi]
        score = cat.affinity[rows[:, 0]]
        for j in range(1, rows.shape[1]):
            np.maximum(score, cat.affinity[rows[:, j]], out=score)
        # understood pathways: a student has a few, most none; only theirs are gathered
        rows = block.understood_rows[lo:hi]
        zero_row = cat.understood.shape[0] - 1
        for j in range(rows.shape[1]):
            some = np.flatnonzero(rows[:, j] != zero_row)
            if some.size == 0:
                break  # padded from here on
            if some.size == rows.shape[0]:
                np.maximum(score, cat.understood[rows[:, j]], out=score)
            else:
                score[some] = np.maximum(score[some], cat.understood[rows[some, j]])
        # continuum and availability: one gather from the precomputed table
        score += self._cont_avail[block.key[lo:hi]][:, cat.key]
        # text relevance, full at text_saturation
        tmp = np.multiply(cosine, w[0] / weights.text_saturation)
        np.minimum(tmp, w[0], out=tmp)
        score += tmp
        # distance: w * exp(-miles / scale), computed as exp(-miles / scale + ln w)
        miles = distance_matrix_miles(block.geo.take(slice(lo, hi)), cat.geo, scratch=tmp)
        bad = miles > block.travel_limit[lo:hi, None]  # NaN (unknown, virtual) passes
        if w[3] > 0:
            np.multiply(miles, -1.0 / weights.distance_scale_miles, out=tmp)
            tmp += math.log(w[3])
            np.exp(tmp, out=tmp)
            np.fmax(tmp, 0.0, out=tmp)  # NaN -> 0: no bonus when the distance is unknown
            if cat.virtual_cols.size:
                tmp[:, cat.virtual_cols] = w[3] * weights.virtual_distance_score
            score += tmp
        # the remaining hard filters, only on the columns that carry a requirement
        if cat.grade_cols.size:
            bad[:, cat.grade_cols] |= block.grade[lo:hi, None] < cat.grade_min[None, :]
        if cat.age_cols.size:
            bad[:, cat.age_cols] |= block.dob_key[lo:hi, None] > cat.age_cutoff[None, :]
        if cat.prereq_cols.size:
            missing = np.zeros((n_s, cat.prereq_cols.size), dtype=bool)
            have = block.prereq_have[lo:hi]
            for word in range(self._prereq_words):
                need = cat.prereq_bits[None, :, word]
                missing |= (need & ~have[:, word, None]) != 0
            bad[:, cat.prereq_cols] |= missing
        self._mark_taken(block, cat, lo, hi, bad)
        np.subtract(score, 2.0, out=score, where=bad)
        return _Scored(score=score, cosine=cosine, miles=miles)

    @staticmethod
    def _mark_taken(
        block: _StudentBlock, cat: _Catalog, lo: int, hi: int, bad: NDArray[np.bool_]
    ) -> None:
        """Mark the offerings students ``lo:hi`` have taken (a handful each) as ineligible."""
        start, stop = np.searchsorted(block.taken_rows, [lo, hi])
        if start == stop or cat.size == 0:
            return
        ids = block.taken_ids[start:stop]
        cols = np.searchsorted(cat.ids, ids)  # the catalog's columns are in id order
        np.minimum(cols, cat.size - 1, out=cols)
        found = cat.ids[cols] == ids  # taken offerings that are closed are not columns
        bad[block.taken_rows[start:stop][found] - lo, cols[found]] = True

    @staticmethod
    def _top_k(scores: NDArray[np.float64], k: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """The k best eligible (row, column) pairs of every row: row by row, best first.

        Eligible scores are >= 0 (see :class:`_Scored`). Columns are in id order, so a
        tie on score goes to the smaller id. A threshold at or below each row's k-th best
        score is taken from a sample of the columns (the k-th best of a subset can only
        be lower); every score reaching it is a candidate -- ties included, so the cut is
        exact -- typically a few dozen per row, which are then sorted. This replaces a
        partial sort of the whole row, the most expensive step of a batch.
        """
        n_rows, n_cols = scores.shape
        if k <= 0 or n_cols == 0 or n_rows == 0:
            return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
        sample = scores[:, :: max(1, n_cols // max(8 * k, 256))]
        m = sample.shape[1]
        if m > k:
            threshold = np.partition(sample, m - k, axis=1)[:, m - k]
            np.maximum(threshold, 0.0, out=threshold)
        else:
            threshold = np.zeros(n_rows)
        flat = np.flatnonzero(scores >= threshold[:, None])
        rows, cols = np.divmod(flat, n_cols)
        order = np.lexsort((cols, -scores.ravel()[flat], rows))
        rows, cols = rows[order], cols[order]
        rank = np.arange(rows.size) - np.searchsorted(rows, rows)  # place within its row
        keep = rank < k
        return rows[keep].astype(np.intp), cols[keep].astype(np.intp)

    # ------------------------------------------------------------------------ reasons

    def _reasons(
        self,
        phrases: _Phrases,
        block: _StudentBlock,
        row: int,
        cat: _Catalog,
        col: int,
        cosine: float,
        miles: float,
        shared: list[str],
    ) -> tuple[str, ...]:
        """Short sentences saying why this pair scored well; only facts that hold.

        Runs for every recommendation returned, so the sentences are prepared in
        :class:`_Phrases` and this only picks them.
        """
        paths = block.students[row].pathway_ids
        offering = cat.offerings[col]
        reading = block.readings[row]
        reasons: list[str] = []
        quoted = ""
        if not paths.isdisjoint(offering.pathway_ids):
            p = min(paths & offering.pathway_ids)
            reasons.append(phrases.pathway.get(p) or phrases.pathway_unnamed)
        else:
            understood = None
            if reading.pathways:
                expanded = cat.expanded[col]
                for p in reading.pathways:
                    if p in expanded:
                        understood = p
                        break
            if understood is not None:
                quoted = reading.pathways[understood]
                name = self._pathway_names[understood]  # understood through its name
                reasons.append(phrases.wrote.format(quoted, name))
            elif offering.sector_id in block.sectors[row]:
                reasons.append(phrases.sector[offering.sector_id])
            elif offering.sector_id in reading.sectors:
                name = self._sector_names.get(offering.sector_id, "")
                if name:
                    quoted = reading.sectors[offering.sector_id]
                    reasons.append(phrases.wrote.format(quoted, name))
        if shared and cosine >= phrases.text_threshold:
            # in the student's words ("nursing"), not the catalog's ("nurse"); a word
            # already quoted is not named again
            written = reading.written
            if written or quoted:
                said = quoted.lower().split() if quoted else ()
                shared = [w for word in shared if (w := written.get(word, word)) not in said]
            if shared:
                reasons.append(phrases.interests + ", ".join(shared))
        if offering.virtual:
            reasons.append("Virtual — no travel needed")
        elif miles == miles:  # not NaN: the distance is known
            reasons.append(f"{miles:.1f}{phrases.miles}")
        step = phrases.continuum[block.done_mask[row] * _N_TYPES + cat.type_index[col]]
        if step is not None:
            reasons.append(step)
        fits = phrases.availability[(block.slot_mask[row] << _N_SLOTS) | cat.slot_mask[col]]
        if fits is not None:
            reasons.append(fits)
        if phrases.deadlines:
            note = cat.deadline_note[col]
            if note is not None:
                reasons.append(note)
        if not reasons:  # nothing stands out, but it is open to them: say so
            reasons.append(phrases.eligible)
        return tuple(reasons)

    # --------------------------------------------------------------------- public API

    def __len__(self) -> int:
        return len(self._offerings)

    def recommend(
        self, student: Student, k: int = 10, *, today: date | None = None
    ) -> list[Recommendation]:
        """The ``k`` best eligible offerings for one student, best first."""
        return self.recommend_many([student], k, today=today)[student.id]

    def recommend_many(
        self, students: Iterable[Student], k: int = 10, *, today: date | None = None
    ) -> dict[int, list[Recommendation]]:
        """:meth:`recommend` for many students at once (vectorised in blocks)."""
        day = today or self.today
        cat = self._catalog(day)
        people = list(students)
        with _gc_paused(len(people) >= _GC_PAUSE_MIN_STUDENTS):
            return self._recommend_block(self._encode(people), cat, k)

    def _recommend_block(
        self, block: _StudentBlock, cat: _Catalog, k: int
    ) -> dict[int, list[Recommendation]]:
        """Score a block of students at a time, keep each one's top k, then explain those.

        Only the top-k pairs leave the scoring loop, so the Python work (reasons and
        result objects) is proportional to the answer, not to students x catalog.
        """
        n = len(block.students)
        rows_parts: list[NDArray[np.intp]] = []
        cols_parts: list[NDArray[np.intp]] = []
        value_parts: list[NDArray[np.float64]] = []  # score, cosine, miles per pair
        step = max(1, min(256, _BLOCK_CELLS // max(1, cat.size)))
        for lo in range(0, n, step):
            scored = self._score(block, cat, lo, min(lo + step, n))
            rows, cols = self._top_k(scored.score, k)
            rows_parts.append(rows + lo)
            cols_parts.append(cols)
            value_parts.append(
                np.stack(
                    [scored.score[rows, cols], scored.cosine[rows, cols], scored.miles[rows, cols]]
                )
            )
        if not rows_parts:
            return {}
        rows = np.concatenate(rows_parts)
        cols = np.concatenate(cols_parts)
        values = np.concatenate(value_parts, axis=1)
        np.minimum(values[0], 1.0, out=values[0])  # rounding may step a hair past 1
        # shared words only where the text match is strong enough to be a reason
        strong = np.flatnonzero(values[1] >= self.weights.text_reason_threshold)
        shared: list[list[str]] = [[] for _ in range(rows.size)]
        for at, words in zip(
            strong.tolist(),
            self._text.shared_terms(block.query, rows[strong], cat.positions[cols[strong]]),
            strict=True,
        ):
            shared[at] = words
        per_student: list[list[Recommendation]] = [[] for _ in range(n)]
        phrases, reasons, offerings = self._phrases[False], self._reasons, cat.offerings
        for row, col, score, cosine, d, words in zip(
            rows.tolist(), cols.tolist(), *values.tolist(), shared, strict=True
        ):
            per_student[row].append(
                Recommendation(
                    offerings[col].id,
                    score,
                    reasons(phrases, block, row, cat, col, cosine, d, words),
                    None if d != d else d,  # NaN: virtual or unknown place
                )
            )
        return {s.id: recs for s, recs in zip(block.students, per_student, strict=True)}

    def students_for(
        self,
        offering_id: int,
        students: Iterable[Student],
        k: int = 20,
        *,
        today: date | None = None,
    ) -> list[StudentFit]:
        """The ``k`` best-fitting eligible students for one offering (staff/employer view).

        Same eligibility and score as :meth:`recommend`, seen from the offering: ties are
        broken by student id. Reasons avoid private details (no home address or age).
        """
        day = today or self.today
        position = self._id_position.get(offering_id)
        if position is None:
            raise KeyError(f"unknown offering id {offering_id}")
        full = self._catalog(day)
        col = int(np.searchsorted(full.positions, position))
        if col >= full.size or full.positions[col] != position:
            return []  # closed: no seats, past its deadline or over
        cat = full.column(col)
        pool = sorted(students, key=lambda s: s.id)
        if not pool:
            return []
        block = self._encode(pool)
        scores = np.empty(len(pool))
        cosine = np.empty(len(pool))
        miles = np.empty(len(pool))
        step = _BLOCK_CELLS  # one offering: a block can hold many students
        for lo in range(0, len(pool), step):
            hi = min(lo + step, len(pool))
            scored = self._score(block, cat, lo, hi)
            scores[lo:hi] = scored.score[:, 0]
            cosine[lo:hi] = scored.cosine[:, 0]
            miles[lo:hi] = scored.miles[:, 0]
        best = self._top_k(scores[None, :], k)[1]
        shared = self._text.shared_terms(block.query, best, np.full(len(best), position))
        fits: list[StudentFit] = []
        for row, words in zip(best.tolist(), shared, strict=True):
            d = float(miles[row])
            fits.append(
                StudentFit(
                    student_id=pool[row].id,
                    score=min(float(scores[row]), 1.0),
                    reasons=self._reasons(
                        self._phrases[True], block, row, cat, 0, float(cosine[row]), d, words
                    ),
                    distance_miles=None if math.isnan(d) else d,
                )
            )
        return fits
