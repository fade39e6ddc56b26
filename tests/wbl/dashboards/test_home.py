"""Each role's home page shows its own data, scoped, in a fixed number of queries."""

from __future__ import annotations

import re
from datetime import date, timedelta

from tests.support.builders import (
    make_district,
    make_employer,
    make_offering,
    make_partner,
    make_school,
    make_student,
    make_user,
)
from wbl.access import Role
from wbl.catalog.models import OfferingStatus
from wbl.clock import local_today
from wbl.extensions import db


def test_teacher_sees_only_their_schools_students(client, login_as) -> None:
    mine, other = make_school(), make_school()
    ours = make_student(school=mine)
    theirs = make_student(school=other)
    login_as(make_user(roles={Role.TEACHER}, school=mine))
    body = client.get("/home").get_data(as_text=True)
    assert ours.user.full_name in body
    assert theirs.user.full_name not in body


def test_teacher_roster_query_count_does_not_grow(client, login_as, count_queries) -> None:
    school = make_school()
    teacher = make_user(roles={Role.TEACHER}, school=school)
    login_as(teacher)
    make_student(school=school)
    client.get("/home")  # warm up
    with count_queries() as few:
        client.get("/home")
    for _ in range(12):
        make_student(school=school)
    db.session.flush()
    with count_queries() as many:
        body = client.get("/home").get_data(as_text=True)
    assert body.count("<tr>") >= 13
    assert many.count == few.count


def test_district_staff_count_their_district_only(client, login_as) -> None:
    district = make_district()
    make_student(school=make_school(district=district))
    make_student(school=make_school())
    login_as(make_user(roles={Role.STAFF}, district=district))
    body = client.get("/home").get_data(as_text=True)
    assert district.name in body
    # one school, one student in this district's view
    assert '<div class="stat-value">1</div>' in body


def test_staff_see_partners_needing_attention(client, login_as) -> None:
    lapsed = make_partner(
        name="Lapsed Insurance Ltd", insurance_expiry=local_today() - timedelta(days=3)
    )
    make_partner(name="Fine And Dandy Inc")
    login_as(make_user(roles={Role.STAFF}))
    body = client.get("/home").get_data(as_text=True)
    assert lapsed.name in body
    assert "Insurance expired" in body
    assert "Fine And Dandy Inc" not in body


def test_employer_sees_their_own_offerings_only(client, login_as) -> None:
    partner = make_partner(name="Sunrise Veterinary Clinic")
    employer = make_employer(partner=partner)
    make_offering(
        partner=partner, title="Shadow a veterinary technician", status=OfferingStatus.PENDING
    )
    make_offering(title="Someone else's internship")
    login_as(employer)
    body = client.get("/home").get_data(as_text=True)
    assert "Sunrise Veterinary Clinic" in body
    assert "Shadow a veterinary technician" in body
    assert "Someone else&#39;s internship" not in body
    assert "Someone else's internship" not in body


def test_student_sees_open_offerings_in_their_pathways(client, login_as) -> None:
    student = make_student()
    make_offering(title="Shadow a nurse")
    make_offering(title="Draft, not shown", status=OfferingStatus.DRAFT)
    login_as(student.user)
    body = client.get("/home").get_data(as_text=True)
    assert "Shadow a nurse" in body
    assert "Draft, not shown" not in body
    assert student.home_zip in body


def test_student_without_profile_is_told_what_to_do(client, login_as) -> None:
    login_as(make_user(roles={Role.STUDENT}))
    assert "has not been set up yet" in client.get("/home").get_data(as_text=True)


def test_teacher_finds_students_by_name_and_grade(client, login_as) -> None:
    school = make_school()
    ana = make_student(
        school=school,
        grade=11,
        user=make_user(roles={Role.STUDENT}, school=school, full_name="Ana 100% Reyes"),
    )
    ben = make_student(
        school=school,
        grade=9,
        user=make_user(roles={Role.STUDENT}, school=school, full_name="Ben Ortiz"),
    )
    login_as(make_user(roles={Role.TEACHER}, school=school))
    by_name = client.get("/home?q=ana 100%").get_data(as_text=True)
    assert ana.user.full_name in by_name
    assert ben.user.full_name not in by_name
    assert "Ben Ortiz" not in client.get("/home?q=%25").get_data(as_text=True)  # % is literal
    by_grade = client.get("/home?grade=9").get_data(as_text=True)
    assert "Ben Ortiz" in by_grade
    assert ana.user.full_name not in by_grade
    assert "No students match." in client.get("/home?q=zzz").get_data(as_text=True)
    assert client.get("/home?grade=abc").status_code == 200  # ignored, not an error


def test_employer_home_counts_hours_and_evaluations_waiting(client, login_as) -> None:
    """A supervisor sees how many hour entries wait for them and how many ended placements
    still need their evaluation; another partner's employer sees neither."""
    from tests.support.evaluation_data import ended_placement
    from tests.support.hour_data import place, yesterday
    from tests.support.placement_data import make_cast
    from wbl.hours import services as hours

    cast = make_cast(born=date(2007, 1, 1))
    active = place(cast)
    for minutes in (60, 90):
        hours.log_hours(cast.student.user, active.id, yesterday(), minutes, f"Task {minutes}")
    second = make_cast(born=date(2007, 1, 1))
    second.employer = cast.employer
    second.offering.partner_id = cast.offering.partner_id
    db.session.flush()
    ended_placement(second)

    login_as(cast.employer)
    body = client.get("/home").get_data(as_text=True)
    assert "2</span> hour entries wait for your confirmation" in body
    assert "1</span> ended placement needs your evaluation" in body
    login_as(make_employer())
    body = client.get("/home").get_data(as_text=True)
    assert "No hours are waiting for you." in body
    assert "needs your evaluation" not in body


def test_student_home_lists_placements_with_hours_and_the_reflection_due(
    client, login_as, count_queries
) -> None:
    """An active placement offers "Log hours" with its hours; an ended one without a
    reflection asks for it; the page's statement count does not grow with placements."""
    from tests.support.evaluation_data import ended_placement
    from tests.support.hour_data import place, yesterday
    from tests.support.placement_data import make_cast
    from wbl.hours import services as hours

    cast = make_cast(born=date(2007, 1, 1))
    active = place(cast)
    entry = hours.log_hours(cast.student.user, active.id, yesterday(), 90, "Fed the animals")
    hours.confirm(cast.employer, [entry.id])
    hours.log_hours(cast.student.user, active.id, yesterday(), 30, "Swept the barn")
    login_as(cast.student.user)
    client.get("/home")  # warm up
    with count_queries() as one:
        body = client.get("/home").get_data(as_text=True)
    assert "My placements" in body
    assert "1.5 hours confirmed · 0.5 hours waiting" in body
    assert f'href="/hours/placements/{active.id}">Log hours' in body
    assert "Write your reflection" not in body

    second = make_cast(born=date(2007, 1, 1))
    second.student, second.teacher = cast.student, cast.teacher
    ended = ended_placement(second)
    client.get("/home")  # the catalog changed: the matching index is rebuilt once
    with count_queries() as two:
        body = client.get("/home").get_data(as_text=True)
    assert f'href="/evaluations/placements/{ended.id}/reflection">Write your reflection' in body
    assert two.count == one.count + 1  # the reflections of ended placements: one query


def test_staff_home_counts_placements_with_no_hours_for_two_weeks(client, login_as) -> None:
    from tests.support.hour_data import place
    from tests.support.placement_data import make_cast

    cast = make_cast(born=date(2007, 1, 1))
    place(cast, days_before=20)  # started 20 days ago, no hours since
    login_as(cast.staff)
    body = client.get("/home").get_data(as_text=True)
    assert '1<span class="visually-hidden"> placements with no hours for 14 days' in body
    recent = make_cast(born=date(2007, 1, 1))
    place(recent, days_before=5)  # too new to be flagged
    body = client.get("/home").get_data(as_text=True)
    assert '1<span class="visually-hidden"> placements with no hours for 14 days' in body


def test_student_home_shows_the_work_ready_checklist(client, login_as) -> None:
    from tests.support.portfolio_data import complete_portfolio

    student = make_student()
    login_as(student.user)
    body = client.get("/home").get_data(as_text=True)
    assert "<strong>0 of 9</strong> requirements met" in body
    assert "Next: Curious: add an artifact (1 to 3) with commentary" in body
    complete_portfolio(student)
    body = client.get("/home").get_data(as_text=True)
    assert "<strong>9 of 9</strong> requirements met" in body
    assert 'href="/reviews/submit">submit it for review' in body


def test_staff_home_counts_credentials_waiting_in_scope(client, login_as, count_queries) -> None:
    """Pending credentials of the district's students, linked to the verification queue, in
    one query whatever their number."""
    from tests.support.credential_data import make_credential, make_earned
    from wbl.credentials.models import EarnedStatus

    district = make_district()
    here = make_student(school=make_school(district=district))
    credential = make_credential()
    make_earned(here, credential, status=EarnedStatus.PENDING)
    make_earned(here, make_credential(), status=EarnedStatus.VERIFIED)
    make_earned(make_student(), make_credential(), status=EarnedStatus.PENDING)  # elsewhere
    actor = make_user(roles={Role.STAFF}, district=district)  # held: never loaded again
    login_as(actor)
    client.get("/home")  # warm up
    with count_queries() as one:
        body = client.get("/home").get_data(as_text=True)
    assert 'href="/credentials/queue"' in body
    assert '1<span class="visually-hidden"> credentials waiting for verification' in body
    for _ in range(6):
        make_earned(
            make_student(school=here.school), make_credential(), status=EarnedStatus.PENDING
        )
    with count_queries() as seven:
        body = client.get("/home").get_data(as_text=True)
    assert '7<span class="visually-hidden"> credentials waiting for verification' in body
    assert seven.count == one.count


def test_staff_home_without_credentials_waiting_shows_no_count(client, login_as) -> None:
    login_as(make_user(roles={Role.STAFF}, district=make_district()))
    body = client.get("/home").get_data(as_text=True)
    assert "Credentials to verify" in body
    assert "credentials waiting for verification" not in body


def _student_on_the_pathway():  # type: ignore[no-untyped-def]
    """A student of a district with the shipped rules: 9 points in health, WorkKeys 4s."""
    from tests.support.credential_data import make_credential, make_earned, make_workkeys
    from tests.support.pathway_data import add_default_rules
    from wbl.credentials.models import WorkKeysTest

    student = make_student()
    add_default_rules(student.school.district)
    for points in (6, 3):
        make_earned(student, make_credential(points=points))
    for test in WorkKeysTest:
        make_workkeys(student, test=test, level=4)
    return student


def test_student_home_shows_the_graduation_pathway_card(client, login_as) -> None:
    student = _student_on_the_pathway()
    login_as(student.user)
    body = client.get("/home").get_data(as_text=True)
    assert 'id="pathway-heading" class="h6 mb-0">Graduation pathway</h2>' in body
    assert 'href="/pathways/mine">Details' in body
    assert re.search(
        r'>Industry credentials and WorkKeys</a>\s*<span class="flex-shrink-0">\s*'
        r'<span class="badge text-bg-info">Close</span>',
        body,
    )
    assert (
        '<div class="small text-body-secondary mt-1" data-testid="pathway-summary">'
        "9 of 12 points in Health Science and Medical Technology; WorkKeys 12 of 14: "
        "Applied Math 4, Graphic Literacy 4, Workplace Documents 4</div>"
    ) in body
    for rule, status, summary in (
        (
            "250 hours of work-based learning",
            "Not started",
            "0 of 250 hours of work-based learning with positive evaluations",
        ),
        (
            "Industry certificate for English",
            "Not started",
            "No district-accepted certificate for English yet",
        ),
        (
            "Industry certificate for math",
            "Not started",
            "No district-accepted certificate for math yet",
        ),
    ):
        badge = rf'>{re.escape(rule)}</a>\s*<span class="flex-shrink-0">\s*<span class="badge'
        assert re.search(rf'{badge} [\w-]+">{status}</span>', body), rule
        assert f'pathway-summary">{summary}</div>' in body
    assert body.count('data-testid="pathway-summary"') == 4
    # The rule for classes before 2020 and the one switched off do not apply.
    assert "Industry credentials and WorkKeys (before 2020)" not in body
    assert "level 4 on each test" not in body


def test_student_home_has_no_pathway_card_without_rules(client, login_as) -> None:
    student = make_student()
    login_as(student.user)
    body = client.get("/home").get_data(as_text=True)
    assert "Graduation pathway" not in body
    assert "pathway-summary" not in body


def test_student_home_pathway_queries_do_not_grow_with_credentials(
    client, login_as, count_queries
) -> None:
    from tests.support.credential_data import make_credential, make_earned

    student = _student_on_the_pathway()
    login_as(student.user)
    client.get("/home")  # warm up
    with count_queries() as few:
        client.get("/home")
    for points in (1, 2, 3, 4, 5):
        make_earned(student, make_credential(points=points, sector_code="ict"))
    with count_queries() as many:
        body = client.get("/home").get_data(as_text=True)
    assert (
        ">15 of 12 points in Information and Communication Technologies; WorkKeys 12 of 14: "
        "Applied Math 4, Graphic Literacy 4, Workplace Documents 4</div>"
    ) in body
    assert many.count == few.count


def _recommended(body: str) -> list[str]:
    """The titles listed under "Recommended for you" on the student's home."""
    section = body.split('id="recs-heading"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'class="offering-link fw-semibold" href="[^"]*">([^<]+)</a>', section)


def test_student_home_recommends_nothing_the_student_has_or_has_done(client, login_as) -> None:
    """Issue 14 §6.1: an offering the student completed a placement on (ended early, so it
    is still open with a seat free) or has an application under way for is no longer
    "Recommended for you"; other offerings still are."""
    from flask import current_app

    from tests.support.evaluation_data import ended_placement
    from tests.support.placement_data import STATEMENT, make_cast
    from wbl.placements import applications

    cast = make_cast(born=date(2007, 1, 1))
    ended = ended_placement(cast)
    pending = make_offering(title="Shadow a pharmacist")
    with current_app.test_request_context():
        applications.apply(cast.student.user, pending.id, STATEMENT, share_resume=False)
    make_offering(title="Shadow a radiographer")

    login_as(cast.student.user)
    recommended = _recommended(client.get("/home").get_data(as_text=True))
    assert "Shadow a radiographer" in recommended
    assert ended.offering.title not in recommended
    assert "Shadow a pharmacist" not in recommended


def test_student_home_offers_log_hours_only_once_a_placement_has_started(client, login_as) -> None:
    """Issue 14 §6.9: a placement starting in three months says when it starts instead."""
    from tests.support.hour_data import place
    from tests.support.placement_data import make_cast

    cast = make_cast(born=date(2007, 1, 1))
    later = place(cast, days_before=-90, days_after=120)
    login_as(cast.student.user)
    body = client.get("/home").get_data(as_text=True)
    assert f'href="/hours/placements/{later.id}">Log hours' not in body
    start = local_today() + timedelta(days=90)
    assert f"Starts {start:%b} {start.day}, {start.year}: you log hours from that day." in body


def test_student_home_statements_do_not_grow_with_active_placements(
    client, login_as, count_queries
) -> None:
    """Each placement's offering, partner and hours come with the placements (one query),
    whatever the number of placements and hour entries."""
    from tests.support.hour_data import place, yesterday
    from tests.support.placement_data import make_cast
    from wbl.hours import services as hours

    cast = make_cast(born=date(2007, 1, 1))
    first = place(cast)
    hours.log_hours(cast.student.user, first.id, yesterday(), 60, "Fed the animals")
    login_as(cast.student.user)
    client.get("/home")  # warm up
    with count_queries() as one:
        client.get("/home")
    for _ in range(3):
        more = make_cast(born=date(2007, 1, 1))
        more.student, more.teacher = cast.student, cast.teacher
        placement = place(more)
        for minutes in (30, 45):
            entry = hours.log_hours(cast.student.user, placement.id, yesterday(), minutes, "Work")
        hours.confirm(more.employer, [entry.id])
    client.get("/home")  # the catalog changed: the matching index is rebuilt once
    with count_queries() as four:
        body = client.get("/home").get_data(as_text=True)
    assert body.count("Log hours<span") == 4
    assert body.count("0.75 hours confirmed · 0.5 hours waiting") == 3
    assert four.count == one.count


def test_staff_home_counts_stale_placements_in_a_fixed_number_of_queries(
    client, login_as, count_queries
) -> None:
    from tests.support.hour_data import place
    from tests.support.placement_data import make_cast

    staff = make_user(roles={Role.STAFF})
    place(make_cast(born=date(2007, 1, 1)), days_before=20)
    login_as(staff)
    client.get("/home")  # warm up
    with count_queries() as one:
        client.get("/home")
    for _ in range(3):
        place(make_cast(born=date(2007, 1, 1)), days_before=20)
    client.get("/home")  # the placements' commits expired the signed-in user: load it again
    with count_queries() as four:
        body = client.get("/home").get_data(as_text=True)
    assert '4<span class="visually-hidden"> placements with no hours for 14 days' in body
    assert four.count == one.count
