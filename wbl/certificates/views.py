"""Interview panels, the Work Ready Certificate and its public verification page.

Staff: ``/interviews`` (panels), ``/interviews/new``, ``/interviews/<id>`` (invite students),
``/certificates`` (ready to issue, issued) and a student's ``/certificates/students/<id>``
(issue, revoke). Panelists: ``/interviews/mine`` and ``/interviews/slots/<id>`` (levels and
decision). Students: ``/certificates/mine``. Anyone: ``/verify/<code>`` and the county's
public key at ``/.well-known/jwks.json``.
"""

from __future__ import annotations

import json
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from wbl.access import AUTHENTICATED, PUBLIC, Role, policy
from wbl.certificates import badge, interviews, invitations, keys, pdf, policies, services, status
from wbl.certificates.forms import (
    PANELIST_FIELDS,
    CancelForm,
    InviteForm,
    IssueForm,
    PanelForm,
    RevokeForm,
    VoteForm,
    vote_form,
)
from wbl.certificates.models import Certificate, InterviewStatus
from wbl.certificates.panels import (
    PanelInput,
    create_panel,
    get_panel,
    panel_page,
    panelist_candidates,
    visible_interviews,
)
from wbl.certificates.votes import OutcomeScore, VoteInput, record_vote
from wbl.clock import local_when
from wbl.downloads import attachment
from wbl.errors import DomainError, Forbidden, NotFound, field_error, flash_refusal
from wbl.extensions import utcnow
from wbl.pagination import page_number
from wbl.reference.services import active_outcomes
from wbl.scopes import is_staff
from wbl.signup.queries import interview_volunteer_ids

bp = Blueprint("certificates", __name__)

STATUS_LABELS = {
    InterviewStatus.INVITED: _l("Invited"),
    InterviewStatus.PASSED: _l("Passed"),
    InterviewStatus.NOT_PASSED: _l("Not passed"),
    InterviewStatus.CANCELLED: _l("Cancelled"),
}


def _put_error(form: Any, error: DomainError) -> None:
    """A refusal next to its field, or at the top of the form."""
    if problem := field_error(form, error):
        form.form_errors.append(problem)


def _public(response: Response) -> Response:
    """Public pages about a person: out of search engines, the code not leaked onwards."""
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _gone(error: services.Revoked) -> ResponseReturnValue:
    return (
        render_template(
            "errors/error.html", code=410, title="Certificate revoked", text=error.message
        ),
        410,
    )


# --- panels (staff) ------------------------------------------------------------------------


@bp.get("/interviews")
@policy(Role.STAFF)
def panels() -> ResponseReturnValue:
    return render_template(
        "certificates/panels.html",
        page=panel_page(current_user, request.args.get("page", 1, type=page_number)),
    )


@bp.route("/interviews/new", methods=["GET", "POST"])
@policy(Role.STAFF)
def new_panel() -> ResponseReturnValue:
    form = PanelForm()
    volunteers = interview_volunteer_ids()  # those who offered on the volunteer page first
    people = [
        SelectChoice(
            u.id,
            f"{u.full_name} ({u.primary_role.label}"
            + (", volunteered to interview)" if u.id in volunteers else ")"),
        )
        for u in sorted(panelist_candidates(), key=lambda u: u.id not in volunteers)
    ]
    for name in PANELIST_FIELDS:
        form[name].choices = [SelectChoice(0, "Choose…"), *people]
    if form.validate_on_submit():
        data = PanelInput(
            day=form.day.data,
            start=form.start.data,
            duration_minutes=form.duration_minutes.data or 0,
            location=form.location.data or "",
            video_url=form.video_url.data or "",
            notes=form.notes.data or "",
            member_ids=tuple(form[name].data or 0 for name in PANELIST_FIELDS),
        )
        try:
            panel = create_panel(current_user, data)
        except DomainError as error:
            if error.field == "member_ids":
                form.panelist_1.errors = [*form.panelist_1.errors, error.message]
            else:
                _put_error(form, error)
        else:
            flash("The panel is scheduled. Now invite students to it.", "success")
            return redirect(url_for("certificates.panel", panel_id=panel.id))
    page = render_template("certificates/panel_new.html", form=form)
    return page, (422 if form.errors or form.form_errors else 200)


def _render_panel(panel_id: int, form: InviteForm | None = None) -> ResponseReturnValue:
    panel = get_panel(current_user, panel_id)
    shown, hidden = visible_interviews(current_user, panel)
    form = form or InviteForm()
    form.student_id.choices = [
        SelectChoice(0, "Choose a student…"),
        *(
            SelectChoice(s.id, f"{s.user.full_name} ({s.school.name})")
            for s in invitations.invitable_students(current_user)
        ),
    ]
    page = render_template(
        "certificates/panel.html",
        panel=panel,
        interviews=shown,
        hidden=hidden,
        form=form,
        cancel_form=CancelForm(),
        labels=STATUS_LABELS,
    )
    return page, (422 if form.errors or form.form_errors else 200)


@bp.get("/interviews/<int:panel_id>")
@policy(Role.STAFF)
def panel(panel_id: int) -> ResponseReturnValue:
    return _render_panel(panel_id)


@bp.post("/interviews/<int:panel_id>/invite")
@policy(Role.STAFF)
def invite(panel_id: int) -> ResponseReturnValue:
    form = InviteForm()
    form.student_id.choices = None  # the service checks the student
    form.student_id.validate_choice = False
    if form.validate_on_submit():
        try:
            interview = invitations.invite_student(
                current_user,
                panel_id,
                form.student_id.data or 0,
                form.start.data,
                form.duration_minutes.data or invitations.DEFAULT_SLOT,
            )
        except (NotFound, Forbidden):
            raise
        except DomainError as error:
            _put_error(form, error)
        else:
            flash(
                f"{interview.student.user.full_name} is invited for "
                f"{local_when(interview.starts_at, interview.duration_minutes)}. The student and "
                "the panelists have their calendar invitations.",
                "success",
            )
            return redirect(url_for("certificates.panel", panel_id=panel_id))
    elif "csrf_token" in form.errors:
        abort(400)
    return _render_panel(panel_id, form)


# --- slots (panelists, staff) --------------------------------------------------------------


@bp.get("/interviews/mine")
@policy(Role.EMPLOYER, Role.TEACHER, Role.STAFF)
def mine() -> ResponseReturnValue:
    rows = interviews.my_interviews(current_user)
    return render_template(
        "certificates/mine.html",
        interviews=rows,
        voted={i.id for i in rows if policies.vote_of(current_user, i) is not None},
        labels=STATUS_LABELS,
    )


def _vote_input(form: VoteForm, outcome_ids: list[int]) -> VoteInput:
    return VoteInput(
        scores={
            oid: OutcomeScore(
                rank=form[f"rank_{oid}"].data, comment=form[f"comment_{oid}"].data or ""
            )
            for oid in outcome_ids
        },
        passed={"yes": True, "no": False}.get(form.passed.data or ""),
        comment=form.comment.data or "",
    )


@bp.route("/interviews/slots/<int:interview_id>", methods=["GET", "POST"])
@policy(Role.EMPLOYER, Role.TEACHER, Role.STAFF)
def slot(interview_id: int) -> ResponseReturnValue:
    interview = interviews.get_slot(current_user, interview_id)
    panelist = policies.is_panelist(current_user, interview.panel)
    own_vote = policies.vote_of(current_user, interview)
    outcomes = active_outcomes()
    levels = interviews.scoring_levels()
    waiting = panelist and interview.starts_at > utcnow()  # votes open when it starts
    can_vote = (
        panelist
        and not waiting
        and own_vote is None
        and interview.status is InterviewStatus.INVITED
    )
    form = vote_form(outcomes, levels) if can_vote else None
    if request.method == "POST":
        if form is None:
            flash("Your decision is already recorded, or the interview is closed.", "warning")
            return redirect(url_for("certificates.slot", interview_id=interview_id))
        if form.validate_on_submit():
            try:
                record_vote(current_user, interview_id, _vote_input(form, [o.id for o in outcomes]))
            except (NotFound, Forbidden):
                raise
            except interviews.AlreadyDecided as error:
                flash(error.message, "warning")
                return redirect(url_for("certificates.slot", interview_id=interview_id))
            except DomainError as error:
                _put_error(form, error)
            else:
                flash("Thank you: your levels and decision are recorded.", "success")
                return redirect(url_for("certificates.slot", interview_id=interview_id))
        elif "csrf_token" in form.errors:
            abort(400)
    votes = policies.votes_seen_by(current_user, interview)
    page = render_template(
        "certificates/slot.html",
        interview=interview,
        form=form,
        outcomes=outcomes,
        levels={level.rank: level.name for level in levels},
        votes=votes,
        waiting=waiting and interview.status is InterviewStatus.INVITED,
        voted_count=len(interview.votes),
        own_vote=own_vote,
        panelist=panelist,
        cancel_form=CancelForm() if is_staff(current_user) else None,
        labels=STATUS_LABELS,
    )
    return page, (422 if form is not None and (form.errors or form.form_errors) else 200)


@bp.post("/interviews/slots/<int:interview_id>/cancel")
@policy(Role.STAFF)
def cancel(interview_id: int) -> ResponseReturnValue:
    if not CancelForm().validate_on_submit():
        abort(400)
    try:
        interview = invitations.cancel_interview(current_user, interview_id)
    except interviews.AlreadyDecided as error:
        flash(error.message, "warning")
        return redirect(url_for("certificates.slot", interview_id=interview_id))
    flash(
        "The interview is cancelled; the student and the panelists have been sent a "
        "cancellation for their calendars.",
        "success",
    )
    return redirect(url_for("certificates.panel", panel_id=interview.panel_id))


# --- certificates --------------------------------------------------------------------------


@bp.get("/certificates")
@policy(Role.STAFF)
def index() -> ResponseReturnValue:
    return render_template(
        "certificates/index.html",
        ready=services.ready_to_issue(current_user),
        page=services.certificate_page(current_user, request.args.get("page", 1, type=page_number)),
        issue_date=services.issue_date,
    )


@bp.get("/certificates/mine")
@policy(Role.STUDENT)
def my_certificate() -> ResponseReturnValue:
    return redirect(
        url_for("certificates.student", student_id=services.own_student_id(current_user))
    )


def _render_student(
    student_id: int, revoke_form: RevokeForm | None = None, status: int = 200
) -> ResponseReturnValue:
    found = services.student_certificates(current_user, student_id)
    staff = is_staff(current_user)
    page = render_template(
        "certificates/student.html",
        found=found,
        student=found.student,
        eligibility=found.eligibility,
        is_staff=staff,
        is_own=found.student.user_id == current_user.id,
        issue_form=IssueForm() if staff else None,
        revoke_form=(revoke_form or RevokeForm()) if staff else None,
        issue_date=services.issue_date,
        revoke_date=services.revoke_date,
        verify_url=services.verify_url,
        labels=STATUS_LABELS,
    )
    return page, status


@bp.get("/certificates/students/<int:student_id>")
@policy(AUTHENTICATED)
def student(student_id: int) -> ResponseReturnValue:
    return _render_student(student_id)


@bp.post("/certificates/students/<int:student_id>/issue")
@policy(Role.STAFF)
def issue(student_id: int) -> ResponseReturnValue:
    if not IssueForm().validate_on_submit():
        abort(400)
    with flash_refusal() as attempt:
        certificate = services.issue_certificate(current_user, student_id)
    if attempt.ok:
        flash(
            f"The certificate is issued to {certificate.student_name}, who has been e-mailed.",
            "success",
        )
    return redirect(url_for("certificates.student", student_id=student_id))


@bp.post("/certificates/<int:certificate_id>/revoke")
@policy(Role.STAFF)
def revoke(certificate_id: int) -> ResponseReturnValue:
    certificate = services.get_certificate(current_user, certificate_id)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            services.revoke_certificate(current_user, certificate_id, form.reason.data or "")
        except (NotFound, Forbidden):
            raise
        except services.AlreadyRevoked as error:
            flash(error.message, "warning")
        except DomainError as error:
            _put_error(form, error)
            return _render_student(certificate.student_id, form, 422)
        else:
            flash(
                "The certificate is revoked; its verification page now says so and the "
                "student has been e-mailed.",
                "success",
            )
        return redirect(url_for("certificates.student", student_id=certificate.student_id))
    if "csrf_token" in form.errors:
        abort(400)
    return _render_student(certificate.student_id, form, 422)


@bp.get("/certificates/<int:certificate_id>/certificate.pdf")
@policy(AUTHENTICATED)
def certificate_pdf(certificate_id: int) -> ResponseReturnValue:
    try:
        certificate = services.downloadable(current_user, certificate_id)
    except services.Revoked as error:
        return _gone(error)
    return attachment(
        pdf.render_pdf(certificate),
        f"work-ready-certificate-{certificate.id}.pdf",
        "application/pdf",
    )


def _badge(certificate_id: int) -> Certificate | ResponseReturnValue:
    try:
        return services.badge_certificate(current_user, certificate_id)
    except services.Revoked as error:
        return _gone(error)


@bp.get("/certificates/<int:certificate_id>/badge.json")
@policy(Role.STUDENT, Role.STAFF)
def badge_json(certificate_id: int) -> ResponseReturnValue:
    certificate = _badge(certificate_id)
    if not isinstance(certificate, Certificate):
        return certificate
    return attachment(
        json.dumps(badge.credential(certificate), indent=2, ensure_ascii=False),
        f"work-ready-certificate-{certificate.id}.json",
        "application/json",
    )


@bp.get("/certificates/<int:certificate_id>/badge.jwt")
@policy(Role.STUDENT, Role.STAFF)
def badge_jwt(certificate_id: int) -> ResponseReturnValue:
    certificate = _badge(certificate_id)
    if not isinstance(certificate, Certificate):
        return certificate
    try:
        token = badge.credential_jwt(certificate)
    except keys.SigningKeyMissing as error:
        return (
            render_template(
                "errors/error.html", code=503, title="Badge not available", text=error.message
            ),
            503,
        )
    return attachment(token, f"work-ready-certificate-{certificate.id}.jwt", "application/vc+jwt")


# --- public --------------------------------------------------------------------------------


@bp.get("/verify/<code>")
@policy(PUBLIC)
def verify(code: str) -> ResponseReturnValue:
    """Valid, revoked (and when), or unknown: nothing else about the student."""
    certificate = services.by_code(code)
    if certificate is None:
        response = Response(render_template("certificates/verify_unknown.html"), status=404)
        return _public(response)
    response = Response(
        render_template(
            "certificates/verify.html",
            certificate=certificate,
            issued=services.issue_date(certificate),
            revoked=services.revoke_date(certificate),
        )
    )
    response.headers["Cache-Control"] = "no-cache"
    return _public(response)


@bp.get("/.well-known/jwks.json")
@policy(PUBLIC)
def jwks() -> ResponseReturnValue:
    """The county's public key, to verify the Open Badges credentials it signs."""
    try:
        body = keys.public_jwks()
    except keys.SigningKeyMissing:
        body = {"keys": []}
    response = Response(json.dumps(body), mimetype="application/jwk-set+json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/certificates/status/revocation")
@policy(PUBLIC)
def status_list() -> ResponseReturnValue:
    """The county's revocation list, a signed BitstringStatusListCredential (VC-JWT): what a
    verifier reads to learn whether a credential was revoked."""
    try:
        token = status.list_jwt()
    except keys.SigningKeyMissing:
        abort(404)
    response = Response(token, mimetype="application/vc+jwt")
    return _status_response(response)


@bp.get("/certificates/status/revocation.json")
@policy(PUBLIC)
def status_list_json() -> ResponseReturnValue:
    """The same list as plain JSON, for people and tools that read it."""
    body = json.dumps(status.list_credential(), ensure_ascii=False)
    return _status_response(Response(body, mimetype="application/json"))


def _status_response(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = f"public, max-age={status.MAX_AGE}"
    return response


@bp.get("/certificates/issuer")
@policy(PUBLIC)
def issuer() -> ResponseReturnValue:
    """The issuer's Open Badges Profile (the credentials' ``issuer.id`` by default)."""
    body = {"@context": badge.CONTEXTS, **badge.issuer_profile()}
    response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
