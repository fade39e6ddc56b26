"""The certificate as a one-page PDF (landscape Letter).

It says what was issued, as issued (the name and outcomes kept on the certificate), the day
in the county's calendar, the verification code, and a QR code to the public verification
page. Set in the DejaVu fonts shipped in ``wbl/static/fonts`` (any name or accent prints).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from wbl.certificates.models import Certificate
from wbl.certificates.services import TITLE, issue_date, verify_url
from wbl.county.settings import County, county
from wbl.storage import storage

if TYPE_CHECKING:
    from fpdf import FPDF

FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"
NAVY = (22, 50, 92)
GOLD = (176, 141, 60)
GREY = (90, 90, 90)
QR_SIZE = 38  # mm
LOGO_HEIGHT = 14  # mm: above the county's name, leaving the page's layout as it was
LOGO_WIDTH = 60


def qr_png(url: str) -> bytes:
    """The QR code of ``url`` as a PNG (error correction M, a quiet zone of 2 modules)."""
    buffer = io.BytesIO()
    import segno  # here, not at import: only a certificate's page draws one

    segno.make(url, error="m").save(buffer, kind="png", scale=10, border=2)
    return buffer.getvalue()


def certificate_lines(certificate: Certificate) -> list[str]:
    """The certificate's text, in order (what the tests read)."""
    return [
        county().name,
        TITLE,
        "This certifies that",
        certificate.student_name,
        "has shown, through a reviewed portfolio and a work ready interview before a panel "
        "of employers and educators, the Portrait of a Graduate outcomes:",
        " · ".join(certificate.outcomes),
        f"Issued {issue_date(certificate)}",
        f"Verification code: {certificate.code}",
        verify_url(certificate),
    ]


def _logo(pdf: FPDF, settings: County, width: float) -> float:
    """The county's PNG or JPEG logo centred at the top, at most LOGO_HEIGHT tall and
    LOGO_WIDTH wide; returns where the text starts below it."""
    assert settings.logo_key is not None  # noqa: S101 - raster_logo says so
    data = storage().read(settings.logo_key)
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        pixels_wide, pixels_high = image.size
    scale = min(LOGO_WIDTH / pixels_wide, LOGO_HEIGHT / pixels_high)
    shown_wide, shown_high = pixels_wide * scale, pixels_high * scale
    pdf.image(io.BytesIO(data), x=(width - shown_wide) / 2, y=20, w=shown_wide, h=shown_high)
    return 20 + shown_high + 3


def render_pdf(certificate: Certificate) -> bytes:
    """One landscape Letter page. Needs a request context (the verification URL)."""
    settings = county()
    url = verify_url(certificate)
    from fpdf import FPDF  # fpdf2 takes a second to import: only the PDF needs it

    pdf = FPDF(orientation="landscape", format="Letter")
    pdf.set_title(f"{TITLE}: {certificate.student_name}")
    pdf.set_creator(settings.name or "WBL")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(25, 20, 25)
    pdf.add_page()
    width, height = pdf.w, pdf.h
    # Frame
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, width - 20, height - 20)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.5)
    pdf.rect(13, 13, width - 26, height - 26)

    content = width - 50
    top: float = 32
    if settings.raster_logo:
        top = _logo(pdf, settings, width)
    pdf.set_xy(25, top)
    pdf.set_text_color(*GREY)
    pdf.set_font("DejaVu", "", 13)
    pdf.multi_cell(content, 7, settings.name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_text_color(*NAVY)
    pdf.set_font("DejaVu", "B", 34)
    pdf.multi_cell(content, 15, TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.8)
    y = pdf.get_y() + 2
    pdf.line(width / 2 - 40, y, width / 2 + 40, y)
    pdf.ln(8)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("DejaVu", "", 13)
    pdf.multi_cell(content, 7, "This certifies that", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 26)
    pdf.multi_cell(content, 12, certificate.student_name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("DejaVu", "", 11)
    lines = certificate_lines(certificate)
    pdf.multi_cell(content, 6, lines[4], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 11)
    pdf.set_text_color(*NAVY)
    pdf.multi_cell(content, 6, lines[5], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(9)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("DejaVu", "", 12)
    pdf.multi_cell(content, 7, lines[6], align="C", new_x="LMARGIN", new_y="NEXT")

    # Verification: the QR code bottom right, the code and address beside it.
    qr_x, qr_y = width - 25 - QR_SIZE, height - 20 - QR_SIZE
    pdf.image(io.BytesIO(qr_png(url)), x=qr_x, y=qr_y, w=QR_SIZE, h=QR_SIZE)
    text_width = qr_x - 30
    pdf.set_xy(25, height - 20 - 22)
    pdf.set_text_color(*GREY)
    pdf.set_font("DejaVu", "B", 10)
    pdf.multi_cell(text_width, 5, lines[7], align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(
        text_width,
        5,
        f"Check that this certificate is genuine and still valid: scan the QR code or visit {url}",
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
