"""Reports for CTE staff: who work-based learning reaches (``/reports/reach``), where
applications go (``/reports/funnel``), activity, partners and Perkins V 5S3
(``/reports/perkins-5s3``, with the concentrator list's upload), with the same filters:
year, district, school."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from wbl.access import Role, policy
from wbl.auth.models import User
from wbl.catalog.import_forms import MAX_UPLOAD_BYTES, ConfirmImportForm, SpreadsheetForm
from wbl.clock import local_today
from wbl.downloads import attachment
from wbl.errors import DomainError
from wbl.evaluations.models import RATINGS
from wbl.http import db_int
from wbl.imports.reading import MAX_ROWS, FileFormat
from wbl.imports.report import ImportReport, problems_shown
from wbl.imports.writing import export_file
from wbl.reference.queries import experience_type_names
from wbl.reporting import activity as activity_service
from wbl.reporting import concentrators, groups
from wbl.reporting import funnel as funnel_service
from wbl.reporting import partners as partner_service
from wbl.reporting import perkins as perkins_service
from wbl.reporting import reach as reach_service
from wbl.reporting.forms import ReachFilterForm
from wbl.reporting.reach import ReachFilters, SchoolYear
from wbl.roster.demographics import SMALLEST_SHOWN
from wbl.scopes import is_staff

bp = Blueprint("reporting", __name__, url_prefix="/reports")

EVERY = ""  # the choice "every district" or "every school"


def _filters(actor: User, today: date) -> tuple[ReachFilterForm, ReachFilters, list[str]]:
    """The form with its choices, the filters it asks for, and what could not be used (a
    bad value falls back to the default with a note; a district, school or class the actor
    does not see is not found, by the service). Staff choose a district and a school, a
    teacher one of their classes."""
    form = ReachFilterForm(request.args)
    current = SchoolYear.of(today)
    form.year.choices = [SelectChoice(y.code, y.label) for y in current.recent()]
    notes: list[str] = []
    try:
        year = SchoolYear.parse(form.year.data) if form.year.data else current
    except DomainError as error:
        notes.append(error.message)
        year = current
    form.year.data = year.code
    if year.code not in {c.value for c in form.year.choices}:
        form.year.choices.append(SelectChoice(year.code, year.label))

    def number(field_data: str | None, what: str) -> int | None:
        if not field_data:
            return None
        try:
            return db_int(field_data)
        except ValueError:
            notes.append(f"That is not a {what}; showing every {what}.")
            return None

    if not is_staff(actor):  # a teacher: their classes, one or all
        form.section.choices = [SelectChoice(EVERY, "All my classes")] + [
            SelectChoice(str(c.id), c.name) for c in reach_service.classes_for(actor)
        ]
        return form, ReachFilters(year, class_id=number(form.section.data, "class")), notes
    district_id = number(form.district.data, "district") if actor.is_county_wide else None
    school_id = number(form.school.data, "school")
    form.district.choices = [SelectChoice(EVERY, "Every district")] + [
        SelectChoice(str(d.id), d.name) for d in reach_service.districts_for(actor)
    ]
    form.school.choices = [SelectChoice(EVERY, "Every school")] + [
        SelectChoice(str(s.id), s.name) for s in reach_service.schools_for(actor, district_id)
    ]
    form.group.choices = [SelectChoice(EVERY, "All students")] + [
        SelectChoice(key, name)
        for key, (_, name) in zip(groups.GROUP_KEYS, groups.GROUPS, strict=True)
    ]
    group = None
    if form.group.data:
        if form.group.data in groups.GROUP_KEYS:
            group = groups.GROUP_KEYS.index(form.group.data)
        else:
            notes.append("That is not a student group; showing all students.")
            form.group.data = EVERY
    return form, ReachFilters(year, district_id, school_id, group=group), notes


Tables = tuple[list[str], list[list[object]]]


def _download(name: str, tables: Callable[[ReachFilters], Tables]) -> ResponseReturnValue:
    """Every table of a report for the filters asked, as one file: XLSX when asked, else CSV,
    named ``wbl-<name>-<school year>``."""
    form, filters, _ = _filters(current_user, local_today())
    header, rows = tables(filters)
    fmt = FileFormat.XLSX if form.format.data == "xlsx" else FileFormat.CSV
    exported = export_file(f"wbl-{name}-{filters.year.code}", fmt, header, rows)
    return attachment(exported.data, exported.filename, exported.mimetype)


def _download_args() -> dict[str, str]:
    """The filters of the page, for its download links."""
    return {
        k: v
        for k, v in request.args.items()
        if k in ("year", "district", "school", "section", "group")
    }


def _across(
    filters: ReachFilters, across: list[tuple[str, groups.GroupRow]], share_key: str
) -> dict[str, object]:
    """What a page's group filter card needs: the group's name, the places it is shown in
    ("district" or "school"; none for a school alone), and a bar per place."""
    if filters.group is None:
        return {"group_filter": True, "group_name": None, "part": None, "across_chart": None}
    if filters.school_id is not None:
        part = None
    elif filters.district_id is not None or not current_user.is_county_wide:
        part = "school"
    else:
        part = "district"
    return {
        "group_filter": True,
        "group_name": groups.GROUPS[filters.group][1],
        "part": part,
        "across_chart": Chart.of([(name, g.share(share_key)) for name, g in across[1:]]),
    }


def _percent(share: float | None) -> str:
    return "hidden" if share is None else f"{share:.0%}"


SCALES = (0.05, 0.1, 0.2, 0.25, 0.5, 1.0)  # a chart's axis ends at the first that fits


@dataclass(frozen=True, slots=True)
class Chart:
    """Bars of shares on one axis from 0 to ``scale`` (the smallest of ``SCALES`` that holds
    the largest share, so 3 % and 9 % are told apart); each bar: label, width (0-1 of the
    axis; None when hidden) and the share's text."""

    bars: list[tuple[str, float | None, str]]
    scale: float

    @classmethod
    def of(cls, items: list[tuple[str, float | None]]) -> Chart:
        largest = max((share for _, share in items if share is not None), default=0.0)
        scale = next(s for s in SCALES if largest <= s)
        return cls(
            [
                (label, None if share is None else share / scale, _percent(share))
                for label, share in items
            ],
            scale,
        )


def _charts(found: reach_service.Reach, kind_names: dict[str, str]) -> dict[str, Chart]:
    total = found.total
    return {
        "stage_chart": Chart.of(
            [(reach_service.STAGE_LABELS[s], total.share(s)) for s in reach_service.STAGES]
        ),
        "kind_chart": Chart.of(
            [(kind_names[k.value], total.share(k)) for k in reach_service.KINDS]
        ),
        "school_chart": Chart.of([(row.name, row.share("reached")) for row in found.schools]),
        "group_chart": Chart.of([(g.name, g.share("reached")) for g in found.groups]),
    }


@bp.get("/reach")
@policy(Role.STAFF, Role.TEACHER)
def reach() -> ResponseReturnValue:
    today = local_today()
    form, filters, notes = _filters(current_user, today)
    found = reach_service.reach(current_user, filters, today)
    kind_names = experience_type_names()
    return render_template(
        "reporting/reach.html",
        form=form,
        reach=found,
        notes=notes,
        county_wide=current_user.is_county_wide,
        stages=reach_service.STAGES,
        kinds=reach_service.KINDS,
        stage_labels=reach_service.STAGE_LABELS,
        family_labels=groups.FAMILY_LABELS,
        kind_names=kind_names,
        smallest=SMALLEST_SHOWN,
        download_args=_download_args(),
        staff_view=is_staff(current_user),
        named_groups=[(g.name, g) for g in found.groups],
        group_columns=[
            ("students", "Students"),
            ("reached", "Reached"),
            *((s, reach_service.STAGE_LABELS[s]) for s in reach_service.STAGES),
        ],
        **_across(filters, found.across, "reached"),
        **_charts(found, kind_names),
    )


@bp.get("/reach/download")
@policy(Role.STAFF, Role.TEACHER)
def reach_download() -> ResponseReturnValue:
    return _download(
        "reach",
        lambda f: reach_service.table_rows(reach_service.reach(current_user, f, local_today())),
    )


@bp.get("/funnel")
@policy(Role.STAFF)
def funnel() -> ResponseReturnValue:
    form, filters, notes = _filters(current_user, local_today())
    found = funnel_service.funnel(current_user, filters)
    total = found.total
    return render_template(
        "reporting/funnel.html",
        form=form,
        funnel=found,
        notes=notes,
        county_wide=current_user.is_county_wide,
        steps=funnel_service.STEPS,
        step_labels=funnel_service.STEP_LABELS,
        waits=funnel_service.WAITS,
        family_labels=groups.FAMILY_LABELS,
        smallest=SMALLEST_SHOWN,
        step_chart=Chart.of(
            [(funnel_service.STEP_LABELS[s], total.share(s)) for s in funnel_service.STEPS]
        ),
        download_args=_download_args(),
        named_groups=[(g.name, g) for g in found.groups],
        group_columns=[(s, funnel_service.STEP_LABELS[s]) for s in funnel_service.STEPS],
        **_across(filters, found.across, "placed"),
    )


@bp.get("/funnel/download")
@policy(Role.STAFF)
def funnel_download() -> ResponseReturnValue:
    return _download(
        "funnel", lambda f: funnel_service.table_rows(funnel_service.funnel(current_user, f))
    )


@dataclass(frozen=True, slots=True)
class LineChart:
    """Lines over the same x positions, drawn in a box 100 high and ``width`` wide (the SVG
    stretches it); ``top`` is the value at the top (a round number above the largest)."""

    lines: list[tuple[str, str, str]]  # css class, label, "x,y x,y ..." points
    width: int
    top: float

    @classmethod
    def of(cls, series: list[tuple[str, str, list[float]]]) -> LineChart:
        largest = max((v for _, _, values in series for v in values), default=0.0)
        top = _round_up(largest)
        width = max((len(values) for _, _, values in series), default=1) - 1
        lines = [
            (
                css,
                label,
                " ".join(
                    f"{x},{100 - (value / top * 100 if top else 0):.1f}"
                    for x, value in enumerate(values)
                ),
            )
            for css, label, values in series
        ]
        return cls(lines, max(width, 1), top)


def _round_up(value: float) -> float:
    """The first of 1, 2, 5, 10, 20, 50, ... at or above ``value`` (1 for nothing)."""
    top = 1.0
    while top < value:
        for step in (2, 2.5, 2):
            top *= step
            if top >= value:
                break
    return top


@bp.get("/activity")
@policy(Role.STAFF)
def activity() -> ResponseReturnValue:
    today = local_today()
    form, filters, notes = _filters(current_user, today)
    found = activity_service.activity(current_user, filters)
    current, previous = found.current, found.previous
    so_far = current.hours_by_week  # the weeks to come are not drawn as weeks of nothing
    if current.year.first_day <= today <= current.year.last_day:
        so_far = so_far[: activity_service.week_of(current.year, today) + 1]
    return render_template(
        "reporting/activity.html",
        form=form,
        activity=found,
        notes=notes,
        county_wide=current_user.is_county_wide,
        hours_chart=LineChart.of(
            [
                ("line-previous", previous.year.label, previous.hours_by_week),
                ("line-current", current.year.label, so_far),
            ]
        ),
        months=("Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar", "Apr", "May", "Jun"),
        download_args={
            k: v for k, v in request.args.items() if k in ("year", "district", "school")
        },
    )


@bp.get("/activity/download")
@policy(Role.STAFF)
def activity_download() -> ResponseReturnValue:
    return _download(
        "activity",
        lambda f: activity_service.table_rows(activity_service.activity(current_user, f)),
    )


@bp.get("/partners")
@policy(Role.STAFF)
def partners() -> ResponseReturnValue:
    today = local_today()
    form, filters, notes = _filters(current_user, today)
    found = partner_service.partners_overview(current_user, filters.year, today)
    return render_template(
        "reporting/partners.html",
        form=form,
        overview=found,
        notes=notes,
        only_year=True,
        download_args={k: v for k, v in request.args.items() if k == "year"},
    )


@bp.get("/partners/<int:partner_id>")
@policy(Role.STAFF, Role.EMPLOYER)
def partner_impact(partner_id: int) -> ResponseReturnValue:
    form, filters, notes = _filters(current_user, local_today())
    found = partner_service.partner_impact(current_user, partner_id, filters.year)
    return render_template(
        "reporting/partner_impact.html",
        form=form,
        impact=found,
        notes=notes,
        only_year=True,
        kind_names=experience_type_names(),
        ratings=RATINGS,
        staff_view=is_staff(current_user),
    )


@bp.get("/perkins-5s3")
@policy(Role.STAFF)
def perkins() -> ResponseReturnValue:
    form, filters, notes = _filters(current_user, local_today())
    found = perkins_service.indicator(current_user, filters)
    return render_template(
        "reporting/perkins.html",
        form=form,
        found=found,
        notes=notes,
        county_wide=current_user.is_county_wide,
        figures=perkins_service.FIGURES,
        labels=perkins_service.LABELS,
        family_labels=groups.FAMILY_LABELS,
        smallest=SMALLEST_SHOWN,
        school_chart=Chart.of([(row.name, row.share) for row in found.schools]),
        group_chart=Chart.of([(g.name, g.share("participated")) for g in found.groups]),
        download_args=_download_args(),
        named_groups=[(g.name, g) for g in found.groups],
        group_columns=[(key, perkins_service.LABELS[key]) for key in perkins_service.FIGURES],
        **_across(filters, found.across, "participated"),
    )


@bp.get("/perkins-5s3/download")
@policy(Role.STAFF)
def perkins_download() -> ResponseReturnValue:
    return _download(
        "perkins-5s3",
        lambda f: perkins_service.table_rows(perkins_service.indicator(current_user, f)),
    )


# --- the concentrator list (what 5S3 counts) ------------------------------------------------


def _concentrator_report(
    report: ImportReport, token: str | None, filename: str
) -> ResponseReturnValue:
    return render_template(
        "imports/report.html",
        report=report,
        **problems_shown(report.problems),
        confirm=ConfirmImportForm(formdata=None, token=token) if token else None,
        filename=filename,
        form=SpreadsheetForm(formdata=None),
        upload_url=url_for("reporting.import_concentrators"),
        confirm_url=url_for("reporting.confirm_concentrators"),
    )


@bp.route("/concentrators/import", methods=["GET", "POST"])
@policy(Role.STAFF)
def import_concentrators() -> ResponseReturnValue:
    form = SpreadsheetForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(MAX_UPLOAD_BYTES + 1)
        filename = upload.filename or "upload"
        staged = concentrators.stage_upload(current_user, data, filename)
        return _concentrator_report(staged.report, staged.token, filename)
    recorded, concentrator_count = concentrators.recorded_in_scope(current_user)
    return render_template(
        "reporting/concentrators_import.html",
        form=form,
        columns={concentrators.Holds.CONCENTRATORS: concentrators.COLUMNS},
        max_rows=MAX_ROWS,
        upload_url=url_for("reporting.import_concentrators"),
        recorded=recorded,
        concentrator_count=concentrator_count,
        county_wide=current_user.is_county_wide,
    )


@bp.post("/concentrators/import/confirm")
@policy(Role.STAFF)
def confirm_concentrators() -> ResponseReturnValue:
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        report = concentrators.confirm_upload(current_user, form.token.data or "")
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("reporting.import_concentrators"))
    if not report.ok:
        return _concentrator_report(report, None, "your file")
    flash(f"Import finished. {report.summary}", "success")
    return redirect(url_for("reporting.perkins"))
