"""The county's signing key for Open Badges credentials (Ed25519).

Where the key comes from:
- ``BADGE_KEY_FILE`` (``WBL_BADGE_KEY_FILE``) names a PEM file holding an Ed25519 private key
  (PKCS#8, e.g. ``openssl genpkey -algorithm ed25519 -out badge-key.pem``). It is read once
  per process.
- Development without a file named: a key is generated on first use in the instance folder
  (``instance/badge-signing-key.pem``, readable by its owner only) and kept there, so
  credentials issued yesterday still verify today.
- Testing without a file named: a key generated in memory for the test run (no file).
- Production: the file must be named and readable, or issuing a certificate is refused with
  a message that says what to set. A missing key must not be papered over with a new one:
  every credential signed with a throwaway key would fail to verify after the next restart.

The public half is published as a JSON Web Key Set at ``/.well-known/jwks.json``, so anyone
can check a credential's signature; the key id is the key's RFC 7638 thumbprint.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import current_app

from wbl.errors import DomainError

if TYPE_CHECKING:  # joserfc (and cryptography) load when a key is first read or made
    from joserfc.jwk import OKPKey

log = logging.getLogger(__name__)

ALGORITHM = "Ed25519"  # RFC 9864: the fully specified name of EdDSA over Ed25519
DEV_KEY_NAME = "badge-signing-key.pem"
_CACHE = "wbl_badge_key"


class SigningKeyMissing(DomainError):
    message = (
        "The county's signing key for the Open Badges credential is not configured: set "
        "WBL_BADGE_KEY_FILE to the path of an Ed25519 private key in PEM format (see the "
        "README). No certificate was issued."
    )


def _read(path: Path) -> OKPKey:
    from joserfc.errors import JoseError
    from joserfc.jwk import OKPKey

    try:
        key = OKPKey.import_key(path.read_bytes())
    except OSError as error:
        log.error("badge signing key %s cannot be read: %s", path, error)
        raise SigningKeyMissing() from error
    except (ValueError, JoseError) as error:
        log.error("badge signing key %s is not a usable key: %s", path, error)
        raise SigningKeyMissing(
            f"The badge signing key in {path.name} is not an Ed25519 private key in PEM "
            "format. No certificate was issued."
        ) from error
    if key.curve_name != "Ed25519" or not key.is_private:
        raise SigningKeyMissing(
            f"The badge signing key in {path.name} must be an Ed25519 private key. "
            "No certificate was issued."
        )
    return key


def _generate_file(path: Path) -> OKPKey:
    """Create the key file (owner read/write only). Two processes starting at once: the
    second finds the file the first wrote (O_EXCL) and reads it."""
    from joserfc.jwk import OKPKey

    path.parent.mkdir(parents=True, exist_ok=True)
    key = OKPKey.generate_key("Ed25519")
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key.as_pem(private=True))
    log.info("generated a badge signing key in %s", path)
    return key


def key_file() -> Path | None:
    """The file that holds (or will hold) the county's private key: the one ``BADGE_KEY_FILE``
    names, or in development the instance folder's. None when no file holds it: testing
    without a file named (a key in memory), and production without one (signing is refused).
    Backups copy this file (wbl/backups)."""
    config = current_app.config
    named = str(config.get("BADGE_KEY_FILE") or "")
    if named:
        return Path(named)
    if config.get("NAME") == "production" or config.get("TESTING"):
        return None
    return Path(current_app.instance_path) / DEV_KEY_NAME


def _load() -> OKPKey:
    production = current_app.config.get("NAME") == "production"
    path = key_file()
    if path is None:
        if production:
            raise SigningKeyMissing()
        from joserfc.jwk import OKPKey

        return OKPKey.generate_key("Ed25519")
    if path.exists() or production:
        return _read(path)
    return _generate_file(path)


def signing_key() -> OKPKey:
    """The county's private key (cached per app and per configured file). Raises
    ``SigningKeyMissing`` when it is not configured (production)."""
    cache: dict[str, OKPKey] = current_app.extensions.setdefault(_CACHE, {})
    named = str(current_app.config.get("BADGE_KEY_FILE") or "")
    if named not in cache:
        cache[named] = _load()
    return cache[named]


def key_id(key: OKPKey) -> str:
    return key.thumbprint()


def public_jwks() -> dict[str, Any]:
    """The public key as a JSON Web Key Set (never the private part)."""
    key = signing_key()
    public = dict(key.as_dict(private=False))
    public.update({"kid": key_id(key), "use": "sig", "alg": ALGORITHM})
    return {"keys": [public]}
