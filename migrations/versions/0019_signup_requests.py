"""signup requests

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 03:40:47.337112

Businesses and volunteers sign themselves up (issue 15): one row per request, with what was
typed, its status (submitted → confirmed → approved or declined), who decided when and why,
and the partner and account an approval made or linked. One index serves the staff queue
(kind, status, oldest first), one the look-up by e-mail address.

"""
from alembic import op
import sqlalchemy as sa

import wbl.extensions


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('signup_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('partner', 'volunteer', name='signupkind', native_enum=False, length=16), nullable=False),
    sa.Column('status', sa.Enum('submitted', 'confirmed', 'approved', 'declined', name='signupstatus', native_enum=False, length=16), nullable=False),
    sa.Column('full_name', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('job_title', sa.String(length=120), nullable=False),
    sa.Column('organisation', sa.String(length=160), nullable=False),
    sa.Column('sector_id', sa.Integer(), nullable=True),
    sa.Column('street_address', sa.String(length=200), nullable=False),
    sa.Column('city', sa.String(length=80), nullable=False),
    sa.Column('zip', sa.String(length=10), nullable=False),
    sa.Column('website', sa.String(length=300), nullable=False),
    sa.Column('business_phone', sa.String(length=40), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('experience_kinds', sa.JSON(), nullable=False),
    sa.Column('endorses_certificate', sa.Boolean(), nullable=False),
    sa.Column('background', sa.Enum('employer', 'educator', name='background', native_enum=False, length=16), nullable=True),
    sa.Column('reviews', sa.Boolean(), nullable=False),
    sa.Column('interviews', sa.Boolean(), nullable=False),
    sa.Column('created_at', wbl.extensions.UTCDateTime(), nullable=False),
    sa.Column('confirmed_at', wbl.extensions.UTCDateTime(), nullable=True),
    sa.Column('decided_at', wbl.extensions.UTCDateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_signup_request_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_signup_request_partner_id_partner')),
    sa.ForeignKeyConstraint(['sector_id'], ['industry_sector.id'], name=op.f('fk_signup_request_sector_id_industry_sector')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_signup_request_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signup_request'))
    )
    with op.batch_alter_table('signup_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signup_request_email'), ['email'], unique=False)
        batch_op.create_index('ix_signup_request_queue', ['kind', 'status', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('signup_request', schema=None) as batch_op:
        batch_op.drop_index('ix_signup_request_queue')
        batch_op.drop_index(batch_op.f('ix_signup_request_email'))

    op.drop_table('signup_request')
