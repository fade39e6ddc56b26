"""The CALPADS Work-Based Learning (WBLR) file: its layout and code sets, in one place.

California collects work-based learning in the End-of-Year 1 submission (grades 9–12) as
the WBLR file (CALPADS file 21): one caret-delimited line per record, fields in the order of
the CALPADS File Specification. This module is the only place that knows that order, the
fields' lengths and the default codes; the builder (``wblr.py``) fills a dict per record and
``render_line`` lays it out. If the specification changes, change ``FIELDS`` (and the tests
that check each field against it follow).

Where the layout comes from (docs/state-reporting.md has the details and links): the CDE's
CALPADS Update Flashes #229 (2022, the WBLR types; hours of types 10–20 reported for the year
they were done) and #265 (2024: field 21.13 is the internship employer performance
evaluation code; a fifth code "Not Provided by Employer"); CALPADS reports 18.1/18.2 (field
21.05 school of attendance, 21.07 academic year); CALPADS online maintenance (the
operational key: school, academic year, SSID, type, internship id, course code); the SIS
vendors' WBLR pages (PowerSchool, Aeries, School Pathways: the WBL fields in this order, the
internship id of at most 36 characters, blank unless the type is 10). The full File
Specification itself could not be read here: fields 21.06 and 21.08 are inferred from the
other CALPADS student files (21.06 the school of attendance NPS, blank for public schools;
21.08 the SSID), and the code values of the evaluation code set are the template's levels —
both are marked ``verified=False`` below and in the docs, to be checked against the File
Specification and Code Sets before the first real submission.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

DELIMITER = "^"
LINE_END = "\r\n"  # CALPADS accepts CRLF or LF; CRLF is what the SIS extracts produce
RECORD_TYPE = "WBLR"
INTERNSHIP_ID_LENGTH = 36
INTERNSHIP_TYPE = "10"
#: The WBL types whose hours and embedded course CALPADS collects (Flash #229).
TYPES_WITH_HOURS = frozenset({"10", "15", "20"})


@dataclass(frozen=True)
class Field:
    number: str  # "21.09": the File Specification's numbering
    name: str
    key: str  # the builder's name for the value
    max_length: int
    verified: bool = True
    note: str = ""


FIELDS: tuple[Field, ...] = (
    Field("21.01", "Record Type Code", "record_type", 4, note="always WBLR"),
    Field("21.02", "Transaction Type Code", "transaction_type", 1, note="blank: add or replace"),
    Field("21.03", "Local Record ID", "local_record_id", 255, note="blank (optional)"),
    Field("21.04", "Reporting LEA", "reporting_lea", 7, note="the district's county-district code"),
    Field("21.05", "School of Attendance", "school", 7, note="the school's 7-digit code"),
    Field(
        "21.06",
        "School of Attendance NPS",
        "school_nps",
        7,
        verified=False,
        note="blank: public schools (inferred from the other CALPADS student files)",
    ),
    Field("21.07", "Academic Year ID", "academic_year", 9, note="YYYY-YYYY"),
    Field("21.08", "SSID", "ssid", 10, verified=False, note="the statewide student identifier"),
    Field("21.09", "Work-Based Learning Type Code", "wbl_type", 2),
    Field("21.10", "Internship ID", "internship_id", INTERNSHIP_ID_LENGTH, note="type 10 only"),
    Field("21.11", "Work-Based Learning Hours - External", "hours", 4, note="types 10, 15, 20"),
    Field(
        "21.12",
        "State Course Code - Embedded Work-Based Learning",
        "course_code",
        4,
        note="types 10, 15, 20",
    ),
    Field(
        "21.13",
        "Internship Employer Performance Evaluation Code",
        "evaluation",
        4,
        note="type 10 only",
    ),
    Field("21.14", "Internship LEA Sponsored Indicator", "lea_sponsored", 1, note="Y/N; type 10"),
    Field(
        "21.15",
        "Internship Certificated Staff Supervised Indicator",
        "certificated_supervised",
        1,
        note="Y/N; type 10",
    ),
)

#: CALPADS Work-Based Learning Type codes (Code Sets; Flashes #229 and #265). Only 10, 15
#: and 20 can come from this app's data; the others are programs the SIS records.
WBL_TYPES: dict[str, str] = {
    "10": "Internship",
    "15": "Student-led Enterprise",
    "20": "Simulative (Virtual/Simulated) Work-Based Learning",
    "25": "Registered Pre-Apprenticeship Program",
    "35": "Job Corps",
    "40": "Workforce Innovation and Opportunity Act (WIOA)",
    "45": "YouthBuild",
    "50": "California Conservation Corps",
    "60": "Transition Work-Based Experience",
    "65": "Transition Classroom-Based Work Exploration",
}

# --- The two mappings staff may change (wbl/reporting/models.py ReportingCode) ----------

TYPE_MAPPING = "type"
EVALUATION_MAPPING = "evaluation"

#: What each kind of placement is reported as: "<kind>" for one in person, "<kind>:virtual"
#: for one that takes place online. "" = not reported. Guest speakers and workplace visits
#: are class events, never placements, and are not reported at all.
DEFAULT_TYPE_CODES: dict[str, str] = {
    "internship": "10",
    "internship:virtual": "10",  # a real employer's internship done remotely is still one
    "work_based_project": "",
    "work_based_project:virtual": "20",  # a project done online: virtual/simulated WBL
    "job_shadow": "",
    "job_shadow:virtual": "",
}
TYPE_LABELS: dict[str, str] = {
    "internship": "Internship, in person",
    "internship:virtual": "Internship, online",
    "work_based_project": "Work-based project, in person",
    "work_based_project:virtual": "Work-based project, online",
    "job_shadow": "Job shadow, in person",
    "job_shadow:virtual": "Job shadow, online",
}

#: The supervisor's overall rating (1–4, the CDE's intern evaluation template) → the
#: evaluation code; "none" when the employer gave no evaluation (or rated nothing).
NOT_PROVIDED = "none"
DEFAULT_EVALUATION_CODES: dict[str, str] = {
    "1": "1",
    "2": "2",
    "3": "3",
    "4": "4",
    NOT_PROVIDED: "5",
}
EVALUATION_LABELS: dict[str, str] = {
    "1": "Does not meet expectations",
    "2": "Partially meets expectations",
    "3": "Meets expectations",
    "4": "Above expectations",
    NOT_PROVIDED: "Not provided by employer",
}
#: The code values of the evaluation code set were not available here (see the module's
#: docstring): the defaults follow the template's levels; check them against the Code Sets.
EVALUATION_CODES_VERIFIED = False

DEFAULTS: dict[str, dict[str, str]] = {
    TYPE_MAPPING: DEFAULT_TYPE_CODES,
    EVALUATION_MAPPING: DEFAULT_EVALUATION_CODES,
}
LABELS: dict[str, dict[str, str]] = {
    TYPE_MAPPING: TYPE_LABELS,
    EVALUATION_MAPPING: EVALUATION_LABELS,
}
CODE_LENGTH = 4


def code_problem(mapping: str, code: str) -> str | None:
    """Why a code staff typed cannot be used (None when it can)."""
    if mapping == TYPE_MAPPING:
        if code and code not in {"10", "15", "20"}:
            return "A placement can be reported as 10, 15 or 20, or left blank (not reported)."
        return None
    if not code:
        return "Enter the code CALPADS expects for this evaluation."
    if len(code) > CODE_LENGTH or not code.isascii() or not code.isalnum():
        return f"A code is 1 to {CODE_LENGTH} letters or digits."
    return None


def overall_rating(ratings: Iterable[object]) -> str:
    """The supervisor's overall rating from the category ratings of their evaluation: the
    mean of the categories rated 1–4, rounded down (an intern "meets" only when the ratings
    average at least 3), "none" when nothing was rated. N/A ratings are left out, as the
    CDE's scoring guide says."""
    levels = [r for r in ratings if isinstance(r, int) and not isinstance(r, bool) and 1 <= r <= 4]
    if not levels:
        return NOT_PROVIDED
    return str(sum(levels) // len(levels))


def whole_hours(minutes: int) -> int:
    """Hours as CALPADS counts them, whole: quarter hours rounded to the nearest hour, half
    an hour up."""
    return (minutes + 30) // 60


_KEYS = tuple(field.key for field in FIELDS)
_LIMITS = tuple(field.max_length for field in FIELDS)


def render_line(values: Mapping[str, str]) -> str:
    """One record, fields in the specification's order. A value never carries the delimiter
    or a line break (they would shift every later field), nor more than its field holds."""
    cells = [values.get(key, "") for key in _KEYS]
    line = DELIMITER.join(cells)
    if line.count(DELIMITER) != len(FIELDS) - 1 or "\n" in line or "\r" in line:
        field = next(
            f
            for f, c in zip(FIELDS, cells, strict=True)
            if DELIMITER in c or "\n" in c or "\r" in c
        )
        raise ValueError(f"{field.name}: a value cannot contain ^ or a line break")
    for field, cell, limit in zip(FIELDS, cells, _LIMITS, strict=True):
        if len(cell) > limit:
            raise ValueError(f"{field.name}: longer than {limit} characters")
    return line


def render_file(records: Iterable[Mapping[str, str]]) -> bytes:
    """The file: one line per record, CRLF after each, ASCII (codes and digits only)."""
    return "".join(render_line(r) + LINE_END for r in records).encode("ascii")
