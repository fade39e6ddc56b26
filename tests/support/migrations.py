"""Helpers for the migration tests: a schema snapshot two databases can be compared by, and
the schema a database has when it was upgraded with the *original* text of the revisions that
were edited after they were committed (0011–0015; 0001's edit only removed comments).

Why not run the original revision files? Tests must not need git, and keeping five old
revision files beside the real ones would be a second migration history to maintain. Every
one of those edits only *added* something (columns, a table, indexes, unique constraints), so
"today's 0015 minus what the edits added" is the original schema. That was checked once,
when revision 0016 was written, against a database built from the original files out of git
history: the two snapshots were equal (apart from column order, which no query depends on
and `schema_snapshot` ignores).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Connection, MetaData, Table, inspect
from sqlalchemy.engine import Engine

from wbl.scheduler import JOB_TABLE

# What the edits after commit added, revision by revision (0016 adds each back when missing).
EDITS_AFTER_COMMIT = {
    "0011": "outbox_message.attachment_name, attachment_type, attachment_text",
    "0012": "the partial unique index uq_student_credential_live",
    "0013": "pathway_rule.preset and uq_pathway_rule_district_id_preset",
    "0014": "incentive_completion.name_key and uq_incentive_completion_once",
    "0015": "externship.cancel_reason, cancelled_by_id (with its foreign key), cancelled_at; "
    "the table externship_hour_event",
}


def undo_edits_after_commit(connection: Connection) -> None:
    """Turn a database at today's 0015 into one upgraded with the original 0011–0015."""
    op = Operations(MigrationContext.configure(connection))
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("attachment_name")
        batch.drop_column("attachment_type")
        batch.drop_column("attachment_text")
    op.drop_index("uq_student_credential_live", table_name="student_credential")
    with op.batch_alter_table("pathway_rule") as batch:
        batch.drop_constraint("uq_pathway_rule_district_id_preset", type_="unique")
        batch.drop_column("preset")
    with op.batch_alter_table("incentive_completion") as batch:
        batch.drop_constraint("uq_incentive_completion_once", type_="unique")
        batch.drop_column("name_key")
    op.drop_table("externship_hour_event")
    with op.batch_alter_table("externship") as batch:
        batch.drop_constraint("fk_externship_cancelled_by_id_user_account", type_="foreignkey")
        batch.drop_column("cancel_reason")
        batch.drop_column("cancelled_by_id")
        batch.drop_column("cancelled_at")


_AT = datetime(2026, 11, 24, 9, 30)  # noqa: DTZ001 - naive UTC, as UTCDateTime stores it
_PLACE = {"city": "Santa Rosa", "zip": "95401"}

# Rows as a database upgraded with the original 0011–0015 holds them (no name_key, no
# cancel_reason, no attachment columns): one of each kind revision 0016 touches. Written as
# plain rows of that frozen schema, never through today's models, which later revisions change.
ROWS_BEFORE_THE_EDITS: list[tuple[str, list[dict[str, Any]]]] = [
    ("district", [{"id": 1, "name": "Valley Unified", "code": "VU", "active": True}]),
    ("school", [{"id": 1, "district_id": 1, "name": "Valley High", "active": True, **_PLACE}]),
    (
        "user_account",
        [
            {
                "id": user_id,
                "email": f"{name.lower()}@example.org",
                "full_name": name,
                "active": True,
                "is_demo": False,
                "created_at": _AT,
                "district_id": 1,
                "school_id": 1,
            }
            for user_id, name in ((1, "Staff"), (2, "Student"), (3, "Teacher"))
        ],
    ),
    (
        "student_profile",
        [
            {
                "id": 1,
                "user_id": 2,
                "school_id": 1,
                "grade": 11,
                "graduation_year": 2028,
                "date_of_birth": date(2009, 5, 1),
                "home_zip": "95401",
                "max_travel_miles": 10,
                "transportation": "car",
                "interests": "",
                "availability": {},
                "guardian_name": "",
                "guardian_email": "",
            }
        ],
    ),
    (
        "industry_sector",
        [
            {
                "id": 1,
                "code": "food",
                "name": "Sector",
                "description": "",
                "position": 1,
                "active": True,
            }
        ],
    ),
    (
        "credential",
        [
            {
                "id": 1,
                "name": "ServSafe Food Handler",
                "issuer": "NRA",
                "sector_id": 1,
                "points": 3,
                "incentive_qualified": True,
                "active": True,
                "created_at": _AT,
                "updated_at": _AT,
            }
        ],
    ),
    (
        "student_credential",
        [
            # A rejected record and its verified re-recording: allowed by the live-only index.
            {
                "id": record_id,
                "student_id": 1,
                "credential_id": 1,
                "earned_on": date(2026, 10, 1),
                "status": status,
                "file_key": "",
                "file_name": "",
                "content_type": "",
                "file_size": 0,
                "note": "",
                "recorded_by_id": 2,
                "recorded_at": _AT,
                "reject_reason": reason,
            }
            for record_id, status, reason in ((1, "rejected", "Blurred scan"), (2, "verified", ""))
        ],
    ),
    (
        "incentive_completion",
        [
            {
                "id": completion_id,
                "student_id": 1,
                "completion_type": kind,
                "name": name,
                "completed_on": date(2026, 6, 1),
                "note": "",
                "entered_by_id": 1,
                "entered_at": _AT,
            }
            for completion_id, kind, name in (
                (1, "ap_course", "AP Biology "),
                (2, "pre_apprenticeship", "ÉLECTRICITÉ Pré-apprentissage"),
            )
        ],
    ),
    (
        "pathway_rule",
        [
            {
                "id": 1,
                "district_id": 1,
                "kind": "wbl_hours",
                "name": "250 hours",
                "description": "",
                "params": {"hours": 250},
                "position": 1,
                "active": True,
                "created_at": _AT,
                "updated_at": _AT,
            }
        ],
    ),
    (
        "partner",
        [
            {
                "id": 1,
                "name": "Valley Bakery",
                "sector_id": 1,
                "street_address": "1 Main St",
                "website": "",
                "phone": "",
                "description": "",
                "endorses_certificate": False,
                "active": True,
                "created_at": _AT,
                **_PLACE,
            }
        ],
    ),
    (
        "offering",
        [
            {
                "id": 1,
                "partner_id": 1,
                "kind": "internship",
                "title": "Baker's helper",
                "description": "",
                "skills": "",
                "location": "Santa Rosa",
                "zip": "95401",
                "is_virtual": False,
                "capacity": 2,
                "seats_taken": 0,
                "paid": True,
                "status": "published",
                "created_at": _AT,
                "updated_at": _AT,
                "schedule": "Saturdays",
            }
        ],
    ),
    (
        "externship",
        [
            {
                "id": 1,
                "partner_id": 1,
                "title": "Summer in the bakery",
                "description": "",
                "starts_on": date(2027, 6, 14),
                "ends_on": date(2027, 6, 25),
                "seats": 2,
                "seats_taken": 0,
                "min_team_size": 2,
                "status": "open",
                "created_by_id": 1,
                "created_at": _AT,
            }
        ],
    ),
    (
        "outbox_message",
        [
            {
                "id": 1,
                "kind": "welcome",
                "to_email": "student@example.org",
                "subject": "Welcome",
                "body_text": "Hello",
                "created_at": _AT,
                "attempts": 0,
                "last_error": "",
            }
        ],
    ),
]


def insert_rows(connection: Connection, rows: list[tuple[str, list[dict[str, Any]]]]) -> None:
    """Insert plain rows into the tables as the live database has them."""
    metadata = MetaData()
    for name, table_rows in rows:
        table = Table(name, metadata, autoload_with=connection)
        connection.execute(table.insert(), table_rows)


def _text(value: Any) -> str:
    """A reflected SQL fragment (a CHECK, an index's WHERE), with its spacing normalised."""
    return re.sub(r"\s+", " ", str(getattr(value, "text", value))).strip()


def schema_snapshot(bind: Engine | Connection) -> dict[str, dict[str, Any]]:
    """Every table's columns (by name: type, nullability, server default), primary key,
    foreign keys (with ON DELETE), indexes (with a partial index's WHERE), unique and CHECK
    constraints — plain data, so two snapshots compare with ``==`` and pytest shows the diff.
    Alembic's compare_metadata does not look at CHECK constraints or index predicates; this
    does. Column order is left out: it differs between a column created with its table and
    one added later, and nothing depends on it."""
    inspector = inspect(bind)
    columns = inspector.get_multi_columns()
    primary_keys = inspector.get_multi_pk_constraint()
    foreign_keys = inspector.get_multi_foreign_keys()
    indexes = inspector.get_multi_indexes()
    uniques = inspector.get_multi_unique_constraints()
    checks = inspector.get_multi_check_constraints()
    snapshot: dict[str, dict[str, Any]] = {}
    for key in sorted(columns, key=lambda k: k[1]):
        table = key[1]
        if table in {"alembic_version", JOB_TABLE}:
            continue
        snapshot[table] = {
            "columns": {
                column["name"]: (
                    str(column["type"]),
                    column["nullable"],
                    None if column.get("default") is None else _text(column["default"]),
                )
                for column in columns[key]
            },
            "primary_key": (
                primary_keys[key].get("name"),
                tuple(primary_keys[key]["constrained_columns"]),
            ),
            "foreign_keys": sorted(
                (
                    fk["name"] or "",
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                    str(fk.get("options", {}).get("ondelete", "")).upper(),
                )
                for fk in foreign_keys[key]
            ),
            "indexes": sorted(
                (
                    index["name"] or "",
                    tuple(str(c) for c in index["column_names"]),
                    bool(index["unique"]),
                    sorted(
                        (option, _text(value))
                        for option, value in index.get("dialect_options", {}).items()
                        if option.endswith("_where")
                    ),
                )
                for index in indexes[key]
            ),
            "unique_constraints": sorted(
                (unique["name"] or "", tuple(unique["column_names"])) for unique in uniques[key]
            ),
            "check_constraints": sorted(
                (check["name"] or "", _text(check["sqltext"])) for check in checks[key]
            ),
        }
    return snapshot


def describe_differences(
    expected: dict[str, dict[str, Any]], actual: dict[str, dict[str, Any]]
) -> list[str]:
    """Where two snapshots differ, one line per table and aspect (readable in a failure)."""
    lines = []
    for table in sorted(set(expected) | set(actual)):
        if table not in actual:
            lines.append(f"{table}: missing")
        elif table not in expected:
            lines.append(f"{table}: not expected")
        else:
            for aspect, want in expected[table].items():
                got = actual[table][aspect]
                if aspect == "columns":
                    for column in sorted(set(want) | set(got)):
                        if want.get(column) != got.get(column):
                            lines.append(
                                f"{table}.{column}: expected {want.get(column)}, "
                                f"found {got.get(column)}"
                            )
                elif want != got:
                    lines.append(f"{table} {aspect}: expected {want}, found {got}")
    return lines
