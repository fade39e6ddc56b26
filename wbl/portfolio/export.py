"""The whole portfolio as one PDF: a cover (the student, the school, the date), each active
PoG outcome with its artifacts (text, link, commentary), then the required documents.

Uploaded files are embedded where they can be: PNG and JPEG images are placed on the pages,
uploaded PDFs are appended page by page after the portfolio's own pages (pypdf merges the
fpdf2 output with them), and a Word document is listed by name. Letters of recommendation are
confidential to reviewers and staff: they are appended only when ``include_letters`` (never
in the student's own export).

Written in the reader's language (the request's: a student who reads Spanish downloads it in
Spanish, dates as Spanish writes them); what people wrote (titles, commentary, names) is
printed as written.

Set in the DejaVu Sans shipped in ``wbl/static/fonts`` (as the training agreement is), so any
name or accent prints.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext, ngettext, pgettext
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wbl.catalog.models import Offering
from wbl.clock import local_today
from wbl.county.settings import county
from wbl.errors import NotFound
from wbl.extensions import db
from wbl.i18n import data_name, long_day
from wbl.placements.models import Placement
from wbl.portfolio.files import DOCX_TYPE
from wbl.portfolio.models import (
    Artifact,
    ArtifactKind,
    ArtifactSource,
    ArtifactStatus,
    DocumentKind,
    LetterStatus,
    PortfolioDocument,
    Recommendation,
)
from wbl.reference.models import PogOutcome
from wbl.reference.services import active_outcomes
from wbl.storage import storage
from wbl.students.models import StudentProfile

FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONT = "DejaVu"
IMAGE_TYPES = ("image/png", "image/jpeg")
MAX_IMAGE_HEIGHT = 150  # mm: a tall image is scaled down to fit with its caption
log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Files:
    """The stored files the PDF uses, read once: PDFs to append (in order, each once)."""

    appended: list[tuple[str, PdfReader]] = field(default_factory=list)
    seen: dict[str, str] = field(default_factory=dict)  # file key -> how the PDF tells it

    def attach(self, key: str | None, name: str, content_type: str, label: str) -> str:
        """Queue an uploaded file and say how it appears: appended, an image (the caller
        places it), listed by name, or missing."""
        if not key:
            return gettext("%(label)s: no file.", label=label)
        if key in self.seen:
            return self.seen[key]
        if content_type == DOCX_TYPE:
            text = gettext(
                "Attached Word document: %(name)s (not reproduced in this PDF).", name=name
            )
        elif content_type == "application/pdf":
            reader = _pdf_reader(key)
            if reader is None:
                text = gettext(
                    "Attached PDF: %(name)s (it could not be read for this export).", name=name
                )
            else:
                self.appended.append((name, reader))
                pages = len(reader.pages)
                text = ngettext(
                    "Attached PDF: %(name)s, appended at the end of this document (%(num)s page).",
                    "Attached PDF: %(name)s, appended at the end of this document (%(num)s pages).",
                    pages,
                    name=name,
                )
        else:
            text = gettext("Attached file: %(name)s.", name=name)
        self.seen[key] = text
        return text


def _pdf_reader(key: str) -> PdfReader | None:
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(storage().read(key)), strict=False)
        len(reader.pages)
    except (NotFound, PdfReadError, ValueError, KeyError, TypeError, OSError):
        log.warning("portfolio export: stored PDF %s could not be read", key)
        return None
    return reader


def _image(key: str) -> tuple[bytes, int, int] | None:
    try:
        data = storage().read(key)
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except (NotFound, OSError, ValueError):
        return None
    return data, width, height


class _Pdf(FPDF):
    def __init__(self, student_name: str) -> None:
        super().__init__(format="Letter")
        self.student_name = student_name

    def footer(self) -> None:
        if self.page_no() == 1:
            return
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(90, 90, 90)
        footer = gettext(
            "Portfolio of %(name)s · page %(page)s", name=self.student_name, page=self.page_no()
        )
        self.cell(0, 5, footer, align="C")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str, size: int = 13) -> None:
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT", align="L")
        self.ln(1)

    def para(self, text: str, size: int = 10, style: str = "") -> None:
        self.set_font(FONT, style, size)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT", align="L")

    def place_image(self, data: bytes, width: int, height: int, caption: str) -> None:
        usable = self.w - self.l_margin - self.r_margin
        w = min(usable, width * 25.4 / 96)  # never enlarged past its size on a screen
        h = w * height / width
        if h > MAX_IMAGE_HEIGHT:
            h = MAX_IMAGE_HEIGHT
            w = h * width / height
        if self.get_y() + h + 8 > self.h - self.b_margin:
            self.add_page()
        self.image(io.BytesIO(data), x=self.l_margin, y=self.get_y(), w=w, h=h)
        self.set_y(self.get_y() + h + 1)
        self.para(caption, 8)


def _load(student_id: int) -> tuple[list[PogOutcome], list[Artifact]]:
    outcomes = active_outcomes()
    artifacts = list(
        db.session.scalars(
            select(Artifact)
            .where(Artifact.student_id == student_id)
            .options(
                selectinload(Artifact.outcomes),
                selectinload(Artifact.placement)
                .selectinload(Placement.offering)
                .selectinload(Offering.partner),
            )
            .order_by(Artifact.status.desc(), Artifact.title, Artifact.id)
        )
    )
    return outcomes, artifacts


def _source(artifact: Artifact) -> str:
    if artifact.source is ArtifactSource.PLACEMENT and artifact.placement is not None:
        offering = artifact.placement.offering
        return gettext(
            "From the placement “%(title)s” at %(partner)s",
            title=offering.title,
            partner=offering.partner.name,
        )
    if artifact.source is ArtifactSource.CLASS:
        return gettext("From the class %(name)s", name=artifact.source_note)
    return gettext("From %(source)s", source=artifact.source_note) if artifact.source_note else ""


def _artifact(pdf: _Pdf, artifact: Artifact, commentary: str, files: _Files) -> None:
    pdf.set_font(FONT, "B", 11)
    title = (
        artifact.title
        if artifact.status is ArtifactStatus.READY
        else gettext("%(title)s (draft)", title=artifact.title)
    )
    pdf.multi_cell(0, 6, title, new_x="LMARGIN", new_y="NEXT", align="L")
    source = _source(artifact)
    kind = {
        "text": pgettext("an artifact's kind", "Text"),
        "file": pgettext("an artifact's kind", "File"),
        "link": pgettext("an artifact's kind", "Link"),
    }[artifact.kind.value]
    pdf.para(f"{kind}{' · ' + source if source else ''}", 8)
    pdf.ln(1)
    if artifact.kind is ArtifactKind.LINK and artifact.url:
        pdf.set_font(FONT, "", 10)
        pdf.set_text_color(0, 70, 160)
        pdf.multi_cell(
            0, 5, artifact.url, link=artifact.url, new_x="LMARGIN", new_y="NEXT", align="L"
        )
        pdf.set_text_color(0, 0, 0)
    if artifact.kind is ArtifactKind.FILE:
        _file(pdf, artifact.file_key, artifact.file_name, artifact.content_type, files)
    if artifact.body:
        pdf.para(artifact.body)
    pdf.ln(1)
    pdf.para(gettext("How it shows this outcome:"), 10, "B")
    pdf.para(commentary or gettext("No commentary yet."))
    pdf.ln(4)


def _file(pdf: _Pdf, key: str | None, name: str, content_type: str, files: _Files) -> None:
    if key and content_type in IMAGE_TYPES:
        found = _image(key)
        if found is not None:
            pdf.place_image(*found, caption=name)
            return
    pdf.para(files.attach(key, name, content_type, name), 9)


def _letters(student_id: int) -> list[Recommendation]:
    return list(
        db.session.scalars(
            select(Recommendation)
            .where(
                Recommendation.student_id == student_id,
                Recommendation.status == LetterStatus.RECEIVED,
            )
            .order_by(Recommendation.received_at, Recommendation.id)
        )
    )


def render_portfolio(
    student: StudentProfile, *, include_letters: bool = False, compress: bool = True
) -> bytes:
    """The student's portfolio as one Letter-size PDF (see the module's notes)."""
    name = student.user.full_name
    pdf = _Pdf(name)
    pdf.set_compression(compress)
    title = gettext("Portfolio of %(name)s", name=name)
    pdf.set_title(title)
    pdf.set_creator(county().name or "WBL")
    pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(auto=True, margin=18)
    files = _Files()

    # The cover.
    pdf.add_page()
    pdf.ln(50)
    pdf.para(gettext("Work Ready Certificate"), 12)
    pdf.ln(2)
    pdf.heading(title, 22)
    pdf.ln(4)
    pdf.para(student.school.name, 13)
    pdf.para(long_day(local_today()), 11)
    pdf.ln(30)
    pdf.para(county().name, 9)

    outcomes, artifacts = _load(student.id)
    for outcome in outcomes:
        pdf.add_page()
        pdf.heading(data_name(outcome.name), 16)
        if outcome.description:
            pdf.para(data_name(outcome.description), 9)
        pdf.ln(3)
        shown = [
            (artifact, link.commentary)
            for artifact in artifacts
            for link in artifact.outcomes
            if link.outcome_id == outcome.id
        ]
        if not shown:
            pdf.para(gettext("No artifact shows this outcome yet."))
        for artifact, commentary in shown:
            _artifact(pdf, artifact, commentary, files)

    documents = {
        d.kind: d
        for d in db.session.scalars(
            select(PortfolioDocument).where(PortfolioDocument.student_id == student.id)
        )
    }
    pdf.add_page()
    pdf.heading(gettext("Required documents"), 16)
    for kind in DocumentKind:
        document = documents.get(kind)
        pdf.para(kind.label, 11, "B")
        if document is None:
            pdf.para(gettext("Not uploaded yet."))
        else:
            _file(pdf, document.file_key, document.file_name, document.content_type, files)
        pdf.ln(3)
    if include_letters:
        pdf.para(gettext("Letters of recommendation"), 11, "B")
        letters = _letters(student.id)
        if not letters:
            pdf.para(gettext("None received yet."))
        for letter in letters:
            label = (
                gettext(
                    "Letter from %(name)s (%(relationship)s)",
                    name=letter.recommender_name,
                    relationship=letter.relationship_note,
                )
                if letter.relationship_note
                else gettext("Letter from %(name)s", name=letter.recommender_name)
            )
            pdf.para(label, 10)
            _file(pdf, letter.file_key, letter.file_name, letter.content_type, files)
            pdf.ln(2)

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(bytes(pdf.output()))))
    for _name, reader in files.appended:
        writer.append(reader)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
