"""Experience logs (per student, class, school) and the staff hours report.

Each log page also downloads as CSV (``?format=csv``)."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from wbl.access import Role, policy
from wbl.downloads import attachment, slug
from wbl.errors import DomainError
from wbl.hours import logs
from wbl.hours.log_forms import ReportFilterForm
from wbl.pagination import page_number
from wbl.reference.queries import experience_type_names
from wbl.scopes import is_staff
from wbl.students import services as students

bp = Blueprint("logs", __name__, url_prefix="/logs")

READERS = (Role.STUDENT, Role.TEACHER, Role.STAFF)


def _wants_csv() -> bool:
    return request.args.get("format") == "csv"


def _csv(data: bytes, name: str) -> Response:
    return attachment(data, f"{slug(name, 'log')}.csv", "text/csv")


@bp.get("/")
@policy(*READERS)
def index() -> ResponseReturnValue:
    """A student goes to their own log; a teacher picks a class or the school; staff a
    school (or the hours report)."""
    if not (is_staff(current_user) or current_user.has_role(Role.TEACHER)):
        return redirect(url_for("logs.me"))
    return render_template(
        "logs/index.html",
        classes=logs.teacher_classes(current_user) if current_user.has_role(Role.TEACHER) else [],
        schools=logs.visible_schools(current_user),
        is_staff=is_staff(current_user),
    )


@bp.get("/me")
@policy(Role.STUDENT)
def me() -> ResponseReturnValue:
    return redirect(url_for("logs.student", student_id=logs.own_student_id(current_user)))


@bp.get("/students/<int:student_id>")
@policy(*READERS)
def student(student_id: int) -> ResponseReturnValue:
    profile = students.get_student(current_user, student_id)
    log = logs.student_log(profile)
    kind_names = experience_type_names()
    if _wants_csv():
        return _csv(
            logs.student_log_csv(log, kind_names), f"experience-log-{profile.user.full_name}"
        )
    return render_template(
        "logs/student.html",
        log=log,
        student=profile,
        kind_names=kind_names,
        is_self=profile.user_id == current_user.id,
    )


def _group_filters() -> logs.GroupFilters:
    return logs.GroupFilters.parse(
        request.args.get("q"),
        request.args.get("sort"),
        request.args.get("page", 1, type=page_number),
    )


@bp.get("/classes/<int:class_id>")
@policy(Role.TEACHER, Role.STAFF)
def class_log(class_id: int) -> ResponseReturnValue:
    section = logs.get_class(current_user, class_id)
    filters = _group_filters()
    if _wants_csv():
        return _csv(
            logs.group_log_csv(logs.class_students(section), filters),
            f"experience-log-{section.name}",
        )
    return render_template(
        "logs/group.html",
        log=logs.class_log(section, filters),
        title=section.name + (f" (period {section.period})" if section.period else ""),
        subtitle=f"{section.school.name} · {section.teacher.full_name}",
        endpoint="logs.class_log",
        endpoint_args={"class_id": section.id},
        school=section.school,
    )


@bp.get("/schools/<int:school_id>")
@policy(Role.TEACHER, Role.STAFF)
def school_log(school_id: int) -> ResponseReturnValue:
    school = logs.get_school(current_user, school_id)
    filters = _group_filters()
    if _wants_csv():
        return _csv(
            logs.group_log_csv(logs.school_students(school), filters),
            f"experience-log-{school.name}",
        )
    return render_template(
        "logs/group.html",
        log=logs.school_log(school, filters),
        title=school.name,
        subtitle="Every student of the school",
        endpoint="logs.school_log",
        endpoint_args={"school_id": school.id},
        school=None,
    )


@bp.get("/report")
@policy(Role.STAFF)
def report() -> ResponseReturnValue:
    form = ReportFilterForm(request.args)
    kind_names = experience_type_names()
    result = None
    if form.validate():
        try:
            result = logs.hours_report(
                current_user,
                logs.DateRange(form.start.data, form.end.data),
                kind_names,
                partner_page=request.args.get("partners_page", 1, type=page_number),
                stale_page=request.args.get("stale_page", 1, type=page_number),
                every_partner=_wants_csv(),
            )
        except DomainError as error:
            getattr(form, error.field or "end").errors.append(error.message)
    if result is not None and _wants_csv():
        return _csv(logs.report_csv(result), "hours-report")
    period = {k: v for k, v in request.args.items() if k in ("start", "end") and v}
    return render_template(
        "logs/report.html",
        form=form,
        report=result,
        csv_args=period,
        period_args=period,
    ), (422 if form.errors else 200)
