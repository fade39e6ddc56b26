"""Images from users (partner and county logos, portfolio uploads), cleaned before storing.

Raster images are decoded and re-encoded with Pillow: what is stored is a fresh PNG or JPEG
without metadata (a phone photo's location) or anything appended to the image (a "polyglot"
file). Logos are sniffed from their bytes, never trusted by name (``clean_logo``); an SVG
logo is XML that can carry scripts, event handlers and external references: it goes through
Cloudflare's svg-hush filter (``py-svg-hush``) and must still be an ``<svg>`` document
afterwards.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from wbl.errors import DomainError

TYPES = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg")}


class TooManyPixels(Exception):
    """The image is larger in pixels than the caller allows (or than Pillow will open)."""


class DamagedImage(Exception):
    """The bytes start like the image kind but do not decode as one."""


@dataclass(frozen=True, slots=True)
class CleanImage:
    data: bytes
    content_type: str
    extension: str


def reencode(data: bytes, kind: str, max_pixels: int) -> CleanImage:
    """``data`` (already sniffed as ``kind``, "PNG" or "JPEG") decoded and encoded again."""
    from PIL import Image, UnidentifiedImageError  # here: only an upload needs Pillow

    try:
        with warnings.catch_warnings():
            # Pillow warns, then refuses, past its own decompression-bomb limits.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind]) as probe:
                width, height = probe.size
                if width * height > max_pixels:
                    raise TooManyPixels()
                probe.verify()
        with Image.open(io.BytesIO(data), formats=[kind]) as opened:
            opened.load()
            image: Image.Image = opened
            if kind == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, format=kind, optimize=True)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise TooManyPixels() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise DamagedImage() from None
    content_type, extension = TYPES[kind]
    return CleanImage(out.getvalue(), content_type, extension)


MAX_LOGO_BYTES = 1024 * 1024
MAX_LOGO_PIXELS = 4096 * 4096
_SVG_ROOT = "{http://www.w3.org/2000/svg}svg"


class BadLogo(DomainError):
    message = "A logo must be a PNG, JPEG or SVG image."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, field="logo")


def clean_logo(data: bytes) -> CleanImage:
    """The logo as we will store and serve it, or ``BadLogo`` saying what is wrong."""
    if not data:
        raise BadLogo("The file is empty. Choose a PNG, JPEG or SVG logo.")
    if len(data) > MAX_LOGO_BYTES:
        raise BadLogo(f"The logo is {len(data) / 1048576:.1f} MB; the limit is 1 MB.")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _raster_logo(data, "PNG")
    if data.startswith(b"\xff\xd8\xff"):
        return _raster_logo(data, "JPEG")
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return _svg_logo(data)
    raise BadLogo("That file is not a PNG, JPEG or SVG image, whatever its name says.")


def _raster_logo(data: bytes, kind: str) -> CleanImage:
    try:
        return reencode(data, kind, MAX_LOGO_PIXELS)
    except TooManyPixels:
        raise BadLogo("The image is too large in pixels; 4096 × 4096 at most.") from None
    except DamagedImage:
        raise BadLogo(f"The {kind} file is damaged and cannot be read.") from None


def _svg_logo(data: bytes) -> CleanImage:
    import py_svg_hush
    from defusedxml import ElementTree

    try:
        cleaned: bytes = py_svg_hush.filter_svg(data)
        root = ElementTree.fromstring(cleaned)
    except (ValueError, ElementTree.ParseError):
        raise BadLogo("That SVG file is not valid XML, so it cannot be used.") from None
    if root.tag != _SVG_ROOT:
        raise BadLogo("That file is XML but not an SVG image.")
    return CleanImage(cleaned, "image/svg+xml", "svg")
