"""One way in and out for uploaded files: logos now, portfolio files and scans later.

Files are stored under a generated key (never a name or path the uploader chose) and are
served only by views that first check who may see them. The default backend is a local
folder (``UPLOAD_FOLDER``); the small interface lets a deployment swap in an object store.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Protocol

from flask import current_app

from wbl.errors import NotFound

_KEY = re.compile(r"^[a-z]+/[0-9a-f]{32}\.[a-z0-9]{1,5}$")


class Storage(Protocol):
    def save(self, data: bytes, *, folder: str, extension: str) -> str: ...

    def read(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...


class LocalStorage:
    """Files in a folder on this machine, two levels: ``<folder>/<random>.<extension>``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise NotFound()
        return self.root / key

    def save(self, data: bytes, *, folder: str, extension: str) -> str:
        key = f"{folder}/{secrets.token_hex(16)}.{extension}"
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(path.suffix + ".part")
        temporary.write_bytes(data)
        temporary.replace(path)  # atomic: a reader never sees half a file
        return key

    def read(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise NotFound() from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def storage() -> Storage:
    """The app's storage backend, built once per app from ``UPLOAD_FOLDER``."""
    found: Storage | None = current_app.extensions.get("wbl.storage")
    if found is None:
        found = LocalStorage(Path(current_app.config["UPLOAD_FOLDER"]))
        current_app.extensions["wbl.storage"] = found
    return found
