"""work permits: a minor's permit request for a paid placement, its parts and the decision

Revision ID: 0035
Revises: 0032
Create Date: 2026-12-06 22:55:00

Issue 21 ("Work permits for paid placements of minors"). ``work_permit`` is the request of
one placement (California's B1-1 Statement of Intent and the school's B1-4 permit or refusal);
``permit_part`` is each party's part (student, guardian, employer), from a single-use link.
"""

import sqlalchemy as sa
from alembic import op

from wbl.extensions import UTCDateTime

# revision identifiers, used by Alembic.
revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "work_permit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "complete",
                "issued",
                "refused",
                name="permitstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("permit_number", sa.String(length=40), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("refusal_reason", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_work_permit_decided_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
            name=op.f("fk_work_permit_placement_id_placement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_permit")),
        sa.UniqueConstraint("placement_id", name=op.f("uq_work_permit_placement_id")),
    )
    op.create_index(op.f("ix_work_permit_status"), "work_permit", ["status"], unique=False)
    op.create_table(
        "permit_part",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("permit_id", sa.Integer(), nullable=False),
        sa.Column(
            "party",
            sa.Enum(
                "student", "guardian", "employer", name="permitparty", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("typed_name", sa.String(length=120), nullable=False),
        sa.Column("signed_at", UTCDateTime(), nullable=True),
        sa.Column("ip_address", sa.String(length=64), nullable=False),
        sa.Column("school_name", sa.String(length=120), nullable=False),
        sa.Column("grade", sa.String(length=10), nullable=False),
        sa.Column("consents", sa.Boolean(), nullable=False),
        sa.Column("job_title", sa.String(length=120), nullable=False),
        sa.Column("duties", sa.Text(), nullable=False),
        sa.Column("hours_per_day", sa.Integer(), nullable=True),
        sa.Column("hours_per_week", sa.Integer(), nullable=True),
        sa.Column("pay_rate", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["permit_id"],
            ["work_permit.id"],
            name=op.f("fk_permit_part_permit_id_work_permit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permit_part")),
        sa.UniqueConstraint("permit_id", "party", name=op.f("uq_permit_part_permit_id_party")),
    )
    op.create_index(op.f("ix_permit_part_permit_id"), "permit_part", ["permit_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_permit_part_permit_id"), table_name="permit_part")
    op.drop_table("permit_part")
    op.drop_index(op.f("ix_work_permit_status"), table_name="work_permit")
    op.drop_table("work_permit")
