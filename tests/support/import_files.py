"""Build partner and offering files (CSV or XLSX) for the import tests."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Sequence
from datetime import date

_seq = itertools.count(1)


def partner_row(**overrides: object) -> dict[str, object]:
    """A valid partners-file row (a compliant partner in Santa Rosa)."""
    n = next(_seq)
    row: dict[str, object] = {
        "external_id": f"P-{n:04d}",
        "name": f"Imported Partner {n}",
        "sector": "health",
        "street_address": "1 Main St",
        "city": "Santa Rosa",
        "zip": "95401",
        "website": "https://example.org",
        "phone": "707-555-0100",
        "description": "A partner from a file.",
        "endorses_certificate": "yes",
        "worksite_agreement_date": "2025-08-01",
        "worksite_agreement_expiry": "",
        "insurance_expiry": "2030-01-01",
        "active": "yes",
    }
    row.update(overrides)
    return row


def offering_row(partner_external_id: str, **overrides: object) -> dict[str, object]:
    """A valid offerings-file row for the partner with that external id."""
    n = next(_seq)
    row: dict[str, object] = {
        "external_id": f"O-{n:04d}",
        "partner_external_id": partner_external_id,
        "type": "job_shadow",
        "title": f"Imported shadow {n}",
        "description": "Follow a nurse for a morning.",
        "zip": "",
        "virtual": "no",
        "capacity": "2",
        "start_date": "2030-02-03",
        "end_date": "2030-02-04",
        "min_grade": "11",
        "paid": "no",
        "pathways": "health.patient_care",
        "outcomes": "curious; Communicator",
        "prerequisites": "",
        "status": "draft",
    }
    row.update(overrides)
    return row


def _columns(rows: Sequence[dict[str, object]], columns: Sequence[str] | None) -> list[str]:
    if columns is not None:
        return list(columns)
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    return list(names)


def csv_bytes(
    rows: Sequence[dict[str, object]],
    *,
    columns: Sequence[str] | None = None,
    bom: bool = False,
    encoding: str = "utf-8",
) -> bytes:
    """The rows as Excel writes CSV (quoted where needed, CRLF line ends)."""
    header = _columns(rows, columns)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, dialect="excel")
    writer.writerow(header)
    writer.writerows([row.get(name, "") for name in header] for row in rows)
    data = buffer.getvalue().encode(encoding)
    return b"\xef\xbb\xbf" + data if bom else data


def xlsx_bytes(rows: Sequence[dict[str, object]], *, columns: Sequence[str] | None = None) -> bytes:
    """The rows in a workbook's first sheet; ISO date strings become real date cells."""
    from openpyxl import Workbook

    header = _columns(rows, columns)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        values: list[object] = []
        for name in header:
            value = row.get(name, "")
            if isinstance(value, str) and len(value) == 10 and value[4:5] == "-":
                value = date.fromisoformat(value)
            values.append(value if value != "" else None)
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
