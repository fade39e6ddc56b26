"""catalog places: latitude/longitude indexes for the distance search

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 12:00:00.000000

"Nearest first" and a distance limit read the offerings in a latitude band around the
origin (issue 17: the search computed the distance of every visible offering, 1.6 times the
time at ten times the catalog). An offering's place is its own, else its partner's: one index
on each table (wbl/catalog/search.py, ``_near_ids``).
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    # Plain CREATE INDEX, not batch mode: a table copy would drop the FTS triggers of 0024.
    op.create_index("ix_offering_place", "offering", ["latitude", "longitude"], unique=False)
    op.create_index("ix_partner_place", "partner", ["latitude", "longitude"], unique=False)


def downgrade():
    op.drop_index("ix_partner_place", table_name="partner")
    op.drop_index("ix_offering_place", table_name="offering")
