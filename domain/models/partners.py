"""Partner companies, their contacts and the derived metrics segments read."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.clock import utcnow
from domain.models.base import Base, JSONDoc, Money, UTCDateTime


class Partner(Base):
    __tablename__ = "partners"
    __table_args__ = (
        Index("ix_partners_tier", "tier"),
        Index("ix_partners_type", "type"),
        Index("ix_partners_region", "region"),
        Index("ix_partners_name_id", "name", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(64))
    tier: Mapped[str] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(2))
    phase: Mapped[str] = mapped_column(String(64))
    verticals: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    metrics: Mapped[PartnerMetrics] = relationship(
        back_populates="partner", lazy="raise", uselist=False
    )


class PartnerMetrics(Base):
    """Figures derived from deals, training and engagement; kept current by domain.metrics."""

    __tablename__ = "partner_metrics"

    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    )
    won_revenue_12m: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    open_pipeline: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    deals_won_12m: Mapped[int] = mapped_column(Integer, default=0)
    deals_registered_90d: Mapped[int] = mapped_column(Integer, default=0)
    certified_contacts: Mapped[int] = mapped_column(Integer, default=0)
    training_completion_rate: Mapped[float] = mapped_column(Float, default=0.0)
    engagement_score: Mapped[float] = mapped_column(Float, default=0.0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    partner: Mapped[Partner] = relationship(back_populates="metrics", lazy="raise")


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_partner_id", "partner_id", "id"),
        Index("ix_contacts_role", "role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    title: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="INVITED")
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    password_hash: Mapped[str | None] = mapped_column(Text)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
