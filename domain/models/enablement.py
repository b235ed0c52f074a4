"""What partners read, learn, earn and are measured on: content, courses, certifications, goals.

Every configuration object has an optional audience (null: every partner contact) and can
be changed and removed by a vendor admin.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.models.base import Base, Money, UTCDateTime


class Certification(Base):
    """A certification contacts hold by key (rules read `contact.certifications`).

    With an award audience it is held exactly while a contact matches it (source AUDIENCE);
    it can also be awarded by hand (MANUAL) or by completing a course (COURSE).
    """

    __tablename__ = "certifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    award_audience_id: Mapped[int | None] = mapped_column(ForeignKey("audiences.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AssetFolder(Base):
    """A folder of assets, nested; a contact sees it only if every enclosing folder's audience
    admits it too (decided in SQL through `asset_folder_paths`)."""

    __tablename__ = "asset_folders"
    __table_args__ = (
        Index("ix_asset_folders_parent_id", "parent_id"),
        Index("ix_asset_folders_name_id", "name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("asset_folders.id"))
    audience_id: Mapped[int | None] = mapped_column(ForeignKey("audiences.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AssetFolderPath(Base):
    """Closure of the folder tree: one row per (folder, ancestor-or-itself), with the distance.

    Kept by domain.content on create, move and delete, so "is every enclosing folder
    visible?" is one indexed NOT EXISTS, whatever the depth.
    """

    __tablename__ = "asset_folder_paths"
    __table_args__ = (Index("ix_asset_folder_paths_ancestor_id", "ancestor_id", "folder_id"),)

    folder_id: Mapped[int] = mapped_column(
        ForeignKey("asset_folders.id", ondelete="CASCADE"), primary_key=True
    )
    ancestor_id: Mapped[int] = mapped_column(
        ForeignKey("asset_folders.id", ondelete="CASCADE"), primary_key=True
    )
    depth: Mapped[int] = mapped_column(Integer)


class Asset(Base):
    """A document, video, link or price sheet, in a folder or at the top level."""

    __tablename__ = "assets"
    __table_args__ = (
        Index("ix_assets_title_id", "title", "id"),
        Index("ix_assets_folder_id_title", "folder_id", "title", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(String(2000))
    folder_id: Mapped[int | None] = mapped_column(ForeignKey("asset_folders.id"))
    audience_id: Mapped[int | None] = mapped_column(ForeignKey("audiences.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Announcement(Base):
    """News shown inside its publish window (publish_at <= now < expires_at)."""

    __tablename__ = "announcements"
    __table_args__ = (Index("ix_announcements_publish_at_id", "publish_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    publish_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    audience_id: Mapped[int | None] = mapped_column(ForeignKey("audiences.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Course(Base):
    """A course contacts see (audience) and are enrolled in automatically while they match
    `auto_enroll_audience` (None: nobody automatically); completing it may award a
    certification."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    audience_id: Mapped[int | None] = mapped_column(ForeignKey("audiences.id"))
    auto_enroll_audience_id: Mapped[int | None] = mapped_column(ForeignKey("audiences.id"))
    certification_id: Mapped[int | None] = mapped_column(ForeignKey("certifications.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Enrollment(Base):
    """One contact in one course: progress 0-1, status ENROLLED, IN_PROGRESS or COMPLETED.

    Rules read the completed ones as `contact.completedCourses` (course keys).
    """

    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("course_id", "contact_id"),
        Index("ix_enrollments_contact_id", "contact_id", "course_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(16), default="ENROLLED")
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Goal(Base):
    """A target for a metric over a period, for the partners an audience names."""

    __tablename__ = "goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(32))
    target: Mapped[Decimal] = mapped_column(Money)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    audience_id: Mapped[int | None] = mapped_column(ForeignKey("audiences.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
