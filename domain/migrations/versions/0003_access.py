"""Access: audiences (stored once), action and field policies, the access-policy version.

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sqlalchemy.dialects import postgresql

import domain.models.base

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # catalog_state row 2 versions audiences and policies (row 1 versions segments).
    op.bulk_insert(
        sa.table('catalog_state', sa.column('id', sa.Integer), sa.column('version', sa.Integer)),
        [{'id': 2, 'version': 1}],
    )
    op.create_table('audiences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('any_segments', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('all_segments', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('none_segments', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('roles', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audiences')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_audiences_fingerprint'))
    )
    op.create_table('action_policies',
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('audience_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['audience_id'], ['audiences.id'], name=op.f('fk_action_policies_audience_id_audiences')),
    sa.PrimaryKeyConstraint('action', name=op.f('pk_action_policies'))
    )
    op.create_table('audience_segments',
    sa.Column('audience_id', sa.Integer(), nullable=False),
    sa.Column('segment_key', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['audience_id'], ['audiences.id'], name=op.f('fk_audience_segments_audience_id_audiences'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('audience_id', 'segment_key', name=op.f('pk_audience_segments'))
    )
    with op.batch_alter_table('audience_segments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audience_segments_segment_key'), ['segment_key'], unique=False)

    op.create_table('field_policies',
    sa.Column('type_name', sa.String(length=64), nullable=False),
    sa.Column('field_name', sa.String(length=64), nullable=False),
    sa.Column('audience_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['audience_id'], ['audiences.id'], name=op.f('fk_field_policies_audience_id_audiences')),
    sa.PrimaryKeyConstraint('type_name', 'field_name', name=op.f('pk_field_policies'))
    )


def downgrade() -> None:
    op.execute("DELETE FROM catalog_state WHERE id = 2")
    op.drop_table('field_policies')
    with op.batch_alter_table('audience_segments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audience_segments_segment_key'))

    op.drop_table('audience_segments')
    op.drop_table('action_policies')
    op.drop_table('audiences')
