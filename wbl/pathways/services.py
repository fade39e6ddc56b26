"""Graduation pathway use cases: the shipped default rules, staff editing a district's rules,
and students' progress (one student, or a school's list grouped by status).

Rules are data per district. The shipped defaults (:data:`DEFAULT_RULES`) follow Ohio's
graduation pathways (industry-recognized credentials worth 12 points in one career field
plus a WorkKeys score -- a total of 13 before the class of 2020 and 14 from it; a 250-hour
work-based learning experience with positive evaluations) and Colorado's Graduation
Guidelines (a district-accepted industry certificate for English, or for math). A variant
asking for WorkKeys level 4 on each test ships switched off: a district whose state moves
to it turns it on (and sets the classes it applies to) instead of editing the other.

Who may change rules: CTE staff of the district (county staff: any district). Another
district's rule is not found. A rule staff added can be deleted; a shipped default only
switched off (deleted, the next seed would bring it back). Who sees progress: whoever sees
the student (``wbl.students.services.sees_student``); a school's list: its teachers and the
staff whose district holds it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, select

from wbl.auth.models import User
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db
from wbl.i18n import N_
from wbl.imports.writing import csv_bytes
from wbl.pagination import PageInfo
from wbl.pathways import queries, rules
from wbl.pathways.models import PathwayRule, RuleKind
from wbl.schools.models import District, School
from wbl.scopes import in_staff_district, is_staff, staff_sees_district
from wbl.students.models import StudentProfile

CLASS_MIN, CLASS_MAX = 1990, 2100

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Preset:
    key: str
    kind: RuleKind
    name: str
    description: str
    params: rules.Params
    classes_from: int | None = None
    classes_to: int | None = None
    active: bool = True


DEFAULT_RULES: tuple[Preset, ...] = (
    Preset(
        "ohio_points_14",
        RuleKind.CREDENTIAL_POINTS,
        N_("Industry credentials and WorkKeys"),
        N_(
            "Ohio graduation pathway: 12 points of industry-recognized credentials in one "
            "career field, and a WorkKeys total of 14 (class of 2020 and later)."
        ),
        rules.PointsParams(points=12, workkeys=rules.WorkKeysRule.TOTAL_14),
        classes_from=2020,
    ),
    Preset(
        "ohio_points_13",
        RuleKind.CREDENTIAL_POINTS,
        N_("Industry credentials and WorkKeys (before 2020)"),
        N_(
            "Ohio graduation pathway: 12 points of industry-recognized credentials in one "
            "career field, and a WorkKeys total of 13 (classes before 2020)."
        ),
        rules.PointsParams(points=12, workkeys=rules.WorkKeysRule.TOTAL_13),
        classes_to=2019,
    ),
    Preset(
        "ohio_points_each_4",
        RuleKind.CREDENTIAL_POINTS,
        N_("Industry credentials and WorkKeys level 4 on each test"),
        N_(
            "Ohio graduation pathway, newer form: 12 points in one career field, and WorkKeys "
            "level 4 or higher on each of Applied Math, Graphic Literacy and Workplace "
            "Documents. Off until the district turns it on for the classes it applies to."
        ),
        rules.PointsParams(points=12, workkeys=rules.WorkKeysRule.EACH_4),
        active=False,
    ),
    Preset(
        "ohio_wbl_250",
        RuleKind.WBL_HOURS,
        N_("250 hours of work-based learning"),
        N_(
            "Ohio graduation pathway: 250 confirmed hours of work-based learning with positive "
            "supervisor evaluations."
        ),
        rules.HoursParams(hours=250, single_experience=False),
    ),
    Preset(
        "colorado_cert_english",
        RuleKind.DISTRICT_CERTIFICATE,
        N_("Industry certificate for English"),
        N_(
            "Colorado Graduation Guidelines: an industry certificate the district accepts for "
            "graduation and counts toward English."
        ),
        rules.CertificateParams(subject=rules.CertificateSubject.ENGLISH),
    ),
    Preset(
        "colorado_cert_math",
        RuleKind.DISTRICT_CERTIFICATE,
        N_("Industry certificate for math"),
        N_(
            "Colorado Graduation Guidelines: an industry certificate the district accepts for "
            "graduation and counts toward math."
        ),
        rules.CertificateParams(subject=rules.CertificateSubject.MATH),
    ),
)


# --- rules ---------------------------------------------------------------------------------


def to_rule(row: PathwayRule) -> rules.Rule:
    return rules.Rule(
        id=row.id,
        kind=row.kind,
        name=row.name,
        params=rules.parse_params(row.kind, row.params),
        classes_from=row.classes_from,
        classes_to=row.classes_to,
        description=row.description,
    )


def usable_rules(rows: Iterable[PathwayRule]) -> list[rules.Rule]:
    """The rows as engine rules, skipping (with a warning) any whose stored settings no
    longer parse: one bad rule must not take every progress page down. Staff see it on the
    rules page as "Settings need attention" and fix it there."""
    usable = []
    for row in rows:
        try:
            usable.append(to_rule(row))
        except rules.ParamsError as error:
            log.warning(
                "Pathway rule %s (%s) of district %s skipped: %s",
                row.id,
                row.name,
                row.district_id,
                error.message,
            )
    return usable


def rules_for(district: District, graduation_year: int) -> list[rules.Rule]:
    """The district's active rules that apply to a graduating class, in their order (a rule
    whose settings need attention is left out)."""
    return _rules_for(district.id, graduation_year)


def _rules_for(district_id: int, graduation_year: int) -> list[rules.Rule]:
    return rules.applicable(
        usable_rules(db.session.scalars(queries.district_rules(district_id))), graduation_year
    )


def missing_default_rules(district_id: int, actor_id: int | None = None) -> list[PathwayRule]:
    """New (unsaved) rows for the shipped rules the district lacks, matched by preset."""
    have = set(
        db.session.scalars(
            select(PathwayRule.preset).where(
                PathwayRule.district_id == district_id, PathwayRule.preset.is_not(None)
            )
        )
    )
    return [
        PathwayRule(
            district_id=district_id,
            kind=preset.kind,
            preset=preset.key,
            name=preset.name,
            description=preset.description,
            params=rules.params_json(preset.params),
            classes_from=preset.classes_from,
            classes_to=preset.classes_to,
            position=position,
            active=preset.active,
            updated_by_id=actor_id,
        )
        for position, preset in enumerate(DEFAULT_RULES, start=1)
        if preset.key not in have
    ]


def _add_defaults(district_id: int, actor_id: int | None = None) -> int:
    rows = missing_default_rules(district_id, actor_id)
    db.session.add_all(rows)
    db.session.flush()
    return len(rows)


@dataclass(frozen=True, slots=True)
class Seeding:
    districts: int
    added: int

    def describe(self) -> str:
        """What ``flask seed-reference`` says: on a first ``make run`` there is no district
        yet, which is not a failure (the demo county's districts get the rules as it loads)."""
        if not self.districts:
            return (
                "no districts yet; each district gets them when the demo county loads or "
                "when seed-reference runs after the district is added."
            )
        if not self.added:
            return f"all {self.districts} district(s) have them already."
        return f"{self.added} added to {self.districts} district(s)."


@atomic
def seed_all_districts() -> Seeding:
    """The shipped rules for every district (``flask seed-reference``)."""
    districts = list(db.session.scalars(select(District.id)))
    added = sum(_add_defaults(d) for d in districts)
    db.session.commit()
    return Seeding(len(districts), added)


def rule_districts(actor: User) -> list[District]:
    """The districts whose rules the actor edits: their own; county staff all."""
    if not is_staff(actor):
        return []
    query = select(District).where(in_staff_district(actor, District.id)).order_by(District.name)
    return list(db.session.scalars(query))


def get_district(actor: User, district_id: int) -> District:
    district = db.session.get(District, district_id)
    if district is None or not staff_sees_district(actor, district.id):
        raise NotFound()
    return district


def district_rules(actor: User, district_id: int) -> list[PathwayRule]:
    get_district(actor, district_id)
    return list(db.session.scalars(queries.district_rules(district_id, active_only=False)))


def get_rule(actor: User, rule_id: int) -> PathwayRule:
    rule = db.session.get(PathwayRule, rule_id)
    if rule is None:
        raise NotFound()
    get_district(actor, rule.district_id)
    return rule


@dataclass(frozen=True, slots=True)
class RuleChange:
    name: str
    description: str
    active: bool
    classes_from: int | None
    classes_to: int | None
    params: Mapping[str, object] = field(default_factory=dict)


def _apply(row: PathwayRule, actor: User, change: RuleChange) -> None:
    name = change.name.strip()
    if not name:
        raise DomainError("Give the rule a name.", field="name")
    for key, year in (("classes_from", change.classes_from), ("classes_to", change.classes_to)):
        if year is not None and not CLASS_MIN <= year <= CLASS_MAX:
            raise DomainError(
                f"Enter a graduating class from {CLASS_MIN} to {CLASS_MAX}.", field=key
            )
    if (
        change.classes_from is not None
        and change.classes_to is not None
        and change.classes_from > change.classes_to
    ):
        raise DomainError("The first class must not come after the last class.", field="classes_to")
    try:
        params = rules.parse_params(row.kind, change.params)
    except rules.ParamsError as error:
        raise DomainError(error.message, field=error.field) from error
    row.name = name
    row.description = change.description.strip()
    row.active = change.active
    row.classes_from = change.classes_from
    row.classes_to = change.classes_to
    row.params = rules.params_json(params)
    row.updated_by_id = actor.id


@atomic
def update_rule(actor: User, rule_id: int, change: RuleChange) -> PathwayRule:
    row = get_rule(actor, rule_id)
    try:
        _apply(row, actor, change)
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    return row


@atomic
def add_rule(actor: User, district_id: int, kind: RuleKind, change: RuleChange) -> PathwayRule:
    get_district(actor, district_id)
    last = db.session.scalar(
        select(PathwayRule.position)
        .where(PathwayRule.district_id == district_id)
        .order_by(PathwayRule.position.desc())
        .limit(1)
    )
    row = PathwayRule(district_id=district_id, kind=kind, position=(last or 0) + 1)
    _apply(row, actor, change)
    db.session.add(row)
    db.session.commit()
    return row


def check_deletable(row: PathwayRule) -> None:
    """Only a rule staff added can be deleted. A shipped default is switched off instead:
    deleting it would let ``seed_all_districts`` bring it back on the next seed."""
    if row.preset is not None:
        raise DomainError(
            f"{row.name} is one of the shipped default rules: it cannot be deleted. "
            "Switch it off instead (untick Active and save)."
        )


@atomic
def delete_rule(actor: User, rule_id: int) -> str:
    """Delete a rule staff added (another district's: not found; a shipped default: refused).
    Returns the deleted rule's name."""
    row = get_rule(actor, rule_id)
    check_deletable(row)
    name = row.name
    db.session.delete(row)
    db.session.commit()
    return name


@atomic
def reset_rules(actor: User, district_id: int) -> int:
    """Back to the shipped defaults: the district's rules (edited and added ones too) are
    replaced by the defaults as shipped. Returns how many rules the district now has."""
    get_district(actor, district_id)
    db.session.execute(delete(PathwayRule).where(PathwayRule.district_id == district_id))
    added = _add_defaults(district_id, actor.id)
    db.session.commit()
    return added


# --- progress ------------------------------------------------------------------------------


def student_progress(student: StudentProfile, today: date) -> list[rules.RuleProgress]:
    """Where the student stands on each active rule of their district for their class (the
    caller has checked that the actor sees the student). No rule applies: one query, and
    nothing is loaded."""
    applicable = _rules_for(student.school.district_id, student.graduation_year)
    if not applicable:
        return []
    _, records = queries.student_records(
        select(StudentProfile.id).where(StudentProfile.id == student.id)
    )
    return rules.evaluate_all(applicable, records[student.id], today)


@dataclass(frozen=True, slots=True)
class StudentStanding:
    student: queries.StudentLine
    status: rules.Status | None  # the best over the rules (None: no rule applies)
    progress: tuple[rules.RuleProgress, ...]


GROUPS = (rules.Status.MET, rules.Status.CLOSE, rules.Status.ON_TRACK, rules.Status.NOT_STARTED)


@dataclass(frozen=True, slots=True)
class SchoolProgress:
    school: School
    graduation_year: int | None
    groups: dict[rules.Status, list[StudentStanding]]
    without_rules: list[StudentStanding]
    status: rules.Status | None = None  # the one group asked for (None: every group)

    @property
    def total(self) -> int:
        return sum(len(g) for g in self.groups.values()) + len(self.without_rules)

    @property
    def shown(self) -> tuple[rules.Status, ...]:
        """The groups the list shows: the one asked for, or all of them."""
        return (self.status,) if self.status is not None else GROUPS

    def shown_standings(self) -> list[StudentStanding]:
        """The students the list shows, in its order (students no rule applies to last,
        and only when every group is shown)."""
        rows = [s for status in self.shown for s in self.groups[status]]
        return rows if self.status is not None else rows + self.without_rules


def school_progress(
    school: School,
    graduation_year: int | None,
    today: date,
    only: rules.Status | None = None,
    *,
    grade: int | None = None,
    name: str = "",
) -> SchoolProgress:
    """A school's students grouped by their best status over the rules that apply to them,
    in a fixed number of queries whatever the number of students. Every group is counted;
    ``only`` says which group the list shows (None: all). The list never shows suggested
    credentials, so they are not worked out (``suggest=False``)."""
    lines, records = queries.student_records(
        queries.school_students(school.id, graduation_year, grade=grade, name=name)
    )
    district_rules_ = usable_rules(db.session.scalars(queries.district_rules(school.district_id)))
    groups: dict[rules.Status, list[StudentStanding]] = {s: [] for s in GROUPS}
    without: list[StudentStanding] = []
    for line in lines:
        progress = tuple(
            rules.evaluate_all(district_rules_, records[line.student_id], today, suggest=False)
        )
        status = rules.overall(progress)
        standing = StudentStanding(line, status, progress)
        (groups[status] if status is not None else without).append(standing)
    return SchoolProgress(
        school=school,
        graduation_year=graduation_year,
        groups=groups,
        without_rules=without,
        status=only,
    )


PER_PAGE = 50


@dataclass(frozen=True, slots=True)
class SchoolFilters:
    """What a school's list shows: one graduating class, one grade, names containing
    ``name``, one status (None: each of them all), and which page."""

    graduation_year: int | None = None
    grade: int | None = None
    name: str = ""
    status: rules.Status | None = None
    page: int = 1


@dataclass(frozen=True, slots=True)
class SchoolList:
    """One page of a school's list. ``counts`` cover every student the class, grade and name
    filters leave (not only the page, and whatever the status filter); ``rows`` are the
    page's students, evaluated in full, in the list's order."""

    school: School
    filters: SchoolFilters
    counts: dict[rules.Status, int]
    without_rules: int
    page: PageInfo
    rows: list[StudentStanding]
    continued: bool = False  # the page's first group began on the page before

    @property
    def total(self) -> int:
        return sum(self.counts.values()) + self.without_rules

    def sections(self) -> list[tuple[rules.Status | None, list[StudentStanding]]]:
        """The page's rows under their status (None: no rule applies), in the list's order."""
        found: list[tuple[rules.Status | None, list[StudentStanding]]] = []
        for row in self.rows:
            if not found or found[-1][0] is not row.status:
                found.append((row.status, []))
            found[-1][1].append(row)
        return found


_RANK = {status: rank for rank, status in enumerate(GROUPS)}


def school_list(school: School, filters: SchoolFilters, today: date) -> SchoolList:
    """A page of a school's students, as the list has always been ordered: by their best
    status (met first; students no rule applies to last, and only when no status is asked
    for), then by name. Every student the filters leave is counted with the engine's
    status alone (``rules.overall_status``: no summaries written); only the page's students
    are evaluated in full. A fixed number of queries whatever the number of students."""
    lines, records = queries.student_records(
        queries.school_students(
            school.id, filters.graduation_year, grade=filters.grade, name=filters.name
        )
    )
    district_rules_ = usable_rules(db.session.scalars(queries.district_rules(school.district_id)))
    counts = dict.fromkeys(GROUPS, 0)
    without = 0
    ranked: list[tuple[int, int, queries.StudentLine, rules.Status | None]] = []
    for position, line in enumerate(lines):  # by name already
        status = rules.overall_status(district_rules_, records[line.student_id], today)
        if status is None:
            without += 1
        else:
            counts[status] += 1
        if filters.status is None or status is filters.status:
            ranked.append(
                (len(GROUPS) if status is None else _RANK[status], position, line, status)
            )
    ranked.sort(key=lambda item: (item[0], item[1]))
    page = PageInfo.clamp(filters.page, PER_PAGE, len(ranked))
    rows = [
        StudentStanding(
            line,
            status,
            tuple(
                rules.evaluate_all(district_rules_, records[line.student_id], today, suggest=False)
            ),
        )
        for _, _, line, status in ranked[page.offset : page.offset + PER_PAGE]
    ]
    return SchoolList(
        school=school,
        filters=filters,
        counts=counts,
        without_rules=without,
        page=page,
        rows=rows,
        continued=bool(rows) and page.offset > 0 and ranked[page.offset - 1][3] is rows[0].status,
    )


SCHOOL_CSV_HEADER = ["Student", "Grade", "Class", "Rule", "Status", "Summary", "Missing"]


def school_progress_csv(result: SchoolProgress) -> bytes:
    """The school list as a spreadsheet: a row per student and rule that applies to them (a
    student no rule applies to gets one row saying so), in the list's order; what is missing
    is one cell of sentences. Names and
    summaries come from people; ``csv_bytes`` disarms cells a spreadsheet would run."""
    rows: list[list[object]] = []
    for standing in result.shown_standings():
        line = standing.student
        student = [line.name, line.grade, line.graduation_year]
        if not standing.progress:
            rows.append([*student, "", "No rule applies", "", ""])
        rows.extend(
            [*student, p.rule.name, p.status.label, p.summary, " ".join(p.missing)]
            for p in standing.progress
        )
    return csv_bytes(SCHOOL_CSV_HEADER, rows)
