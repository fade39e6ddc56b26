"""Letters of recommendation: the student asks by e-mail; the recommender uploads the
letter through a signed link.

- ``/letters`` (students): their requests with status and dates, the form to ask someone,
  withdraw and remind buttons. Never the letter.
- ``/letters/upload/<token>`` (public: the e-mailed link is the key): whom the letter is for,
  the upload. The token in the URL is a password: those responses keep it out of search
  engines, other sites' logs and caches.
- ``/letters/<id>/file`` (staff in scope, assigned reviewers): the letter as an attachment.
- ``letters_of(student)``, a template global for ``templates/letters/_summary.html``: what the
  signed-in viewer may see of a student's letters.
"""

from __future__ import annotations

from datetime import datetime

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
from flask_babel import format_date, gettext
from flask_login import current_user
from flask_wtf import FlaskForm

from wbl.access import PUBLIC, Role, policy
from wbl.clock import to_local
from wbl.downloads import attachment
from wbl.errors import DomainError, field_error, flash_refusal
from wbl.extensions import utcnow
from wbl.i18n import is_english
from wbl.portfolio import letters
from wbl.portfolio.letter_forms import LetterActionForm, LetterRequestForm, LetterUploadForm
from wbl.students.models import StudentProfile
from wbl.tokens import ExpiredLink, InvalidLink, private_link_page

bp = Blueprint("letters", __name__, url_prefix="/letters")


@bp.app_template_global("letters_of")
def letters_of(student: StudentProfile) -> letters.LettersCard:
    """What the signed-in viewer may see of ``student``'s letters (for ``_summary.html``)."""
    return letters.letters_card(current_user, student)


@bp.app_template_filter("letter_day")
def letter_day(value: datetime | None) -> str:
    """A moment as the county's calendar day: "Dec 1, 2026"."""
    if value is None:
        return "—"
    day = to_local(value)
    if not is_english():
        return format_date(day.date(), "medium")
    return f"{day:%b} {day.day}, {day.year}"


def _invalid(form: FlaskForm) -> None:
    """Shape errors re-render the page with their messages; a bad CSRF token is a 400."""
    if "csrf_token" in form.errors:
        abort(400)


# --- the student's page ---------------------------------------------------------------------


def _index_page(form: LetterRequestForm, status: int = 200) -> ResponseReturnValue:
    student, rows = letters.own_letters(current_user)
    now = utcnow()
    waiting = [r for r in rows if not letters.is_expired(r, now) and r.status.value == "requested"]
    received = sum(1 for r in rows if r.status.value == "received")
    page = render_template(
        "letters/index.html",
        student=student,
        letters=rows,
        now=now,
        waiting=len(waiting),
        received=received,
        needed=letters.LETTERS_NEEDED,
        max_open=letters.MAX_OPEN,
        form=form,
        action_form=LetterActionForm(formdata=None),
    )
    return page, status


@bp.route("/", methods=["GET", "POST"])
@policy(Role.STUDENT)
def index() -> ResponseReturnValue:
    form = LetterRequestForm()
    if request.method == "GET":
        return _index_page(form)
    if not form.validate_on_submit():
        _invalid(form)
        return _index_page(form, 422)
    try:
        letter = letters.ask(current_user, form.request())
    except DomainError as error:
        if problem := field_error(form, error):
            form.form_errors.append(problem)
        return _index_page(form, 422)
    flash(
        gettext(
            "Your request is on its way to %(name)s. You will see here when the letter arrives.",
            name=letter.recommender_name,
        ),
        "success",
    )
    return redirect(url_for("letters.index"))


@bp.post("/<int:letter_id>/withdraw")
@policy(Role.STUDENT)
def withdraw(letter_id: int) -> ResponseReturnValue:
    form = LetterActionForm()
    if not form.validate_on_submit():
        abort(400)
    with flash_refusal() as attempt:
        letter = letters.withdraw(current_user, letter_id)
    if attempt.ok:
        flash(
            gettext(
                "Your request to %(name)s is withdrawn; their link no longer works.",
                name=letter.recommender_name,
            ),
            "success",
        )
    return redirect(url_for("letters.index"))


@bp.post("/<int:letter_id>/remind")
@policy(Role.STUDENT)
def remind(letter_id: int) -> ResponseReturnValue:
    form = LetterActionForm()
    if not form.validate_on_submit():
        abort(400)
    with flash_refusal() as attempt:
        letter = letters.remind(current_user, letter_id)
    if attempt.ok:
        flash(
            gettext("A reminder is on its way to %(name)s.", name=letter.recommender_name),
            "success",
        )
    return redirect(url_for("letters.index"))


# --- the letter, for staff and reviewers ----------------------------------------------------


@bp.get("/<int:letter_id>/file")
@policy(Role.STAFF, Role.TEACHER, Role.EMPLOYER)
def file(letter_id: int) -> ResponseReturnValue:
    """Staff in scope and assigned reviewers (employers or educators) download the letter."""
    letter, data = letters.letter_file(current_user, letter_id)
    stem = letter.recommender_name.replace(" ", "-")
    return attachment(data, f"letter-{stem}-{letter.file_name or 'letter'}", letter.content_type)


# --- the recommender's page (no account: the e-mailed link) ---------------------------------


def _link_problem(error: InvalidLink) -> Response:
    expired = isinstance(error, ExpiredLink)
    used = isinstance(error, letters.UsedLetterLink)
    message = gettext(error.message, days=letters.LINK_DAYS) if expired else gettext(error.message)
    page = render_template("letters/link_problem.html", message=message, expired=expired, used=used)
    return private_link_page(Response(page, status=410 if expired or used else 400))


@bp.route("/upload/<token>", methods=["GET", "POST"])
@policy(PUBLIC)
def upload(token: str) -> ResponseReturnValue:
    try:
        letter = letters.read_upload_link(token)
    except InvalidLink as error:
        return _link_problem(error)
    nonce = letter.nonce or ""
    form = LetterUploadForm()
    if form.is_submitted():
        valid = form.validate()
        _invalid(form)
        if not form.confirm.data:
            form.confirm.errors = [
                gettext(
                    "Tick this box to confirm that you wrote the letter and that it may be shared."
                )
            ]
        elif valid:
            upload_file = form.file.data
            try:
                letters.receive(
                    letter.id,
                    nonce,
                    data=upload_file.read(),
                    filename=upload_file.filename or "",
                    confirmed=True,
                )
            except InvalidLink as error:
                return _link_problem(error)
            except DomainError as error:
                if problem := field_error(form, error):
                    form.file.errors = [*form.file.errors, problem]
            else:
                done = render_template("letters/upload_done.html", letter=letter)
                return private_link_page(Response(done))
    status = 422 if form.errors else 200
    page = render_template("letters/upload.html", letter=letter, form=form)
    return private_link_page(Response(page, status=status))
