"""Incentive pages: program years, appropriations, completions, FRL, the report; who may."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.support.builders import make_district, make_school, make_student, make_user
from tests.support.incentive_data import make_appropriation, make_completion, make_year
from wbl.access import Role
from wbl.clock import local_today
from wbl.extensions import db
from wbl.incentives.models import Appropriation, ProgramYear, StaffCompletion


@pytest.fixture
def district():
    return make_district()


@pytest.fixture
def school(district):
    return make_school(district=district)


@pytest.fixture
def county(login_as):
    return login_as(make_user(roles={Role.STAFF}))


@pytest.fixture
def district_staff(login_as, district):
    return login_as(make_user(roles={Role.STAFF}, district=district))


YEAR = {
    "label": "2026-27",
    "starts_on": "2026-07-01",
    "ends_on": "2027-06-30",
    "amount": "1000.00",
    "frl_percent": "120",
    "completions_per_student": "1",
    "internship_min_hours": "40",
    "tier_credential": "1",
    "tier_internship": "2",
    "tier_pre_apprenticeship": "2",
    "tier_apprenticeship": "2",
    "tier_ap_course": "3",
}


def years() -> list[ProgramYear]:
    return list(db.session.scalars(select(ProgramYear).order_by(ProgramYear.id)))


def test_county_staff_add_a_program_year(county, post_form) -> None:
    response = post_form("/incentives/years/new", {**YEAR, "amount": "1250.50"})
    assert response.status_code == 302
    (year,) = years()
    assert (year.label, year.amount_cents, str(year.frl_weight)) == ("2026-27", 125_050, "1.20")
    assert {t.completion_type.value: t.rank for t in year.tiers}["ap_course"] == 3


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_on": "2026-06-01"}, "The year must end after it starts."),
        ({"ends_on": "2028-06-30"}, "A program year lasts at most a year."),
        ({"amount": "10.005"}, "Enter dollars and cents"),
        ({"amount": "-5"}, "Number must be at least 0"),
        ({"frl_percent": "90"}, "Number must be between 100 and 300"),
        ({"tier_ap_course": "0"}, "Number must be between 1 and 5"),
        ({"completions_per_student": ""}, "This field is required"),
    ],
)
def test_bad_program_years_are_refused_with_a_message(county, post_form, changes, message) -> None:
    response = post_form("/incentives/years/new", {**YEAR, **changes})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert years() == []


def test_a_year_may_not_overlap_another_or_reuse_its_label(county, post_form) -> None:
    make_year(label="2025-26")
    overlap = post_form(
        "/incentives/years/new", {**YEAR, "starts_on": "2026-06-15", "ends_on": "2027-06-14"}
    )
    assert "These dates overlap program year 2025-26." in overlap.get_data(as_text=True)
    same = post_form("/incentives/years/new", {**YEAR, "label": "2025-26"})
    assert "There is already a program year 2025-26." in same.get_data(as_text=True)
    assert len(years()) == 1


def test_colorado_defaults_in_one_click(county, post_form) -> None:
    response = post_form(
        "/incentives/years/defaults",
        {"label": "2026-27", "starts_on": "2026-07-01", "ends_on": "2027-06-30"},
        page="/incentives/years",
    )
    assert response.status_code == 302
    (year,) = years()
    assert year.amount_cents == 100_000
    assert sorted((t.rank, t.completion_type.value) for t in year.tiers) == [
        (1, "credential"),
        (2, "apprenticeship"),
        (2, "internship"),
        (2, "pre_apprenticeship"),
        (3, "ap_course"),
    ]


def test_county_staff_edit_a_year(county, post_form) -> None:
    year = make_year()
    response = post_form(f"/incentives/years/{year.id}", {**YEAR, "completions_per_student": "2"})
    assert response.status_code == 302
    assert year.completions_per_student == 2
    assert year.label == "2026-27"


def test_district_staff_read_years_but_do_not_change_them(
    district_staff, client, post_form
) -> None:
    year = make_year()
    page = client.get(f"/incentives/years/{year.id}")
    assert page.status_code == 200
    assert "County office staff change the program's rules." in page.get_data(as_text=True)
    assert client.get("/incentives/years/new").status_code == 403
    token_page = client.get("/incentives/years").get_data(as_text=True)
    assert "New program year" not in token_page
    assert post_form(f"/incentives/years/{year.id}", YEAR).status_code == 403
    db.session.refresh(year)
    assert year.label == "2025-26"


def test_district_staff_enter_their_own_appropriation_only(
    district_staff, district, post_form, client
) -> None:
    year = make_year()
    url = f"/incentives/years/{year.id}/appropriation"
    page = f"/incentives/years/{year.id}"
    ok = post_form(url, {"district_id": district.id, "amount": "25000.00"}, page=page)
    assert ok.status_code == 302
    row = db.session.scalar(select(Appropriation))
    assert row is not None
    assert row.amount_cents == 2_500_000
    other = make_district()
    assert post_form(url, {"district_id": other.id, "amount": "1.00"}, page=page).status_code == 404
    bad = post_form(url, {"district_id": district.id, "amount": "lots"}, page=page)
    assert bad.status_code == 422
    assert "Not a valid decimal value" in bad.get_data(as_text=True)
    assert row.amount_cents == 2_500_000
    assert other.name not in client.get(page).get_data(as_text=True)


def test_staff_enter_and_delete_a_completion(district_staff, school, post_form, client) -> None:
    student = make_student(school=school)
    url = f"/incentives/students/{student.id}"
    data = {
        "completion_type": "ap_course",
        "name": "AP Computer Science A",
        "completed_on": local_today().isoformat(),
        "note": "Score 4",
    }
    assert post_form(url, data).status_code == 302
    completion = db.session.scalar(select(StaffCompletion))
    assert completion is not None
    assert completion.entered_by_id == district_staff.id
    assert "AP Computer Science A" in client.get("/incentives/completions").get_data(as_text=True)
    deleted = post_form(f"/incentives/completions/{completion.id}/delete", {}, page=url)
    assert deleted.status_code == 302
    assert db.session.scalar(select(StaffCompletion)) is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"completed_on": "2999-01-01"}, "The completion date cannot be in the future."),
        ({"name": ""}, "This field is required"),
        ({"completion_type": "credential"}, "Not a valid choice"),
    ],
)
def test_bad_completions_are_refused(district_staff, school, post_form, changes, message) -> None:
    student = make_student(school=school)
    data = {
        "completion_type": "apprenticeship",
        "name": "Electrical apprenticeship",
        "completed_on": "2025-10-01",
        **changes,
    }
    response = post_form(f"/incentives/students/{student.id}", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(StaffCompletion)) is None


def test_other_districts_students_and_completions_are_not_found(
    district_staff, post_form, client
) -> None:
    elsewhere = make_student(school=make_school())
    assert client.get(f"/incentives/students/{elsewhere.id}").status_code == 404
    completion = make_completion(elsewhere)
    mine = make_student(school=make_school(district=district_staff.district))
    response = post_form(
        f"/incentives/completions/{completion.id}/delete",
        {},
        page=f"/incentives/students/{mine.id}",
    )
    assert response.status_code == 404
    assert db.session.get(StaffCompletion, completion.id) is not None


def test_staff_set_frl_and_teachers_never_see_it(
    district_staff, school, post_form, client, login_as
) -> None:
    student = make_student(school=school)
    url = f"/incentives/students/{student.id}"
    assert post_form(f"{url}/frl", {"frl_eligible": "y"}, page=url).status_code == 302
    assert student.frl_eligible is True
    assert post_form(f"{url}/frl", {}, page=url).status_code == 302
    assert student.frl_eligible is False
    login_as(make_user(roles={Role.TEACHER}, school=school))
    assert client.get(url).status_code == 403
    refused = post_form(f"{url}/frl", {"frl_eligible": "y"}, page="/home")
    assert refused.status_code == 403
    assert student.frl_eligible is False


def test_report_downloads_and_is_locked_to_the_own_district(
    district_staff, district, school, client
) -> None:
    year = make_year()
    make_completion(make_student(school=school), name="AP CSP")
    make_appropriation(year, district, 50_000)
    page = client.get(f"/incentives/report?year={year.id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "AP CSP" in body
    assert "$500.00" in body
    assert "Prorated" in body
    csv_file = client.get(f"/incentives/report?year={year.id}&district={district.id}&format=csv")
    assert csv_file.content_type.startswith("text/csv")
    assert "attachment" in csv_file.headers["Content-Disposition"]
    xlsx = client.get(f"/incentives/report?year={year.id}&district={district.id}&format=xlsx")
    assert xlsx.data[:2] == b"PK"
    other = make_district()
    assert client.get(f"/incentives/report?year={year.id}&district={other.id}").status_code == 404
    bad = client.get("/incentives/report?year=nope")
    assert bad.status_code == 422
    assert 'name="year"' in bad.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "year=abc",
        "year=99999999999999999999",
        "district=99999999999999999999",
        "year=-1",
    ],
)
def test_a_hand_made_report_address_shows_the_form_with_a_message(
    district_staff, client, query
) -> None:
    make_year()
    response = client.get(f"/incentives/report?{query}")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'name="year"' in body
    assert "is-invalid" in body or "invalid-feedback" in body


@pytest.mark.parametrize("amount", ["1e30", "Infinity", "-Infinity", "NaN", "1" * 27])
def test_absurd_amounts_are_messages_not_errors(county, post_form, amount) -> None:
    response = post_form("/incentives/years/new", {**YEAR, "amount": amount})
    assert response.status_code == 422
    assert "Enter an amount up to $1,000,000,000" in response.get_data(as_text=True)
    assert years() == []
    year = make_year()
    page = f"/incentives/years/{year.id}"
    bad = post_form(
        f"/incentives/years/{year.id}/appropriation",
        {"district_id": make_district().id, "amount": amount},
        page=page,
    )
    assert bad.status_code == 422
    assert "Enter an amount up to $1,000,000,000" in bad.get_data(as_text=True)


def test_a_completion_entered_twice_is_refused(district_staff, school, post_form) -> None:
    student = make_student(school=school)
    url = f"/incentives/students/{student.id}"
    data = {
        "completion_type": "ap_course",
        "name": "AP Computer Science A",
        "completed_on": "2025-10-01",
    }
    assert post_form(url, data).status_code == 302
    again = post_form(url, {**data, "name": "  ap computer science a "})
    assert again.status_code == 422
    assert "This completion is already entered: Qualified AP course" in again.get_data(as_text=True)
    assert len(db.session.scalars(select(StaffCompletion)).all()) == 1
    other_day = post_form(url, {**data, "completed_on": "2025-10-02"})
    assert other_day.status_code == 302


def test_report_without_program_years_says_so(county, client) -> None:
    body = client.get("/incentives/report").get_data(as_text=True)
    assert "No program year is set up yet." in body


def test_report_queries_do_not_grow_with_rows(
    county, district, school, client, count_queries
) -> None:
    from tests.support.credential_data import make_credential, make_earned
    from tests.support.incentive_data import IN_YEAR, make_internship

    year = make_year(internship_min_hours=0)
    make_appropriation(year, district, 100_000)
    credential = make_credential(incentive_qualified=True)

    def add_one() -> None:
        student = make_student(school=school)
        make_earned(student, credential, earned_on=IN_YEAR)
        make_internship(student)
        make_completion(student)

    add_one()
    url = f"/incentives/report?year={year.id}&district={district.id}"
    client.get(url)
    with count_queries() as one:
        assert client.get(url).status_code == 200
    for _ in range(4):
        add_one()
    with count_queries() as five:
        body = client.get(url).get_data(as_text=True)
    assert body.count("Clinic internship") == 5
    assert five.count == one.count
