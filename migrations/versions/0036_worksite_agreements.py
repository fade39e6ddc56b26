"""worksite agreements: the county's template (versioned) and agreements signed in the app

Revision ID: 0036
Revises: 0032
Create Date: 2026-12-06 23:00:00

Issue 21 ("Worksite agreement signed in the app"). ``worksite_agreement_template`` keeps each
saved version of the county's text; ``worksite_agreement`` each agreement sent to a partner,
with the text as sent, its signatory, its link's nonce and, once signed, who signed, when,
from where and the signed PDF's storage key.
"""

import sqlalchemy as sa
from alembic import op

from wbl.extensions import UTCDateTime

# revision identifiers, used by Alembic.
revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "worksite_agreement_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_worksite_agreement_template_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worksite_agreement_template")),
        sa.UniqueConstraint("version", name=op.f("uq_worksite_agreement_template_version")),
    )
    op.create_table(
        "worksite_agreement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("signatory_name", sa.String(length=120), nullable=False),
        sa.Column("signatory_email", sa.String(length=254), nullable=False),
        sa.Column("signatory_contact_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "sent",
                "signed",
                "withdrawn",
                name="worksiteagreementstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("nonce", sa.String(length=32), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column("typed_name", sa.String(length=120), nullable=False),
        sa.Column("name_differs", sa.Boolean(), nullable=False),
        sa.Column("signed_at", UTCDateTime(), nullable=True),
        sa.Column("ip_address", sa.String(length=64), nullable=False),
        sa.Column("withdrawn_at", UTCDateTime(), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("pdf_key", sa.String(length=80), nullable=True),
        sa.CheckConstraint(
            "end_date > start_date", name=op.f("ck_worksite_agreement_ends_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
            name=op.f("fk_worksite_agreement_partner_id_partner"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sent_by_id"],
            ["user_account.id"],
            name=op.f("fk_worksite_agreement_sent_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["signatory_contact_id"],
            ["partner_contact.id"],
            name=op.f("fk_worksite_agreement_signatory_contact_id_partner_contact"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"],
            ["user_account.id"],
            name=op.f("fk_worksite_agreement_withdrawn_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worksite_agreement")),
    )
    with op.batch_alter_table("worksite_agreement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_worksite_agreement_partner_id"), ["partner_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_worksite_agreement_status"), ["status"], unique=False)


def downgrade():
    with op.batch_alter_table("worksite_agreement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_worksite_agreement_status"))
        batch_op.drop_index(batch_op.f("ix_worksite_agreement_partner_id"))
    op.drop_table("worksite_agreement")
    op.drop_table("worksite_agreement_template")
