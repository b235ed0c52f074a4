"""Segments, their materialised membership and its history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.models.base import Base, JSONDoc, UTCDateTime


class Segment(Base):
    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(String(16))
    rule: Mapped[Any | None] = mapped_column(JSONDoc)
    # The field paths the rule reads, so a data change re-evaluates only segments that care.
    reads: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    time_dependent: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SegmentDependency(Base):
    """Segment `segment_id` names `depends_on_id` in its rule."""

    __tablename__ = "segment_dependencies"

    segment_id: Mapped[int] = mapped_column(
        ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True
    )
    depends_on_id: Mapped[int] = mapped_column(
        ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class SegmentOverride(Base):
    """Include (always a member) and exclude (never a member) lists."""

    __tablename__ = "segment_overrides"

    segment_id: Mapped[int] = mapped_column(
        ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # INCLUDE / EXCLUDE
    subject_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class SegmentManager(Base):
    __tablename__ = "segment_managers"

    segment_id: Mapped[int] = mapped_column(
        ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True
    )
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_members.id", ondelete="CASCADE"), primary_key=True, index=True
    )


# segment_members and membership_events are derived, high-volume tables: a recompute may
# write millions of rows, and a per-row foreign-key check (a trigger on PostgreSQL) costs
# ~40% of that. They carry no foreign key; deleting a segment deletes its rows explicitly
# (domain.segments.service.delete_segment), the only path that removes a segment.


class SegmentMember(Base):
    __tablename__ = "segment_members"
    __table_args__ = (
        Index("ix_segment_members_subject", "subject_id", "segment_id"),
        # SQLite: the primary key is the table (one B-tree fewer per membership written).
        {"sqlite_with_rowid": False},
    )

    segment_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A partner id for PARTNER segments, a contact id for CONTACT segments.
    subject_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MembershipEvent(Base):
    __tablename__ = "membership_events"
    # History is read per segment, newest first; nothing reads events by subject.
    __table_args__ = (Index("ix_membership_events_segment", "segment_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(Integer)
    subject_id: Mapped[int] = mapped_column(Integer)
    change: Mapped[str] = mapped_column(String(8))  # JOINED / LEFT
    cause: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CatalogState(Base):
    """One row: bumped whenever segments, picklists or attribute definitions change,
    so every worker knows when its compiled segment index is stale."""

    __tablename__ = "catalog_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Drawn anew with every bump: a restored database's repeated counter never matches.
    epoch: Mapped[int] = mapped_column(BigInteger, default=0)


class ContactCertification(Base):
    """Certifications a contact holds, by key (rules read them as contact.certifications)."""

    __tablename__ = "contact_certifications"

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    certification_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(String(16))  # AUDIENCE, MANUAL, COURSE
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
