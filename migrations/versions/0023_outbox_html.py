"""outbox html part

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-10 10:00:00.000000

E-mails are rendered from templates (templates/email/) into a text part and an HTML part;
the outbox keeps both, and delivery sends them as multipart/alternative. Messages queued
before this revision have no HTML part (NULL) and go out as plain text, as they were written.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_html', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('body_html')
