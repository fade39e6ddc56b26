"""New artifacts (a text, a file, a link), their files, who sees them, and teachers' comments."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select

from tests.support.builders import make_district, make_employer, make_school, make_user
from tests.support.evaluation_data import ended_placement, outcome
from tests.support.hour_data import ADULT
from tests.support.placement_data import Cast, make_cast
from tests.support.upload_files import (
    EXECUTABLE,
    corrupt_pdf,
    docx_bytes,
    pdf_bytes,
    png_bytes,
)
from wbl.access import Role
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import db
from wbl.notifications.models import OutboxMessage
from wbl.portfolio import services
from wbl.portfolio.files import MAX_UPLOAD_BYTES
from wbl.portfolio.models import (
    Artifact,
    ArtifactComment,
    ArtifactKind,
    ArtifactSource,
    ArtifactStatus,
)
from wbl.reviews.models import PortfolioSubmission, ReviewAssignment, SubmissionStatus
from wbl.storage import storage


@pytest.fixture
def cast() -> Cast:
    return make_cast(born=ADULT)


def stored_files() -> set[str]:
    root = Path(current_app.config["UPLOAD_FOLDER"]) / "portfolio"
    return {p.name for p in root.glob("*")} if root.exists() else set()


def new(
    kind: ArtifactKind = ArtifactKind.TEXT, *, outcomes: tuple[str, ...] = ("curious",), **extra
) -> services.ArtifactEdit:
    values: dict[str, object] = {
        "title": "My essay",
        "body": "What I wrote." if kind is ArtifactKind.TEXT else "",
        "kind": kind,
        "outcome_ids": frozenset(outcome(code).id for code in outcomes),
        "commentaries": {outcome(code).id: f"It shows {code}." for code in outcomes},
        "source": ArtifactSource.CLASS,
        "source_note": "English 11",
        **extra,
    }
    return services.ArtifactEdit(**values)  # type: ignore[arg-type]


def assign_reviewer(
    student_id: int, reviewer, status=SubmissionStatus.IN_REVIEW
) -> PortfolioSubmission:
    submission = PortfolioSubmission(student_id=student_id, attempt=1, status=status)
    db.session.add(submission)
    db.session.flush()
    db.session.add(ReviewAssignment(submission_id=submission.id, reviewer_id=reviewer.id))
    db.session.flush()
    return submission


# --- creating ----------------------------------------------------------------------------


def test_a_text_artifact_from_a_class(cast):
    artifact = services.create_artifact(cast.student.user, new(), ready=True)
    assert artifact.status is ArtifactStatus.READY
    assert (artifact.kind, artifact.source, artifact.source_note) == (
        ArtifactKind.TEXT,
        ArtifactSource.CLASS,
        "English 11",
    )
    assert [link.commentary for link in artifact.outcomes] == ["It shows curious."]


def test_a_file_artifact_is_stored_with_its_name_and_type(cast):
    upload = services.Upload(pdf_bytes("My poster"), "C:\\Users\\me\\Poster.PDF")
    artifact = services.create_artifact(cast.student.user, new(ArtifactKind.FILE, upload=upload))
    assert artifact.file_key is not None
    assert artifact.file_key.startswith("portfolio/")
    assert (artifact.file_name, artifact.content_type) == ("Poster.pdf", "application/pdf")
    assert artifact.file_size == len(storage().read(artifact.file_key))
    served = services.artifact_file(cast.teacher, artifact.id)
    assert served.data.startswith(b"%PDF-")


def test_replacing_a_file_deletes_the_old_one_and_a_text_drops_it(cast):
    student = cast.student.user
    first = services.create_artifact(
        student, new(ArtifactKind.FILE, upload=services.Upload(pdf_bytes(), "a.pdf"))
    )
    old = first.file_key
    services.update_artifact(
        student, first.id, new(ArtifactKind.FILE, upload=services.Upload(png_bytes(), "b.png"))
    )
    assert first.file_key != old
    assert first.content_type == "image/png"
    with pytest.raises(NotFound):
        storage().read(old)
    # Keeping the file: no upload on an edit.
    services.update_artifact(student, first.id, new(ArtifactKind.FILE, title="Renamed"))
    assert first.title == "Renamed"
    assert first.file_name == "b.png"
    second = first.file_key
    services.update_artifact(student, first.id, new(ArtifactKind.TEXT))
    assert first.file_key is None
    assert first.file_name == ""
    with pytest.raises(NotFound):
        storage().read(second)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (EXECUTABLE, "is not a PDF, a Word document"),
        (b"%PDF-" + b"x" * MAX_UPLOAD_BYTES, "the limit is 10 MB"),
        (corrupt_pdf(), "The PDF is damaged"),
    ],
)
def test_bad_files_are_refused_on_the_field_and_nothing_is_stored(cast, data, words):
    before = stored_files()
    with pytest.raises(DomainError) as caught:
        services.create_artifact(
            cast.student.user,
            new(ArtifactKind.FILE, upload=services.Upload(data, "resume.pdf")),
        )
    assert caught.value.field == "file"
    assert words in caught.value.message
    assert stored_files() == before
    assert db.session.scalar(select(func.count(Artifact.id))) == 0


def test_a_file_artifact_needs_a_file(cast):
    with pytest.raises(DomainError) as caught:
        services.create_artifact(cast.student.user, new(ArtifactKind.FILE))
    assert caught.value.field == "file"


def test_no_orphan_file_when_the_database_part_fails(cast, monkeypatch):
    before = stored_files()
    upload = services.Upload(pdf_bytes(), "a.pdf")

    def fail() -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(db.session, "commit", fail)
    with pytest.raises(RuntimeError):
        services.create_artifact(cast.student.user, new(ArtifactKind.FILE, upload=upload))
    monkeypatch.undo()
    assert stored_files() == before


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        ("https://docs.example.org/my-slides", "https://docs.example.org/my-slides"),
        ("http://example.org/a?b=c", "http://example.org/a?b=c"),
        ("example.org/video", "https://example.org/video"),
    ],
)
def test_a_link_artifact_keeps_a_web_address(cast, url, stored):
    artifact = services.create_artifact(cast.student.user, new(ArtifactKind.LINK, url=url))
    assert artifact.url == stored


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://example.org/x",
        "",
        "https://",
        "data:text/html,hi",
        "not a link",
    ],
)
def test_unsafe_or_empty_links_are_refused(cast, url):
    with pytest.raises(DomainError) as caught:
        services.create_artifact(cast.student.user, new(ArtifactKind.LINK, url=url))
    assert caught.value.field == "url"


def test_outcomes_and_sources_are_checked(cast):
    student = cast.student.user
    with pytest.raises(DomainError) as caught:
        services.create_artifact(student, new(outcomes=()))
    assert caught.value.field == "outcomes"
    retired = outcome("communicator")
    retired.active = False
    with pytest.raises(DomainError) as caught:
        services.create_artifact(student, new(outcomes=("communicator",)))
    assert caught.value.field == "outcomes"
    with pytest.raises(DomainError) as caught:
        services.create_artifact(student, new(source_note=" "))
    assert caught.value.field == "source_note"
    with pytest.raises(DomainError) as caught:
        services.create_artifact(student, new(source=ArtifactSource.PLACEMENT, placement_id=None))
    assert caught.value.field == "placement_id"
    with pytest.raises(DomainError) as caught:
        services.create_artifact(
            student,
            new(commentaries={outcome("curious").id: ""}),
            ready=True,
        )
    assert caught.value.field == f"commentary_{outcome('curious').id}"


def test_from_a_completed_placement_of_the_student(cast):
    placement = ended_placement(cast)
    artifact = services.create_artifact(
        cast.student.user, new(source=ArtifactSource.PLACEMENT, placement_id=placement.id)
    )
    assert artifact.placement_id == placement.id
    other = make_cast(born=ADULT)
    elsewhere = ended_placement(other)
    with pytest.raises(DomainError) as caught:
        services.create_artifact(
            cast.student.user, new(source=ArtifactSource.PLACEMENT, placement_id=elsewhere.id)
        )
    assert caught.value.field == "placement_id"


def test_only_students_create(cast):
    with pytest.raises(Forbidden):
        services.create_artifact(cast.teacher, new())


# --- who sees it -------------------------------------------------------------------------


def test_an_assigned_reviewer_sees_it_only_while_the_review_is_open(cast):
    artifact = services.create_artifact(
        cast.student.user, new(ArtifactKind.FILE, upload=services.Upload(pdf_bytes(), "a.pdf"))
    )
    reviewer = make_employer()
    with pytest.raises(NotFound):
        services.get_artifact(reviewer, artifact.id)
    submission = assign_reviewer(cast.student.id, reviewer)
    assert services.get_artifact(reviewer, artifact.id) == artifact
    assert services.artifact_file(reviewer, artifact.id).data.startswith(b"%PDF-")
    assert services.may_read_letters(reviewer, cast.student)
    assert not services.may_comment(reviewer, cast.student)
    submission.status = SubmissionStatus.PASSED
    db.session.flush()
    with pytest.raises(NotFound):
        services.get_artifact(reviewer, artifact.id)


def test_strangers_do_not_see_files(cast):
    artifact = services.create_artifact(
        cast.student.user, new(ArtifactKind.FILE, upload=services.Upload(pdf_bytes(), "a.pdf"))
    )
    for stranger in (
        cast.employer,
        make_user(roles={Role.TEACHER}, school=make_school()),
        make_user(roles={Role.STAFF}, district=make_district()),
    ):
        with pytest.raises(NotFound):
            services.artifact_file(stranger, artifact.id)


def test_letters_are_for_staff_and_reviewers_only(cast):
    assert not services.may_read_letters(cast.student.user, cast.student)
    assert not services.may_read_letters(cast.teacher, cast.student)
    assert services.may_read_letters(cast.staff, cast.student)


# --- comments ----------------------------------------------------------------------------


def test_a_teacher_comments_and_the_student_is_told(app, cast):
    artifact = services.create_artifact(cast.student.user, new(), ready=True)
    with app.test_request_context():
        comment = services.add_comment(cast.teacher, artifact.id, "  Add what you measured. ")
    assert comment.body == "Add what you measured."
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.kind == "portfolio_comment")
    )
    assert message is not None
    assert message.to_email == cast.student.user.email
    assert "Add what you measured." in message.body_text
    assert f"/portfolio/artifacts/{artifact.id}" in message.body_text
    with app.test_request_context():
        services.add_comment(cast.staff, artifact.id, "Good start.")
    db.session.expire(artifact)
    assert [c.body for c in artifact.comments] == ["Add what you measured.", "Good start."]
    # The student revises: a ready artifact goes back to draft first.
    with pytest.raises(services.AlreadyReady):
        services.update_artifact(cast.student.user, artifact.id, new(title="Revised"))
    services.reopen(cast.student.user, artifact.id)
    services.update_artifact(cast.student.user, artifact.id, new(title="Revised"))
    assert artifact.title == "Revised"


def test_who_may_comment(app, cast):
    artifact = services.create_artifact(cast.student.user, new())
    with app.test_request_context():
        with pytest.raises(Forbidden):
            services.add_comment(cast.student.user, artifact.id, "Me")
        with pytest.raises(NotFound):
            services.add_comment(
                make_user(roles={Role.TEACHER}, school=make_school()), artifact.id, "x"
            )
        with pytest.raises(DomainError) as caught:
            services.add_comment(cast.teacher, artifact.id, "  ")
    assert caught.value.field == "body"
    assert db.session.scalar(select(func.count(ArtifactComment.id))) == 0


def test_word_documents_are_accepted(cast):
    artifact = services.create_artifact(
        cast.student.user,
        new(ArtifactKind.FILE, upload=services.Upload(docx_bytes(), "essay.docx")),
    )
    assert artifact.file_name == "essay.docx"
