"""Guardian consent links and paper-consent scans.

The e-mailed link is an itsdangerous token (purpose-salted, expiring with the consent's
deadline) that names the consent and carries its nonce; answering clears the nonce, so a
link used twice, tampered with or expired shows a clear page and changes nothing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from flask import current_app, url_for

from wbl.errors import DomainError
from wbl.extensions import db
from wbl.i18n import N_
from wbl.placements.models import ConsentStatus, GuardianConsent
from wbl.roster import queries as roster_queries
from wbl.tokens import InvalidLink, make_token, read_token

PURPOSE = "guardian-consent"
MAX_SCAN_BYTES = 10 * 1024 * 1024


class UsedLink(InvalidLink):
    message = N_(
        "This consent link has already been used or is no longer needed. Nothing was changed."
    )


def guardian_language(consent: GuardianConsent) -> str:
    """The language to write to the consent's guardian in: the one they chose on the consent
    page, else the roster's for that guardian, else "" (the county's default)."""
    return consent.language or roster_queries.guardian_language(
        consent.application.student_id, consent.guardian_email
    )


def consent_link(consent: GuardianConsent) -> str:
    token = make_token(PURPOSE, {"c": consent.id, "n": consent.nonce})
    return url_for("placements.consent", token=token, _external=True)


def read_consent_link(token: str) -> tuple[GuardianConsent, str]:
    """The consent a link is for, and its nonce, if the link can still be answered."""
    days = current_app.config["CONSENT_DAYS"]
    data = read_token(PURPOSE, token, max_age=days * 86400)
    consent_id, nonce = data.get("c"), data.get("n")
    if not isinstance(consent_id, int) or not isinstance(nonce, str):
        raise InvalidLink()
    consent = db.session.get(GuardianConsent, consent_id)
    if consent is None:
        raise InvalidLink()
    if consent.status is not ConsentStatus.PENDING or consent.nonce != nonce:
        raise UsedLink()
    return consent, nonce


class BadScan(DomainError):
    def __init__(self, message: str) -> None:
        super().__init__(message, field="scan")


@dataclass(frozen=True, slots=True)
class Scan:
    data: bytes
    extension: str


def clean_scan(data: bytes) -> Scan:
    """A signed form's scan: a PDF, PNG or JPEG by its content, 10 MB at most."""
    if not data:
        raise BadScan("Choose the scan of the signed form (PDF, PNG or JPEG).")
    if len(data) > MAX_SCAN_BYTES:
        raise BadScan("The scan is larger than 10 MB.")
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise BadScan("The PDF is damaged or incomplete.")
        return Scan(data, "pdf")
    kind = "PNG" if data.startswith(b"\x89PNG\r\n\x1a\n") else None
    kind = "JPEG" if data.startswith(b"\xff\xd8\xff") else kind
    if kind is None:
        raise BadScan("A scan must be a PDF, PNG or JPEG file, whatever its name says.")
    from PIL import Image, UnidentifiedImageError  # here: only an upload needs Pillow

    try:
        with Image.open(io.BytesIO(data), formats=[kind]) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise BadScan(f"The {kind} file is damaged and cannot be read.") from None
    return Scan(data, "png" if kind == "PNG" else "jpg")
