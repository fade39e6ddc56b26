from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from wbl.access import Role, policy
from wbl.errors import DomainError, field_error
from wbl.i18n import data_name
from wbl.reference.choices import pathway_choices
from wbl.students import services
from wbl.students.forms import InterestCheckConfirmForm, InterestCheckForm, ProfileForm
from wbl.students.interest_check import statements
from wbl.students.models import Transportation
from wbl.students.services import InterestCheckResult

bp = Blueprint("students", __name__)


@bp.route("/profile", methods=["GET", "POST"])
@policy(Role.STUDENT)
def profile() -> ResponseReturnValue:
    current = services.own_profile(current_user)
    form = ProfileForm(obj=current)
    if not form.is_submitted():
        form.pathway_ids.data = [p.id for p in current.pathways]
        form.transportation.data = current.transportation.value
        form.availability.data = list(current.availability or [])
    form.pathway_ids.choices = pathway_choices()
    if form.validate_on_submit():
        update = services.ProfileUpdate(
            home_zip=form.home_zip.data or "",
            max_travel_miles=form.max_travel_miles.data or 0,
            transportation=Transportation(form.transportation.data),
            pathway_ids=frozenset(form.pathway_ids.data or []),
            interests=form.interests.data or "",
            availability=frozenset(form.availability.data or []),
        )
        try:
            services.update_own_profile(current_user, update)
        except DomainError as error:
            getattr(form, error.field or "interests").errors.append(error.message)
        else:
            flash(gettext("Your profile is saved. Your recommendations now follow it."), "success")
            return redirect(url_for("home.dashboard"))
    return render_template("students/profile.html", form=form, profile=current)


@bp.route("/profile/interest-check", methods=["GET", "POST"])
@policy(Role.STUDENT)
def interest_check() -> ResponseReturnValue:
    """The statements; sent, the suggestions they make (nothing is saved yet)."""
    services.own_profile(current_user)  # a student without a profile: the clear 404
    form = InterestCheckForm()
    form.statements.choices = [SelectChoice(s.id, s.shown_text) for s in statements()]
    if form.validate_on_submit():
        try:
            result = services.interest_check_result(current_user, form.statements.data or [])
        except DomainError as error:
            problem = field_error(form, error)
            if problem:
                flash(problem, "warning")
        else:
            confirm = InterestCheckConfirmForm(formdata=None)
            confirm.statements.data = " ".join(s.id for s in result.statements)
            confirm.pathway_ids.data = result.pre_checked
            confirm.words.data = list(result.new_words)
            return _result_page(confirm, result)
    return render_template("students/interest_check.html", form=form)


@bp.post("/profile/interest-check/confirm")
@policy(Role.STUDENT)
def confirm_interest_check() -> ResponseReturnValue:
    """Add what the student kept ticked to their profile, then show them the profile."""
    form = InterestCheckConfirmForm()
    statement_ids = tuple((form.statements.data or "").split())
    try:
        result = services.interest_check_result(current_user, statement_ids)
    except DomainError as error:  # none sent, or the statements changed: take it again
        flash(field_error(form, error) or error.message, "warning")
        return redirect(url_for("students.interest_check"))
    if not form.validate_on_submit():
        return _result_page(form, result)
    choice = services.InterestCheckChoice(
        statement_ids=statement_ids,
        pathway_ids=frozenset(form.pathway_ids.data or []),
        words=frozenset(form.words.data or []),
    )
    try:
        added = services.apply_interest_check(current_user, choice)
    except DomainError as error:
        problem = field_error(form, error)
        if problem:
            flash(problem, "warning")
        return _result_page(form, result)
    flash(_added_message(added), "success")
    return redirect(url_for("students.profile"))


def _added_message(added: services.AddedFromCheck) -> str:
    if not (added.pathways or added.words):
        return gettext("Your profile already had everything you ticked: nothing was added.")
    parts = []
    if added.pathways:
        parts.append(
            ngettext(
                "the pathway %(names)s",
                "the pathways %(names)s",
                len(added.pathways),
                names=", ".join(data_name(name) for name in added.pathways),
            )
        )
    if added.words:
        parts.append(gettext("the words “%(words)s”", words=", ".join(added.words)))
    return gettext(
        "Added to your profile: %(what)s. Read it over below: you can change anything and "
        "save it again.",
        what=gettext(" and ").join(parts),
    )


def _result_page(form: InterestCheckConfirmForm, result: InterestCheckResult) -> str:
    form.pathway_ids.choices = [
        SelectChoice(
            s.pathway.id,
            ngettext(
                "%(pathway)s · %(sector)s · %(num)s of your answers point here",
                "%(pathway)s · %(sector)s · %(num)s of your answers point here",
                s.votes,
                pathway=data_name(s.pathway.name),
                sector=data_name(s.pathway.sector.name),
            )
            if s.votes > 1
            else f"{data_name(s.pathway.name)} · {data_name(s.pathway.sector.name)}",
        )
        for s in result.new_pathways
    ]
    form.words.choices = [SelectChoice(word, word) for word in result.new_words]
    return render_template(
        "students/interest_check_result.html",
        form=form,
        result=result,
        max_pathways=services.MAX_PATHWAYS,
    )
