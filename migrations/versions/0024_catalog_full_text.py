"""catalog full-text search

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 09:00:00.000000

The catalog search matches words through the database's full-text index, stemmed ("nurse"
finds "nursing"), instead of reading every offering with LIKE (issue 17; the query side is
wbl/catalog/fulltext.py). Neither index is in the models, and wbl/schema.py leaves them out of
the comparison with the models.

- SQLite: FTS5 tables offering_fts (title, description, skills) and partner_fts (name),
  tokenizer 'porter unicode61', rowid = the offering's (partner's) id, filled from the rows
  there are and kept in step by triggers. A later revision that rebuilds the offering or
  partner table with batch_alter_table (copy and move) drops these triggers: it must create
  them again (the search tests would show it).
- PostgreSQL: offering.search_vector, a stored generated tsvector (title weight A, description
  and skills weight B; adding it fills it for the rows there are) with a GIN index, and a GIN
  index on to_tsvector('english', partner.name).

Two indexes on offering for the pages that list it: ix_offering_catalog holds every column
the catalog search filters and sorts on, so the search reads it instead of the wide rows with
their descriptions; the staff offerings list is sorted by the last change, newest first, and
ix_offering_updated_at lets the database read its page in that order.
"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


SQLITE_UP = [
    "CREATE VIRTUAL TABLE offering_fts USING fts5("
    "title, description, skills, tokenize='porter unicode61')",
    "INSERT INTO offering_fts (rowid, title, description, skills) "
    "SELECT id, title, description, skills FROM offering",
    "CREATE TRIGGER offering_fts_insert AFTER INSERT ON offering BEGIN "
    "INSERT INTO offering_fts (rowid, title, description, skills) "
    "VALUES (new.id, new.title, new.description, new.skills); END",
    "CREATE TRIGGER offering_fts_update AFTER UPDATE OF title, description, skills ON offering "
    "BEGIN DELETE FROM offering_fts WHERE rowid = old.id; "
    "INSERT INTO offering_fts (rowid, title, description, skills) "
    "VALUES (new.id, new.title, new.description, new.skills); END",
    "CREATE TRIGGER offering_fts_delete AFTER DELETE ON offering BEGIN "
    "DELETE FROM offering_fts WHERE rowid = old.id; END",
    "CREATE VIRTUAL TABLE partner_fts USING fts5(name, tokenize='porter unicode61')",
    "INSERT INTO partner_fts (rowid, name) SELECT id, name FROM partner",
    "CREATE TRIGGER partner_fts_insert AFTER INSERT ON partner BEGIN "
    "INSERT INTO partner_fts (rowid, name) VALUES (new.id, new.name); END",
    "CREATE TRIGGER partner_fts_update AFTER UPDATE OF name ON partner BEGIN "
    "DELETE FROM partner_fts WHERE rowid = old.id; "
    "INSERT INTO partner_fts (rowid, name) VALUES (new.id, new.name); END",
    "CREATE TRIGGER partner_fts_delete AFTER DELETE ON partner BEGIN "
    "DELETE FROM partner_fts WHERE rowid = old.id; END",
]

SQLITE_DOWN = [
    "DROP TRIGGER partner_fts_delete",
    "DROP TRIGGER partner_fts_update",
    "DROP TRIGGER partner_fts_insert",
    "DROP TABLE partner_fts",
    "DROP TRIGGER offering_fts_delete",
    "DROP TRIGGER offering_fts_update",
    "DROP TRIGGER offering_fts_insert",
    "DROP TABLE offering_fts",
]

POSTGRESQL_UP = [
    "ALTER TABLE offering ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, "
    "coalesce(description, '') || ' ' || coalesce(skills, '')), 'B')) STORED",
    "CREATE INDEX ix_offering_search_vector ON offering USING gin (search_vector)",
    "CREATE INDEX ix_partner_name_tsvector ON partner "
    "USING gin (to_tsvector('english'::regconfig, name))",
]

POSTGRESQL_DOWN = [
    "DROP INDEX ix_partner_name_tsvector",
    "DROP INDEX ix_offering_search_vector",
    "ALTER TABLE offering DROP COLUMN search_vector",
]


def upgrade():
    with op.batch_alter_table("offering", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offering_updated_at"), ["updated_at"], unique=False)
        batch_op.create_index(
            "ix_offering_catalog",
            [
                "status",
                "start_date",
                "end_date",
                "application_deadline",
                "kind",
                "partner_id",
                "is_virtual",
                "paid",
                "created_at",
                "latitude",
                "longitude",
            ],
            unique=False,
        )
    statements = POSTGRESQL_UP if op.get_bind().dialect.name == "postgresql" else SQLITE_UP
    for statement in statements:
        op.execute(statement)


def downgrade():
    statements = POSTGRESQL_DOWN if op.get_bind().dialect.name == "postgresql" else SQLITE_DOWN
    for statement in statements:
        op.execute(statement)
    with op.batch_alter_table("offering", schema=None) as batch_op:
        batch_op.drop_index("ix_offering_catalog")
        batch_op.drop_index(batch_op.f("ix_offering_updated_at"))
