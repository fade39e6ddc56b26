"""The incentive report: which completions qualify, the cap, the FRL weight, the tiered
estimate, and the CSV/XLSX exports."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.support.builders import make_district, make_school, make_student, make_user
from tests.support.credential_data import make_credential, make_earned
from tests.support.incentive_data import (
    IN_YEAR,
    YEAR_END,
    make_appropriation,
    make_completion,
    make_internship,
    make_year,
)
from wbl.access import Role
from wbl.credentials.models import EarnedStatus
from wbl.errors import NotFound
from wbl.incentives.models import CompletionType
from wbl.incentives.report import incentive_report, report_csv, report_xlsx
from wbl.placements.models import PlacementStatus
from wbl.reference.models import ExperienceKind


@pytest.fixture
def district():
    return make_district()


@pytest.fixture
def school(district):
    return make_school(district=district)


@pytest.fixture
def staff():
    return make_user(roles={Role.STAFF})


def kinds(report) -> list[tuple[str, CompletionType]]:
    return [(r.completion.what, r.completion.kind) for r in report.rows]


def test_what_qualifies(staff, district, school) -> None:
    year = make_year(internship_min_hours=40, cap=10)
    student = make_student(school=school)
    qualified = make_credential(name="CNA", incentive_qualified=True)
    make_earned(student, qualified, earned_on=IN_YEAR)
    for name, status, qualifies, day in (
        ("Pending cert", EarnedStatus.PENDING, True, IN_YEAR),
        ("Rejected cert", EarnedStatus.REJECTED, True, IN_YEAR),
        ("Not on the list", EarnedStatus.VERIFIED, False, IN_YEAR),
        ("Last year's cert", EarnedStatus.VERIFIED, True, date(2025, 6, 30)),
    ):
        make_earned(
            student,
            make_credential(name=name, incentive_qualified=qualifies),
            status=status,
            earned_on=day,
        )
    make_internship(student, title="Enough hours", confirmed_minutes=40 * 60)
    make_internship(
        student, title="Pending hours do not count", confirmed_minutes=39 * 60, pending_minutes=600
    )
    make_internship(student, title="Still active", status=PlacementStatus.ACTIVE)
    make_internship(student, title="A job shadow", kind=ExperienceKind.JOB_SHADOW)
    make_internship(student, title="Ended next year", ended=date(2026, 7, 1))
    make_completion(student, name="AP CSP")
    make_completion(student, name="Next year's AP", completed_on=date(2026, 7, 2))
    other = make_student(school=make_school())  # another district's student
    make_completion(other, name="Elsewhere")

    report = incentive_report(staff, year.id, district.id)

    assert sorted(kinds(report)) == [
        ("AP CSP", CompletionType.AP_COURSE),
        ("CNA", CompletionType.CREDENTIAL),
        ("Enough hours", CompletionType.INTERNSHIP),
    ]
    assert [r.tier for r in report.rows] == [1, 2, 3]  # tier order
    assert all(r.funded for r in report.rows)


def test_the_cap_funds_a_students_first_completions_in_tier_order(staff, district, school) -> None:
    year = make_year(cap=1)
    student = make_student(school=school)
    make_completion(student, name="AP CSP", completed_on=date(2025, 9, 1))
    make_earned(student, make_credential(name="CNA", incentive_qualified=True), earned_on=IN_YEAR)

    rows = incentive_report(staff, year.id, district.id).rows

    assert [(r.completion.what, r.funded) for r in rows] == [("CNA", True), ("AP CSP", False)]
    assert rows[1].reason == "Over the cap of 1 funded completion per student"
    assert rows[1].estimated_cents == 0


def test_frl_students_request_the_weighted_amount(staff, district, school) -> None:
    year = make_year()
    poor, other = make_student(school=school), make_student(school=school)
    poor.frl_eligible = True
    for s in (poor, other):
        make_completion(s)
    make_appropriation(year, district, 10_000_000)

    report = incentive_report(staff, year.id, district.id)

    by_student = {r.completion.student_id: r for r in report.rows}
    assert by_student[poor.id].weight == Decimal("1.20")
    assert by_student[poor.id].requested_cents == 120_000
    assert by_student[other.id].requested_cents == 100_000
    assert report.requested_cents == report.estimated_cents == 220_000
    assert (report.students, report.frl_students) == (2, 1)


def test_the_appropriation_runs_short_in_tier_two(staff, district, school) -> None:
    year = make_year(internship_min_hours=0)
    students = [make_student(school=school) for _ in range(5)]
    students[0].frl_eligible = True
    credential = make_credential(incentive_qualified=True)
    make_earned(students[0], credential, earned_on=IN_YEAR)  # tier 1: 1,200
    make_earned(students[1], credential, earned_on=IN_YEAR)  # tier 1: 1,000
    for s in students[2:4]:
        make_internship(s)  # tier 2: 1,000 each
    make_completion(students[4], kind=CompletionType.PRE_APPRENTICESHIP, name="Carpentry")
    make_completion(students[4], kind=CompletionType.AP_COURSE)  # capped out (tier 3)
    make_appropriation(year, district, 300_000)

    report = incentive_report(staff, year.id, district.id)

    tiers = {t.tier: (t.requested_cents, t.estimated_cents) for t in report.tiers}
    # 3,000 - 2,200 = 800 left for tier 2's three completions (3,000): 266.67 each, one
    # cent short: 266.67 + 266.67 + 266.66.
    assert tiers == {1: (220_000, 220_000), 2: (300_000, 80_000), 3: (0, 0)}
    tier2 = sorted(r.estimated_cents for r in report.rows if r.tier == 2)
    assert tier2 == [26_666, 26_667, 26_667]
    assert report.estimated_cents == 300_000
    assert report.tiers[1].prorated


def test_without_an_appropriation_nothing_is_estimated(staff, district, school) -> None:
    year = make_year()
    make_completion(make_student(school=school))
    report = incentive_report(staff, year.id, district.id)
    assert report.appropriation_cents is None
    assert report.requested_cents == 100_000
    assert report.estimated_cents == 0


def test_district_staff_see_only_their_district(district, school) -> None:
    year = make_year()
    own = make_user(roles={Role.STAFF}, district=district)
    other = make_district()
    assert incentive_report(own, year.id, district.id).district == district
    with pytest.raises(NotFound):
        incentive_report(own, year.id, other.id)
    with pytest.raises(NotFound):
        incentive_report(own, year.id + 999, district.id)


def test_an_internship_without_an_end_date_counts_on_its_completion_day(
    staff, district, school
) -> None:
    year = make_year(internship_min_hours=0)
    placement = make_internship(make_student(school=school), ended=YEAR_END)
    placement.end_date = None  # completed_at: July 1, 17:00 UTC = 10:00 in California
    placement.offering.title = "Open-ended"
    report = incentive_report(staff, year.id, district.id)
    assert report.rows == ()
    placement.completed_at = placement.completed_at.replace(month=6, day=30)
    assert [r.completion.day for r in incentive_report(staff, year.id, district.id).rows] == [
        YEAR_END
    ]


def _exported(staff, district, school):
    year = make_year()
    student = make_student(school=school)
    student.user.full_name = '=HYPERLINK("http://evil")'
    student.frl_eligible = True
    make_completion(student, name="+AP Computer Science A")
    make_completion(
        make_student(school=school), name="@SUM(A1)", kind=CompletionType.APPRENTICESHIP
    )
    make_appropriation(year, district, 150_000)
    return incentive_report(staff, year.id, district.id)


def test_csv_export_has_the_rows_and_totals_and_no_formulas(staff, district, school) -> None:
    report = _exported(staff, district, school)
    rows = list(csv.reader(io.StringIO(report_csv(report).decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[0] == "Student"
    assert header[-1] == "Estimated amount"
    assert len(body) == 2 + 3 + 1  # two rows, a total per tier, the overall total
    assert body[0][0] == "'@SUM(A1)" or body[1][0].startswith("'=")
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    total = body[-1]
    assert total[0] == "Total"
    assert total[header.index("Requested")] == "2200.00"
    assert total[header.index("Estimated amount")] == "1500.00"
    tier2 = next(r for r in body if r[0] == "Tier 2 total")
    assert tier2[header.index("Requested")] == "1000.00"  # the apprenticeship
    assert tier2[header.index("Estimated amount")] == "1000.00"
    tier3 = next(r for r in body if r[0] == "Tier 3 total")
    assert tier3[header.index("Estimated amount")] == "500.00"  # prorated: 1,200 asked


def test_the_exports_write_yes_and_no_as_the_page_does(staff, district, school) -> None:
    """Issue 14 §6.8: the page says Yes / No for FRL and Funded; the CSV and the XLSX wrote
    "yes" / "no"."""
    report = _exported(staff, district, school)
    lines = list(csv.reader(io.StringIO(report_csv(report).decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(report_xlsx(report)), read_only=True)["incentives"]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    for table in (lines, values):
        header, body = table[0], table[1 : 1 + len(report.rows)]
        for name in ("FRL", "Funded"):
            assert {row[header.index(name)] for row in body} <= {"Yes", "No"}, name
        assert {row[header.index("Funded")] for row in body} == {"Yes"}


def test_xlsx_export_matches_the_csv(staff, district, school) -> None:
    report = _exported(staff, district, school)
    sheet = load_workbook(io.BytesIO(report_xlsx(report)), read_only=True)["incentives"]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    lines = list(csv.reader(io.StringIO(report_csv(report).decode("utf-8-sig"))))
    assert len(values) == len(lines)
    assert values[-1][0] == "Total"
    assert Decimal(str(values[-1][-1])) == Decimal("1500.00")
    assert all(
        not (isinstance(cell, str) and cell.startswith(("=", "+", "-", "@")))
        for row in values
        for cell in row
    )


def test_a_credential_counts_once_per_student_and_year(staff, district, school) -> None:
    """The earliest verified record counts; the same credential recorded again (a renewal,
    another date) is not a second completion. Another student's record still counts."""
    year = make_year(cap=10)
    student = make_student(school=school)
    cna = make_credential(name="CNA", incentive_qualified=True)
    later = make_earned(student, cna, earned_on=IN_YEAR.replace(day=20))
    first = make_earned(student, cna, earned_on=IN_YEAR.replace(day=5))
    make_earned(make_student(school=school), cna, earned_on=IN_YEAR)
    rows = incentive_report(staff, year.id, district.id).rows
    mine = [r.completion for r in rows if r.completion.student_id == student.id]
    assert [(c.source_id, c.day) for c in mine] == [(first.id, first.earned_on)]
    assert later.id not in {r.completion.source_id for r in rows}
    assert len(rows) == 2


def test_no_minimum_counts_an_internship_without_confirmed_hours(staff, district, school) -> None:
    year = make_year(internship_min_hours=0)
    make_internship(make_student(school=school), confirmed_minutes=0, title="Short one")
    assert kinds(incentive_report(staff, year.id, district.id)) == [
        ("Short one", CompletionType.INTERNSHIP)
    ]
    year.internship_min_hours = 1
    assert incentive_report(staff, year.id, district.id).rows == ()


@pytest.mark.parametrize("role", [Role.TEACHER, Role.STUDENT, Role.EMPLOYER])
def test_only_staff_read_the_report_or_set_an_appropriation(district, role) -> None:
    from wbl.errors import Forbidden
    from wbl.incentives.services import set_appropriation

    year = make_year()
    outsider = make_user(roles={role})
    with pytest.raises(Forbidden):
        incentive_report(outsider, year.id, district.id)
    with pytest.raises(Forbidden):
        set_appropriation(outsider, year.id, district.id, 100)
