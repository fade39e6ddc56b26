"""worksite visits: a visit to a placement's worksite, its checklist answers, the district's
checklist and "visit due" interval, and the staff's hand-set "visit due" flag

Revision ID: 0034
Revises: 0032
Create Date: 2026-12-06 22:40:41.194350

Issue 21 ("Worksite visits"). ``worksite_visit_answer`` keeps each checklist item's wording
as it was answered, so editing ``visit_checklist_item`` later rewrites no visit. New tables
only: nothing to backfill (a district without rows uses the documented defaults).
"""

import sqlalchemy as sa
from alembic import op

from wbl.extensions import UTCDateTime

# revision identifiers, used by Alembic.
revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "visit_checklist_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_visit_checklist_item_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_checklist_item")),
        sa.UniqueConstraint(
            "district_id", "position", name=op.f("uq_visit_checklist_item_district_id_position")
        ),
    )
    with op.batch_alter_table("visit_checklist_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_visit_checklist_item_district_id"), ["district_id"], unique=False
        )

    op.create_table(
        "visit_settings",
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("due_after_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_visit_settings_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("district_id", name=op.f("pk_visit_settings")),
    )
    op.create_table(
        "visit_due_flag",
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("flagged_by_id", sa.Integer(), nullable=True),
        sa.Column("flagged_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["flagged_by_id"],
            ["user_account.id"],
            name=op.f("fk_visit_due_flag_flagged_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
            name=op.f("fk_visit_due_flag_placement_id_placement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("placement_id", name=op.f("pk_visit_due_flag")),
    )
    op.create_table(
        "worksite_visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=True),
        sa.Column(
            "visitor_role",
            sa.Enum("staff", "teacher", name="visitorrole", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("follow_up_needed", sa.Boolean(), nullable=False),
        sa.Column("follow_up", sa.Text(), nullable=False),
        sa.Column("follow_up_closed_at", UTCDateTime(), nullable=True),
        sa.Column("follow_up_closed_by_id", sa.Integer(), nullable=True),
        sa.Column("follow_up_outcome", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["follow_up_closed_by_id"],
            ["user_account.id"],
            name=op.f("fk_worksite_visit_follow_up_closed_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
            name=op.f("fk_worksite_visit_placement_id_placement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["visitor_id"],
            ["user_account.id"],
            name=op.f("fk_worksite_visit_visitor_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worksite_visit")),
    )
    with op.batch_alter_table("worksite_visit", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_worksite_visit_placement_id"), ["placement_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_worksite_visit_visited_on"), ["visited_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_worksite_visit_visitor_id"), ["visitor_id"], unique=False
        )

    op.create_table(
        "worksite_visit_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item_text", sa.String(length=200), nullable=False),
        sa.Column(
            "answer",
            sa.Enum("yes", "no", "na", name="checklistanswer", native_enum=False, length=8),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["worksite_visit.id"],
            name=op.f("fk_worksite_visit_answer_visit_id_worksite_visit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worksite_visit_answer")),
        sa.UniqueConstraint(
            "visit_id", "position", name=op.f("uq_worksite_visit_answer_visit_id_position")
        ),
    )


def downgrade():
    op.drop_table("worksite_visit_answer")
    with op.batch_alter_table("worksite_visit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_worksite_visit_visitor_id"))
        batch_op.drop_index(batch_op.f("ix_worksite_visit_visited_on"))
        batch_op.drop_index(batch_op.f("ix_worksite_visit_placement_id"))

    op.drop_table("worksite_visit")
    op.drop_table("visit_due_flag")
    op.drop_table("visit_settings")
    with op.batch_alter_table("visit_checklist_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_checklist_item_district_id"))

    op.drop_table("visit_checklist_item")
