"""incidents: what someone involved reports on a placement, and the staff's follow-up

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 20:00:25.632707

Issue 21 ("Incidents"). ``incident`` holds the report and its status (open, followed_up,
closed); ``incident_note`` each follow-up and each change staff made to the placement from it.
The placement's new status ``paused`` needs no change here: ``placement.status`` is a
VARCHAR(16) without a CHECK constraint (``str_enum``).
"""

import sqlalchemy as sa
from alembic import op

from wbl.extensions import UTCDateTime

# revision identifiers, used by Alembic.
revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column(
            "reporter_role",
            sa.Enum(
                "student",
                "supervisor",
                "teacher",
                "staff",
                name="reporterrole",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "kind",
            sa.Enum(
                "injury",
                "harassment",
                "safety",
                "attendance",
                name="incidentkind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open", "followed_up", "closed", name="incidentstatus", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("guardian_notified_at", UTCDateTime(), nullable=True),
        sa.Column("closing_note", sa.Text(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["user_account.id"],
            name=op.f("fk_incident_closed_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
            name=op.f("fk_incident_placement_id_placement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["user_account.id"],
            name=op.f("fk_incident_reporter_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident")),
    )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_placement_id"), ["placement_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_incident_reporter_id"), ["reporter_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incident_status"), ["status"], unique=False)

    op.create_table(
        "incident_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "follow_up",
                "closed",
                "paused",
                "resumed",
                "ended",
                name="noteaction",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            name=op.f("fk_incident_note_author_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_note_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_note")),
    )
    with op.batch_alter_table("incident_note", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_note_incident_id"), ["incident_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("incident_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_note_incident_id"))

    op.drop_table("incident_note")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_status"))
        batch_op.drop_index(batch_op.f("ix_incident_reporter_id"))
        batch_op.drop_index(batch_op.f("ix_incident_placement_id"))

    op.drop_table("incident")
