"""Real image bytes for upload tests (made with Pillow, never checked-in binaries)."""

from __future__ import annotations

import io

from PIL import Image


def png_bytes(size: tuple[int, int] = (40, 20), colour: str = "#0b5f80") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes(size: tuple[int, int] = (40, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "#f2a541").save(out, format="JPEG")
    return out.getvalue()


SVG_WITH_SCRIPT = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
    b"<script>alert(1)</script>"
    b'<rect width="40" height="20" fill="#0b5f80" onload="alert(2)"/>'
    b'<image href="https://tracker.example.com/pixel.png"/>'
    b"</svg>"
)
