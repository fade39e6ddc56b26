"""Partner logos: sniffed from their bytes, never trusted by name, and cleaned before storing.

PNG and JPEG are decoded and re-encoded (``wbl.images``), which drops metadata and anything
appended to the image (a "polyglot" file). SVG is XML that can carry scripts, event
handlers and external references: it goes through Cloudflare's svg-hush filter
(``py-svg-hush``) and must still be an ``<svg>`` document afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import py_svg_hush
from defusedxml import ElementTree

from wbl import images
from wbl.errors import DomainError

MAX_LOGO_BYTES = 1024 * 1024
MAX_LOGO_PIXELS = 4096 * 4096
_SVG_ROOT = "{http://www.w3.org/2000/svg}svg"


class BadLogo(DomainError):
    message = "A logo must be a PNG, JPEG or SVG image."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, field="logo")


@dataclass(frozen=True, slots=True)
class CleanLogo:
    data: bytes
    content_type: str
    extension: str


def clean_logo(data: bytes) -> CleanLogo:
    """The logo as we will store and serve it, or ``BadLogo`` saying what is wrong."""
    if not data:
        raise BadLogo("The file is empty. Choose a PNG, JPEG or SVG logo.")
    if len(data) > MAX_LOGO_BYTES:
        raise BadLogo(f"The logo is {len(data) / 1048576:.1f} MB; the limit is 1 MB.")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _raster(data, "PNG")
    if data.startswith(b"\xff\xd8\xff"):
        return _raster(data, "JPEG")
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return _svg(data)
    raise BadLogo("That file is not a PNG, JPEG or SVG image, whatever its name says.")


def _raster(data: bytes, kind: str) -> CleanLogo:
    try:
        image = images.reencode(data, kind, MAX_LOGO_PIXELS)
    except images.TooManyPixels:
        raise BadLogo("The image is too large in pixels; 4096 × 4096 at most.") from None
    except images.DamagedImage:
        raise BadLogo(f"The {kind} file is damaged and cannot be read.") from None
    return CleanLogo(image.data, image.content_type, image.extension)


def _svg(data: bytes) -> CleanLogo:
    try:
        cleaned: bytes = py_svg_hush.filter_svg(data)
        root = ElementTree.fromstring(cleaned)
    except (ValueError, ElementTree.ParseError):
        raise BadLogo("That SVG file is not valid XML, so it cannot be used.") from None
    if root.tag != _SVG_ROOT:
        raise BadLogo("That file is XML but not an SVG image.")
    return CleanLogo(cleaned, "image/svg+xml", "svg")
