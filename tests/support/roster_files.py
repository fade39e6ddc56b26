"""OneRoster bundles for tests: the documented example (docs/examples), copied and edited."""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
EXAMPLE = EXAMPLES / "oneroster-1.1"


def example_bundle(tmp_path: Path, version: str = "1.1", name: str = "roster") -> Path:
    """A copy of docs/examples/oneroster-<version> in ``tmp_path / name``."""
    target = tmp_path / name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(EXAMPLES / f"oneroster-{version}", target)
    return target


def read_rows(bundle: Path, name: str) -> list[dict[str, str]]:
    with (bundle / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write_rows(bundle: Path, name: str, rows: list[dict[str, str]]) -> None:
    with (bundle / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: row.get(column, "") for column in header})
    (bundle / f"{name}.csv").write_text(out.getvalue(), encoding="utf-8")


def edit_row(bundle: Path, name: str, sourced_id: str, /, **values: str) -> None:
    rows = read_rows(bundle, name)
    matched = [row for row in rows if row["sourcedId"] == sourced_id]
    assert matched, f"no {sourced_id} in {name}.csv"
    matched[0].update(values)
    write_rows(bundle, name, rows)


def add_row(bundle: Path, name: str, /, **values: str) -> None:
    write_rows(bundle, name, [*read_rows(bundle, name), values])


def drop_row(bundle: Path, name: str, sourced_id: str) -> None:
    rows = read_rows(bundle, name)
    write_rows(bundle, name, [row for row in rows if row["sourcedId"] != sourced_id])


def set_manifest(bundle: Path, **modes: str) -> None:
    """``set_manifest(bundle, users="delta")`` sets ``file.users`` in manifest.csv."""
    lines = (bundle / "manifest.csv").read_text(encoding="utf-8").splitlines()
    for name, mode in modes.items():
        key = f"file.{name},"
        lines = [f"{key}{mode}" if line.startswith(key) else line for line in lines]
    (bundle / "manifest.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def zipped(bundle: Path) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(bundle.glob("*.csv")):
            archive.write(path, path.name)
    return out.getvalue()


def example_zip(
    *, extra: dict[str, str] | None = None, replace: dict[str, str] | None = None
) -> bytes:
    """docs/examples/oneroster-1.1 as a .zip; ``extra`` appends lines to a file
    (``{"users.csv": "line\\n"}``), ``replace`` gives a file's whole text."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(EXAMPLE.glob("*.csv")):
            text = path.read_text(encoding="utf-8")
            if replace and path.name in replace:
                text = replace[path.name]
            if extra and path.name in extra:
                text = text + ("" if text.endswith("\n") else "\n") + extra[path.name]
            archive.writestr(path.name, text)
    return buffer.getvalue()
