"""The catalog search service: visibility, every filter, text, distance, sorting and pages."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from matching.geo import haversine_miles
from tests.support.builders import make_partner, make_school, make_student, make_user, pathway
from tests.support.catalog_data import (
    CLOVERDALE,
    GUERNEVILLE,
    PETALUMA,
    SANTA_ROSA,
    days,
    make_listing,
    make_noncompliant_partner,
    place_partner,
)
from wbl.access import Role
from wbl.catalog.fulltext import word_tokens
from wbl.catalog.models import Offering, OfferingStatus
from wbl.catalog.search import (
    PER_PAGE,
    CatalogFilters,
    Origin,
    Sort,
    origin_for,
    search_catalog,
    search_terms,
)
from wbl.clock import local_today
from wbl.extensions import db
from wbl.geocoding.services import UnknownZip
from wbl.reference.models import ExperienceKind, PogOutcome

HOME = Origin(*SANTA_ROSA, "home")


def titles(filters: CatalogFilters | None = None, origin: Origin | None = None) -> list[str]:
    page = search_catalog(filters or CatalogFilters(), origin, local_today())
    return [hit.offering.title for hit in page.hits]


# --- What is visible -------------------------------------------------------------------------


def test_only_published_offerings_of_active_partners_that_are_not_over() -> None:
    make_listing(title="Open")
    make_listing(title="Draft", status=OfferingStatus.DRAFT)
    make_listing(title="Pending", status=OfferingStatus.PENDING)
    make_listing(title="Closed", status=OfferingStatus.CLOSED)
    gone = make_partner()
    gone.active = False
    make_listing(title="Inactive partner", partner=gone)
    past = make_listing(title="Over", start_in_days=-10)
    past.end_date = local_today() - timedelta(days=1)
    running = make_listing(title="Running", start_in_days=-10)
    running.end_date = local_today() + timedelta(days=5)
    undated = make_listing(title="Undated")
    undated.start_date = undated.end_date = None
    started = make_listing(title="Started, no end", start_in_days=-1)
    started.end_date = None
    db.session.flush()
    assert sorted(titles()) == ["Open", "Running", "Undated"]


def test_only_offerings_still_taking_applications_unless_closed_ones_are_asked_for() -> None:
    """Issue 14: page 1 filled with "Applications closed" cards. A deadline of today still
    takes applications (it passes at the county's midnight); a full offering does too (the
    waitlist)."""
    for title, deadline in (("Yesterday", -1), ("Today", 0), ("Next week", 7), ("None", None)):
        listing = make_listing(title=title)
        listing.application_deadline = days(deadline) if deadline is not None else None
    full = make_listing(title="Full", capacity=1)
    full.seats_taken = 1
    db.session.flush()
    assert sorted(titles()) == ["Full", "Next week", "None", "Today"]
    everything = search_catalog(CatalogFilters(include_closed=True), None, local_today())
    assert sorted(h.offering.title for h in everything.hits) == [
        "Full", "Next week", "None", "Today", "Yesterday"
    ]  # fmt: skip
    assert everything.total == 5


def test_a_noncompliant_partner_keeps_class_events_but_not_individual_placements() -> None:
    lapsed = make_noncompliant_partner()
    make_listing(title="Internship", partner=lapsed, kind=ExperienceKind.INTERNSHIP)
    make_listing(title="Shadow", partner=lapsed, kind=ExperienceKind.JOB_SHADOW)
    make_listing(title="Talk", partner=lapsed, kind=ExperienceKind.GUEST_SPEAKER)
    make_listing(title="Visit", partner=lapsed, kind=ExperienceKind.WORKPLACE_VISIT)
    assert sorted(titles()) == ["Talk", "Visit"]


@pytest.mark.parametrize(
    ("agreement", "agreement_expiry", "insurance"),
    [(None, None, 30), (-100, -1, 30), (-100, None, None)],
    ids=["no-agreement", "agreement-expired", "no-insurance"],
)
def test_each_compliance_problem_hides_internships(agreement, agreement_expiry, insurance) -> None:
    partner = make_partner()
    partner.worksite_agreement_date = days(agreement) if agreement is not None else None
    partner.worksite_agreement_expiry = days(agreement_expiry) if agreement_expiry else None
    partner.insurance_expiry = days(insurance) if insurance is not None else None
    make_listing(title="Internship", partner=partner, kind=ExperienceKind.INTERNSHIP)
    assert partner.compliance_problems(local_today())
    assert titles() == []


def test_a_current_agreement_expiry_is_fine() -> None:
    partner = make_partner()
    partner.worksite_agreement_expiry = local_today()
    partner.insurance_expiry = local_today()
    make_listing(title="Internship", partner=partner, kind=ExperienceKind.INTERNSHIP)
    assert partner.compliance_problems(local_today()) == []
    assert titles() == ["Internship"]


# --- Words -------------------------------------------------------------------------------------


def test_search_terms_are_lower_cased_unique_and_limited() -> None:
    assert search_terms("Vet  a VET tech, 50% (off_)") == ["vet", "tech", "50%", "off_"]
    assert len(search_terms(" ".join(f"w{i}" for i in range(20)))) == 8
    assert search_terms("   ") == []


def test_words_match_title_description_skills_or_partner_name_in_any_case() -> None:
    make_listing(title="Veterinary shadow")
    make_listing(title="Clinic day", description="Help the VETERINARY nurses.")
    make_listing(title="Skills day", skills="veterinary triage")
    make_listing(title="At the vet", partner=make_partner(name="Veterinary Partners Inc"))
    make_listing(title="Bakery")
    assert sorted(titles(CatalogFilters(q="veterinary"))) == [
        "At the vet",
        "Clinic day",
        "Skills day",
        "Veterinary shadow",
    ]


def test_every_word_must_match_somewhere() -> None:
    make_listing(title="Dairy herd health", partner=make_partner(name="Redwood Dairy"))
    make_listing(title="Dairy tour")
    assert titles(CatalogFilters(q="dairy redwood")) == ["Dairy herd health"]


def test_a_word_finds_its_other_forms_and_the_words_it_begins() -> None:
    """Full-text search with stemming (issue 17): "nurse" finds "Nursing assistant"."""
    make_listing(title="Nursing assistant")
    make_listing(title="Clinic day", description="Shadow the nurses on the ward.")
    make_listing(title="At the home", partner=make_partner(name="Sonoma Nursing Home"))
    make_listing(title="Veterinary shadow")
    make_listing(title="Bakery")
    assert sorted(titles(CatalogFilters(q="nurse"))) == [
        "At the home",
        "Clinic day",
        "Nursing assistant",
    ]
    assert titles(CatalogFilters(q="nursing assistants")) == ["Nursing assistant"]
    assert titles(CatalogFilters(q="vet")) == ["Veterinary shadow"]


def test_punctuation_inside_a_word_joins_its_parts() -> None:
    make_listing(title="Save 100% on learning")
    make_listing(title="snake_case coding")
    make_listing(title="snakeXcase coding")
    assert titles(CatalogFilters(q="100%")) == ["Save 100% on learning"]
    assert titles(CatalogFilters(q="snake_case")) == ["snake_case coding"]


@pytest.mark.parametrize(
    "q",
    ['"', '"nurse', "nurse*", "*", "NEAR(nurse", "NEAR(nurse welding, 2)", "-nurse", "nurse OR",
     "OR", "nurse AND NOT", "{title}: nurse", "title:nurse", "nurse & !welding | x", "'nurse'",
     "nurse:*A", "^nurse", "\\nurse", "--", "!!! ???", "nurse)", "(((", "x" * 199],
)  # fmt: skip
def test_the_search_engines_syntax_is_only_text(q: str) -> None:
    """User input never reaches the FTS5 or tsquery syntax: every token is quoted, so no
    query errs, and the word "nurse" is still found among the operators."""
    make_listing(title="Nursing assistant")
    make_listing(title="Welding basics")
    found = titles(CatalogFilters(q=q))
    if {token for word in search_terms(q) for token in word_tokens(word)} == {"nurse"}:
        assert "Nursing assistant" in found
    if not search_terms(q):  # only punctuation: no words, the whole catalog
        assert sorted(found) == ["Nursing assistant", "Welding basics"]


def test_relevance_puts_title_hits_before_partner_name_before_description() -> None:
    make_listing(title="Day one", description="Welding practice", start_in_days=1)
    make_listing(title="Day two", partner=make_partner(name="Welding Works"), start_in_days=2)
    make_listing(title="Welding basics", start_in_days=3)
    page = search_catalog(CatalogFilters(q="welding"), None, local_today())
    assert page.sort is Sort.RELEVANCE
    assert [h.offering.title for h in page.hits] == ["Welding basics", "Day two", "Day one"]


# --- Filters ------------------------------------------------------------------------------------


def test_type_filter_takes_several_types() -> None:
    make_listing(title="Shadow", kind=ExperienceKind.JOB_SHADOW)
    make_listing(title="Talk", kind=ExperienceKind.GUEST_SPEAKER)
    make_listing(title="Intern", kind=ExperienceKind.INTERNSHIP)
    kinds = frozenset({ExperienceKind.JOB_SHADOW, ExperienceKind.INTERNSHIP})
    assert sorted(titles(CatalogFilters(kinds=kinds))) == ["Intern", "Shadow"]
    with_a_word = CatalogFilters(q="intern", kinds=kinds)  # read from the words' matches
    assert titles(with_a_word) == ["Intern"]
    assert titles(CatalogFilters(q="talk", kinds=kinds)) == []


def test_sector_filter_uses_the_partner_sector() -> None:
    farm = make_partner(sector_code="agriculture")
    make_listing(title="Farm", partner=farm)
    make_listing(title="Clinic")
    assert titles(CatalogFilters(sector_id=farm.sector_id)) == ["Farm"]


def test_pathway_and_outcome_filters() -> None:
    animals = pathway("agriculture.animal_science")
    outcomes = list(db.session.scalars(select(PogOutcome).order_by(PogOutcome.position)))
    make_listing(title="Animals", pathways=[animals, pathway()], outcomes=[outcomes[0]])
    make_listing(title="Patients", outcomes=[outcomes[1], outcomes[2]])
    assert titles(CatalogFilters(pathway_id=animals.id)) == ["Animals"]
    assert titles(CatalogFilters(outcome_id=outcomes[2].id)) == ["Patients"]
    assert sorted(titles(CatalogFilters(pathway_id=pathway().id))) == ["Animals", "Patients"]


def test_date_filters_are_inclusive() -> None:
    make_listing(title="Soon", start_in_days=5)
    make_listing(title="Middle", start_in_days=20)
    make_listing(title="Later", start_in_days=60)
    assert titles(CatalogFilters(starts_after=days(20))) == ["Middle", "Later"]
    assert titles(CatalogFilters(starts_before=days(20))) == ["Soon", "Middle"]
    assert titles(CatalogFilters(starts_after=days(6), starts_before=days(59))) == ["Middle"]


def test_virtual_and_paid_filters() -> None:
    make_listing(title="Online paid", is_virtual=True, paid=True)
    make_listing(title="Onsite unpaid")
    assert titles(CatalogFilters(virtual=True)) == ["Online paid"]
    assert titles(CatalogFilters(virtual=False)) == ["Onsite unpaid"]
    assert titles(CatalogFilters(paid=True)) == ["Online paid"]
    assert titles(CatalogFilters(paid=False)) == ["Onsite unpaid"]


# --- Distance -------------------------------------------------------------------------------


def test_distance_uses_the_offering_place_else_the_partner_and_virtual_passes() -> None:
    far_partner = place_partner(make_partner(), CLOVERDALE)
    make_listing(title="Near (own place)", partner=far_partner, where=SANTA_ROSA)
    make_listing(title="Far", partner=far_partner)
    make_listing(title="Petaluma", where=PETALUMA)
    make_listing(title="Online", partner=far_partner, is_virtual=True)
    nowhere = make_partner()
    nowhere.latitude = nowhere.longitude = None
    make_listing(title="Unknown place", partner=nowhere)
    page = search_catalog(CatalogFilters(within_miles=10, sort=Sort.DISTANCE), HOME, local_today())
    assert [(h.offering.title, h.miles is None) for h in page.hits] == [
        ("Near (own place)", False),
        ("Online", True),
    ]
    assert page.hits[0].miles == pytest.approx(0.0, abs=0.01)
    wider = titles(CatalogFilters(within_miles=25, sort=Sort.DISTANCE), HOME)
    assert wider == ["Near (own place)", "Petaluma", "Online"]


def test_nearest_first_lists_virtual_and_unknown_places_last() -> None:
    make_listing(title="Online", is_virtual=True, start_in_days=1)
    make_listing(title="Guerneville", where=GUERNEVILLE, start_in_days=2)
    make_listing(title="Santa Rosa", where=SANTA_ROSA, start_in_days=3)
    assert titles(CatalogFilters(sort=Sort.DISTANCE), HOME) == [
        "Santa Rosa",
        "Guerneville",
        "Online",
    ]


def test_distance_without_an_origin_is_explained_not_applied() -> None:
    make_listing(title="Far", where=CLOVERDALE)
    page = search_catalog(CatalogFilters(within_miles=5, sort=Sort.DISTANCE), None, local_today())
    assert [h.offering.title for h in page.hits] == ["Far"]
    assert page.sort is Sort.DATE
    assert len(page.notes) == 2


def _expected_order(filters: CatalogFilters, origin: Origin) -> list[int]:
    """The search as it was done in Python before issue 17 (numpy haversine, Python sort), to
    hold the database's filter, order and pages to it."""
    today = local_today()
    rows = []
    for offering in db.session.scalars(select(Offering)):
        lat = offering.latitude if offering.latitude is not None else offering.partner.latitude
        lon = offering.longitude if offering.longitude is not None else offering.partner.longitude
        miles = math.nan
        if not offering.is_virtual and lat is not None and lon is not None:
            miles = float(haversine_miles(origin.latitude, origin.longitude, lat, lon))
        if filters.within_miles is not None and not (
            offering.is_virtual or miles <= filters.within_miles
        ):
            continue
        if offering.end_date is not None and offering.end_date < today:
            continue
        start = offering.start_date
        soonest = (start is None, start or date.max, offering.id)
        key = (math.isnan(miles), 0.0 if math.isnan(miles) else miles, *soonest)
        rows.append((key if filters.sort is Sort.DISTANCE else soonest, offering.id))
    return [offering_id for _key, offering_id in sorted(rows)]


@pytest.mark.parametrize("within", [None, 5, 10, 25])
@pytest.mark.parametrize("sort", [Sort.DISTANCE, Sort.DATE])
def test_distance_filter_order_and_pages_are_those_of_the_python_search(within, sort) -> None:
    """Sixty offerings scattered around Santa Rosa (some online, some nowhere, some sharing a
    start date): every page of the database's answer is the old Python search's."""
    chance = random.Random(17)
    nowhere = make_partner()
    nowhere.latitude = nowhere.longitude = None
    for n in range(60):
        where = (
            SANTA_ROSA[0] + chance.uniform(-0.5, 0.5),
            SANTA_ROSA[1] + chance.uniform(-0.6, 0.6),
        )
        make_listing(
            title=f"Offering {n}",
            where=None if n % 13 == 0 else where,
            partner=nowhere if n % 13 == 0 else None,
            is_virtual=n % 11 == 0,
            start_in_days=chance.randint(1, 20),
        )
    expected = _expected_order(CatalogFilters(within_miles=within, sort=sort), HOME)
    found: list[int] = []
    for page in range(1, 5):
        result = search_catalog(
            CatalogFilters(within_miles=within, sort=sort, page=page), HOME, local_today()
        )
        assert result.total == len(expected)
        if page <= result.page.pages:
            found += [hit.offering.id for hit in result.hits]
        for hit in result.hits:
            if hit.miles is not None:
                assert within is None or hit.miles <= within
    assert found == expected


# --- Sorting and pages -------------------------------------------------------------------------


def test_date_and_newest_sorts() -> None:
    first = make_listing(title="Made first, starts late", start_in_days=40)
    second = make_listing(title="Made second, starts soon", start_in_days=4)
    first.created_at = second.created_at - timedelta(hours=1)
    db.session.flush()
    assert titles() == ["Made second, starts soon", "Made first, starts late"]
    assert titles(CatalogFilters(sort=Sort.NEWEST)) == [
        "Made second, starts soon",
        "Made first, starts late",
    ]
    second.created_at = first.created_at - timedelta(hours=1)
    db.session.flush()
    assert titles(CatalogFilters(sort=Sort.NEWEST))[0] == "Made first, starts late"


def test_pages_of_twenty_in_a_stable_order() -> None:
    for n in range(PER_PAGE + 5):
        make_listing(title=f"Offering {n:02d}", start_in_days=n + 1)
    first = search_catalog(CatalogFilters(), None, local_today())
    second = search_catalog(CatalogFilters(page=2), None, local_today())
    beyond = search_catalog(CatalogFilters(page=99), None, local_today())
    assert first.total == second.total == PER_PAGE + 5
    assert len(first.hits) == PER_PAGE
    assert len(second.hits) == 5
    assert first.hits[0].offering.title == "Offering 00"
    assert second.hits[0].offering.title == f"Offering {PER_PAGE:02d}"
    assert (first.page.pages, first.page.has_next, second.page.has_prev) == (2, True, True)
    assert beyond.page.page == 2  # past the end: the last page
    assert list(first.page.iter_pages()) == [1, 2]


# --- Origin -------------------------------------------------------------------------------------


def test_origin_is_the_students_home_or_the_teachers_school_or_a_zip() -> None:
    student = make_student()
    home = origin_for(student.user)
    assert home is not None
    assert (home.latitude, home.longitude) == (38.44, -122.71)
    teacher = make_user(roles={Role.TEACHER}, school=make_school())
    assert origin_for(teacher) is not None
    staff = make_user(roles={Role.STAFF})
    assert origin_for(staff) is None
    by_zip = origin_for(staff, "94952")
    assert by_zip is not None
    assert by_zip.latitude == pytest.approx(38.24, abs=0.1)
    with pytest.raises(UnknownZip) as error:
        origin_for(staff, "00000")
    assert error.value.field == "zip"


def test_the_count_stops_at_a_bound_and_the_pager_still_knows_the_next_page(monkeypatch) -> None:
    """Counting every visible offering costs the whole catalog (issue 17): the count stops
    after ``COUNT_BOUND`` rows, or after the page asked for if that is further."""
    monkeypatch.setattr("wbl.catalog.search.COUNT_BOUND", 30)
    for n in range(3 * PER_PAGE + 5):
        make_listing(title=f"Offering {n:02d}", start_in_days=n + 1)
    first = search_catalog(CatalogFilters(), None, local_today())
    assert (first.total, first.more, first.page.pages, first.page.has_next) == (30, True, 2, True)
    assert first.hits[0].offering.title == "Offering 00"
    second = search_catalog(CatalogFilters(page=2), None, local_today())
    assert (second.more, second.page.has_next, second.page.next_num) == (True, True, 3)
    assert second.hits[0].offering.title == f"Offering {PER_PAGE:02d}"
    third = search_catalog(CatalogFilters(page=3), None, local_today())  # counted to 3 pages
    assert (third.total, third.more, third.page.has_next) == (3 * PER_PAGE, True, True)
    last = search_catalog(CatalogFilters(page=4), None, local_today())
    assert (last.total, last.more, last.page.has_next) == (3 * PER_PAGE + 5, False, False)
    assert len(last.hits) == 5
    beyond = search_catalog(CatalogFilters(page=99), None, local_today())
    assert (beyond.page.page, beyond.total, beyond.more) == (4, 3 * PER_PAGE + 5, False)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("within", [None, 1, 25])
def test_nearest_first_from_growing_boxes_is_the_brute_force_order(seed, within) -> None:
    """Nearest first reads boxes around the origin (``NEAREST_RADII``) before it orders the
    whole catalog: on clustered random places (many a few hundred yards from the origin,
    several sharing a place and a start date, some with only their partner's place, some
    online, some nowhere), every page is the brute-force haversine order."""
    chance = random.Random(seed)
    nowhere = make_partner()
    nowhere.latitude = nowhere.longitude = None
    spots = [
        (
            SANTA_ROSA[0] + chance.gauss(0, 0.004 * 4**k),
            SANTA_ROSA[1] + chance.gauss(0, 0.005 * 4**k),
        )
        for k in range(4)
        for _ in range(4)
    ]
    for n in range(90):
        spot = chance.choice(spots)
        kind = chance.random()
        partner = None
        where: tuple[float, float] | None = spot
        if kind < 0.1:
            partner, where = nowhere, None
        elif kind < 0.25:
            partner, where = place_partner(make_partner(), spot), None
        make_listing(
            title=f"Offering {n}",
            where=where,
            partner=partner,
            is_virtual=kind > 0.93,
            start_in_days=chance.randint(1, 4),
        )
    expected = _expected_order(CatalogFilters(within_miles=within, sort=Sort.DISTANCE), HOME)
    found: list[int] = []
    for page in range(1, 7):
        result = search_catalog(
            CatalogFilters(within_miles=within, sort=Sort.DISTANCE, page=page), HOME, local_today()
        )
        assert result.total == len(expected)
        if page <= result.page.pages:
            found += [hit.offering.id for hit in result.hits]
    assert found == expected
