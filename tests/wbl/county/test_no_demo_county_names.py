"""Nothing says "Sonoma County" unless the county says so: a county named "Yolo County
Office of Education", with a small world of its own, is walked page by page as each role,
its scheduled jobs are run, and its e-mails, PDFs' text, badge issuer and calendar
invitations are read: the demo county's name is nowhere, the county's own is."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from tests.support.county_data import YOLO, name_county
from tests.support.placement_data import agreement_lines
from tests.support.routes import (
    ACTORS,
    Answer,
    build_world,
    declared_policy,
    expected_answer,
    get_rules,
    url_of,
    visitors,
)
from wbl.access import Role
from wbl.auth import services as auth_services
from wbl.certificates.badge import issuer_profile
from wbl.certificates.ics import organizer
from wbl.certificates.models import Certificate
from wbl.certificates.pdf import certificate_lines
from wbl.extensions import db
from wbl.notifications.models import OutboxMessage
from wbl.placements.models import TrainingAgreement
from wbl.scheduler import JOBS, run_now

DEMO_COUNTY = re.compile(r"sonoma|\bscoe\b", re.IGNORECASE)


def _demo_words(text: str) -> list[str]:
    return [text[max(m.start() - 60, 0) : m.end() + 60] for m in DEMO_COUNTY.finditer(text)]


def test_a_county_of_its_own_never_reads_sonoma(app: Flask) -> None:
    name_county(YOLO, base_url="https://wbl.ycoe.example.org")
    world = build_world()
    people = dict(visitors(app, world))
    problems: list[str] = []
    pages = 0
    for rule in get_rules(app):
        policy = declared_policy(app, rule)
        if policy is None:  # the static folders
            continue
        url = url_of(rule, world)
        for actor in ACTORS:
            if expected_answer(policy, actor) not in (Answer.SERVED, Answer.ANY):
                continue
            response = people[actor].open("GET", url)
            if response.mimetype != "text/html" or response.status_code >= 300:
                continue
            pages += 1
            problems += [f"{url} as {actor}: …{w}…" for w in _demo_words(response.get_data(True))]
    assert pages > 150  # the walk reached the app's pages, not only sign-in
    home = people["student"].open("GET", "/home").get_data(as_text=True)
    assert f"WBL · {YOLO} ·" in home  # the footer names the county

    # E-mails: an invitation, a reset, what building the world queued, and every job's.
    staff = world.users["county_staff"]
    with app.test_request_context(base_url="https://wbl.ycoe.example.org"):
        auth_services.invite_user(
            staff, email="new.teacher@example.org", full_name="New Teacher", roles=[Role.TEACHER]
        )
        auth_services.request_password_reset(world.users["teacher"].email)
    for job in JOBS:
        assert run_now(job.id).ok, job.id  # as the scheduler runs them, on the base URL
    messages = db.session.scalars(select(OutboxMessage)).all()
    assert len(messages) > 5
    for message in messages:
        text = f"{message.subject}\n{message.body_text}\n{message.attachment_text}"
        problems += [f"e-mail {message.kind}: …{w}…" for w in _demo_words(text)]
    invitation = next(m for m in messages if m.kind == "invitation")
    assert f"{YOLO}'s work-based learning platform" in invitation.body_text

    # The PDFs' text, the badge's issuer, calendar invitations.
    certificate = db.session.scalars(select(Certificate)).first()
    agreement = db.session.scalars(select(TrainingAgreement)).first()
    assert certificate is not None
    assert agreement is not None
    with app.test_request_context(base_url="https://wbl.ycoe.example.org"):
        lines = certificate_lines(certificate) + agreement_lines(agreement)
        issuer = issuer_profile()
        calendar = organizer()
    assert lines[0] == YOLO
    assert YOLO in lines
    assert issuer["name"] == YOLO
    assert issuer["url"] == "https://wbl.ycoe.example.org"
    assert calendar.name == f"{YOLO} work-based learning"
    problems += [f"PDF: {w}" for w in _demo_words("\n".join(lines))]
    assert problems == []
