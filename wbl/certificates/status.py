"""Revocation that a verifier can see: a W3C Bitstring Status List (v1.0), which Open Badges
3.0 allows through a credential's ``credentialStatus``.

Every certificate's credential points at one bit of the county's revocation list: bit
``certificate.id`` (its index, ``statusListIndex``). The list is published as a
``BitstringStatusListCredential``, signed like the badges (a VC-JWT with the county's key) at
``/certificates/status/revocation`` and as plain JSON at ``.../revocation.json``; its
``encodedList`` is the bitstring (bit 0 the first byte's highest bit, a set bit a revoked
certificate), GZIP-compressed and base64url-encoded with the multibase prefix ``u``. It is
built from the certificates' ``revoked_at`` whenever asked, so a revocation shows at once
(caches may keep the list ``MAX_AGE`` seconds).

The list is at least ``LIST_BITS`` long (16 KB, the specification's minimum, so that a
verifier fetching it learns nothing about which certificate it checks), and grows in whole
bytes past the highest index.
"""

from __future__ import annotations

import base64
import gzip
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from wbl.certificates.models import Certificate
from wbl.county.settings import county
from wbl.extensions import db

LIST_BITS = 131_072  # 16 KB
MAX_AGE = 300  # seconds a cache may keep the list
PURPOSE = "revocation"
CONTEXT = "https://www.w3.org/ns/credentials/v2"


def list_url() -> str:
    """The status list credential (VC-JWT): what each credential's entry names."""
    return county().url("certificates.status_list")


def entry(certificate: Certificate) -> dict[str, Any]:
    """A credential's ``credentialStatus``: its bit of the revocation list."""
    url = list_url()
    return {
        "id": f"{url}#{certificate.id}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": PURPOSE,
        "statusListIndex": str(certificate.id),
        "statusListCredential": url,
    }


def bitstring() -> bytes:
    """The revocation bits: bit ``i`` (of byte ``i // 8``, from its highest bit) is set when
    certificate ``i`` is revoked."""
    highest = db.session.scalar(select(func.max(Certificate.id))) or 0
    size = max(LIST_BITS, (highest // 8 + 1) * 8)
    bits = bytearray(size // 8)
    for (index,) in db.session.execute(
        select(Certificate.id).where(Certificate.revoked_at.is_not(None))
    ):
        bits[index // 8] |= 0x80 >> (index % 8)
    return bytes(bits)


def encode(bits: bytes) -> str:
    """Multibase base64url (no padding) of the GZIP-compressed bits; the same bits give the
    same text (no time stamp in the GZIP header)."""
    packed = gzip.compress(bits, mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def decode(encoded: str) -> bytes:
    """The bits back from ``encode``'s text (what a verifier does)."""
    if not encoded.startswith("u"):
        raise ValueError("not a multibase base64url value")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def list_credential(now: datetime | None = None) -> dict[str, Any]:
    """The ``BitstringStatusListCredential`` of the county's revocations."""
    from wbl.certificates.badge import issuer_id

    url = list_url()
    moment = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "@context": [CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id(),
        "validFrom": moment,
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encode(bitstring()),
        },
    }


def list_jwt() -> str:
    """The list credential as a VC-JWT signed with the county's key."""
    from wbl.certificates.badge import sign

    body = list_credential()
    return sign(body, issued=int(datetime.now(UTC).timestamp()))
