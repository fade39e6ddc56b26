"""Test data for portfolios: a complete portfolio built from model rows (what the student,
their recommenders and the services would have left behind), with small real files stored
through the storage service."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from tests.support.upload_files import docx_bytes, pdf_bytes
from wbl.extensions import db, utcnow
from wbl.portfolio.models import (
    Artifact,
    ArtifactKind,
    ArtifactOutcome,
    ArtifactSource,
    ArtifactStatus,
    DocumentKind,
    LetterStatus,
    PortfolioDocument,
    Recommendation,
)
from wbl.reference.models import PogOutcome
from wbl.storage import storage
from wbl.students.models import StudentProfile

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class Portfolio:
    student: StudentProfile
    artifacts: list[Artifact] = field(default_factory=list)
    documents: list[PortfolioDocument] = field(default_factory=list)
    letters: list[Recommendation] = field(default_factory=list)


def active_outcomes() -> list[PogOutcome]:
    return list(
        db.session.scalars(
            select(PogOutcome)
            .where(PogOutcome.active.is_(True))
            .order_by(PogOutcome.position, PogOutcome.id)
        )
    )


def ready_artifact(
    student: StudentProfile,
    outcomes: list[PogOutcome],
    *,
    title: str = "My work",
    commentary: str = "It shows it because I did it.",
    status: ArtifactStatus = ArtifactStatus.READY,
) -> Artifact:
    """A text artifact of the student linked to ``outcomes``, each with ``commentary``."""
    artifact = Artifact(
        student_id=student.id,
        title=title,
        body=f"{title}: what I did and what I learned.",
        kind=ArtifactKind.TEXT,
        source=ArtifactSource.CLASS,
        source_note="English 11",
        status=status,
        outcomes=[ArtifactOutcome(outcome_id=o.id, commentary=commentary) for o in outcomes],
    )
    db.session.add(artifact)
    db.session.flush()
    return artifact


def document(student: StudentProfile, kind: DocumentKind) -> PortfolioDocument:
    """The student's resume (a PDF) or cover letter (a Word document), stored."""
    if kind is DocumentKind.RESUME:
        data, extension, content_type = pdf_bytes("My resume"), "pdf", "application/pdf"
    else:
        data, extension, content_type = docx_bytes("Dear reviewer"), "docx", DOCX_TYPE
    row = PortfolioDocument(
        student_id=student.id,
        kind=kind,
        file_key=storage().save(data, folder="portfolio", extension=extension),
        file_name=f"{kind.value}.{extension}",
        content_type=content_type,
        file_size=len(data),
    )
    db.session.add(row)
    db.session.flush()
    return row


def received_letter(student: StudentProfile, name: str = "Dr. Ada Mentor") -> Recommendation:
    """A letter of recommendation the recommender has uploaded (a stored PDF)."""
    data = pdf_bytes(f"Letter of recommendation from {name}")
    now = utcnow()
    letter = Recommendation(
        student_id=student.id,
        recommender_name=name,
        recommender_email=f"{name.split()[-1].lower()}@example.org",
        relationship_note="Teacher",
        status=LetterStatus.RECEIVED,
        nonce=None,
        requested_at=now - timedelta(days=3),
        expires_at=now + timedelta(days=27),
        received_at=now,
        file_key=storage().save(data, folder="letters", extension="pdf"),
        file_name="letter.pdf",
        content_type="application/pdf",
        file_size=len(data),
    )
    db.session.add(letter)
    db.session.flush()
    return letter


def complete_portfolio(student: StudentProfile) -> Portfolio:
    """A portfolio that meets the portfolio-complete rule: one READY artifact with a
    commentary for every active PoG outcome, the resume and the cover letter, and two
    received letters of recommendation."""
    portfolio = Portfolio(student)
    for outcome in active_outcomes():
        portfolio.artifacts.append(
            ready_artifact(
                student,
                [outcome],
                title=f"Showing {outcome.name}",
                commentary=f"This shows I am {outcome.name.lower()}.",
            )
        )
    portfolio.documents = [document(student, kind) for kind in DocumentKind]
    portfolio.letters = [
        received_letter(student, "Dr. Ada Mentor"),
        received_letter(student, "Sam Supervisor"),
    ]
    return portfolio
