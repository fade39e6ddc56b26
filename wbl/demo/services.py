"""Load a deterministic demo county: districts, schools, partners, offerings and people.

Why it exists: staff evaluating the app, trainers and the browser tests need a county that
looks real (3,000 students, 200+ employers in every CTE sector) without touching real
student records. Everything is generated from one ``random.Random(seed)``, so the same seed
and the same reference data give the same rows on SQLite and PostgreSQL, and a fixed "today"
(``ANCHOR``) keeps dates stable from one run to the next.

The demo's districts, schools, teachers, students (with guardians and demographics) and the
teachers' classes come in the way a real county's do: written as a OneRoster 1.1 bundle
(``wbl.demo.roster``) into a temporary folder and loaded by the roster import
(``wbl.roster.imports``), so that path runs whenever a demo county is loaded. A problem in
that import is a bug here: it raises, and nothing is saved.

For the rest it is a loader, not a use case: for speed it writes every feature's tables with
bulk ``INSERT`` statements instead of going through each feature's services (3,000 students
one by one through the ORM would take minutes, and scrypt-hashing 3,400 passwords alone much
more), and finds the rostered rows again by their ``sourcedId``. It refuses to run in
production or next to real accounts: demo rows must never mix with education records.
"""

from __future__ import annotations

import logging
import random
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from flask import current_app
from slugify import slugify
from sqlalchemy import Table, insert, select, update
from werkzeug.security import generate_password_hash

from wbl import collector
from wbl.access import Role
from wbl.auth.models import User, UserRole
from wbl.catalog.models import (
    Offering,
    OfferingStatus,
    Partner,
    PartnerContact,
    offering_outcome,
    offering_pathway,
    offering_prerequisite,
)
from wbl.county.services import write_settings
from wbl.demo import data, roster
from wbl.demo.catalog import DemoClass, add_catalog_extras, add_class_events, plan_classes
from wbl.demo.credentials import add_credentials
from wbl.demo.externships import add_externships
from wbl.demo.hours import add_fall
from wbl.demo.pathways import add_pathway_rules
from wbl.demo.perkins import add_concentrators
from wbl.demo.placements import add_applications, add_readiness
from wbl.demo.work_ready import add_work_ready
from wbl.errors import DomainError
from wbl.extensions import atomic, db
from wbl.geocoding.services import zip_info
from wbl.reference.defaults import pathway_code
from wbl.reference.models import (
    ExperienceKind,
    IndustrySector,
    Pathway,
    PogOutcome,
    PreparatoryActivity,
)
from wbl.roster.imports import import_roster
from wbl.roster.report import RosterReport
from wbl.schools.models import District, School
from wbl.seeding import seed_reference
from wbl.students.models import (
    AVAILABILITY_CHOICES,
    StudentProfile,
    Transportation,
    student_pathway,
)

log = logging.getLogger(__name__)

DEMO_PASSWORD = "wbl-demo-2026"  # noqa: S105 - the published password of the demo logins
DEMO_DOMAIN = "demo.wbl.example.org"
DEMO_COUNTY_NAME = "Sonoma County Office of Education"
DEMO_TIMEZONE = "America/Los_Angeles"

# The generator's "today" and school year. Fixed, not date.today(): the same seed must give
# the same rows whenever it runs. Insurance expiry and agreement dates are relative to it.
ANCHOR = date(2026, 11, 23)
YEAR_START = date(2026, 9, 1)
YEAR_END = date(2027, 6, 15)
SUMMER_START = date(2027, 6, 21)  # summer internships run after the last day of school
WINTER_BREAK = (date(2026, 12, 19), date(2027, 1, 3))

STUDENTS = 3000
TEACHERS = 100
PARTNERS_PER_SECTOR = 15
MIN_OFFERINGS = 800


# --------------------------------------------------------------------------- the summary

_KIND_LABELS = {
    ExperienceKind.GUEST_SPEAKER: "guest speakers",
    ExperienceKind.WORKPLACE_VISIT: "workplace visits",
    ExperienceKind.JOB_SHADOW: "job shadows",
    ExperienceKind.WORK_BASED_PROJECT: "work-based projects",
    ExperienceKind.INTERNSHIP: "internships",
}


@dataclass(frozen=True, slots=True)
class DemoLogin:
    role: str
    email: str
    note: str


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What was loaded, and how to sign in: printed by ``flask seed-demo``."""

    seed: int
    districts: int
    schools: int
    partners: int
    employer_contacts: int
    offerings: int
    offerings_by_kind: tuple[tuple[ExperienceKind, int], ...]
    students: int
    teachers: int
    staff: int
    logins: tuple[DemoLogin, ...]
    password: str = DEMO_PASSWORD

    def describe(self) -> str:
        kinds = ", ".join(f"{_KIND_LABELS[kind]} {n:,}" for kind, n in self.offerings_by_kind)
        width = max((len(login.role) for login in self.logins), default=0)
        email_width = max((len(login.email) for login in self.logins), default=0)
        lines = [
            f"Demo county loaded (seed {self.seed}).",
            f"  Districts: {self.districts}; high schools: {self.schools}",
            f"  Partners: {self.partners:,}; employer contacts: {self.employer_contacts:,}",
            f"  Offerings: {self.offerings:,} ({kinds})",
            f"  Students: {self.students:,}; teachers: {self.teachers:,}; "
            f"CTE staff (with the administrator): {self.staff:,}",
            f"Demo logins (the password of every demo account: {self.password}):",
        ]
        lines += [
            f"  {login.role:<{width}}  {login.email:<{email_width}}  {login.note}"
            for login in self.logins
        ]
        return "\n".join(lines)


# --------------------------------------------------------------------------- entry point


@atomic
def seed_demo(
    *, seed: int = 2026, if_empty: bool = False, roster_folder: Path | None = None
) -> DemoSummary | None:
    """Load the demo county in one transaction.

    Returns None when ``if_empty`` and the database already has users (the container's
    start-up script calls it that way on every boot). Raises ``DomainError`` in production,
    next to any real (non-demo) account, or when the demo is already loaded, and
    ``DemoRosterError`` when its roster does not import as planned. The roster's files go to
    a temporary folder, removed after, unless ``roster_folder`` says where to keep them.
    """
    if current_app.config.get("NAME") == "production":
        raise DomainError("The demo county cannot be loaded into a production database.")
    has_users = db.session.scalar(select(User.id).limit(1)) is not None
    if has_users and if_empty:
        return None
    if db.session.scalar(select(User.id).where(User.is_demo.is_(False)).limit(1)) is not None:
        raise DomainError(
            "This database has real user accounts; the demo loads only into an empty database."
        )
    if has_users:
        raise DomainError(
            "The demo is already loaded. Start from an empty database to load it again."
        )
    _refuse_clashes()
    with collector.paused():
        started = time.perf_counter()
        seed_reference()  # its own use case: commits the sectors, pathways and outcomes we use
        reference = _load_reference()
        # Not for secrets: a seeded generator is the point (the same seed, the same county).
        plan = _make_plan(random.Random(seed), reference)  # noqa: S311
        try:
            # The demo county names itself; a real county's administrator does (County settings).
            write_settings(
                name=DEMO_COUNTY_NAME,
                timezone=DEMO_TIMEZONE,
                base_url=current_app.config["BASE_URL"],
            )
            user_ids = _write(plan, reference)
            catalog_rng = random.Random(seed + 1)  # noqa: S311 - as above
            add_catalog_extras(catalog_rng, ANCHOR)
            classes = _plan_classes(catalog_rng, plan)
            roster_rng = random.Random(seed + 11)  # noqa: S311 - as above
            _import_roster(plan, classes, roster_rng, roster_folder)
            _write_rostered(plan, reference, user_ids)
            add_class_events(ANCHOR, DEMO_DOMAIN)
            add_readiness(random.Random(seed + 3), ANCHOR, DEMO_DOMAIN)  # noqa: S311 - as above
            add_applications(random.Random(seed + 2), ANCHOR, DEMO_DOMAIN)  # noqa: S311 - as above
            add_fall(random.Random(seed + 4), ANCHOR, DEMO_DOMAIN)  # noqa: S311 - as above
            add_work_ready(random.Random(seed + 5), ANCHOR, DEMO_DOMAIN)  # noqa: S311 - as above
            add_externships(random.Random(seed + 9), ANCHOR, DEMO_DOMAIN)  # noqa: S311 - as above
            add_credentials(random.Random(seed + 6), ANCHOR, DEMO_DOMAIN)  # noqa: S311 - as above
            add_pathway_rules()
            add_concentrators(random.Random(seed + 12), DEMO_DOMAIN)  # noqa: S311 - as above
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        summary = plan.summary(seed)
        log.info(
            "demo county loaded: seed=%s partners=%s offerings=%s students=%s in %.1f s",
            seed,
            summary.partners,
            summary.offerings,
            summary.students,
            time.perf_counter() - started,
        )
        return summary


def _refuse_clashes() -> None:
    """Districts, schools or partners with the demo's names would break unique keys midway."""
    district = db.session.scalar(
        select(District.name).where(District.name.in_([d.name for d in data.DISTRICTS])).limit(1)
    )
    school_names = [s.name for d in data.DISTRICTS for s in d.schools]
    school = db.session.scalar(select(School.name).where(School.name.in_(school_names)).limit(1))
    partner = db.session.scalar(
        select(Partner.external_id).where(Partner.external_id.like("P____")).limit(1)
    )
    clash = district or school or partner
    if clash:
        raise DomainError(f"“{clash}” already exists; the demo loads only into an empty database.")


# --------------------------------------------------------------------------- reference data


@dataclass(frozen=True, slots=True)
class _Reference:
    """The active reference rows, in staff's order, as codes (for the plan) and ids (to write)."""

    sectors: tuple[tuple[str, tuple[str, ...]], ...]  # (sector code, its pathway codes)
    pathway_names: dict[str, str]
    outcomes: tuple[str, ...]
    activities: tuple[str, ...]
    sector_ids: dict[str, int]
    pathway_ids: dict[str, int]
    outcome_ids: dict[str, int]
    activity_ids: dict[str, int]


def _load_reference() -> _Reference:
    sectors = db.session.execute(
        select(IndustrySector.id, IndustrySector.code)
        .where(IndustrySector.active.is_(True))
        .order_by(IndustrySector.position, IndustrySector.id)
    ).all()
    pathways = db.session.execute(
        select(Pathway.id, Pathway.code, Pathway.name, Pathway.sector_id)
        .where(Pathway.active.is_(True))
        .order_by(Pathway.position, Pathway.id)
    ).all()
    outcomes = db.session.execute(
        select(PogOutcome.id, PogOutcome.code)
        .where(PogOutcome.active.is_(True))
        .order_by(PogOutcome.position, PogOutcome.id)
    ).all()
    activities = db.session.execute(
        select(PreparatoryActivity.id, PreparatoryActivity.code)
        .where(PreparatoryActivity.active.is_(True))
        .order_by(PreparatoryActivity.position, PreparatoryActivity.id)
    ).all()
    by_sector: dict[int, list[str]] = {}
    for row in pathways:
        by_sector.setdefault(row.sector_id, []).append(row.code)
    return _Reference(
        sectors=tuple((s.code, tuple(by_sector.get(s.id, ()))) for s in sectors),
        pathway_names={p.code: p.name for p in pathways},
        outcomes=tuple(o.code for o in outcomes),
        activities=tuple(a.code for a in activities),
        sector_ids={s.code: s.id for s in sectors},
        pathway_ids={p.code: p.id for p in pathways},
        outcome_ids={o.code: o.id for o in outcomes},
        activity_ids={a.code: a.id for a in activities},
    )


@cache
def zip_centroid(zip_code: str) -> tuple[float, float]:
    """Latitude and longitude of a Sonoma County ZIP code's centre (cached: one look-up each)."""
    info = zip_info(zip_code)
    if info is None or info.county != "Sonoma County":
        raise ValueError(f"{zip_code} is not a Sonoma County ZIP code")
    return info.latitude, info.longitude


# --------------------------------------------------------------------------- the plan


@dataclass(slots=True)
class _User:
    email: str
    full_name: str
    roles: tuple[Role, ...]
    district: int | None = None  # index into the plan's districts
    school: int | None = None  # index into the plan's schools
    given: str = ""  # a teacher's or student's names, as the roster gives them
    family: str = ""

    @property
    def rostered(self) -> bool:
        """Teachers and students come from the roster; staff and employers do not."""
        return Role.TEACHER in self.roles or Role.STUDENT in self.roles


@dataclass(slots=True)
class _Student:
    user: int
    school: int
    pathways: tuple[str, ...]
    values: dict[str, Any]  # the whole profile, the roster's part and the demo's own
    guardian: tuple[str, str] = ("", "")  # given and family name


# The profile's columns the roster import writes; the rest of ``_Student.values`` is the
# demo's own (home, interests, travel, availability).
_ROSTERED_PROFILE = frozenset(
    {"grade", "graduation_year", "date_of_birth", "guardian_name", "guardian_email"}
)


@dataclass(slots=True)
class _Partner:
    sector: str
    business: data.BusinessType
    town: str
    values: dict[str, Any]


@dataclass(slots=True)
class _Contact:
    partner: int
    user: int
    values: dict[str, Any]


@dataclass(slots=True)
class _Offering:
    partner: int
    pathways: tuple[str, ...]
    outcomes: tuple[str, ...]
    prerequisites: tuple[str, ...]
    values: dict[str, Any]


_LOGIN_ORDER = ("Administrator", "CTE staff", "District staff", "Teacher", "Student", "Employer")


@dataclass(slots=True)
class _Plan:
    """Every row to write, with links as list indexes and reference codes (no database ids):
    the plan depends only on the seed and the reference data."""

    schools: list[tuple[int, data.SchoolData]] = field(default_factory=list)
    users: list[_User] = field(default_factory=list)
    students: list[_Student] = field(default_factory=list)
    partners: list[_Partner] = field(default_factory=list)
    contacts: list[_Contact] = field(default_factory=list)
    offerings: list[_Offering] = field(default_factory=list)
    logins: list[DemoLogin] = field(default_factory=list)
    emails: set[str] = field(default_factory=set)

    def add_user(self, user: _User) -> int:
        if user.email in self.emails:
            raise ValueError(f"duplicate demo e-mail {user.email}")
        self.emails.add(user.email)
        self.users.append(user)
        return len(self.users) - 1

    def summary(self, seed: int) -> DemoSummary:
        kinds = Counter(o.values["kind"] for o in self.offerings)
        roles = Counter(role for u in self.users for role in u.roles)
        return DemoSummary(
            seed=seed,
            districts=len(data.DISTRICTS),
            schools=len(self.schools),
            partners=len(self.partners),
            employer_contacts=len(self.contacts),
            offerings=len(self.offerings),
            offerings_by_kind=tuple((k, kinds[k]) for k in ExperienceKind if kinds[k]),
            students=len(self.students),
            teachers=roles[Role.TEACHER],
            staff=roles[Role.STAFF],
            logins=tuple(sorted(self.logins, key=lambda login: _LOGIN_ORDER.index(login.role))),
        )


def _make_plan(rng: random.Random, ref: _Reference) -> _Plan:
    plan = _Plan()
    for d_index, district in enumerate(data.DISTRICTS):
        plan.schools += [(d_index, school) for school in district.schools]
    _plan_staff(rng, plan)
    _plan_partners(rng, plan, ref)
    _plan_contacts(rng, plan)
    _plan_offerings(rng, plan, ref)
    _plan_teachers(rng, plan)
    _plan_students(rng, plan, ref)
    return plan


def _person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)


def _address_part(name: str) -> str:
    return slugify(name, separator="")


def _named_email(plan: _Plan, first: str, last: str, domain: str) -> str:
    """first.last@domain, with a number added when two people share a name."""
    base = f"{_address_part(first)}.{_address_part(last)}"
    email, n = f"{base}@{domain}", 2
    while email in plan.emails:
        email, n = f"{base}{n}@{domain}", n + 1
    return email


def _demo(name: str) -> str:
    return f"{name}@{DEMO_DOMAIN}"


def _plan_staff(rng: random.Random, plan: _Plan) -> None:
    """An administrator, the county office's CTE staff (no district), and one or two CTE
    staff per district: district staff see only their district's schools."""
    plan.add_user(_User(_demo("admin"), "Dana Whitfield", (Role.ADMIN, Role.STAFF)))
    plan.logins.append(DemoLogin("Administrator", _demo("admin"), "everything, county-wide"))
    plan.add_user(_User(_demo("staff"), "Maria Delgado", (Role.STAFF,)))
    plan.logins.append(DemoLogin("CTE staff", _demo("staff"), "county office: all districts"))
    first, last = _person(rng)
    plan.add_user(
        _User(_named_email(plan, first, last, "scoe.example.org"), f"{first} {last}", (Role.STAFF,))
    )
    for d_index, district in enumerate(data.DISTRICTS):
        if d_index == 0:
            plan.add_user(
                _User(_demo("district.staff"), "Kevin Tran", (Role.STAFF,), district=d_index)
            )
            plan.logins.append(
                DemoLogin("District staff", _demo("district.staff"), f"{district.name} only")
            )
        for _ in range(2 if d_index == 1 else 1):  # two, or one beside the demo login
            first, last = _person(rng)
            plan.add_user(
                _User(
                    _named_email(plan, first, last, district.email_domain),
                    f"{first} {last}",
                    (Role.STAFF,),
                    district=d_index,
                )
            )


def _weighted(rng: random.Random, options: Sequence[tuple[str, int]]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def _plan_partners(rng: random.Random, plan: _Plan, ref: _Reference) -> None:
    towns = [(town, weight) for town, (_, _, weight) in data.TOWNS.items()]
    names: set[str] = set()
    for sector, _pathways in ref.sectors:
        businesses = data.SECTOR_BUSINESSES.get(sector)
        if not businesses:
            continue  # a sector staff added: no demo wording for it
        for i in range(PARTNERS_PER_SECTOR):
            business = businesses[i % len(businesses)]
            town = _weighted(rng, towns)
            zips, streets, _ = data.TOWNS[town]
            for _attempt in range(100):
                prefix = town if rng.random() < 0.3 else rng.choice(data.PLACE_NAMES)
                name = f"{prefix} {rng.choice(business.suffixes)}"
                if name not in names and name not in data.REAL_NAMES:
                    break
            else:
                raise RuntimeError(f"could not find a fresh partner name in {sector}")
            names.add(name)
            zip_code = rng.choice(zips)
            lat, lon = zip_centroid(zip_code)
            slug = slugify(name)
            number = len(plan.partners) + 1
            plan.partners.append(
                _Partner(
                    sector=sector,
                    business=business,
                    town=town,
                    values={
                        "external_id": f"P{number:04d}",
                        "name": name,
                        "street_address": f"{rng.randint(10, 5999)} {rng.choice(streets)}",
                        "city": town,
                        "zip": zip_code,
                        # The ZIP's centre moved a little (under 0.01°, about half a mile),
                        # so partners in one ZIP do not sit on one map pin.
                        "latitude": round(lat + rng.uniform(-0.009, 0.009), 5),
                        "longitude": round(lon + rng.uniform(-0.009, 0.009), 5),
                        "website": f"https://www.{slug}.example.com",
                        "phone": _phone(rng),
                        "description": _partner_description(rng, name, town, business),
                        "endorses_certificate": rng.random() < 0.3,
                        "worksite_agreement_date": (
                            None
                            if rng.random() < 0.03
                            else ANCHOR - timedelta(days=rng.randint(20, 1100))
                        ),
                        "insurance_expiry": ANCHOR + timedelta(days=rng.randint(45, 420)),
                        "active": True,
                    },
                )
            )
    # A few certificates of insurance about to lapse and a few lapsed, so staff's
    # compliance warnings have something to show.
    chosen = rng.sample(range(len(plan.partners)), min(14, len(plan.partners)))
    for n, index in enumerate(chosen):
        days = rng.randint(1, 29) if n < 8 else -rng.randint(1, 90)
        plan.partners[index].values["insurance_expiry"] = ANCHOR + timedelta(days=days)


def _phone(rng: random.Random) -> str:
    """555-0100 to 555-0199: the numbers reserved for fiction."""
    return f"(707) 555-{rng.randint(100, 199):04d}"


_WHY_HOST = (
    "We host students because many of our best people started here as teenagers.",
    "Our team enjoys showing young people what the work is really like.",
    "We are growing and want local students to see a future with us.",
    "Half our staff went to Sonoma County high schools; we like giving back.",
    "We need the next generation of skilled workers, and it starts with curiosity.",
)


def _partner_description(
    rng: random.Random, name: str, town: str, business: data.BusinessType
) -> str:
    years = rng.randint(3, 60)
    return (
        f"{name} is a {town} business that {business.does}. "
        f"Family-run and local for {years} years. {rng.choice(_WHY_HOST)}"
    )


def _plan_contacts(rng: random.Random, plan: _Plan) -> None:
    """One employer contact per partner, two for some; the first is the primary contact."""
    for p_index, partner in enumerate(plan.partners):
        domain = f"{slugify(partner.values['name'])}.example.com"
        count = 2 if rng.random() < 0.3 else 1
        titles = rng.sample(data.CONTACT_TITLES, count)
        for c in range(count):
            first, last = _person(rng)
            if p_index == 0 and c == 0:
                email = _demo("employer")
                plan.logins.append(
                    DemoLogin("Employer", email, f"primary contact of {partner.values['name']}")
                )
            else:
                email = _named_email(plan, first, last, domain)
            user = plan.add_user(_User(email, f"{first} {last}", (Role.EMPLOYER,)))
            plan.contacts.append(
                _Contact(
                    partner=p_index,
                    user=user,
                    values={"job_title": titles[c], "phone": _phone(rng), "is_primary": c == 0},
                )
            )


# --------------------------------------------------------------------------- offerings

_KIND_WEIGHTS: tuple[tuple[ExperienceKind, int], ...] = (
    (ExperienceKind.GUEST_SPEAKER, 12),
    (ExperienceKind.WORKPLACE_VISIT, 13),
    (ExperienceKind.JOB_SHADOW, 25),
    (ExperienceKind.WORK_BASED_PROJECT, 15),
    (ExperienceKind.INTERNSHIP, 35),
)
_VIRTUAL_CHANCE: dict[ExperienceKind, float] = {
    ExperienceKind.GUEST_SPEAKER: 0.25,
    ExperienceKind.WORKPLACE_VISIT: 0.0,
    ExperienceKind.JOB_SHADOW: 0.03,
    ExperienceKind.WORK_BASED_PROJECT: 0.15,
    ExperienceKind.INTERNSHIP: 0.05,
}
_STATUS_WEIGHTS: tuple[tuple[OfferingStatus, int], ...] = (
    (OfferingStatus.PUBLISHED, 80),
    (OfferingStatus.PENDING, 7),
    (OfferingStatus.DRAFT, 6),
    (OfferingStatus.CLOSED, 7),
)
_GENERIC_SKILLS = ("professional communication", "punctuality", "teamwork", "problem solving")


def _article(phrase: str) -> str:
    """'a' or 'an', by sound: 'an EMT', 'an HVAC technician', 'a UX designer'."""
    word = phrase.split()[0]
    if word.isupper() and len(word) > 1:
        return "an" if word[0] in "AEFHILMNORSX" else "a"
    return "an" if word[0].lower() in "aeiou" else "a"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _school_day(day: date) -> date:
    """The next weekday outside the winter break, on or after ``day``."""
    if WINTER_BREAK[0] <= day <= WINTER_BREAK[1]:
        day = WINTER_BREAK[1] + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _random_day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max((last - first).days, 0)))


def _plan_offerings(rng: random.Random, plan: _Plan, ref: _Reference) -> None:
    sector_pathways = dict(ref.sectors)
    counts = [rng.choice((3, 3, 4, 4, 4, 5)) for _ in plan.partners]
    index = 0
    while plan.partners and sum(counts) < MIN_OFFERINGS:  # a top-up for unlucky seeds
        counts[index % len(counts)] += 1
        index += 1
    kinds = [k for k, _ in _KIND_WEIGHTS]
    kind_weights = [w for _, w in _KIND_WEIGHTS]
    for p_index, (partner, count) in enumerate(zip(plan.partners, counts, strict=True)):
        titles: set[str] = set()
        for kind in rng.choices(kinds, weights=kind_weights, k=count):
            offering = _plan_offering(
                rng, plan, p_index, partner, kind, titles, sector_pathways[partner.sector], ref
            )
            plan.offerings.append(offering)
    for number, offering in enumerate(plan.offerings, start=1):
        offering.values["external_id"] = f"O{number:05d}"


def _plan_offering(
    rng: random.Random,
    plan: _Plan,
    p_index: int,
    partner: _Partner,
    kind: ExperienceKind,
    titles: set[str],
    sector_pathways: tuple[str, ...],
    ref: _Reference,
) -> _Offering:
    business = partner.business
    name = partner.values["name"]
    status = _weighted(rng, [(s.value, w) for s, w in _STATUS_WEIGHTS])
    closed = status == OfferingStatus.CLOSED
    virtual = rng.random() < _VIRTUAL_CHANCE[kind]
    summer = kind == ExperienceKind.INTERNSHIP and not closed and rng.random() < 0.3
    paid = kind == ExperienceKind.INTERNSHIP and rng.random() < 0.4
    role = rng.choice(business.roles)
    minimum_age: int | None = None
    min_grade: int | None = None

    if kind in (ExperienceKind.GUEST_SPEAKER, ExperienceKind.WORKPLACE_VISIT):
        capacity, days = rng.randint(20, 40), 1
        hours = 1 if kind == ExperienceKind.GUEST_SPEAKER else rng.choice((2, 3, 4))
        lead = rng.randint(7, 30)
    elif kind == ExperienceKind.JOB_SHADOW:
        capacity, days = rng.randint(1, 4), rng.choice((1, 1, 1, 2, 3))
        hours = min(days * rng.choice((4, 6, 8)), 24)
        lead = rng.randint(10, 28)
    elif kind == ExperienceKind.WORK_BASED_PROJECT:
        capacity, days = rng.randint(2, 6), rng.randint(4, 10) * 7 - 3
        hours = rng.randint(10, 40)
        lead = rng.randint(14, 30)
        min_grade = 10 if rng.random() < 0.3 else None
    else:
        weeks = rng.randint(6, 8) if summer else rng.randint(6, 16)
        per_week = rng.randint(20, 30) if summer else rng.randint(4, 12)
        capacity, days = rng.randint(1, 3), weeks * 7 - 3
        hours = max(40, min(250, round(weeks * per_week / 5) * 5))
        lead = rng.randint(21, 45)
        min_grade = 11
        minimum_age = 16 if rng.random() < 0.6 else None

    if summer:
        start = _school_day(_random_day(rng, SUMMER_START, SUMMER_START + timedelta(days=14)))
    elif closed:
        start = _school_day(_random_day(rng, YEAR_START, ANCHOR - timedelta(days=14)))
    else:
        last = YEAR_END - timedelta(days=days)
        start = _school_day(_random_day(rng, ANCHOR + timedelta(days=14), last))
    if kind == ExperienceKind.JOB_SHADOW and days > 1 and start.weekday() + days > 5:
        start += timedelta(days=7 - start.weekday())  # a multi-day shadow starts on a Monday
    end = start + timedelta(days=days - 1)
    deadline = start - timedelta(days=lead)
    if not closed and deadline <= ANCHOR:
        # Open offerings still take applications: the deadline is between now and the start.
        deadline = ANCHOR + timedelta(days=rng.randint(3, max((start - ANCHOR).days - 1, 3)))

    title = _offering_title(rng, kind, role, business, partner.town, paid, summer, titles)
    titles.add(title)
    skills = rng.sample(business.skills, min(3, len(business.skills)))
    if rng.random() < 0.5:
        skills.append(rng.choice(_GENERIC_SKILLS))
    values: dict[str, Any] = {
        "partner_id": None,  # filled in when the partner's id is known
        "kind": kind,
        "title": title,
        "description": _offering_description(
            rng, kind, role, name, business, partner.town, hours, days, paid, virtual
        ),
        "skills": ", ".join(skills),
        "location": "Online"
        if virtual
        else f"{partner.values['street_address']}, {partner.values['city']}",
        "zip": "" if virtual else partner.values["zip"],
        "latitude": None if virtual else partner.values["latitude"],
        "longitude": None if virtual else partner.values["longitude"],
        "is_virtual": virtual,
        "capacity": capacity,
        "seats_taken": 0,  # placements come later, through the placement services
        "start_date": start,
        "end_date": end,
        "application_deadline": deadline,
        "minimum_age": minimum_age,
        "min_grade": min_grade,
        "paid": paid,
        "expected_hours": hours,
        "status": OfferingStatus(status),
    }
    return _Offering(
        partner=p_index,
        pathways=_offering_pathways(rng, business, partner.sector, sector_pathways),
        outcomes=tuple(rng.sample(ref.outcomes, min(rng.randint(1, 3), len(ref.outcomes)))),
        prerequisites=_prerequisites(rng, kind, ref.activities),
        values=values,
    )


def _offering_title(
    rng: random.Random,
    kind: ExperienceKind,
    role: str,
    business: data.BusinessType,
    town: str,
    paid: bool,
    summer: bool,
    taken: set[str],
) -> str:
    a_role = f"{_article(role)} {role}"
    options: list[str]
    if kind == ExperienceKind.GUEST_SPEAKER:
        options = [
            f"Guest speaker: a day in the life of {a_role}",
            f"Career talk: becoming {a_role}",
            f"Classroom visit from {a_role}",
            f"Ask {a_role}: what the job is really like",
        ]
    elif kind == ExperienceKind.WORKPLACE_VISIT:
        options = [
            f"Workplace visit: behind the scenes at our {business.facility}",
            f"Class tour of our {business.facility} in {town}",
            f"Workplace visit: how {a_role} spends the day",
        ]
    elif kind == ExperienceKind.JOB_SHADOW:
        options = [
            f"Job shadow: {role}",
            f"Shadow {a_role} for a day",
            f"Job shadow — {role} ({town})",
        ]
    elif kind == ExperienceKind.WORK_BASED_PROJECT:
        options = list(business.projects) + [
            f"Team project: {p[:1].lower()}{p[1:]}" for p in business.projects
        ]
    else:
        label = "Paid internship" if paid else "Internship"
        if summer:
            label = f"Summer {label.lower()}"
        note = ", ".join(n for n, on in (("summer", summer), ("paid", paid)) if on)
        options = [
            f"{label} — {role}",
            f"{label}: {role} trainee",
            f"{_cap(role)} internship" + (f" ({note})" if note else ""),
        ]
    fresh = [o for o in options if o not in taken]
    title = rng.choice(fresh or options)
    n = 2
    while title in taken:  # the same partner already offers it: number the second one
        title, n = f"{title.rsplit(' (#', 1)[0]} (#{n})", n + 1
    return title


def _offering_description(
    rng: random.Random,
    kind: ExperienceKind,
    role: str,
    name: str,
    business: data.BusinessType,
    town: str,
    hours: int,
    days: int,
    paid: bool,
    virtual: bool,
) -> str:
    about = f"{name} {business.does}."
    if kind == ExperienceKind.GUEST_SPEAKER:
        where = "joins your class by video" if virtual else "visits your class"
        return (
            f"{_cap(_article(role))} {role} from {name} {where} to talk about the work, "
            f"the training it takes and how they got started. {about} Teachers pick a date "
            "with the speaker; students bring questions."
        )
    if kind == ExperienceKind.WORKPLACE_VISIT:
        return (
            f"Bring a class to our {business.facility} in {town}. {about} Students see "
            f"how the team works, meet people in different roles and ask questions. "
            f"About {hours} hours; closed-toe shoes, please."
        )
    if kind == ExperienceKind.JOB_SHADOW:
        span = "a day" if days == 1 else f"{days} days"
        return (
            f"Spend {span} with {_article(role)} {role} at {name}. {about} You will "
            "watch real work, ask questions and try a few tasks under supervision."
        )
    if kind == ExperienceKind.WORK_BASED_PROJECT:
        weeks = (days + 3) // 7
        return (
            f"{about} Over about {weeks} weeks a small team of students takes on a real "
            f"problem we face, tied to their coursework, with a mentor who checks in "
            f"weekly{' by video' if virtual else ''}. Teams present their work to our "
            "staff at the end."
        )
    weeks = (days + 3) // 7
    pay = "A paid" if paid else "An unpaid"
    learn = _join(rng.sample(business.skills, min(2, len(business.skills))))
    when = " this summer" if hours / max(weeks, 1) > 15 else ""
    return (
        f"{pay} internship of about {hours} hours over {weeks} weeks{when}, working alongside "
        f"{_article(role)} {role}. {about} Interns learn {learn}, with a named "
        "supervisor and a mid-point check-in with their teacher."
    )


def _offering_pathways(
    rng: random.Random, business: data.BusinessType, sector: str, sector_pathways: tuple[str, ...]
) -> tuple[str, ...]:
    """1–3 pathways of the partner's sector, led by the ones its kind of business fits."""
    if not sector_pathways:
        return ()
    fitting = [
        c for c in (pathway_code(sector, p) for p in business.pathways) if c in sector_pathways
    ] or list(sector_pathways)
    wanted = rng.choice((1, 1, 2, 2, 3))
    chosen = rng.sample(fitting, min(wanted, len(fitting)))
    others = [c for c in sector_pathways if c not in chosen]
    if len(chosen) < wanted and others and rng.random() < 0.5:
        chosen += rng.sample(others, min(wanted - len(chosen), len(others)))
    return tuple(chosen)


def _prerequisites(
    rng: random.Random, kind: ExperienceKind, activities: tuple[str, ...]
) -> tuple[str, ...]:
    """Preparation-stage experiences want the preparatory activities done first (the SCOE
    continuum): most internships ask for some, a few projects and shadows one."""
    if not activities:
        return ()
    if kind == ExperienceKind.INTERNSHIP and rng.random() < 0.85:
        return tuple(rng.sample(activities, min(rng.randint(1, 3), len(activities))))
    if kind == ExperienceKind.WORK_BASED_PROJECT and rng.random() < 0.3:
        return (rng.choice(activities),)
    if kind == ExperienceKind.JOB_SHADOW and rng.random() < 0.15:
        return (activities[0],)
    return ()


# --------------------------------------------------------------------------- people


def _plan_teachers(rng: random.Random, plan: _Plan) -> None:
    """Every school gets a teacher first, then the rest follow enrollment."""
    weights = [school.enrollment for _, school in plan.schools]
    for t in range(TEACHERS):
        s_index = (
            t
            if t < len(plan.schools)
            else rng.choices(range(len(plan.schools)), weights=weights)[0]
        )
        d_index, school = plan.schools[s_index]
        first, last = _person(rng)
        if t == 0:
            email = _demo("teacher")
            plan.logins.append(DemoLogin("Teacher", email, school.name))
        else:
            email = _named_email(plan, first, last, data.DISTRICTS[d_index].email_domain)
        plan.add_user(
            _User(email, f"{first} {last}", (Role.TEACHER,), d_index, s_index, first, last)
        )


_TRANSPORT_YOUNG = (
    (Transportation.RIDE, 50),
    (Transportation.TRANSIT, 25),
    (Transportation.WALK_BIKE, 15),
    (Transportation.NONE, 8),
    (Transportation.CAR, 2),
)
_TRANSPORT_OLDER = (
    (Transportation.RIDE, 35),
    (Transportation.CAR, 30),
    (Transportation.TRANSIT, 20),
    (Transportation.WALK_BIKE, 10),
    (Transportation.NONE, 5),
)
_AVAILABILITY_CHANCE = {"school_day": 0.3, "after_school": 0.7, "weekends": 0.4, "summer": 0.6}


def _birth_window(grade: int) -> tuple[date, date]:
    """California's kindergarten cut-off (5 by September 1): in 2026-27 a student in grade g
    was born between Sept 2 of (2026 - g - 6) and Sept 1 of (2026 - g - 5), so students are
    14 to 18 during the year."""
    return date(2026 - grade - 6, 9, 2), date(2026 - grade - 5, 9, 1)


def _plan_students(rng: random.Random, plan: _Plan, ref: _Reference) -> None:
    weights = [school.enrollment for _, school in plan.schools]
    sectors = [(code, data.SECTOR_POPULARITY.get(code, 3)) for code, paths in ref.sectors if paths]
    sector_pathways = dict(ref.sectors)
    numbers = rng.sample(range(1000, 10000), STUDENTS)
    for i in range(STUDENTS):
        if i == 0:
            _plan_demo_student(plan, ref)
            continue
        s_index = rng.choices(range(len(plan.schools)), weights=weights)[0]
        d_index, school = plan.schools[s_index]
        first, last = _person(rng)
        grade = rng.choices((9, 10, 11, 12), weights=(26, 25, 25, 24))[0]
        born = _random_day(rng, *_birth_window(grade))
        home_zip = _weighted(rng, school.home_zips)
        lat, lon = zip_centroid(home_zip)
        transport = _weighted(
            rng, [(t.value, w) for t, w in (_TRANSPORT_OLDER if grade >= 11 else _TRANSPORT_YOUNG)]
        )
        travel = rng.choice((15, 20, 25, 30) if transport == "car" else (5, 10, 10, 15, 15, 20))
        pathways = _student_pathways(rng, sectors, sector_pathways)
        availability = [k for k in AVAILABILITY_CHOICES if rng.random() < _AVAILABILITY_CHANCE[k]]
        g_first = rng.choice(data.FIRST_NAMES)
        g_last = last if rng.random() < 0.8 else rng.choice(data.LAST_NAMES)
        email = (
            f"{_address_part(first)}.{_address_part(last)}.{numbers[i]:04d}@students.example.org"
        )
        user = plan.add_user(
            _User(email, f"{first} {last}", (Role.STUDENT,), d_index, s_index, first, last)
        )
        plan.students.append(
            _Student(
                user=user,
                school=s_index,
                pathways=pathways,
                values={
                    "grade": grade,
                    "graduation_year": 2027 + 12 - grade,
                    "date_of_birth": born,
                    "home_zip": home_zip,
                    "home_latitude": lat,
                    "home_longitude": lon,
                    "max_travel_miles": travel,
                    "transportation": Transportation(transport),
                    "interests": _interests(rng, pathways, ref),
                    "availability": availability or ["after_school"],
                    "guardian_name": f"{g_first} {g_last}",
                    "guardian_email": (
                        f"{_address_part(g_first)}.{_address_part(g_last)}{rng.randint(1, 99)}"
                        "@example.net"
                    ),
                },
                guardian=(g_first, g_last),
            )
        )


def _student_pathways(
    rng: random.Random,
    sectors: Sequence[tuple[str, int]],
    sector_pathways: dict[str, tuple[str, ...]],
) -> tuple[str, ...]:
    """1–3 pathways, mostly in one sector (a cohort), sometimes one from a second sector."""
    if not sectors:
        return ()
    main = _weighted(rng, sectors)
    wanted = rng.choice((1, 2, 2, 3))
    pool = sector_pathways[main]
    chosen = rng.sample(pool, min(wanted, len(pool)))
    if len(chosen) > 1 and rng.random() < 0.25:
        other = sector_pathways[_weighted(rng, sectors)]
        extra = [c for c in other if c not in chosen]
        if extra:
            chosen[-1] = rng.choice(extra)
    return tuple(chosen)


def _join(items: Sequence[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _interests(rng: random.Random, pathways: tuple[str, ...], ref: _Reference) -> str:
    names = [ref.pathway_names[c] for c in pathways]
    phrases: list[str] = []
    for code in dict.fromkeys(c.split(".", 1)[0] for c in pathways):
        phrases += data.SECTOR_INTERESTS.get(code, ())
    picked = rng.sample(phrases, min(2, len(phrases))) or ["learning new things"]
    if len(picked) == 1:
        picked.append("learning new things")
    template = rng.randrange(4)
    if template == 0:
        return f"I'm interested in {_join(names)}. I like {picked[0]} and {picked[1]}."
    if template == 1:
        return f"I like {picked[0]} and I want to learn more about {picked[1]}."
    if template == 2:
        return f"Curious about {_join(names)}. I enjoy {picked[0]}, and {picked[1]} too."
    return (
        f"Someday I'd like to work in {names[0] if names else 'a field I love'}. "
        f"I'm into {picked[0]} and {picked[1]}."
    )


def _plan_demo_student(plan: _Plan, ref: _Reference) -> None:
    """The documented demo student: grade 11, 16 years old on ``ANCHOR``, first school, in two
    Health Science pathways, so internships (grade 11, age 16) are open to them."""
    d_index, school = plan.schools[0]
    wanted = (pathway_code("health", "Patient Care"), pathway_code("health", "Biotechnology"))
    health = dict(ref.sectors).get("health", ())
    pathways = tuple(c for c in wanted if c in ref.pathway_ids) or health[:2]
    lat, lon = zip_centroid("95404")
    email = _demo("student")
    user = plan.add_user(_User(email, "Ana Reyes", (Role.STUDENT,), d_index, 0, "Ana", "Reyes"))
    plan.logins.append(DemoLogin("Student", email, f"grade 11, age 16, {school.name}"))
    plan.students.append(
        _Student(
            user=user,
            school=0,
            pathways=pathways,
            values={
                "grade": 11,
                "graduation_year": 2028,
                "date_of_birth": date(2010, 3, 14),
                "home_zip": "95404",
                "home_latitude": lat,
                "home_longitude": lon,
                "max_travel_miles": 15,
                "transportation": Transportation.TRANSIT,
                "interests": (
                    "I want to become a nurse. I like helping people feel better and I'm "
                    "curious how labs test samples; I volunteer at a senior center on weekends."
                ),
                "availability": ["after_school", "summer"],
                "guardian_name": "Lucia Reyes",
                "guardian_email": "lucia.reyes@example.net",
            },
            guardian=("Lucia", "Reyes"),
        )
    )


# --------------------------------------------------------------------------- writing


def _insert_ids(model: type[Any], rows: list[dict[str, Any]]) -> list[int]:
    """Bulk INSERT returning the new ids in the order of ``rows`` (SQLite 3.35+, PostgreSQL)."""
    if not rows:
        return []
    result = db.session.execute(
        insert(model).returning(model.id, sort_by_parameter_order=True), rows
    )
    return list(result.scalars())


def _insert(target: type[Any] | Table, rows: Iterable[dict[str, Any]]) -> None:
    batch = list(rows)
    if batch:
        db.session.execute(insert(target), batch)


def _write(plan: _Plan, ref: _Reference) -> list[int | None]:
    """Partners, staff, employers and offerings: everything before the roster. Returns the
    new users' ids by plan index (None for the rostered, not written yet). Staff and employers
    come first in the plan, so every account keeps the id it has always had."""
    partner_ids = _insert_ids(
        Partner, [{**p.values, "sector_id": ref.sector_ids[p.sector]} for p in plan.partners]
    )
    # One scrypt hash for everyone: hashing 3,400 passwords would take minutes.
    own = [i for i, u in enumerate(plan.users) if not u.rostered]
    new_ids = _insert_ids(
        User,
        [
            {
                "email": plan.users[i].email,
                "full_name": plan.users[i].full_name,
                "password_hash": _password_hash(),
                "active": True,
                "is_demo": True,
            }
            for i in own
        ],
    )
    user_ids: list[int | None] = [None] * len(plan.users)
    for i, user_id in zip(own, new_ids, strict=True):
        user_ids[i] = user_id
    _insert(
        UserRole,
        ({"user_id": user_ids[i], "role": role} for i in own for role in plan.users[i].roles),
    )
    _insert(
        PartnerContact,
        (
            {**c.values, "partner_id": partner_ids[c.partner], "user_id": user_ids[c.user]}
            for c in plan.contacts
        ),
    )
    offering_ids = _insert_ids(
        Offering,
        [{**o.values, "partner_id": partner_ids[o.partner]} for o in plan.offerings],
    )
    pairs = list(zip(offering_ids, plan.offerings, strict=True))
    _insert(
        offering_pathway,
        (
            {"offering_id": i, "pathway_id": ref.pathway_ids[c]}
            for i, o in pairs
            for c in o.pathways
        ),
    )
    _insert(
        offering_outcome,
        (
            {"offering_id": i, "outcome_id": ref.outcome_ids[c]}
            for i, o in pairs
            for c in o.outcomes
        ),
    )
    _insert(
        offering_prerequisite,
        (
            {"offering_id": i, "activity_id": ref.activity_ids[c]}
            for i, o in pairs
            for c in o.prerequisites
        ),
    )
    return user_ids


@cache
def _password_hash() -> str:
    return generate_password_hash(DEMO_PASSWORD, method="scrypt")


def _teachers(plan: _Plan) -> list[int]:
    """The teachers' plan indexes, in the plan's (and the roster's) order."""
    return [i for i, u in enumerate(plan.users) if Role.TEACHER in u.roles]


def _plan_classes(rng: random.Random, plan: _Plan) -> list[DemoClass]:
    """The teachers' classes; the demo student is in the demo teacher's first class."""
    teachers = [plan.users[i].school for i in _teachers(plan)]
    classes = plan_classes(
        rng, [s for s in teachers if s is not None], [s.school for s in plan.students]
    )
    if classes and 0 not in classes[0].students:  # teacher 0 and student 0 are the demo's
        classes[0] = replace(classes[0], students=(0, *classes[0].students))
    return classes


def _import_roster(
    plan: _Plan, classes: list[DemoClass], rng: random.Random, keep: Path | None
) -> None:
    """Write the roster and load it through the roster import, in this transaction. Any
    problem, anything left out, or a count other than planned raises.

    A temporary folder, not the instance folder: the files are made again from the seed on
    every load, and 3,000 made-up students' records left lying about are better not left."""

    def person(user: _User) -> roster.RosterPerson:
        if user.school is None:
            raise ValueError(f"{user.email} has no school")
        return roster.RosterPerson(user.given, user.family, user.email, user.school)

    students = []
    for student in plan.students:
        user = plan.users[student.user]
        values = student.values
        students.append(
            roster.RosterStudent(
                person(user),
                values["grade"],
                values["date_of_birth"],
                roster.RosterPerson(*student.guardian, values["guardian_email"], student.school),
            )
        )
    teachers = [person(plan.users[i]) for i in _teachers(plan)]
    with tempfile.TemporaryDirectory(prefix="wbl-demo-roster-") as temporary:
        folder = keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        roster.write_bundle(
            folder,
            county=DEMO_COUNTY_NAME,
            year=roster.SchoolYear(YEAR_START, YEAR_END),
            schools=plan.schools,
            teachers=teachers,
            students=students,
            classes=classes,
            rng=rng,
        )
        report = import_roster(folder, dry_run=False, commit=False)
    expected = {
        "orgs": len(data.DISTRICTS) + len(plan.schools),
        "users": len(teachers) + len(students),
        "guardians": len(students),
        "classes": len(classes),
        "enrollments": sum(len(c.students) for c in classes),
    }
    wrong = [
        f"{name}: {report.counts[name].created} created, {n} planned"
        for name, n in expected.items()
        if report.counts[name].created != n
    ]
    if report.problems or report.notes or wrong:
        raise DemoRosterError(report, wrong)


class DemoRosterError(RuntimeError):
    """The demo's own roster did not import as planned: a bug in the demo or in the import."""

    def __init__(self, report: RosterReport, wrong: list[str]) -> None:
        lines = [str(p) for p in report.problems[:20]] + report.notes + wrong
        super().__init__("The demo county's roster did not import:\n  " + "\n  ".join(lines))


def _write_rostered(plan: _Plan, ref: _Reference, user_ids: list[int | None]) -> None:
    """The demo's own columns of the rostered rows, found by their sourcedId: schools' towns
    and map positions, the demo flag and password of teachers and students, students' homes,
    interests and pathways; and district staff's district, now that the districts exist."""
    districts = dict(
        db.session.execute(
            select(District.sourced_id, District.id).where(District.sourced_id.like("demo-%"))
        ).all()
    )
    schools = dict(
        db.session.execute(
            select(School.sourced_id, School.id).where(School.sourced_id.like("demo-%"))
        ).all()
    )
    db.session.execute(
        update(School),
        [
            {
                "id": schools[roster.school_key(i)],
                "city": s.city,
                "zip": s.zip,
                "latitude": s.latitude,
                "longitude": s.longitude,
            }
            for i, (_, s) in enumerate(plan.schools)
        ],
    )
    staff = [
        {"id": user_ids[i], "district_id": districts[roster.district_key(u.district)]}
        for i, u in enumerate(plan.users)
        if not u.rostered and u.district is not None
    ]
    if staff:
        db.session.execute(update(User), staff)
    db.session.execute(
        update(User)
        .where(User.sourced_id.like("demo-%"))
        .values(password_hash=_password_hash(), is_demo=True)
        .execution_options(synchronize_session=False)
    )
    profiles = dict(
        db.session.execute(
            select(User.sourced_id, StudentProfile.id)
            .join(StudentProfile, StudentProfile.user_id == User.id)
            .where(User.sourced_id.like("demo-%"))
        ).all()
    )
    profile_ids = [profiles[roster.student_key(i)] for i in range(len(plan.students))]
    db.session.execute(
        update(StudentProfile),
        [
            {"id": profile_id, **{k: v for k, v in s.values.items() if k not in _ROSTERED_PROFILE}}
            for profile_id, s in zip(profile_ids, plan.students, strict=True)
        ],
    )
    _insert(
        student_pathway,
        (
            {"student_id": profile_id, "pathway_id": ref.pathway_ids[code]}
            for profile_id, s in zip(profile_ids, plan.students, strict=True)
            for code in s.pathways
        ),
    )


def existing_demo_logins() -> list[tuple[str, str]]:
    """The demo's sign-in accounts in this database, as (role, e-mail): ``make run`` prints them
    on every start, not only on the first one that loaded the demo."""
    users = db.session.scalars(
        select(User)
        .where(User.is_demo.is_(True), User.email.like(f"%@{DEMO_DOMAIN}"))
        .order_by(User.id)
    ).all()
    return [(user.primary_role.label, user.email) for user in users]
