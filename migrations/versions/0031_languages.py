"""languages: a person's preferred language, and the one a guardian chose on the consent page

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 19:45:00.000000

Issue 20. ``user_account.language`` is what the person chose on their account page (a
language code such as "es"; "" follows the browser); ``guardian_consent.language`` is what
the guardian chose on the consent page, for the e-mails sent to them afterwards.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=35), server_default="", nullable=False)
        )
    with op.batch_alter_table("guardian_consent", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=35), server_default="", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("guardian_consent", schema=None) as batch_op:
        batch_op.drop_column("language")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("language")
