"""A checked upload waits for the user's confirmation: a dry run first, the import on confirm.

The bytes are kept in the storage service between the check and the confirmation; the confirm
form carries only a signed, expiring token bound to the user and to the import (its purpose)
that names the stored bytes (never the file itself, and never a path the browser could
change). The confirmation reads those bytes back and checks them again, since the records may
have changed meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from wbl.errors import DomainError
from wbl.storage import storage
from wbl.tokens import ExpiredLink, InvalidLink, make_token, read_token

if TYPE_CHECKING:
    from wbl.auth.models import User

STAGED_MAX_AGE = 60 * 60  # seconds a checked upload waits for the user's confirmation
FOLDER = "imports"


class Checked(Protocol):
    """A dry run's report: ``ok`` when nothing is wrong."""

    @property
    def ok(self) -> bool: ...


R = TypeVar("R", bound=Checked)


@dataclass(frozen=True, slots=True)
class Staging:
    """One import's staged uploads: the token's purpose (a token of another import is not
    valid here), the file types it keeps, and what the messages call the upload."""

    purpose: str
    extensions: frozenset[str]
    again: str = "Upload the file again."
    expired: str = "The check of that file has expired (after an hour). Upload the file again."

    def gone(self) -> StagedImportGone:
        return StagedImportGone(f"That upload is no longer available. {self.again}")

    def invalid(self) -> StagedImportGone:
        return StagedImportGone(f"This confirmation is not valid. {self.again}")


class StagedImportGone(DomainError):
    message = "That upload is no longer available. Upload the file again."


@dataclass(frozen=True, slots=True)
class StagedImport(Generic[R]):
    report: R
    token: str | None  # set when the dry run was clean: what the confirm form carries


@dataclass(frozen=True, slots=True)
class StagedFile:
    key: str  # in storage; delete it once imported
    data: bytes
    filename: str  # "upload.csv", "upload.xlsx", "upload.zip"
    payload: dict[str, Any]


def stage_checked(
    actor: User, staging: Staging, report: R, data: bytes, filename: str, **extra: str
) -> StagedImport[R]:
    """After a clean dry run, keep the file's bytes in storage and give a signed token (bound
    to the user and the import, expiring) that lets the user import exactly them. The file
    keeps its type (the clean check has read it as one of ``staging.extensions``)."""
    if not report.ok:
        return StagedImport(report, None)
    extension = filename.lower().strip().rsplit(".", 1)[-1]
    key = storage().save(data, folder=FOLDER, extension=extension)
    token = make_token(
        staging.purpose, {**extra, "key": key, "format": extension, "user": actor.id}
    )
    return StagedImport(report, token)


def read_staged(actor: User, staging: Staging, token: str) -> StagedFile:
    """The bytes a token from ``stage_checked`` names, for the same user and import."""
    try:
        payload = read_token(staging.purpose, token, max_age=STAGED_MAX_AGE)
    except ExpiredLink:
        raise StagedImportGone(staging.expired) from None
    except InvalidLink:
        raise staging.invalid() from None
    key, fmt = payload.get("key"), payload.get("format")
    if (
        payload.get("user") != actor.id
        or not isinstance(key, str)
        or fmt not in staging.extensions
        or not key.startswith(f"{FOLDER}/")
        or not key.endswith(f".{fmt}")
    ):
        raise staging.invalid()
    try:
        data = storage().read(key)
    except DomainError:
        raise staging.gone() from None
    return StagedFile(key, data, f"upload.{fmt}", payload)
