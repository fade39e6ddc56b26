"""cte concentrators: each student's concentrator status and graduation year

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 15:15:00.000000

Perkins V indicator 5S3 (issue 18) counts the CTE concentrators who graduate in a school year
having taken part in work-based learning. ``cte_concentrator`` holds one row per student, as
the last staff-uploaded list (or the roster) gave it. A new table; nothing else is touched.
"""

import sqlalchemy as sa
from alembic import op

from wbl.extensions import UTCDateTime

# revision identifiers, used by Alembic.
revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cte_concentrator",
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("concentrator", sa.Boolean(), nullable=False),
        sa.Column("graduation_year", sa.Integer(), nullable=False),
        sa.Column(
            "source",
            sa.Enum("upload", "roster", name="concentratorsource", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["student_profile.id"],
            name=op.f("fk_cte_concentrator_student_id_student_profile"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_cte_concentrator_updated_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("student_id", name=op.f("pk_cte_concentrator")),
    )
    op.create_index(
        op.f("ix_cte_concentrator_graduation_year"),
        "cte_concentrator",
        ["graduation_year"],
        unique=False,
    )


def downgrade():
    op.drop_index(op.f("ix_cte_concentrator_graduation_year"), table_name="cte_concentrator")
    op.drop_table("cte_concentrator")
