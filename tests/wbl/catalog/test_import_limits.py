"""No spreadsheet keeps a worker busy: every upload (partners, offerings, credentials, WorkKeys
scores) is read by ``imports.read_table``, which refuses an oversized file before the work it
would cost — the unpacked size from the zip directory and the size a sheet declares before any
row is parsed, the rest while rows stream in — with a message that says what to do."""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from openpyxl.worksheet._reader import WorkSheetParser

from tests.support.builders import make_user
from tests.support.import_files import csv_bytes, partner_row, xlsx_bytes
from wbl.access import Role
from wbl.catalog import imports
from wbl.catalog.imports import What
from wbl.credentials import imports as credential_imports
from wbl.credentials.imports import Holds
from wbl.imports import reading

_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.openxmlformats'
        '.org/officeDocument/2006/relationships/officeDocument"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Partners" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>'
    ),
}


def workbook(rows: Iterable[str], *, dimension: str | None) -> bytes:
    """An .xlsx written part by part, as a hostile or careless program may write one."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            )
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            for row in rows:
                sheet.write(row.encode())
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def row(number: int, *values: str, column: str = "A") -> str:
    cells = "".join(
        f'<c r="{chr(ord(column) + i)}{number}" t="inlineStr"><is><t>{v}</t></is></c>'
        for i, v in enumerate(values)
    )
    return f'<row r="{number}">{cells}</row>'


def three_million_rows() -> bytes:
    """The issue's file: a few hundred kilobytes whose sheet declares 3,000,000 rows, with a
    value every 900 rows so that no run of blank rows ends the reading early."""
    rows = [row(1, "external_id", "name")]
    rows += (row(n, f"P-{n}", "x") for n in range(2, 3_000_001, 900))
    return workbook(rows, dimension="A1:XFD3000000")


@pytest.fixture
def rows_parsed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the rows openpyxl parses (the work the limits are there to avoid)."""
    parsed: list[int] = []
    parse_row = WorkSheetParser.parse_row

    def counting(self: WorkSheetParser, element: Any) -> Any:
        parsed.append(1)
        return parse_row(self, element)

    monkeypatch.setattr(WorkSheetParser, "parse_row", counting)
    return parsed


def _catalog(what: What) -> Callable[[bytes, str], imports.ImportReport]:
    return lambda data, name: imports.import_file(what, data, name, dry_run=True)


def _credentials(holds: Holds) -> Callable[[bytes, str], imports.ImportReport]:
    def run(data: bytes, name: str) -> imports.ImportReport:
        return credential_imports.import_file(
            make_user(roles={Role.STAFF}), holds, data, name, dry_run=True
        )

    return run


EVERY_IMPORT = pytest.mark.parametrize(
    "check",
    [
        _catalog(What.PARTNERS),
        _catalog(What.OFFERINGS),
        _credentials(Holds.CREDENTIALS),
        _credentials(Holds.SCORES),
    ],
    ids=["partners", "offerings", "credentials", "workkeys"],
)


def _messages(report: imports.ImportReport) -> list[str]:
    return [str(p) for p in report.problems]


@EVERY_IMPORT
def test_a_small_file_declaring_three_million_rows_is_refused_before_a_row_is_read(
    check: Callable[[bytes, str], imports.ImportReport], rows_parsed: list[int]
) -> None:
    data = three_million_rows()
    assert len(data) < 500 * 1024
    started = time.perf_counter()
    report = check(data, "catalog.xlsx")
    elapsed = time.perf_counter() - started
    assert _messages(report) == [
        "file: The sheet says it has 3,000,000 rows; at most 20,000 rows are read, blank ones "
        "included. If the rows below your data are empty, delete them (or copy the data into "
        "a new workbook) and save again; otherwise split the file."
    ]
    assert rows_parsed == []
    assert elapsed < 2  # the bound: the worker was killed after 30 s


def test_a_sheet_declaring_too_many_columns_is_refused_before_a_row_is_read(
    rows_parsed: list[int],
) -> None:
    data = workbook([row(1, "external_id")], dimension="A1:XFD3")
    report = imports.import_file(What.PARTNERS, data, "p.xlsx", dry_run=True)
    assert _messages(report) == [
        "file: The sheet is 16,384 columns wide; at most 100 are read. Delete the columns "
        "right of your data, or copy the data into a new workbook."
    ]
    assert rows_parsed == []


def test_a_sheet_that_understates_its_size_is_still_stopped_while_streaming(
    monkeypatch: pytest.MonkeyPatch, rows_parsed: list[int]
) -> None:
    monkeypatch.setattr(reading, "MAX_SHEET_ROWS", 40)
    rows = [row(1, "external_id", "name")] + [row(n, f"P-{n}", "x") for n in range(2, 5000)]
    report = imports.import_file(
        What.PARTNERS, workbook(rows, dimension="A1:B2"), "p.xlsx", dry_run=True
    )
    assert _messages(report)[0].startswith("file: The sheet has more than 40 rows;")
    assert len(rows_parsed) == 41  # stopped at the limit, not at the end


def test_a_value_past_the_column_limit_of_an_undeclared_sheet_is_refused() -> None:
    rows = [row(1, "external_id"), row(2, "x", column="A").replace('r="A2"', 'r="CW2"')]
    report = imports.import_file(
        What.PARTNERS, workbook(rows, dimension=None), "p.xlsx", dry_run=True
    )
    assert _messages(report)[0].startswith("file: The sheet is more than 100 columns wide;")


def test_styled_cells_far_right_cost_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """One empty styled cell at column 16,384 on every row: rows are cut, not padded out."""
    rows = [row(1, "external_id", "name")]
    rows += (
        f'<row r="{n}"><c r="A{n}"><v>{n}</v></c><c r="XFD{n}" s="0"/></row>'
        for n in range(2, 2000)
    )
    table = reading.read_table(workbook(rows, dimension=None), "p.xlsx")
    assert len(table.rows) == 1998
    assert max(len(cells) for _, cells in table.rows) == 1


def test_a_workbook_that_unpacks_past_the_limit_is_refused_before_a_row_is_read(
    rows_parsed: list[int],
) -> None:
    padding = " " * (32 * 1024 * 1024)  # the documented limit; compresses to almost nothing
    data = workbook([row(1, "external_id"), padding], dimension="A1:A1")
    assert len(data) < reading.MAX_FILE_BYTES
    report = imports.import_file(What.PARTNERS, data, "p.xlsx", dry_run=True)
    assert _messages(report) == [
        "file: The workbook is too large once unpacked. Split it into smaller files."
    ]
    assert rows_parsed == []


def test_a_sheet_formatted_below_its_data_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blank formatted rows within the limit are no problem: the data is imported."""
    exported = xlsx_bytes([partner_row(external_id="F-1"), partner_row(external_id="F-2")])
    data = _with_dimension(exported, "A1:N15000")
    report = imports.import_file(What.PARTNERS, data, "p.xlsx", dry_run=True)
    assert report.ok, _messages(report)
    assert report.rows == 2


def _with_dimension(data: bytes, ref: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                content = re.sub(
                    rb"(<worksheet[^>]*>)", rb'\1<dimension ref="' + ref.encode() + rb'"/>', content
                )
            target.writestr(info, content)
    return buffer.getvalue()


# --- CSV -----------------------------------------------------------------------------------


def test_a_csv_longer_than_the_sheet_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_SHEET_ROWS", 30)
    monkeypatch.setattr(reading, "MAX_BLANK_RUN", 10_000)
    data = csv_bytes([partner_row()]) + b"\r\n" * 100
    report = imports.import_file(What.PARTNERS, data, "p.csv", dry_run=True)
    assert _messages(report)[0].startswith("file: The sheet has more than 30 rows;")


def test_a_csv_wider_than_the_limit_is_refused_but_trailing_commas_are_not() -> None:
    wide = b"external_id" + b",x" * 150 + b"\r\n"
    report = imports.import_file(What.PARTNERS, wide, "p.csv", dry_run=True)
    assert _messages(report)[0].startswith("file: The sheet is more than 100 columns wide;")
    trailing = csv_bytes([partner_row(external_id="T-1")]).replace(b"\r\n", b"," * 300 + b"\r\n")
    report = imports.import_file(What.PARTNERS, trailing, "p.csv", dry_run=True)
    assert report.ok, _messages(report)


# --- through the pages ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/catalog/import/", "/credentials/catalog/import", "/credentials/workkeys/import"]
)
def test_every_upload_page_refuses_the_file_with_its_message(
    client, login_as, post_form, url: str
) -> None:
    login_as(make_user(roles={Role.STAFF}))
    form: dict[str, object] = {"file": (io.BytesIO(three_million_rows()), "catalog.xlsx")}
    if url == "/catalog/import/":
        form["what"] = "offerings"
    response = post_form(url, form)
    assert response.status_code == 200
    assert "The sheet says it has 3,000,000 rows" in response.get_data(as_text=True)
