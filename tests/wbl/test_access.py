"""Every route declares who may use it, and the declarations hold."""

from __future__ import annotations

import pytest
from flask import Flask
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from tests.support.builders import make_district, make_user
from tests.support.routes import (
    ACTORS,
    Answer,
    answer_problem,
    build_world,
    declared_policy,
    expected_answer,
    get_rules,
    hostile_examples,
    hostile_urls,
    methods_of,
    query_keys,
    server_error,
    url_of,
    visitors,
    walked_rules,
)
from wbl.access import Role
from wbl.extensions import db


def test_every_endpoint_declares_a_policy(app: Flask) -> None:
    undeclared = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if not rule.endpoint.endswith("static")
        and not hasattr(app.view_functions[rule.endpoint], "policy")
    )
    assert undeclared == []


STAFF_PAGES = [
    "/admin/reference/outcomes",
    "/admin/reference/pathways",
    "/admin/jobs",
    "/users/invite",
    "/outbox/",
    "/catalog/partners",
    "/catalog/partners/new",
    "/catalog/compliance",
    "/catalog/offerings",
    "/catalog/review",
    "/signups/partners",
    "/signups/volunteers",
    "/catalog/import/",
    "/rounds/",
    "/logs/report",
    "/reviews/guide",
    "/reviews/pool",
    "/reviews/submissions",
    "/interviews",
    "/interviews/new",
    "/certificates",
    "/pathways/rules",
    "/externships/by-school",
    "/externships/by-partner",
    "/incentives/report",
    "/incentives/years",
    "/incentives/completions",
    "/credentials/catalog",
    "/credentials/catalog/new",
    "/credentials/catalog/import",
    "/credentials/policy",
    "/credentials/queue",
    "/credentials/workkeys/import",
]


@pytest.mark.parametrize("url", STAFF_PAGES)
@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        (None, 302),
        ({Role.STUDENT}, 403),
        ({Role.TEACHER}, 403),
        ({Role.EMPLOYER}, 403),
        ({Role.STAFF}, 200),
        ({Role.ADMIN}, 200),
    ],
)
def test_staff_pages_by_role(client, login_as, url, roles, expected) -> None:
    if roles:
        login_as(make_user(roles=roles))
    response = client.get(url)
    assert response.status_code == expected
    if expected == 302:
        assert "/login?next=" in response.headers["Location"]


@pytest.mark.parametrize("role", list(Role))
def test_every_role_has_a_home_page(client, login_as, role) -> None:
    make_district()  # a county with none sends its administrator to the set-up checklist
    login_as(make_user(roles={role}))
    assert client.get("/home").status_code == 200


def test_anonymous_home_goes_to_login(client) -> None:
    response = client.get("/home")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_inactive_user_session_is_not_honoured(client, login_as) -> None:
    login_as(make_user(roles={Role.STAFF}, active=False))
    assert client.get("/admin/reference/outcomes").status_code == 302


def test_forbidden_page_is_friendly(client, login_as) -> None:
    login_as(make_user(roles={Role.STUDENT}))
    response = client.get("/users/invite")
    assert response.status_code == 403
    assert "Not allowed" in response.get_data(as_text=True)


def test_unknown_page_is_friendly(client) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


#: The 403s a view gives to someone its policy lets in, by (endpoint, method). Each is a
#: rule of the domain, not of the wrapper: the county keeps what districts only read, and
#: a page that several roles read is acted on by one.
REFUSED_IN_VIEW: dict[tuple[str, str], set[str]] = {
    # The county's: reference data, the credential catalog, incentive program years,
    # allocation rounds, the outbox (every district's mail) and running a scheduled job
    # (each works on the whole county). District staff read them, or not at all.
    ("reference.edit_row", "GET"): {"district_staff"},
    ("reference.edit_row", "POST"): {"district_staff"},
    ("credentials.edit_credential", "GET"): {"district_staff"},
    ("credentials.edit_credential", "POST"): {"district_staff"},
    ("credentials.new_credential", "GET"): {"district_staff"},
    ("credentials.new_credential", "POST"): {"district_staff"},
    ("credentials.import_credentials", "GET"): {"district_staff"},
    ("credentials.import_credentials", "POST"): {"district_staff"},
    ("credentials.confirm_credentials", "POST"): {"district_staff"},
    ("incentives.new_year", "GET"): {"district_staff"},
    ("incentives.new_year", "POST"): {"district_staff"},
    ("incentives.year", "POST"): {"district_staff"},
    ("incentives.add_defaults", "POST"): {"district_staff"},
    ("rounds.detail", "GET"): {"district_staff"},
    ("rounds.fairness_page", "GET"): {"district_staff"},
    ("rounds.fairness_download", "GET"): {"district_staff"},
    ("rounds.open_scramble", "POST"): {"district_staff"},
    ("notifications.outbox", "GET"): {"district_staff"},
    ("jobs.run_now", "POST"): {"district_staff"},
    # The worksite agreement template is the county's agreement with every partner.
    ("worksite.template", "POST"): {"district_staff"},
    # The WBLR file is the county's: one set of CALPADS codes, which county-wide staff
    # change; a district's staff read them (wbl/reporting/services.py may_change_codes).
    ("wblr.codes_page", "POST"): {"district_staff"},
    # A roster holds every district's schools and people: the county office imports it.
    ("roster.upload", "GET"): {"district_staff"},
    ("roster.upload", "POST"): {"district_staff"},
    ("roster.confirm", "POST"): {"district_staff"},
    # Districts and schools are the units every scope is built on, and their CDS codes the
    # keys of state reporting and the roster: the county office keeps them, a district's
    # staff read their own (wbl/schools/manage.py).
    **{
        (f"districts.{endpoint}", method): {"district_staff"}
        for endpoint, methods in {
            "new_district": ("GET", "POST"),
            "edit_district": ("GET", "POST"),
            "deactivate_district": ("POST",),
            "reactivate_district": ("POST",),
            "new_school": ("GET", "POST"),
            "edit_school": ("GET", "POST"),
            "deactivate_school": ("POST",),
            "reactivate_school": ("POST",),
        }.items()
        for method in methods
    },
    # Letters of recommendation are confidential to staff and assigned reviewers; the
    # student's teacher sees that they exist, not what they say.
    ("letters.file", "GET"): {"teacher"},
    # Read by several, written by one: the supervisor evaluates, the student reflects, logs
    # hours and edits an artifact, the externship's teacher logs externship hours.
    ("evaluations.evaluation", "POST"): {
        "student",
        "teacher",
        "district_staff",
        "county_staff",
        "admin",
    },
    ("evaluations.reflection", "POST"): {"teacher", "district_staff", "county_staff", "admin"},
    ("hours.placement", "POST"): {
        "teacher",
        "employer",
        "district_staff",
        "county_staff",
        "admin",
    },
    ("portfolio.artifact", "POST"): {"teacher", "district_staff", "county_staff", "admin"},
    ("externships.placement", "POST"): {"employer", "district_staff", "county_staff", "admin"},
}


def test_every_route_answers_every_role_as_its_policy_says(app: Flask) -> None:
    """Every rule of the URL map, every method, as anonymous and as each role, with the ids
    of a small county: the answer each gets follows from the view's declared policy (and
    REFUSED_IN_VIEW). A POST carries a valid CSRF token, so the policy answers, not CSRF."""
    world = build_world()
    people = dict(visitors(app, world))
    problems = []
    for rule in walked_rules(app):
        url = url_of(rule, world)
        policy = declared_policy(app, rule)
        assert policy is not None
        for method in methods_of(rule):
            refused = REFUSED_IN_VIEW.get((rule.endpoint, method), set())
            for actor, visitor in people.items():
                expected = expected_answer(policy, actor)
                if expected is Answer.SERVED and actor in refused:
                    expected = Answer.FORBIDDEN
                try:
                    response = visitor.open(
                        method, url, isolated=expected in (Answer.SERVED, Answer.ANY)
                    )
                except Exception as error:  # a 500 in production
                    db.session.rollback()
                    problems.append(f"{method} {url} as {actor}: raised {error!r}")
                    continue
                problem = answer_problem(expected, response, rule.endpoint)
                if problem:
                    problems.append(
                        f"{method} {url} ({rule.endpoint}) as {actor}: "
                        f"expected {expected.value}, got {problem}"
                    )
    assert not problems, "\n".join(problems)


#: Random cases per route, on top of the fixed ones (hostile_examples).
HOSTILE_EXAMPLES_PER_ROUTE = 5


def test_no_hostile_get_request_is_a_server_error(app: Flask) -> None:
    """Every GET route, as anonymous and as each role, with hostile path segments and query
    strings (NUL and control characters, 2**31 and 2**63, negatives, 10,000 characters,
    percent-escapes that are not UTF-8, SQL and HTML): the answer is never a 5xx.

    Each route gets the fixed cases of ``hostile_examples`` (the same in every run) and a
    few that Hypothesis draws from a fixed seed, without shrinking: a failure names the
    route and the falsifying case, and the run stays short."""
    world = build_world()
    people = dict(visitors(app, world))
    keys = query_keys()
    failures = []
    for rule in get_rules(app):

        @settings(
            max_examples=HOSTILE_EXAMPLES_PER_ROUTE,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(
            actor=st.sampled_from(ACTORS),
            url=hostile_urls(rule, world, keys),
            endpoint=st.just(rule.endpoint),
        )
        def request(actor: str, url: str, endpoint: str) -> None:
            try:
                status = people[actor].open("GET", url).status_code
            except Exception:
                db.session.rollback()
                raise
            assert not server_error(endpoint, status)

        for actor, url in hostile_examples(app, rule, world, keys):
            request = example(actor=actor, url=url, endpoint=rule.endpoint)(request)
        try:
            request()
        except Exception as error:
            failures.append(f"{rule.rule}: {_falsified(error)}")
    assert not failures, "\n".join(failures)


def _falsified(error: BaseException) -> str:
    """What failed, and on which request: each case of a group, shortened."""
    errors = error.exceptions if isinstance(error, BaseExceptionGroup) else (error,)
    return "; ".join(f"{e!r} {' '.join(getattr(e, '__notes__', []))}"[:400] for e in errors)
