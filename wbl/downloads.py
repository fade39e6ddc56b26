"""Files the app hands out: one way to answer with an attachment.

Every download (evidence, portfolio files, letters, PDFs, badges, CSV and XLSX reports) is
an attachment the browser saves rather than renders (``nosniff``), that no shared cache
keeps (``private, no-store``: these are education records). Werkzeug writes the
Content-Disposition header, quoting the name and adding an RFC 6266 ``filename*`` when it
is not plain ASCII, so a name a user chose can never break the header.
"""

from __future__ import annotations

import io
import re

from flask import Response, send_file


def attachment(data: bytes | str, filename: str, mimetype: str) -> Response:
    """``data`` as a download named ``filename``."""
    body = data.encode() if isinstance(data, str) else data
    response = send_file(
        io.BytesIO(body),
        mimetype=(mimetype or "application/octet-stream").split(";")[0],  # text/*: utf-8 is added
        as_attachment=True,
        download_name=filename,
        etag=False,
        conditional=False,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def slug(text: str, default: str = "download") -> str:
    """A file name stem from a title: lower case letters and digits joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or default
