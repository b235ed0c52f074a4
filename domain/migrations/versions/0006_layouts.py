"""Layouts: the fields each record type shows and accepts, per audience.

Revision ID: 0006
Revises: 0005
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import domain.models.base

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('layouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=16), nullable=False),
    sa.Column('record_type', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('fields', JSON_DOC, nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('audience_id', sa.Integer(), nullable=True),
    sa.Column('created_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['audience_id'], ['audiences.id'], name=op.f('fk_layouts_audience_id_audiences')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_layouts'))
    )
    op.create_index('ix_layouts_entity_record_type', 'layouts', ['entity', 'record_type'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_layouts_entity_record_type', table_name='layouts')
    op.drop_table('layouts')
