"""The supervisor's signed link from the weekly e-mail: decide those entries without signing in.

The page acts as the digest's supervisor, whoever is signed in (or nobody): it says so. It
shows the entries the e-mail listed that the supervisor still supervises, each with its
current status; the forms confirm or reject only those (the services refuse any other id as
not found, before anything changes). The token in the URL is a password: every response
keeps it out of other sites' logs and out of caches.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, ngettext
from flask_login import current_user

from wbl.access import PUBLIC, policy
from wbl.errors import DomainError, Forbidden, NotFound, flash_refusal
from wbl.extensions import db, utcnow
from wbl.hours import queries, services
from wbl.hours.forms import ConfirmForm, RejectForm
from wbl.hours.links import read_review_link
from wbl.hours.models import Digest, EntryStatus, HourEntry
from wbl.scopes import partner_ids_of
from wbl.tokens import ExpiredLink, InvalidLink, private_link_page

bp = Blueprint("hour_links", __name__, url_prefix="/hours/review")


bp.after_request(private_link_page)


def _link_problem(error: InvalidLink) -> ResponseReturnValue:
    expired = isinstance(error, ExpiredLink)
    page = render_template(
        "hours/review_link.html", problem=gettext(error.message), expired=expired
    )
    return page, (410 if expired else 400)


def _entries(digest: Digest) -> tuple[list[HourEntry], int]:
    """The digest's entries its supervisor still supervises, and how many others it held."""
    partners = set(db.session.scalars(partner_ids_of(digest.user_id)))
    entries = list(db.session.scalars(queries.digest_entries(digest.id)))
    shown = [e for e in entries if e.placement.offering.partner_id in partners]
    return shown, len(entries) - len(shown)


def _reject_id() -> int | None:
    try:
        return int(request.form.get("reject_id", ""))
    except ValueError:
        return None


def _reject(digest: Digest, entry_id: int) -> RejectForm | None:
    """Reject one entry; the form back when the reason is missing (shown next to it)."""
    form = RejectForm(prefix=f"reject-{entry_id}")
    if not form.validate_on_submit():  # no reason (CSRF is checked app-wide, before)
        services.in_digest(digest, [entry_id])  # an id from elsewhere is not found
        return form
    try:
        services.reject_from_link(digest, entry_id, form.reason.data or "")
    except services.AlreadyDecided as error:
        flash(gettext(error.message), "info")
    except (NotFound, Forbidden):
        raise
    except DomainError as error:
        form.reason.errors.append(error.message)
        return form
    else:
        flash(gettext("The entry is rejected; the student sees your reason."), "success")
    return None


def _confirm(digest: Digest) -> None:
    form = ConfirmForm()
    if not form.validate_on_submit():  # only its CSRF token is checked
        return
    chosen = form.chosen()
    with flash_refusal() as attempt:
        count = services.confirm_from_link(digest, chosen)
    if not attempt.ok:
        return
    skipped = len(set(chosen)) - count
    if not count:
        flash(gettext("Those entries had already been decided; nothing was changed."), "info")
        return
    message = ngettext("%(num)s entry confirmed.", "%(num)s entries confirmed.", count)
    if skipped:
        message += " " + ngettext(
            "%(num)s had already been decided and was skipped.",
            "%(num)s had already been decided and were skipped.",
            skipped,
        )
    flash(message, "success")


@bp.route("/<token>", methods=["GET", "POST"])
@policy(PUBLIC)
def review(token: str) -> ResponseReturnValue:
    try:
        digest = read_review_link(token, utcnow())
    except InvalidLink as error:
        return _link_problem(error)
    reject_forms: dict[int, RejectForm] = {}
    if request.method == "POST":
        reject_id = _reject_id()
        if reject_id is None:
            _confirm(digest)
        elif (form := _reject(digest, reject_id)) is not None:
            reject_forms[reject_id] = form
        if not reject_forms:
            return redirect(url_for("hour_links.review", token=token))
    entries, hidden = _entries(digest)
    pending = [e for e in entries if e.status is EntryStatus.PENDING]
    if reject_forms and not any(e.id in reject_forms for e in entries):
        raise NotFound()  # in the digest, but no longer the supervisor's
    if reject_forms and not any(e.id in reject_forms for e in pending):
        flash(gettext(services.AlreadyDecided.message), "info")  # decided since the page was shown
        return redirect(url_for("hour_links.review", token=token))
    for entry in pending:
        reject_forms.setdefault(entry.id, RejectForm(prefix=f"reject-{entry.id}", formdata=None))
    page = render_template(
        "hours/review_link.html",
        digest=digest,
        supervisor=digest.user,
        signed_in_as=current_user if current_user.is_authenticated else None,
        entries=entries,
        pending=pending,
        hidden=hidden,
        confirm_form=ConfirmForm(formdata=None),
        reject_forms=reject_forms,
    )
    return page, (422 if any(f.errors for f in reject_forms.values()) else 200)
