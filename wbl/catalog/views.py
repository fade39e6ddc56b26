from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from wtforms import DateField
from wtforms.fields.choices import SelectChoice

from wbl.access import AUTHENTICATED, PUBLIC, Role, policy
from wbl.catalog import policies, recommendations, search, services
from wbl.catalog.browse_forms import ANY, CatalogFilterForm
from wbl.clock import local_today
from wbl.errors import DomainError
from wbl.evaluations import services as evaluations
from wbl.fields import SelectField, SelectMultipleField
from wbl.pagination import page_number
from wbl.placements import queries as placement_queries
from wbl.placements import readiness
from wbl.reference.models import ExperienceKind
from wbl.reference.queries import experience_type_names
from wbl.scopes import is_staff

bp = Blueprint("catalog", __name__)


@dataclass(frozen=True, slots=True)
class Chip:
    """An active filter, shown with a link that removes it."""

    label: str
    remove_url: str


def _set_choices(
    form: CatalogFilterForm, choices: search.FilterChoices, kind_names: dict[str, str]
) -> None:
    form.type.choices = [SelectChoice(k.value, kind_names[k.value]) for k in ExperienceKind]
    form.sector.choices = [SelectChoice("", gettext("Any sector"))] + [
        SelectChoice(str(i), name) for i, name in choices.sectors
    ]
    form.pathway.choices = [SelectChoice("", gettext("Any pathway"))] + [
        SelectChoice(str(i), name, optgroup=sector) for i, name, sector in choices.pathways
    ]
    form.outcome.choices = [SelectChoice("", gettext("Any outcome"))] + [
        SelectChoice(str(i), name) for i, name in choices.outcomes
    ]


def _ok(field: object) -> object:
    """A field's value, or None when it did not validate (the rest of the search still runs)."""
    return None if getattr(field, "errors", None) else getattr(field, "data", None)


def _ok_date(field: DateField) -> date | None:
    value = _ok(field)
    return value if isinstance(value, date) else None


def _ok_kinds(field: SelectMultipleField) -> frozenset[ExperienceKind]:
    values = _ok(field)
    return frozenset(ExperienceKind(v) for v in values) if isinstance(values, list) else frozenset()


def _int_or_none(value: object) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _yes_no(value: object) -> bool | None:
    return {"yes": True, "no": False}.get(value) if isinstance(value, str) else None


def _filters_from(form: CatalogFilterForm, page: int) -> search.CatalogFilters:
    sort = _ok(form.sort)
    return search.CatalogFilters(
        q=str(_ok(form.q) or ""),
        kinds=_ok_kinds(form.type),
        sector_id=_int_or_none(_ok(form.sector)),
        pathway_id=_int_or_none(_ok(form.pathway)),
        outcome_id=_int_or_none(_ok(form.outcome)),
        within_miles=_int_or_none(_ok(form.within)),
        starts_after=_ok_date(form.starts_after),
        starts_before=_ok_date(form.starts_before),
        virtual=_yes_no(_ok(form.virtual)),
        paid=_yes_no(_ok(form.paid)),
        sort=search.Sort(str(sort)) if sort else None,
        include_closed=bool(form.closed.data),
        page=page,
    )


def _filter_args(form: CatalogFilterForm) -> dict[str, list[str]]:
    """The page's filters as arguments for its own links: the form's fields only. Any other
    key is dropped (the page number is the link's to set), those url_for reads itself
    (``endpoint``, ``_external``, ``_scheme``, ``_anchor``, ``_method``) above all."""
    return {
        key: values
        for key, values in request.args.to_dict(flat=False).items()
        if key in form._fields
    }


def _chips(
    form: CatalogFilterForm, filters: search.CatalogFilters, kind_names: dict[str, str]
) -> list[Chip]:
    """One chip per active filter; its link keeps every other filter and goes to page 1."""
    args = _filter_args(form)

    def without(name: str, value: str | None = None) -> str:
        rest: dict[str, Any] = {k: v for k, v in args.items() if k != name}
        if value is not None:
            rest[name] = [v for v in args.get(name, []) if v != value]
        return url_for("catalog.browse", **rest)

    def label_of(field: SelectField, value: object) -> str:
        return next((c.label for c in field.choices if str(c.value) == str(value)), str(value))

    chips = []
    if filters.q:
        chips.append(Chip(f"“{filters.q}”", without("q")))
    chips += [Chip(kind_names[k.value], without("type", k.value)) for k in sorted(filters.kinds)]
    for name, value in (
        ("sector", filters.sector_id),
        ("pathway", filters.pathway_id),
        ("outcome", filters.outcome_id),
    ):
        if value is not None:
            chips.append(Chip(label_of(getattr(form, name), value), without(name)))
    if filters.within_miles is not None:
        chips.append(
            Chip(gettext("Within %(miles)s miles", miles=filters.within_miles), without("within"))
        )
    if form.zip.data and not form.zip.errors:
        chips.append(Chip(gettext("From ZIP %(zip)s", zip=form.zip.data.strip()), without("zip")))
    if filters.starts_after:
        chips.append(
            Chip(
                gettext("Starts on or after %(day)s", day=filters.starts_after),
                without("starts_after"),
            )
        )
    if filters.starts_before:
        chips.append(
            Chip(gettext("Starts by %(day)s", day=filters.starts_before), without("starts_before"))
        )
    if filters.virtual is not None:
        chips.append(
            Chip(gettext("Online") if filters.virtual else gettext("In person"), without("virtual"))
        )
    if filters.paid is not None:
        chips.append(Chip(gettext("Paid") if filters.paid else gettext("Unpaid"), without("paid")))
    if filters.include_closed:
        chips.append(Chip(gettext("Applications closed included"), without("closed")))
    return chips


@bp.get("/offerings")
@policy(AUTHENTICATED)
def browse() -> ResponseReturnValue:
    """The published catalog: search words, filters, distance from home or school, pages."""
    kind_names = experience_type_names()
    form = CatalogFilterForm(formdata=request.args)
    _set_choices(form, search.filter_choices(), kind_names)
    form.validate()
    filters = _filters_from(form, request.args.get("page", 1, type=page_number) or 1)
    zip_code = str(_ok(form.zip) or "")
    try:
        origin = search.origin_for(current_user, zip_code)
    except DomainError as error:
        form.zip.errors = [*form.zip.errors, error.message]
        origin = search.origin_for(current_user)
    today = local_today()
    results = search.search_catalog(filters, origin, today)
    if not form.sort.data or form.sort.errors:
        form.sort.data = results.sort.value  # show the order the results are really in
    home = search.origin_for(current_user) if zip_code else origin
    zip_hint = (
        gettext("Leave it empty to measure from %(place)s.", place=home.label)
        if home is not None
        else gettext("Needed to search by distance.")
    )
    link_args = _filter_args(form)
    return render_template(
        "catalog/browse.html",
        form=form,
        results=results,
        chips=_chips(form, filters, kind_names),
        link_args=link_args,
        kind_names=kind_names,
        has_errors=any(f.errors for f in form),
        zip_hint=zip_hint,
        today=today,
        any_value=ANY,
    )


@bp.get("/partners/<int:partner_id>")
@policy(AUTHENTICATED)
def partner_detail(partner_id: int) -> ResponseReturnValue:
    today = local_today()
    page = services.get_partner_page(partner_id, today)
    origin = search.origin_for(current_user)
    distances = {o.id: search.miles_to(origin, o) for o in page.offerings}
    return render_template(
        "catalog/partner.html",
        card=page.card,
        partner=page.card.partner,
        offerings=page.offerings,
        distances=distances,
        kind_names=experience_type_names(),
        origin=origin,
    )


@bp.get("/endorsers")
@policy(PUBLIC)
def endorsers() -> ResponseReturnValue:
    """The public list of businesses that endorse the Work Ready Certificate."""
    return render_template("catalog/endorsers.html", cards=services.endorsers())


@bp.get("/offerings/<int:offering_id>")
@policy(AUTHENTICATED)
def offering_detail(offering_id: int) -> ResponseReturnValue:
    offering = services.get_offering(current_user, offering_id)
    today = local_today()
    origin = search.origin_for(current_user)
    miles = search.miles_to(origin, offering)
    fit = None
    if is_staff(current_user) or current_user.has_role(Role.EMPLOYER):
        fit = recommendations.students_who_fit(current_user, offering, today)
    my_application = placement_queries.student_application_for(current_user, offering.id)
    ended = my_application.placement if my_application and my_application.completed else None
    return render_template(
        "catalog/offering_detail.html",
        offering=offering,
        fit=fit,
        manage_as=policies.manager_of(current_user, offering),
        miles=miles,
        origin=origin,
        kind_names=experience_type_names(),
        today=today,
        missing=readiness.readiness_for_viewer(current_user, offering),
        my_application=my_application,
        after=evaluations.after_placement(ended) if ended is not None else None,
    )


# An SVG opened on its own is a document: it may run nothing and load nothing.
_SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


@bp.get("/partners/<int:partner_id>/logo")
@policy(PUBLIC)
def partner_logo(partner_id: int) -> ResponseReturnValue:
    """A partner's logo (public: the endorsement page shows them). Served from storage under
    its generated key with the type sniffed at upload, cached for a day."""
    logo = services.partner_logo(partner_id)
    response = Response(logo.data, mimetype=logo.content_type)
    response.headers["Cache-Control"] = "public, max-age=86400"
    if logo.content_type == "image/svg+xml":
        response.headers["Content-Security-Policy"] = _SVG_POLICY
    return response
