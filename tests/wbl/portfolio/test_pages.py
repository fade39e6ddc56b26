"""The portfolio's pages: the new-artifact form, downloads, comments, the resume and cover
letter, the progress page and the PDF export, for each kind of reader."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.support.builders import make_district, make_employer, make_school, make_user
from tests.support.evaluation_data import outcome
from tests.support.hour_data import ADULT
from tests.support.placement_data import Cast, make_cast
from tests.support.portfolio_data import active_outcomes, complete_portfolio, ready_artifact
from tests.support.upload_files import EXECUTABLE, corrupt_pdf, docx_bytes, pdf_bytes, png_bytes
from wbl.access import Role
from wbl.extensions import db
from wbl.portfolio.models import (
    Artifact,
    ArtifactComment,
    ArtifactKind,
    ArtifactStatus,
    DocumentKind,
    PortfolioDocument,
)
from wbl.reviews.models import PortfolioSubmission, ReviewAssignment, SubmissionStatus
from wbl.storage import storage


@pytest.fixture
def cast() -> Cast:
    return make_cast(born=ADULT)


def form_data(**extra: object) -> dict[str, object]:
    curious = outcome("curious")
    return {
        "title": "Lab report",
        "kind": "text",
        "body": "We measured the pH of the creek.",
        "source": "class",
        "source_note": "Chemistry",
        f"outcome_{curious.id}": "y",
        f"commentary_{curious.id}": "I asked why the numbers changed.",
        "save": "Save draft",
        **extra,
    }


def file_artifact(cast: Cast, data: bytes, name: str) -> Artifact:
    artifact = ready_artifact(cast.student, [outcome("curious")], title="Poster")
    artifact.kind = ArtifactKind.FILE
    artifact.file_key = storage().save(data, folder="portfolio", extension=name.rsplit(".")[-1])
    artifact.file_name, artifact.file_size = name, len(data)
    artifact.content_type = {"pdf": "application/pdf", "png": "image/png"}.get(
        name.rsplit(".")[-1],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    db.session.flush()
    return artifact


def review(student_id: int, reviewer) -> None:
    submission = PortfolioSubmission(student_id=student_id, status=SubmissionStatus.IN_REVIEW)
    db.session.add(submission)
    db.session.flush()
    db.session.add(ReviewAssignment(submission_id=submission.id, reviewer_id=reviewer.id))
    db.session.flush()


# --- new artifacts -----------------------------------------------------------------------


def test_the_student_adds_an_artifact(client, login_as, post_form, cast):
    login_as(cast.student.user)
    page = client.get("/portfolio/artifacts/new").get_data(as_text=True)
    assert "New artifact" in page
    assert 'enctype="multipart/form-data"' in page
    response = post_form("/portfolio/artifacts/new", form_data())
    assert response.status_code == 302
    artifact = db.session.scalar(select(Artifact).where(Artifact.title == "Lab report"))
    assert artifact is not None
    assert artifact.source_note == "Chemistry"
    assert client.get(f"/portfolio/artifacts/{artifact.id}").status_code == 200


def test_bad_input_is_told_on_its_field_with_nothing_saved(client, login_as, cast):
    login_as(cast.student.user)
    page = client.get("/portfolio/artifacts/new").get_data(as_text=True)
    from tests.conftest import csrf_from

    token = csrf_from(page)
    cases = [
        ({"kind": "link", "url": "javascript:alert(1)"}, "url", "https://"),
        (
            {"kind": "file", "file": (io.BytesIO(EXECUTABLE), "resume.pdf")},
            "file",
            "whatever its name says",
        ),
        ({"kind": "file", "file": (io.BytesIO(corrupt_pdf()), "r.pdf")}, "file", "damaged"),
        ({"source_note": ""}, "source_note", "Name the class"),
    ]
    for extra, field, words in cases:
        response = client.post(
            "/portfolio/artifacts/new",
            data={**form_data(**extra), "csrf_token": token},
            content_type="multipart/form-data",
        )
        assert response.status_code == 422, extra
        html = response.get_data(as_text=True)
        assert f'id="{field}-error"' in html
        assert words in html
    data = form_data()
    del data[f"outcome_{outcome('curious').id}"]
    response = client.post("/portfolio/artifacts/new", data={**data, "csrf_token": token})
    assert response.status_code == 422
    assert "Choose at least one Portrait of a Graduate outcome" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Artifact.id))) == 0


def test_a_file_is_uploaded_and_downloaded(client, login_as, cast):
    login_as(cast.student.user)
    from tests.conftest import csrf_from

    token = csrf_from(client.get("/portfolio/artifacts/new").get_data(as_text=True))
    response = client.post(
        "/portfolio/artifacts/new",
        data={
            **form_data(kind="file", body=""),
            "file": (io.BytesIO(png_bytes()), "my photo.PNG"),
            "csrf_token": token,
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    artifact = db.session.scalar(select(Artifact))
    assert artifact is not None
    for reader in (cast.student.user, cast.teacher, cast.staff):
        login_as(reader)
        download = client.get(f"/portfolio/artifacts/{artifact.id}/file")
        assert download.status_code == 200
        assert download.mimetype == "image/png"
        assert download.headers["Content-Disposition"] == 'attachment; filename="my photo.png"'
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        assert download.headers["Cache-Control"].startswith("private")
        assert download.data.startswith(b"\x89PNG")


@pytest.mark.parametrize("who", ["other_teacher", "other_staff", "employer", "student"])
def test_others_do_not_see_the_portfolio(client, login_as, cast, who):
    artifact = file_artifact(cast, pdf_bytes(), "poster.pdf")
    document = complete_portfolio(cast.student).documents[0]
    stranger = {
        "other_teacher": lambda: make_user(roles={Role.TEACHER}, school=make_school()),
        "other_staff": lambda: make_user(roles={Role.STAFF}, district=make_district()),
        "employer": lambda: cast.employer,
        "student": lambda: make_cast().student.user,
    }[who]()
    login_as(stranger)
    student_pages = who == "student"  # a student has no other student's pages at all
    for url in (
        f"/portfolio/artifacts/{artifact.id}",
        f"/portfolio/artifacts/{artifact.id}/file",
        f"/portfolio/documents/{document.id}/file",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"/portfolio/students/{cast.student.id}",
        f"/portfolio/students/{cast.student.id}/progress",
        f"/portfolio/students/{cast.student.id}/export.pdf",
    ):
        assert client.get(url).status_code == (403 if student_pages else 404), url


def test_student_only_pages(client, login_as, cast):
    for user in (cast.teacher, cast.employer, cast.staff):
        login_as(user)
        for url in ("/portfolio/artifacts/new", "/portfolio/documents", "/portfolio/progress"):
            assert client.get(url).status_code == 403


def test_an_assigned_reviewer_reads_and_downloads(client, login_as, cast):
    artifact = file_artifact(cast, pdf_bytes(), "poster.pdf")
    reviewer = make_employer()
    review(cast.student.id, reviewer)
    login_as(reviewer)
    html = client.get(f"/portfolio/artifacts/{artifact.id}").get_data(as_text=True)
    assert "Poster" in html
    assert "Send the comment" not in html
    assert client.get(f"/portfolio/artifacts/{artifact.id}/file").status_code == 200
    assert client.get(f"/portfolio/students/{cast.student.id}/progress").status_code == 200


# --- comments ----------------------------------------------------------------------------


def test_a_teacher_comments_on_the_page_and_the_student_reads_it(client, login_as, post_form, cast):
    artifact = ready_artifact(cast.student, [outcome("curious")], title="Essay")
    url = f"/portfolio/artifacts/{artifact.id}"
    login_as(cast.teacher)
    response = post_form(f"{url}/comments", {"body": ""}, page=url)
    assert response.status_code == 422
    assert 'id="body-error"' in response.get_data(as_text=True)
    post_form(f"{url}/comments", {"body": "First: add a photo."}, page=url)
    post_form(f"{url}/comments", {"body": "Second: nice."}, page=url)
    assert db.session.scalar(select(func.count(ArtifactComment.id))) == 2
    login_as(cast.student.user)
    html = client.get(url).get_data(as_text=True)
    assert html.index("First: add a photo.") < html.index("Second: nice.")
    assert "Back to draft" in html
    assert post_form(f"{url}/comments", {"body": "x"}, page=url).status_code == 403


# --- documents ---------------------------------------------------------------------------


def test_the_student_uploads_and_replaces_the_resume(client, login_as, cast):
    from tests.conftest import csrf_from

    login_as(cast.student.user)
    page = client.get("/portfolio/documents").get_data(as_text=True)
    assert "Letters of recommendation" in page
    token = csrf_from(page)

    def upload(kind: str, data: bytes, name: str):
        # Encoded in memory: the test client spools a large body to a file it never closes.
        boundary, body = encode_multipart(
            {
                f"{kind}-file": FileStorage(io.BytesIO(data), filename=name),
                "csrf_token": token,
            }
        )
        return client.post(
            f"/portfolio/documents/{kind}",
            data=body,
            content_type=f"multipart/form-data; boundary={boundary}",
        )

    assert upload("resume", pdf_bytes("v1"), "resume.pdf").status_code == 302
    first = db.session.scalar(select(PortfolioDocument))
    assert first is not None
    old_key = first.file_key
    assert upload("resume", docx_bytes(), "Resume v2.docx").status_code == 302
    rows = list(db.session.scalars(select(PortfolioDocument)))
    assert len(rows) == 1
    db.session.refresh(rows[0])
    assert rows[0].file_name == "Resume v2.docx"
    with pytest.raises(Exception):  # noqa: B017,PT011 - the old file is gone
        storage().read(old_key)
    bad = upload("cover_letter", b"%PDF-" + b"x" * (10 * 1024 * 1024), "big.pdf")
    assert bad.status_code == 422
    assert "the limit is 10 MB" in bad.get_data(as_text=True)
    assert client.get("/portfolio/documents/nothing").status_code == 405
    download = client.get(f"/portfolio/documents/{rows[0].id}/file")
    assert download.headers["Content-Disposition"] == 'attachment; filename="Resume v2.docx"'
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    login_as(cast.teacher)
    assert client.get(f"/portfolio/documents/{rows[0].id}/file").status_code == 200


# --- progress ----------------------------------------------------------------------------


def test_progress_shows_what_is_missing_at_a_glance(client, login_as, cast):
    ready_artifact(cast.student, [outcome("curious")], title="Creek study", commentary="I asked.")
    login_as(cast.student.user)
    html = client.get("/portfolio/progress").get_data(as_text=True)
    assert "Creek study" in html
    assert "I asked." in html
    assert "Done:</span> Curious" in html
    assert "Missing:</span> Communicator: add an artifact (1 to 3) with commentary" in html
    assert "Missing:</span> Upload your resume" in html
    assert "Letters of recommendation: 0 of 2 received" in html
    login_as(cast.teacher)
    assert client.get(f"/portfolio/students/{cast.student.id}/progress").status_code == 200
    complete_portfolio(cast.student)
    login_as(cast.student.user)
    html = client.get("/portfolio/progress").get_data(as_text=True)
    assert "At a glance: complete" in html
    assert "Missing:" not in html


def test_progress_takes_a_fixed_number_of_queries(client, login_as, count_queries, cast):
    login_as(cast.teacher)
    url = f"/portfolio/students/{cast.student.id}/progress"
    ready_artifact(cast.student, [outcome("curious")], title="One")
    client.get(url)
    with count_queries() as empty:
        client.get(url)
    complete_portfolio(cast.student)
    for n, o in enumerate(active_outcomes()):
        extra = [] if o.code == "curious" else [outcome("curious")]
        ready_artifact(cast.student, [o, *extra], title=f"More {n}")
    with count_queries() as full:
        assert client.get(url).status_code == 200
    assert full.count == empty.count


# --- export ------------------------------------------------------------------------------


def text_of(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_the_student_exports_the_whole_portfolio(client, login_as, cast):
    portfolio = complete_portfolio(cast.student)
    curious = outcome("curious")
    file_artifact(cast, pdf_bytes("My appended poster"), "poster.pdf")
    file_artifact(cast, png_bytes(), "photo.png")
    file_artifact(cast, docx_bytes(), "essay.docx")
    link = ready_artifact(cast.student, [curious], title="My video")
    link.kind, link.url = ArtifactKind.LINK, "https://video.example.org/me"
    db.session.flush()
    login_as(cast.student.user)
    response = client.get("/portfolio/export.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    pages, text = text_of(response.data)
    outcomes = active_outcomes()
    # The cover, a page per outcome (Curious holds four artifacts, still one page or more),
    # the documents, then the appended PDFs: the poster and the resume.
    assert pages >= 1 + len(outcomes) + 1 + 2
    assert f"Portfolio of {cast.student.user.full_name}" in text
    assert cast.school.name in text
    for o in outcomes:
        assert o.name in text
        assert f"This shows I am {o.name.lower()}." in text
    assert "https://video.example.org/me" in text
    assert "Attached Word document: essay.docx" in text
    assert "Attached Word document: cover_letter.docx" in text
    assert "My appended poster" in text
    assert "My resume" in text
    assert "Letter of recommendation from" not in text  # confidential to reviewers and staff
    assert len(portfolio.letters) == 2


def test_staff_export_includes_the_letters_teachers_do_not(client, login_as, cast):
    complete_portfolio(cast.student)
    login_as(cast.staff)
    _, text = text_of(client.get(f"/portfolio/students/{cast.student.id}/export.pdf").data)
    assert "Letter of recommendation from Dr. Ada Mentor" in text
    login_as(cast.teacher)
    _, text = text_of(client.get(f"/portfolio/students/{cast.student.id}/export.pdf").data)
    assert "Letter of recommendation from" not in text


def test_an_empty_portfolio_exports(client, login_as, cast):
    login_as(cast.student.user)
    pages, text = text_of(client.get("/portfolio/export.pdf").data)
    assert pages == 1 + len(active_outcomes()) + 1
    assert "No artifact shows this outcome yet." in text
    assert "Not uploaded yet." in text
    assert DocumentKind.RESUME.label in text


# --- reopening a ready artifact -----------------------------------------------------------


def _reopen(client, artifact: Artifact):
    """The button, with the form token a page gives."""
    from tests.conftest import csrf_from

    token = csrf_from(client.get("/home").get_data(as_text=True))
    return client.post(
        f"/portfolio/artifacts/{artifact.id}/reopen",
        data={"csrf_token": token},
        follow_redirects=True,
    )


def test_the_student_reopens_a_ready_artifact_once(client, login_as, cast):
    artifact = ready_artifact(cast.student, [outcome("curious")], title="Poster")
    login_as(cast.student.user)
    page = client.get(f"/portfolio/artifacts/{artifact.id}").get_data(as_text=True)
    assert f"/portfolio/artifacts/{artifact.id}/reopen" in page
    response = _reopen(client, artifact)
    assert response.request.path == f"/portfolio/artifacts/{artifact.id}"
    assert "The artifact is a draft again" in response.get_data(as_text=True)
    db.session.refresh(artifact)
    assert artifact.status is ArtifactStatus.DRAFT
    again = _reopen(client, artifact)  # a second tab, or the back button
    assert "This artifact is already a draft; nothing was changed." in again.get_data(as_text=True)
    db.session.refresh(artifact)
    assert artifact.status is ArtifactStatus.DRAFT


@pytest.mark.parametrize("who", ["teacher", "staff", "employer"])
def test_only_the_student_reopens(client, login_as, cast, who):
    artifact = ready_artifact(cast.student, [outcome("curious")], title="Poster")
    login_as({"teacher": cast.teacher, "staff": cast.staff, "employer": cast.employer}[who])
    assert _reopen(client, artifact).status_code == 403
    db.session.refresh(artifact)
    assert artifact.status is ArtifactStatus.READY


def test_another_students_artifact_is_not_found(client, login_as, cast):
    artifact = ready_artifact(cast.student, [outcome("curious")], title="Poster")
    login_as(make_cast().student.user)
    assert _reopen(client, artifact).status_code == 404
    login_as(cast.student.user)
    assert _reopen(client, Artifact(id=999999)).status_code == 404
    db.session.refresh(artifact)
    assert artifact.status is ArtifactStatus.READY


def test_reopening_needs_the_form_token(client, login_as, cast):
    artifact = ready_artifact(cast.student, [outcome("curious")], title="Poster")
    login_as(cast.student.user)
    assert client.post(f"/portfolio/artifacts/{artifact.id}/reopen").status_code == 400
    db.session.refresh(artifact)
    assert artifact.status is ArtifactStatus.READY
