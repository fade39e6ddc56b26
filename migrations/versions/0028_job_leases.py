"""job leases: one row per due time of a job, taken by the scheduler process that runs it

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 16:45:00.000000

Any number of scheduler processes may run (issue 23); each takes the lease on (job, due time)
before running a job, so each due time runs once (wbl/jobs/leases.py). The schedulers now keep
their jobs in memory, so APScheduler's own ``apscheduler_jobs`` table (made by its job store,
never by a revision) is dropped when it exists; a downgrade does not bring it back (an older
scheduler makes it again when it starts).
"""

import sqlalchemy as sa
from alembic import op

from wbl.extensions import UTCDateTime

# revision identifiers, used by Alembic.
revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job_lease",
        sa.Column("job_id", sa.String(length=60), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("holder", sa.String(length=120), nullable=False),
        sa.Column("taken_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("job_id", "due_at", name=op.f("pk_job_lease")),
    )
    op.execute("DROP TABLE IF EXISTS apscheduler_jobs")


def downgrade():
    op.drop_table("job_lease")
