"""single sign-on identities

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 09:00:00.000000

Students and teachers sign in through their district's OpenID Connect provider (issue 15). The
first sign-in matches an account by e-mail; sso_identity then keeps the provider's issuer and
subject for it, so that later sign-ins match by that pair, which outlives a changed address.
One identity per issuer and subject, and one per account and issuer.

"""
from alembic import op
import sqlalchemy as sa

import wbl.extensions


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sso_identity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=255), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('created_at', wbl.extensions.UTCDateTime(), nullable=False),
    sa.Column('last_used_at', wbl.extensions.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_sso_identity_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sso_identity')),
    sa.UniqueConstraint('issuer', 'subject', name=op.f('uq_sso_identity_issuer_subject')),
    sa.UniqueConstraint('user_id', 'issuer', name=op.f('uq_sso_identity_user_id_issuer'))
    )


def downgrade():
    op.drop_table('sso_identity')
