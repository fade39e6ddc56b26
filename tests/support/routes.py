"""Every route of the URL map, called as every kind of user: what both access walks in
tests/wbl/test_access.py share.

``build_world()`` makes a small county in which each actor has something of their own (the
student a placement, hours, a portfolio, a certificate; the teacher the student's class; the
employer the partner; district staff the student's district), so a route called with the
world's ids reaches its view's real work, not only a 404. ``path_of`` fills a rule's
variables with raw (already percent-encoded) segments, so the hostile walk can put anything
there; ``Visitor`` is a test client signed in as one actor that sends a valid CSRF token with
every POST and restores its session before each request (a view that signs out changes no
later answer). ``expected_answer`` derives from a view's declared policy what the actor must
be told, written out here rather than borrowed from ``wbl.access``, so that the walk checks
the wrapper instead of repeating it. For the hostile walk: ``query_keys`` (the keys the views
read, from their source), ``hostile_examples`` (the fixed cases of a route) and
``hostile_urls`` (the cases Hypothesis draws).
"""

from __future__ import annotations

import enum
import importlib
import inspect
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from flask import Flask, current_app
from flask.testing import FlaskClient
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.routing import Rule
from werkzeug.test import TestResponse
from wtforms.fields.core import UnboundField

import wbl
from tests.conftest import csrf_from
from tests.support.builders import (
    make_class_section,
    make_district,
    make_employer,
    make_offering,
    make_partner,
    make_school,
    make_student,
    make_user,
)
from tests.support.certificate_data import Setting, issue, make_passed_submission
from tests.support.credential_data import make_credential, make_earned
from tests.support.event_data import make_event_request, make_speaker_offering
from tests.support.externship_data import make_hour, make_ongoing_externship, make_placed_team
from tests.support.hour_data import ADULT, place, yesterday
from tests.support.incentive_data import make_completion, make_year
from tests.support.log_data import make_entry
from tests.support.pathway_data import add_default_rules
from tests.support.placement_data import Cast
from tests.support.portfolio_data import (
    active_outcomes,
    document,
    ready_artifact,
    received_letter,
)
from tests.support.review_data import volunteer
from tests.support.signup_data import submitted_partner
from tests.support.visit_data import record as record_visit
from wbl.access import PUBLIC, Role
from wbl.api.core import API_TOKEN
from wbl.auth.models import User
from wbl.calendars import services as calendar_services
from wbl.catalog import manage_offerings
from wbl.catalog.clearance_models import SupervisorClearance
from wbl.catalog.manage_offerings import OfferingData
from wbl.catalog.models import OfferingChange, PartnerContact
from wbl.catalog.worksite_models import WorksiteAgreement, WorksiteAgreementStatus
from wbl.certificates.models import Interview
from wbl.clock import local_today
from wbl.credentials.models import EarnedStatus
from wbl.extensions import db
from wbl.hours.models import EntryStatus
from wbl.incidents.models import Incident, IncidentKind, ReporterRole
from wbl.pathways.models import PathwayRule, RuleKind
from wbl.placements import readiness
from wbl.placements.models import AgreementParty
from wbl.portfolio.models import DocumentKind
from wbl.reference.models import ExperienceKind, PogOutcome, PreparatoryActivity
from wbl.reviews.models import ReviewAssignment
from wbl.rounds import opening

ANONYMOUS = "anonymous"
ACTORS: tuple[str, ...] = (
    ANONYMOUS,
    "student",
    "teacher",
    "employer",
    "district_staff",
    "county_staff",
    "admin",
)

#: Each signed-in actor's roles. An administrator holds only ADMIN: the walk then proves
#: that administrators pass wherever CTE staff may (the rule in wbl/access.py).
ACTOR_ROLES: dict[str, frozenset[Role]] = {
    "student": frozenset({Role.STUDENT}),
    "teacher": frozenset({Role.TEACHER}),
    "employer": frozenset({Role.EMPLOYER}),
    "district_staff": frozenset({Role.STAFF}),
    "county_staff": frozenset({Role.STAFF}),
    "admin": frozenset({Role.ADMIN}),
}

_VARIABLE = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


@dataclass
class World:
    """The county's people (by actor) and the value of every route variable."""

    users: dict[str, User]
    values: dict[str, object]
    #: A variable whose meaning depends on the blueprint: (blueprint, name) -> value.
    by_blueprint: dict[tuple[str, str], object] = field(default_factory=dict)

    def value(self, endpoint: str, name: str) -> object:
        blueprint = endpoint.partition(".")[0]
        if (blueprint, name) in self.by_blueprint:
            return self.by_blueprint[blueprint, name]
        if name not in self.values:
            raise KeyError(
                f"{endpoint}: no value for the route variable <{name}>; "
                "add one to tests/support/routes.py build_world()"
            )
        return self.values[name]


def build_world() -> World:
    """One of everything the routes name, in one district, and commit it (inside the test's
    outer transaction): a view that fails and is rolled back then loses only its own work."""
    district = make_district()
    school = make_school(district=district)
    student = make_student(school=school, date_of_birth=ADULT)
    teacher = make_user(roles={Role.TEACHER}, school=school)
    section = make_class_section(teacher=teacher, students=[student])
    partner = make_partner()
    employer = make_employer(partner=partner)
    contact = db.session.scalar(select(PartnerContact).where(PartnerContact.user_id == employer.id))
    assert contact is not None
    clearance = db.session.scalars(  # make_employer records them
        select(SupervisorClearance).where(SupervisorClearance.contact_id == contact.id).limit(1)
    ).one()
    district_staff = make_user(roles={Role.STAFF}, district=district)
    county_staff = make_user(roles={Role.STAFF})
    admin = make_user(roles={Role.ADMIN})
    offering = make_offering(partner=partner)

    cast = Cast(school, teacher, student, partner, employer, offering, county_staff)
    placement = place(cast)  # unpaid: a training agreement too
    entry = make_entry(placement, yesterday(), status=EntryStatus.PENDING)
    activity = db.session.scalars(select(PreparatoryActivity).limit(1)).one()
    ready = readiness.record_activity(teacher, student.id, activity.id, local_today())

    credential = make_credential()
    earned = make_earned(student, credential, status=EarnedStatus.PENDING)
    artifact = ready_artifact(student, active_outcomes()[:1])
    resume = document(student, DocumentKind.RESUME)
    letter = received_letter(student)

    submission = make_passed_submission(student)
    setting = Setting(
        school=school,
        student=student,
        submission=submission,
        staff=district_staff,
        employer=employer,
        teacher=teacher,
        staff_panelist=county_staff,
    )
    certificate = issue(setting)
    interview = db.session.scalars(
        select(Interview).where(Interview.student_id == student.id)
    ).one()
    volunteer(teacher)
    assignment = ReviewAssignment(submission_id=submission.id, reviewer_id=teacher.id)
    db.session.add(assignment)

    event = make_event_request(
        teacher=teacher, section=section, offering=make_speaker_offering(partner=partner)
    )
    externship = make_ongoing_externship(partner=partner, created_by=county_staff)
    member = make_placed_team(
        externship=externship, teachers=[teacher, make_user(roles={Role.TEACHER}, school=school)]
    )[0]
    externship_hour = make_hour(application=member)

    internship = make_offering(
        partner=partner,
        kind=ExperienceKind.INTERNSHIP,
        start_date=local_today() + timedelta(days=60),
    )
    round_ = opening.open_round(
        county_staff,
        name="Summer internships",
        deadline=datetime.now(UTC) + timedelta(days=7),
        offering_ids=[internship.id],
    )
    year = make_year()
    completion = make_completion(student, entered_by=district_staff)
    add_default_rules(district)
    rule = db.session.scalars(
        select(PathwayRule).where(PathwayRule.district_id == district.id).limit(1)
    ).one()
    with current_app.test_request_context():
        change = manage_offerings.update_offering(
            employer, offering.id, replace(OfferingData.of(offering), title="Renamed")
        )
    assert isinstance(change, OfferingChange)
    outcome = db.session.scalars(select(PogOutcome).limit(1)).one()
    signup = submitted_partner()  # confirmed: waiting for staff
    feed_secret = calendar_services.new_secret(student.user)  # the student's calendar feed
    incident = Incident(
        placement=placement,
        reporter_id=student.user_id,
        reporter_role=ReporterRole.STUDENT,
        kind=IncidentKind.SAFETY,
        occurred_on=yesterday(),
        description="A ladder with a broken rung was left in the stockroom.",
    )
    db.session.add(incident)
    worksite = WorksiteAgreement(  # signed: the partner's contacts may download it
        partner=partner,
        title="Worksite Agreement",
        body="The county and the partner agree.",
        start_date=yesterday(),
        end_date=yesterday() + timedelta(days=365),
        signatory_name=employer.full_name,
        signatory_email=employer.email,
        status=WorksiteAgreementStatus.SIGNED,
        typed_name=employer.full_name,
        signed_at=datetime.now(UTC),
    )
    db.session.add(worksite)
    db.session.flush()
    visit = record_visit(district_staff, placement, follow_up="Call the supervisor back.")

    values: dict[str, object] = {
        "agreement_id": worksite.id,
        "application_id": placement.application_id,
        "artifact_id": artifact.id,
        "assignment_id": assignment.id,
        "certificate_id": certificate.id,
        "clearance_id": clearance.id,
        "change_id": change.id,
        "class_id": section.id,
        "code": certificate.code,
        "completion_id": completion.id,
        "contact_id": contact.id,
        "credential_id": credential.id,
        "district_id": district.id,
        "document_id": resume.id,
        "entry_id": entry.id,
        "externship_id": externship.id,
        "hour_id": externship_hour.id,
        "incident_id": incident.id,
        "interview_id": interview.id,
        "job_id": "prune-job-runs",  # the one that touches nothing but its own records
        "letter_id": letter.id,
        "offering_id": offering.id,
        "panel_id": interview.panel_id,
        "partner_id": partner.id,
        "party": AgreementParty.SUPERVISOR.value,
        "placement_id": placement.id,
        "provider": "district",  # no provider is configured here: 404 (tests/wbl/auth/test_sso.py)
        "record_id": earned.id,
        "request_id": event.id,
        "round_id": round_.id,
        "row_id": outcome.id,
        "rule_id": rule.id,
        "school_id": school.id,
        "secret": feed_secret,
        "signup_id": signup.id,
        "student_id": student.id,
        "submission_id": submission.id,
        "token_id": 1,  # no such token is made here: each actor is told 404 (or to sign in)
        "token": "not-a-token",
        "user_id": teacher.id,
        "visit_id": visit.id,
        "year_id": year.id,
        "filename": "css/app.css",
    }
    by_blueprint: dict[tuple[str, str], object] = {
        ("externships", "application_id"): member.id,
        ("readiness", "record_id"): ready.id,
        ("rounds", "offering_id"): internship.id,
        ("reference", "kind"): "outcomes",
        ("portfolio", "kind"): DocumentKind.RESUME.value,
        ("pathways", "kind"): RuleKind.CREDENTIAL_POINTS.value,
    }
    users = {
        "student": student.user,
        "teacher": teacher,
        "employer": employer,
        "district_staff": district_staff,
        "county_staff": county_staff,
        "admin": admin,
    }
    db.session.commit()
    return World(users=users, values=values, by_blueprint=by_blueprint)


# --- rules and URLs -------------------------------------------------------------------------


def declared_policy(app: Flask, rule: Rule) -> tuple[object, ...] | None:
    return getattr(app.view_functions[rule.endpoint], "policy", None)


def walked_rules(app: Flask) -> list[Rule]:
    """Every rule whose view declares a policy (the static folders declare none)."""
    return sorted(
        (rule for rule in app.url_map.iter_rules() if declared_policy(app, rule) is not None),
        key=lambda rule: (rule.rule, rule.endpoint),
    )


def methods_of(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def variables_of(rule: Rule) -> list[tuple[str, str]]:
    """(converter, name) of each variable of the rule, in order (converter ``default``)."""
    return [
        (m.group("converter") or "default", m.group("name")) for m in _VARIABLE.finditer(rule.rule)
    ]


def path_of(rule: Rule, segments: Mapping[str, str]) -> str:
    """The rule's path with each variable replaced by its raw segment (not encoded again)."""
    return _VARIABLE.sub(lambda m: segments[m.group("name")], rule.rule)


def url_of(rule: Rule, world: World) -> str:
    return path_of(
        rule,
        {
            name: quote(str(world.value(rule.endpoint, name)), safe="/")
            for _, name in variables_of(rule)
        },
    )


# --- who is told what -----------------------------------------------------------------------


class Answer(enum.Enum):
    ANY = "any answer but a server error"  # a public route
    SIGN_IN = "sent to sign in"
    FORBIDDEN = "403"
    SERVED = "served: not 403, not sent to sign in"


def expected_answer(policy: tuple[object, ...], actor: str) -> Answer:
    """What the actor must be told by a view with this declared policy."""
    if PUBLIC in policy:
        return Answer.ANY
    if API_TOKEN in policy:  # /api/v1: a session never authenticates it (401 for everyone)
        return Answer.SIGN_IN
    if actor == ANONYMOUS:
        return Answer.SIGN_IN
    roles = {p for p in policy if isinstance(p, Role)}
    if not roles:  # AUTHENTICATED
        return Answer.SERVED
    held = ACTOR_ROLES[actor]
    if held & roles or (Role.ADMIN in held and Role.STAFF in roles):
        return Answer.SERVED
    return Answer.FORBIDDEN


def sent_to_sign_in(response: TestResponse) -> bool:
    if response.status_code == 401:
        return True
    location = response.headers.get("Location", "")
    return response.status_code in (302, 303) and "/login?next=" in location


#: Routes whose 503 is their answer, not a server error: readiness says "not ready" with it
#: (wbl/ops/health.py; here when the worker holds no recommendation index yet).
NOT_READY_IS_AN_ANSWER = frozenset({"ops.readyz"})


def server_error(endpoint: str, status: int) -> bool:
    return status >= 500 and not (status == 503 and endpoint in NOT_READY_IS_AN_ANSWER)


def answer_problem(expected: Answer, response: TestResponse, endpoint: str) -> str | None:
    """Why the response is not the expected answer, or None."""
    status = response.status_code
    if server_error(endpoint, status):
        return f"server error {status}"
    if expected is Answer.SIGN_IN and not sent_to_sign_in(response):
        return f"{status} instead of a redirect to sign in"
    if expected is Answer.FORBIDDEN and status != 403:
        return f"{status} instead of 403"
    if expected is Answer.SERVED and (status == 403 or sent_to_sign_in(response)):
        return f"{status} {response.headers.get('Location', '')}".strip()
    return None


class Visitor:
    """A test client as one actor. Its session cookie (sign-in and CSRF secret) is put back
    before every request and a POST carries the form token, so neither a view that signs
    out nor CSRF answers in the policy's place. A POST runs in a SAVEPOINT that is rolled
    back: each one meets the world as it was built (a withdrawal does not end the placement
    the next request looks at)."""

    def __init__(self, app: Flask, user: User | None) -> None:
        self.client: FlaskClient = app.test_client()
        if user is not None:
            with self.client.session_transaction() as session:
                session["_user_id"] = str(user.id)
                session["_fresh"] = True
        page = self.client.get("/home" if user is not None else "/login")
        self.token = csrf_from(page.get_data(as_text=True))
        cookie = self.client.get_cookie(app.config["SESSION_COOKIE_NAME"])
        assert cookie is not None
        self._cookie = (cookie.key, cookie.value)

    def open(self, method: str, url: str, *, isolated: bool = True) -> TestResponse:
        """``isolated=False``: no SAVEPOINT, for a POST the policy is expected to refuse."""
        self.client.set_cookie(*self._cookie)
        if method != "POST" or not isolated:
            return self.client.open(url, method=method, data=self._form(method))
        db.session.close()  # the SAVEPOINT below must not sit inside the session's own
        savepoint = db.engine.begin_nested()  # type: ignore[attr-defined]  # the test's connection
        try:
            return self.client.open(url, method=method, data=self._form(method))
        finally:
            db.session.rollback()
            savepoint.rollback()
            db.session.expire_all()

    def _form(self, method: str) -> dict[str, str] | None:
        return {"csrf_token": self.token} if method == "POST" else None


def visitors(app: Flask, world: World) -> Iterator[tuple[str, Visitor]]:
    for actor in ACTORS:
        yield actor, Visitor(app, world.users.get(actor))


# --- hostile values -------------------------------------------------------------------------

#: Text a URL may carry (percent-encoded on the way): NUL and control characters, numbers
#: beyond every integer column, negatives, 10,000 characters, SQL, HTML and path fragments.
HOSTILE_TEXT: tuple[str, ...] = (
    "",
    " ",
    "\x00",
    "1\x00",
    "\x01\x08\x1b\x7f",
    "\r\nSet-Cookie: x=1",
    "\t",
    "0",
    "-1",
    "-0",
    "-2147483649",
    str(2**31 - 1),
    str(2**31),
    str(2**63 - 1),
    str(2**63),
    str(2**64),
    "9" * 40,
    "1e309",
    "nan",
    "1.5",
    "x" * 10_000,
    "1' OR '1'='1",
    "1; DROP TABLE user_account; --",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}",
    "../../etc/passwd",
    "%",
    "é",
    "\U0001f600",
    "\ud800",
)
#: Percent-escapes that are not UTF-8, put in the URL as they are.
RAW_ESCAPES: tuple[str, ...] = ("%ff%fe", "%c3%28", "%ed%a0%80", "%80", "%e2%82")
#: Keys that mean something to url_for, for views that pass the query string on to it.
URL_FOR_KEYS: tuple[str, ...] = ("_external", "_anchor", "_method", "_scheme", "endpoint")

_ARGS_READ = re.compile(
    r"""request\.args\.get(?:list)?\(\s*["'](\w+)["']|["'](\w+)["']\s+in\s+request\.args"""
)
_FORM_OF_ARGS = re.compile(r"(\w+Form)\((?:formdata=)?request\.args\b")


def query_keys() -> list[str]:
    """The query-string keys the views read: ``request.args.get("…")`` and the fields of
    every form built from ``request.args``, found in the source of ``wbl``."""
    root = Path(wbl.__file__).parent
    keys: set[str] = set()
    for path in root.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        keys.update(a or b for a, b in _ARGS_READ.findall(source))
        form_names = _FORM_OF_ARGS.findall(source)
        if not form_names:
            continue
        module_name = ".".join(("wbl", *path.relative_to(root).with_suffix("").parts))
        module = importlib.import_module(module_name)
        for form_name in form_names:
            form_class = getattr(module, form_name)
            keys.update(
                name
                for name, value in inspect.getmembers(form_class)
                if isinstance(value, UnboundField)
            )
    return sorted(keys)


def _quoted(text: str) -> str:
    return quote(text, safe="", errors="surrogatepass")


_HOSTILE_INTS = st.sampled_from((0, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64)) | st.integers(
    min_value=-(2**70), max_value=2**70
)
HOSTILE_VALUE: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(HOSTILE_TEXT).map(_quoted),
    _HOSTILE_INTS.map(str),
    st.sampled_from(RAW_ESCAPES),
    st.text(max_size=20).map(_quoted),
)


def get_rules(app: Flask) -> list[Rule]:
    """Every rule that answers GET, the static folders too."""
    return sorted(
        (rule for rule in app.url_map.iter_rules() if "GET" in (rule.methods or set())),
        key=lambda rule: (rule.rule, rule.endpoint),
    )


def hostile_urls(rule: Rule, world: World, keys: list[str]) -> st.SearchStrategy[str]:
    """The rule's path with each variable its real value or a hostile one, and a query string
    of keys the views read (or url_for's own, or any) with hostile values, raw-encoded."""
    segments = st.fixed_dictionaries(
        {
            name: st.just(_quoted(str(world.value(rule.endpoint, name)))) | HOSTILE_VALUE
            for _, name in variables_of(rule)
        }
    )
    key = st.one_of(
        st.sampled_from(keys),
        st.sampled_from(URL_FOR_KEYS),
        st.sampled_from(RAW_ESCAPES),
        st.text(min_size=1, max_size=8).map(_quoted),
    )
    query = st.lists(st.tuples(key, HOSTILE_VALUE), max_size=4)
    return st.builds(
        lambda path, pairs: path + ("?" + "&".join(f"{k}={v}" for k, v in pairs) if pairs else ""),
        segments.map(lambda values: path_of(rule, values)),
        query,
    )


#: Numbers the ``int`` converter lets through to the view, beyond every integer column.
HUGE_NUMBERS: tuple[str, ...] = (str(2**31), str(2**63 - 1), str(2**63), str(2**64), "9" * 30)


def hostile_examples(
    app: Flask, rule: Rule, world: World, keys: list[str]
) -> list[tuple[str, str]]:
    """The fixed (actor, URL) cases every run tries on the rule, as an actor its policy lets
    in (so the view itself meets the values): each variable in turn given every hostile value
    its converter lets through (the others real), every hostile value at least once in the
    query string under the keys the views read, and anonymous with a hostile query (the
    sign-in redirect carries it in ``next``)."""
    policy = declared_policy(app, rule) or (PUBLIC,)
    # /api/v1 lets no visitor in (no session authenticates it): anonymous then, and
    # tests/wbl/api/test_openapi_fuzz.py brings the hostile values to its views with a token.
    actor = next(
        (a for a in ACTORS if expected_answer(policy, a) in (Answer.ANY, Answer.SERVED)), ANONYMOUS
    )
    real = {name: _quoted(str(world.value(rule.endpoint, name))) for _, name in variables_of(rule)}
    texts = [_quoted(t) for t in HOSTILE_TEXT] + list(RAW_ESCAPES)
    cases: list[tuple[str, str]] = []
    for converter, name in variables_of(rule):
        for value in HUGE_NUMBERS if converter == "int" else texts:
            cases.append((actor, path_of(rule, {**real, name: value})))
    path = path_of(rule, real)
    all_keys = [*keys, *URL_FOR_KEYS]
    values = texts + list(HUGE_NUMBERS)
    for start in range(0, len(values), len(all_keys)):
        pairs = [f"{k}={values[(start + i) % len(values)]}" for i, k in enumerate(all_keys)]
        cases.append((actor, f"{path}?{'&'.join(pairs)}"))
    if actor != ANONYMOUS:
        cases.append((ANONYMOUS, f"{path}?q=%00%ff%fe&next=%0d%0a"))
    return cases
