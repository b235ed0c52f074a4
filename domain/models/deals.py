"""The deal desk: registered deals, the product catalogue with its prices, and quotes.

Money is exact (`Money`: whole cents in BIGINT) and so are percentages (`Percent`: whole
hundredths), on SQLite as on PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.models.base import Base, JSONDoc, Money, UTCDateTime


class Percent(Money):
    """A percentage with two decimals ("12.5" = 12.5 %), stored exactly as whole hundredths."""

    cache_ok = True


class Deal(Base):
    """A deal a partner contact registered; staff and integrators move it through its stages.

    `values` holds the record type's attribute fields (declared DEAL attributes); the
    built-in fields have columns of their own.
    """

    __tablename__ = "deals"
    __table_args__ = (
        Index("ix_deals_partner_id_id", "partner_id", "id"),
        Index("ix_deals_owner_id_id", "owner_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    # The contact who registered it (kept null if that contact is ever removed).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    record_type: Mapped[str] = mapped_column(String(64))
    customer_name: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    close_date: Mapped[date | None] = mapped_column(Date)
    stage: Mapped[str] = mapped_column(String(16))
    exclusivity_until: Mapped[date | None] = mapped_column(Date)
    won_on: Mapped[date | None] = mapped_column(Date)  # the (UTC) day it became WON
    values: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Product(Base):
    """Something partners may quote; its audience decides who may see and quote it."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    list_price: Mapped[Decimal] = mapped_column(Money)
    audience_id: Mapped[int | None] = mapped_column(ForeignKey("audiences.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PriceRule(Base):
    """A discount for the contacts its audience admits, on one product (sku) or all (null).

    Removing a product removes the rules naming it.
    """

    __tablename__ = "price_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str | None] = mapped_column(
        ForeignKey("products.sku", ondelete="CASCADE"), index=True
    )
    discount_percent: Mapped[Decimal] = mapped_column(Percent)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    audience_id: Mapped[int | None] = mapped_column(ForeignKey("audiences.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Quote(Base):
    """A partner contact's quote, priced for it when it was made (DRAFT, SUBMITTED, ...)."""

    __tablename__ = "quotes"
    __table_args__ = (
        Index("ix_quotes_partner_id_id", "partner_id", "id"),
        Index("ix_quotes_owner_id_id", "owner_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    deal_id: Mapped[int | None] = mapped_column(
        ForeignKey("deals.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    total: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class QuoteLine(Base):
    """One line of a quote with the prices of the moment it was made (never recomputed).

    `sku` is text, not a key: a line outlives its product.
    """

    __tablename__ = "quote_lines"
    __table_args__ = (
        Index("ix_quote_lines_quote_id_position", "quote_id", "position", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    sku: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)
    list_price: Mapped[Decimal] = mapped_column(Money)
    discount_percent: Mapped[Decimal] = mapped_column(Percent)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
