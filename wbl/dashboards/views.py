from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user

from wbl.access import AUTHENTICATED, PUBLIC, Role, policy
from wbl.auth import services as auth_services
from wbl.auth.forms import AccountLanguageForm
from wbl.calendars import services as calendar_services
from wbl.clock import local_today
from wbl.county import services as county_setup
from wbl.dashboards import services
from wbl.errors import DomainError
from wbl.http import db_int
from wbl.i18n import SESSION_KEY
from wbl.pagination import page_number, paginate
from wbl.reference.queries import experience_type_names
from wbl.students.queries import student_roster

bp = Blueprint("home", __name__)


@bp.get("/")
@policy(PUBLIC)
def index() -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("home.dashboard"))


@bp.get("/home")
@policy(AUTHENTICATED)
def dashboard() -> ResponseReturnValue:
    """One home page per role; someone with several roles sees the broadest one. An
    administrator of a county not yet set up (no name, or no district) is led to the set-up
    checklist instead."""
    if current_user.has_role(Role.ADMIN) and county_setup.needs_setup():
        return redirect(url_for("county.setup"))
    today = local_today()
    names = experience_type_names()
    role = current_user.primary_role
    if role in (Role.ADMIN, Role.STAFF):
        data = services.staff_dashboard(current_user, today)
        return render_template("home/staff.html", data=data, kind_names=names, today=today)
    if role is Role.TEACHER:
        name = request.args.get("q", "")[:100]
        grade = request.args.get("grade", type=db_int)
        page = paginate(
            student_roster(current_user, name=name, grade=grade),
            page=request.args.get("page", 1, type=page_number),
            per_page=20,
        )
        return render_template(
            "home/teacher.html",
            data=services.teacher_dashboard(current_user),
            page=page,
            kind_names=names,
            filters={"q": name, "grade": grade},
        )
    if role is Role.EMPLOYER:
        return render_template(
            "home/employer.html", data=services.employer_dashboard(current_user), kind_names=names
        )
    return render_template(
        "home/student.html",
        data=services.student_dashboard(current_user, today),
        kind_names=names,
        today=today,
    )


@bp.route("/account", methods=["GET", "POST"])
@policy(AUTHENTICATED)
def account() -> ResponseReturnValue:
    """The signed-in user's own account: who they are, and the settings that are theirs (the
    language, the calendar feed; each feature's section is its own template)."""
    form = AccountLanguageForm(language=current_user.language)
    status = 200
    if form.validate_on_submit():
        try:
            auth_services.set_language(current_user, form.language.data or "")
        except DomainError as error:
            form.language.errors = [error.message]
        else:
            session.pop(SESSION_KEY, None)  # the preference decides from now on
            flash(gettext("Your language is saved."), "success")
            return redirect(url_for("home.account"), 303)
    if form.errors:
        status = 422
    page = render_template(
        "home/account.html",
        calendar_feed=calendar_services.feed_of(current_user),
        language_form=form,
    )
    return page, status
