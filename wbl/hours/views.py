"""Hours pages: the student's log on a placement, the supervisor's inbox, an entry's trail."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal, get_locale, gettext, ngettext
from flask_login import current_user

from wbl.access import Role, policy
from wbl.clock import local_today
from wbl.errors import DomainError, Forbidden, NotFound, flash_refusal
from wbl.extensions import db
from wbl.hours import queries, services
from wbl.hours.forms import ActionForm, ConfirmForm, EntryForm, RejectForm
from wbl.hours.minutes import hours_text
from wbl.hours.models import EntryStatus, HourEntry
from wbl.i18n import is_english
from wbl.incidents import policies as incident_policies
from wbl.incidents import queries as incident_queries
from wbl.placements import permits, policies
from wbl.visits import policies as visit_policies
from wbl.visits.safety import safety_checks

bp = Blueprint("hours", __name__, url_prefix="/hours")

VIEWERS = (Role.STUDENT, Role.TEACHER, Role.EMPLOYER, Role.STAFF)


def _form_error(form: EntryForm | RejectForm, error: DomainError, default: str) -> None:
    getattr(form, error.field or default, getattr(form, default)).errors.append(error.message)


@bp.app_template_filter("hours")
def _hours_filter(minutes: int | None) -> str:
    if not is_english():  # "1,5" in Spanish
        return format_decimal((minutes or 0) / 60, "#,##0.##")
    return hours_text(minutes or 0)


@bp.app_template_filter("hours_words")
def _hours_words(minutes: int | None) -> str:
    """ "1 hour", "1.25 hours" (in Spanish "1 hora", "1,25 horas")."""
    minutes = minutes or 0
    locale = get_locale()
    english = locale is None or locale.language == "en"
    number = hours_text(minutes) if english else format_decimal(minutes / 60, "0.##")
    return ngettext("%(hours)s hour", "%(hours)s hours", 1 if minutes == 60 else 2, hours=number)


@bp.app_template_filter("iso_day")
def _iso_day(value: str | None) -> date | None:
    """A date kept as ISO text in an event's detail, as a date for the ``day`` filter."""
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


@bp.route("/placements/<int:placement_id>", methods=["GET", "POST"])
@policy(*VIEWERS)
def placement(placement_id: int) -> ResponseReturnValue:
    current = services.get_placement(current_user, placement_id)
    is_student = policies.is_student_of(current_user, current)
    under_way = current.under_way(local_today())
    # A minor's paid placement waits for the work permit (the service refuses it too).
    permit_blocked = permits.hours_blocked(current, local_today()) if under_way else None
    can_log = is_student and under_way and not permit_blocked
    form = EntryForm()
    if form.is_submitted() and not can_log:
        raise Forbidden(
            gettext("Only the student logs hours, on an active placement, from its first day.")
        )
    if form.validate_on_submit():
        try:
            services.log_hours(current_user, current.id, *form.entry())
        except DomainError as error:
            _form_error(form, error, "description")
        else:
            flash(gettext("Your hours are logged and wait for your supervisor."), "success")
            return redirect(url_for("hours.placement", placement_id=current.id))
    entries = list(db.session.scalars(queries.placement_entries(current.id)))
    confirmed, pending = db.session.execute(queries.placement_totals(current.id)).one()
    sees_visits = visit_policies.sees_visits(current_user, current)
    return render_template(
        "hours/placement.html",
        placement=current,
        entries=entries,
        confirmed=confirmed,
        pending=pending,
        form=form if can_log else None,
        is_student=is_student,
        is_supervisor=policies.is_employer_of(current_user, current),
        is_staff=policies.staff_sees(current_user, current),
        under_way=under_way,
        permit_blocked=permit_blocked,
        action_form=ActionForm(),
        may_report=incident_policies.reporter_role(current_user, current) is not None,
        my_reports=list(db.session.scalars(incident_queries.reported_by(current_user, current.id))),
        sees_visits=sees_visits,
        # Staff and the student's teachers only (as visits and incidents): docs/safety.md.
        safety=safety_checks(current_user, current, local_today()) if sees_visits else None,
    ), (422 if form.errors else 200)


def _own_pending_form(entry: HourEntry) -> EntryForm:
    form = EntryForm()
    form.show(entry.work_date, entry.minutes, entry.description)
    return form


def _change_entry(entry_id: int, *, correcting: bool) -> ResponseReturnValue:
    """Edit a pending entry, or correct a confirmed one (a new entry): one form, two rules."""
    entry = services.get_entry(current_user, entry_id)
    if not policies.is_student_of(current_user, entry.placement):
        raise Forbidden()
    form = _own_pending_form(entry)
    if form.validate_on_submit():
        change = services.correct_entry if correcting else services.edit_entry
        try:
            change(current_user, entry.id, *form.entry())
        except DomainError as error:
            _form_error(form, error, "description")
        else:
            flash(
                gettext("Your correction is sent to your supervisor.")
                if correcting
                else gettext("Your entry is changed."),
                "success",
            )
            return redirect(url_for("hours.placement", placement_id=entry.placement_id))
    page = render_template("hours/entry_form.html", entry=entry, form=form, correcting=correcting)
    return page, (422 if form.errors else 200)


@bp.route("/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@policy(Role.STUDENT)
def entry_edit(entry_id: int) -> ResponseReturnValue:
    return _change_entry(entry_id, correcting=False)


@bp.route("/entries/<int:entry_id>/correct", methods=["GET", "POST"])
@policy(Role.STUDENT)
def entry_correct(entry_id: int) -> ResponseReturnValue:
    return _change_entry(entry_id, correcting=True)


@bp.route("/entries/<int:entry_id>/delete", methods=["POST"])
@policy(Role.STUDENT)
def entry_delete(entry_id: int) -> ResponseReturnValue:
    entry = services.get_entry(current_user, entry_id)
    form = ActionForm()
    if form.validate_on_submit():
        with flash_refusal("danger") as attempt:
            services.delete_entry(current_user, entry.id)
        if attempt.ok:
            flash(gettext("Your entry is withdrawn."), "success")
    return redirect(url_for("hours.placement", placement_id=entry.placement_id))


def _render_inbox(reject_forms: dict[int, RejectForm] | None = None) -> ResponseReturnValue:
    entries = list(db.session.scalars(queries.supervisor_pending(current_user.id)))
    forms = reject_forms or {}
    for entry in entries:
        forms.setdefault(entry.id, RejectForm(prefix=f"reject-{entry.id}", formdata=None))
    return render_template(
        "hours/inbox.html", entries=entries, confirm_form=ConfirmForm(), reject_forms=forms
    ), (422 if any(f.errors for f in forms.values()) else 200)


@bp.route("/inbox")
@policy(Role.EMPLOYER)
def inbox() -> ResponseReturnValue:
    return _render_inbox()


@bp.route("/confirm", methods=["POST"])
@policy(Role.EMPLOYER)
def confirm() -> ResponseReturnValue:
    form = ConfirmForm()
    if form.validate_on_submit():
        with flash_refusal("danger") as attempt:
            count = services.confirm(current_user, form.chosen())
        if attempt.ok:
            if count:
                noun = "entry" if count == 1 else "entries"
                flash(f"{count} {noun} confirmed.", "success")
            else:
                flash("Those entries were already decided; nothing was changed.", "info")
    return redirect(url_for("hours.inbox"))


@bp.route("/entries/<int:entry_id>/reject", methods=["POST"])
@policy(Role.EMPLOYER)
def reject(entry_id: int) -> ResponseReturnValue:
    form = RejectForm(prefix=f"reject-{entry_id}")
    if form.validate_on_submit():
        try:
            services.reject(current_user, entry_id, form.reason.data or "")
        except services.AlreadyDecided as error:
            flash(error.message, "info")
        except DomainError as error:
            if isinstance(error, NotFound | Forbidden):
                raise
            _form_error(form, error, "reason")
        else:
            flash("The entry is rejected; the student sees your reason.", "success")
            return redirect(url_for("hours.inbox"))
    else:
        # Check the scope before showing anything (a stranger's entry is not found).
        entry = services.get_entry(current_user, entry_id)
        if not policies.is_employer_of(current_user, entry.placement):
            raise Forbidden()
    if not form.errors:
        return redirect(url_for("hours.inbox"))
    return _render_inbox({entry_id: form})


@bp.route("/entries/<int:entry_id>")
@policy(*VIEWERS)
def entry(entry_id: int) -> ResponseReturnValue:
    current = services.get_entry(current_user, entry_id)
    events = list(db.session.scalars(queries.audit_trail(current.id)))
    corrections = list(
        db.session.scalars(
            queries.placement_entries(current.placement_id).where(
                HourEntry.corrects_id == current.id
            )
        )
    )
    return render_template(
        "hours/entry.html",
        entry=current,
        events=events,
        corrections=corrections,
        is_student=policies.is_student_of(current_user, current.placement),
        is_supervisor=policies.is_employer_of(current_user, current.placement),
        pending=current.status is EntryStatus.PENDING,
    )
