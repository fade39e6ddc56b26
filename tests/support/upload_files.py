"""Files for upload tests: a real one-page PDF, a real .docx, PNG/JPEG, and bad ones."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

from fpdf import FPDF

from tests.support.logo_files import jpeg_bytes, png_bytes

__all__ = ["docx_bytes", "jpeg_bytes", "pdf_bytes", "png_bytes"]

EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def pdf_bytes(text: str = "My resume") -> bytes:
    """The same bytes for the same text: the creation date is fixed, not the clock's second."""
    pdf = FPDF()
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text=text)
    return bytes(pdf.output())


def corrupt_pdf() -> bytes:
    """A PDF's first bytes and nothing that makes a document."""
    return b"%PDF-1.7\n" + b"\x00garbage" * 50


def docx_bytes(text: str = "Dear reviewer") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            '2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
            "</Types>",
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            f'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p>'
            "</w:body></w:document>",
        )
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "not a Word document")
    return buffer.getvalue()
