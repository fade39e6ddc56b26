"""OneRoster bundles for the roster tests: the documented example, zipped, optionally with
lines added to (or replacing) its files."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "oneroster-1.1"


def example_zip(
    *, extra: dict[str, str] | None = None, replace: dict[str, str] | None = None
) -> bytes:
    """docs/examples/oneroster-1.1 as a .zip; ``extra`` appends lines to a file
    (``{"users.csv": "line\\n"}``), ``replace`` gives a file's whole text."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(EXAMPLE.glob("*.csv")):
            text = path.read_text(encoding="utf-8")
            if replace and path.name in replace:
                text = replace[path.name]
            if extra and path.name in extra:
                text = text + ("" if text.endswith("\n") else "\n") + extra[path.name]
            archive.writestr(path.name, text)
    return buffer.getvalue()
