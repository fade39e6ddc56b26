"""Uploaded documents (portfolio artifacts, letters, evidence, clearance certificates):
PDF, Word (.docx), PNG or JPEG, at most 10 MB, recognised from their bytes, never from the
name the uploader gave.

- PDF must start with ``%PDF-`` and open with pypdf with at least one page (a damaged or
  truncated PDF is refused); it is stored as uploaded.
- DOCX is a ZIP that must hold ``[Content_Types].xml`` and ``word/document.xml``, with a cap
  on what it expands to (a "zip bomb" is refused); stored as uploaded.
- PNG and JPEG are decoded and re-encoded with Pillow (as partner logos are), which drops
  metadata (a phone photo's location) and anything appended to the image.
Anything else (an executable renamed ``.pdf``, a spreadsheet, an empty file) is refused with
a message that says what is accepted.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from dataclasses import dataclass

from flask_babel import format_decimal, gettext

from wbl import images
from wbl.errors import DomainError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_DOCX_EXPANDED = 100 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
ACCEPTED = "a PDF, a Word document (.docx), or a PNG or JPEG image"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class BadFile(DomainError):
    def __init__(self, message: str, field: str = "file") -> None:
        super().__init__(message, field=field)


@dataclass(frozen=True, slots=True)
class CleanFile:
    data: bytes
    content_type: str
    extension: str  # without the dot
    name: str  # a safe display and download name, ending in ``.extension``

    @property
    def size(self) -> int:
        return len(self.data)


def clean_upload(data: bytes, filename: str = "", *, field: str = "file") -> CleanFile:
    """The file as we will store and serve it, or ``BadFile`` saying what is wrong."""
    if not data:
        raise BadFile(
            gettext(
                "The file is empty. Choose a PDF, a Word document (.docx), or a PNG or JPEG image."
            ),
            field,
        )
    if len(data) > MAX_UPLOAD_BYTES:
        raise BadFile(
            gettext(
                "The file is %(size)s MB; the limit is 10 MB. Save a smaller copy (for a scan, "
                "a lower resolution) and try again.",
                size=format_decimal(round(len(data) / 1048576, 1), "0.0"),
            ),
            field,
        )
    if data.startswith(b"%PDF-"):
        content_type, extension, data = _pdf(data, field)
    elif data.startswith(b"PK\x03\x04"):
        content_type, extension, data = _docx(data, field)
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        content_type, extension, data = _image(data, "PNG", field)
    elif data.startswith(b"\xff\xd8\xff"):
        content_type, extension, data = _image(data, "JPEG", field)
    else:
        raise BadFile(
            gettext(
                "That file is not a PDF, a Word document (.docx), or a PNG or JPEG image, "
                "whatever its name says."
            ),
            field,
        )
    return CleanFile(data, content_type, extension, display_name(filename, extension))


def display_name(filename: str, extension: str) -> str:
    """The uploader's name for the file, tamed: no folders, no odd characters, and the
    extension of what the file really is."""
    stem = re.split(r"[\\/]", filename or "")[-1].rsplit(".", 1)[0]
    stem = re.sub(r"[^\w\- ]+", "", stem, flags=re.UNICODE).strip()[:80] or "document"
    return f"{stem}.{extension}"


def _pdf(data: bytes, field: str) -> tuple[str, str, bytes]:
    from pypdf import PdfReader  # imported by the upload that needs it, not by every command
    from pypdf.errors import PdfReadError

    # pypdf reports recoverable problems on its logger; a damaged file is told by raising.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise BadFile(
                gettext("The PDF is password-protected; save it without a password."), field
            )
        pages = len(reader.pages)
        if pages:
            reader.pages[0].extract_text()  # reads the first page's content stream
    except BadFile:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError):
        raise BadFile(gettext("The PDF is damaged and cannot be opened."), field) from None
    if pages == 0:
        raise BadFile(gettext("The PDF has no pages."), field)
    return "application/pdf", "pdf", data


def _docx(data: bytes, field: str) -> tuple[str, str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            expanded = sum(info.file_size for info in archive.infolist())
            if "[Content_Types].xml" not in names or "word/document.xml" not in names:
                raise BadFile(
                    gettext(
                        "That file is a ZIP archive, not a Word document. Choose a PDF, a Word "
                        "document (.docx), or a PNG or JPEG image."
                    ),
                    field,
                )
            if expanded > MAX_DOCX_EXPANDED:
                raise BadFile(gettext("The Word document is too large once opened."), field)
            if archive.testzip() is not None:
                raise BadFile(gettext("The Word document is damaged and cannot be opened."), field)
    except BadFile:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise BadFile(
            gettext("The Word document is damaged and cannot be opened."), field
        ) from None
    return DOCX_TYPE, "docx", data


def _image(data: bytes, kind: str, field: str) -> tuple[str, str, bytes]:
    try:
        image = images.reencode(data, kind, MAX_IMAGE_PIXELS)
    except images.TooManyPixels:
        raise BadFile(
            gettext("The image is too large in pixels; resize it and try again."), field
        ) from None
    except images.DamagedImage:
        raise BadFile(
            gettext("The %(kind)s image is damaged and cannot be opened.", kind=kind), field
        ) from None
    return image.content_type, image.extension, image.data
