"""What partners learn and earn: certifications (courses, assets and goals join them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.models.base import Base, UTCDateTime


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
