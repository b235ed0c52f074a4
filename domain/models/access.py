"""Audiences (stored once, shared by everything they gate) and action and field policies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.models.base import Base, JSONDoc, UTCDateTime


class Audience(Base):
    """{anySegments, allSegments, noneSegments, roles}; identical audiences share one row."""

    __tablename__ = "audiences"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the canonical (sorted) definition: the same audience is always the same row.
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    any_segments: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    all_segments: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    none_segments: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    roles: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AudienceSegment(Base):
    """Which segment keys an audience names (for SEGMENT_IN_USE and impact lookups)."""

    __tablename__ = "audience_segments"

    audience_id: Mapped[int] = mapped_column(
        ForeignKey("audiences.id", ondelete="CASCADE"), primary_key=True
    )
    segment_key: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class ActionPolicy(Base):
    __tablename__ = "action_policies"

    action: Mapped[str] = mapped_column(String(32), primary_key=True)
    # NULL: every partner contact may.
    audience_id: Mapped[int | None] = mapped_column(ForeignKey("audiences.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class FieldPolicy(Base):
    __tablename__ = "field_policies"

    type_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    field_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    audience_id: Mapped[int] = mapped_column(ForeignKey("audiences.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
