"""Catalogue stamps gain a random epoch, so a restored database never matches a stale cache.

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('catalog_state') as batch:
        batch.add_column(sa.Column('epoch', sa.BigInteger(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('catalog_state') as batch:
        batch.drop_column('epoch')
