"""Make, check and restore a backup: the database, the uploaded files, the badge signing key.

A backup is a folder::

    manifest.json             what is here: see ``Manifest`` below
    database.dump             PostgreSQL (pg_dump's custom format), or
    database.sqlite           SQLite (a copy made by its online backup API)
    uploads/...               the upload folder's files, under the keys the app stores
    badge-signing-key.pem     the county's private key for Open Badges credentials

Rules (docs/backups.md explains them to the people who run the drill):
- A backup is written into a hidden folder beside DIR and renamed to DIR when complete, and
  the manifest is its last file: a folder called DIR is a finished backup, and a backup
  stopped halfway is never mistaken for one. The folder is its owner's only (0700): it holds
  education records and the signing key.
- The manifest lists every file with its size and SHA-256; verifying a backup reads every
  file again. It also holds each table's row count, which a restore compares afterwards.
- A restore checks everything before it changes anything: the backup, the kind of database,
  the migration revision (a backup made by newer code is refused; an older one is restored
  and then needs ``flask db upgrade``), and that the database, the upload folder and the key
  file are empty or absent (``force`` replaces them).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any

from alembic.script import ScriptDirectory
from flask import current_app

from wbl.backups import database
from wbl.backups.database import DUMP_FILES, BackupError
from wbl.certificates.keys import key_file

log = logging.getLogger(__name__)

FORMAT = "wbl-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
UPLOADS = "uploads"
KEY = "badge-signing-key.pem"
PARTIAL_SUFFIX = ".part"  # a file LocalStorage is still writing (wbl/storage.py)
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class BackupFile:
    path: str  # relative to the backup folder, with forward slashes
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    created_at: str
    app_version: str
    revision: str | None
    database: str  # postgresql or sqlite
    tables: dict[str, int]
    files: list[BackupFile]
    key: str | None  # the key's file in the backup, when there was one to copy

    @property
    def uploads(self) -> list[BackupFile]:
        return [f for f in self.files if f.path.startswith(f"{UPLOADS}/")]

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": self.created_at,
            "app_version": self.app_version,
            "alembic_revision": self.revision,
            "database": {
                "kind": self.database,
                "file": DUMP_FILES[self.database],
                "tables": self.tables,
            },
            "badge_key": self.key,
            "files": [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in self.files],
        }

    @classmethod
    def from_json(cls, data: Any) -> Manifest:
        """Raises KeyError, TypeError or ValueError on anything but a manifest we wrote."""
        if data["format"] != FORMAT or data["format_version"] != FORMAT_VERSION:
            raise ValueError("not a WBL backup manifest of a version this code reads")
        kind = data["database"]["kind"]
        if kind not in DUMP_FILES:
            raise ValueError(f"unknown database kind {kind!r}")
        files = [
            BackupFile(str(f["path"]), int(f["size"]), str(f["sha256"])) for f in data["files"]
        ]
        tables = {str(name): int(count) for name, count in data["database"]["tables"].items()}
        revision = data["alembic_revision"]
        key = data["badge_key"]
        return cls(
            created_at=str(data["created_at"]),
            app_version=str(data["app_version"]),
            revision=None if revision is None else str(revision),
            database=kind,
            tables=tables,
            files=files,
            key=None if key is None else str(key),
        )


@dataclass
class Summary:
    """What a command did, as lines for the person who ran it."""

    lines: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- create


def create_backup(target: Path) -> Summary:
    """Back up the app's database, upload folder and signing key into the new folder
    ``target`` (absent or empty)."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} already exists and is not empty: choose a new folder.")
    target.parent.mkdir(parents=True, exist_ok=True)
    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    kind = database.database_kind(uri)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.incomplete-", dir=target.parent))
    try:
        # The database first: a file its rows name was saved before the row was committed,
        # so it is in the upload folder by the time the folder is copied.
        dump = work / DUMP_FILES[kind]
        copy = database.dump(uri, dump)
        files = [_describe(work, dump)]
        files += _copy_uploads(Path(current_app.config["UPLOAD_FOLDER"]), work / UPLOADS)
        key = key_file()
        key_copied = key is not None and key.is_file()
        if key is not None and key_copied:
            files.append(_copy_file(key, work / KEY, mode=0o600))
        manifest = Manifest(
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            app_version=_app_version(),
            revision=copy.revision,
            database=kind,
            tables=copy.tables,
            files=files,
            key=KEY if key_copied else None,
        )
        _write_manifest(work / MANIFEST, manifest)
        _fsync(work)
        work.rename(target)  # onto an absent or empty folder only
        _fsync(target.parent)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    log.info("backup written to %s (%s files)", target, len(files))
    summary = Summary(
        [
            f"Backup written to {target}",
            f"  database: {kind}, migration {copy.revision}, {len(copy.tables)} tables, "
            f"{manifest.rows:,} rows",
            f"  uploaded files: {len(manifest.uploads):,} ({_size(manifest.uploads)})",
        ]
    )
    if key_copied:
        summary.lines.append(f"  badge signing key: {key}")
    elif key is not None:
        summary.lines.append(
            f"  badge signing key: none yet ({key} is made when the first certificate is signed)"
        )
    else:
        summary.lines.append(
            "  badge signing key: none in a file (production names it in WBL_BADGE_KEY_FILE)"
        )
    return summary


def _app_version() -> str:
    try:
        return metadata.version("wbl")
    except metadata.PackageNotFoundError:
        import tomllib

        pyproject = Path(current_app.root_path).parent / "pyproject.toml"
        try:
            return str(tomllib.loads(pyproject.read_text())["project"]["version"])
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "unknown"


def _uploaded_files(root: Path) -> Iterator[tuple[Path, str]]:
    """Every stored file under ``root`` with its key; symbolic links are not followed (the
    storage writes none) and files still being written are left out."""
    for folder, folders, names in os.walk(root):
        folders.sort()
        for name in sorted(names):
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file() or name.endswith(PARTIAL_SUFFIX):
                continue
            yield path, path.relative_to(root).as_posix()


def _copy_uploads(source: Path, target: Path) -> list[BackupFile]:
    return [
        _copy_file(path, target / key, described_as=f"{UPLOADS}/{key}")
        for path, key in _uploaded_files(source)
    ]


def _copy_file(
    source: Path,
    target: Path,
    *,
    mode: int = 0o644,
    described_as: str | None = None,
    expected: str | None = None,
) -> BackupFile:
    """Copy, hashing on the way; written to a temporary name, flushed to disk, then renamed.
    With ``expected``, a copy whose SHA-256 differs is removed and refused."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + PARTIAL_SUFFIX)
    digest = hashlib.sha256()
    size = 0
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        if not mode & 0o077:
            os.fchmod(descriptor, mode)  # owner-only even if a stale partial file was wider
        with source.open("rb") as reader, os.fdopen(descriptor, "wb") as writer:
            while chunk := reader.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                writer.write(chunk)
            writer.flush()
            os.fsync(writer.fileno())
        if expected is not None and digest.hexdigest() != expected:
            raise BackupError(f"{source} changed while it was copied; nothing was replaced.")
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupFile(described_as or target.name, size, digest.hexdigest())


def _describe(folder: Path, path: Path) -> BackupFile:
    size, sha = _hash(path)
    return BackupFile(path.relative_to(folder).as_posix(), size, sha)


def _hash(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as reader:
        while chunk := reader.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _write_manifest(path: Path, manifest: Manifest) -> None:
    with path.open("w", encoding="utf-8") as writer:
        json.dump(manifest.as_json(), writer, indent=2, sort_keys=True)
        writer.write("\n")
        writer.flush()
        os.fsync(writer.fileno())


def _fsync(folder: Path) -> None:
    """A rename is durable once its folder is flushed."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _size(files: list[BackupFile]) -> str:
    total = float(sum(f.size for f in files))
    for unit in ("bytes", "KB", "MB", "GB"):
        if total < 1024 or unit == "GB":
            return f"{total:,.0f} {unit}" if unit == "bytes" else f"{total:,.1f} {unit}"
        total /= 1024
    return ""  # not reached: the loop returns at GB


# --------------------------------------------------------------------------- verify


def verify_backup(folder: Path) -> Manifest:
    """The backup's manifest, after every file it lists was read and found as it was
    written. Raises ``BackupError`` naming every problem."""
    path = folder / MANIFEST
    if not folder.is_dir():
        raise BackupError(f"{folder} is not a folder.")
    if not path.is_file():
        raise BackupError(
            f"{folder} has no {MANIFEST}: it is not a WBL backup, or it was never finished."
        )
    try:
        manifest = Manifest.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise BackupError(f"{path} is damaged or not a WBL backup manifest ({error}).") from None
    problems = []
    listed = {f.path for f in manifest.files}
    for needed in [DUMP_FILES[manifest.database], *([manifest.key] if manifest.key else [])]:
        if needed not in listed:
            problems.append(f"{needed}: not in the manifest")
    for entry in manifest.files:
        file = _inside(folder, entry.path)
        if file is None:
            problems.append(f"{entry.path}: not a path inside the backup")
        elif not file.is_file():
            problems.append(f"{entry.path}: missing")
        else:
            size, sha = _hash(file)
            if size != entry.size:
                problems.append(f"{entry.path}: {size:,} bytes, the manifest says {entry.size:,}")
            elif sha != entry.sha256:
                problems.append(f"{entry.path}: its SHA-256 is not the one in the manifest")
    if problems:
        raise BackupError(f"The backup in {folder} is damaged: " + "; ".join(problems) + ".")
    return manifest


def _inside(folder: Path, relative: str) -> Path | None:
    """``folder / relative`` when ``relative`` is a plain relative path (a manifest is data
    from disk: a ``..`` must not make a restore write outside the upload folder)."""
    parts = PurePosixPath(relative).parts
    if not parts or PurePosixPath(relative).is_absolute() or ".." in parts or "" in parts:
        return None
    return folder.joinpath(*parts)


# --------------------------------------------------------------------------- restore


def restore_backup(folder: Path, *, force: bool = False) -> Summary:
    """Restore the backup in ``folder`` into the app's database, upload folder and key file.

    Without ``force`` each must be empty or absent; with it, the database's tables are
    dropped first, the backup's files are written over the upload folder's (others stay),
    and a different key file is kept beside the restored one as ``<name>.before-restore-…``.
    """
    manifest = verify_backup(folder)
    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    kind = database.database_kind(uri)
    if kind != manifest.database:
        raise BackupError(
            f"This is a {manifest.database} backup and the app's database is {kind}: "
            "restore it into the same kind of database."
        )
    later = _check_revision(manifest.revision)
    uploads_root = Path(current_app.config["UPLOAD_FOLDER"])
    key_target = key_file()
    key_source = folder / manifest.key if manifest.key else None
    key_differs = (
        key_source is not None
        and key_target is not None
        and key_target.exists()
        and key_target.read_bytes() != key_source.read_bytes()
    )
    if not force:
        tables = database.tables_in(uri)
        refusals = []
        if tables:
            refusals.append(f"the database already has {len(tables)} tables")
        if any(True for _ in _uploaded_files(uploads_root)):
            refusals.append(f"the upload folder {uploads_root} already has files")
        if key_differs:
            refusals.append(f"{key_target} already holds a different signing key")
        if refusals:
            raise BackupError(
                "Nothing was restored: "
                + "; ".join(refusals)
                + ". Restore into an empty database and upload folder, or pass --force to "
                "replace what is there."
            )

    database.restore(uri, folder / DUMP_FILES[kind], replace=force)
    for entry in manifest.uploads:
        key = entry.path.removeprefix(f"{UPLOADS}/")
        target = _inside(uploads_root, key)
        if target is None:  # verify_backup read the same paths: not reached
            raise BackupError(f"{entry.path}: not a path inside the upload folder")
        _copy_file(folder / entry.path, target, expected=entry.sha256)
    key_line = _restore_key(key_source, key_target, replace=key_differs)

    restored = database.row_counts(uri)
    before, after = manifest.tables, restored.tables
    differences = [
        f"{table}: {before.get(table, 0):,} in the backup, {after.get(table, 0):,} now"
        for table in sorted(set(before) | set(after))
        if before.get(table, 0) != after.get(table, 0)
    ]
    if differences:
        raise BackupError(
            "The backup was restored, but the row counts differ: " + "; ".join(differences)
        )
    log.info("backup %s restored (%s rows, %s files)", folder, manifest.rows, len(manifest.files))
    summary = Summary(
        [
            f"Restored the backup of {manifest.created_at} from {folder}",
            f"  database: {kind}, migration {manifest.revision}, {len(after)} tables, "
            f"{sum(after.values()):,} rows (every table's count as in the manifest)",
            f"  uploaded files: {len(manifest.uploads):,} ({_size(manifest.uploads)}) "
            f"into {uploads_root}, checksums verified",
            f"  {key_line}",
        ]
    )
    if later:
        summary.lines.append(
            f"The backup's migration {manifest.revision} is older than this code's "
            f"{later}: run `flask --app wsgi db upgrade` before starting the app."
        )
    return summary


def _check_revision(revision: str | None) -> str | None:
    """Refuse a backup made by newer code (its revision is not in our history); return our
    head when the backup's revision is an older one (it needs ``db upgrade``)."""
    script = ScriptDirectory(current_app.extensions["migrate"].directory)
    head = script.get_current_head()
    if revision is None:
        raise BackupError("The backup's database has no migration revision (alembic_version).")
    known = {r.revision for r in script.walk_revisions()}
    if revision not in known:
        raise BackupError(
            f"The backup is at migration {revision}, which this code does not know (its "
            f"newest is {head}): it was made by a newer version of WBL. Restore it with that "
            "version or a later one."
        )
    return None if revision == head else head


def _restore_key(source: Path | None, target: Path | None, *, replace: bool) -> str:
    if source is None:
        return "badge signing key: none in the backup"
    if target is None:
        return (
            f"badge signing key: not restored, no file is configured; set WBL_BADGE_KEY_FILE "
            f"and copy {source} there (owner-only, 0600)"
        )
    if target.exists() and not replace:
        return f"badge signing key: {target} already holds it"
    if replace:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        kept = target.with_name(f"{target.name}.before-restore-{stamp}")
        target.rename(kept)
        _copy_file(source, target, mode=0o600)
        return f"badge signing key: restored to {target} (the one there was kept as {kept.name})"
    _copy_file(source, target, mode=0o600)
    return f"badge signing key: restored to {target}"
