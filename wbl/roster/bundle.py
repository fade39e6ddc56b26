"""Reading a OneRoster CSV bulk file set (1EdTech OneRoster 1.1 and 1.2, CSV binding): a folder
or a .zip holding ``manifest.csv`` and the data files it names.

Only reading and shape are checked here (the manifest, the version, the files it promises,
the columns each file needs, duplicate ``sourcedId``); what the rows mean is checked by
the planning (``wbl.roster.plan_*``). Every problem names its file, row and column, and
nothing is raised for a bad file: the caller gets the problems and imports nothing.
"""

from __future__ import annotations

import csv
import enum
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from wbl.imports.report import Problem

MAX_FILE_BYTES = 512 * 1024 * 1024  # one unpacked CSV; 50,000 users are about 10 MB
MAX_BUNDLE_BYTES = 512 * 1024 * 1024  # all the files WBL reads, unpacked: a county is ~30 MB
MAX_ZIP_MEMBERS = 64

# The data files WBL reads; a bundle may hold others (lineItems, results, ...), which are left.
FILES = (
    "orgs",
    "academicSessions",
    "courses",
    "classes",
    "users",
    "roles",
    "enrollments",
    "demographics",
)

# The columns WBL needs in each file (the specification has more; extra columns are allowed).
REQUIRED_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "1.1": {
        "orgs": ("sourcedId", "name", "type"),
        "academicSessions": ("sourcedId", "title", "type", "startDate", "endDate"),
        "courses": ("sourcedId", "title"),
        "classes": ("sourcedId", "title", "courseSourcedId", "schoolSourcedId"),
        "users": ("sourcedId", "orgSourcedIds", "role", "givenName", "familyName"),
        "enrollments": ("sourcedId", "classSourcedId", "userSourcedId", "role"),
        "demographics": ("sourcedId",),
        "roles": (),
    },
    "1.2": {
        "orgs": ("sourcedId", "name", "type"),
        "academicSessions": ("sourcedId", "title", "type", "startDate", "endDate"),
        "courses": ("sourcedId", "title"),
        "classes": ("sourcedId", "title", "courseSourcedId", "schoolSourcedId"),
        "users": ("sourcedId", "givenName", "familyName"),
        "roles": ("sourcedId", "userSourcedId", "roleType", "role", "orgSourcedId"),
        "enrollments": ("sourcedId", "classSourcedId", "userSourcedId", "role"),
        "demographics": ("sourcedId",),
    },
}

VERSIONS = tuple(REQUIRED_COLUMNS)


class Mode(enum.StrEnum):
    """What the manifest says of a file: the whole roster, only changes, or not supplied."""

    BULK = "bulk"
    DELTA = "delta"
    ABSENT = "absent"


@dataclass(slots=True)
class Row:
    """One data row: its line number in the file (the header is row 1) and its cells.

    The cells are a tuple in the header's order, stripped of surrounding spaces when read,
    with ``columns`` (column → position) shared by every row of the file: a dict per row made
    200,000 enrollments take about 250 MB."""

    number: int
    values: tuple[str, ...]
    columns: dict[str, int]

    def get(self, column: str) -> str:
        position = self.columns.get(column)
        return "" if position is None else self.values[position]


@dataclass(slots=True)
class Bundle:
    version: str = ""
    modes: dict[str, Mode] = field(default_factory=dict)
    tables: dict[str, list[Row]] = field(default_factory=dict)
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # A problem that leaves a file unread (no manifest, a missing column, not CSV): the rows
    # cannot be checked further. Row problems (a duplicate sourcedId) still let them be.
    fatal: bool = False
    shared_values: dict[str, str] = field(default_factory=dict, repr=False)

    def rows(self, name: str) -> list[Row]:
        return self.tables.get(name, [])

    def mode(self, name: str) -> Mode:
        return self.modes.get(name, Mode.ABSENT)

    def problem(self, name: str, row: int | None, column: str, message: str) -> None:
        self.problems.append(Problem(row, column, message, file=f"{name}.csv"))

    def unreadable(self, name: str, row: int | None, column: str, message: str) -> None:
        self.problem(name, row, column, message)
        self.fatal = True


class _Source:
    """The files of a folder or of a zip, by name (case as written)."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    def read(self, filename: str) -> bytes | None:
        return self.files.get(filename)


def _from_folder(path: Path) -> dict[str, bytes]:
    files = {}
    for name in ("manifest", *FILES):
        member = path / f"{name}.csv"
        if member.is_file():
            if member.stat().st_size > MAX_FILE_BYTES:
                raise _BadSource(f"{name}.csv is larger than {MAX_FILE_BYTES // 2**20} MB")
            files[f"{name}.csv"] = member.read_bytes()
    return files


class _BadSource(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _from_zip(data: bytes) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise _BadSource("this is not a .zip file (export the OneRoster files as a zip)") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > MAX_ZIP_MEMBERS:
            raise _BadSource(f"the zip holds more than {MAX_ZIP_MEMBERS} files")
        wanted = {f"{name}.csv" for name in ("manifest", *FILES)}
        # Sizes as the zip declares them (reading never unpacks more than that): a small
        # upload must not unpack into gigabytes before anything is checked.
        unpacked = sum(m.file_size for m in members if m.filename.rsplit("/", 1)[-1] in wanted)
        if unpacked > MAX_BUNDLE_BYTES:
            raise _BadSource(
                f"the files unpack to more than {MAX_BUNDLE_BYTES // 2**20} MB; "
                "import the roster in parts (a delta file)"
            )
        files: dict[str, bytes] = {}
        for member in members:
            # OneRoster zips hold the files at the top; some tools add one folder above them.
            name = member.filename.rsplit("/", 1)[-1]
            if name not in wanted:
                continue
            if name in files:
                raise _BadSource(f"the zip holds {name} twice")
            if member.file_size > MAX_FILE_BYTES:
                raise _BadSource(f"{name} is larger than {MAX_FILE_BYTES // 2**20} MB")
            try:
                files[name] = archive.read(member)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError) as error:
                raise _BadSource(f"{name} cannot be read from the zip ({error})") from None
        return files


def _records(name: str, data: bytes, bundle: Bundle) -> Iterator[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        bundle.unreadable(name, None, "", f"is not UTF-8 text (byte {error.start}); save as UTF-8")
        return
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for values in reader:
            yield reader.line_num, values
    except csv.Error as error:
        bundle.unreadable(name, reader.line_num, "", f"is not valid CSV ({error})")


def _table(name: str, data: bytes, bundle: Bundle) -> None:
    records = _records(name, data, bundle)
    header = next(records, None)
    if header is None:
        if not any(p.file == f"{name}.csv" for p in bundle.problems):
            bundle.unreadable(name, None, "", "is empty: it needs a header row")
        return
    columns = tuple(c.strip() for c in header[1])
    duplicates = sorted({c for c in columns if columns.count(c) > 1})
    if duplicates:
        bundle.unreadable(name, 1, duplicates[0], "this column appears twice in the header")
        return
    required = REQUIRED_COLUMNS[bundle.version].get(name, ())
    missing = [c for c in required if c not in columns]
    for column in missing:
        bundle.unreadable(name, 1, column, "this column is missing from the header")
    if missing:
        return
    rows: list[Row] = []
    seen: dict[str, int] = {}
    width = len(columns)
    positions = {column: position for position, column in enumerate(columns)}
    # One string object per distinct value: dates, roles, school and class ids repeat on
    # thousands of rows (about a third of the memory the files take once read).
    share = bundle.shared_values.setdefault
    id_position = positions.get("sourcedId")
    for line, values in records:
        cells = list(map(str.strip, values))
        if not any(cells):  # a blank line
            continue
        if len(cells) != width:
            bundle.problem(
                name, line, "", f"has {len(cells)} values where the header has {width} columns"
            )
            continue
        row = Row(line, tuple(map(share, cells, cells)), positions)
        sourced_id = "" if id_position is None else row.values[id_position]
        if not sourced_id:
            bundle.problem(name, line, "sourcedId", "is empty")
            continue
        if sourced_id in seen:
            bundle.problem(
                name,
                line,
                "sourcedId",
                f"duplicate sourcedId {sourced_id!r} (row {seen[sourced_id]})",
            )
            continue
        seen[sourced_id] = line
        rows.append(row)
    bundle.tables[name] = rows
    bundle.columns[name] = columns


def _manifest(data: bytes, bundle: Bundle) -> dict[str, str]:
    properties: dict[str, str] = {}
    records = _records("manifest", data, bundle)
    header = next(records, None)
    if header is None or [c.strip() for c in header[1][:2]] != ["propertyName", "value"]:
        bundle.unreadable("manifest", 1, "", "needs the header propertyName,value")
        return properties
    for line, values in records:
        if len(values) < 2 or not values[0].strip():
            continue
        properties[values[0].strip()] = values[1].strip()
        del line
    return properties


def read_bundle(path_or_zip: Path | bytes) -> Bundle:
    """Read a OneRoster bundle: a folder (a ``Path``), or a .zip (a path to one, or its
    bytes). Problems are in ``bundle.problems``."""
    bundle = Bundle()
    try:
        if isinstance(path_or_zip, Path) and path_or_zip.is_dir():
            files = _from_folder(path_or_zip)
        elif isinstance(path_or_zip, Path):
            if not path_or_zip.is_file():
                raise _BadSource(f"{path_or_zip} is neither a folder nor a file")
            files = _from_zip(path_or_zip.read_bytes())
        else:
            files = _from_zip(path_or_zip)
    except _BadSource as error:
        bundle.problems.append(Problem(None, "", error.message, file="bundle"))
        bundle.fatal = True
        return bundle
    source = _Source(files)
    manifest = source.read("manifest.csv")
    if manifest is None:
        bundle.problems.append(
            Problem(
                None, "", "manifest.csv is missing (OneRoster bundles start with it)", file="bundle"
            )
        )
        bundle.fatal = True
        return bundle
    properties = _manifest(manifest, bundle)
    if bundle.fatal:
        return bundle
    version = properties.get("oneroster.version", "")
    if version not in VERSIONS:
        bundle.unreadable(
            "manifest",
            None,
            "oneroster.version",
            f"{version or 'nothing'} is not a version WBL reads (1.1 or 1.2)",
        )
        return bundle
    bundle.version = version
    for name in FILES:
        declared = properties.get(f"file.{name}", "absent").lower()
        try:
            mode = Mode(declared)
        except ValueError:
            bundle.unreadable(
                "manifest", None, f"file.{name}", f"{declared!r} is not bulk, delta or absent"
            )
            continue
        data = source.read(f"{name}.csv")
        if mode is Mode.ABSENT:
            continue
        if data is None:
            bundle.unreadable(name, None, "", f"is missing, though the manifest says {mode.value}")
            continue
        bundle.modes[name] = mode
        _table(name, data, bundle)
    if (
        version == "1.2"
        and bundle.mode("users") is not Mode.ABSENT
        and bundle.mode("roles") is Mode.ABSENT
    ):
        bundle.unreadable(
            "roles", None, "", "is missing: OneRoster 1.2 gives each user's roles in roles.csv"
        )
    return bundle
