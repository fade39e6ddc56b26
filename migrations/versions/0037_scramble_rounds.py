"""scramble rounds: a round for a published round's leftover seats and unplaced students

Revision ID: 0037
Revises: 0032
Create Date: 2026-12-06 22:50:00

Issue 22 ("Scramble round"). ``allocation_round.scramble_of_id`` links a scramble to the
published round it follows (unique: one scramble per round, so the rounds form a chain);
``round_invitee`` holds the students a scramble is open to.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("allocation_round", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scramble_of_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_allocation_round_scramble_of_id"), ["scramble_of_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_allocation_round_scramble_of_id_allocation_round"),
            "allocation_round",
            ["scramble_of_id"],
            ["id"],
        )

    op.create_table(
        "round_invitee",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["allocation_round.id"],
            name=op.f("fk_round_invitee_round_id_allocation_round"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["student_profile.id"],
            name=op.f("fk_round_invitee_student_id_student_profile"),
        ),
        sa.PrimaryKeyConstraint("round_id", "student_id", name=op.f("pk_round_invitee")),
    )
    with op.batch_alter_table("round_invitee", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_round_invitee_student_id"), ["student_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("round_invitee", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_invitee_student_id"))
    op.drop_table("round_invitee")
    with op.batch_alter_table("allocation_round", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_allocation_round_scramble_of_id_allocation_round"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_allocation_round_scramble_of_id"), type_="unique")
        batch_op.drop_column("scramble_of_id")
