"""Incident pages: the report form (from a placement's page), the list for staff and
teachers, and an incident's page (in full, or the reporter's own view of its status)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from wbl.access import Role, policy
from wbl.errors import DomainError, Forbidden, field_error
from wbl.incidents import policies, queries, services
from wbl.incidents.forms import (
    CloseForm,
    EndForm,
    FollowUpForm,
    PauseForm,
    ReportForm,
    ResumeForm,
)
from wbl.incidents.models import Incident, IncidentStatus
from wbl.pagination import page_number, paginate

bp = Blueprint("incidents", __name__, url_prefix="/incidents")

PER_PAGE = 25
REPORTERS = (Role.STUDENT, Role.TEACHER, Role.EMPLOYER, Role.STAFF)
# Each staff action's form and the one text field it posts.
TEXT_FIELD = {
    "follow_up_form": "note",
    "close_form": "closing_note",
    "pause_form": "pause_reason",
    "resume_form": "resume_note",
    "end_form": "end_reason",
}


@bp.route("/placements/<int:placement_id>/new", methods=["GET", "POST"])
@policy(*REPORTERS)
def new(placement_id: int) -> ResponseReturnValue:
    placement = services.get_placement(current_user, placement_id)
    form = ReportForm()
    problem = None
    if form.validate_on_submit():
        try:
            incident = services.report(current_user, placement.id, form.report())
        except DomainError as error:
            problem = field_error(form, error)
        else:
            flash("Thank you: your report is with the program staff, who follow it up.", "success")
            return redirect(url_for("incidents.detail", incident_id=incident.id))
    return render_template("incidents/new.html", placement=placement, form=form, problem=problem), (
        422 if problem or form.errors else 200
    )


@bp.get("/")
@policy(Role.STAFF, Role.TEACHER)
def index() -> ResponseReturnValue:
    """The incidents in scope, open first."""
    wanted = request.args.get("status", "")
    status = IncidentStatus(wanted) if wanted in set(IncidentStatus) else None
    page = paginate(
        queries.visible_to(current_user, status=status),
        page=request.args.get("page", 1, type=page_number),
        per_page=PER_PAGE,
    )
    return render_template(
        "incidents/index.html", page=page, status=status, statuses=list(IncidentStatus)
    )


def _detail(incident: Incident, status: int = 200, **forms: Any) -> ResponseReturnValue:
    full = policies.reads_in_full(current_user, incident)
    manages = policies.manages(current_user, incident)
    page_forms: dict[str, Any] = {}
    if manages:
        page_forms = {
            "follow_up_form": FollowUpForm(formdata=None),
            "close_form": CloseForm(formdata=None),
            "pause_form": PauseForm(formdata=None),
            "resume_form": ResumeForm(formdata=None),
            "end_form": EndForm(formdata=None),
        }
        page_forms.update(forms)
    return render_template(
        "incidents/detail.html",
        incident=incident,
        placement=incident.placement,
        full=full,
        manages=manages,
        minor=services.is_minor(incident.placement.student, incident.occurred_on),
        **page_forms,
    ), status


@bp.get("/<int:incident_id>")
@policy(*REPORTERS)
def detail(incident_id: int) -> ResponseReturnValue:
    return _detail(services.get_incident(current_user, incident_id))


def _act(incident_id: int, form_name: str, form: Any, act: Any, done: str) -> ResponseReturnValue:
    """A staff action posted from the incident's page: done, or the page again with the
    refusal beside the field (or above the form)."""
    incident = services.get_incident(current_user, incident_id)
    if not policies.manages(current_user, incident):
        raise Forbidden()
    if form.validate_on_submit():
        text = form.data[TEXT_FIELD[form_name]] or ""
        try:
            act(current_user, incident.id, text)
        except DomainError as error:
            problem = field_error(form, error)
            if problem:
                flash(problem, "warning")
                return redirect(url_for("incidents.detail", incident_id=incident.id))
        else:
            flash(done, "success")
            return redirect(url_for("incidents.detail", incident_id=incident.id))
    return _detail(services.get_incident(current_user, incident_id), 422, **{form_name: form})


@bp.post("/<int:incident_id>/follow-up")
@policy(Role.STAFF)
def follow_up(incident_id: int) -> ResponseReturnValue:
    return _act(
        incident_id, "follow_up_form", FollowUpForm(), services.follow_up, "Follow-up recorded."
    )


@bp.post("/<int:incident_id>/close")
@policy(Role.STAFF)
def close(incident_id: int) -> ResponseReturnValue:
    return _act(incident_id, "close_form", CloseForm(), services.close, "The incident is closed.")


@bp.post("/<int:incident_id>/pause")
@policy(Role.STAFF)
def pause(incident_id: int) -> ResponseReturnValue:
    return _act(
        incident_id,
        "pause_form",
        PauseForm(),
        services.pause_placement,
        "The placement is paused: the student and the employer are told.",
    )


@bp.post("/<int:incident_id>/resume")
@policy(Role.STAFF)
def resume(incident_id: int) -> ResponseReturnValue:
    return _act(
        incident_id,
        "resume_form",
        ResumeForm(),
        services.resume_placement,
        "The placement is resumed: the student and the employer are told.",
    )


@bp.post("/<int:incident_id>/end")
@policy(Role.STAFF)
def end(incident_id: int) -> ResponseReturnValue:
    return _act(
        incident_id,
        "end_form",
        EndForm(),
        services.end_placement,
        "The placement has ended: its seat is free and the student is told.",
    )
