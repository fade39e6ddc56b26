"""The catalog's back-office pages: who may open them, forms with good and bad input."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import csrf_from
from tests.support.builders import make_employer, make_offering, make_partner, make_user
from tests.support.catalog_data import offering_form, partner_form
from tests.support.logo_files import png_bytes
from wbl.access import Role
from wbl.catalog.models import ChangeStatus, Offering, OfferingChange, OfferingStatus, Partner
from wbl.clock import local_today
from wbl.extensions import db


@pytest.mark.parametrize(
    ("roles", "expected"),
    [(None, 302), ({Role.STUDENT}, 403), ({Role.TEACHER}, 403), ({Role.STAFF}, 200)],
)
def test_new_offering_page_is_for_staff_and_employers(client, login_as, roles, expected):
    if roles:
        login_as(make_user(roles=roles))
    assert client.get("/catalog/offerings/new").status_code == expected


def test_employer_pages(client, login_as) -> None:
    employer = login_as(make_employer())
    assert client.get("/catalog/mine").status_code == 200
    assert client.get("/catalog/offerings/new").status_code == 200
    other = make_offering()
    assert client.get(f"/catalog/offerings/{other.id}/edit").status_code == 404
    assert client.get(f"/catalog/partners/{other.partner_id}").status_code == 403
    assert employer.has_role(Role.EMPLOYER)


def test_unknown_objects_are_404(client, login_as) -> None:
    login_as(make_user(roles={Role.STAFF}))
    assert client.get("/catalog/partners/999999").status_code == 404
    assert client.get("/catalog/offerings/999999/edit").status_code == 404
    assert client.get("/catalog/review/changes/999999").status_code == 404


def test_staff_create_a_partner_through_the_form(client, login_as, post_form) -> None:
    login_as(make_user(roles={Role.STAFF}))
    response = post_form("/catalog/partners/new", partner_form())
    assert response.status_code == 302
    partner = db.session.scalar(select(Partner).where(Partner.name.like("Sebastopol%")))
    assert partner is not None
    assert response.headers["Location"].endswith(f"/catalog/partners/{partner.id}")
    page = client.get(f"/catalog/partners/{partner.id}").get_data(as_text=True)
    assert "Sebastopol Community Garden" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"zip": "00000"}, "not a ZIP code we know"),
        ({"name": ""}, "Enter the partner&#39;s name."),
        ({"worksite_agreement_expiry": "2020-01-01"}, "cannot expire before it was signed"),
        ({"latitude": "38.4"}, "both latitude and longitude"),
        ({"insurance_expiry": "next june"}, "Not a valid date value."),
        ({"website": "not a url"}, "Enter a full web address that starts with https://"),
    ],
)
def test_bad_partner_forms_say_what_is_wrong(
    client, login_as, post_form, overrides, message
) -> None:
    login_as(make_user(roles={Role.STAFF}))
    before = db.session.scalar(select(db.func.count(Partner.id)))
    response = post_form("/catalog/partners/new", partner_form(**overrides))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert 'aria-invalid="true"' in html
    assert db.session.scalar(select(db.func.count(Partner.id))) == before


def _upload(client, url: str, page: str, data: bytes, name: str):
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(
        url,
        data={"csrf_token": token, "logo": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_logo_upload_and_public_serving(client, login_as) -> None:
    login_as(make_user(roles={Role.STAFF}))
    partner = make_partner()
    page = f"/catalog/partners/{partner.id}"
    response = _upload(client, f"{page}/logo", page, png_bytes(), "logo.png")
    assert "The logo is saved." in response.get_data(as_text=True)
    logo = client.get(f"/partners/{partner.id}/logo")
    assert logo.status_code == 200
    assert logo.mimetype == "image/png"
    assert logo.data.startswith(b"\x89PNG")


def test_a_renamed_executable_is_refused_as_a_logo(client, login_as) -> None:
    login_as(make_user(roles={Role.STAFF}))
    partner = make_partner()
    page = f"/catalog/partners/{partner.id}"
    response = _upload(client, f"{page}/logo", page, b"MZ\x90\x00 program", "logo.png")
    assert "not a PNG, JPEG or SVG image" in response.get_data(as_text=True)
    assert client.get(f"/partners/{partner.id}/logo").status_code == 404


def test_an_svg_logo_is_served_with_a_locked_down_policy(client, login_as) -> None:
    login_as(make_user(roles={Role.STAFF}))
    partner = make_partner()
    page = f"/catalog/partners/{partner.id}"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script><circle r="4"/></svg>'
    _upload(client, f"{page}/logo", page, svg, "logo.svg")
    logo = client.get(f"/partners/{partner.id}/logo")
    assert logo.mimetype == "image/svg+xml"
    assert b"<script" not in logo.data
    assert "sandbox" in logo.headers["Content-Security-Policy"]


def test_employer_proposes_and_staff_approve(client, login_as, post_form) -> None:
    partner = make_partner()
    employer = login_as(make_employer(partner=partner))
    response = post_form("/catalog/offerings/new", offering_form(partner))
    assert response.status_code == 302
    offering = db.session.scalar(select(Offering).where(Offering.title == "Shadow a line cook"))
    assert offering.status is OfferingStatus.PENDING
    mine = client.get("/catalog/mine").get_data(as_text=True)
    assert "Waiting for review" in mine

    login_as(make_user(roles={Role.STAFF}))
    assert "Shadow a line cook" in client.get("/catalog/review").get_data(as_text=True)
    response = post_form(
        f"/catalog/review/offerings/{offering.id}",
        offering_form(partner, title="Shadow a line cook at lunch"),
    )
    assert response.status_code == 302
    assert offering.status is OfferingStatus.PUBLISHED
    assert offering.title == "Shadow a line cook at lunch"
    assert employer.id == offering.proposed_by_id


def test_staff_send_a_proposal_back_with_a_reason(client, login_as, post_form) -> None:
    partner = make_partner()
    employer = make_employer(partner=partner)
    offering = make_offering(partner=partner, status=OfferingStatus.PENDING)
    login_as(make_user(roles={Role.STAFF}))
    url = f"/catalog/review/offerings/{offering.id}/return"
    page = f"/catalog/review/offerings/{offering.id}"
    empty = post_form(url, {"reason": ""}, page=page)
    assert empty.status_code == 422
    assert "Tell the employer what to change." in empty.get_data(as_text=True)
    post_form(url, {"reason": "Add the dress code, please."}, page=page)
    assert offering.status is OfferingStatus.RETURNED
    login_as(employer)
    assert "Add the dress code, please." in client.get("/catalog/mine").get_data(as_text=True)


def test_employer_change_to_a_live_offering_goes_to_the_queue(client, login_as, post_form):
    partner = make_partner()
    login_as(make_employer(partner=partner))
    offering = make_offering(partner=partner, title="Shadow a vet tech", capacity=4)
    form = offering_form(partner, title="Shadow a vet tech", capacity="6")
    response = post_form(f"/catalog/offerings/{offering.id}/edit", form)
    assert response.status_code == 302
    assert offering.capacity == 4
    change = db.session.scalar(select(OfferingChange).where(OfferingChange.offering == offering))
    assert change.status is ChangeStatus.PENDING
    login_as(make_user(roles={Role.STAFF}))
    review = client.get(f"/catalog/review/changes/{change.id}").get_data(as_text=True)
    assert "What would change" in review
    assert "review-changed" in review


def test_bad_offering_form_keeps_everything_and_marks_the_field(client, login_as, post_form):
    partner = make_partner()
    login_as(make_user(roles={Role.STAFF}))
    start = local_today() + timedelta(days=10)
    response = post_form(
        "/catalog/offerings/new",
        offering_form(
            partner, end_date=(start - timedelta(days=3)).isoformat(), start_date=start.isoformat()
        ),
    )
    html = response.get_data(as_text=True)
    assert "The end date is before the start date." in html
    assert 'value="Shadow a line cook"' in html  # nothing the user typed is lost
    assert db.session.scalar(select(Offering).where(Offering.title == "Shadow a line cook")) is None


def test_compliance_page_lists_what_lapses_within_30_days(client, login_as) -> None:
    today = local_today()
    make_partner(name="Lapsed Insurance Co", insurance_expiry=today - timedelta(days=2))
    soon = make_partner(name="Agreement Ending Co")
    soon.worksite_agreement_expiry = today + timedelta(days=12)
    make_partner(name="No Agreement Co", worksite_agreement_date=None)
    make_partner(name="All Current Co")
    later = make_partner(name="Ends In Two Months Co")
    later.insurance_expiry = today + timedelta(days=60)
    login_as(make_user(roles={Role.STAFF}))
    html = client.get("/catalog/compliance").get_data(as_text=True)
    assert "Insurance expired" in html
    assert "Agreement ends" in html
    assert "No worksite agreement on file" in html
    assert "All Current Co" not in html
    assert "Ends In Two Months Co" not in html
    # the most urgent (already lapsed or missing) come first
    assert html.index("Lapsed Insurance Co") < html.index("Agreement Ending Co")


def test_staff_home_shows_the_review_queue_count(client, login_as) -> None:
    make_offering(status=OfferingStatus.PENDING)
    login_as(make_user(roles={Role.STAFF}))
    html = client.get("/home").get_data(as_text=True)
    assert "Review queue" in html
    assert '1<span class="visually-hidden"> waiting</span>' in html


def test_the_offering_page_offers_the_right_actions(client, login_as) -> None:
    partner = make_partner()
    employer = make_employer(partner=partner)
    offering = make_offering(partner=partner)
    url = f"/offerings/{offering.id}"
    login_as(make_user(roles={Role.STAFF}))
    staff_view = client.get(url).get_data(as_text=True)
    assert f"/catalog/offerings/{offering.id}/edit" in staff_view
    assert f"/catalog/offerings/{offering.id}/close" in staff_view
    login_as(employer)
    own = client.get(url).get_data(as_text=True)
    assert "Propose changes" in own
    assert f"/catalog/offerings/{offering.id}/close" not in own
    login_as(make_employer())
    assert "Propose changes" not in client.get(url).get_data(as_text=True)
    login_as(make_user(roles={Role.STUDENT}))
    assert "/edit" not in client.get(url).get_data(as_text=True)


def test_staff_close_and_republish_from_the_offering_page(client, login_as, post_form) -> None:
    offering = make_offering()
    login_as(make_user(roles={Role.STAFF}))
    page = f"/offerings/{offering.id}"
    post_form(f"/catalog/offerings/{offering.id}/close", {}, page=page)
    assert offering.status is OfferingStatus.CLOSED
    post_form(f"/catalog/offerings/{offering.id}/publish", {}, page=page)
    assert offering.status is OfferingStatus.PUBLISHED


def test_a_script_url_in_a_website_never_becomes_a_link(client, login_as) -> None:
    """Imports accept any text as a website: the staff page links only http(s)."""
    partner = make_partner()
    partner.website = "javascript:alert(document.cookie)"
    login_as(make_user(roles={Role.STAFF}))
    html = client.get(f"/catalog/partners/{partner.id}").get_data(as_text=True)
    assert 'href="javascript:' not in html
    assert "javascript:alert(document.cookie)" in html  # shown as text, not a link


def test_declining_a_change_needs_a_reason(client, login_as, post_form) -> None:
    partner = make_partner()
    employer = make_employer(partner=partner)
    offering = make_offering(partner=partner, title="Shadow a groomer")
    login_as(employer)
    post_form(
        f"/catalog/offerings/{offering.id}/edit",
        offering_form(partner, title="Shadow a groomer", capacity="7"),
    )
    change = db.session.scalar(select(OfferingChange).where(OfferingChange.offering == offering))
    login_as(make_user(roles={Role.STAFF}))
    page = f"/catalog/review/changes/{change.id}"
    response = post_form(f"{page}/return", {"reason": ""}, page=page)
    assert response.status_code == 422
    assert "Tell the employer what to change." in response.get_data(as_text=True)
    assert change.status is ChangeStatus.PENDING


@pytest.mark.parametrize("query", ["", "q=batch&status=published", "type=job_shadow"])
def test_the_staff_offerings_list_runs_the_same_statements_for_5_or_50_offerings(
    client, login_as, count_queries, query
) -> None:
    """Filtered, sorted and paged in the database (issue 17): more offerings, same statements."""
    login_as(make_user(roles={Role.STAFF}))

    def statements_for(n: int) -> int:
        for i in range(n):
            make_offering(title=f"Batch {n} offering {i}", status=OfferingStatus.PUBLISHED)
        db.session.flush()
        client.get(f"/catalog/offerings?{query}")  # warm caches
        with count_queries() as counter:
            response = client.get(f"/catalog/offerings?{query}")
        assert response.status_code == 200
        assert "Batch" in response.get_data(as_text=True)
        return counter.count

    assert statements_for(5) == statements_for(50)


def test_the_staff_offerings_list_finds_each_word_in_the_title_or_the_partners_name(
    client, login_as
) -> None:
    make_offering(title="Nursing assistant shadow")
    make_offering(title="Clinic day", partner=make_partner(name="Sonoma Nursing Home"))
    described = make_offering(title="Bakery morning")
    described.description = "Nurses visit the bakery."  # descriptions are not searched here
    db.session.flush()
    login_as(make_user(roles={Role.STAFF}))
    html = client.get("/catalog/offerings", query_string={"q": "nurse"}).get_data(as_text=True)
    assert "Nursing assistant shadow" in html
    assert "Clinic day" in html
    assert "Bakery morning" not in html
    html = client.get("/catalog/offerings", query_string={"q": 'nurse "home'}).get_data(
        as_text=True
    )
    assert "Clinic day" in html
    assert "Nursing assistant shadow" not in html


def test_the_review_queue_runs_the_same_statements_for_2_or_12_proposals(
    client, login_as, count_queries
) -> None:
    """Each proposal's partner and proposer come in its own statement; the proposers' roles
    are not loaded (issue 17: the queue ran ten statements for the demo county, now three)."""
    login_as(make_user(roles={Role.STAFF}))

    def statements_for(n: int) -> int:
        for i in range(n):
            employer = make_employer()
            offering = make_offering(title=f"Proposal {n}-{i}", status=OfferingStatus.PENDING)
            offering.proposed_by = employer
            published = make_offering(title=f"Changed {n}-{i}")
            db.session.add(
                OfferingChange(offering=published, proposed_by=employer, changes={"capacity": 3})
            )
        db.session.flush()
        db.session.expire_all()  # as a request's fresh session finds them
        with count_queries() as counter:
            body = client.get("/catalog/review").get_data(as_text=True)
        assert f"Proposal {n}-{n - 1}" in body
        assert f"Changed {n}-{n - 1}" in body
        return counter.count

    few = statements_for(2)
    assert few == statements_for(12)
    assert few <= 4  # the account, the proposals, the changes (and a savepoint's worth)
