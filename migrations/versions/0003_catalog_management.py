"""catalog: logos, agreement expiry, employer proposals, classes, event requests

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 03:34:20.259443

Partners get a logo (stored through wbl/storage.py), an agreement expiry and manual
coordinates; offerings get requirements, a schedule and the employer-proposal review
fields; employers' proposed changes, teachers' classes and class-event requests are new.

"""
from alembic import op
import sqlalchemy as sa

import wbl.extensions


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    # Columns added to existing tables carry a server default so that rows already there
    # (a live county's catalog) get a value; the models set them on every new row.
    op.create_table('class_section',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('teacher_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', wbl.extensions.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_class_section_school_id_school')),
    sa.ForeignKeyConstraint(['teacher_id'], ['user_account.id'], name=op.f('fk_class_section_teacher_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_class_section'))
    )
    with op.batch_alter_table('class_section', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_class_section_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_class_section_teacher_id'), ['teacher_id'], unique=False)

    op.create_table('class_section_student',
    sa.Column('class_section_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['class_section_id'], ['class_section.id'], name=op.f('fk_class_section_student_class_section_id_class_section'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['student_profile.id'], name=op.f('fk_class_section_student_student_id_student_profile'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('class_section_id', 'student_id', name=op.f('pk_class_section_student'))
    )
    op.create_table('event_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('guest_speaker', 'workplace_visit', 'job_shadow', 'work_based_project', 'internship', name='experiencekind', native_enum=False, length=32), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('offering_id', sa.Integer(), nullable=True),
    sa.Column('teacher_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('class_section_id', sa.Integer(), nullable=True),
    sa.Column('class_size', sa.Integer(), nullable=False),
    sa.Column('topic', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'accepted', 'declined', 'cancelled', name='eventrequeststatus', native_enum=False, length=16), nullable=False),
    sa.Column('response_message', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', wbl.extensions.UTCDateTime(), nullable=True),
    sa.Column('created_at', wbl.extensions.UTCDateTime(), nullable=False),
    sa.CheckConstraint('class_size > 0', name=op.f('ck_event_request_class_size_positive')),
    sa.ForeignKeyConstraint(['class_section_id'], ['class_section.id'], name=op.f('fk_event_request_class_section_id_class_section')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_event_request_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['offering_id'], ['offering.id'], name=op.f('fk_event_request_offering_id_offering')),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_event_request_partner_id_partner')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_event_request_school_id_school')),
    sa.ForeignKeyConstraint(['teacher_id'], ['user_account.id'], name=op.f('fk_event_request_teacher_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_request'))
    )
    with op.batch_alter_table('event_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_request_class_section_id'), ['class_section_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_request_offering_id'), ['offering_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_request_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_request_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_request_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_request_teacher_id'), ['teacher_id'], unique=False)

    op.create_table('offering_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offering_id', sa.Integer(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'returned', 'withdrawn', name='changestatus', native_enum=False, length=16), nullable=False),
    sa.Column('review_note', sa.Text(), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', wbl.extensions.UTCDateTime(), nullable=True),
    sa.Column('created_at', wbl.extensions.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['offering_id'], ['offering.id'], name=op.f('fk_offering_change_offering_id_offering')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['user_account.id'], name=op.f('fk_offering_change_proposed_by_id_user_account')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user_account.id'], name=op.f('fk_offering_change_reviewed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offering_change'))
    )
    with op.batch_alter_table('offering_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offering_change_offering_id'), ['offering_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offering_change_status'), ['status'], unique=False)

    op.create_table('event_date_option',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('starts_at', wbl.extensions.UTCDateTime(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('chosen', sa.Boolean(), nullable=False),
    sa.CheckConstraint('duration_minutes > 0', name=op.f('ck_event_date_option_duration_positive')),
    sa.ForeignKeyConstraint(['request_id'], ['event_request.id'], name=op.f('fk_event_date_option_request_id_event_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_date_option'))
    )
    with op.batch_alter_table('event_date_option', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_date_option_request_id'), ['request_id'], unique=False)

    with op.batch_alter_table('offering', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requirements', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('schedule', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('proposed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('review_note', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', wbl.extensions.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('published_at', wbl.extensions.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_offering_proposed_by_id_user_account'), 'user_account', ['proposed_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_offering_reviewed_by_id_user_account'), 'user_account', ['reviewed_by_id'], ['id'])

    with op.batch_alter_table('partner', schema=None) as batch_op:
        batch_op.add_column(sa.Column('coordinates_manual', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('logo_key', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('logo_content_type', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('worksite_agreement_expiry', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', wbl.extensions.UTCDateTime(), nullable=False, server_default=sa.text('CURRENT_TIMESTAMP')))

    # ### end Alembic commands ###


def downgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('partner', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
        batch_op.drop_column('worksite_agreement_expiry')
        batch_op.drop_column('logo_content_type')
        batch_op.drop_column('logo_key')
        batch_op.drop_column('coordinates_manual')

    with op.batch_alter_table('offering', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_offering_reviewed_by_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_offering_proposed_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('published_at')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('reviewed_by_id')
        batch_op.drop_column('review_note')
        batch_op.drop_column('proposed_by_id')
        batch_op.drop_column('schedule')
        batch_op.drop_column('requirements')

    with op.batch_alter_table('event_date_option', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_date_option_request_id'))

    op.drop_table('event_date_option')
    with op.batch_alter_table('offering_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offering_change_status'))
        batch_op.drop_index(batch_op.f('ix_offering_change_offering_id'))

    op.drop_table('offering_change')
    with op.batch_alter_table('event_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_request_teacher_id'))
        batch_op.drop_index(batch_op.f('ix_event_request_status'))
        batch_op.drop_index(batch_op.f('ix_event_request_school_id'))
        batch_op.drop_index(batch_op.f('ix_event_request_partner_id'))
        batch_op.drop_index(batch_op.f('ix_event_request_offering_id'))
        batch_op.drop_index(batch_op.f('ix_event_request_class_section_id'))

    op.drop_table('event_request')
    op.drop_table('class_section_student')
    with op.batch_alter_table('class_section', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_class_section_teacher_id'))
        batch_op.drop_index(batch_op.f('ix_class_section_school_id'))

    op.drop_table('class_section')
    # ### end Alembic commands ###
