"""What a contact's portal is made of: layouts (navigation, pages, forms and tips join them).

Every configuration object has an optional audience (null: every partner contact) and can
be changed and removed by a vendor admin.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.models.base import Base, JSONDoc, UTCDateTime


class Layout(Base):
    """The fields a record type shows and accepts, for one entity (DEAL, QUOTE, PARTNER_PROFILE).

    Per (entity, record type) a contact gets the highest-priority layout whose audience it
    matches: different deal registration forms per partner type.
    """

    __tablename__ = "layouts"
    __table_args__ = (Index("ix_layouts_entity_record_type", "entity", "record_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(16))
    record_type: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    # [{"name", "label", "required", "readOnly"}], in display order
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    audience_id: Mapped[int | None] = mapped_column(ForeignKey("audiences.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
