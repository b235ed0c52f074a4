"""Deal desk: deals, products, price rules, quotes and their lines.

Revision ID: 0007
Revises: 0006
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import domain.models.base
import domain.models.deals

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('deals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('record_type', sa.String(length=64), nullable=False),
    sa.Column('customer_name', sa.String(length=200), nullable=False),
    sa.Column('amount', domain.models.base.Money(), nullable=True),
    sa.Column('close_date', sa.Date(), nullable=True),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('exclusivity_until', sa.Date(), nullable=True),
    sa.Column('won_on', sa.Date(), nullable=True),
    sa.Column('values', JSON_DOC, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['contacts.id'], name=op.f('fk_deals_owner_id_contacts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_deals_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deals'))
    )
    op.create_index('ix_deals_owner_id_id', 'deals', ['owner_id', 'id'], unique=False)
    op.create_index('ix_deals_partner_id_id', 'deals', ['partner_id', 'id'], unique=False)
    op.create_table('products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('list_price', domain.models.base.Money(), nullable=False),
    sa.Column('audience_id', sa.Integer(), nullable=True),
    sa.Column('created_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['audience_id'], ['audiences.id'], name=op.f('fk_products_audience_id_audiences')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('sku', name=op.f('uq_products_sku'))
    )
    op.create_table('price_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=True),
    sa.Column('discount_percent', domain.models.deals.Percent(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('audience_id', sa.Integer(), nullable=True),
    sa.Column('created_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['audience_id'], ['audiences.id'], name=op.f('fk_price_rules_audience_id_audiences')),
    sa.ForeignKeyConstraint(['sku'], ['products.sku'], name=op.f('fk_price_rules_sku_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_rules'))
    )
    op.create_index(op.f('ix_price_rules_sku'), 'price_rules', ['sku'], unique=False)
    op.create_table('quotes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('deal_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('total', domain.models.base.Money(), nullable=False),
    sa.Column('created_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', domain.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['deal_id'], ['deals.id'], name=op.f('fk_quotes_deal_id_deals'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['contacts.id'], name=op.f('fk_quotes_owner_id_contacts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_quotes_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quotes'))
    )
    op.create_index(op.f('ix_quotes_deal_id'), 'quotes', ['deal_id'], unique=False)
    op.create_index('ix_quotes_owner_id_id', 'quotes', ['owner_id', 'id'], unique=False)
    op.create_index('ix_quotes_partner_id_id', 'quotes', ['partner_id', 'id'], unique=False)
    op.create_table('quote_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('list_price', domain.models.base.Money(), nullable=False),
    sa.Column('discount_percent', domain.models.deals.Percent(), nullable=False),
    sa.Column('unit_price', domain.models.base.Money(), nullable=False),
    sa.Column('total', domain.models.base.Money(), nullable=False),
    sa.ForeignKeyConstraint(['quote_id'], ['quotes.id'], name=op.f('fk_quote_lines_quote_id_quotes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quote_lines'))
    )
    op.create_index('ix_quote_lines_quote_id_position', 'quote_lines', ['quote_id', 'position'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_quote_lines_quote_id_position', table_name='quote_lines')
    op.drop_table('quote_lines')
    op.drop_index('ix_quotes_partner_id_id', table_name='quotes')
    op.drop_index('ix_quotes_owner_id_id', table_name='quotes')
    op.drop_index(op.f('ix_quotes_deal_id'), table_name='quotes')
    op.drop_table('quotes')
    op.drop_index(op.f('ix_price_rules_sku'), table_name='price_rules')
    op.drop_table('price_rules')
    op.drop_table('products')
    op.drop_index('ix_deals_partner_id_id', table_name='deals')
    op.drop_index('ix_deals_owner_id_id', table_name='deals')
    op.drop_table('deals')
