"""The county's logo and name on what it issues: the certificate PDF (a PNG or JPEG logo
above the name; an SVG one is left out) and the badge's issuer."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.conftest import ARTIFACTS
from tests.support.certificate_data import issue, make_setting
from tests.support.county_data import YOLO, name_county
from tests.support.logo_files import SVG_WITH_SCRIPT, png_bytes
from wbl.certificates.badge import issuer_profile
from wbl.certificates.pdf import render_pdf


def _images(pdf: bytes) -> int:
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    return len(page.images)


def test_a_raster_logo_heads_the_certificate(app) -> None:
    certificate = issue(make_setting())
    with app.test_request_context():
        without = render_pdf(certificate)
        name_county(YOLO, logo=png_bytes((600, 200), "#1d4e89"))
        with_logo = render_pdf(certificate)
    assert _images(without) == 1  # the QR code
    assert _images(with_logo) == 2  # and the logo
    text = " ".join(PdfReader(io.BytesIO(with_logo)).pages[0].extract_text().split())
    assert text.startswith(YOLO)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "work-ready-certificate-logo.pdf").write_bytes(with_logo)


def test_an_svg_logo_is_left_out_of_the_pdf_but_named_in_the_badge(app) -> None:
    certificate = issue(make_setting())
    with app.test_request_context():
        name_county(YOLO, base_url="https://wbl.ycoe.example.org", logo=SVG_WITH_SCRIPT)
        assert _images(render_pdf(certificate)) == 1
        issuer = issuer_profile()
    assert issuer["name"] == YOLO
    assert issuer["id"] == "https://wbl.ycoe.example.org/certificates/issuer"
    assert issuer["image"]["id"].startswith("https://wbl.ycoe.example.org/county/logo?v=")
