"""Browsing and searching the published catalog: who sees what, filters, text, distance, sort.

Why it is built this way: the catalog page must answer in a constant number of SQL
statements and in about the same time whatever the size of the catalog (the demo county has
850 offerings; a real one a few thousand; issue 17 asks for at most 1.3 times the time at ten
times the catalog). So the database filters, sorts and pages: the words of the search through
its full-text index (``wbl/catalog/fulltext.py``: stemmed, so "nurse" finds "nursing"), a
distance limit as a latitude/longitude box and then the haversine distance (plain arithmetic
settles all but the rows near the circle), "nearest first" by a flat-earth approximation
within a foot at ten miles, the relevance as a sum of weights in SQL. The page's offering ids
come first: "soonest first" reads ``ix_offering_catalog`` in order and stops after the page;
"nearest first" reads growing boxes around the origin through the latitude/longitude indexes
and stops at the first box that fills the page; a word search counts its matches in the same
statement. Every other count stops at ``COUNT_BOUND`` ("more than 1,000"), so no page reads
the whole catalog. The twenty offerings of the page are then loaded in one query with their
partner, sector, pathways and outcomes; their distances for display are computed in Python
(``matching.geo``) from the loaded rows.

What students and teachers may see (the "visible catalog"): published offerings of active
partners that are not over; and for individual placements (job shadows, projects,
internships) only partners whose worksite agreement and liability insurance are current
today, the same rule as ``Partner.compliance_problems`` (DOMAIN.md, safety and compliance).
A class event (guest speaker, workplace visit) does not place a student at the worksite
alone, so it stays visible while the partner renews its paperwork.

By default the search lists only what still takes applications: no deadline, or a deadline
of today or later (a full offering still does: its applicants join the waitlist). Sorted by
start date, offerings whose deadline had passed would otherwise fill the first page, as they
start soonest; ``include_closed`` brings them back, marked "Applications closed".
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    func,
    intersect,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import Subquery
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.operators import custom_op

from matching.geo import EARTH_RADIUS_MILES, haversine_miles
from wbl.access import Role
from wbl.auth.models import User
from wbl.catalog.fulltext import WordMatch, word_match, word_tokens
from wbl.catalog.models import (
    INDIVIDUAL_KINDS,
    Offering,
    OfferingStatus,
    Partner,
    offering_outcome,
    offering_pathway,
)
from wbl.extensions import db
from wbl.geocoding.services import zip_centroid
from wbl.pagination import MAX_PAGE, PageInfo
from wbl.reference.models import ExperienceKind, IndustrySector, Pathway, PogOutcome
from wbl.students.queries import profile_for_user

PER_PAGE = 20
MAX_TERMS = 8
DISTANCE_CHOICES = (5, 10, 25, 50)


class Sort(enum.StrEnum):
    RELEVANCE = "relevance"
    DISTANCE = "distance"
    DATE = "date"
    NEWEST = "newest"

    @property
    def label(self) -> str:
        return str(SORT_LABELS[self.value])


#: Each order's name, in the reader's language when shown (the filter form's choices too).
SORT_LABELS = {
    "relevance": _l("Best match"),
    "distance": _l("Nearest first"),
    "date": _l("Starting soonest"),
    "newest": _l("Newest first"),
}


@dataclass(frozen=True, slots=True)
class CatalogFilters:
    """What the student asked for; every field optional (the empty filter lists it all)."""

    q: str = ""
    kinds: frozenset[ExperienceKind] = frozenset()
    sector_id: int | None = None
    pathway_id: int | None = None
    outcome_id: int | None = None
    within_miles: int | None = None
    starts_after: date | None = None
    starts_before: date | None = None
    virtual: bool | None = None
    paid: bool | None = None
    sort: Sort | None = None  # None: best match with words, else soonest
    include_closed: bool = False  # also those whose application deadline has passed
    page: int = 1

    @property
    def terms(self) -> list[str]:
        return search_terms(self.q)

    @property
    def effective_sort(self) -> Sort:
        if self.sort is None or (self.sort is Sort.RELEVANCE and not self.terms):
            return Sort.RELEVANCE if self.terms else Sort.DATE
        return self.sort


@dataclass(frozen=True, slots=True)
class Origin:
    """Where distances are measured from, and how to say so ("your home ZIP")."""

    latitude: float
    longitude: float
    label: str


@dataclass(frozen=True, slots=True)
class CatalogHit:
    offering: Offering
    miles: float | None  # None: virtual, or no origin, or the place is unknown


@dataclass(frozen=True, slots=True)
class CatalogPage:
    hits: list[CatalogHit]
    page: PageInfo
    sort: Sort
    origin: Origin | None
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.page.total

    @property
    def more(self) -> bool:
        """``total`` is a lower bound: the count stopped there."""
        return self.page.more


# --- Terms and patterns ---------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s,;]+")
_EDGE_PUNCTUATION = "\"'“”‘’()[]{}.:!?"


def search_terms(q: str) -> list[str]:
    """The words of a search, lower-cased: at most eight, one-letter words and words without
    a letter or digit ignored, each once, in the order typed."""
    seen: list[str] = []
    for chunk in _SEPARATORS.split((q or "").lower()):
        word = chunk.strip(_EDGE_PUNCTUATION)
        if len(word) > 1 and word not in seen and word_tokens(word):
            seen.append(word)
        if len(seen) == MAX_TERMS:
            break
    return seen


# --- The visible catalog --------------------------------------------------------------------


def partner_compliant(today: date) -> ColumnElement[bool]:
    """SQL for ``not Partner.compliance_problems(today)``."""
    return and_(
        Partner.worksite_agreement_date.is_not(None),
        Partner.worksite_agreement_date <= today,
        or_(
            Partner.worksite_agreement_expiry.is_(None), Partner.worksite_agreement_expiry >= today
        ),
        Partner.insurance_expiry.is_not(None),
        Partner.insurance_expiry >= today,
    )


def visible_conditions(today: date) -> list[ColumnElement[bool]]:
    """Published, active partner, not over, and a compliant partner for individual kinds.
    Callers join ``Partner``."""
    not_over = or_(
        Offering.end_date >= today,
        and_(
            Offering.end_date.is_(None),
            or_(Offering.start_date.is_(None), Offering.start_date >= today),
        ),
    )
    return [
        Offering.status == OfferingStatus.PUBLISHED,
        Partner.active.is_(True),
        not_over,
        or_(Offering.kind.not_in(sorted(INDIVIDUAL_KINDS)), partner_compliant(today)),
    ]


def taking_applications(today: date) -> ColumnElement[bool]:
    """No application deadline, or one that has not passed (it passes at the end of its day)."""
    return or_(Offering.application_deadline.is_(None), Offering.application_deadline >= today)


def _filtered(
    columns: Sequence[Any],
    filters: CatalogFilters,
    today: date,
    words: Sequence[WordMatch],
    near: Subquery | None = None,
) -> Select[Any]:
    """The visible catalog with the filters; ``near``: only these ids (a box around the
    origin, ``_near_ids``), read first, as the words' ids are."""
    query = select(*columns)
    found: Subquery | None = near
    if words:  # the few offerings that have every word, read first, by id
        if len(words) == 1:
            found = words[0].found.subquery("found")
        else:  # SQLite takes no parenthesised UNION inside the INTERSECT: one subquery each
            found = intersect(*(select(word.found.subquery().c.id) for word in words)).subquery(
                "found"
            )
    if found is not None:
        query = query.select_from(found).join(Offering, Offering.id == found.c.id)
        if near is not None and words:
            query = query.where(Offering.id.in_(select(near.c.id)))
    else:
        query = query.select_from(Offering)
    conditions = visible_conditions(today)
    kind: ColumnElement[Any] = Offering.__table__.c.kind
    if found is not None and db.session.get_bind().dialect.name == "sqlite":
        # SQLite has no statistics (no ANALYZE) and would read every published offering
        # through the status index (every offering of the types asked for through the kind
        # index), looking each up among the few found: "+" keeps those indexes out, so it
        # reads the found ones by id (a hundredth of the time at 8,520).
        conditions[0] = UnaryExpression(Offering.__table__.c.status, operator=custom_op("+")) == (
            OfferingStatus.PUBLISHED
        )
        kind = UnaryExpression(kind, operator=custom_op("+"), type_=kind.type)
    query = query.join(Partner, Partner.id == Offering.partner_id).where(*conditions)
    if not filters.include_closed:
        query = query.where(taking_applications(today))
    if filters.kinds:
        query = query.where(kind.in_(sorted(filters.kinds)))
    if filters.sector_id is not None:
        query = query.where(Partner.sector_id == filters.sector_id)
    if filters.pathway_id is not None:
        query = query.where(
            exists().where(
                offering_pathway.c.offering_id == Offering.id,
                offering_pathway.c.pathway_id == filters.pathway_id,
            )
        )
    if filters.outcome_id is not None:
        query = query.where(
            exists().where(
                offering_outcome.c.offering_id == Offering.id,
                offering_outcome.c.outcome_id == filters.outcome_id,
            )
        )
    if filters.starts_after is not None:
        query = query.where(Offering.start_date >= filters.starts_after)
    if filters.starts_before is not None:
        query = query.where(Offering.start_date <= filters.starts_before)
    if filters.virtual is not None:
        query = query.where(Offering.is_virtual.is_(filters.virtual))
    if filters.paid is not None:
        query = query.where(Offering.paid.is_(filters.paid))
    return query


def offerings_by_id(ids: Sequence[int]) -> Select[Offering]:
    """One page of offerings with everything the result cards show, loaded up front."""
    return (
        select(Offering)
        .where(Offering.id.in_(list(ids)))
        .options(
            selectinload(Offering.partner).selectinload(Partner.sector),
            selectinload(Offering.pathways),
            selectinload(Offering.outcomes),
        )
    )


def open_offerings_of_partner(partner_id: int, today: date) -> Select[Offering]:
    """A partner page's list: its visible offerings, soonest first."""
    return (
        select(Offering)
        .join(Partner, Partner.id == Offering.partner_id)
        .where(Offering.partner_id == partner_id, *visible_conditions(today))
        .options(selectinload(Offering.pathways), selectinload(Offering.outcomes))
        .order_by(Offering.start_date.is_(None), Offering.start_date, Offering.id)
    )


def active_partner(partner_id: int) -> Select[Partner]:
    return (
        select(Partner)
        .where(Partner.id == partner_id, Partner.active.is_(True))
        .options(selectinload(Partner.sector))
    )


def active_partners_after(after: int, limit: int) -> Select[Partner]:
    """The API's pages of partners: the active ones (``active_partner``), by id after ``after``."""
    return (
        select(Partner)
        .where(Partner.active.is_(True), Partner.id > after)
        .options(selectinload(Partner.sector))
        .order_by(Partner.id)
        .limit(limit)
    )


def endorsing_partners() -> Select[Partner]:
    return (
        select(Partner)
        .where(Partner.active.is_(True), Partner.endorses_certificate.is_(True))
        .options(selectinload(Partner.sector))
        .order_by(func.lower(Partner.name), Partner.id)
    )


# --- Origin ---------------------------------------------------------------------------------


def origin_for(actor: User, zip_code: str = "") -> Origin | None:
    """Where "distance" starts: a ZIP the user typed, else a student's home (from their
    profile) or a teacher's school; staff and employers have none until they type a ZIP.

    Raises ``UnknownZip`` (``field="zip"``) for a ZIP we cannot place."""
    if zip_code.strip():
        place = zip_centroid(zip_code)
        return Origin(
            place.latitude, place.longitude, gettext("ZIP %(zip)s", zip=zip_code.strip()[:5])
        )
    if actor.has_role(Role.STUDENT):
        profile = db.session.scalar(profile_for_user(actor.id))
        if (
            profile is not None
            and profile.home_latitude is not None
            and profile.home_longitude is not None
        ):
            return Origin(
                profile.home_latitude,
                profile.home_longitude,
                gettext("your home ZIP %(zip)s", zip=profile.home_zip),
            )
    if actor.has_role(Role.TEACHER) and actor.school is not None:
        school = actor.school
        if school.latitude is not None and school.longitude is not None:
            return Origin(school.latitude, school.longitude, school.name)
    return None


def miles_to(origin: Origin | None, offering: Offering) -> float | None:
    """Miles from the origin to an offering's place (its own, else its partner's)."""
    if origin is None or offering.is_virtual:
        return None
    lat = offering.latitude if offering.latitude is not None else offering.partner.latitude
    lon = offering.longitude if offering.longitude is not None else offering.partner.longitude
    if lat is None or lon is None:
        return None
    return float(haversine_miles(origin.latitude, origin.longitude, lat, lon))


# --- The search -----------------------------------------------------------------------------

_RADIANS = math.pi / 180.0
_MILES_PER_DEGREE = EARTH_RADIUS_MILES * _RADIANS  # of latitude, everywhere


def _place() -> tuple[ColumnElement[float], ColumnElement[float]]:
    """An offering's latitude and longitude: its own, else its partner's."""
    return (
        func.coalesce(Offering.latitude, Partner.latitude),
        func.coalesce(Offering.longitude, Partner.longitude),
    )


def _miles_sql(origin: Origin) -> ColumnElement[float]:
    """The haversine distance in SQL, the same formula as ``matching.geo.haversine_miles``
    (NULL for an unknown place): SQLite's math functions and PostgreSQL's have the same names.
    """
    lat, lon = _place()
    p1, l1 = origin.latitude * _RADIANS, origin.longitude * _RADIANS
    p2, l2 = lat * _RADIANS, lon * _RADIANS
    h = func.power(func.sin((p2 - p1) / 2.0), 2) + math.cos(p1) * func.cos(p2) * func.power(
        func.sin((l2 - l1) / 2.0), 2
    )
    clipped = case((h > 1.0, 1.0), else_=h)  # rounding near the antipode; asin(>1) fails
    return 2.0 * EARTH_RADIUS_MILES * func.asin(func.sqrt(clipped))


def _squared_miles_sql(origin: Origin) -> ColumnElement[float]:
    """The square of an approximate distance in plain arithmetic, for "nearest first": the
    flat-earth (equirectangular) distance with the cosine of the middle latitude (a Taylor
    polynomial), within 0.01 % of the haversine distance up to 100 miles and 60 degrees of
    latitude (a foot at ten miles), and a tenth of its cost per row (no sine, no arcsine)."""
    lat, lon = _place()
    d_lat = (lat - origin.latitude) * _RADIANS
    d_lon = (lon - origin.longitude) * _RADIANS
    p0 = origin.latitude * _RADIANS
    cos_middle = math.cos(p0) - math.sin(p0) / 2.0 * d_lat - math.cos(p0) / 8.0 * d_lat * d_lat
    across = cos_middle * d_lon
    return EARTH_RADIUS_MILES**2 * (d_lat * d_lat + across * across)


APPROXIMATION_MARGIN = 0.001  # ten times the approximation's error, within its limits


def _within(origin: Origin, miles: int) -> ColumnElement[bool]:
    """Virtual offerings (reachable from anywhere), and places within ``miles`` by the
    haversine distance: first a latitude/longitude box a little larger than the circle, then
    the approximate distance, clearly in or out for all but the few rows near the circle, for
    which the haversine formula decides."""
    lat, lon = _place()
    box = _box(origin, miles, lat, lon)
    widest = abs(origin.latitude) + miles / _MILES_PER_DEGREE * 1.01
    near = _miles_sql(origin) <= miles
    if miles <= 100 and widest <= 60.0:
        squared = _squared_miles_sql(origin)
        near = case(
            (squared <= (miles * (1 - APPROXIMATION_MARGIN)) ** 2, True),
            (squared >= (miles * (1 + APPROXIMATION_MARGIN)) ** 2, False),
            else_=near,
        )
    return or_(Offering.is_virtual.is_(True), and_(*box, near))


def _box(
    origin: Origin, miles: float, lat: ColumnElement[float], lon: ColumnElement[float]
) -> list[ColumnElement[bool]]:
    """A latitude/longitude box a little larger than the circle of ``miles`` (no longitude
    limit near a pole or across the antimeridian)."""
    degrees = miles / _MILES_PER_DEGREE * 1.01
    box: list[ColumnElement[bool]] = [
        lat.between(origin.latitude - degrees, origin.latitude + degrees)
    ]
    widest = abs(origin.latitude) + degrees
    if widest < 89.0:
        across = degrees / math.cos(widest * _RADIANS)
        if abs(origin.longitude) + across < 180.0:  # no box across the antimeridian
            box.append(lon.between(origin.longitude - across, origin.longitude + across))
    return box


def _near_ids(origin: Origin, miles: float) -> Subquery:
    """The ids of the offerings whose place may be in the box of ``miles``: read through
    ``ix_offering_place`` (their own place) and ``ix_partner_place`` (their partner's, for
    those without one), a band of the catalog instead of all of it. A superset: the
    search's own conditions then decide on the place as it is (``_place``)."""
    own = Offering.__table__.alias("offering_near")
    partner = Partner.__table__.alias("partner_near")
    return union_all(
        select(own.c.id).where(*_box(origin, miles, own.c.latitude, own.c.longitude)),
        select(own.c.id)
        .join(partner, partner.c.id == own.c.partner_id)
        .where(
            own.c.latitude.is_(None),
            *_box(origin, miles, partner.c.latitude, partner.c.longitude),
        ),
    ).subquery("near")


# "Nearest first" looks for a page among the offerings within these radii (miles), in turn, before
# it orders every one; each radius reads about a sixteenth of the next one's band.
NEAREST_RADII = (0.125, 0.5, 2.0, 8.0, 32.0)


def _nearest_page(
    query_near: Callable[[Subquery], Select[Any]], origin: Origin, within: int | None, page: int
) -> list[int] | None:
    """The page's ids for "nearest first" from the nearest offerings only, or None when the
    radii do not hold the page (then every offering is ordered). ``query_near``: the
    search, ordered, for the offerings of a ``_near_ids`` box.

    Why it is the same page: the offerings whose (approximate) distance is at most ``r`` are
    the first ones of the whole order, in the same order, since every other one is farther
    (or virtual, or unknown: last). If there are enough of them to fill the page, it is the
    page. The box of ``r`` holds them all (the approximation is within 0.01 % of the distance
    inside its limits, the box 1 % larger than the circle)."""
    widest = abs(origin.latitude) + NEAREST_RADII[-1] / _MILES_PER_DEGREE * 1.01
    if widest > 60.0:
        return None
    squared = _squared_miles_sql(origin)
    offset = (page - 1) * PER_PAGE
    for radius in NEAREST_RADII:
        if within is not None and radius >= within:
            return None
        reach = (radius * (1 - APPROXIMATION_MARGIN)) ** 2
        ids = db.session.scalars(
            query_near(_near_ids(origin, radius))
            .where(Offering.is_virtual.is_(False), squared <= reach)
            .limit(PER_PAGE)
            .offset(offset)
        ).all()
        if len(ids) == PER_PAGE:
            return [int(i) for i in ids]
    return None


def _soonest() -> list[Any]:
    """Start date, undated last, then id: the tie-breaker of every order (stable pages).

    ``NULLS LAST`` rather than ``start_date IS NULL`` first: the same order, but the database
    can read it from ``ix_offering_catalog`` (status, start_date, ...) and stop after the
    page, instead of sorting every visible offering (SQLite sorts only the rows sharing a
    start date; PostgreSQL's ascending order puts NULLs last anyway)."""
    return [Offering.start_date.asc().nulls_last(), Offering.id]


def _order_by(sort: Sort, words: Sequence[WordMatch], origin: Origin | None) -> list[Any]:
    if sort is Sort.RELEVANCE and words:
        score = words[0].score
        for word in words[1:]:
            score = score + word.score
        return [score.desc(), *_soonest()]
    if sort is Sort.DISTANCE and origin is not None:
        # Virtual offerings have no distance: last, as are places we cannot locate.
        squared = case((Offering.is_virtual.is_(True), None), else_=_squared_miles_sql(origin))
        return [squared.is_(None), squared, *_soonest()]
    if sort is Sort.NEWEST:
        return [Offering.created_at.is_(None), Offering.created_at.desc(), Offering.id]
    return _soonest()


def search_catalog(filters: CatalogFilters, origin: Origin | None, today: date) -> CatalogPage:
    """One page of the visible catalog for these filters, with distances from ``origin``.

    Constant statements: the page's ids and their count (one statement when the search
    must order every row it finds, two when it reads an index in order and counts to a
    bound), then the page's offerings with their eager loads. Virtual offerings have no distance: a
    distance limit keeps them (they are reachable from anywhere) and "nearest first" lists
    them last; an offering whose place is unknown cannot be shown to be near, so a distance
    limit leaves it out.
    """
    notes: list[str] = []
    sort = filters.effective_sort
    if sort is Sort.DISTANCE and origin is None:
        notes.append(gettext("Enter a ZIP code to sort by distance; sorted by date instead."))
        sort = Sort.DATE
    dialect = db.session.get_bind().dialect.name
    words = [word_match(term, dialect) for term in filters.terms]
    if filters.within_miles is not None and origin is None:
        notes.append(gettext("Enter a ZIP code to limit the distance; showing every distance."))

    def search(near: Subquery | None = None) -> Select[Any]:
        query = _filtered([Offering.id], filters, today, words, near)
        if filters.within_miles is not None and origin is not None:
            query = query.where(_within(origin, filters.within_miles))
        return query.order_by(*_order_by(sort, words, origin))

    ordered = search()
    if sort is Sort.DISTANCE and origin is not None and not words:
        page_ids, info = _page_counted_to_a_bound(
            ordered,
            filters.page,
            lambda page: _nearest_page(search, origin, filters.within_miles, page),
        )
    elif words:
        page_ids, info = _page_counted_alongside(ordered, filters.page)
    else:
        page_ids, info = _page_counted_to_a_bound(ordered, filters.page)
    loaded = {o.id: o for o in db.session.scalars(offerings_by_id(page_ids))} if page_ids else {}
    hits = [CatalogHit(loaded[i], miles_to(origin, loaded[i])) for i in page_ids if i in loaded]
    return CatalogPage(hits=hits, page=info, sort=sort, origin=origin, notes=notes)


def catalog_ids_after(filters: CatalogFilters, today: date, *, after: int, limit: int) -> list[int]:
    """The API's pages of the visible catalog (``/api/v1/offerings``): the same filters and
    words as the page (``_filtered``), in id order from the first id past ``after``. A keyset,
    not an offset: an offering published or closed meanwhile does not shift the pages a script
    is reading, so each page follows on from the one before. The page's own sorts (best
    match, nearest) are not offered there; distance needs an origin no token has."""
    dialect = db.session.get_bind().dialect.name
    words = [word_match(term, dialect) for term in filters.terms]
    query = (
        _filtered([Offering.id], filters, today, words)
        .where(Offering.id > after)
        .order_by(Offering.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


COUNT_BOUND = 1_000  # "more than 1,000 opportunities": counting further costs every row


def _wanted(page: int) -> int:
    return min(max(page, 1), MAX_PAGE)


def _page_counted_to_a_bound(
    ordered: Select[Any],
    page: int,
    shortcut: Callable[[int], list[int] | None] | None = None,
) -> tuple[list[int], PageInfo]:
    """The page's ids, read in the order of an index and stopped after the page, and a count
    that stops after ``COUNT_BOUND`` rows (or after the page asked for, if further): the
    pager then knows there is a next page without reading the whole catalog. Two statements
    (one more for a page past the end: the last page)."""
    wanted = _wanted(page)
    bound = max(COUNT_BOUND, wanted * PER_PAGE)
    counted = (
        db.session.scalar(
            select(func.count()).select_from(ordered.order_by(None).limit(bound + 1).subquery())
        )
        or 0
    )
    if counted <= (wanted - 1) * PER_PAGE:  # past the end (counted is exact): the last page
        wanted = max(1, math.ceil(counted / PER_PAGE))
    ids = shortcut(wanted) if shortcut is not None and counted else None
    if ids is None:
        ids = [int(i) for i in db.session.scalars(_slice(ordered, wanted))]
    more = counted > bound
    info = PageInfo(page=wanted, per_page=PER_PAGE, total=bound if more else counted, more=more)
    return ids, info


def _page_counted_alongside(ordered: Select[Any], page: int) -> tuple[list[int], PageInfo]:
    """The page's ids and the exact count in one statement (``count(*) OVER ()``), for the
    searches that must look at every row they find anyway to order them (by relevance, by
    distance): the words' matches and the distances are then worked out once, not again
    for the count. A page past the end returns no row, so no count: one statement more for
    the count, one for the last page."""
    wanted = _wanted(page)
    rows = db.session.execute(_slice(ordered.add_columns(func.count().over()), wanted)).all()
    total = int(rows[0][1]) if rows else 0
    if not rows and wanted > 1:
        everything = ordered.order_by(None).subquery()
        total = db.session.scalar(select(func.count()).select_from(everything)) or 0
        wanted = max(1, math.ceil(total / PER_PAGE))
        if total:
            rows = db.session.execute(_slice(ordered, wanted)).all()
    ids = [int(row[0]) for row in rows]
    return ids, PageInfo(page=wanted, per_page=PER_PAGE, total=total)


def _slice(ordered: Select[Any], page: int) -> Select[Any]:
    return ordered.limit(PER_PAGE).offset((page - 1) * PER_PAGE)


# --- Choices for the filter form ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FilterChoices:
    sectors: list[tuple[int, str]]
    pathways: list[tuple[int, str, str]]  # id, name, sector name
    outcomes: list[tuple[int, str]]


def filter_choices() -> FilterChoices:
    """Active sectors, pathways (grouped by sector) and PoG outcomes, in the county's order."""
    sectors = db.session.execute(
        select(IndustrySector.id, IndustrySector.name)
        .where(IndustrySector.active.is_(True))
        .order_by(IndustrySector.position, IndustrySector.name)
    ).all()
    pathways = db.session.execute(
        select(Pathway.id, Pathway.name, IndustrySector.name)
        .join(IndustrySector, IndustrySector.id == Pathway.sector_id)
        .where(Pathway.active.is_(True), IndustrySector.active.is_(True))
        .order_by(IndustrySector.position, Pathway.position, Pathway.name)
    ).all()
    outcomes = db.session.execute(
        select(PogOutcome.id, PogOutcome.name)
        .where(PogOutcome.active.is_(True))
        .order_by(PogOutcome.position, PogOutcome.name)
    ).all()
    return FilterChoices(
        sectors=[(r[0], r[1]) for r in sectors],
        pathways=[(r[0], r[1], r[2]) for r in pathways],
        outcomes=[(r[0], r[1]) for r in outcomes],
    )
