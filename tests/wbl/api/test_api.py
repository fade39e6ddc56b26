"""/api/v1: tokens, scopes, data scope, pages, ETags, problem details and rate limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.support.api_data import ALL_READ, api_get, personal_token, service_token
from tests.support.builders import (
    make_district,
    make_employer,
    make_offering,
    make_partner,
    make_school,
    make_student,
    make_user,
)
from tests.support.log_data import days_ago, make_entry, make_placement
from wbl.access import Role
from wbl.api import services
from wbl.api.models import ApiToken
from wbl.clock import local_today
from wbl.errors import NotFound
from wbl.extensions import db
from wbl.hours.models import EntryStatus
from wbl.reference.models import ExperienceKind

PROBLEM = "application/problem+json"


def _problem(response: object, status: int) -> dict[str, object]:
    assert response.status_code == status, response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert response.mimetype == PROBLEM  # type: ignore[attr-defined]
    body = response.get_json()  # type: ignore[attr-defined]
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert isinstance(body["title"], str)
    return body  # type: ignore[no-any-return]


# --- tokens --------------------------------------------------------------------------------


def test_only_a_digest_of_the_token_is_stored(client: FlaskClient) -> None:
    staff = make_user(roles={Role.STAFF})
    secret = personal_token(staff)
    assert secret.startswith("wbl_")
    assert len(secret) > 40
    stored = db.session.scalars(select(ApiToken)).all()
    assert [t.digest for t in stored] == [services.digest_of(secret)]
    assert all(secret not in (t.digest, t.hint, t.name) for t in stored)


def test_a_token_works_and_records_its_last_use(client: FlaskClient) -> None:
    student = make_student()
    secret = personal_token(student.user)
    token = db.session.scalars(select(ApiToken)).one()
    assert token.last_used_at is None
    response = api_get(client, "/api/v1/offerings", secret)
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get_one(ApiToken, token.id).last_used_at is not None


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer wbl_nope", "Basic dXNlcjpwYXNz", "Bearer not-even-prefixed"],
)
def test_missing_or_bad_tokens_are_401(client: FlaskClient, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/offerings", headers=headers)
    _problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_in_the_query_string_is_never_read(client: FlaskClient) -> None:
    secret = personal_token(make_student().user)
    for key in ("access_token", "token", "api_key", "Authorization"):
        _problem(client.get(f"/api/v1/offerings?{key}={secret}"), 401)
    assert api_get(client, "/api/v1/offerings", secret).status_code == 200


def test_a_session_cookie_does_not_authenticate_the_api(
    client: FlaskClient, login_as: object
) -> None:
    login_as(make_user(roles={Role.STAFF}))  # type: ignore[operator]
    assert client.get("/account/tokens").status_code == 200  # signed in on the pages
    _problem(client.get("/api/v1/placements"), 401)


def test_expired_and_revoked_tokens_are_401(client: FlaskClient) -> None:
    user = make_student().user
    expired, revoked = personal_token(user), personal_token(user)
    by_digest = {t.digest: t for t in db.session.scalars(select(ApiToken))}
    by_digest[services.digest_of(expired)].expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.flush()
    services.revoke(user, by_digest[services.digest_of(revoked)].id)
    _problem(api_get(client, "/api/v1/offerings", expired), 401)
    _problem(api_get(client, "/api/v1/offerings", revoked), 401)


def test_a_deactivated_account_s_personal_token_stops(client: FlaskClient) -> None:
    user = make_student().user
    secret = personal_token(user)
    user.active = False
    db.session.flush()
    _problem(api_get(client, "/api/v1/offerings", secret), 401)


def test_a_missing_scope_is_403(client: FlaskClient) -> None:
    secret = personal_token(make_student().user, ["catalog:read"])
    body = _problem(api_get(client, "/api/v1/hours", secret), 403)
    assert "hours:read" in str(body["detail"])


def test_scopes_are_limited_to_what_the_roles_allow() -> None:
    employer = make_employer()
    with pytest.raises(services.TokenRefused):
        services.create_personal_token(employer, name="x", scopes=["nope:read"], days=30)
    with pytest.raises(services.TokenRefused):
        services.create_personal_token(employer, name="x", scopes=[], days=30)
    with pytest.raises(services.TokenRefused):
        services.create_personal_token(employer, name="x", scopes=ALL_READ, days=400)
    with pytest.raises(NotFound):  # only staff make service tokens
        services.create_service_token(employer, name="x", scopes=ALL_READ, days=30)


def test_a_service_token_outlives_its_maker_and_keeps_to_the_district(
    client: FlaskClient,
) -> None:
    district, other = make_district(), make_district()
    staff = make_user(roles={Role.STAFF}, district=district)
    mine = make_student(school=make_school(district=district))
    theirs = make_student(school=make_school(district=other))
    own_placement, other_placement = make_placement(mine), make_placement(theirs)
    make_entry(own_placement, days_ago(local_today(), 2))
    make_entry(other_placement, days_ago(local_today(), 2))
    secret = service_token(staff)
    staff.active = False  # the maker leaves
    db.session.flush()

    hours = api_get(client, "/api/v1/hours", secret).get_json()
    assert {h["student_id"] for h in hours["items"]} == {mine.id}
    _problem(api_get(client, f"/api/v1/placements/{other_placement.id}", secret), 404)
    _problem(api_get(client, f"/api/v1/placements/{other_placement.id}/hours", secret), 404)
    assert api_get(client, f"/api/v1/placements/{own_placement.id}", secret).status_code == 200

    token = db.session.scalars(select(ApiToken)).one()
    assert token.user.district_id == district.id
    assert token.user.password_hash is None
    assert token.created_by_id == staff.id


def test_district_staff_revoke_their_district_s_service_tokens_only() -> None:
    district, other = make_district(), make_district()
    maker = make_user(roles={Role.STAFF}, district=district)
    colleague = make_user(roles={Role.STAFF}, district=district)
    outsider = make_user(roles={Role.STAFF}, district=other)
    service_token(maker)
    token = db.session.scalars(select(ApiToken)).one()
    assert token in services.tokens_of(colleague)
    assert token not in services.tokens_of(outsider)
    with pytest.raises(NotFound):
        services.revoke(outsider, token.id)
    services.revoke(colleague, token.id)
    assert token.revoked_at is not None
    assert not token.user.active


# --- what each account sees -----------------------------------------------------------------


def test_only_confirmed_hours_are_listed(client: FlaskClient) -> None:
    student = make_student()
    placement = make_placement(student)
    today = local_today()
    confirmed = make_entry(placement, days_ago(today, 3))
    make_entry(placement, days_ago(today, 2), status=EntryStatus.PENDING)
    make_entry(placement, days_ago(today, 1), status=EntryStatus.REJECTED)
    secret = personal_token(student.user)
    items = api_get(client, "/api/v1/hours", secret).get_json()["items"]
    assert [h["id"] for h in items] == [confirmed.id]
    assert items[0]["minutes"] == 60


def test_an_employer_sees_only_the_students_it_hosts(client: FlaskClient) -> None:
    partner = make_partner()
    employer = make_employer(partner=partner)
    hosted = make_placement(make_student(), partner=partner)
    elsewhere = make_placement(make_student())
    hosted.student.user.sourced_id = "SIS-1"
    db.session.flush()
    secret = personal_token(employer, ["placements:read"])
    items = api_get(client, "/api/v1/placements", secret).get_json()["items"]
    assert [p["id"] for p in items] == [hosted.id]
    assert items[0]["student"]["sis_id"] is None  # no more than it needs
    assert set(items[0]["student"]) == {"id", "name", "sis_id"}
    _problem(api_get(client, f"/api/v1/placements/{elsewhere.id}", secret), 404)


# --- pages, ETags, problem details, rate limits ---------------------------------------------


def test_catalog_pages_are_stable_when_the_catalog_changes(client: FlaskClient) -> None:
    partner = make_partner()
    offerings = [make_offering(partner=partner) for _ in range(5)]
    secret = personal_token(make_student().user, ["catalog:read"])
    first = api_get(client, "/api/v1/offerings?limit=2", secret).get_json()
    assert [o["id"] for o in first["items"]] == [o.id for o in offerings[:2]]
    make_offering(partner=partner)  # added meanwhile: after the pages read so far
    db.session.delete(offerings[0])  # and one already read goes
    db.session.flush()
    second = api_get(
        client, f"/api/v1/offerings?limit=2&cursor={first['next_cursor']}", secret
    ).get_json()
    assert [o["id"] for o in second["items"]] == [o.id for o in offerings[2:4]]
    seen = [o["id"] for o in first["items"] + second["items"]]
    cursor = second["next_cursor"]
    while cursor:
        page = api_get(client, f"/api/v1/offerings?limit=2&cursor={cursor}", secret).get_json()
        seen += [o["id"] for o in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 6


def test_catalog_filters_are_the_catalog_page_s(client: FlaskClient) -> None:
    partner = make_partner()
    shadow = make_offering(partner=partner)
    make_offering(partner=partner, kind=ExperienceKind.INTERNSHIP)
    secret = personal_token(make_student().user, ["catalog:read"])
    items = api_get(client, "/api/v1/offerings?kind=job_shadow", secret).get_json()["items"]
    assert [o["id"] for o in items] == [shadow.id]


def test_etag_answers_304_until_the_catalog_changes(client: FlaskClient) -> None:
    offering = make_offering()
    secret = personal_token(make_student().user, ["catalog:read"])
    first = api_get(client, "/api/v1/offerings", secret)
    etag = first.headers["ETag"]
    again = api_get(client, "/api/v1/offerings", secret, **{"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    offering.title = "Renamed"
    db.session.flush()
    changed = api_get(client, "/api/v1/offerings", secret, **{"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def test_invalid_parameters_are_problems_with_field_errors(client: FlaskClient) -> None:
    secret = personal_token(make_student().user, ["catalog:read"])
    body = _problem(api_get(client, "/api/v1/offerings?limit=0&kind=spaceflight", secret), 422)
    errors = body["errors"]["query"]  # type: ignore[index]
    assert set(errors) == {"limit", "kind"}
    body = _problem(api_get(client, "/api/v1/offerings?cursor=forged", secret), 422)
    assert "cursor" in body["errors"]["query"]  # type: ignore[index]


def test_unknown_api_paths_are_problems_and_pages_keep_html(client: FlaskClient) -> None:
    _problem(client.get("/api/v1/nothing-here"), 404)
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert page.mimetype == "text/html"
    secret = personal_token(make_student().user, ["catalog:read"])
    _problem(api_get(client, "/api/v1/offerings/999999", secret), 404)


def test_rate_limit_headers_and_429(app: Flask, client: FlaskClient) -> None:
    secret = personal_token(make_student().user, ["catalog:read"])
    app.config["API_RATE_LIMIT"] = 3
    try:
        answers = [api_get(client, "/api/v1/partners", secret) for _ in range(4)]
    finally:
        app.config["API_RATE_LIMIT"] = 600
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["RateLimit-Policy"] == '"per-token";q=3;w=60'
    assert answers[0].headers["RateLimit"].startswith('"per-token";r=2;t=')
    _problem(answers[3], 429)
    assert int(answers[3].headers["Retry-After"]) >= 1


def test_the_document_is_openapi_3_1_and_its_page_is_ours(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    assert "/api/v1/hours" in spec["paths"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "<code>/api/v1/offerings</code>" in html
    assert "hours:read" in html
    assert 'Body (JSON): <a href="#schema-HourIn">HourIn</a>' in html
    assert 'id="schema-HourIn"' in html
    assert "cdn" not in html.lower()
