"""Allocation round pages: staff open, run, review and publish rounds; students rank their
choices; employers rank the students who chose their offering."""

from __future__ import annotations

from datetime import time, timedelta

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from wbl.access import Role, policy
from wbl.catalog.models import INDIVIDUAL_KINDS
from wbl.clock import local_to_utc, local_when, to_local
from wbl.downloads import attachment, slug
from wbl.errors import DomainError
from wbl.extensions import db, utcnow
from wbl.imports.reading import FileFormat
from wbl.imports.writing import export_file
from wbl.reference.models import ExperienceKind
from wbl.reference.queries import experience_type_names
from wbl.rounds import allocation, fairness, opening, proposal, ranking, scramble, why_not
from wbl.rounds.forms import (
    PRIORITY_CHOICES,
    ConfirmForm,
    OfferingFilterForm,
    OpenRoundForm,
    PublishForm,
    ScrambleForm,
    choices_form,
    ranking_form,
)
from wbl.rounds.models import AllocationMode, AllocationRound, RoundRanking, RoundStatus

bp = Blueprint("rounds", __name__, url_prefix="/rounds")


def _form_error(form: object, error: DomainError, fallback: str) -> None:
    target = getattr(form, error.field or fallback, None) or getattr(form, fallback)
    target.errors = [*target.errors, error.message]


# --- staff ---------------------------------------------------------------------------------


@bp.route("/", methods=["GET", "POST"])
@policy(Role.STAFF)
def index() -> ResponseReturnValue:
    """The rounds, and the form that opens one. The opportunity list is filtered by a GET
    form (kind, text); "include every opportunity in the list" picks all filtered ones."""
    kind_names = experience_type_names()
    filters = OfferingFilterForm(request.args)
    filters.kind.choices = [SelectChoice("", "All individual placements")] + [
        SelectChoice(k.value, kind_names[k.value]) for k in sorted(INDIVIDUAL_KINDS)
    ]
    kind = None
    if filters.kind.data in {k.value for k in INDIVIDUAL_KINDS}:
        kind = ExperienceKind(filters.kind.data)
    text = (filters.q.data or "").strip()[:100]
    offerings = list(db.session.scalars(opening.eligible_offerings(kind, text)))
    form = OpenRoundForm()
    form.offering_ids.choices = [SelectChoice(o.id, o.title) for o in offerings]
    if form.validate_on_submit():
        ids = [o.id for o in offerings] if form.all_filtered.data else form.offering_ids.data
        try:
            round_ = opening.open_round(
                current_user,
                name=form.name.data or "",
                deadline=local_to_utc(form.deadline_date.data, form.deadline_time.data),
                offering_ids=list(ids or []),
                max_choices=form.max_choices.data or 0,
                ranking=RoundRanking(form.ranking.data),
                priority_rules=PRIORITY_CHOICES[form.priority.data][1],
            )
        except DomainError as error:
            _form_error(form, error, "name")
        else:
            flash(f"{round_.name} is open. Students can rank their choices now.", "success")
            return redirect(url_for("rounds.detail", round_id=round_.id))
    return render_template(
        "rounds/index.html",
        rounds=list(db.session.scalars(opening.rounds_for_staff())),
        form=form,
        filters=filters,
        offerings=offerings,
        kind_names=kind_names,
        filter_args={"kind": filters.kind.data or "", "q": text},
    )


@bp.get("/<int:round_id>")
@policy(Role.STAFF)
def detail(round_id: int) -> ResponseReturnValue:
    review = proposal.round_review(current_user, round_id)
    publish_form = PublishForm()
    if review.mode is not None:
        publish_form.mode.data = review.mode.value
    return render_template(
        "rounds/detail.html",
        review=review,
        form=ConfirmForm(),
        publish_form=publish_form,
        AllocationMode=AllocationMode,
        RoundStatus=RoundStatus,
        rules=opening.PRIORITY_RULES,
        kind_names=experience_type_names(),
        **_scramble_context(review.round),
    )


def _scramble_context(round_: AllocationRound) -> dict[str, object]:
    """The round's chain (the rounds it follows and its scrambles) and, on a published round
    without a scramble, what one would hold and the form that opens it."""
    context: dict[str, object] = {"chain": scramble.chain(round_), "candidates": None}
    if round_.scramble_of_id is not None:
        context["invited"] = scramble.invited_count(round_.id)
    if round_.status is RoundStatus.PUBLISHED and scramble.scramble_of(round_.id) is None:
        context["candidates"] = scramble.scramble_candidates(round_)
        form = g.get("scramble_form") or ScrambleForm(formdata=None)
        if not form.is_submitted():
            deadline = to_local(utcnow() + timedelta(days=scramble.DEFAULT_SCRAMBLE_DAYS))
            form.deadline_date.data = deadline.date()
            form.deadline_time.data = time(17, 0)
        form.name.render_kw = {"placeholder": scramble.default_name(round_)}
        context["scramble_form"] = form
    return context


@bp.post("/<int:round_id>/scramble")
@policy(Role.STAFF)
def open_scramble(round_id: int) -> ResponseReturnValue:
    """Open a scramble of a published round; a refused form is shown again on its page."""
    opening.require_manager(current_user)  # 403 and 404 before the form says anything
    opening.get_round(round_id)
    form = ScrambleForm()
    if form.validate_on_submit():
        try:
            round_ = scramble.open_scramble(
                current_user,
                round_id,
                deadline=local_to_utc(form.deadline_date.data, form.deadline_time.data),
                name=form.name.data or "",
                max_choices=form.max_choices.data,
            )
        except DomainError as error:
            if not error.field:
                flash(error.message, "warning")
                return redirect(url_for("rounds.detail", round_id=round_id))
            _form_error(form, error, "name")
        else:
            invited = scramble.invited_count(round_.id)
            flash(
                f"{round_.name} is open to {invited} student(s) until "
                f"{local_when(round_.deadline)}; they have been e-mailed.",
                "success",
            )
            return redirect(url_for("rounds.detail", round_id=round_.id))
    g.scramble_form = form
    return detail(round_id)


@bp.post("/<int:round_id>/run")
@policy(Role.STAFF)
def run(round_id: int) -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        round_ = allocation.run_round(current_user, round_id)
    except DomainError as error:
        flash(error.message, "warning")
    else:
        flash(f"{round_.name} has been run. Review the result below, then publish it.", "success")
    return redirect(url_for("rounds.detail", round_id=round_id))


@bp.post("/<int:round_id>/publish")
@policy(Role.STAFF)
def publish(round_id: int) -> ResponseReturnValue:
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        mode = form.chosen_mode()
    except ValueError:
        abort(400)
    try:
        counts = allocation.publish_round(current_user, round_id, mode)
    except DomainError as error:
        flash(error.message, "warning")
    else:
        flash(
            f"Published{f' the {mode.label.lower()} result' if mode else ''}: "
            f"{counts['placed']} placed, {counts['awaiting_consent']} waiting for "
            f"guardian consent, {counts['waitlisted']} waitlisted, {counts['unmatched']} told "
            "they were not placed.",
            "success",
        )
    return redirect(url_for("rounds.detail", round_id=round_id))


@bp.get("/<int:round_id>/fairness")
@policy(Role.STAFF)
def fairness_page(round_id: int) -> ResponseReturnValue:
    """Who each allocation placed, by school, student group and priority tier."""
    return render_template(
        "rounds/fairness.html",
        report=fairness.fairness_report(current_user, round_id),
        rules=opening.PRIORITY_RULES,
    )


@bp.get("/<int:round_id>/fairness/download")
@policy(Role.STAFF)
def fairness_download(round_id: int) -> ResponseReturnValue:
    """The fairness report as CSV (``?format=xlsx``: XLSX), small cells hidden as on the page."""
    report = fairness.fairness_report(current_user, round_id)
    header, rows = fairness.report_table(report)
    fmt = FileFormat.XLSX if request.args.get("format") == "xlsx" else FileFormat.CSV
    exported = export_file(f"wbl-fairness-{slug(report.round.name)}", fmt, header, rows)
    return attachment(exported.data, exported.filename, exported.mimetype)


# --- students ------------------------------------------------------------------------------


@bp.get("/mine")
@policy(Role.STUDENT)
def mine() -> ResponseReturnValue:
    return render_template("rounds/mine.html", rows=ranking.student_rounds(current_user))


@bp.route("/<int:round_id>/choose", methods=["GET", "POST"])
@policy(Role.STUDENT)
def choose(round_id: int) -> ResponseReturnValue:
    page = ranking.student_round(current_user, round_id)
    options = [
        SelectChoice(o.offering.id, f"{o.offering.title} — {o.offering.partner.name}")
        for o in page.options
        if not o.problem
    ]
    form = choices_form(page.round.max_choices, options)
    fields = [getattr(form, f"choice_{n}") for n in range(1, page.round.max_choices + 1)]
    if not form.is_submitted():
        for f, oid in zip(fields, page.chosen, strict=False):
            f.data = oid
    if page.accepting and form.validate_on_submit():
        ids = [f.data for f in fields if f.data]
        try:
            saved = ranking.rank_choices(current_user, round_id, ids)
        except DomainError as error:
            _form_error(form, error, "choice_1")
        else:
            flash(
                ngettext(
                    "Your %(num)s choice is saved. You can change it until the deadline.",
                    "Your %(num)s choices are saved. You can change them until the deadline.",
                    saved,
                )
                if saved
                else gettext("You have no choices in this round now."),
                "success",
            )
            return redirect(url_for("rounds.choose", round_id=round_id))
    return render_template(
        "rounds/choose.html",
        page=page,
        form=form,
        fields=fields,
        kind_names=experience_type_names(),
        why=why_not.why_not(current_user, round_id)
        if page.outcome is None and page.round.status is RoundStatus.PUBLISHED
        else None,
    )


# --- employers -----------------------------------------------------------------------------


@bp.get("/employer")
@policy(Role.EMPLOYER)
def employer_index() -> ResponseReturnValue:
    return render_template("rounds/employer_index.html", rows=ranking.employer_rounds(current_user))


@bp.route("/<int:round_id>/offerings/<int:offering_id>/rank", methods=["GET", "POST"])
@policy(Role.EMPLOYER)
def employer(round_id: int, offering_id: int) -> ResponseReturnValue:
    page = ranking.employer_ranking(current_user, round_id, offering_id)
    ids = [c.student.id for c in page.candidates]
    form = ranking_form(ids, {c.student.id: c.student.user.full_name for c in page.candidates})
    if not form.is_submitted():
        for c in page.candidates:
            getattr(form, f"rank_{c.student.id}").data = c.rank
    if page.accepting and form.validate_on_submit():
        chosen = {sid: getattr(form, f"rank_{sid}").data for sid in ids}
        by_rank: dict[int, int] = {}
        clash = False
        for sid, rank in chosen.items():
            if rank is None:
                continue
            if rank in by_rank:
                field = getattr(form, f"rank_{sid}")
                field.errors = [*field.errors, f"Another student already has rank {rank}."]
                clash = True
            by_rank[rank] = sid
        if not clash:
            try:
                saved = ranking.rank_students(
                    current_user, round_id, offering_id, [by_rank[r] for r in sorted(by_rank)]
                )
            except DomainError as error:
                flash(error.message, "warning")
            else:
                flash(f"Your ranking of {saved} student(s) is saved.", "success")
                return redirect(
                    url_for("rounds.employer", round_id=round_id, offering_id=offering_id)
                )
    return render_template("rounds/employer.html", page=page, form=form)
