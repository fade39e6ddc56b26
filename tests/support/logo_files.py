"""Real image bytes for upload tests (made with Pillow, never checked-in binaries)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def png_bytes(size: tuple[int, int] = (40, 20), colour: str = "#0b5f80") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` × ``height`` pixels but holds none: what a decompression
    bomb looks like before it is decoded."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


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
