"""The catalog pages: browse and search, a partner's page, the public endorsers page."""

from __future__ import annotations

import re

import pytest

from tests.support.builders import (
    make_employer,
    make_partner,
    make_school,
    make_student,
    make_user,
)
from tests.support.catalog_data import (
    CLOVERDALE,
    PETALUMA,
    days,
    give_logo,
    make_listing,
    make_noncompliant_partner,
    place_partner,
    png_bytes,
)
from wbl.access import Role
from wbl.catalog.models import OfferingStatus
from wbl.catalog.search import NEAREST_RADII
from wbl.extensions import db
from wbl.reference.models import ExperienceKind


def body(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def result_titles(html: str) -> list[str]:
    return re.findall(r'class="offering-link stretched-link" href="[^"]+">([^<]+)</a>', html)


# --- Access ----------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client) -> None:
    response = client.get("/offerings")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]
    assert client.get("/partners/1").status_code == 302


@pytest.mark.parametrize("role", list(Role))
def test_every_signed_in_role_may_browse(client, login_as, role) -> None:
    make_listing(title="Shadow a vet")
    login_as(make_user(roles={role}))
    assert "Shadow a vet" in body(client, "/offerings")


# --- Browsing ---------------------------------------------------------------------------------


def test_student_sees_distance_from_home_and_the_facts_of_each_result(client, login_as) -> None:
    student = make_student()
    partner = place_partner(make_partner(name="Petaluma Creamery"), PETALUMA, "Petaluma")
    make_listing(title="Cheese making shadow", partner=partner, paid=True, capacity=4)
    login_as(student.user)
    html = body(client, "/offerings")
    assert "1 opportunity" in html
    assert "Cheese making shadow" in html
    assert "Petaluma Creamery · Petaluma" in html
    assert re.search(r"1[23]\.\d mi<", html)
    assert "4 of 4 seats left" in html
    assert ">Paid<" in html
    assert "distances from your home ZIP 95401" in html


def test_filters_distance_and_type_from_the_query_string(client, login_as) -> None:
    student = make_student()
    far = place_partner(make_partner(), CLOVERDALE)
    make_listing(title="Near shadow")
    make_listing(title="Near talk", kind=ExperienceKind.GUEST_SPEAKER)
    make_listing(title="Far shadow", partner=far)
    login_as(student.user)
    html = body(client, "/offerings?within=10&type=job_shadow")
    assert result_titles(html) == ["Near shadow"]
    assert "Within 10 miles" in html  # the chip
    assert "Clear filters" in html
    both = body(client, "/offerings?type=job_shadow&type=guest_speaker&within=any")
    assert sorted(result_titles(both)) == ["Far shadow", "Near shadow", "Near talk"]


def test_text_search_over_title_description_and_partner(client, login_as) -> None:
    make_listing(title="Kennel care", description="Feed and walk the dogs")
    make_listing(title="Front desk", partner=make_partner(name="Dogwood Hotel"))
    make_listing(title="Dog grooming")
    make_listing(title="Bakery shift")
    login_as(make_user(roles={Role.STUDENT}))
    html = body(client, "/offerings?q=DOG")
    assert result_titles(html) == ["Dog grooming", "Front desk", "Kennel care"]
    assert "Best match" in html


def test_zip_param_overrides_the_origin_for_staff(client, login_as) -> None:
    make_listing(title="Santa Rosa shadow")
    login_as(make_user(roles={Role.STAFF}))
    assert result_titles(body(client, "/offerings?within=5&zip=95401")) == ["Santa Rosa shadow"]
    assert result_titles(body(client, "/offerings?within=5&zip=95425")) == []  # Cloverdale


def test_teachers_measure_from_their_school(client, login_as) -> None:
    make_listing(title="Near the school")
    login_as(make_user(roles={Role.TEACHER}, school=make_school()))
    html = body(client, "/offerings?sort=distance")
    assert "0.0 mi" in html
    assert "Nearest first" in html


def test_pages_keep_the_filters(client, login_as) -> None:
    for n in range(23):
        make_listing(title=f"Shadow {n:02d}", start_in_days=n + 1)
    login_as(make_user(roles={Role.STUDENT}))
    html = body(client, "/offerings?type=job_shadow&q=shadow")
    assert len(result_titles(html)) == 20
    assert "Showing 1–20" in html
    links = re.findall(r'class="page-link" href="([^"]+)"', html)
    assert any(
        "page=2" in link and "type=job_shadow" in link and "q=shadow" in link for link in links
    )
    page2 = body(client, "/offerings?type=job_shadow&q=shadow&page=2")
    assert len(result_titles(page2)) == 3


def test_hidden_offerings_never_show(client, login_as) -> None:
    lapsed = make_noncompliant_partner()
    make_listing(title="Lapsed internship", partner=lapsed, kind=ExperienceKind.INTERNSHIP)
    make_listing(title="Lapsed talk", partner=lapsed, kind=ExperienceKind.GUEST_SPEAKER)
    make_listing(title="A draft", status=OfferingStatus.DRAFT)
    make_listing(title="A pending one", status=OfferingStatus.PENDING)
    login_as(make_user(roles={Role.STUDENT}))
    assert result_titles(body(client, "/offerings")) == ["Lapsed talk"]


@pytest.mark.parametrize(
    ("query", "field_id", "message"),
    [
        ("zip=00000", "zip", "That is not a ZIP code we know"),
        ("zip=abc", "zip", "Enter a five-digit ZIP code."),
        ("starts_after=not-a-date", "starts_after", "That is not a date."),
        ("starts_after=2020-05-01&starts_before=2020-01-01", "starts_before", "is before"),
        ("within=7", "within", "Not a valid choice"),
        ("type=rodeo", "type", "not a valid choice"),
        ("sector=99999", "sector", "Not a valid choice"),
        ("sort=random", "sort", "Not a valid choice"),
    ],
)
def test_bad_filters_get_a_message_not_an_error_page(
    client, login_as, query, field_id, message
) -> None:
    make_listing(title="Still listed")
    login_as(make_user(roles={Role.STUDENT}))
    html = body(client, f"/offerings?{query}")
    error = re.search(rf'id="{field_id}-error"[^>]*>([^<]+)<', html)
    assert error, html[:200]
    assert message.lower() in error.group(1).lower()
    assert "Still listed" in html  # the rest of the search still runs


def test_a_bad_page_number_is_harmless(client, login_as) -> None:
    make_listing(title="Only one")
    login_as(make_user(roles={Role.STUDENT}))
    assert "Only one" in body(client, "/offerings?page=abc")
    assert "Only one" in body(client, "/offerings?page=-3")
    assert "Only one" in body(client, "/offerings?page=999")


@pytest.mark.parametrize(
    "query",
    [
        "q=welding&type=job_shadow&within=25",
        "q=welding+practice&sort=relevance",
        "within=25&sort=distance",
        "sort=newest",
    ],
)
def test_the_catalog_page_runs_the_same_number_of_statements_for_5_or_50_offerings(
    client, login_as, count_queries, query
) -> None:
    """Filtered, sorted and paged in the database (issue 17): more offerings, same statements."""
    student = make_student()
    login_as(student.user)

    def statements_for(n: int) -> int:
        for i in range(n):
            make_listing(title=f"Batch {n} offering {i}", description="welding practice")
        db.session.flush()
        client.get(f"/offerings?{query}")  # warm caches
        with count_queries() as counter:
            html = body(client, f"/offerings?{query}")
        assert "Batch" in html
        return counter.count

    few, many = statements_for(5), statements_for(50)
    if "sort=distance" in query:  # one statement per box tried (at most NEAREST_RADII), then all
        assert abs(few - many) <= len(NEAREST_RADII)
    else:
        assert few == many


@pytest.mark.parametrize(
    "q", ['"', "*", "NEAR(", "-", "OR", '"nurse" OR NEAR(a b) -c *', "'; DROP TABLE offering;--"]
)
def test_search_syntax_typed_into_the_search_box_is_an_answer_not_an_error(
    client, login_as, q
) -> None:
    make_listing(title="Nursing assistant")
    login_as(make_user(roles={Role.STUDENT}))
    response = client.get("/offerings", query_string={"q": q})
    assert response.status_code == 200


# --- The offering page --------------------------------------------------------------------------


def test_offering_page_tells_a_student_what_they_need_to_decide(client, login_as) -> None:
    student = make_student()
    partner = place_partner(make_partner(name="Petaluma Creamery"), PETALUMA, "Petaluma")
    offering = make_listing(
        title="Cheese making shadow",
        partner=partner,
        description="Follow the cheesemaker for a morning.",
        skills="Food safety, measuring",
        capacity=4,
    )
    offering.requirements = "Closed-toe shoes; hair tied back."
    offering.schedule = "Saturday, 6–11 am"
    offering.seats_taken = 1
    offering.location = "Barn 2, 100 Dairy Lane"
    login_as(student.user)
    html = body(client, f"/offerings/{offering.id}")
    for text in (
        "Follow the cheesemaker for a morning.",
        "Food safety, measuring",
        "Closed-toe shoes; hair tied back.",
        "Saturday, 6–11 am",
        "Barn 2, 100 Dairy Lane, Petaluma",
        "3 of 4 open",
        "Unpaid",
        "miles from your home ZIP",
        f'href="/partners/{partner.id}"',
        'href="/offerings"',
    ):
        assert text in html, text
    assert partner.phone == "" or partner.phone in html


def test_offering_page_says_online_for_virtual(client, login_as) -> None:
    offering = make_listing(title="Online talk", is_virtual=True, kind=ExperienceKind.GUEST_SPEAKER)
    login_as(make_student().user)
    html = body(client, f"/offerings/{offering.id}")
    assert "<dt>Where</dt><dd>Online" in html
    assert "miles from" not in html


# --- Partner page -----------------------------------------------------------------------------


def test_partner_page_shows_profile_and_open_offerings_but_no_contacts(client, login_as) -> None:
    partner = make_partner(name="Sunrise Veterinary Clinic", sector_code="agriculture")
    partner.website, partner.phone = "https://sunrisevet.example.com", "707-555-0100"
    partner.description = "A small-animal clinic."
    partner.endorses_certificate = True
    contact = make_employer(partner=partner)
    make_listing(title="Vet shadow", partner=partner)
    make_listing(title="Vet draft", partner=partner, status=OfferingStatus.DRAFT)
    login_as(make_student().user)
    html = body(client, f"/partners/{partner.id}")
    assert "<h1" in html
    assert "Sunrise Veterinary Clinic" in html
    assert "A small-animal clinic." in html
    assert "https://sunrisevet.example.com" in html
    assert "707-555-0100" in html
    assert "Endorses the Work Ready Certificate" in html
    assert "Vet shadow" in html
    assert "Vet draft" not in html
    assert contact.email not in html
    assert contact.full_name not in html
    assert 'class="catalog-initials' in html  # no logo yet


def test_partner_page_hides_a_noncompliant_partners_internship(client, login_as) -> None:
    partner = make_noncompliant_partner()
    make_listing(title="Lapsed internship", partner=partner, kind=ExperienceKind.INTERNSHIP)
    make_listing(title="Lapsed visit", partner=partner, kind=ExperienceKind.WORKPLACE_VISIT)
    login_as(make_user(roles={Role.TEACHER}))
    html = body(client, f"/partners/{partner.id}")
    assert "Lapsed visit" in html
    assert "Lapsed internship" not in html


def test_inactive_or_unknown_partners_are_not_found(client, login_as) -> None:
    partner = make_partner()
    partner.active = False
    login_as(make_user(roles={Role.STUDENT}))
    assert client.get(f"/partners/{partner.id}").status_code == 404
    assert client.get("/partners/987654").status_code == 404


def test_employers_see_their_own_partner_page(client, login_as) -> None:
    partner = make_partner(name="Own Business")
    login_as(make_employer(partner=partner))
    assert "Own Business" in body(client, f"/partners/{partner.id}")


# --- Endorsers --------------------------------------------------------------------------------


def test_endorsers_page_is_public_and_lists_only_active_endorsers(client) -> None:
    listed = give_logo(make_partner(name="Zephyr Farms", sector_code="agriculture"))
    listed.endorses_certificate = True
    other = make_partner(name="Apple Orchard Co")
    other.endorses_certificate = True
    quiet = make_partner(name="Not Endorsing LLC")
    gone = make_partner(name="Closed Shop")
    gone.endorses_certificate, gone.active = True, False
    db.session.flush()
    html = body(client, "/endorsers")
    assert "Work Ready Certificate" in html
    assert html.index("Apple Orchard Co") < html.index("Zephyr Farms")
    assert quiet.name not in html
    assert gone.name not in html
    assert 'alt="Zephyr Farms logo"' in html
    assert ">AO<" in html  # initials for the partner without a logo
    version = listed.logo_key.split("/")[1][:12]
    src = re.search(r'<img[^>]+src="([^"]+)"', html)
    assert src
    assert src.group(1) == f"/partners/{listed.id}/logo?v={version}"
    logo = client.get(src.group(1))
    assert logo.status_code == 200
    assert logo.mimetype == "image/png"
    assert logo.data[:8] == png_bytes()[:8]


def test_endorsers_page_with_nobody_yet(client) -> None:
    assert "being put together" in body(client, "/endorsers")


@pytest.mark.parametrize(
    ("website", "href"),
    [
        ("https://example.com/jobs", "https://example.com/jobs"),
        ("example.com", "https://example.com"),
        ("javascript:alert(1)", None),
    ],
)
def test_partner_website_links_only_to_the_web(client, login_as, website, href) -> None:
    partner = make_partner()
    partner.website = website
    login_as(make_user(roles={Role.STUDENT}))
    html = body(client, f"/partners/{partner.id}")
    assert website in html
    if href:
        assert f'href="{href}"' in html
    else:
        assert 'href="javascript' not in html


def test_the_catalog_shows_open_opportunities_unless_asked_for_closed_ones(
    client, login_as
) -> None:
    """Issue 14: by default every result still takes applications (the count and the pages
    follow); a checkbox brings back the ones whose deadline has passed."""
    for n in range(20):  # sooner than the open one: they filled page 1 before
        make_listing(title=f"Closed {n:02d}", start_in_days=2).application_deadline = days(-1)
    make_listing(title="Deadline ahead", start_in_days=40).application_deadline = days(3)
    login_as(make_user(roles={Role.STUDENT}))

    html = body(client, "/offerings")
    assert result_titles(html) == ["Deadline ahead"]
    assert re.search(r">\s*1 opportunity\s*<", html)
    assert "Applications closed" not in html
    checkbox = re.search(r'<input[^>]*id="closed"[^>]*>', html)
    assert checkbox
    assert "checked" not in checkbox.group(0)
    assert "Include opportunities whose applications have closed" in html

    html = body(client, "/offerings?closed=y")
    assert len(result_titles(html)) == 20
    assert re.search(r">\s*21 opportunities\s*<", html)
    assert "Applications closed" in html
    assert "checked" in re.search(r'<input[^>]*id="closed"[^>]*>', html).group(0)
    assert re.search(r'class="filter-chip" href="/offerings">Applications closed included', html)
    links = re.findall(r'class="page-link" href="([^"]+)"', html)
    assert any("page=2" in link and "closed=y" in link for link in links)
    assert result_titles(body(client, "/offerings?closed=y&page=2")) == ["Deadline ahead"]


def test_results_say_when_applications_have_closed(client, login_as) -> None:
    closed = make_listing(title="Deadline passed")
    closed.application_deadline = days(-1)
    open_ = make_listing(title="Deadline ahead")
    open_.application_deadline = days(3)
    login_as(make_user(roles={Role.STUDENT}))
    html = body(client, "/offerings?closed=y")
    assert "Applications closed" in html
    assert "Apply by" in html


def test_a_count_stopped_at_its_bound_says_more_than(client, login_as, monkeypatch) -> None:
    monkeypatch.setattr("wbl.catalog.search.COUNT_BOUND", 20)
    login_as(make_student().user)
    for i in range(25):
        make_listing(title=f"Offering {i}")
    html = body(client, "/offerings")
    assert "More than 20 opportunities" in html
    assert "page=2" in html
