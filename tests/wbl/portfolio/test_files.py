"""Portfolio uploads are recognised from their bytes; bad ones are refused clearly."""

from __future__ import annotations

import pytest

from tests.support.logo_files import png_header
from tests.support.upload_files import (
    EXECUTABLE,
    corrupt_pdf,
    docx_bytes,
    jpeg_bytes,
    pdf_bytes,
    plain_zip,
    png_bytes,
)
from wbl.portfolio.files import MAX_UPLOAD_BYTES, BadFile, clean_upload, display_name


@pytest.mark.parametrize(
    ("make", "content_type", "extension"),
    [
        (pdf_bytes, "application/pdf", "pdf"),
        (
            docx_bytes,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
        ),
        (png_bytes, "image/png", "png"),
        (jpeg_bytes, "image/jpeg", "jpg"),
    ],
)
def test_accepted_types_are_recognised_whatever_their_name(make, content_type, extension) -> None:
    cleaned = clean_upload(make(), "../../etc/My Resume!.exe")
    assert (cleaned.content_type, cleaned.extension) == (content_type, extension)
    assert cleaned.name == f"My Resume.{extension}"
    assert cleaned.size == len(cleaned.data) > 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (EXECUTABLE, "is not a PDF, a Word document (.docx), or a PNG or JPEG image"),
        (corrupt_pdf(), "The PDF is damaged"),
        (plain_zip(), "a ZIP archive, not a Word document"),
        (b"PK\x03\x04broken", "The Word document is damaged"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "The PNG image is damaged"),
        (b"%PDF-1.4\n" + b"x" * (MAX_UPLOAD_BYTES + 1), "the limit is 10 MB"),
        (png_header(8000, 8000), "too large in pixels"),
        (png_header(10_000, 10_000), "too large in pixels"),  # Pillow warns of a bomb
        (png_header(30_000, 30_000), "too large in pixels"),  # Pillow refuses to open it
    ],
)
def test_bad_files_are_refused_with_a_clear_message(data: bytes, message: str) -> None:
    with pytest.raises(BadFile) as caught:
        clean_upload(data, "resume.pdf")
    assert message in caught.value.message
    assert caught.value.field == "file"


def test_names_are_tamed() -> None:
    assert display_name("C:\\Users\\ana\\letter.final.PDF", "pdf") == "letterfinal.pdf"
    assert display_name("", "png") == "document.png"
    assert display_name("<script>.pdf", "pdf") == "script.pdf"
