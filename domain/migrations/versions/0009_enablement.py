"""Enablement: asset folders, assets, announcements, courses, enrollments, goals.

Completed courses now live in enrollments (status COMPLETED): course_completions goes.

Revision ID: 0009
Revises: 0008
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import domain.models.base

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('asset_folders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('audience_id', sa.Integer(), nullable=True),
    sa.Column('created_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['audience_id'], ['audiences.id'], name=op.f('fk_asset_folders_audience_id_audiences')),
    sa.ForeignKeyConstraint(['parent_id'], ['asset_folders.id'], name=op.f('fk_asset_folders_parent_id_asset_folders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asset_folders'))
    )
    op.create_index('ix_asset_folders_name_id', 'asset_folders', ['name', 'id'], unique=False)
    op.create_index('ix_asset_folders_parent_id', 'asset_folders', ['parent_id'], unique=False)
    op.create_table('asset_folder_paths',
    sa.Column('folder_id', sa.Integer(), nullable=False),
    sa.Column('ancestor_id', sa.Integer(), nullable=False),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ancestor_id'], ['asset_folders.id'], name=op.f('fk_asset_folder_paths_ancestor_id_asset_folders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['folder_id'], ['asset_folders.id'], name=op.f('fk_asset_folder_paths_folder_id_asset_folders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('folder_id', 'ancestor_id', name=op.f('pk_asset_folder_paths'))
    )
    op.create_index('ix_asset_folder_paths_ancestor_id', 'asset_folder_paths', ['ancestor_id', 'folder_id'], unique=False)
    op.create_table('assets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('folder_id', sa.Integer(), nullable=True),
    sa.Column('audience_id', sa.Integer(), nullable=True),
    sa.Column('created_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['audience_id'], ['audiences.id'], name=op.f('fk_assets_audience_id_audiences')),
    sa.ForeignKeyConstraint(['folder_id'], ['asset_folders.id'], name=op.f('fk_assets_folder_id_asset_folders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assets'))
    )
    op.create_index('ix_assets_folder_id_title', 'assets', ['folder_id', 'title', 'id'], unique=False)
    op.create_index('ix_assets_title_id', 'assets', ['title', 'id'], unique=False)
    op.create_table('announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('publish_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', domain.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('audience_id', sa.Integer(), nullable=True),
    sa.Column('created_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['audience_id'], ['audiences.id'], name=op.f('fk_announcements_audience_id_audiences')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements'))
    )
    op.create_index('ix_announcements_publish_at_id', 'announcements', ['publish_at', 'id'], unique=False)
    op.create_table('courses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('audience_id', sa.Integer(), nullable=True),
    sa.Column('auto_enroll_audience_id', sa.Integer(), nullable=True),
    sa.Column('certification_id', sa.Integer(), nullable=True),
    sa.Column('created_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['audience_id'], ['audiences.id'], name=op.f('fk_courses_audience_id_audiences')),
    sa.ForeignKeyConstraint(['auto_enroll_audience_id'], ['audiences.id'], name=op.f('fk_courses_auto_enroll_audience_id_audiences')),
    sa.ForeignKeyConstraint(['certification_id'], ['certifications.id'], name=op.f('fk_courses_certification_id_certifications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_courses')),
    sa.UniqueConstraint('key', name=op.f('uq_courses_key'))
    )
    op.create_table('enrollments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('enrolled_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', domain.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_enrollments_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_enrollments_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrollments')),
    sa.UniqueConstraint('course_id', 'contact_id', name=op.f('uq_enrollments_course_id_contact_id'))
    )
    op.create_index('ix_enrollments_contact_id', 'enrollments', ['contact_id', 'course_id'], unique=False)
    op.create_table('goals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('metric', sa.String(length=32), nullable=False),
    sa.Column('target', domain.models.base.Money(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('audience_id', sa.Integer(), nullable=True),
    sa.Column('created_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['audience_id'], ['audiences.id'], name=op.f('fk_goals_audience_id_audiences')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goals'))
    )
    # Completions recorded before courses existed become completed enrolments (a course per
    # key, titled by its key until a vendor admin renames it).
    op.execute(
        "INSERT INTO courses (key, title, created_at, updated_at) "
        "SELECT course_key, course_key, MIN(completed_at), MIN(completed_at) "
        "FROM course_completions GROUP BY course_key"
    )
    op.execute(
        "INSERT INTO enrollments (course_id, contact_id, progress, status, enrolled_at, "
        "completed_at) SELECT c.id, cc.contact_id, 1.0, 'COMPLETED', cc.completed_at, "
        "cc.completed_at FROM course_completions cc JOIN courses c ON c.key = cc.course_key"
    )
    op.drop_table('course_completions')


def downgrade() -> None:
    op.create_table('course_completions',
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('course_key', sa.String(length=64), nullable=False),
    sa.Column('completed_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_course_completions_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contact_id', 'course_key', name=op.f('pk_course_completions'))
    )
    op.execute(
        "INSERT INTO course_completions (contact_id, course_key, completed_at) "
        "SELECT e.contact_id, c.key, e.completed_at FROM enrollments e "
        "JOIN courses c ON c.id = e.course_id WHERE e.status = 'COMPLETED'"
    )
    op.drop_table('goals')
    op.drop_index('ix_enrollments_contact_id', table_name='enrollments')
    op.drop_table('enrollments')
    op.drop_table('courses')
    op.drop_index('ix_announcements_publish_at_id', table_name='announcements')
    op.drop_table('announcements')
    op.drop_index('ix_assets_title_id', table_name='assets')
    op.drop_index('ix_assets_folder_id_title', table_name='assets')
    op.drop_table('assets')
    op.drop_index('ix_asset_folder_paths_ancestor_id', table_name='asset_folder_paths')
    op.drop_table('asset_folder_paths')
    op.drop_index('ix_asset_folders_parent_id', table_name='asset_folders')
    op.drop_index('ix_asset_folders_name_id', table_name='asset_folders')
    op.drop_table('asset_folders')
