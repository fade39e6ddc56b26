"""supervisor clearances: what a partner's contact who supervises minors has completed, and
what each district requires per experience type

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06 23:10:00

Issue 21 ("Supervisor clearance"). ``supervisor_clearance`` holds one completed clearance of a
partner contact (fingerprint background check, TB test, mandated-reporter training): its
dates, who recorded it, the stored document's key and the expiry the 30-day reminder was sent
for. ``district_clearance_rule`` holds a district's decision per experience type and clearance
type; without a row the documented default applies (wbl/catalog/clearance_rules.py).
"""

import sqlalchemy as sa
from alembic import op

from wbl.extensions import UTCDateTime

# revision identifiers, used by Alembic.
revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

CLEARANCES = ("background_check", "tb_test", "mandated_reporter")
KINDS = ("guest_speaker", "workplace_visit", "job_shadow", "work_based_project", "internship")


def upgrade():
    op.create_table(
        "supervisor_clearance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*CLEARANCES, name="clearancetype", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("document_key", sa.String(length=80), nullable=True),
        sa.Column("document_name", sa.String(length=120), nullable=False),
        sa.Column("document_type", sa.String(length=80), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("reminded_for", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "expires_on >= completed_on", name=op.f("ck_supervisor_clearance_expires_after")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["partner_contact.id"],
            name=op.f("fk_supervisor_clearance_contact_id_partner_contact"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_supervisor_clearance_recorded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervisor_clearance")),
    )
    with op.batch_alter_table("supervisor_clearance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supervisor_clearance_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_supervisor_clearance_expires_on"), ["expires_on"], unique=False
        )

    op.create_table(
        "district_clearance_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*KINDS, name="experiencekind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "clearance",
            sa.Enum(*CLEARANCES, name="clearancetype", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_district_clearance_rule_district_id_district"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_district_clearance_rule_updated_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_district_clearance_rule")),
        sa.UniqueConstraint(
            "district_id",
            "kind",
            "clearance",
            name=op.f("uq_district_clearance_rule_district_id_kind_clearance"),
        ),
    )
    with op.batch_alter_table("district_clearance_rule", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_district_clearance_rule_district_id"), ["district_id"], unique=False
        )


def downgrade():
    op.drop_table("district_clearance_rule")
    op.drop_table("supervisor_clearance")
