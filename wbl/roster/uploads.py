"""The roster import from the staff's upload page: a dry run first, then the import on
confirmation, as every import does (``wbl.imports.staging``).

The uploaded .zip is kept in the storage service between the check and the confirmation; the
confirm form carries only a signed, expiring token bound to the user that names the stored
bytes (never the file itself, and never a path the browser could change). The confirmation
imports those bytes again, checked again, since the roster may have changed meanwhile; then
they are deleted.

A roster spans districts (its orgs are the county's districts and schools), so only county-wide
staff and administrators import one; a district's staff are refused (403).
"""

from __future__ import annotations

from wbl.access import require
from wbl.auth.models import User
from wbl.imports.staging import StagedImport, Staging, read_staged, stage_checked
from wbl.roster.imports import import_roster
from wbl.roster.report import RosterReport
from wbl.scopes import is_county_wide
from wbl.storage import storage

STAGING = Staging(
    "roster-import",
    frozenset({"zip"}),
    again="Upload the roster again.",
    expired="The check of that roster has expired (after an hour). Upload it again.",
)


def imports_roster(actor: User) -> bool:
    """County-wide staff and administrators: a roster holds every district's people."""
    return is_county_wide(actor)


def require_roster_keeper(actor: User) -> None:
    """Forbidden (403) for anyone else, a district's staff included."""
    require(imports_roster(actor))


def stage_roster(actor: User, data: bytes) -> StagedImport[RosterReport]:
    """Dry-run an uploaded OneRoster .zip; when it is clean, keep its bytes in storage and
    give a signed token (bound to the user, expiring) that lets the user import exactly them."""
    require_roster_keeper(actor)
    report = import_roster(data, dry_run=True)
    return stage_checked(actor, STAGING, report, data, "roster.zip")


def confirm_roster(actor: User, token: str) -> RosterReport:
    """Import the roster the user checked before. The bytes are read back from storage
    (never from the browser) and checked again; whatever the outcome they are then deleted,
    since a roster that no longer imports cleanly has to be uploaded again anyway."""
    require_roster_keeper(actor)
    staged = read_staged(actor, STAGING, token)
    try:
        return import_roster(staged.data, dry_run=False)
    finally:
        storage().delete(staged.key)
