"""The data catalogue: picklists and declared custom attributes."""

from __future__ import annotations

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base


class PicklistValue(Base):
    __tablename__ = "picklist_values"
    __table_args__ = (UniqueConstraint("field", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    field: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    rank: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)


class AttributeDefinition(Base):
    __tablename__ = "attribute_definitions"
    __table_args__ = (UniqueConstraint("subject", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(200))
