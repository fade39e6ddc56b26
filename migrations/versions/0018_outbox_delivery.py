"""outbox delivery

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 10:00:00.000000

The scheduler delivers the outbox (wbl/notifications/delivery.py): each message gets a
status (queued, sending, sent, failed = given up), the time it is next due (its back-off, or
when a sender's claim lapses) and the time of its last try; one index serves the delivery
job's query. Existing rows: sent ones are sent; unsent ones that had used up the old five
tries are given up; the rest are queued, due at once.

"""
from alembic import op
import sqlalchemy as sa

import wbl.extensions


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.Enum('queued', 'sending', 'sent', 'failed', name='outboxstatus', native_enum=False, length=16), server_default='queued', nullable=False))
        batch_op.add_column(sa.Column('next_attempt_at', wbl.extensions.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('last_attempt_at', wbl.extensions.UTCDateTime(), nullable=True))
        batch_op.create_index('ix_outbox_message_due', ['status', 'next_attempt_at'], unique=False)

    outbox = sa.table(
        'outbox_message',
        sa.column('status', sa.String),
        sa.column('sent_at', sa.DateTime),
        sa.column('attempts', sa.Integer),
        sa.column('created_at', sa.DateTime),
        sa.column('next_attempt_at', sa.DateTime),
    )
    op.execute(outbox.update().where(outbox.c.sent_at.is_not(None)).values(status='sent'))
    op.execute(
        outbox.update()
        .where(outbox.c.sent_at.is_(None), outbox.c.attempts >= 5)
        .values(status='failed')
    )
    op.execute(
        outbox.update()
        .where(outbox.c.status == 'queued')
        .values(next_attempt_at=outbox.c.created_at)
    )


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_due')
        batch_op.drop_column('last_attempt_at')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('status')
