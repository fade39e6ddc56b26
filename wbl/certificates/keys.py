"""The county's signing keys for Open Badges credentials.

Credentials are signed with an RSA key, as RS256: the algorithm Open Badges 3.0 names as the
one every verifier must support. Keys that signed credentials earlier stay published, so the
credentials they signed still verify.

Where the signing key comes from:
- ``BADGE_KEY_FILE`` (``WBL_BADGE_KEY_FILE``) names a PEM file holding an RSA private key of
  at least 2048 bits (PKCS#8, e.g. ``openssl genpkey -algorithm RSA -pkeyopt
  rsa_keygen_bits:3072 -out badge-rs256.pem``). It is read once per process.
- Development without a file named: a key is generated on first use in the instance folder
  (``instance/badge-signing-key-rs256.pem``, readable by its owner only) and kept there, so
  credentials issued yesterday still verify today.
- Testing without a file named: a key generated in memory for the test run (no file).
- Production: the file must be named and readable, or issuing a certificate is refused with
  a message that says what to set. A missing key must not be papered over with a new one:
  every credential signed with a throwaway key would fail to verify after the next restart.

Earlier keys (rotation): ``BADGE_PREVIOUS_KEYS`` (``WBL_BADGE_PREVIOUS_KEYS``) lists PEM files
(separated by ``:``) of keys that signed credentials before the current one, public or
private halves, RSA or Ed25519 (earlier releases signed with Ed25519). They sign nothing; their
public halves stay in the key set while credentials they signed are valid. In development the
instance folder's Ed25519 key of those releases (``instance/badge-signing-key.pem``) is
published the same way when it is there.

The public halves are published as a JSON Web Key Set at ``/.well-known/jwks.json``, so anyone
can check a credential's signature; a key's id is its RFC 7638 thumbprint, stable for as long
as the key is.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import current_app

from wbl.errors import DomainError

if TYPE_CHECKING:  # joserfc (and cryptography) load when a key is first read or made
    from joserfc.jwk import OKPKey, RSAKey

log = logging.getLogger(__name__)

ALGORITHM = "RS256"  # what every Open Badges 3.0 verifier supports
ED25519 = "Ed25519"  # RFC 9864's name of EdDSA over Ed25519: earlier releases' keys
RSA_BITS = 2048  # the smallest accepted; generated keys have this many
DEV_KEY_NAME = "badge-signing-key-rs256.pem"
OLD_DEV_KEY_NAME = "badge-signing-key.pem"  # the Ed25519 key development made before
_CACHE = "wbl_badge_key"
MAKE_ONE = "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out badge-rs256.pem"


class SigningKeyMissing(DomainError):
    message = (
        "The county's signing key for the Open Badges credential is not configured: set "
        "WBL_BADGE_KEY_FILE to the path of an RSA private key in PEM format (see the "
        "README). No certificate was issued."
    )


def _read(path: Path) -> RSAKey:
    from joserfc.errors import JoseError, SecurityWarning
    from joserfc.jwk import RSAKey

    try:
        content = path.read_bytes()
    except OSError as error:
        log.error("badge signing key %s cannot be read: %s", path, error)
        raise SigningKeyMissing() from error
    try:
        with warnings.catch_warnings():  # a short key: refused below, with its size
            warnings.simplefilter("ignore", SecurityWarning)
            key = RSAKey.import_key(content)
    except (ValueError, JoseError, TypeError) as error:
        log.error("badge signing key %s is not a usable key: %s", path, error)
        if b"PRIVATE KEY" in content and _is_ed25519(content):
            raise SigningKeyMissing(
                f"The badge signing key in {path.name} is an Ed25519 key; credentials are now "
                "signed with RSA (RS256), which every Open Badges verifier accepts. Make an RSA "
                f"key ({MAKE_ONE}), set WBL_BADGE_KEY_FILE to it, and list {path.name} in "
                "WBL_BADGE_PREVIOUS_KEYS so the credentials it signed still verify. No "
                "certificate was issued."
            ) from error
        raise SigningKeyMissing(
            f"The badge signing key in {path.name} is not an RSA private key in PEM format. "
            "No certificate was issued."
        ) from error
    if not key.is_private:
        raise SigningKeyMissing(
            f"The badge signing key in {path.name} must be an RSA private key (it holds the "
            "public half only). No certificate was issued."
        )
    if _bits(key) < RSA_BITS:
        raise SigningKeyMissing(
            f"The badge signing key in {path.name} is an RSA key of {_bits(key)} bits; use one "
            f"of at least {RSA_BITS} bits ({MAKE_ONE}). No certificate was issued."
        )
    return key


def _is_ed25519(content: bytes) -> bool:
    from joserfc.errors import JoseError
    from joserfc.jwk import OKPKey

    try:
        return OKPKey.import_key(content).curve_name == ED25519
    except (ValueError, JoseError, TypeError):
        return False


def _bits(key: RSAKey) -> int:
    return int(key.raw_value.key_size)


def _generate() -> RSAKey:
    from joserfc.jwk import RSAKey

    return RSAKey.generate_key(RSA_BITS)


def _generate_file(path: Path) -> RSAKey:
    """Create the key file (owner read/write only). Two processes starting at once: the
    second finds the file the first wrote (O_EXCL) and reads it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = _generate()
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


def _load() -> RSAKey:
    production = current_app.config.get("NAME") == "production"
    path = key_file()
    if path is None:
        if production:
            raise SigningKeyMissing()
        return _generate()
    if path.exists() or production:
        return _read(path)
    return _generate_file(path)


def signing_key() -> RSAKey:
    """The county's private key (cached per app and per configured file). Raises
    ``SigningKeyMissing`` when it is not configured (production)."""
    cache: dict[str, RSAKey] = current_app.extensions.setdefault(_CACHE, {})
    named = str(current_app.config.get("BADGE_KEY_FILE") or "")
    if named not in cache:
        cache[named] = _load()
    return cache[named]


def key_id(key: RSAKey | OKPKey) -> str:
    return key.thumbprint()


def previous_key_files() -> list[Path]:
    """The earlier keys' files: those ``BADGE_PREVIOUS_KEYS`` lists, and in development the
    instance folder's Ed25519 key of earlier releases when it is there."""
    config = current_app.config
    listed = str(config.get("BADGE_PREVIOUS_KEYS") or "")
    files = [Path(part) for part in listed.split(":") if part.strip()]
    if config.get("NAME") == "development" and not config.get("TESTING"):
        old = Path(current_app.instance_path) / OLD_DEV_KEY_NAME
        if old.is_file():
            files.append(old)
    return files


def _public(path: Path) -> dict[str, Any] | None:
    """An earlier key's public JWK, or None (logged) when the file is not a usable key."""
    from joserfc.errors import JoseError
    from joserfc.jwk import OKPKey, RSAKey

    try:
        content = path.read_bytes()
    except OSError as error:
        log.error("previous badge key %s cannot be read: %s", path, error)
        return None
    for kind, algorithm in ((RSAKey, ALGORITHM), (OKPKey, ED25519)):
        try:
            key = kind.import_key(content)
        except (ValueError, JoseError, TypeError):
            continue
        if isinstance(key, OKPKey) and key.curve_name != ED25519:
            break
        public = dict(key.as_dict(private=False))
        public.update({"kid": key_id(key), "use": "sig", "alg": algorithm})
        return public
    log.error("previous badge key %s is neither an RSA nor an Ed25519 key", path)
    return None


def public_jwks() -> dict[str, Any]:
    """The current key's public half first, then the earlier keys' (never a private part)."""
    key = signing_key()
    public = dict(key.as_dict(private=False))
    public.update({"kid": key_id(key), "use": "sig", "alg": ALGORITHM})
    found = [public]
    for path in previous_key_files():
        earlier = _public(path)
        if earlier is not None and earlier["kid"] not in {k["kid"] for k in found}:
            found.append(earlier)
    return {"keys": found}
