"""The roster import from the staff's upload page: a dry run first, then the import on
confirmation, as the catalog import does (``wbl.catalog.imports``).

The uploaded .zip is kept in the storage service between the check and the confirmation; the
confirm form carries only a signed, expiring token bound to the user that names the stored
bytes (never the file itself, and never a path the browser could change). The confirmation
imports those bytes again, checked again, since the roster may have changed meanwhile; then
they are deleted.

A roster spans districts (its orgs are the county's districts and schools), so only county-wide
staff and administrators import one; a district's staff are refused (403).
"""

from __future__ import annotations

from dataclasses import dataclass

from wbl.access import require
from wbl.auth.models import User
from wbl.auth.tokens import ExpiredLink, InvalidLink, make_token, read_token
from wbl.errors import DomainError
from wbl.roster.imports import RosterReport, import_roster
from wbl.scopes import is_county_wide
from wbl.storage import storage

STAGED_MAX_AGE = 60 * 60  # seconds a checked roster waits for the user's confirmation
TOKEN_PURPOSE = "roster-import"  # noqa: S105 - an itsdangerous salt, not a secret
FOLDER = "imports"
EXTENSION = "zip"


class StagedRosterGone(DomainError):
    message = "That upload is no longer available. Upload the roster again."


@dataclass(frozen=True, slots=True)
class StagedRoster:
    report: RosterReport
    token: str | None  # set when the dry run was clean: what the confirm form carries


def imports_roster(actor: User) -> bool:
    """County-wide staff and administrators: a roster holds every district's people."""
    return is_county_wide(actor)


def require_roster_keeper(actor: User) -> None:
    """Forbidden (403) for anyone else, a district's staff included."""
    require(imports_roster(actor))


def stage_roster(actor: User, data: bytes) -> StagedRoster:
    """Dry-run an uploaded OneRoster .zip; when it is clean, keep its bytes in storage and
    give a signed token (bound to the user, expiring) that lets the user import exactly them."""
    require_roster_keeper(actor)
    report = import_roster(data, dry_run=True)
    if not report.ok:
        return StagedRoster(report, None)
    key = storage().save(data, folder=FOLDER, extension=EXTENSION)
    return StagedRoster(report, make_token(TOKEN_PURPOSE, {"key": key, "user": actor.id}))


def _staged_key(actor: User, token: str) -> str:
    try:
        payload = read_token(TOKEN_PURPOSE, token, max_age=STAGED_MAX_AGE)
    except ExpiredLink:
        raise StagedRosterGone(
            "The check of that roster has expired (after an hour). Upload it again."
        ) from None
    except InvalidLink:
        raise StagedRosterGone("This confirmation is not valid. Upload the roster again.") from None
    key = payload.get("key")
    if payload.get("user") != actor.id or not isinstance(key, str):
        raise StagedRosterGone("This confirmation is not valid. Upload the roster again.")
    if not key.startswith(f"{FOLDER}/") or not key.endswith(f".{EXTENSION}"):
        raise StagedRosterGone("This confirmation is not valid. Upload the roster again.")
    return key


def confirm_roster(actor: User, token: str) -> RosterReport:
    """Import the roster the user checked before. The bytes are read back from storage
    (never from the browser) and checked again; whatever the outcome they are then deleted,
    since a roster that no longer imports cleanly has to be uploaded again anyway."""
    require_roster_keeper(actor)
    key = _staged_key(actor, token)
    try:
        data = storage().read(key)
    except DomainError:
        raise StagedRosterGone() from None
    try:
        return import_roster(data, dry_run=False)
    finally:
        storage().delete(key)
