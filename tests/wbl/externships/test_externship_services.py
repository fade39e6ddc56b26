"""Teacher externships: every rule and bad case of the use cases (a refusal changes nothing)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.support.builders import make_employer, make_partner, make_student, make_user
from tests.support.externship_data import (
    make_application,
    make_externship,
    make_hour,
    make_ongoing_externship,
    make_placed_team,
    make_staff,
    make_teacher,
)
from tests.support.upload_files import pdf_bytes
from wbl.access import Role
from wbl.clock import local_today
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import db
from wbl.externships import projects, queries, selection, services, teacher_hours
from wbl.externships.models import (
    Externship,
    ExternshipApplication,
    ExternshipHour,
    ExternshipHourStatus,
    ExternshipStatus,
    ExternshipTeam,
    TeacherApplicationStatus,
)
from wbl.notifications.models import OutboxMessage
from wbl.portfolio.services import Upload
from wbl.storage import storage

APPLIED = TeacherApplicationStatus.APPLIED
PLACED = TeacherApplicationStatus.PLACED


def _draft(partner_id: int, **overrides: object) -> services.ExternshipDraft:
    start = local_today() + timedelta(days=40)
    draft = services.ExternshipDraft(
        partner_id=partner_id,
        title="  Summer   at the clinic ",
        description="Shadow nurses and technicians.",
        starts_on=start,
        ends_on=start + timedelta(days=14),
        expected_hours=60,
        seats=4,
        min_team_size=2,
        apply_by=start - timedelta(days=10),
    )
    return replace(draft, **overrides)  # type: ignore[arg-type]


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


# --- offer ---------------------------------------------------------------------------------


def test_staff_create_an_externship_for_any_partner() -> None:
    partner = make_partner()
    externship = services.create_externship(make_staff(), _draft(partner.id))
    assert externship.title == "Summer at the clinic"
    assert (externship.status, externship.seats_taken) == (ExternshipStatus.OPEN, 0)
    assert externship.partner_id == partner.id


def test_an_employer_posts_for_their_own_partner_only() -> None:
    partner, other = make_partner(), make_partner()
    employer = make_employer(partner=partner)
    assert services.create_externship(employer, _draft(partner.id)).partner_id == partner.id
    with pytest.raises(DomainError, match="Choose one of the partners") as error:
        services.create_externship(employer, _draft(other.id))
    assert error.value.field == "partner_id"
    assert [p.id for p in services.partners_for(employer)] == [partner.id]


def test_a_teacher_cannot_post() -> None:
    with pytest.raises(Forbidden):
        services.create_externship(make_teacher(), _draft(make_partner().id))


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"title": "  "}, "title", "Give the externship a title"),
        ({"title": "x" * 201}, "title", "under 200"),
        ({"description": "x" * 5001}, "description", "under 5000"),
        ({"ends_on_offset": -1}, "ends_on", "end on or after"),
        ({"starts_on_past": True}, "starts_on", "cannot be in the past"),
        ({"apply_by_after_start": True}, "apply_by", "by the first day"),
        ({"apply_by_past": True}, "apply_by", "apply-by date cannot be in the past"),
        ({"expected_hours": 0}, "expected_hours", "between 1 and"),
        ({"seats": 1, "min_team_size": 2}, "seats", "at least 2 seats"),
        ({"min_team_size": 1}, "min_team_size", "two or more"),
        ({"seats": 3, "min_team_size": 4}, "seats", "at least 4 seats"),
    ],
)
def test_bad_externships_are_refused_with_a_clear_message(
    change: dict[str, object], field: str, message: str
) -> None:
    partner = make_partner()
    draft = _draft(partner.id)
    today = local_today()
    overrides: dict[str, object] = {}
    for key, value in change.items():
        if key == "ends_on_offset":
            overrides["ends_on"] = draft.starts_on + timedelta(days=-1)
        elif key == "starts_on_past":
            overrides.update(starts_on=today - timedelta(days=1), apply_by=None)
        elif key == "apply_by_after_start":
            overrides["apply_by"] = draft.starts_on + timedelta(days=1)
        elif key == "apply_by_past":
            overrides["apply_by"] = today - timedelta(days=1)
        else:
            overrides[key] = value
    before = _count(Externship)
    with pytest.raises(DomainError, match=message) as error:
        services.create_externship(make_staff(), replace(draft, **overrides))  # type: ignore[arg-type]
    assert error.value.field == field
    assert _count(Externship) == before


def test_an_inactive_partner_gets_no_new_externship() -> None:
    partner = make_partner()
    partner.active = False
    with pytest.raises(DomainError, match="no longer an active partner"):
        services.create_externship(make_staff(), _draft(partner.id))


def test_edit_keeps_seats_at_or_above_those_taken() -> None:
    externship = make_externship(seats=4)
    make_placed_team(externship=externship, teachers=[make_teacher() for _ in range(3)])
    staff = make_staff()
    draft = _draft(externship.partner_id, seats=2)
    with pytest.raises(DomainError, match="3 seats are already taken") as error:
        services.edit_externship(staff, externship.id, draft)
    assert error.value.field == "seats"
    db.session.refresh(externship)
    assert externship.seats == 4
    changed = services.edit_externship(staff, externship.id, replace(draft, seats=5))
    assert (changed.seats, changed.title) == (5, "Summer at the clinic")


def test_edit_allows_past_dates_of_a_running_externship() -> None:
    externship = make_ongoing_externship()
    draft = _draft(
        externship.partner_id,
        starts_on=externship.starts_on,
        ends_on=externship.ends_on,
        apply_by=None,
    )
    assert services.edit_externship(make_staff(), externship.id, draft).starts_on < local_today()


def test_another_partners_employer_cannot_see_or_edit() -> None:
    externship = make_externship()
    outsider = make_employer()
    with pytest.raises(NotFound):
        services.edit_externship(outsider, externship.id, _draft(externship.partner_id))
    contact = make_employer(partner=externship.partner)
    assert services.edit_externship(contact, externship.id, _draft(externship.partner_id))


def test_a_cancelled_externship_cannot_be_edited() -> None:
    externship = make_externship()
    externship.status = ExternshipStatus.CANCELLED
    with pytest.raises(DomainError, match="cancelled"):
        services.edit_externship(make_staff(), externship.id, _draft(externship.partner_id))


# --- apply ---------------------------------------------------------------------------------


def test_a_teacher_applies_once() -> None:
    externship, teacher = make_externship(), make_teacher()
    application = selection.apply(teacher, externship.id, "  I teach chemistry. ")
    assert (application.status, application.statement) == (APPLIED, "I teach chemistry.")
    with pytest.raises(DomainError, match="already applied"):
        selection.apply(teacher, externship.id, "Again")
    assert _count(ExternshipApplication) == 1


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("apply_by_passed", "Applications closed on"),
        ("full", "Every seat"),
        ("closed", "not taking applications"),
        ("empty_statement", "Say why"),
        ("long_statement", "under 4000"),
    ],
)
def test_applying_is_refused(setup: str, message: str) -> None:
    externship, teacher = make_externship(), make_teacher()
    statement = "I teach."
    if setup == "apply_by_passed":
        externship.apply_by = local_today() - timedelta(days=1)
    elif setup == "full":
        make_placed_team(externship=externship, teachers=[make_teacher() for _ in range(4)])
    elif setup == "closed":
        externship.status = ExternshipStatus.CLOSED
        make_application(
            externship=externship, teacher=teacher, status=TeacherApplicationStatus.WITHDRAWN
        )
        db.session.flush()
        with pytest.raises(DomainError, match="already applied"):
            selection.apply(teacher, externship.id, statement)
        teacher = make_teacher()
    elif setup == "empty_statement":
        statement = "   "
    else:
        statement = "x" * 4001
    before = _count(ExternshipApplication)
    with pytest.raises((DomainError, NotFound)) as error:
        selection.apply(teacher, externship.id, statement)
    if setup == "closed":  # a closed externship is not even visible to a new teacher
        assert isinstance(error.value, NotFound)
    else:
        assert message in error.value.message
    assert _count(ExternshipApplication) == before


def test_only_teachers_apply() -> None:
    externship = make_externship()
    with pytest.raises(Forbidden):
        selection.apply(make_staff(), externship.id, "I would like to")


def test_withdraw_only_while_applied_and_only_your_own() -> None:
    externship = make_externship()
    application = make_application(externship=externship)
    with pytest.raises(NotFound):
        selection.withdraw(make_teacher(), application.id)
    selection.withdraw(application.teacher, application.id)
    assert application.status is TeacherApplicationStatus.WITHDRAWN
    with pytest.raises(DomainError, match="Only an application still waiting"):
        selection.withdraw(application.teacher, application.id)


def test_staff_decline_with_a_note_the_teacher_is_sent() -> None:
    application = make_application(externship=make_externship())
    staff = make_staff()
    with pytest.raises(DomainError, match="Tell the teacher why"):
        selection.decline(staff, application.id, " ")
    selection.decline(staff, application.id, "We placed teachers of other subjects.")
    assert application.status is TeacherApplicationStatus.DECLINED
    assert application.decision_note == "We placed teachers of other subjects."
    sent = db.session.scalars(select(OutboxMessage.to_email)).all()
    assert sent == [application.teacher.email]
    with pytest.raises(DomainError, match="already been decided"):
        selection.decline(staff, application.id, "again")
    with pytest.raises(Forbidden):
        selection.decline(
            make_employer(partner=application.externship.partner), application.id, "no"
        )


# --- place teams ---------------------------------------------------------------------------


def test_staff_place_a_team_all_together_and_everyone_is_told() -> None:
    externship = make_externship(seats=4)
    contact = make_employer(partner=externship.partner)
    a, b, c = (make_application(externship=externship) for _ in range(3))
    team = selection.place_team(make_staff(), externship.id, [a.id, b.id, a.id])
    assert sorted(m.id for m in team.members) == [a.id, b.id]
    assert (a.status, b.status, c.status) == (PLACED, PLACED, APPLIED)
    assert a.team_id == b.team_id == team.id
    db.session.refresh(externship)
    assert externship.seats_taken == 2
    to = sorted(db.session.scalars(select(OutboxMessage.to_email)))
    assert to == sorted([a.teacher.email, b.teacher.email, contact.email])


def test_a_team_smaller_than_the_minimum_is_refused() -> None:
    externship = make_externship(seats=6, min_team_size=3)
    a, b = (make_application(externship=externship) for _ in range(2))
    with pytest.raises(DomainError, match="at least 3 teachers; you chose 2"):
        selection.place_team(make_staff(), externship.id, [a.id, b.id])
    with pytest.raises(DomainError, match="at least 3"):
        selection.place_team(make_staff(), externship.id, [])
    assert (a.status, b.status, externship.seats_taken) == (APPLIED, APPLIED, 0)


def test_one_applicant_no_longer_applied_refuses_the_whole_team() -> None:
    externship = make_externship()
    a, b = (make_application(externship=externship) for _ in range(2))
    b.status = TeacherApplicationStatus.WITHDRAWN
    with pytest.raises(DomainError, match=rf"{b.teacher.full_name} \(withdrawn\)"):
        selection.place_team(make_staff(), externship.id, [a.id, b.id])
    db.session.refresh(externship)
    assert (a.status, a.team_id, externship.seats_taken) == (APPLIED, None, 0)
    assert _count(ExternshipTeam) == 0


def test_not_enough_seats_refuses_and_takes_none() -> None:
    externship = make_externship(seats=3)
    applications = [make_application(externship=externship) for _ in range(4)]
    with pytest.raises(DomainError, match="needs 4 and 3 are left"):
        selection.place_team(make_staff(), externship.id, [a.id for a in applications])
    selection.place_team(make_staff(), externship.id, [a.id for a in applications[:2]])
    rest = [make_application(externship=externship) for _ in range(2)]
    with pytest.raises(DomainError, match="needs 2 and 1 is left"):
        selection.place_team(make_staff(), externship.id, [a.id for a in rest])
    db.session.refresh(externship)
    assert externship.seats_taken == 2
    assert _count(ExternshipTeam) == 1


def test_applicants_of_another_externship_are_not_found() -> None:
    one, two = make_externship(), make_externship()
    a = make_application(externship=one)
    b = make_application(externship=two)
    with pytest.raises(NotFound):
        selection.place_team(make_staff(), one.id, [a.id, b.id])


def test_only_staff_place_teams_and_not_on_a_cancelled_externship() -> None:
    externship = make_externship()
    a, b = (make_application(externship=externship) for _ in range(2))
    with pytest.raises(Forbidden):
        selection.place_team(make_employer(partner=externship.partner), externship.id, [a.id, b.id])
    externship.status = ExternshipStatus.CANCELLED
    with pytest.raises(DomainError, match="cancelled"):
        selection.place_team(make_staff(), externship.id, [a.id, b.id])


# --- hours ---------------------------------------------------------------------------------


@pytest.fixture
def placed() -> ExternshipApplication:
    externship = make_ongoing_externship()
    return make_placed_team(externship=externship)[0]


def test_a_placed_teacher_logs_hours(placed: ExternshipApplication) -> None:
    day = local_today() - timedelta(days=2)
    hour = teacher_hours.log_hours(placed.teacher, placed.id, day, 195, "  Toured the plant ")
    assert (hour.minutes, hour.description, hour.status) == (
        195,
        "Toured the plant",
        ExternshipHourStatus.PENDING,
    )


@pytest.mark.parametrize(
    ("days_ago", "minutes", "description", "field", "message"),
    [
        (-1, 60, "x", "work_date", "in the future"),
        (11, 60, "x", "work_date", "outside the externship's dates"),
        (1, 50, "x", "hours", "quarter hours"),
        (1, 735, "x", "hours", "at most 12 hours a day"),
        (1, 60, "  ", "description", "Say what you did"),
    ],
)
def test_bad_hours_are_refused(
    placed: ExternshipApplication,
    days_ago: int,
    minutes: int,
    description: str,
    field: str,
    message: str,
) -> None:
    day = local_today() - timedelta(days=days_ago)
    with pytest.raises(DomainError, match=message) as error:
        teacher_hours.log_hours(placed.teacher, placed.id, day, minutes, description)
    assert error.value.field == field
    assert _count(ExternshipHour) == 0


def test_twelve_hours_a_day_in_total_across_externships(placed: ExternshipApplication) -> None:
    other = make_ongoing_externship()
    second = make_placed_team(externship=other, teachers=[placed.teacher, make_teacher()])[0]
    day = local_today() - timedelta(days=1)
    teacher_hours.log_hours(placed.teacher, placed.id, day, 8 * 60, "Morning and afternoon")
    with pytest.raises(DomainError, match="you have 8 hours on that day already"):
        teacher_hours.log_hours(placed.teacher, second.id, day, 5 * 60, "Evening")
    assert teacher_hours.log_hours(placed.teacher, second.id, day, 4 * 60, "Evening")


def test_only_the_placed_teacher_logs(placed: ExternshipApplication) -> None:
    day = local_today() - timedelta(days=1)
    with pytest.raises(Forbidden):
        teacher_hours.log_hours(make_staff(), placed.id, day, 60, "x")
    with pytest.raises(NotFound):
        teacher_hours.log_hours(make_teacher(), placed.id, day, 60, "x")
    applied = make_application(externship=placed.externship)
    with pytest.raises(DomainError, match="only while you are placed"):
        teacher_hours.log_hours(applied.teacher, applied.id, day, 60, "x")


def test_edit_and_withdraw_while_pending_only(placed: ExternshipApplication) -> None:
    hour = make_hour(application=placed)
    day = local_today() - timedelta(days=3)
    teacher_hours.edit_hours(placed.teacher, hour.id, day, 90, "Changed")
    assert (hour.work_date, hour.minutes, hour.description) == (day, 90, "Changed")
    with pytest.raises(DomainError, match="quarter hours"):
        teacher_hours.edit_hours(placed.teacher, hour.id, day, 10, "Changed")
    confirmed = make_hour(application=placed, status=ExternshipHourStatus.CONFIRMED)
    with pytest.raises(DomainError, match="Only hours still waiting"):
        teacher_hours.edit_hours(placed.teacher, confirmed.id, day, 60, "x")
    with pytest.raises(DomainError, match="Only hours still waiting"):
        teacher_hours.withdraw_hours(placed.teacher, confirmed.id)
    teacher_hours.withdraw_hours(placed.teacher, hour.id)
    assert hour.status is ExternshipHourStatus.WITHDRAWN
    with pytest.raises(DomainError, match="Only hours still waiting"):
        teacher_hours.withdraw_hours(placed.teacher, hour.id)
    with pytest.raises(DomainError, match="Only hours still waiting"):
        teacher_hours.edit_hours(placed.teacher, hour.id, day, 60, "Again")


def test_withdrawn_hours_are_kept_and_count_nowhere(placed: ExternshipApplication) -> None:
    """As a student's withdrawn entry (wbl.hours): the row stays, marked withdrawn; the
    totals, the day's limit and the duplicate check leave it out, and nobody decides it."""
    day = local_today() - timedelta(days=1)
    kept = teacher_hours.log_hours(placed.teacher, placed.id, day, 720, "Full day")
    teacher_hours.withdraw_hours(placed.teacher, kept.id)
    assert db.session.get(ExternshipHour, kept.id) is kept
    assert kept.status is ExternshipHourStatus.WITHDRAWN
    # The day's 12 hours are free again, and the same entry may be logged anew.
    again = teacher_hours.log_hours(placed.teacher, placed.id, day, 720, "Full day")
    assert db.session.execute(queries.application_totals(placed.id)).one() == (0, 720)
    teacher_hours.confirm_hours(make_staff(), again.id)
    assert db.session.execute(queries.application_totals(placed.id)).one() == (720, 0)
    [row] = [
        r for g in queries.by_school(make_staff()) for r in g.rows if r.application_id == placed.id
    ]
    assert (row.confirmed, row.pending) == (720, 0)
    with pytest.raises(DomainError, match="already been decided"):
        teacher_hours.confirm_hours(make_staff(), kept.id)
    listed = list(db.session.scalars(queries.hours_of(placed.id)))
    assert {h.id for h in listed} == {kept.id, again.id}


def test_the_partner_confirms_and_rejects_with_a_reason(placed: ExternshipApplication) -> None:
    contact = make_employer(partner=placed.externship.partner)
    one, two = make_hour(application=placed), make_hour(application=placed, minutes=60)
    teacher_hours.confirm_hours(contact, one.id)
    assert (one.status, one.decided_by_id) == (ExternshipHourStatus.CONFIRMED, contact.id)
    with pytest.raises(DomainError, match="already been decided"):
        teacher_hours.confirm_hours(contact, one.id)
    with pytest.raises(DomainError, match="Tell the teacher why") as error:
        teacher_hours.reject_hours(contact, two.id, "  ")
    assert error.value.field == "reason"
    teacher_hours.reject_hours(make_staff(), two.id, "You were not here that day.")
    assert (two.status, two.reject_reason) == (
        ExternshipHourStatus.REJECTED,
        "You were not here that day.",
    )


def test_the_teacher_and_other_partners_cannot_decide(placed: ExternshipApplication) -> None:
    hour = make_hour(application=placed)
    with pytest.raises(Forbidden):
        teacher_hours.confirm_hours(placed.teacher, hour.id)
    with pytest.raises(NotFound):
        teacher_hours.confirm_hours(make_employer(), hour.id)
    assert hour.status is ExternshipHourStatus.PENDING


# --- the project ---------------------------------------------------------------------------


def test_the_teacher_attaches_a_project_with_a_file_and_completes(
    placed: ExternshipApplication,
) -> None:
    with pytest.raises(DomainError, match="Attach your classroom project first"):
        projects.complete(placed.teacher, placed.id)
    edit = projects.ProjectEdit(
        "Water quality lab", "Students test creek water.", Upload(pdf_bytes("Lab"), "lab.pdf")
    )
    projects.save_project(placed.teacher, placed.id, edit)
    key = placed.project_file_key
    assert key
    assert (placed.project_file_name, placed.project_content_type) == ("lab.pdf", "application/pdf")
    contact = make_employer(partner=placed.externship.partner)
    assert projects.project_file(contact, placed.id).data.startswith(b"%PDF-")
    projects.save_project(
        placed.teacher, placed.id, projects.ProjectEdit("Water lab", "Updated.", remove_file=True)
    )
    assert placed.project_file_key is None
    with pytest.raises(NotFound):
        storage().read(key)
    projects.complete(placed.teacher, placed.id)
    assert placed.status is TeacherApplicationStatus.COMPLETED
    with pytest.raises(DomainError, match="Only a placed teacher"):
        projects.complete(placed.teacher, placed.id)


@pytest.mark.parametrize(
    ("title", "summary", "upload", "field", "message"),
    [
        ("", "s", None, "title", "Give the project a title"),
        ("t" * 201, "s", None, "title", "under 200"),
        ("t", " ", None, "summary", "Summarise"),
        ("t", "s", Upload(b"MZ\x90\x00 not a pdf", "virus.pdf"), "file", "not a PDF"),
        ("t", "s", Upload(b"", "empty.pdf"), "file", "empty"),
    ],
)
def test_bad_projects_change_nothing(
    placed: ExternshipApplication,
    title: str,
    summary: str,
    upload: Upload | None,
    field: str,
    message: str,
) -> None:
    with pytest.raises(DomainError, match=message) as error:
        projects.save_project(
            placed.teacher, placed.id, projects.ProjectEdit(title, summary, upload)
        )
    assert error.value.field == field
    db.session.refresh(placed)
    assert (placed.project_title, placed.project_submitted_at, placed.project_file_key) == (
        "",
        None,
        None,
    )


def test_only_the_teacher_attaches_and_staff_may_complete_without(
    placed: ExternshipApplication,
) -> None:
    staff = make_staff()
    with pytest.raises(Forbidden):
        projects.save_project(staff, placed.id, projects.ProjectEdit("t", "s"))
    applied = make_application(externship=placed.externship)
    with pytest.raises(DomainError, match="once you are placed"):
        projects.save_project(applied.teacher, applied.id, projects.ProjectEdit("t", "s"))
    with pytest.raises(NotFound):
        projects.project_file(staff, placed.id)  # no file attached
    projects.complete(staff, placed.id)
    assert placed.status is TeacherApplicationStatus.COMPLETED


# --- scope ---------------------------------------------------------------------------------


def test_who_sees_an_externship() -> None:
    externship = make_externship()
    teacher = make_teacher()
    assert services.get_externship(teacher, externship.id) is externship
    assert services.get_externship(make_staff(), externship.id) is externship
    assert services.get_externship(make_employer(partner=externship.partner), externship.id)
    for outsider in (make_employer(), make_student().user, make_user(roles={Role.ADMIN})):
        if outsider.has_role(Role.ADMIN):
            assert services.get_externship(outsider, externship.id)
            continue
        with pytest.raises(NotFound):
            services.get_externship(outsider, externship.id)
    externship.status = ExternshipStatus.CLOSED
    with pytest.raises(NotFound):
        services.get_externship(teacher, externship.id)
    make_application(externship=externship, teacher=teacher)
    assert services.get_externship(teacher, externship.id) is externship
