"""Worksite visit pages: the list (due, open follow-ups, all), a placement's visits, the
visit form, a visit's page, and the district's checklist. Staff and teachers only; employers
and students see nothing of visits (``policies``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from wbl.access import Role, policy
from wbl.clock import local_today
from wbl.errors import DomainError, Forbidden, NotFound, field_error, flash_refusal
from wbl.extensions import db
from wbl.http import db_int
from wbl.pagination import page_number, paginate, paginate_rows
from wbl.schools.models import District
from wbl.scopes import district_of
from wbl.visits import policies, queries, services
from wbl.visits.forms import ChecklistForm, CloseFollowUpForm, FlagForm, UnflagForm, visit_form
from wbl.visits.models import WorksiteVisit
from wbl.visits.rules import due_from

bp = Blueprint("visits", __name__, url_prefix="/visits")

PER_PAGE = 25
VISITORS = (Role.STAFF, Role.TEACHER)
VIEWS = ("due", "follow-ups", "all")


@bp.get("/")
@policy(*VISITORS)
def index() -> ResponseReturnValue:
    """Placements due a visit (default), visits with a follow-up still open, or every visit,
    in the actor's scope."""
    view = request.args.get("show", "due")
    if view not in VIEWS:
        view = "due"
    page_no = request.args.get("page", 1, type=page_number)
    today = local_today()
    every = queries.due_after_days_by_district()
    due_total = db.session.scalar(queries.due_count(current_user, today, every)) or 0
    follow_total = db.session.scalar(queries.open_follow_up_count(current_user)) or 0
    rows: list[queries.DueRow] = []
    page: Any
    if view == "due":
        statement = queries.due_placements(current_user, today, every)
        page = paginate_rows(
            lambda limit, offset: statement.limit(limit).offset(offset),
            page=page_no,
            per_page=PER_PAGE,
            total=due_total,
        )
        rows = queries.due_rows(page.items, today, every)
    elif view == "follow-ups":
        page = paginate(queries.open_follow_ups(current_user), page=page_no, per_page=PER_PAGE)
    else:
        page = paginate(queries.visits_visible_to(current_user), page=page_no, per_page=PER_PAGE)
    return render_template(
        "visits/index.html",
        view=view,
        page=page,
        rows=rows,
        due_total=due_total,
        follow_total=follow_total,
        today=today,
    )


def _placement_page(placement_id: int, status: int = 200, **forms: Any) -> ResponseReturnValue:
    placement = services.get_placement(current_user, placement_id)
    visits = list(db.session.scalars(queries.visits_of(placement.id)))
    today = local_today()
    every = queries.due_after_days(services.district_of(placement))
    last = visits[0].visited_on if visits else None
    manages = policies.manages(current_user, placement)
    page_forms = (
        {"flag_form": FlagForm(formdata=None), "unflag_form": UnflagForm(formdata=None)}
        if manages
        else {}
    )
    page_forms.update(forms)
    return render_template(
        "visits/placement.html",
        placement=placement,
        visits=visits,
        flag=services.flag_of(placement.id),
        due_on=due_from(placement.start_date, last, every)
        if placement.status.value == "active"
        else None,
        every=every,
        today=today,
        manages=manages,
        **page_forms,
    ), status


@bp.get("/placements/<int:placement_id>")
@policy(*VISITORS)
def placement(placement_id: int) -> ResponseReturnValue:
    return _placement_page(placement_id)


@bp.route("/placements/<int:placement_id>/new", methods=["GET", "POST"])
@policy(*VISITORS)
def new(placement_id: int) -> ResponseReturnValue:
    current = services.get_placement(current_user, placement_id)
    items = queries.checklist(services.district_of(current))
    form = visit_form(items, services.checklist_key(items))
    if not form.is_submitted():
        form.visited_on.data = local_today()
    problem = None
    if form.validate_on_submit():
        try:
            visit = services.record_visit(current_user, current.id, form.report())
        except DomainError as error:
            problem = field_error(form, error)
        else:
            flash(gettext("The visit is recorded."), "success")
            return redirect(url_for("visits.detail", visit_id=visit.id))
    return render_template("visits/new.html", placement=current, form=form, problem=problem), (
        422 if problem or form.errors else 200
    )


@bp.get("/<int:visit_id>")
@policy(*VISITORS)
def detail(visit_id: int) -> ResponseReturnValue:
    return _detail(visit_id)


def _detail(visit_id: int, form: CloseFollowUpForm | None = None) -> ResponseReturnValue:
    visit = services.get_visit(current_user, visit_id)
    placement = services.get_placement(current_user, visit.placement_id)
    manages = policies.manages(current_user, placement)
    return render_template(
        "visits/detail.html",
        visit=visit,
        placement=placement,
        manages=manages,
        close_form=form or CloseFollowUpForm(formdata=None),
    ), (422 if form is not None else 200)


@bp.post("/<int:visit_id>/close-follow-up")
@policy(Role.STAFF)
def close_follow_up(visit_id: int) -> ResponseReturnValue:
    visit: WorksiteVisit = services.get_visit(current_user, visit_id)
    if not policies.manages(current_user, visit.placement):
        raise Forbidden()
    form = CloseFollowUpForm()
    if form.validate_on_submit():
        try:
            services.close_follow_up(current_user, visit.id, form.outcome.data or "")
        except DomainError as error:
            problem = field_error(form, error)
            if problem is None:
                return _detail(visit_id, form)
            flash(problem, "warning")
        else:
            flash(gettext("The follow-up is closed."), "success")
        return redirect(url_for("visits.detail", visit_id=visit.id))
    return _detail(visit_id, form)


@bp.post("/placements/<int:placement_id>/flag")
@policy(Role.STAFF)
def flag(placement_id: int) -> ResponseReturnValue:
    current = services.get_placement(current_user, placement_id)
    if not policies.manages(current_user, current):
        raise Forbidden()
    form = FlagForm()
    if form.validate_on_submit():
        with flash_refusal() as attempt:
            services.flag_due(current_user, current.id, form.reason.data or "")
        if attempt.ok:
            flash(gettext("The placement is marked as due a visit."), "success")
        return redirect(url_for("visits.placement", placement_id=current.id))
    return _placement_page(current.id, 422, flag_form=form)


@bp.post("/placements/<int:placement_id>/unflag")
@policy(Role.STAFF)
def unflag(placement_id: int) -> ResponseReturnValue:
    current = services.get_placement(current_user, placement_id)
    if not policies.manages(current_user, current):
        raise Forbidden()
    if UnflagForm().validate_on_submit():
        services.unflag_due(current_user, current.id)
        flash(gettext("The mark is taken off."), "success")
    return redirect(url_for("visits.placement", placement_id=current.id))


@bp.route("/checklist", methods=["GET", "POST"])
@policy(Role.STAFF)
def checklist() -> ResponseReturnValue:
    """The district's checklist and "visit due" interval. A district's staff keep their own;
    county staff choose the district (``?district_id=``)."""
    districts: list[District] = []
    if policies.chooses_district(current_user):
        districts = list(
            db.session.scalars(
                select(District).where(District.active.is_(True)).order_by(District.name)
            )
        )
        wanted = request.args.get("district_id", type=db_int)
        district_id = wanted or (districts[0].id if districts else None)
    else:
        district_id = district_of(current_user)
    if district_id is None:
        raise NotFound()
    district = services.get_district(current_user, district_id)
    items = queries.checklist(district.id)
    every = queries.due_after_days(district.id)
    form = ChecklistForm()
    if not form.is_submitted():
        form.items.data = "\n".join(items)
        form.due_after_days.data = every
    if form.validate_on_submit():
        try:
            services.save_checklist(current_user, district.id, form.settings())
        except DomainError as error:
            field_error(form, error)
        else:
            flash(gettext("The checklist is saved."), "success")
            return redirect(url_for("visits.checklist", district_id=district.id))
    return render_template(
        "visits/checklist.html",
        district=district,
        districts=districts,
        items=items,
        form=form,
    ), (422 if form.errors else 200)
