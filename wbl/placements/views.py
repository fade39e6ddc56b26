"""The application → placement pages: apply, the lists by role, one application with the
actions its viewer may take, and the guardian's consent page (from the e-mailed link).

Every action is a POST that validates its form, calls one service and redirects back to the
application page (Post/Redirect/Get: the back button cannot send it again). The services
check who may do what; the page only offers what the viewer may do. A service's NotFound
(out of scope) and Forbidden (visible, not theirs to do) pass through as 404 and 403; any
other business "no" becomes a message next to its field, or a flash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
from flask_babel import gettext
from flask_login import current_user
from flask_wtf import FlaskForm

from wbl.access import AUTHENTICATED, PUBLIC, Role, policy
from wbl.auth.models import User
from wbl.catalog import services as catalog_services
from wbl.clock import local_today
from wbl.downloads import attachment
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import db
from wbl.i18n import SESSION_KEY, supported
from wbl.pagination import page_number, paginate
from wbl.placements import applications, consent_answers, lifecycle, permits, policies, queries
from wbl.placements.consent import UsedLink, read_consent_link
from wbl.placements.forms import (
    ApplyForm,
    CancelForm,
    EmployerDecisionForm,
    GuardianConsentForm,
    GuardianLanguageForm,
    PaperConsentForm,
    ResubmitForm,
    StatusFilterForm,
    TeacherDecisionForm,
    WithdrawForm,
)
from wbl.placements.models import Application, ApplicationStatus, ConsentStatus
from wbl.scopes import is_staff
from wbl.storage import storage
from wbl.tokens import ExpiredLink, InvalidLink, private_link_page

bp = Blueprint("placements", __name__)

PER_PAGE = 25
# What an employer (or staff for them) still has to decide: accept or decline an approved
# application; decline one on the waitlist.
EMPLOYER_STATUSES_TO_DECIDE = frozenset({ApplicationStatus.APPROVED, ApplicationStatus.WAITLISTED})


def _back(application_id: int) -> ResponseReturnValue:
    return redirect(url_for("placements.application", application_id=application_id))


# --- apply ---------------------------------------------------------------------------------


@bp.route("/offerings/<int:offering_id>/apply", methods=["GET", "POST"])
@policy(Role.STUDENT)
def apply(offering_id: int) -> ResponseReturnValue:
    offering = catalog_services.get_offering(current_user, offering_id)
    profile = db.session.scalar(queries.own_profile(current_user))
    if profile is None:
        raise NotFound(gettext("Your student profile has not been set up yet. Ask your teacher."))
    existing = db.session.scalar(queries.active_application_id(current_user, offering_id))
    problems = [] if existing else applications.can_apply_problems(profile, offering, local_today())
    form = ApplyForm()
    if not existing and not problems and form.validate_on_submit():
        try:
            application = applications.apply(
                current_user,
                offering_id,
                form.statement.data or "",
                share_resume=bool(form.share_resume.data),
            )
        except applications.AlreadyApplied as error:
            flash(error.message, "warning")
            found = db.session.scalar(queries.active_application_id(current_user, offering_id))
            if found:
                return _back(found)
        except (NotFound, Forbidden):
            raise
        except DomainError as error:
            if error.field == "statement":
                form.statement.errors = [error.message]
            else:
                flash(error.message, "warning")
        else:
            flash(gettext("Your application is sent. Your teacher reviews it first."), "success")
            return _back(application.id)
    elif existing and request.method == "POST":
        flash(applications.AlreadyApplied().message, "warning")
        return _back(existing)
    return render_template(
        "placements/apply.html",
        offering=offering,
        problems=problems,
        existing=existing,
        form=form,
    )


# --- the lists ------------------------------------------------------------------------------


@bp.get("/applications")
@policy(AUTHENTICATED)
def index() -> ResponseReturnValue:
    user: User = current_user
    if is_staff(user):
        filters = StatusFilterForm(request.args)
        status = None
        if filters.validate() and filters.status.data:
            status = ApplicationStatus(filters.status.data)
        page = paginate(
            queries.staff_applications(user, status),
            page=request.args.get("page", 1, type=page_number),
            per_page=PER_PAGE,
        )
        waiting = db.session.scalars(queries.staff_waiting_for_consent(user).limit(50)).all()
        return render_template(
            "placements/index_staff.html",
            page=page,
            waiting=waiting,
            filters=filters,
            status=status.value if status else None,
        )
    if user.has_role(Role.TEACHER):
        return render_template(
            "placements/index_teacher.html",
            to_approve=db.session.scalars(queries.teacher_to_approve(user)).all(),
            recent=db.session.scalars(queries.teacher_recent(user)).all(),
        )
    if user.has_role(Role.EMPLOYER):
        rows = db.session.scalars(queries.employer_applications(user)).all()
        placed = [a.placement for a in rows if a.placement is not None]
        return render_template(
            "placements/index_employer.html",
            to_decide=[a for a in rows if a.status in EMPLOYER_STATUSES_TO_DECIDE],
            groups=_by_offering(rows),
            ends=policies.endable_now(user, placed, local_today()),
        )
    if not user.has_role(Role.STUDENT):
        abort(403)
    return render_template(
        "placements/index_student.html",
        applications=db.session.scalars(queries.applications_of_student(user)).all(),
    )


@dataclass(frozen=True, slots=True)
class OfferingGroup:
    offering: object
    applications: list[Application]


def _by_offering(rows: Sequence[Application]) -> list[OfferingGroup]:
    groups: dict[int, OfferingGroup] = {}
    for application in rows:
        group = groups.setdefault(application.offering_id, OfferingGroup(application.offering, []))
        group.applications.append(application)
    return list(groups.values())


# --- one application -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is looking, and what they may do here (the services check it again)."""

    is_student: bool
    is_teacher: bool
    is_employer: bool
    is_staff: bool

    @property
    def employer_only(self) -> bool:
        """Employers see only what they need: no consent details, no teacher notes."""
        return self.is_employer and not (self.is_staff or self.is_teacher)


def _viewer(user: User, application: Application) -> Viewer:
    return Viewer(
        is_student=policies.is_student_of(user, application),
        is_teacher=policies.is_teacher_of(user, application),
        is_employer=policies.is_employer_of(user, application),
        is_staff=policies.staff_sees(user, application),
    )


@dataclass(frozen=True, slots=True)
class Actions:
    teacher: bool
    employer_accept: bool
    employer_decline: bool
    withdraw: bool
    resubmit: bool
    cancel: bool
    paper_consent: bool

    @property
    def any(self) -> bool:
        return any(
            (
                self.teacher,
                self.employer_decline,
                self.withdraw,
                self.resubmit,
                self.cancel,
                self.paper_consent,
            )
        )


def _actions(viewer: Viewer, application: Application) -> Actions:
    status = application.status
    decides_for_employer = viewer.is_employer or viewer.is_staff
    consent = application.consent
    return Actions(
        teacher=status is ApplicationStatus.SUBMITTED and (viewer.is_teacher or viewer.is_staff),
        employer_accept=status is ApplicationStatus.APPROVED and decides_for_employer,
        employer_decline=status in EMPLOYER_STATUSES_TO_DECIDE and decides_for_employer,
        withdraw=viewer.is_student and status.is_active,
        resubmit=viewer.is_student and status is ApplicationStatus.RETURNED,
        cancel=viewer.is_staff and status.is_active,
        paper_consent=viewer.is_staff
        and status is ApplicationStatus.ACCEPTED
        and consent is not None
        and consent.status is ConsentStatus.PENDING,
    )


def _render_application(application_id: int, **forms: object) -> str:
    application = applications.get_application(current_user, application_id)
    viewer = _viewer(current_user, application)
    events = application.events
    if viewer.employer_only:
        events = [e for e in events if e.to_status not in _BEFORE_EMPLOYER]
    resubmit_form = forms.get("resubmit_form") or ResubmitForm(
        formdata=None, statement=application.statement
    )
    supervisor = None
    if application.placement is not None:
        supervisor = db.session.scalar(queries.supervisor_of(application.offering.partner_id))
    permit = permits.application_permit(application)
    return render_template(
        "placements/application.html",
        application=application,
        viewer=viewer,
        actions=_actions(viewer, application),
        events=events,
        supervisor=supervisor,
        under_way=application.placement is not None
        and application.placement.under_way(local_today()),
        permit=permit,
        permit_blocked=permit and permits.hours_blocked(permit.placement, local_today()),
        permit_missing=viewer.is_staff and permits.missing_permit(application),
        teacher_form=forms.get("teacher_form") or TeacherDecisionForm(formdata=None),
        employer_form=forms.get("employer_form") or EmployerDecisionForm(formdata=None),
        resubmit_form=resubmit_form,
        withdraw_form=WithdrawForm(formdata=None),
        cancel_form=forms.get("cancel_form") or CancelForm(formdata=None),
        paper_form=forms.get("paper_form") or PaperConsentForm(formdata=None),
    )


_BEFORE_EMPLOYER = frozenset({ApplicationStatus.SUBMITTED.value, ApplicationStatus.RETURNED.value})


@bp.get("/applications/<int:application_id>")
@policy(AUTHENTICATED)
def application(application_id: int) -> ResponseReturnValue:
    return _render_application(application_id)


def _invalid(form: FlaskForm) -> None:
    """Shape errors re-render the page with their messages; a bad CSRF token is a 400."""
    if "csrf_token" in form.errors:
        abort(400)


@bp.post("/applications/<int:application_id>/teacher-decision")
@policy(Role.TEACHER, Role.STAFF)
def teacher_decision(application_id: int) -> ResponseReturnValue:
    form = TeacherDecisionForm()
    if not form.validate_on_submit():
        _invalid(form)
        return _render_application(application_id, teacher_form=form), 422
    approve = bool(form.approve.data)
    try:
        applications.teacher_decide(
            current_user, application_id, approve=approve, comment=form.comment.data or ""
        )
    except (NotFound, Forbidden):
        raise
    except DomainError as error:
        if error.field:
            form.comment.errors = [error.message]
            return _render_application(application_id, teacher_form=form), 422
        flash(error.message, "warning")
    else:
        flash(
            "Approved: the employer can now see it."
            if approve
            else "Returned to the student with your comment.",
            "success",
        )
    return _back(application_id)


@bp.post("/applications/<int:application_id>/employer-decision")
@policy(Role.EMPLOYER, Role.STAFF)
def employer_decision(application_id: int) -> ResponseReturnValue:
    form = EmployerDecisionForm()
    if not form.validate_on_submit():
        _invalid(form)
        return _render_application(application_id, employer_form=form), 422
    accept = bool(form.accept.data)
    try:
        outcome = lifecycle.employer_decide(
            current_user, application_id, accept=accept, message=form.message.data or ""
        )
    except (NotFound, Forbidden):
        raise
    except DomainError as error:
        flash(error.message, "warning")
    else:
        flash(*_OUTCOME_MESSAGES[outcome])
    return _back(application_id)


_OUTCOME_MESSAGES = {
    lifecycle.Outcome.PLACED: ("Accepted: the student is placed and everyone is told.", "success"),
    lifecycle.Outcome.AWAITING_CONSENT: (
        "Accepted. The student is under 18, so their guardian has been asked for consent.",
        "success",
    ),
    lifecycle.Outcome.WAITLISTED: (lifecycle.NoSeatsLeft.message, "warning"),
    lifecycle.Outcome.DECLINED: ("Declined: the student has been told.", "success"),
}


@bp.post("/applications/<int:application_id>/resubmit")
@policy(Role.STUDENT)
def resubmit(application_id: int) -> ResponseReturnValue:
    form = ResubmitForm()
    if not form.validate_on_submit():
        _invalid(form)
        return _render_application(application_id, resubmit_form=form), 422
    try:
        applications.resubmit(current_user, application_id, form.statement.data or "")
    except (NotFound, Forbidden):
        raise
    except DomainError as error:
        if error.field:
            form.statement.errors = [error.message]
            return _render_application(application_id, resubmit_form=form), 422
        flash(error.message, "warning")
    else:
        flash(gettext("Sent again: your teacher reviews it."), "success")
    return _back(application_id)


@bp.post("/applications/<int:application_id>/withdraw")
@policy(Role.STUDENT)
def withdraw(application_id: int) -> ResponseReturnValue:
    form = WithdrawForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        lifecycle.withdraw(current_user, application_id)
    except (NotFound, Forbidden):
        raise
    except DomainError as error:
        flash(error.message, "warning")
    else:
        flash(gettext("Your application is withdrawn."), "success")
    return _back(application_id)


@bp.post("/applications/<int:application_id>/cancel")
@policy(Role.STAFF)
def cancel(application_id: int) -> ResponseReturnValue:
    form = CancelForm()
    if not form.validate_on_submit():
        _invalid(form)
        return _render_application(application_id, cancel_form=form), 422
    try:
        lifecycle.cancel(current_user, application_id, form.reason.data or "")
    except (NotFound, Forbidden):
        raise
    except DomainError as error:
        if error.field:
            form.reason.errors = [error.message]
            return _render_application(application_id, cancel_form=form), 422
        flash(error.message, "warning")
    else:
        flash("The application is cancelled and the student is told.", "success")
    return _back(application_id)


@bp.post("/applications/<int:application_id>/paper-consent")
@policy(Role.STAFF)
def paper_consent(application_id: int) -> ResponseReturnValue:
    form = PaperConsentForm()
    if not form.validate_on_submit():
        _invalid(form)
        return _render_application(application_id, paper_form=form), 422
    give = form.answer.data == "give"
    try:
        consent_answers.record_paper_consent(
            current_user,
            application_id,
            guardian_name=form.guardian_name.data or "",
            give=give,
            scan=form.scan.data.read(),
        )
    except (NotFound, Forbidden):
        raise
    except DomainError as error:
        field = getattr(form, error.field or "", None)
        if field is not None:
            field.errors = [error.message]
            return _render_application(application_id, paper_form=form), 422
        flash(error.message, "warning")
    else:
        flash(
            "Paper consent recorded: the student is placed."
            if give
            else "Refusal recorded: the seat is released.",
            "success",
        )
    return _back(application_id)


_SCAN_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}


@bp.get("/applications/<int:application_id>/consent-scan")
@policy(Role.STAFF)
def consent_scan(application_id: int) -> ResponseReturnValue:
    """The signed paper form's scan, as stored (its type was checked by content at upload)."""
    application = applications.get_application(current_user, application_id)
    viewer = _viewer(current_user, application)
    consent = application.consent
    if not viewer.is_staff or consent is None or not consent.scan_key:
        raise NotFound()
    extension = consent.scan_key.rsplit(".", 1)[-1]
    return attachment(
        storage().read(consent.scan_key),
        f"consent-application-{application.id}.{extension}",
        _SCAN_TYPES.get(extension, "application/octet-stream"),
    )


# --- the guardian's page (no account: the e-mailed link) -----------------------------------


def _link_problem(error: DomainError) -> Response:
    code = 410 if isinstance(error, ExpiredLink | UsedLink) else 400
    used = isinstance(error, UsedLink)
    response = Response(
        render_template(
            "placements/consent_problem.html",
            message=gettext(error.message),
            expired=isinstance(error, ExpiredLink),
            used=used,
        ),
        status=code,
    )
    return private_link_page(response)


@bp.route("/consent/<token>", methods=["GET", "POST"])
@policy(PUBLIC)
def consent(token: str) -> ResponseReturnValue:
    try:
        found, nonce = read_consent_link(token)
    except InvalidLink as error:
        return _link_problem(error)
    application = db.session.scalar(queries.consent_page(found.application_id))
    if application is None:
        return _link_problem(InvalidLink())
    form = GuardianConsentForm()
    valid = form.validate_on_submit()
    if form.is_submitted():
        _invalid(form)
    if valid:
        give = bool(form.give.data)
        if give and not form.agree.data:
            # Both problems at once: the name is checked now too, not after the tick.
            form.agree.errors = [
                gettext("Tick this box to give consent, or choose “I do not consent”.")
            ]
            try:
                consent_answers.signature(form.typed_name.data or "", give=True)
            except DomainError as error:
                form.typed_name.errors = [error.message]
        else:
            try:
                consent_answers.answer_consent(
                    found.id,
                    nonce,
                    give=give,
                    typed_name=form.typed_name.data or "",
                    ip_address=request.remote_addr or "",
                )
            except (NotFound, Forbidden):
                raise
            except DomainError as error:
                if error.field == "typed_name":
                    form.typed_name.errors = [error.message]
                else:
                    return _link_problem(UsedLink())
            else:
                return private_link_page(
                    Response(
                        render_template(
                            "placements/consent_done.html", application=application, gave=give
                        )
                    )
                )
    supervisor = db.session.scalar(queries.supervisor_of(application.offering.partner_id))
    status = 422 if form.errors else 200
    return private_link_page(
        Response(
            render_template(
                "placements/consent.html",
                application=application,
                consent=found,
                supervisor=supervisor,
                form=form,
                language_form=GuardianLanguageForm(),
            ),
            status=status,
        )
    )


@bp.post("/consent/<token>/language")
@policy(PUBLIC)
def consent_language(token: str) -> ResponseReturnValue:
    """The guardian's language buttons on the consent page: the page is shown in it from now
    on (this browser's session), and their later e-mails are written in it (the consent)."""
    try:
        found, nonce = read_consent_link(token)
    except InvalidLink as error:
        return _link_problem(error)
    form = GuardianLanguageForm()
    if not form.validate_on_submit():
        abort(400)
    language = supported(form.language.data)
    if language is None:
        abort(400)
    try:
        consent_answers.choose_language(found.id, nonce, language)
    except DomainError as error:
        return _link_problem(error)
    session[SESSION_KEY] = language
    back = Response(status=303, headers={"Location": url_for("placements.consent", token=token)})
    return private_link_page(back)
