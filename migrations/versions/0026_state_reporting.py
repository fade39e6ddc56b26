"""state reporting: codes staff change and offerings' CALPADS facts

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 14:30:00.000000

The CALPADS Work-Based Learning (WBLR) file (issue 18): ``reporting_code`` holds the codes
staff changed (placement kind → WBL type, evaluation → performance code; the defaults live in
wbl/reporting/layout.py), ``offering_reporting`` an offering's state course code and its
LEA-sponsored and certificated-supervised flags. Two new tables: the offering table and its
full-text triggers (0024) are not touched.
"""

import sqlalchemy as sa
from alembic import op

from wbl.extensions import UTCDateTime

# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reporting_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mapping", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=4), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_reporting_code_updated_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporting_code")),
        sa.UniqueConstraint("mapping", "key", name=op.f("uq_reporting_code_mapping_key")),
    )
    op.create_table(
        "offering_reporting",
        sa.Column("offering_id", sa.Integer(), nullable=False),
        sa.Column("state_course_code", sa.String(length=4), server_default="", nullable=False),
        sa.Column("lea_sponsored", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column(
            "certificated_supervised", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["offering_id"],
            ["offering.id"],
            name=op.f("fk_offering_reporting_offering_id_offering"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_offering_reporting_updated_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("offering_id", name=op.f("pk_offering_reporting")),
    )


def downgrade():
    op.drop_table("offering_reporting")
    op.drop_table("reporting_code")
