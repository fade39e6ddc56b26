"""Every download is an attachment with a header no file name can break."""

from __future__ import annotations

from flask import Flask

from wbl.downloads import attachment, slug


def test_an_attachment_is_saved_not_rendered_and_never_cached(app: Flask) -> None:
    with app.test_request_context():
        response = attachment(b"%PDF-1.7", "work-ready-certificate-7.pdf", "application/pdf")
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=work-ready-certificate-7.pdf"
    )
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"
    response.direct_passthrough = False
    assert response.get_data() == b"%PDF-1.7"


def test_a_users_file_name_is_quoted_and_kept_in_full(app: Flask) -> None:
    with app.test_request_context():
        quoted = attachment(b"x", 'My "best" résumé.pdf', "application/pdf")
        header = quoted.headers["Content-Disposition"]
    # An ASCII fallback, quoted, and the real name in RFC 6266 form: nothing breaks out.
    assert header.startswith('attachment; filename="My \\"best\\" resume.pdf"; filename*=UTF-8')
    assert "r%C3%A9sum%C3%A9" in header


def test_text_gets_one_charset_and_no_type_means_bytes(app: Flask) -> None:
    with app.test_request_context():
        csv = attachment("a,b\n", "log.csv", "text/csv; charset=utf-8")
        unknown = attachment(b"?", "file", "")
    assert csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert unknown.headers["Content-Type"] == "application/octet-stream"


def test_slug() -> None:
    assert slug("Experience log — Elsie Allen High") == "experience-log-elsie-allen-high"
    assert slug("¿?", "report") == "report"
