"""Teachers request class events; partners accept one date or decline."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime, get_locale
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from wbl.access import Role, policy
from wbl.clock import local_when, to_local
from wbl.errors import DomainError
from wbl.events import policies, services
from wbl.events.forms import (
    OPTION_NUMBERS,
    AcceptForm,
    AttendanceForm,
    CancelForm,
    DeclineForm,
    EventRequestForm,
)
from wbl.events.models import EventRequest, EventRequestStatus
from wbl.extensions import utcnow
from wbl.hours import attendance as attendance_service
from wbl.http import db_int
from wbl.pagination import page_number
from wbl.reference.models import ExperienceKind
from wbl.reference.queries import experience_type_names
from wbl.schools import services as school_services
from wbl.schools.models import ClassSection
from wbl.scopes import partner_id_set

bp = Blueprint("events", __name__, url_prefix="/events")


@bp.app_template_filter("local_when")
def _local_when(value: datetime | None, duration_minutes: int | None = None) -> str:
    """A UTC datetime as the county's wall clock reads it: "Tue, Dec 1, 2026, 9:30 AM PST"
    (in Spanish "mar, 1 dic 2026, 9:30 PST", the day and month in Babel's words)."""
    locale = get_locale()
    if value is None or locale is None or locale.language == "en":
        return local_when(value, duration_minutes)
    start = to_local(value)
    text = format_datetime(start, "EEE, d MMM y, H:mm", rebase=False)
    if duration_minutes:
        end = start + timedelta(minutes=duration_minutes)
        text += f"–{end.hour}:{end.minute:02d}"
    return f"{text} {start.tzname()}"


def _class_label(section: ClassSection) -> str:
    return section.name + (f" (period {section.period})" if section.period else "")


@bp.get("")
@policy(Role.TEACHER, Role.EMPLOYER, Role.STAFF)
def index() -> ResponseReturnValue:
    return render_template(
        "events/index.html",
        page=services.request_page(current_user, request.args.get("page", 1, type=page_number)),
        kind_names=experience_type_names(),
        is_teacher=current_user.has_role(Role.TEACHER),
    )


def _options(form: EventRequestForm) -> tuple[services.DateOptionInput, ...]:
    chosen = []
    for n in OPTION_NUMBERS:
        day, start = form[f"date_{n}"].data, form[f"time_{n}"].data
        if day and start:
            minutes = form[f"duration_{n}"].data or 60
            chosen.append(services.DateOptionInput(day, start, minutes))
    return tuple(chosen)


@bp.route("/new", methods=["GET", "POST"])
@policy(Role.TEACHER)
def new() -> ResponseReturnValue:
    """From an offering (``?offering=ID``) or for a partner the teacher chooses."""
    offering_id = request.args.get("offering", type=db_int)
    offering = services.requestable_offering(offering_id) if offering_id else None
    classes = school_services.own_classes(current_user)
    if not classes:
        flash("Add a class first: a class event is booked for one of your classes.", "info")
        return redirect(url_for("classes.new"))
    form = EventRequestForm()
    if offering is not None:
        del form.partner_id
        del form.kind
    else:
        form.partner_id.choices = [
            SelectChoice(0, "Choose a partner…"),
            *(SelectChoice(p.id, p.name) for p in services.active_partners()),
        ]
    form.class_section_id.choices = [
        SelectChoice(c.section.id, _class_label(c.section)) for c in classes
    ]
    if not form.is_submitted():
        wanted = request.args.get("class", type=db_int)
        default = next((c for c in classes if c.section.id == wanted), classes[0])
        form.class_section_id.data = default.section.id
        form.class_size.data = default.student_count or None
    if form.validate_on_submit():
        data = services.EventRequestInput(
            class_section_id=form.class_section_id.data or 0,
            class_size=form.class_size.data,
            topic=form.topic.data or "",
            notes=form.notes.data or "",
            options=_options(form),
            offering_id=offering.id if offering else None,
            partner_id=None if offering else (form.partner_id.data or None),
            kind=None if offering else ExperienceKind(form.kind.data),
        )
        try:
            sent = services.request_event(current_user, data)
        except DomainError as error:
            target = form._fields.get(error.field or "")
            if target is not None:
                target.errors = [*target.errors, error.message]
            else:
                flash(error.message, "warning")
        else:
            partner = sent.request.partner.name
            if sent.notified:
                flash(f"Your request is on its way to {partner}.", "success")
            else:
                flash(
                    f"Your request is saved, but {partner} has no contact in WBL yet: "
                    "your CTE coordinator can help reach them.",
                    "warning",
                )
            return redirect(url_for("events.detail", request_id=sent.request.id))
    return render_template(
        "events/new.html", form=form, offering=offering, kind_names=experience_type_names()
    )


def _render_detail(
    event: EventRequest,
    accept: AcceptForm | None = None,
    decline: DeclineForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    can_decide = policies.can_decide(current_user, event, partner_id_set(current_user))
    if can_decide:
        accept = accept or AcceptForm(prefix="accept")
        decline = decline or DeclineForm(prefix="decline")
        accept.option_id.choices = [
            SelectChoice(o.id, local_when(o.starts_at, o.duration_minutes)) for o in event.options
        ]
    return (
        render_template(
            "events/detail.html",
            event=event,
            accept=accept if can_decide else None,
            decline=decline if can_decide else None,
            cancel=CancelForm() if policies.can_cancel(current_user, event) else None,
            kind_names=experience_type_names(),
            attendance=_attendance_link(event),
        ),
        status,
    )


def _attendance_link(event: EventRequest) -> str | None:
    """ "open" when the actor may record the event's attendance now, "later" when they may
    once it has started, None otherwise."""
    if event.status is not EventRequestStatus.ACCEPTED or event.class_section_id is None:
        return None
    if not attendance_service.can_record(current_user, event):
        return None
    return "later" if attendance_service.refusal(event, utcnow()) else "open"


@bp.get("/<int:request_id>")
@policy(Role.TEACHER, Role.EMPLOYER, Role.STAFF)
def detail(request_id: int) -> ResponseReturnValue:
    return _render_detail(services.get_request(current_user, request_id))


@bp.post("/<int:request_id>/accept")
@policy(Role.EMPLOYER)
def accept(request_id: int) -> ResponseReturnValue:
    event = services.get_request(current_user, request_id)
    form = AcceptForm(prefix="accept")
    form.option_id.choices = [SelectChoice(o.id, "") for o in event.options]
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _render_detail(event, accept=form, status=200)
    try:
        services.accept_request(
            current_user, request_id, form.option_id.data or 0, form.message.data or ""
        )
    except services.AlreadyDecided as error:
        flash(error.message, "warning")
    except DomainError as error:
        if error.field in ("option_id", "message"):
            form[error.field].errors = [*form[error.field].errors, error.message]
            return _render_detail(event, accept=form, status=200)
        raise
    else:
        flash("Thank you! The teacher has been told the date is confirmed.", "success")
    return redirect(url_for("events.detail", request_id=request_id))


@bp.post("/<int:request_id>/decline")
@policy(Role.EMPLOYER)
def decline(request_id: int) -> ResponseReturnValue:
    event = services.get_request(current_user, request_id)
    form = DeclineForm(prefix="decline")
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _render_detail(event, decline=form, status=200)
    try:
        services.decline_request(current_user, request_id, form.message.data or "")
    except services.AlreadyDecided as error:
        flash(error.message, "warning")
    except DomainError as error:
        if error.field == "message":
            form.message.errors = [*form.message.errors, error.message]
            return _render_detail(event, decline=form, status=200)
        raise
    else:
        flash("The teacher has been told, with your message.", "success")
    return redirect(url_for("events.detail", request_id=request_id))


@bp.post("/<int:request_id>/cancel")
@policy(Role.TEACHER)
def cancel(request_id: int) -> ResponseReturnValue:
    if not CancelForm().validate_on_submit():
        abort(400)
    try:
        services.cancel_request(current_user, request_id)
    except services.AlreadyDecided as error:
        flash(error.message, "warning")
    else:
        flash("The request is cancelled and the partner has been told.", "success")
    return redirect(url_for("events.detail", request_id=request_id))


@bp.route("/<int:request_id>/attendance", methods=["GET", "POST"])
@policy(Role.TEACHER, Role.STAFF)
def attendance(request_id: int) -> ResponseReturnValue:
    """The class list of a confirmed event that has started: who was there, for how long."""
    sheet = attendance_service.attendance_sheet(current_user, request_id)
    form = AttendanceForm()
    form.present_ids.choices = [SelectChoice(s.id, s.user.full_name) for s in sheet.students]
    if not form.is_submitted():
        form.present_ids.data = [
            s.id
            for s in sheet.students
            if s.id not in sheet.recorded or sheet.recorded[s.id].present
        ]
        present_minutes = [r.minutes for r in sheet.recorded.values() if r.present]
        form.minutes.data = present_minutes[0] if present_minutes else sheet.default_minutes
    if form.validate_on_submit():
        try:
            result = attendance_service.record_attendance(
                current_user,
                request_id,
                set(form.present_ids.data or []),
                form.minutes.data or 0,
            )
        except DomainError as error:
            target = form._fields.get(error.field or "")
            if target is not None:
                target.errors = [*target.errors, error.message]
            else:
                form.form_errors.append(error.message)
        else:
            flash(
                f"Attendance saved: {result.present} present, {result.absent} absent. "
                "It shows in each student's experience log.",
                "success",
            )
            return redirect(url_for("events.detail", request_id=request_id))
    options = {int(o.data): o for o in form.present_ids}
    page = render_template(
        "events/attendance.html",
        sheet=sheet,
        event=sheet.event,
        form=form,
        options=options,
        kind_names=experience_type_names(),
    )
    return page, (422 if form.errors else 200)
