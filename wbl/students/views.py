from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from wbl.access import Role, policy
from wbl.errors import DomainError
from wbl.reference.choices import pathway_choices
from wbl.students import services
from wbl.students.forms import ProfileForm
from wbl.students.models import Transportation

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
            flash("Your profile is saved. Your recommendations now follow it.", "success")
            return redirect(url_for("home.dashboard"))
    return render_template("students/profile.html", form=form, profile=current)
