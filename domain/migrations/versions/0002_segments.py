"""Segments: rules, materialised membership, events, managers; certification and course keys.

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sqlalchemy.dialects import postgresql

import domain.models.base

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('catalog_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_state'))
    )
    op.bulk_insert(
        sa.table('catalog_state', sa.column('id', sa.Integer), sa.column('version', sa.Integer)),
        [{'id': 1, 'version': 1}],
    )
    op.create_table('segments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('subject', sa.String(length=16), nullable=False),
    sa.Column('rule', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('reads', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('time_dependent', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_segments')),
    sa.UniqueConstraint('key', name=op.f('uq_segments_key'))
    )
    op.create_table('membership_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('segment_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('change', sa.String(length=8), nullable=False),
    sa.Column('cause', sa.String(length=20), nullable=False),
    sa.Column('at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_membership_events'))
    )
    with op.batch_alter_table('membership_events', schema=None) as batch_op:
        batch_op.create_index('ix_membership_events_segment', ['segment_id', 'id'], unique=False)

    op.create_table('segment_dependencies',
    sa.Column('segment_id', sa.Integer(), nullable=False),
    sa.Column('depends_on_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['depends_on_id'], ['segments.id'], name=op.f('fk_segment_dependencies_depends_on_id_segments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['segment_id'], ['segments.id'], name=op.f('fk_segment_dependencies_segment_id_segments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('segment_id', 'depends_on_id', name=op.f('pk_segment_dependencies'))
    )
    with op.batch_alter_table('segment_dependencies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_segment_dependencies_depends_on_id'), ['depends_on_id'], unique=False)

    op.create_table('segment_managers',
    sa.Column('segment_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['segment_id'], ['segments.id'], name=op.f('fk_segment_managers_segment_id_segments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_members.id'], name=op.f('fk_segment_managers_staff_id_staff_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('segment_id', 'staff_id', name=op.f('pk_segment_managers'))
    )
    with op.batch_alter_table('segment_managers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_segment_managers_staff_id'), ['staff_id'], unique=False)

    op.create_table('segment_members',
    sa.Column('segment_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('since', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('segment_id', 'subject_id', name=op.f('pk_segment_members')),
    sqlite_with_rowid=False,
    )
    with op.batch_alter_table('segment_members', schema=None) as batch_op:
        batch_op.create_index('ix_segment_members_subject', ['subject_id', 'segment_id'], unique=False)

    op.create_table('segment_overrides',
    sa.Column('segment_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['segment_id'], ['segments.id'], name=op.f('fk_segment_overrides_segment_id_segments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('segment_id', 'kind', 'subject_id', name=op.f('pk_segment_overrides'))
    )
    op.create_table('contact_certifications',
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('certification_key', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('since', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_certifications_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contact_id', 'certification_key', name=op.f('pk_contact_certifications'))
    )
    op.create_table('course_completions',
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('course_key', sa.String(length=64), nullable=False),
    sa.Column('completed_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_course_completions_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contact_id', 'course_key', name=op.f('pk_course_completions'))
    )


def downgrade() -> None:
    op.drop_table('course_completions')
    op.drop_table('contact_certifications')
    op.drop_table('segment_overrides')
    with op.batch_alter_table('segment_members', schema=None) as batch_op:
        batch_op.drop_index('ix_segment_members_subject')

    op.drop_table('segment_members')
    with op.batch_alter_table('segment_managers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_segment_managers_staff_id'))

    op.drop_table('segment_managers')
    with op.batch_alter_table('segment_dependencies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_segment_dependencies_depends_on_id'))

    op.drop_table('segment_dependencies')
    with op.batch_alter_table('membership_events', schema=None) as batch_op:
        batch_op.drop_index('ix_membership_events_segment')

    op.drop_table('membership_events')
    op.drop_table('segments')
    op.drop_table('catalog_state')
