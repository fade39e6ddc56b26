"""The portfolio-complete rule: what_is_missing names what the student still needs."""

from __future__ import annotations

from sqlalchemy import select

from tests.support.builders import make_student
from tests.support.portfolio_data import (
    active_outcomes,
    complete_portfolio,
    document,
    ready_artifact,
    received_letter,
)
from wbl.extensions import db
from wbl.portfolio.models import (
    ArtifactOutcome,
    ArtifactStatus,
    DocumentKind,
    LetterStatus,
    PortfolioDocument,
)
from wbl.portfolio.services import checklist, what_is_missing
from wbl.storage import storage


def test_a_complete_portfolio_misses_nothing() -> None:
    student = make_student()
    portfolio = complete_portfolio(student)
    assert what_is_missing(student) == []
    assert all(item.done for item in checklist(student))
    for row in [*portfolio.documents, *portfolio.letters]:
        assert row.file_key is not None
        assert len(storage().read(row.file_key)) == row.file_size


def test_an_empty_portfolio_misses_everything() -> None:
    student = make_student()
    missing = what_is_missing(student)
    outcomes = active_outcomes()
    assert missing == [
        *(f"{o.name}: add an artifact (1 to 3) with commentary" for o in outcomes),
        "Upload your resume",
        "Upload your cover letter",
        "Letters of recommendation: 0 of 2 received",
    ]
    assert "Curious: add an artifact (1 to 3) with commentary" in missing


def test_drafts_and_empty_commentaries_do_not_count() -> None:
    student = make_student()
    complete_portfolio(student)
    curious = next(o for o in active_outcomes() if o.code == "curious")
    link = db.session.scalar(
        select(ArtifactOutcome)
        .join(ArtifactOutcome.artifact)
        .where(ArtifactOutcome.outcome_id == curious.id)
    )
    assert link is not None
    link.commentary = "   "
    ready_artifact(student, [curious], title="Draft", status=ArtifactStatus.DRAFT)
    db.session.flush()
    assert what_is_missing(student) == ["Curious: add an artifact (1 to 3) with commentary"]


def test_more_than_three_artifacts_for_an_outcome_is_too_many() -> None:
    student = make_student()
    complete_portfolio(student)
    curious = next(o for o in active_outcomes() if o.code == "curious")
    for n in range(3):
        ready_artifact(student, [curious], title=f"More {n}")
    assert what_is_missing(student) == ["Curious: at most 3 artifacts"]


def test_an_inactive_outcome_is_not_asked_for() -> None:
    student = make_student()
    curious = next(o for o in active_outcomes() if o.code == "curious")
    curious.active = False
    db.session.flush()
    assert not any(line.startswith("Curious") for line in what_is_missing(student))


def test_documents_and_letters() -> None:
    student = make_student()
    for outcome in active_outcomes():
        ready_artifact(student, [outcome])
    document(student, DocumentKind.RESUME)
    first = received_letter(student)
    assert what_is_missing(student) == [
        "Upload your cover letter",
        "Letters of recommendation: 1 of 2 received",
    ]
    second = received_letter(student, "Sam Other")
    second.status = LetterStatus.WITHDRAWN
    document(student, DocumentKind.COVER_LETTER)
    db.session.flush()
    assert what_is_missing(student) == ["Letters of recommendation: 1 of 2 received"]
    first.student_id = make_student().id  # another student's letter does not count
    db.session.flush()
    assert what_is_missing(student) == ["Letters of recommendation: 0 of 2 received"]
    assert db.session.scalar(select(PortfolioDocument.id).limit(1)) is not None


def test_it_takes_a_fixed_number_of_queries(count_queries) -> None:
    small, big = make_student(), make_student()
    complete_portfolio(big)
    for outcome in active_outcomes():
        ready_artifact(big, [outcome], title="Second")
    with count_queries() as one:
        what_is_missing(small)
    with count_queries() as other:
        what_is_missing(big)
    assert one.count == other.count <= 3
