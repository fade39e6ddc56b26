"""``flask roster import PATH [--dry-run]``: the lines it prints and its exit codes."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from tests.support.roster_files import add_row, example_bundle, zipped
from wbl.auth.models import User
from wbl.extensions import db


def _users() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0


def test_an_import_prints_one_line_per_entity_and_exits_0(app: Flask, tmp_path: Path) -> None:
    bundle = example_bundle(tmp_path)
    runner = app.test_cli_runner()

    result = runner.invoke(args=["roster", "import", str(bundle)])

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "orgs: 3 created, 0 updated, 0 unchanged, 0 deactivated",
        "users: 6 created, 0 updated, 0 unchanged, 0 deactivated",
        "guardians: 4 created, 0 updated, 0 unchanged, 0 deactivated",
        "classes: 2 created, 0 updated, 0 unchanged, 0 deactivated",
        "enrollments: 4 created, 0 updated, 0 unchanged, 0 deactivated",
    ]
    assert result.stderr.startswith("Importing the roster")  # the progress bar, on stderr

    archive = tmp_path / "roster.zip"
    archive.write_bytes(zipped(bundle))
    again = runner.invoke(args=["roster", "import", str(archive)])
    assert again.exit_code == 0
    assert again.stdout.splitlines()[1] == "users: 0 created, 0 updated, 6 unchanged, 0 deactivated"


def test_a_dry_run_says_so_and_writes_nothing(app: Flask, tmp_path: Path) -> None:
    before = _users()
    result = app.test_cli_runner().invoke(
        args=["roster", "import", str(example_bundle(tmp_path)), "--dry-run"]
    )
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:2] == [
        "Dry run (OneRoster 1.1): nothing was changed.",
        "orgs: 3 would be created, 0 would be updated, 0 unchanged, 0 would be deactivated",
    ]
    assert _users() == before


def test_problems_are_printed_and_exit_1_with_nothing_changed(app: Flask, tmp_path: Path) -> None:
    bundle = example_bundle(tmp_path)
    add_row(
        bundle,
        "enrollments",
        sourcedId="e-9",
        classSourcedId="cls-x",
        userSourcedId="s-1001",
        role="student",
    )
    before = _users()

    result = app.test_cli_runner().invoke(args=["roster", "import", str(bundle)])

    assert result.exit_code == 1
    assert "enrollments.csv row 8: classSourcedId: unknown class 'cls-x'" in result.stderr
    assert "1 problem found; nothing was imported." in result.stderr
    assert result.stdout == ""
    assert _users() == before
