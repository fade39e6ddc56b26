"""Externship pages: the list for each role, an externship (apply, place teams), a placed
teacher's hours and project, and the staff views per school and per partner."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm

from wbl.access import Role, policy
from wbl.auth.models import User
from wbl.clock import local_today
from wbl.downloads import attachment, slug
from wbl.errors import DomainError, Forbidden, field_error, flash_refusal
from wbl.extensions import db
from wbl.externships import policies, projects, queries, selection, services, teacher_hours
from wbl.externships.forms import (
    ActionForm,
    ApplyForm,
    CancelForm,
    DeclineForm,
    ExternshipForm,
    HoursForm,
    PlaceForm,
    ProjectForm,
    RejectForm,
)
from wbl.externships.models import (
    Externship,
    ExternshipApplication,
    ExternshipHourStatus,
    ExternshipStatus,
    TeacherApplicationStatus,
)
from wbl.hours.minutes import hours_text
from wbl.http import db_int
from wbl.imports.writing import csv_bytes
from wbl.portfolio.views import download
from wbl.scopes import is_staff

bp = Blueprint("externships", __name__, url_prefix="/externships")

READERS = (Role.TEACHER, Role.EMPLOYER, Role.STAFF)
MANAGERS = (Role.EMPLOYER, Role.STAFF)


def _refused(form: FlaskForm, error: DomainError) -> None:
    """A service's refusal next to its field, or flashed above the form."""
    problem = field_error(form, error)
    if problem:
        flash(problem, "warning")


@bp.get("/")
@policy(*READERS)
def index() -> ResponseReturnValue:
    """Teachers: open externships and their own applications; staff and employers: the
    externships they manage."""
    today = local_today()
    if is_staff(current_user) or current_user.has_role(Role.EMPLOYER):
        return render_template(
            "externships/index.html",
            managed=list(db.session.scalars(queries.managed_externships(current_user))),
            is_staff=is_staff(current_user),
            today=today,
        )
    mine = list(db.session.scalars(queries.teacher_applications(current_user.id)))
    applied_to = {a.externship_id for a in mine}
    open_ones = [
        e for e in db.session.scalars(queries.open_externships(today)) if e.id not in applied_to
    ]
    return render_template(
        "externships/teacher_index.html", open_ones=open_ones, mine=mine, today=today
    )


def _partner_choices(form: ExternshipForm) -> None:
    partners = services.partners_for(current_user)
    form.partner_id.choices = [(p.id, p.name) for p in partners]


def _save_form(form: ExternshipForm, externship: Externship | None) -> ResponseReturnValue | None:
    if not form.validate_on_submit():
        return None
    try:
        if externship is None:
            externship = services.create_externship(current_user, form.draft())
        else:
            externship = services.edit_externship(current_user, externship.id, form.draft())
    except DomainError as error:
        _refused(form, error)
        return None
    still_open = " and open to teachers" if externship.status is ExternshipStatus.OPEN else ""
    flash(f"“{externship.title}” is saved{still_open}.", "success")
    return redirect(url_for("externships.detail", externship_id=externship.id))


@bp.route("/new", methods=["GET", "POST"])
@policy(*MANAGERS)
def new() -> ResponseReturnValue:
    form = ExternshipForm()
    _partner_choices(form)
    if not form.partner_id.choices:
        raise Forbidden("You are not a contact of any partner.")
    partner_id = request.args.get("partner_id", type=db_int)
    if not form.is_submitted() and partner_id is not None:
        form.partner_id.data = partner_id
    done = _save_form(form, None)
    if done is not None:
        return done
    page = render_template("externships/form.html", form=form, externship=None)
    return page, (422 if form.errors else 200)


@bp.route("/<int:externship_id>/edit", methods=["GET", "POST"])
@policy(*MANAGERS)
def edit(externship_id: int) -> ResponseReturnValue:
    externship = services.get_externship(current_user, externship_id)
    if not policies.can_manage(current_user, externship):
        raise Forbidden()
    form = ExternshipForm(obj=externship)
    form.partner_id.choices = [(externship.partner_id, externship.partner.name)]
    form.partner_id.data = externship.partner_id
    done = _save_form(form, externship)
    if done is not None:
        return done
    page = render_template("externships/form.html", form=form, externship=externship)
    return page, (422 if form.errors else 200)


@bp.get("/<int:externship_id>")
@policy(*READERS)
def detail(externship_id: int) -> ResponseReturnValue:
    return _detail(externship_id, ApplyForm())


def _detail(externship_id: int, apply_form: ApplyForm) -> ResponseReturnValue:
    externship = services.get_externship(current_user, externship_id)
    manager = policies.can_manage(current_user, externship)
    applications = (
        list(db.session.scalars(queries.applications_of(externship.id, current_user)))
        if manager
        else []
    )
    mine = None
    if current_user.has_role(Role.TEACHER) and not manager:
        mine = services.own_application(current_user, externship.id)
    teams: dict[int, list[ExternshipApplication]] = {}
    for application in applications:
        if application.team_id is not None:
            teams.setdefault(application.team_id, []).append(application)
    page = render_template(
        "externships/detail.html",
        externship=externship,
        manager=manager,
        is_staff=is_staff(current_user),
        applications=applications,
        waiting=[a for a in applications if a.status is TeacherApplicationStatus.APPLIED],
        teams=teams,
        mine=mine,
        problem=selection.open_problem(externship, local_today()),
        apply_form=apply_form,
        place_form=PlaceForm(),
        decline_form=DeclineForm(),
        cancel_form=CancelForm(),
        action_form=ActionForm(),
        OPEN=ExternshipStatus.OPEN,
        CLOSED=ExternshipStatus.CLOSED,
        CANCELLED=ExternshipStatus.CANCELLED,
    )
    return page, (422 if apply_form.errors else 200)


def _status_button(
    externship_id: int, move: Callable[[User, int], Externship], done: str
) -> ResponseReturnValue:
    if ActionForm().validate_on_submit():
        with flash_refusal() as attempt:
            externship = move(current_user, externship_id)
        if attempt.ok:
            flash(f"“{externship.title}” {done}", "success")
    return redirect(url_for("externships.detail", externship_id=externship_id))


@bp.post("/<int:externship_id>/close")
@policy(*MANAGERS)
def close(externship_id: int) -> ResponseReturnValue:
    return _status_button(
        externship_id, services.close_externship, "is closed to new applications."
    )


@bp.post("/<int:externship_id>/reopen")
@policy(*MANAGERS)
def reopen(externship_id: int) -> ResponseReturnValue:
    return _status_button(externship_id, services.reopen_externship, "takes applications again.")


@bp.post("/<int:externship_id>/cancel")
@policy(*MANAGERS)
def cancel(externship_id: int) -> ResponseReturnValue:
    form = CancelForm()
    if not form.validate_on_submit():
        services.get_externship(current_user, externship_id)  # out of scope: 404 first
        flash("Say why the externship is cancelled (the teachers are sent this).", "warning")
    else:
        with flash_refusal() as attempt:
            externship = services.cancel_externship(
                current_user, externship_id, form.reason.data or ""
            )
        if attempt.ok:
            flash(f"“{externship.title}” is cancelled; the teachers are told.", "success")
    return redirect(url_for("externships.detail", externship_id=externship_id))


@bp.post("/<int:externship_id>/apply")
@policy(Role.TEACHER)
def apply(externship_id: int) -> ResponseReturnValue:
    form = ApplyForm()
    if form.validate_on_submit():
        try:
            selection.apply(current_user, externship_id, form.statement.data or "")
        except DomainError as error:
            _refused(form, error)
        else:
            flash("Your application is sent. Staff will let you know.", "success")
            return redirect(url_for("externships.detail", externship_id=externship_id))
    return _detail(externship_id, form)


@bp.post("/<int:externship_id>/place")
@policy(Role.STAFF)
def place(externship_id: int) -> ResponseReturnValue:
    form = PlaceForm()
    if form.validate_on_submit():
        with flash_refusal() as attempt:
            team = selection.place_team(
                current_user, externship_id, form.application_ids.data or []
            )
        if attempt.ok:
            names = ", ".join(member.teacher.full_name for member in team.members)
            flash(f"Placed as a team: {names}. They and the partner are told.", "success")
    return redirect(url_for("externships.detail", externship_id=externship_id))


@bp.post("/applications/<int:application_id>/withdraw")
@policy(Role.TEACHER)
def withdraw(application_id: int) -> ResponseReturnValue:
    application = services.get_application(current_user, application_id)
    if ActionForm().validate_on_submit():
        with flash_refusal() as attempt:
            selection.withdraw(current_user, application.id)
        if attempt.ok:
            flash("Your application is withdrawn.", "success")
    return redirect(url_for("externships.detail", externship_id=application.externship_id))


@bp.post("/applications/<int:application_id>/decline")
@policy(Role.STAFF)
def decline(application_id: int) -> ResponseReturnValue:
    application = services.get_application(current_user, application_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        flash("Tell the teacher why (they see this note).", "warning")
    else:
        with flash_refusal() as attempt:
            selection.decline(current_user, application.id, form.note.data or "")
        if attempt.ok:
            flash(f"{application.teacher.full_name} is told.", "success")
    return redirect(url_for("externships.detail", externship_id=application.externship_id))


# --- a placed teacher's hours and project ----------------------------------------------------


@bp.route("/applications/<int:application_id>", methods=["GET", "POST"])
@policy(*READERS)
def placement(application_id: int) -> ResponseReturnValue:
    application = services.get_application(current_user, application_id)
    own = policies.is_teacher_of(current_user, application)
    can_log = own and application.status is TeacherApplicationStatus.PLACED
    form = HoursForm()
    if form.is_submitted() and not can_log:
        raise Forbidden("Only the placed teacher logs their hours.")
    if form.validate_on_submit():
        try:
            teacher_hours.log_hours(current_user, application.id, *form.entry())
        except DomainError as error:
            _refused(form, error)
        else:
            flash("Your hours are logged and wait for the partner.", "success")
            return redirect(url_for("externships.placement", application_id=application.id))
    hours = list(db.session.scalars(queries.hours_of(application.id)))
    confirmed, pending = db.session.execute(queries.application_totals(application.id)).one()
    page = render_template(
        "externships/placement.html",
        application=application,
        externship=application.externship,
        hours=hours,
        trail=list(db.session.scalars(queries.trail_of(application.id))),
        confirmed=confirmed,
        pending=pending,
        own=own,
        form=form if can_log else None,
        can_decide=policies.can_decide(current_user, application),
        is_staff=is_staff(current_user),
        reject_form=RejectForm(),
        action_form=ActionForm(),
        PENDING=ExternshipHourStatus.PENDING,
    )
    return page, (422 if form.errors else 200)


@bp.route("/hours/<int:hour_id>/edit", methods=["GET", "POST"])
@policy(Role.TEACHER)
def hour_edit(hour_id: int) -> ResponseReturnValue:
    hour = teacher_hours.get_hour(current_user, hour_id)
    if not policies.is_teacher_of(current_user, hour.application):
        raise Forbidden()
    form = HoursForm()
    form.show(hour.work_date, hour.minutes, hour.description)
    if form.validate_on_submit():
        try:
            teacher_hours.edit_hours(current_user, hour.id, *form.entry())
        except DomainError as error:
            _refused(form, error)
        else:
            flash("Your entry is changed.", "success")
            return redirect(url_for("externships.placement", application_id=hour.application_id))
    page = render_template("externships/hour_form.html", hour=hour, form=form)
    return page, (422 if form.errors else 200)


@bp.post("/hours/<int:hour_id>/delete")
@policy(Role.TEACHER)
def hour_delete(hour_id: int) -> ResponseReturnValue:
    hour = teacher_hours.get_hour(current_user, hour_id)
    application_id = hour.application_id
    if ActionForm().validate_on_submit():
        with flash_refusal() as attempt:
            teacher_hours.withdraw_hours(current_user, hour.id)
        if attempt.ok:
            flash("The entry is withdrawn.", "success")
    return redirect(url_for("externships.placement", application_id=application_id))


@bp.post("/hours/<int:hour_id>/confirm")
@policy(*MANAGERS)
def hour_confirm(hour_id: int) -> ResponseReturnValue:
    hour = teacher_hours.get_hour(current_user, hour_id)
    if ActionForm().validate_on_submit():
        with flash_refusal() as attempt:
            teacher_hours.confirm_hours(current_user, hour.id)
        if attempt.ok:
            flash("Hours confirmed.", "success")
    return redirect(url_for("externships.placement", application_id=hour.application_id))


@bp.post("/hours/<int:hour_id>/reject")
@policy(*MANAGERS)
def hour_reject(hour_id: int) -> ResponseReturnValue:
    hour = teacher_hours.get_hour(current_user, hour_id)
    form = RejectForm()
    if not form.validate_on_submit():
        flash("Tell the teacher why (they see this reason).", "warning")
    else:
        with flash_refusal() as attempt:
            teacher_hours.reject_hours(current_user, hour.id, form.reason.data or "")
        if attempt.ok:
            flash("Hours rejected; the teacher sees your reason.", "success")
    return redirect(url_for("externships.placement", application_id=hour.application_id))


@bp.route("/applications/<int:application_id>/project", methods=["GET", "POST"])
@policy(Role.TEACHER)
def project(application_id: int) -> ResponseReturnValue:
    application = services.get_application(current_user, application_id)
    if not policies.is_teacher_of(current_user, application):
        raise Forbidden()
    form = ProjectForm()
    if not form.is_submitted():
        form.title.data = application.project_title
        form.summary.data = application.project_summary
    if form.validate_on_submit():
        try:
            projects.save_project(current_user, application.id, form.edit())
        except DomainError as error:
            _refused(form, error)
        else:
            flash("Your classroom project is attached.", "success")
            return redirect(url_for("externships.placement", application_id=application.id))
    page = render_template("externships/project_form.html", application=application, form=form)
    return page, (422 if form.errors else 200)


@bp.get("/applications/<int:application_id>/project/file")
@policy(*READERS)
def project_file(application_id: int) -> ResponseReturnValue:
    return download(projects.project_file(current_user, application_id))


@bp.post("/applications/<int:application_id>/complete")
@policy(Role.TEACHER, Role.STAFF)
def complete(application_id: int) -> ResponseReturnValue:
    application = services.get_application(current_user, application_id)
    if ActionForm().validate_on_submit():
        with flash_refusal() as attempt:
            projects.complete(current_user, application.id)
        if attempt.ok:
            flash("The externship is marked completed.", "success")
    return redirect(url_for("externships.placement", application_id=application.id))


# --- staff views -----------------------------------------------------------------------------

CSV_HEADER = [
    "School",
    "Teacher",
    "Partner",
    "Externship",
    "Dates",
    "Team",
    "Status",
    "Confirmed hours",
    "Pending hours",
    "Project",
]


def _csv(groups: list[queries.Group], name: str) -> Response:
    rows = [
        [
            row.school,
            row.teacher,
            row.partner,
            row.externship,
            f"{row.starts_on.isoformat()} to {row.ends_on.isoformat()}",
            f"Team {row.team_id}" if row.team_id else "",
            row.status.label,
            hours_text(row.confirmed),
            hours_text(row.pending),
            row.project_title,
        ]
        for group in groups
        for row in group.rows
    ]
    return attachment(csv_bytes(CSV_HEADER, rows), f"{slug(name, 'externships')}.csv", "text/csv")


@bp.get("/by-school")
@policy(Role.STAFF)
def by_school() -> ResponseReturnValue:
    groups = queries.by_school(current_user)
    if request.args.get("format") == "csv":
        return _csv(groups, f"externships by school {local_today().isoformat()}")
    return render_template("externships/by_school.html", groups=groups)


@bp.get("/by-partner")
@policy(Role.STAFF)
def by_partner() -> ResponseReturnValue:
    groups = queries.by_partner(current_user)
    if request.args.get("format") == "csv":
        return _csv(groups, f"externships by partner {local_today().isoformat()}")
    return render_template("externships/by_partner.html", groups=groups)
