"""Work permit pages: each party's part from their e-mailed link (no account), the student's
part signed in, the permit's page for the placement's people (staff issue or refuse it
there), and the staff's list of permits still waiting."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext, refresh
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from wbl.access import AUTHENTICATED, PUBLIC, Role, policy
from wbl.clock import local_today
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import db
from wbl.i18n import SESSION_KEY, supported
from wbl.placements import permits, policies
from wbl.placements.models import PermitPart, PermitParty, PermitStatus, WorkPermit
from wbl.tokens import ExpiredLink, InvalidLink, private_link_page

bp = Blueprint("permits", __name__)

GRADES = [SelectChoice("", _l("Choose…"))] + [
    SelectChoice(g, g) for g in ("7", "8", "9", "10", "11", "12")
]


class PartForm(FlaskForm):
    """Every party's fields; the page shows (and the service reads) those of the party."""

    school_name = StringField(_l("Your school"), validators=[Optional(), Length(max=120)])
    grade = SelectField(_l("Your grade"), choices=GRADES, validators=[Optional()])
    consents = BooleanField(
        _l("I am the parent or guardian and I consent to this work and to the permit request")
    )
    job_title = StringField(_l("Job title"), validators=[Optional(), Length(max=120)])
    duties = TextAreaField(
        _l("Duties"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 3}
    )
    hours_per_day = IntegerField(
        _l("Hours per day"), validators=[Optional()], description=_l("Whole hours, 1 to 8.")
    )
    hours_per_week = IntegerField(
        _l("Hours per week"), validators=[Optional()], description=_l("Whole hours, 1 to 48.")
    )
    pay_rate = StringField(
        _l("Pay rate (optional)"),
        validators=[Optional(), Length(max=40)],
        description=_l("For example $17.00 an hour."),
    )
    typed_name = StringField(
        _l("Your full name"),
        validators=[Optional(), Length(max=120)],
        description=_l("Typing your name signs your part of the request."),
        render_kw={"autocomplete": "name"},
    )
    submit = SubmitField(_l("Sign and send"))

    def answer(self) -> permits.PartAnswer:
        return permits.PartAnswer(
            typed_name=self.typed_name.data or "",
            school_name=self.school_name.data or "",
            grade=self.grade.data or "",
            consents=bool(self.consents.data),
            job_title=self.job_title.data or "",
            duties=self.duties.data or "",
            hours_per_day=self.hours_per_day.data,
            hours_per_week=self.hours_per_week.data,
            pay_rate=self.pay_rate.data or "",
        )


class IssueForm(FlaskForm):
    issued_on = DateField("Issued on", validators=[DataRequired("Give the day it was issued.")])
    expires_on = DateField(
        "Expires on",
        validators=[DataRequired("Give the day it expires.")],
        description="As written on the permit. In California a permit expires at the latest "
        "five days after the start of the next school year.",
    )
    permit_number = StringField("Permit number (optional)", validators=[Optional(), Length(max=40)])
    submit = SubmitField("Issue the permit")


class RefuseForm(FlaskForm):
    reason = TextAreaField(
        "Reason",
        validators=[Optional(), Length(max=permits.MAX_REASON)],
        description="E-mailed to the student and the guardian: write it for them.",
        render_kw={"rows": 3},
    )
    submit = SubmitField("Refuse the permit")


class ActionForm(FlaskForm):
    submit = SubmitField("Send")


def _link_problem(error: DomainError) -> Response:
    used = isinstance(error, permits.PartAlreadyGiven)
    expired = isinstance(error, ExpiredLink)
    response = Response(
        render_template(
            "permits/link_problem.html", message=gettext(error.message), expired=expired, used=used
        ),
        status=410 if used or expired else 400,
    )
    return private_link_page(response)


def _show_errors(form: PartForm, error: DomainError) -> None:
    target = getattr(form, error.field or "typed_name", form.typed_name)
    target.errors = [error.message]


def _part_page(
    form: PartForm, part: PermitPart, permit: WorkPermit, *, signed_in: bool
) -> Response:
    return Response(
        render_template(
            "permits/part.html",
            form=form,
            part=part,
            permit=permit,
            party_label=gettext(permits.PARTY_LABELS[part.party]),
            signed_in=signed_in,
        ),
        status=422 if form.errors else 200,
    )


# --- from the e-mailed link ----------------------------------------------------------------


@bp.route("/permits/<token>", methods=["GET", "POST"])
@policy(PUBLIC)
def part(token: str) -> ResponseReturnValue:
    try:
        found, nonce = permits.read_part_link(token)
    except InvalidLink as error:
        return _link_problem(error)
    language = supported(permits.guardian_page_language(found))
    if language and not session.get(SESSION_KEY):
        # The guardian's page in their language (they may still switch in the footer).
        session[SESSION_KEY] = language
        refresh()
    permit = found.permit
    form = PartForm()
    if form.validate_on_submit():
        try:
            permits.give_part(found.id, nonce, form.answer(), ip_address=request.remote_addr or "")
        except InvalidLink as error:
            return _link_problem(error)
        except (NotFound, Forbidden):
            raise
        except DomainError as error:
            _show_errors(form, error)
        else:
            return private_link_page(
                Response(render_template("permits/part_done.html", permit=permit, part=found))
            )
    elif form.is_submitted() and "csrf_token" in form.errors:
        abort(400)
    return private_link_page(_part_page(form, found, permit, signed_in=False))


# --- signed in -----------------------------------------------------------------------------


@bp.route("/placements/<int:placement_id>/permit/my-part", methods=["GET", "POST"])
@policy(Role.STUDENT)
def my_part(placement_id: int) -> ResponseReturnValue:
    found = permits.own_part(current_user, placement_id)
    permit = found.permit
    if found.signed_at is not None:
        flash(gettext("You have already given your part of the permit request."), "info")
        return redirect(url_for("permits.detail", placement_id=placement_id))
    form = PartForm()
    if not form.is_submitted():  # what the records say, for the student to check
        form.school_name.data = permit.placement.student.school.name
        form.grade.data = str(permit.placement.student.grade)
    if form.validate_on_submit():
        try:
            permits.give_own_part(
                current_user, placement_id, form.answer(), ip_address=request.remote_addr or ""
            )
        except (NotFound, Forbidden):
            raise
        except DomainError as error:
            _show_errors(form, error)
        else:
            flash(gettext("Your part of the work permit request is sent."), "success")
            return redirect(url_for("permits.detail", placement_id=placement_id))
    return _part_page(form, found, permit, signed_in=True)


@bp.get("/placements/<int:placement_id>/permit")
@policy(AUTHENTICATED)
def detail(placement_id: int) -> ResponseReturnValue:
    permit = permits.get_permit(current_user, placement_id)
    return _detail(permit, IssueForm(), RefuseForm())


def _detail(
    permit: WorkPermit, issue_form: IssueForm, refuse_form: RefuseForm, status: int = 200
) -> ResponseReturnValue:
    placement = permit.placement
    is_staff = policies.staff_sees(current_user, placement)
    student_part = next(p for p in permit.parts if p.party is PermitParty.STUDENT)
    return render_template(
        "permits/detail.html",
        permit=permit,
        placement=placement,
        labels=permits.PARTY_LABELS,
        is_staff=is_staff,
        is_student=policies.is_student_of(current_user, placement),
        student_part=student_part,
        blocked=permits.hours_blocked(placement, local_today()),
        issue_form=issue_form,
        refuse_form=refuse_form,
        action_form=ActionForm(),
        Status=PermitStatus,
    ), status


@bp.post("/placements/<int:placement_id>/permit/issue")
@policy(Role.STAFF)
def issue(placement_id: int) -> ResponseReturnValue:
    permit = permits.get_permit(current_user, placement_id)
    if not policies.staff_sees(current_user, permit.placement):
        raise Forbidden()
    form = IssueForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _detail(permit, form, RefuseForm(), 422)
    try:
        permits.issue(
            current_user,
            placement_id,
            permits.Issue(form.issued_on.data, form.expires_on.data, form.permit_number.data or ""),
        )
    except (NotFound, Forbidden):
        raise
    except DomainError as error:
        if error.field and hasattr(form, error.field):
            getattr(form, error.field).errors = [error.message]
            return _detail(permits.get_permit(current_user, placement_id), form, RefuseForm(), 422)
        flash(error.message, "warning")
    else:
        flash(
            "The permit is issued; the student, the guardian and the employer are told.", "success"
        )
    return redirect(url_for("permits.detail", placement_id=placement_id))


@bp.post("/placements/<int:placement_id>/permit/refuse")
@policy(Role.STAFF)
def refuse(placement_id: int) -> ResponseReturnValue:
    permit = permits.get_permit(current_user, placement_id)
    if not policies.staff_sees(current_user, permit.placement):
        raise Forbidden()
    form = RefuseForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _detail(permit, IssueForm(), form, 422)
    try:
        permits.refuse(current_user, placement_id, form.reason.data or "")
    except (NotFound, Forbidden):
        raise
    except DomainError as error:
        if error.field == "reason":
            form.reason.errors = [error.message]
            return _detail(permits.get_permit(current_user, placement_id), IssueForm(), form, 422)
        flash(error.message, "warning")
    else:
        flash(
            "The permit is refused; the student and the guardian are e-mailed the reason.",
            "success",
        )
    return redirect(url_for("permits.detail", placement_id=placement_id))


@bp.post("/placements/<int:placement_id>/permit/<party>/resend")
@policy(Role.STAFF)
def resend(placement_id: int, party: str) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        which = PermitParty(party)
    except ValueError:
        raise NotFound() from None
    try:
        sent = permits.resend_link(current_user, placement_id, which)
    except (NotFound, Forbidden):
        raise
    except DomainError as error:
        flash(error.message, "warning")
    else:
        flash(f"A new link was sent to {sent.email}. The old link no longer works.", "success")
    return redirect(url_for("permits.detail", placement_id=placement_id))


@bp.post("/placements/<int:placement_id>/permit/request")
@policy(Role.STAFF)
def open_request(placement_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        permits.request_permit(current_user, placement_id)
    except (NotFound, Forbidden):
        raise
    except DomainError as error:
        flash(error.message, "warning")
        return redirect(request.referrer or url_for("permits.index"))
    flash("The work permit request is open; each party is sent their link.", "success")
    return redirect(url_for("permits.detail", placement_id=placement_id))


@bp.get("/permits")
@policy(Role.STAFF)
def index() -> ResponseReturnValue:
    waiting = list(db.session.scalars(permits.pending_for(current_user)))
    return render_template("permits/index.html", permits=waiting, Status=PermitStatus)
