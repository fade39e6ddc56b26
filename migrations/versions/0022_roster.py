"""roster

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 04:51:12.062047

The roster import (OneRoster 1.1 and 1.2): the student information system's ids
(``sourced_id``) on districts, schools, accounts and classes, so that importing the same files
again finds the same rows; the state and local student ids and the class's course code; each
student's guardians; and demographics, in a table of their own (staff aggregates only).
Existing rows get no ids: the first import adopts them by CDS code, name or e-mail address.

"""
from alembic import op
import sqlalchemy as sa

import wbl.extensions


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('guardian',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('sourced_id', sa.String(length=255), nullable=False),
    sa.Column('relationship_kind', sa.String(length=20), nullable=False),
    sa.Column('full_name', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('language', sa.String(length=35), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', wbl.extensions.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['student_id'], ['student_profile.id'], name=op.f('fk_guardian_student_id_student_profile'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guardian')),
    sa.UniqueConstraint('student_id', 'sourced_id', name=op.f('uq_guardian_student_id_sourced_id'))
    )
    with op.batch_alter_table('guardian', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guardian_student_id'), ['student_id'], unique=False)

    op.create_table('student_demographics',
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('sex', sa.String(length=20), nullable=False),
    sa.Column('american_indian_or_alaska_native', sa.Boolean(), nullable=True),
    sa.Column('asian', sa.Boolean(), nullable=True),
    sa.Column('black_or_african_american', sa.Boolean(), nullable=True),
    sa.Column('native_hawaiian_or_other_pacific_islander', sa.Boolean(), nullable=True),
    sa.Column('white', sa.Boolean(), nullable=True),
    sa.Column('two_or_more_races', sa.Boolean(), nullable=True),
    sa.Column('hispanic_or_latino', sa.Boolean(), nullable=True),
    sa.Column('english_learner', sa.Boolean(), nullable=True),
    sa.Column('disability', sa.Boolean(), nullable=True),
    sa.Column('free_reduced_meals', sa.Boolean(), nullable=True),
    sa.Column('updated_at', wbl.extensions.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['student_id'], ['student_profile.id'], name=op.f('fk_student_demographics_student_id_student_profile'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('student_id', name=op.f('pk_student_demographics'))
    )
    with op.batch_alter_table('class_section', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sourced_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('course_code', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('course_title', sa.String(length=120), server_default='', nullable=False))
        batch_op.create_unique_constraint(batch_op.f('uq_class_section_sourced_id'), ['sourced_id'])

    with op.batch_alter_table('district', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sourced_id', sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_district_sourced_id'), ['sourced_id'])

    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sourced_id', sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_school_sourced_id'), ['sourced_id'])

    with op.batch_alter_table('student_profile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ssid', sa.String(length=20), server_default='', nullable=False))
        batch_op.add_column(sa.Column('local_id', sa.String(length=40), server_default='', nullable=False))

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sourced_id', sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_user_account_sourced_id'), ['sourced_id'])



def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_user_account_sourced_id'), type_='unique')
        batch_op.drop_column('sourced_id')

    with op.batch_alter_table('student_profile', schema=None) as batch_op:
        batch_op.drop_column('local_id')
        batch_op.drop_column('ssid')

    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_school_sourced_id'), type_='unique')
        batch_op.drop_column('sourced_id')

    with op.batch_alter_table('district', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_district_sourced_id'), type_='unique')
        batch_op.drop_column('sourced_id')

    with op.batch_alter_table('class_section', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_class_section_sourced_id'), type_='unique')
        batch_op.drop_column('course_title')
        batch_op.drop_column('course_code')
        batch_op.drop_column('sourced_id')

    op.drop_table('student_demographics')
    with op.batch_alter_table('guardian', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guardian_student_id'))

    op.drop_table('guardian')
