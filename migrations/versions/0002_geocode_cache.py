"""geocode cache for the optional street-address geocoder

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 19:27:22.122881

"""
from alembic import op
import sqlalchemy as sa

import wbl.extensions


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('geocode_cache',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('query', sa.String(length=400), nullable=False),
    sa.Column('latitude', sa.Double(), nullable=False),
    sa.Column('longitude', sa.Double(), nullable=False),
    sa.Column('created_at', wbl.extensions.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_geocode_cache')),
    sa.UniqueConstraint('query', name=op.f('uq_geocode_cache_query'))
    )


def downgrade():
    op.drop_table('geocode_cache')
