"""``flask import`` and ``flask export``: exit codes, the problem lines, and --dry-run."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import select

from tests.support.import_files import csv_bytes, offering_row, partner_row, xlsx_bytes
from wbl.catalog.models import Offering, Partner
from wbl.extensions import db


def _partner(external_id: str) -> Partner | None:
    return db.session.scalar(select(Partner).where(Partner.external_id == external_id))


def _write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_a_clean_file_imports_and_exits_0(app: Flask, tmp_path: Path) -> None:
    file = _write(tmp_path, "partners.csv", csv_bytes([partner_row(external_id="C-1")]))
    result = app.test_cli_runner().invoke(args=["import", "partners", file])
    assert result.exit_code == 0, result.output
    assert "1 partner checked: 1 created, 0 updated, 0 unchanged." in result.output
    assert _partner("C-1") is not None

    again = app.test_cli_runner().invoke(args=["import", "partners", file])
    assert again.exit_code == 0
    assert "0 created, 0 updated, 1 unchanged" in again.output


def test_a_bad_file_prints_every_problem_imports_nothing_and_exits_1(
    app: Flask, tmp_path: Path
) -> None:
    rows = [partner_row(external_id="C-1"), partner_row(sector="nope", zip="123")]
    file = _write(tmp_path, "partners.csv", csv_bytes(rows))
    result = app.test_cli_runner().invoke(args=["import", "partners", file])
    assert result.exit_code == 1
    assert "row 3: sector: unknown sector “nope”" in result.output
    assert "row 3: zip: “123” is not a ZIP code; write five digits" in result.output
    assert "2 problems found; nothing was imported" in result.output
    assert _partner("C-1") is None


def test_dry_run_checks_but_writes_nothing(app: Flask, tmp_path: Path) -> None:
    file = _write(tmp_path, "partners.xlsx", xlsx_bytes([partner_row(external_id="C-1")]))
    result = app.test_cli_runner().invoke(args=["import", "partners", file, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Dry run: 1 partner checked: 1 would be created" in result.output
    assert _partner("C-1") is None


def test_offerings_import_after_their_partners(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    partners = _write(tmp_path, "p.csv", csv_bytes([partner_row(external_id="C-1")]))
    offerings = _write(tmp_path, "o.csv", csv_bytes([offering_row("C-1", external_id="CO-1")]))
    assert runner.invoke(args=["import", "offerings", offerings]).exit_code == 1
    assert runner.invoke(args=["import", "partners", partners]).exit_code == 0
    result = runner.invoke(args=["import", "offerings", offerings])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Offering).where(Offering.external_id == "CO-1")) is not None


def test_a_corrupt_workbook_is_a_clear_error(app: Flask, tmp_path: Path) -> None:
    file = _write(tmp_path, "p.xlsx", b"PK\x03\x04broken")
    result = app.test_cli_runner().invoke(args=["import", "partners", file])
    assert result.exit_code == 1
    assert "file: The file is not a readable Excel workbook" in result.output


def test_export_writes_a_file_the_import_takes_back_unchanged(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    source = _write(tmp_path, "in.csv", csv_bytes([partner_row(external_id="C-1")]))
    assert runner.invoke(args=["import", "partners", source]).exit_code == 0
    for name in ("out.csv", "out.xlsx"):
        target = str(tmp_path / name)
        result = runner.invoke(args=["export", "partners", target])
        assert result.exit_code == 0, result.output
        assert f"to {target}" in result.output
        again = runner.invoke(args=["import", "partners", target])
        assert again.exit_code == 0, again.output
        assert "0 created, 0 updated" in again.output


def test_export_refuses_other_file_types(app: Flask, tmp_path: Path) -> None:
    result = app.test_cli_runner().invoke(args=["export", "offerings", str(tmp_path / "o.txt")])
    assert result.exit_code == 2
    assert ".csv or .xlsx" in result.output
