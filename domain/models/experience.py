"""What a contact's portal is made of: layouts, navigation tabs, pages, forms and coach tips.

Every configuration object has an optional audience (null: every partner contact) and can
be changed and removed by a vendor admin. Tabs, pages, forms and tips are named by a
lowercase-kebab key, unique per kind.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
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


class NavTab(Base):
    """One entry of the portal's navigation: contacts see the tabs their audiences admit."""

    __tablename__ = "nav_tabs"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(String(200))  # a relative URL path, e.g. "/deals"
    position: Mapped[int] = mapped_column(Integer, default=0)  # NavTab.order
    audience_id: Mapped[int | None] = mapped_column(ForeignKey("audiences.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PortalPage(Base):
    """A page; a contact's homepage is the highest-priority page its audiences admit."""

    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    audience_id: Mapped[int | None] = mapped_column(ForeignKey("audiences.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Form(Base):
    """A form partner contacts submit; its `on_submit` updates move the partner on (e.g. to
    the next onboarding phase)."""

    __tablename__ = "forms"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    # [{"name", "label", "type", "required"}], in display order
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    # [{"path", "value"}]: rule paths of the submitter's partner or contact, applied in order
    on_submit: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    audience_id: Mapped[int | None] = mapped_column(ForeignKey("audiences.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class FormSubmission(Base):
    """What a contact submitted, kept after the form changes or goes (form_key says which)."""

    __tablename__ = "form_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int | None] = mapped_column(
        ForeignKey("forms.id", ondelete="SET NULL"), index=True
    )
    form_key: Mapped[str] = mapped_column(String(64))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    values: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CoachTip(Base):
    """Advice for a deal stage (null: every stage), shown to the contacts it is for."""

    __tablename__ = "coach_tips"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
    stage: Mapped[str | None] = mapped_column(String(16))
    audience_id: Mapped[int | None] = mapped_column(ForeignKey("audiences.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
