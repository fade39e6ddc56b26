"""Recommendations: the catalog's matching index, and the two questions asked of it —
which offerings fit a student, and which students fit an offering.

The index is built once per catalog change, never on a user's request: each web worker
keeps the last one with the fingerprint of the catalog it was built from. When a cheap
fingerprint query (asked at most every ``MATCHING_INDEX_CHECK_SECONDS``) says the published
catalog changed (or the calendar day did, because
deadlines and ages move with it), the request is served from the index it has, and a
background thread builds the new one, which the next requests use once it is ready. A
server's workers share what they build (``wbl.catalog.index_files``): the first to need a
catalog's index has a process of its own build and write it (so scikit-learn never enters a
web worker), the others load it. A web server starts building (or
loading) its index when it starts (``warm_up``, called by ``wsgi.py``), so a student's first
request finds it ready or under way. What must be fresh is checked on the live rows: an
offering that closed or filled since the index was built is left out of the
recommendations.

The workers share the build, not the memory: each one holds its own copy (a few MB for the
demo county). Memory-mapping the index's arrays would need them apart from its Python
objects (the offerings, the text model's vocabulary).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

import matching
from wbl.auth.models import User
from wbl.catalog import index_files, queries, reasons
from wbl.catalog.adapters import match_students, to_match_offering, to_match_student
from wbl.catalog.models import Offering
from wbl.clock import local_today
from wbl.extensions import current_flask_app, db
from wbl.placements import queries as placement_queries
from wbl.placements.readiness import completed_codes
from wbl.reference.models import IndustrySector, Pathway
from wbl.scopes import is_staff
from wbl.students.models import StudentProfile
from wbl.students.queries import students_visible_to

log = logging.getLogger(__name__)


@dataclass
class _IndexCache:
    building: threading.Lock = field(default_factory=threading.Lock)  # one build at a time
    asking: threading.Lock = field(default_factory=threading.Lock)  # only around ``pending``
    version: tuple[object, ...] | None = None
    index: matching.OfferingIndex | None = None
    pending: bool = False  # a background rebuild is asked for or under way
    trusted_until: float = 0.0  # time.monotonic(): no fingerprint query before then
    process: int = field(default_factory=os.getpid)


def _cache() -> _IndexCache:
    """One cache per app and process: a worker forked from a process that had one (a server
    that imports the app before forking) starts afresh, without the parent's threads' locks."""
    cache: _IndexCache | None = current_app.extensions.get("wbl.matching_index")
    if cache is None or cache.process != os.getpid():
        cache = current_app.extensions["wbl.matching_index"] = _IndexCache()
    return cache


def _catalog_version(today: date) -> tuple[object, ...]:
    return (today, *db.session.execute(queries.catalog_version()).one())


def current_index(today: date) -> matching.OfferingIndex:
    """The index to answer this request with: today's published catalog when it has not
    changed since the last build; otherwise the last one built, while the new one is built
    off the request (``MATCHING_INDEX_IN_BACKGROUND``; the tests build it in place)."""
    cache = _cache()
    index = cache.index
    now = time.monotonic()
    interval = float(current_app.config["MATCHING_INDEX_CHECK_SECONDS"])
    if (
        index is not None
        and interval > 0
        and now < cache.trusted_until
        and cache.version
        and cache.version[0] == today
    ):
        return index  # checked a moment ago
    version = _catalog_version(today)
    cache.trusted_until = now + interval
    if index is not None and cache.version == version:
        return index
    if index is None:  # the worker's first: there is nothing to serve yet
        return rebuild_index(today)
    if not current_app.config["MATCHING_INDEX_IN_BACKGROUND"]:
        return rebuild_index(today)
    with cache.asking:  # never the build's lock: a request does not wait for a build
        start, cache.pending = not cache.pending, True
    if start:
        _start_rebuild(current_flask_app(), today)
    return index


def rebuild_index(today: date) -> matching.OfferingIndex:
    """Build the index of today's published catalog and serve it from now on (unless the
    one served is already of this catalog). Needs an app context; one build at a time."""
    cache = _cache()
    with cache.building:
        version = _catalog_version(today)
        if cache.index is None or cache.version != version:
            cache.index = _build_or_load(today, version)
            cache.version = version
        with cache.asking:
            cache.pending = False
        return cache.index


def _build_or_load(today: date, version: tuple[object, ...]) -> matching.OfferingIndex:
    """The index of the catalog with this fingerprint: loaded when another worker of this
    server has built it, else built here and written for the others."""
    shared = index_files.folder()
    if shared is None:
        return _build(today)
    path = index_files.file_for(shared, version)
    with index_files.one_builder(shared):
        index = index_files.load(path)
        by_process = current_app.config["MATCHING_INDEX_BUILD_PROCESS"]
        if index is None and by_process and index_files.build_in_own_process(path, today):
            index = index_files.load(path)
        if index is None:
            index = build_to_file(path, today)
        return index


def build_to_file(path: Path, today: date) -> matching.OfferingIndex:
    """Build today's index and write it for the other workers (``index_files``)."""
    index = _build(today)
    index_files.save(path, index)
    return index


def index_available(today: date) -> bool:
    """For the server's readiness check (wbl/ops/health.py): this worker holds an index (the
    current catalog's, or the last one, served while the next is built), or the current
    catalog's index is on disk in the shared folder, for the worker to load in milliseconds.
    Builds nothing and starts no build; one fingerprint query when this worker holds none."""
    cache: _IndexCache | None = current_app.extensions.get("wbl.matching_index")
    if cache is not None and cache.process == os.getpid() and cache.index is not None:
        return True
    shared = str(current_app.config.get("MATCHING_INDEX_FOLDER") or "")
    if not shared or not Path(shared).is_dir():
        return False
    return index_files.file_for(Path(shared), _catalog_version(today)).is_file()


def warm_up(app: Flask) -> None:
    """Start building (or loading) the index in a thread of this process, so no student's
    request waits for it (``MATCHING_INDEX_IN_BACKGROUND``; a web server calls this when it
    starts). A request that comes before it is ready waits for it rather than build another."""
    if not app.config["MATCHING_INDEX_IN_BACKGROUND"]:
        return
    with app.app_context():
        cache = _cache()
        with cache.asking:
            if cache.pending or cache.index is not None:
                return
            cache.pending = True
        _start_rebuild(app, local_today())


def _start_rebuild(app: Flask, today: date) -> None:
    """Rebuild in a thread of this worker, with its own app context and session."""
    threading.Thread(
        target=_rebuild_in_background, args=(app, today), name="matching-index", daemon=True
    ).start()


def _rebuild_in_background(app: Flask, today: date) -> None:
    with app.app_context():
        try:
            rebuild_index(today)
        except Exception:
            log.exception("matching index rebuild failed; the previous index is still served")
            cache = _cache()
            with cache.asking:
                cache.pending = False  # the next request asks again
        finally:
            db.session.remove()


def _build(today: date) -> matching.OfferingIndex:
    started = time.perf_counter()
    offerings = [to_match_offering(o) for o in db.session.scalars(queries.published_for_matching())]
    pathways = db.session.execute(select(Pathway.id, Pathway.name, Pathway.sector_id)).all()
    sectors = db.session.execute(select(IndustrySector.id, IndustrySector.name)).all()
    index = matching.OfferingIndex(
        offerings,
        pathway_names={p.id: p.name for p in pathways},
        pathway_sectors={p.id: p.sector_id for p in pathways},
        sector_names={s.id: s.name for s in sectors},
        today=today,
    )
    log.info(
        "matching index built: %d offerings in %.2f s",
        len(offerings),
        time.perf_counter() - started,
    )
    return index


@dataclass(frozen=True, slots=True)
class RecommendedOffering:
    offering: Offering
    score: float
    reasons: tuple[str, ...]


def recommendations_for(
    profile: StudentProfile, today: date, k: int = 10
) -> list[RecommendedOffering]:
    """The student's top ``k`` offerings with reasons, loaded in one query. Offerings that
    ask for preparatory activities the student has not done are left out (a hard filter),
    and so are those they already applied to, are placed on or have completed; the types of
    their completed placements move them along the continuum (a job shadow done: an
    internship is the next step). An offering closed or filled since the index was built is
    left out (the list may then be shorter than ``k`` until the new index is ready)."""
    taken = placement_queries.taken_by(profile.id)
    student = to_match_student(
        profile,
        completed_prerequisites=completed_codes(profile.id),
        experience_types_done=taken.kinds_done,
        offerings_taken=taken.offering_ids,
    )
    recs = current_index(today).recommend(student, k=k)
    if not recs:
        return []
    by_id = {
        o.id: o
        for o in db.session.scalars(
            select(Offering)
            .where(
                Offering.id.in_([r.offering_id for r in recs]),
                queries.open_to_students(),
                Offering.seats_taken < Offering.capacity,  # filled since the index was built
            )
            .options(joinedload(Offering.partner))  # many-to-one: in the same statement
        )
    }
    return [
        RecommendedOffering(by_id[r.offering_id], r.score, reasons.all_in_language(r.reasons))
        for r in recs
        if r.offering_id in by_id
    ]


@dataclass(frozen=True, slots=True)
class FittingStudent:
    profile: StudentProfile
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StudentsWhoFit:
    """For staff: the students (in their scope) who fit best. For employers only a count:
    students who have not applied are not theirs to see (FERPA)."""

    eligible_count: int
    students: list[FittingStudent]
    names_shown: bool


def students_who_fit(actor: User, offering: Offering, today: date, k: int = 20) -> StudentsWhoFit:
    """The same scoring as the student's recommendations, seen from the offering.

    Staff see names of the best-fitting students in their own scope, to invite them.
    Employers see how many students across the county fit, never who: a student who has
    not applied has not shared anything with the employer.
    """
    show_names = is_staff(actor)
    pool = students_visible_to(actor) if show_names else select(StudentProfile)
    students = match_students(pool)
    index = current_index(today)
    try:
        fits = index.students_for(offering.id, students, k=len(students))
    except KeyError:  # not in the published catalog: nobody can take it yet
        return StudentsWhoFit(eligible_count=0, students=[], names_shown=show_names)
    top = fits[:k] if show_names else []
    by_id = {
        p.id: p
        for p in db.session.scalars(
            select(StudentProfile)
            .where(StudentProfile.id.in_([f.student_id for f in top]))
            .options(selectinload(StudentProfile.user), selectinload(StudentProfile.school))
        )
    }
    return StudentsWhoFit(
        eligible_count=len(fits),
        students=[FittingStudent(by_id[f.student_id], f.score, f.reasons) for f in top],
        names_shown=show_names,
    )
