"""county settings

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08 10:00:00.000000

The county's name, time zone, base URL and logo move from the server's configuration into
one row that administrators edit (Administration ▸ County settings). No row is written here:
until an administrator saves the settings, the configuration (WBL_COUNTY_NAME, WBL_TIMEZONE,
WBL_BASE_URL) stands in for them, so a deployment that set those keeps working unchanged.

"""
from alembic import op
import sqlalchemy as sa

import wbl.extensions


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('county_settings',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('base_url', sa.String(length=300), nullable=False),
    sa.Column('logo_key', sa.String(length=80), nullable=True),
    sa.Column('logo_content_type', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', wbl.extensions.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('id = 1', name=op.f('ck_county_settings_single_row')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_county_settings_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_county_settings'))
    )


def downgrade():
    op.drop_table('county_settings')
