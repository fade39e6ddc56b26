"""initial schema: accounts, schools, reference data, catalog, outbox

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 18:35:14.182811

"""
from alembic import op
import sqlalchemy as sa

import wbl.extensions


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('district',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_district')),
    sa.UniqueConstraint('code', name=op.f('uq_district_code')),
    sa.UniqueConstraint('name', name=op.f('uq_district_name'))
    )
    op.create_table('experience_type',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.Enum('guest_speaker', 'workplace_visit', 'job_shadow', 'work_based_project', 'internship', name='experiencekind', native_enum=False, length=32), nullable=False),
    sa.Column('stage', sa.Enum('awareness', 'exploration', 'preparation', 'training', name='continuumstage', native_enum=False, length=16), nullable=False),
    sa.Column('is_class_event', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_experience_type')),
    sa.UniqueConstraint('code', name=op.f('uq_experience_type_code'))
    )
    op.create_table('industry_sector',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_industry_sector')),
    sa.UniqueConstraint('code', name=op.f('uq_industry_sector_code'))
    )
    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('to_email', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('created_at', wbl.extensions.UTCDateTime(), nullable=False),
    sa.Column('sent_at', wbl.extensions.UTCDateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_message_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_to_email'), ['to_email'], unique=False)

    op.create_table('pog_outcome',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pog_outcome')),
    sa.UniqueConstraint('code', name=op.f('uq_pog_outcome_code'))
    )
    op.create_table('preparatory_activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_preparatory_activity')),
    sa.UniqueConstraint('code', name=op.f('uq_preparatory_activity_code'))
    )
    op.create_table('partner',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=True),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('sector_id', sa.Integer(), nullable=False),
    sa.Column('street_address', sa.String(length=200), nullable=False),
    sa.Column('city', sa.String(length=80), nullable=False),
    sa.Column('zip', sa.String(length=10), nullable=False),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('website', sa.String(length=300), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('endorses_certificate', sa.Boolean(), nullable=False),
    sa.Column('worksite_agreement_date', sa.Date(), nullable=True),
    sa.Column('insurance_expiry', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', wbl.extensions.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['sector_id'], ['industry_sector.id'], name=op.f('fk_partner_sector_id_industry_sector')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner')),
    sa.UniqueConstraint('external_id', name=op.f('uq_partner_external_id'))
    )
    with op.batch_alter_table('partner', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_sector_id'), ['sector_id'], unique=False)

    op.create_table('pathway',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('sector_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['sector_id'], ['industry_sector.id'], name=op.f('fk_pathway_sector_id_industry_sector')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pathway')),
    sa.UniqueConstraint('code', name=op.f('uq_pathway_code'))
    )
    with op.batch_alter_table('pathway', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pathway_sector_id'), ['sector_id'], unique=False)

    op.create_table('school',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('cds_code', sa.String(length=20), nullable=True),
    sa.Column('city', sa.String(length=80), nullable=False),
    sa.Column('zip', sa.String(length=10), nullable=False),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_school_district_id_district')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school')),
    sa.UniqueConstraint('cds_code', name=op.f('uq_school_cds_code')),
    sa.UniqueConstraint('name', name=op.f('uq_school_name'))
    )
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_district_id'), ['district_id'], unique=False)

    op.create_table('offering',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=True),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('guest_speaker', 'workplace_visit', 'job_shadow', 'work_based_project', 'internship', name='experiencekind', native_enum=False, length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('skills', sa.Text(), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('zip', sa.String(length=10), nullable=False),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('is_virtual', sa.Boolean(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('seats_taken', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('application_deadline', sa.Date(), nullable=True),
    sa.Column('minimum_age', sa.Integer(), nullable=True),
    sa.Column('min_grade', sa.Integer(), nullable=True),
    sa.Column('paid', sa.Boolean(), nullable=False),
    sa.Column('expected_hours', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'pending', 'published', 'closed', name='offeringstatus', native_enum=False, length=16), nullable=False),
    sa.Column('created_at', wbl.extensions.UTCDateTime(), nullable=False),
    sa.Column('updated_at', wbl.extensions.UTCDateTime(), nullable=False),
    sa.CheckConstraint('capacity >= 0', name=op.f('ck_offering_capacity_not_negative')),
    sa.CheckConstraint('end_date IS NULL OR end_date >= start_date', name=op.f('ck_offering_ends_after_start')),
    sa.CheckConstraint('seats_taken >= 0 AND seats_taken <= capacity', name=op.f('ck_offering_seats_within_capacity')),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_offering_partner_id_partner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offering')),
    sa.UniqueConstraint('external_id', name=op.f('uq_offering_external_id'))
    )
    with op.batch_alter_table('offering', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offering_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_offering_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offering_status'), ['status'], unique=False)

    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('full_name', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('created_at', wbl.extensions.UTCDateTime(), nullable=False),
    sa.Column('last_login_at', wbl.extensions.UTCDateTime(), nullable=True),
    sa.Column('invited_at', wbl.extensions.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_user_account_district_id_district')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_user_account_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('email', name=op.f('uq_user_account_email'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_account_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_account_school_id'), ['school_id'], unique=False)

    op.create_table('offering_outcome',
    sa.Column('offering_id', sa.Integer(), nullable=False),
    sa.Column('outcome_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['offering_id'], ['offering.id'], name=op.f('fk_offering_outcome_offering_id_offering'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outcome_id'], ['pog_outcome.id'], name=op.f('fk_offering_outcome_outcome_id_pog_outcome')),
    sa.PrimaryKeyConstraint('offering_id', 'outcome_id', name=op.f('pk_offering_outcome'))
    )
    op.create_table('offering_pathway',
    sa.Column('offering_id', sa.Integer(), nullable=False),
    sa.Column('pathway_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['offering_id'], ['offering.id'], name=op.f('fk_offering_pathway_offering_id_offering'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pathway_id'], ['pathway.id'], name=op.f('fk_offering_pathway_pathway_id_pathway')),
    sa.PrimaryKeyConstraint('offering_id', 'pathway_id', name=op.f('pk_offering_pathway'))
    )
    op.create_table('offering_prerequisite',
    sa.Column('offering_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['preparatory_activity.id'], name=op.f('fk_offering_prerequisite_activity_id_preparatory_activity')),
    sa.ForeignKeyConstraint(['offering_id'], ['offering.id'], name=op.f('fk_offering_prerequisite_offering_id_offering'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('offering_id', 'activity_id', name=op.f('pk_offering_prerequisite'))
    )
    op.create_table('partner_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('job_title', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('is_primary', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_partner_contact_partner_id_partner')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_partner_contact_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_contact')),
    sa.UniqueConstraint('partner_id', 'user_id', name=op.f('uq_partner_contact_partner_id_user_id'))
    )
    with op.batch_alter_table('partner_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_contact_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_contact_user_id'), ['user_id'], unique=False)

    op.create_table('student_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('graduation_year', sa.Integer(), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('home_zip', sa.String(length=10), nullable=False),
    sa.Column('home_latitude', sa.Double(), nullable=True),
    sa.Column('home_longitude', sa.Double(), nullable=True),
    sa.Column('max_travel_miles', sa.Integer(), nullable=False),
    sa.Column('transportation', sa.Enum('car', 'transit', 'walk_bike', 'ride', 'none', name='transportation', native_enum=False, length=16), nullable=False),
    sa.Column('interests', sa.Text(), nullable=False),
    sa.Column('availability', sa.JSON(), nullable=False),
    sa.Column('guardian_name', sa.String(length=120), nullable=False),
    sa.Column('guardian_email', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_student_profile_school_id_school')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_student_profile_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_student_profile')),
    sa.UniqueConstraint('user_id', name=op.f('uq_student_profile_user_id'))
    )
    with op.batch_alter_table('student_profile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_student_profile_school_id'), ['school_id'], unique=False)

    op.create_table('user_role',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('admin', 'staff', 'teacher', 'student', 'employer', name='role', native_enum=False, length=16), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_role_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'role', name=op.f('pk_user_role'))
    )
    op.create_table('student_pathway',
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('pathway_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['pathway_id'], ['pathway.id'], name=op.f('fk_student_pathway_pathway_id_pathway')),
    sa.ForeignKeyConstraint(['student_id'], ['student_profile.id'], name=op.f('fk_student_pathway_student_id_student_profile'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('student_id', 'pathway_id', name=op.f('pk_student_pathway'))
    )


def downgrade():
    op.drop_table('student_pathway')
    op.drop_table('user_role')
    with op.batch_alter_table('student_profile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_student_profile_school_id'))

    op.drop_table('student_profile')
    with op.batch_alter_table('partner_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_contact_user_id'))
        batch_op.drop_index(batch_op.f('ix_partner_contact_partner_id'))

    op.drop_table('partner_contact')
    op.drop_table('offering_prerequisite')
    op.drop_table('offering_pathway')
    op.drop_table('offering_outcome')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_school_id'))
        batch_op.drop_index(batch_op.f('ix_user_account_district_id'))

    op.drop_table('user_account')
    with op.batch_alter_table('offering', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offering_status'))
        batch_op.drop_index(batch_op.f('ix_offering_partner_id'))
        batch_op.drop_index(batch_op.f('ix_offering_kind'))

    op.drop_table('offering')
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_district_id'))

    op.drop_table('school')
    with op.batch_alter_table('pathway', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pathway_sector_id'))

    op.drop_table('pathway')
    with op.batch_alter_table('partner', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_sector_id'))
        batch_op.drop_index(batch_op.f('ix_partner_name'))

    op.drop_table('partner')
    op.drop_table('preparatory_activity')
    op.drop_table('pog_outcome')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_to_email'))
        batch_op.drop_index(batch_op.f('ix_outbox_message_kind'))
        batch_op.drop_index(batch_op.f('ix_outbox_message_created_at'))

    op.drop_table('outbox_message')
    op.drop_table('industry_sector')
    op.drop_table('experience_type')
    op.drop_table('district')
