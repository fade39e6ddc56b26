"""The portfolio: the student finishes a placement's draft and marks it ready; teachers of the
student's school and staff read it; nobody else sees it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.support.builders import (
    make_district,
    make_employer,
    make_school,
    make_student,
    make_user,
)
from tests.support.evaluation_data import ended_placement, evaluate, outcome, reflect
from tests.support.hour_data import ADULT
from tests.support.placement_data import Cast, make_cast
from wbl.access import Role
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import db
from wbl.portfolio import services
from wbl.portfolio.models import Artifact, ArtifactStatus


@pytest.fixture
def cast() -> Cast:
    return make_cast(born=ADULT)


@pytest.fixture
def artifact(cast) -> Artifact:
    placement = ended_placement(cast)
    evaluate(cast, placement)
    reflect(cast, placement)
    found = db.session.scalar(select(Artifact).where(Artifact.placement_id == placement.id))
    assert found is not None
    return found


def edit(artifact: Artifact, commentary: str = "", **overrides: object) -> services.ArtifactEdit:
    values: dict[str, object] = {
        "title": artifact.title,
        "body": artifact.body,
        "commentaries": {link.outcome_id: commentary for link in artifact.outcomes},
        **overrides,
    }
    return services.ArtifactEdit(**values)  # type: ignore[arg-type]


def url(artifact: Artifact) -> str:
    return f"/portfolio/artifacts/{artifact.id}"


# --- services --------------------------------------------------------------------------------


def test_the_student_edits_the_draft(cast, artifact):
    curious = outcome("curious")
    services.update_artifact(
        cast.student.user,
        artifact.id,
        edit(artifact, title="  My clinic weeks ", commentaries={curious.id: " I asked why. "}),
    )
    assert artifact.title == "My clinic weeks"
    by_outcome = {link.outcome_id: link.commentary for link in artifact.outcomes}
    assert by_outcome[curious.id] == "I asked why."
    assert artifact.status is ArtifactStatus.DRAFT


def test_a_title_is_required(cast, artifact):
    with pytest.raises(DomainError) as caught:
        services.update_artifact(cast.student.user, artifact.id, edit(artifact, title=" "))
    assert caught.value.field == "title"


def test_marking_ready_needs_a_commentary_for_each_outcome(cast, artifact):
    curious, communicator = outcome("curious"), outcome("communicator")
    half = edit(artifact, commentaries={curious.id: "I asked why.", communicator.id: ""})
    with pytest.raises(DomainError) as caught:
        services.mark_ready(cast.student.user, artifact.id, half)
    assert "Explain how this artifact shows “Communicator”" in caught.value.message
    assert caught.value.field == f"commentary_{communicator.id}"
    db.session.refresh(artifact)
    assert artifact.status is ArtifactStatus.DRAFT
    services.mark_ready(cast.student.user, artifact.id, edit(artifact, "Shown by what I did."))
    assert artifact.status is ArtifactStatus.READY


def test_a_ready_artifact_changes_only_after_going_back_to_draft(cast, artifact):
    services.mark_ready(cast.student.user, artifact.id, edit(artifact, "Shown."))
    with pytest.raises(services.AlreadyReady):
        services.mark_ready(cast.student.user, artifact.id, edit(artifact, "Again."))
    with pytest.raises(services.AlreadyReady):
        services.update_artifact(cast.student.user, artifact.id, edit(artifact, "Changed."))
    services.reopen(cast.student.user, artifact.id)
    assert artifact.status is ArtifactStatus.DRAFT
    with pytest.raises(DomainError, match="already a draft"):
        services.reopen(cast.student.user, artifact.id)


def test_only_the_student_changes_it(cast, artifact):
    for reader in (cast.teacher, cast.staff):
        assert services.get_artifact(reader, artifact.id) == artifact
        with pytest.raises(Forbidden):
            services.update_artifact(reader, artifact.id, edit(artifact))


def test_nobody_else_sees_it(cast, artifact):
    for stranger in (
        cast.employer,  # the supervisor reads the evaluation, not the portfolio
        make_employer(),
        make_student(school=cast.school).user,
        make_user(roles={Role.TEACHER}, school=make_school()),
        make_user(roles={Role.STAFF}, district=make_district()),
    ):
        with pytest.raises(NotFound):
            services.get_artifact(stranger, artifact.id)


# --- pages -----------------------------------------------------------------------------------


def test_the_student_lists_their_artifacts(client, login_as, cast, artifact):
    login_as(cast.student.user)
    html = client.get("/portfolio/").get_data(as_text=True)
    assert artifact.title in html
    assert "Draft" in html
    assert "Curious" in html
    assert "Communicator" in html


def test_the_student_saves_and_marks_ready_on_the_page(client, login_as, post_form, cast, artifact):
    curious, communicator = outcome("curious"), outcome("communicator")
    login_as(cast.student.user)
    page = client.get(url(artifact)).get_data(as_text=True)
    assert "Finish your draft" in page
    assert "How it shows “Curious”" in page
    data = {
        "title": "At the clinic",
        "kind": "text",
        "body": artifact.body,
        "source": "placement",
        "placement_id": str(artifact.placement_id),
        f"outcome_{curious.id}": "y",
        f"outcome_{communicator.id}": "y",
        f"commentary_{curious.id}": "I asked the vet why.",
        f"commentary_{communicator.id}": "",
    }
    response = post_form(url(artifact), {**data, "save": "Save draft"})
    assert response.status_code == 302
    assert artifact.title == "At the clinic"
    response = post_form(url(artifact), {**data, "ready": "Save and mark ready"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Explain how this artifact shows “Communicator” before marking it ready." in html
    assert f'id="commentary_{communicator.id}-error"' in html
    data[f"commentary_{communicator.id}"] = "I explained the dosage to an owner."
    response = post_form(url(artifact), {**data, "ready": "Save and mark ready"})
    assert response.status_code == 302
    assert artifact.status is ArtifactStatus.READY
    html = client.get(url(artifact)).get_data(as_text=True)
    assert "Finish your draft" not in html
    assert "I explained the dosage to an owner." in html
    assert "Back to draft" in html


def test_teachers_and_staff_read_it(client, login_as, post_form, cast, artifact):
    for reader in (cast.teacher, cast.staff):
        login_as(reader)
        page = client.get(url(artifact))
        assert page.status_code == 200
        assert "Finish your draft" not in page.get_data(as_text=True)
        listing = client.get(f"/portfolio/students/{cast.student.id}")
        assert artifact.title in listing.get_data(as_text=True)
    response = post_form(url(artifact), {"title": "Mine", "save": "Save draft"})
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["teacher", "staff", "employer"])
def test_strangers_are_told_it_does_not_exist(client, login_as, cast, artifact, who):
    stranger = {
        "teacher": lambda: make_user(roles={Role.TEACHER}, school=make_school()),
        "staff": lambda: make_user(roles={Role.STAFF}, district=make_district()),
        "employer": lambda: cast.employer,
    }[who]()
    login_as(stranger)
    # An employer reads a portfolio only as its assigned reviewer: to anyone else, no such page.
    assert client.get(url(artifact)).status_code == 404
    assert client.get(f"/portfolio/students/{cast.student.id}").status_code == 404


def test_the_portfolio_list_is_the_students(client, login_as):
    login_as(make_user(roles={Role.TEACHER}, school=make_school()))
    assert client.get("/portfolio/").status_code == 403
