"""The graduation pathway rule engine: pure functions, dataclasses in and out, no database.

The app turns a student's rows into a :class:`StudentRecord` snapshot (``queries.py``), reads
each rule of the district (a kind and its JSON parameters, parsed here into typed
parameters), and asks :func:`evaluate` where the student stands. Nothing here reads the
clock: "today" is passed in, so expiry is decided the same way everywhere.

Shipped kinds (the defaults staff may edit per district, ``services.DEFAULT_RULES``):

``CREDENTIAL_POINTS`` -- Ohio's "industry-recognized credentials and WorkKeys" pathway:
    credentials worth ``points`` (12) *within one career field* (points from two fields never
    add up; the student's best field counts), counting only verified credentials that have
    not expired (one that expires today still counts), plus a WorkKeys readiness score:
    ``total_13`` / ``total_14`` (the sum of the best level on each of Applied Math, Graphic
    Literacy and Workplace Documents; 14 for the class of 2020 and later) or ``each_4``
    (level 4 or better on each of the three). The best level per test counts, whatever the
    attempt.
``WBL_HOURS`` -- Ohio's "250-hour work-based learning experience with positive
    evaluations": confirmed hours on completed placements whose supervisor evaluation is
    positive -- at least one rating given and every rated category and Portrait of a
    Graduate outcome at 3 ("Meets") or above (N/A is ignored). By default the hours of all
    qualifying placements add up; with ``single_experience`` one placement must reach them.
``DISTRICT_CERTIFICATE`` -- Colorado's Graduation Guidelines "industry certificate"
    option: one verified, unexpired credential that the student's own district accepts for
    graduation and whose policy counts toward the ``subject`` (english, math, or either; a
    policy for "both" covers each).

Status, for the school lists:

* ``met`` -- every part of the rule is met.
* ``close`` -- points: at least 75 % of the points in the best field *and* WorkKeys within
  reach (a total at most 2 below the target; for each-4, every test taken at level 3 or
  more); hours: at least 75 % of the hours *on the way* -- confirmed hours of placements
  that are not cancelled and have no negative evaluation, so hours on an active or not yet
  evaluated placement show how close the student is, while ``met`` still needs completed
  placements with positive evaluations; certificate: a credential that would count is
  waiting for staff verification.
* ``not_started`` -- nothing counts yet (no valid points and no WorkKeys test; no confirmed
  hours on the way; no counting or pending certificate).
* ``on_track`` -- anything in between.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeAlias

from flask_babel import format_decimal, gettext, ngettext, pgettext

from wbl.credentials.models import EarnedStatus, Subject, WorkKeysTest, valid_on
from wbl.i18n import data_name, is_english, long_day
from wbl.pathways.models import RuleKind

CLOSE_SHARE = 0.75  # "close": at least this share of the points or hours
WORKKEYS_SLACK = 2  # "close": a WorkKeys total at most this far below the target
EACH_LEVEL = 4  # each_4: the level needed on every test
MEETS = 3  # an evaluation rating of 3 is "Meets"

MAX_POINTS = 100
MAX_HOURS = 5000


class ParamsError(ValueError):
    """A rule's parameters are not valid; ``field`` names the parameter."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class WorkKeysRule(enum.StrEnum):
    TOTAL_13 = "total_13"
    TOTAL_14 = "total_14"
    EACH_4 = "each_4"

    @property
    def label(self) -> str:
        return {
            "total_13": "A total of 13 or more",
            "total_14": "A total of 14 or more",
            "each_4": "Level 4 or more on each test",
        }[self.value]

    @property
    def total(self) -> int | None:
        return {"total_13": 13, "total_14": 14}.get(self.value)


class CertificateSubject(enum.StrEnum):
    ENGLISH = "english"
    MATH = "math"
    EITHER = "either"

    @property
    def label(self) -> str:
        return {"english": "English", "math": "math", "either": "English or math"}[self.value]

    def counted_by(self, policy_subject: Subject) -> bool:
        if self is CertificateSubject.EITHER:
            return policy_subject is not Subject.NEITHER
        return policy_subject.covers(Subject(self.value))


class Status(enum.StrEnum):
    MET = "met"
    CLOSE = "close"
    ON_TRACK = "on_track"
    NOT_STARTED = "not_started"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self._value_]  # not .value: a list asks this for every rule


_STATUS_LABELS = {
    "met": "Met",
    "close": "Close",
    "on_track": "On track",
    "not_started": "Not started",
}


WORKKEYS_TESTS = (
    WorkKeysTest.APPLIED_MATH,
    WorkKeysTest.GRAPHIC_LITERACY,
    WorkKeysTest.WORKPLACE_DOCUMENTS,
)


# --- parameters ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PointsParams:
    points: int = 12
    workkeys: WorkKeysRule = WorkKeysRule.TOTAL_14


@dataclass(frozen=True, slots=True)
class HoursParams:
    hours: int = 250
    single_experience: bool = False


@dataclass(frozen=True, slots=True)
class CertificateParams:
    subject: CertificateSubject = CertificateSubject.EITHER


Params: TypeAlias = PointsParams | HoursParams | CertificateParams


def _int(raw: Mapping[str, object], key: str, default: int, low: int, high: int, what: str) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParamsError(f"{what} must be a whole number.", field=key)
    if not low <= value <= high:
        raise ParamsError(f"{what} must be from {low} to {high}.", field=key)
    return value


def _choice(raw: Mapping[str, object], key: str, default: enum.StrEnum) -> str:
    value = raw.get(key, default.value)
    choices = [c.value for c in type(default)]
    if not isinstance(value, str) or value not in choices:
        raise ParamsError(f"Choose {key} from: {', '.join(choices)}.", field=key)
    return value


def parse_params(kind: RuleKind, raw: Mapping[str, object]) -> Params:
    """Typed parameters from a rule's JSON (missing keys take the defaults). Unknown keys,
    wrong types and values out of range are refused with a message naming the setting."""
    known = {
        RuleKind.CREDENTIAL_POINTS: {"points", "workkeys"},
        RuleKind.WBL_HOURS: {"hours", "single_experience"},
        RuleKind.DISTRICT_CERTIFICATE: {"subject"},
    }[kind]
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ParamsError(
            f"Unknown setting for this kind of rule: {', '.join(unknown)}.", field=unknown[0]
        )
    if kind is RuleKind.CREDENTIAL_POINTS:
        return PointsParams(
            points=_int(raw, "points", 12, 1, MAX_POINTS, "Points"),
            workkeys=WorkKeysRule(_choice(raw, "workkeys", WorkKeysRule.TOTAL_14)),
        )
    if kind is RuleKind.WBL_HOURS:
        single = raw.get("single_experience", False)
        if not isinstance(single, bool):
            raise ParamsError("Single experience must be yes or no.", field="single_experience")
        return HoursParams(
            hours=_int(raw, "hours", 250, 1, MAX_HOURS, "Hours"), single_experience=single
        )
    return CertificateParams(
        subject=CertificateSubject(_choice(raw, "subject", CertificateSubject.EITHER))
    )


def params_json(params: Params) -> dict[str, object]:
    """What a rule stores: the parameters as plain JSON values."""
    if isinstance(params, PointsParams):
        return {"points": params.points, "workkeys": params.workkeys.value}
    if isinstance(params, HoursParams):
        return {"hours": params.hours, "single_experience": params.single_experience}
    return {"subject": params.subject.value}


def describe_params(kind: RuleKind, params: Params) -> str:
    """One line for the rules list, e.g. "12 points in one career field; WorkKeys: a total of
    14 or more"."""
    if isinstance(params, PointsParams):
        return (
            f"{params.points} points in one career field; WorkKeys: {params.workkeys.label.lower()}"
        )
    if isinstance(params, HoursParams):
        how = "in one experience" if params.single_experience else "across experiences"
        return f"{params.hours} hours with positive evaluations, {how}"
    return f"One district-accepted certificate counting toward {params.subject.label}"


# --- the student snapshot ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CatalogCredential:
    """A credential of the catalog (an active one, when suggested as a way to close a gap)."""

    credential_id: int
    name: str
    issuer: str
    sector_id: int
    sector_name: str  # as staff named the career field
    points: int


@dataclass(frozen=True, slots=True)
class EarnedCredential:
    credential: CatalogCredential
    status: EarnedStatus
    earned_on: date
    expires_on: date | None

    def counts_on(self, today: date) -> bool:
        return valid_on(self.status, self.expires_on, today)


@dataclass(frozen=True, slots=True)
class Policy:
    """A district's decision on one credential (no policy: not accepted, neither subject)."""

    district_id: int
    credential_id: int
    accepted_for_graduation: bool
    counts_toward: Subject


@dataclass(frozen=True, slots=True)
class WorkKeysResult:
    test: WorkKeysTest
    level: int
    tested_on: date


@dataclass(frozen=True, slots=True)
class Experience:
    """A placement with its supervisor-confirmed minutes and its evaluation's ratings
    (``None``: not evaluated; a rating of ``None`` inside is N/A)."""

    placement_id: int
    title: str
    completed: bool
    confirmed_minutes: int
    ratings: tuple[int | None, ...] | None = None

    @property
    def positive(self) -> bool:
        if self.ratings is None:
            return False
        given = [r for r in self.ratings if r is not None]
        return bool(given) and all(r >= MEETS for r in given)

    @property
    def negative(self) -> bool:
        """Evaluated with something rated below Meets: these hours will not count."""
        return self.ratings is not None and any(r is not None and r < MEETS for r in self.ratings)

    @property
    def qualifies(self) -> bool:
        return self.completed and self.positive


@dataclass(frozen=True, slots=True)
class StudentRecord:
    student_id: int
    district_id: int
    graduation_year: int
    credentials: tuple[EarnedCredential, ...] = ()
    policies: tuple[Policy, ...] = ()  # the district's (others are ignored)
    workkeys: tuple[WorkKeysResult, ...] = ()  # every attempt
    experiences: tuple[Experience, ...] = ()
    career_field_ids: tuple[int, ...] = ()  # sectors of the pathways the student chose
    catalog: tuple[CatalogCredential, ...] = ()  # active credentials, for suggestions

    def best_levels(self) -> dict[WorkKeysTest, int]:
        best: dict[WorkKeysTest, int] = {}
        for result in self.workkeys:
            best[result.test] = max(best.get(result.test, 0), result.level)
        return best


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule as the engine sees it (the ``PathwayRule`` row, without the database)."""

    id: int
    kind: RuleKind
    name: str
    params: Params
    classes_from: int | None = None
    classes_to: int | None = None
    description: str = ""

    def applies_to(self, graduation_year: int) -> bool:
        return (self.classes_from is None or graduation_year >= self.classes_from) and (
            self.classes_to is None or graduation_year <= self.classes_to
        )


# --- the result ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Part:
    label: str
    have: int
    need: int

    @property
    def met(self) -> bool:
        return self.have >= self.need


@dataclass(frozen=True, slots=True)
class RuleProgress:
    rule: Rule
    met: bool
    status: Status
    summary: str
    parts: tuple[Part, ...]
    missing: tuple[str, ...]
    # Credentials that would close the gap: those that close it alone first (the smallest
    # sufficient first), then the rest by points; ``fewest_needed`` of them close it.
    candidates: tuple[CatalogCredential, ...] = ()
    fewest_needed: int = 0
    field_name: str = ""  # the career field the points rule counted


# --- evaluation ----------------------------------------------------------------------------


def applicable(rules: Iterable[Rule], graduation_year: int) -> list[Rule]:
    """The rules that apply to a graduating class, in the order given."""
    return [r for r in rules if r.applies_to(graduation_year)]


def evaluate(
    rule: Rule, record: StudentRecord, today: date, *, suggest: bool = True
) -> RuleProgress:
    """Where the student stands on one rule. ``suggest=False`` (lists, which never show
    them) leaves out the credentials that would close a gap; the rest is the same."""
    if isinstance(rule.params, PointsParams):
        return _points(rule, rule.params, record, today, suggest=suggest)
    if isinstance(rule.params, HoursParams):
        return _hours(rule, rule.params, record)
    return _certificate(rule, rule.params, record, today, suggest=suggest)


def status(rule: Rule, record: StudentRecord, today: date) -> Status:
    """Only the status of :func:`evaluate` (the same answer, held equal by a property test):
    no summary, parts or guidance are written, so a school's counts can be worked out for
    every student while only one page of them is evaluated in full."""
    if isinstance(rule.params, PointsParams):
        return _points_status(rule.params, _best_points(record, today), record.best_levels())
    if isinstance(rule.params, HoursParams):
        return _hours_status(rule.params, *_hours_totals(rule.params, record))
    counting = _counting(record.policies, record.district_id, rule.params.subject)
    met = pending = False
    for e in record.credentials:
        if e.credential.credential_id in counting:
            met = met or e.counts_on(today)
            pending = pending or e.status is EarnedStatus.PENDING
    return _certificate_status(met, pending)


def overall_status(rules: Iterable[Rule], record: StudentRecord, today: date) -> Status | None:
    """The best status over the rules that apply to the student (:func:`overall` of
    :func:`evaluate_all`, without writing the progress)."""
    found = {status(r, record, today) for r in applicable(rules, record.graduation_year)}
    return next((s for s in _ORDER if s in found), None)


def evaluate_all(
    rules: Iterable[Rule], record: StudentRecord, today: date, *, suggest: bool = True
) -> list[RuleProgress]:
    return [
        evaluate(r, record, today, suggest=suggest)
        for r in applicable(rules, record.graduation_year)
    ]


def overall(progress: Sequence[RuleProgress]) -> Status | None:
    """A student's standing over several rules: the best of them (any one pathway will do)."""
    found = {p.status for p in progress}
    return next((s for s in _ORDER if s in found), None)


_ORDER = (Status.MET, Status.CLOSE, Status.ON_TRACK, Status.NOT_STARTED)


def _day(day: date) -> str:
    return long_day(day)


# The sentences a student reads (the summary, the parts, what is missing) are translated
# when they are made: the engine runs while a page or a download is being answered, in its
# reader's language (outside a request, a test or a job, gettext gives the English back).
# Rule names, credential and field names and placement titles are data: as written.


def _subject(subject: CertificateSubject) -> str:
    """The subject inside a sentence ("English or math"), in the reader's language."""
    return {
        "english": pgettext("a school subject", "English"),
        "math": pgettext("a school subject", "math"),
        "either": gettext("English or math"),
    }[subject.value]


def _test_name(test: WorkKeysTest) -> str:
    """A WorkKeys test's name: ACT's product names, the same in every language."""
    return test.label


# credential points + WorkKeys


def _best_field(
    record: StudentRecord, today: date
) -> tuple[int | None, str, int, list[EarnedCredential]]:
    """(sector id, name, points, the credentials counted) of the student's best career field:
    the most valid points; a tie goes to a field the student chose, then to the name. A field
    where the student holds only expired or pending credentials is in the running with no
    points, so its renewal and verification guidance shows when nothing else counts."""
    by_field: dict[int, list[EarnedCredential]] = {}
    names: dict[int, str] = {}
    held: set[int] = set()
    for earned in record.credentials:
        names[earned.credential.sector_id] = earned.credential.sector_name
        if earned.status is not EarnedStatus.REJECTED:
            held.add(earned.credential.sector_id)
        if earned.counts_on(today):
            by_field.setdefault(earned.credential.sector_id, []).append(earned)
    for c in record.catalog:
        names.setdefault(c.sector_id, c.sector_name)

    def points(sector_id: int) -> int:
        return sum(e.credential.points for e in _distinct(by_field.get(sector_id, [])))

    chosen = set(record.career_field_ids)
    fields = set(by_field) | held | (chosen & set(names))
    if not fields:
        return None, "", 0, []
    best = min(fields, key=lambda s: (-points(s), s not in chosen, names.get(s, ""), s))
    return best, names.get(best, ""), points(best), _distinct(by_field.get(best, []))


def _best_points(record: StudentRecord, today: date) -> int:
    """The points of the student's best career field (what :func:`_best_field` counts)."""
    by_field: dict[int, dict[int, int]] = {}
    for e in record.credentials:
        if e.counts_on(today):
            c = e.credential
            by_field.setdefault(c.sector_id, {}).setdefault(c.credential_id, c.points)
    return max((sum(points.values()) for points in by_field.values()), default=0)


def _distinct(earned: list[EarnedCredential]) -> list[EarnedCredential]:
    """One record per credential (a renewal recorded twice does not count twice)."""
    seen: dict[int, EarnedCredential] = {}
    for e in earned:
        seen.setdefault(e.credential.credential_id, e)
    return list(seen.values())


def _closing(
    pool: Iterable[CatalogCredential], gap: int
) -> tuple[tuple[CatalogCredential, ...], int]:
    """Credentials to suggest for a gap of ``gap`` points and the fewest that close it."""
    useful = [c for c in pool if c.points > 0]
    alone = sorted((c for c in useful if c.points >= gap), key=lambda c: (c.points, c.name))
    rest = sorted((c for c in useful if c.points < gap), key=lambda c: (-c.points, c.name))
    fewest, total = 0, 0
    for c in sorted(useful, key=lambda c: -c.points):
        if total >= gap:
            break
        total += c.points
        fewest += 1
    return tuple(alone + rest), (fewest if total >= gap else 0)


def _workkeys_standing(rule: WorkKeysRule, best: dict[WorkKeysTest, int]) -> tuple[bool, bool]:
    """(met, within reach) of the WorkKeys part."""
    target = rule.total
    if target is not None:
        total = sum(best.get(t, 0) for t in WORKKEYS_TESTS)
        return total >= target, total >= target - WORKKEYS_SLACK
    return (
        all(best.get(t, 0) >= EACH_LEVEL for t in WORKKEYS_TESTS),
        all(best.get(t, 0) >= EACH_LEVEL - 1 for t in WORKKEYS_TESTS),
    )


def _workkeys_text(rule: WorkKeysRule, best: dict[WorkKeysTest, int]) -> tuple[str, bool, bool]:
    """(summary text, met, within reach) of the WorkKeys part."""
    met, near = _workkeys_standing(rule, best)
    target = rule.total
    if target is not None:
        scores = ", ".join(
            f"{_test_name(t)} {best[t]}"
            if t in best
            else gettext("%(test)s not taken", test=_test_name(t))
            for t in WORKKEYS_TESTS
        )
        total = sum(best.get(t, 0) for t in WORKKEYS_TESTS)
        text = gettext(
            "WorkKeys %(total)s of %(target)s: %(scores)s",
            total=total,
            target=target,
            scores=scores,
        )
        return text, met, near
    parts = []
    for t in WORKKEYS_TESTS:
        if t not in best:
            parts.append(gettext("%(test)s not taken", test=_test_name(t)))
        elif best[t] < EACH_LEVEL:
            parts.append(
                gettext(
                    "%(test)s %(level)s (needs %(needed)s)",
                    test=_test_name(t),
                    level=best[t],
                    needed=EACH_LEVEL,
                )
            )
        else:
            parts.append(f"{_test_name(t)} {best[t]}")
    return gettext("WorkKeys: %(scores)s", scores=", ".join(parts)), met, near


def _pending_ids(record: StudentRecord) -> set[int]:
    """Credentials the student has recorded and staff have not yet verified: never suggested
    (earning them again would not help)."""
    return {
        e.credential.credential_id for e in record.credentials if e.status is EarnedStatus.PENDING
    }


def _points(
    rule: Rule, params: PointsParams, record: StudentRecord, today: date, *, suggest: bool
) -> RuleProgress:
    sector_id, sector_name, have, counted = _best_field(record, today)
    field = data_name(sector_name)  # a shipped career field's name in the reader's language
    best = record.best_levels()
    wk_text, _, _ = _workkeys_text(params.workkeys, best)
    if sector_name:
        summary = gettext(
            "%(have)s of %(need)s points in %(field)s; %(workkeys)s",
            have=have,
            need=params.points,
            field=field,
            workkeys=wk_text,
        )
        label = gettext("Credential points in %(field)s", field=field)
    else:
        summary = gettext(
            "%(have)s of %(need)s points; %(workkeys)s",
            have=have,
            need=params.points,
            workkeys=wk_text,
        )
        label = gettext("Credential points")
    parts = [Part(label, have, params.points)]
    if params.workkeys.total is not None:
        total = sum(best.get(t, 0) for t in WORKKEYS_TESTS)
        parts.append(Part(gettext("WorkKeys total"), total, params.workkeys.total))
    else:
        parts.extend(Part(_test_name(t), best.get(t, 0), EACH_LEVEL) for t in WORKKEYS_TESTS)

    missing: list[str] = []
    gap = max(params.points - have, 0)
    candidates: tuple[CatalogCredential, ...] = ()
    fewest = 0
    if gap:
        missing.append(
            ngettext(
                "%(num)s more point in %(field)s (credentials in other career fields do not "
                "add up).",
                "%(num)s more points in %(field)s (credentials in other career fields do not "
                "add up).",
                gap,
                field=field,
            )
            if sector_name
            else ngettext(
                "%(num)s point from credentials in one career field.",
                "%(num)s points from credentials in one career field.",
                gap,
            )
        )
        held = {e.credential.credential_id for e in counted} | _pending_ids(record)
        if suggest and sector_id is not None:
            pool = [
                c
                for c in record.catalog
                if c.sector_id == sector_id and c.credential_id not in held
            ]
            candidates, fewest = _closing(pool, gap)
    pending = [
        e
        for e in record.credentials
        if e.status is EarnedStatus.PENDING and e.credential.sector_id == sector_id
    ]
    if gap and pending:
        points = ngettext(
            "%(num)s point", "%(num)s points", sum(e.credential.points for e in pending)
        )
        missing.append(
            ngettext(
                "%(num)s credential in %(field)s waiting for verification (%(points)s).",
                "%(num)s credentials in %(field)s waiting for verification (%(points)s).",
                len(pending),
                field=field,
                points=points,
            )
            if sector_name
            else ngettext(
                "%(num)s credential waiting for verification (%(points)s).",
                "%(num)s credentials waiting for verification (%(points)s).",
                len(pending),
                points=points,
            )
        )
    expired = [
        e
        for e in record.credentials
        if e.status is EarnedStatus.VERIFIED
        and not e.counts_on(today)
        and e.credential.sector_id == sector_id
    ]
    missing.extend(
        gettext(
            "%(credential)s expired on %(day)s; renew it to count it again.",
            credential=e.credential.name,
            day=_day(e.expires_on),
        )
        for e in expired
        if e.expires_on is not None
    )
    missing.extend(_workkeys_missing(params.workkeys, best))

    status = _points_status(params, have, best)
    return RuleProgress(
        rule=rule,
        met=status is Status.MET,
        status=status,
        summary=summary,
        parts=tuple(parts),
        missing=tuple(missing),
        candidates=candidates,
        fewest_needed=fewest,
        field_name=sector_name,
    )


def _points_status(params: PointsParams, have: int, best: dict[WorkKeysTest, int]) -> Status:
    wk_met, wk_near = _workkeys_standing(params.workkeys, best)
    if have >= params.points and wk_met:
        return Status.MET
    if have >= math.ceil(params.points * CLOSE_SHARE) and wk_near:
        return Status.CLOSE
    if have == 0 and not best:
        return Status.NOT_STARTED
    return Status.ON_TRACK


def _workkeys_missing(rule: WorkKeysRule, best: dict[WorkKeysTest, int]) -> list[str]:
    missing = []
    target = rule.total
    if target is not None:
        total = sum(best.get(t, 0) for t in WORKKEYS_TESTS)
        if total < target:
            missing.append(
                ngettext(
                    "%(num)s more WorkKeys level for a total of %(target)s across Applied Math, "
                    "Graphic Literacy and Workplace Documents.",
                    "%(num)s more WorkKeys levels for a total of %(target)s across Applied Math, "
                    "Graphic Literacy and Workplace Documents.",
                    target - total,
                    target=target,
                )
            )
        missing.extend(
            gettext("Take the WorkKeys %(test)s test.", test=_test_name(t))
            for t in WORKKEYS_TESTS
            if t not in best
        )
        return missing
    for t in WORKKEYS_TESTS:
        if t not in best:
            missing.append(
                gettext(
                    "Take the WorkKeys %(test)s test and reach level %(level)s.",
                    test=_test_name(t),
                    level=EACH_LEVEL,
                )
            )
        elif best[t] < EACH_LEVEL:
            missing.append(
                gettext(
                    "WorkKeys %(test)s at level %(level)s (best so far %(best)s).",
                    test=_test_name(t),
                    level=EACH_LEVEL,
                    best=best[t],
                )
            )
    return missing


# work-based learning hours


def _hours_text(minutes: int) -> str:
    """Hours with up to two decimals, as the reader writes numbers ("2.5", "2,5")."""
    if not is_english():
        return format_decimal(minutes / 60, "#,##0.##")
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")


def _waiting(e: Experience) -> str | None:
    """What still has to happen for a placement's confirmed hours to count (None: they
    count already, or never will)."""
    if e.qualifies or e.negative:
        return None
    if not e.completed:
        if e.positive:
            return gettext("wait for the placement to end.")
        return gettext("wait for the placement to end with a positive evaluation.")
    if e.ratings is None:
        return gettext("wait for the supervisor's positive evaluation.")
    return None  # evaluated, and nothing rated: no positive evidence will come


def _hours_totals(params: HoursParams, record: StudentRecord) -> tuple[int, int]:
    """(minutes that count, confirmed minutes still on their way): the sums over the
    placements, or the largest one with ``single_experience``."""
    qualifying = [e.confirmed_minutes for e in record.experiences if e.qualifies]
    waiting = [
        e.confirmed_minutes
        for e in record.experiences
        if e.confirmed_minutes and _waiting(e) is not None
    ]
    if params.single_experience:
        return max(qualifying, default=0), max(waiting, default=0)
    return sum(qualifying), sum(waiting)


def _hours_status(params: HoursParams, have: int, on_the_way: int) -> Status:
    need = params.hours * 60
    toward = max(have, on_the_way) if params.single_experience else have + on_the_way
    if have >= need:
        return Status.MET
    if toward >= need * CLOSE_SHARE:
        return Status.CLOSE
    if toward == 0:
        return Status.NOT_STARTED
    return Status.ON_TRACK


def _hours(rule: Rule, params: HoursParams, record: StudentRecord) -> RuleProgress:
    """``met`` counts only completed placements with positive evaluations; the status bands
    also count the confirmed hours still on their way (see :func:`_waiting`), so a student
    with 240 hours on an active placement is close, not "not started". Cancelled placements
    never get here (``queries.student_records`` leaves them out)."""
    need = params.hours * 60
    have, on_the_way = _hours_totals(params, record)
    have_text = _hours_text(have)
    if params.single_experience:
        summary = gettext(
            "%(have)s of %(need)s hours in one work-based learning experience with a "
            "positive evaluation",
            have=have_text,
            need=params.hours,
        )
    else:
        summary = gettext(
            "%(have)s of %(need)s hours of work-based learning with positive evaluations",
            have=have_text,
            need=params.hours,
        )
    if on_the_way:
        summary = gettext(
            "%(summary)s; %(hours)s confirmed hours waiting",
            summary=summary,
            hours=_hours_text(on_the_way),
        )
    missing: list[str] = []
    if have < need:
        hours = _hours_text(need - have)
        missing.append(
            gettext(
                "%(hours)s more confirmed hours in that one experience on a completed placement "
                "with a positive evaluation.",
                hours=hours,
            )
            if params.single_experience and have
            else gettext(
                "%(hours)s more confirmed hours on a completed placement with a positive "
                "evaluation.",
                hours=hours,
            )
        )
    for e in record.experiences:
        if e.qualifies or not e.confirmed_minutes:
            continue
        hours = _hours_text(e.confirmed_minutes)
        reason = _waiting(e)
        if reason is not None:
            missing.append(
                gettext(
                    "%(title)s: %(hours)s confirmed hours %(reason)s",
                    title=e.title,
                    hours=hours,
                    reason=reason,
                )
            )
        elif e.negative:
            missing.append(
                gettext(
                    "%(title)s (%(hours)s hours) does not count: its evaluation rates something "
                    "below Meets.",
                    title=e.title,
                    hours=hours,
                )
            )
        else:
            missing.append(
                gettext(
                    "%(title)s (%(hours)s hours) does not count: its evaluation rates no category.",
                    title=e.title,
                    hours=hours,
                )
            )
    status = _hours_status(params, have, on_the_way)
    return RuleProgress(
        rule=rule,
        met=status is Status.MET,
        status=status,
        summary=summary,
        parts=(Part(gettext("Hours"), have // 60, params.hours),),
        missing=tuple(missing),
    )


# district-accepted certificate


_COUNTING: dict[tuple[int, int, CertificateSubject], tuple[tuple[Policy, ...], frozenset[int]]] = {}


def _counting(
    policies: tuple[Policy, ...], district_id: int, subject: CertificateSubject
) -> frozenset[int]:
    """The credentials the district accepts toward ``subject``. Remembered for the same
    tuple of policies (the very object: the students of a district share it, and a school's
    list asks this for every student), so a long list never hashes or compares policies;
    the memo holds the tuple, so its id is never reused while remembered."""
    key = (id(policies), district_id, subject)
    hit = _COUNTING.get(key)
    if hit is not None and hit[0] is policies:
        return hit[1]
    found = frozenset(
        p.credential_id
        for p in policies
        if p.district_id == district_id
        and p.accepted_for_graduation
        and subject.counted_by(p.counts_toward)
    )
    if len(_COUNTING) >= 64:
        _COUNTING.clear()
    _COUNTING[key] = (policies, found)
    return found


def _certificate(
    rule: Rule, params: CertificateParams, record: StudentRecord, today: date, *, suggest: bool
) -> RuleProgress:
    counting = _counting(record.policies, record.district_id, params.subject)
    subject = _subject(params.subject)
    counted = sorted(
        {
            e.credential.name
            for e in record.credentials
            if e.credential.credential_id in counting and e.counts_on(today)
        }
    )
    pending = [
        e
        for e in record.credentials
        if e.credential.credential_id in counting and e.status is EarnedStatus.PENDING
    ]
    missing: list[str] = []
    candidates: tuple[CatalogCredential, ...] = ()
    if counted:
        summary = gettext(
            "Met for %(subject)s with %(credentials)s",
            subject=subject,
            credentials=", ".join(counted),
        )
    else:
        summary = gettext("No district-accepted certificate for %(subject)s yet", subject=subject)
        if pending:
            missing.append(
                gettext(
                    "%(credential)s counts for %(subject)s once staff verify it.",
                    credential=pending[0].credential.name,
                    subject=subject,
                )
            )
        else:
            missing.append(
                gettext(
                    "A verified industry certificate your district accepts for %(subject)s.",
                    subject=subject,
                )
            )
        held = {
            e.credential.credential_id for e in record.credentials if e.counts_on(today)
        } | _pending_ids(record)
        chosen = set(record.career_field_ids)
        candidates = tuple(
            sorted(
                (
                    c
                    for c in record.catalog
                    if suggest and c.credential_id in counting and c.credential_id not in held
                ),
                key=lambda c: (c.sector_id not in chosen, c.name),
            )
        )
    met = bool(counted)
    status = _certificate_status(met, bool(pending))
    return RuleProgress(
        rule=rule,
        met=met,
        status=status,
        summary=summary,
        parts=(
            Part(
                gettext("Accepted certificate for %(subject)s", subject=subject),
                min(len(counted), 1),
                1,
            ),
        ),
        missing=tuple(missing),
        candidates=candidates,
        fewest_needed=0 if met or not candidates else 1,
    )


def _certificate_status(met: bool, pending: bool) -> Status:
    return Status.MET if met else Status.CLOSE if pending else Status.NOT_STARTED
