"""Raster images from users (partner logos, portfolio uploads), decoded and re-encoded with
Pillow: what is stored is a fresh PNG or JPEG without metadata (a phone photo's location)
or anything appended to the image (a "polyglot" file)."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

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
