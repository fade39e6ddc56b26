"""The placement's "Safety checks" card (issue 21, docs/safety.md "One view per placement"):
for any placement, whether the partner's worksite agreement and liability insurance are
current, its supervisor cleared, the work permit issued where one is required, the site
visited, and every incident followed up, each a row with a status, one line and a link.

It lives with the visits because it is the same audience (staff who see the student and the
student's teachers, ``policies.sees_visits``) and visits already sit above placements; it
reads each feature through that feature's own rule (``clearances.supervisor_check``,
``permits.needs_permit``, ``visits.rules.due_from``), never a copy of it. A fixed number of
SQL statements whatever the placement's history (at most eight).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app, url_for
from flask_babel import gettext, ngettext
from sqlalchemy import func, select

from wbl.auth.models import User
from wbl.catalog import clearances
from wbl.catalog.clearance_models import ClearanceType
from wbl.extensions import db
from wbl.incidents.models import Incident, IncidentStatus
from wbl.placements import permits
from wbl.placements.models import (
    PermitPart,
    PermitStatus,
    Placement,
    PlacementStatus,
    WorkPermit,
)
from wbl.placements.policies import staff_sees
from wbl.visits import queries
from wbl.visits.models import VisitDueFlag, WorksiteVisit
from wbl.visits.rules import due_from, is_due


class Status(enum.StrEnum):
    OK = "ok"
    WARNING = "warning"
    PROBLEM = "problem"


@dataclass(frozen=True, slots=True)
class Check:
    """One row of the card: what is checked, how it stands, why, and where to act (None:
    nothing this viewer can open)."""

    key: str
    title: str
    status: Status
    detail: str
    link: str | None = None
    link_text: str = ""


def _day(value: date) -> str:
    """As the pages write dates (the ``day`` filter)."""
    return current_app.jinja_env.filters["day"](value)


def _agreement(placement: Placement, today: date, staff: bool) -> Check:
    # Lazily: the module builds a query when imported (mappers must be configured by then).
    from wbl.catalog.manage_queries import AGREEMENT_WARNING_DAYS

    partner = placement.offering.partner
    title = gettext("Worksite agreement")
    link = url_for("manage.partner", partner_id=partner.id) if staff else None
    action = gettext("Open the partner")
    if not placement.offering.is_individual:
        return Check("agreement", title, Status.OK, gettext("Not required for a class event."))
    signed, expiry = partner.worksite_agreement_date, partner.worksite_agreement_expiry
    if signed is None:
        text = gettext("No worksite agreement on file.")
        return Check("agreement", title, Status.PROBLEM, text, link, action)
    if signed > today:
        text = gettext("The agreement only starts on %(day)s.", day=_day(signed))
        return Check("agreement", title, Status.PROBLEM, text, link, action)
    if expiry is not None and expiry < today:
        text = gettext("The agreement expired on %(day)s.", day=_day(expiry))
        return Check("agreement", title, Status.PROBLEM, text, link, action)
    if expiry is not None and expiry <= today + timedelta(days=AGREEMENT_WARNING_DAYS):
        text = gettext("Current; expires on %(day)s: renew it.", day=_day(expiry))
        return Check("agreement", title, Status.WARNING, text, link, action)
    text = (
        gettext("Current until %(day)s.", day=_day(expiry))
        if expiry
        else gettext("Current (signed %(day)s, no end date).", day=_day(signed))
    )
    return Check("agreement", title, Status.OK, text, link, action)


def _insurance(placement: Placement, today: date, staff: bool) -> Check:
    from wbl.catalog.manage_queries import COMPLIANCE_WARNING_DAYS

    partner = placement.offering.partner
    title = gettext("Liability insurance")
    link = url_for("manage.partner", partner_id=partner.id) if staff else None
    action = gettext("Open the partner")
    if not placement.offering.is_individual:
        return Check("insurance", title, Status.OK, gettext("Not required for a class event."))
    expiry = partner.insurance_expiry
    if expiry is None:
        text = gettext("No liability insurance on file.")
        return Check("insurance", title, Status.PROBLEM, text, link, action)
    if expiry < today:
        text = gettext("The insurance expired on %(day)s.", day=_day(expiry))
        return Check("insurance", title, Status.PROBLEM, text, link, action)
    if expiry <= today + timedelta(days=COMPLIANCE_WARNING_DAYS):
        text = gettext(
            "Current; expires on %(day)s: ask for the new certificate.", day=_day(expiry)
        )
        return Check("insurance", title, Status.WARNING, text, link, action)
    text = gettext("Current until %(day)s.", day=_day(expiry))
    return Check("insurance", title, Status.OK, text, link, action)


def _clearance(placement: Placement, today: date, staff: bool) -> Check:
    title = gettext("Supervisor clearance")
    offering = placement.offering
    student = placement.student
    if not offering.is_individual:
        return Check("clearance", title, Status.OK, gettext("Not required for a class event."))
    if student.age_on(placement.start_date or today) >= 18:
        return Check(
            "clearance", title, Status.OK, gettext("Not required: the student is an adult.")
        )
    supervisor = placement.supervisor
    check = clearances.supervisor_check(
        placement.supervisor_id,
        kind=offering.kind,
        district_id=student.school.district_id,
        start=placement.start_date,
        today=today,
    )
    if not check.required:
        text = gettext("Not required by the district for this experience type.")
        return Check("clearance", title, Status.OK, text)
    action = gettext("Open the supervisor's clearances")
    link = None
    if staff:
        link = (
            url_for("clearances.contact", partner_id=offering.partner_id, contact_id=supervisor.id)
            if supervisor
            else url_for("manage.partner", partner_id=offering.partner_id)
        )
    if supervisor is None:
        text = gettext("No supervisor is named on this placement.")
        return Check("clearance", title, Status.PROBLEM, text, link, gettext("Open the partner"))
    names = ", ".join(c.label for c in ClearanceType if c in check.required)
    if check.missing:
        text = gettext(
            "%(name)s lacks: %(missing)s.",
            name=supervisor.user.full_name,
            missing=", ".join(c.label for c in check.missing),
        )
        return Check("clearance", title, Status.PROBLEM, text, link, action)
    text = gettext("%(name)s is cleared: %(names)s.", name=supervisor.user.full_name, names=names)
    return Check("clearance", title, Status.OK, text, link, action)


def _permit(placement: Placement, today: date) -> Check:
    title = gettext("Work permit")
    if not permits.needs_permit(placement):
        text = (
            gettext("Not required: the student is an adult.")
            if placement.offering.paid
            else gettext("Not required: the placement is unpaid.")
        )
        return Check("permit", title, Status.OK, text)
    permit = db.session.scalar(select(WorkPermit).where(WorkPermit.placement_id == placement.id))
    if permit is None:
        return Check("permit", title, Status.PROBLEM, gettext("Required, but never requested."))
    link = url_for("permits.detail", placement_id=placement.id)
    action = gettext("Open the permit")
    if permit.status is PermitStatus.REQUESTED:
        missing = db.session.scalar(
            select(func.count()).where(
                PermitPart.permit_id == permit.id, PermitPart.signed_at.is_(None)
            )
        )
        text = ngettext(
            "Requested: %(num)d party's part is missing.",
            "Requested: %(num)d parties' parts are missing.",
            missing or 0,
        )
        return Check("permit", title, Status.WARNING, text, link, action)
    if permit.status is PermitStatus.COMPLETE:
        text = gettext("Every part is in: waiting for the school's decision.")
        return Check("permit", title, Status.WARNING, text, link, action)
    if permit.status is PermitStatus.REFUSED:
        return Check(
            "permit", title, Status.PROBLEM, gettext("Refused by the school."), link, action
        )
    if permit.expires_on is not None and permit.expires_on < today:
        text = gettext("Expired on %(day)s.", day=_day(permit.expires_on))
        return Check("permit", title, Status.PROBLEM, text, link, action)
    if permit.expires_on is None:
        return Check("permit", title, Status.OK, gettext("Issued."), link, action)
    if placement.end_date is not None and permit.expires_on < placement.end_date:
        text = gettext(
            "Issued until %(day)s, before the placement ends.", day=_day(permit.expires_on)
        )
        return Check("permit", title, Status.WARNING, text, link, action)
    text = gettext("Issued until %(day)s.", day=_day(permit.expires_on))
    return Check("permit", title, Status.OK, text, link, action)


def _visit(placement: Placement, today: date) -> Check:
    title = gettext("Worksite visit")
    link = url_for("visits.placement", placement_id=placement.id)
    action = gettext("Open the visits")
    last, open_follow_ups = db.session.execute(
        select(
            func.max(WorksiteVisit.visited_on),
            func.count().filter(
                WorksiteVisit.follow_up_needed.is_(True),
                WorksiteVisit.follow_up_closed_at.is_(None),
            ),
        ).where(WorksiteVisit.placement_id == placement.id)
    ).one()
    flagged = db.session.get(VisitDueFlag, placement.id)
    every = queries.due_after_days(placement.student.school.district_id)
    seen = (
        gettext("Last visited on %(day)s.", day=_day(last)) if last else gettext("Not visited yet.")
    )
    active = placement.status is PlacementStatus.ACTIVE
    if active and flagged is not None:
        text = gettext("Visit due (flagged by staff). %(seen)s", seen=seen)
        return Check("visit", title, Status.PROBLEM, text, link, action)
    if active and is_due(placement.start_date, last, every, today):
        due = due_from(placement.start_date, last, every)
        text = gettext("Visit due since %(day)s. %(seen)s", day=_day(due) if due else "", seen=seen)
        return Check("visit", title, Status.PROBLEM, text, link, action)
    if open_follow_ups:
        text = ngettext(
            "%(num)d follow-up still open. %(seen)s",
            "%(num)d follow-ups still open. %(seen)s",
            open_follow_ups,
            seen=seen,
        )
        return Check("visit", title, Status.WARNING, text, link, action)
    due = due_from(placement.start_date, last, every)
    if active and due is not None:
        text = gettext("%(seen)s Next visit due on %(day)s.", seen=seen, day=_day(due))
    else:
        text = seen
    return Check("visit", title, Status.OK, text, link, action)


def _incidents(placement: Placement) -> Check:
    title = gettext("Incidents")
    total, still_open = db.session.execute(
        select(
            func.count(),
            func.count().filter(Incident.status != IncidentStatus.CLOSED),
        ).where(Incident.placement_id == placement.id)
    ).one()
    link = url_for("incidents.index")
    action = gettext("Open the incidents")
    if not total:
        return Check("incidents", title, Status.OK, gettext("None reported."))
    if still_open:
        text = ngettext(
            "%(num)d incident not closed yet.", "%(num)d incidents not closed yet.", still_open
        )
        return Check("incidents", title, Status.PROBLEM, text, link, action)
    text = ngettext("The incident is closed.", "All %(num)d incidents are closed.", total)
    return Check("incidents", title, Status.OK, text, link, action)


def safety_checks(actor: User, placement: Placement, today: date) -> list[Check]:
    """The card's rows, for a viewer the caller has checked sees the placement's visits
    (``policies.sees_visits``); the partner and clearance links are for staff only."""
    staff = staff_sees(actor, placement)
    return [
        _agreement(placement, today, staff),
        _insurance(placement, today, staff),
        _clearance(placement, today, staff),
        _permit(placement, today),
        _visit(placement, today),
        _incidents(placement),
    ]
