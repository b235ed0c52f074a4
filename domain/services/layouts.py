"""Layouts: created, changed and removed by vendor admins; chosen per viewer by audience."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain import audiences, ids, layouts
from domain.audiences import Matched
from domain.catalogue import load_catalogue
from domain.errors import DomainError, ErrorCode, Problems, not_found
from domain.layouts import LayoutEntity
from domain.models import Layout
from domain.uow import UnitOfWork


async def for_viewer(session: AsyncSession, matched: Matched, entity: LayoutEntity) -> list[Layout]:
    """One layout per record type this viewer may use (staff, API keys: every layout), read
    once per access version and audience set."""

    async def load(session: AsyncSession) -> list[Layout]:
        rows = await session.scalars(layouts.of_entity(entity))
        admits = None if matched is None else partial(audiences.admits, matched)
        return layouts.choose(rows, admits)

    return await audiences.configured(session, ("layouts", entity, matched), load)


async def chosen(
    session: AsyncSession, matched: Matched, entity: LayoutEntity, record_type: str
) -> Layout | None:
    """The layout this viewer uses for one record type (None: it has none)."""
    found = [
        layout
        for layout in await for_viewer(session, matched, entity)
        if layout.record_type == record_type
    ]
    return found[0] if found else None


def _summary(layout: Layout) -> dict[str, Any]:
    return {
        "entity": layout.entity,
        "recordType": layout.record_type,
        "label": layout.label,
        "fields": layout.fields,
        "priority": layout.priority,
        "audienceId": layout.audience_id,
    }


async def _apply(uow: UnitOfWork, layout: Layout, spec: Mapping[str, Any]) -> None:
    """Validate a LayoutInput (GraphQL names) whole and write it into `layout`."""
    session = uow.session
    problems = Problems(("input",))
    try:
        entity = LayoutEntity(spec.get("entity") or "")  # none given: refused below
    except ValueError:
        raise DomainError.one(
            ErrorCode.INVALID_VALUE, "entity: DEAL, QUOTE or PARTNER_PROFILE.", ["input", "entity"]
        ) from None
    catalogue = await load_catalogue(session)
    record_type, label, fields = layouts.validate(
        entity,
        spec.get("recordType"),
        spec.get("label"),
        spec.get("fields") or [],
        catalogue,
        problems,
    )
    priority = spec.get("priority")
    if priority is not None and not -1_000_000 <= priority <= 1_000_000:
        problems.add(ErrorCode.INVALID_VALUE, "priority: between -1000000 and 1000000.", "priority")
    audience = None
    try:
        audience = await audiences.validate(session, spec.get("audience"), ["input", "audience"])
    except DomainError as exc:
        problems.items.extend(exc.problems)
    problems.raise_if_any()
    layout.entity, layout.record_type, layout.label = entity.value, record_type, label
    layout.fields = [f.as_dict() for f in fields]
    layout.priority = priority or 0
    layout.audience_id = await audiences.store(session, audience)
    session.add(layout)
    await session.flush()
    await audiences.bump_access_version(session)  # every worker uses the change next request


async def create_layout(uow: UnitOfWork, spec: Mapping[str, Any]) -> Layout:
    layout = Layout()
    await _apply(uow, layout, spec)
    uow.target = f"Layout:{ids.encode('Layout', layout.id)}"
    uow.detail = {"after": _summary(layout)}
    return layout


async def _find(session: AsyncSession, layout_id: str) -> Layout:
    pk = ids.decode_as(layout_id, "Layout")
    layout = await session.get(Layout, pk, with_for_update=True) if pk is not None else None
    if layout is None:
        raise not_found("layout", ["id"])
    return layout


async def update_layout(uow: UnitOfWork, layout_id: str, spec: Mapping[str, Any]) -> Layout:
    """Replace a layout's definition (LayoutInput is whole: fields, priority, audience)."""
    uow.target = f"Layout:{layout_id}"
    layout = await _find(uow.session, layout_id)
    before = _summary(layout)
    await _apply(uow, layout, spec)
    uow.detail = {"before": before, "after": _summary(layout)}
    return layout


async def delete_layout(uow: UnitOfWork, layout_id: str) -> Layout:
    uow.target = f"Layout:{layout_id}"
    layout = await _find(uow.session, layout_id)
    uow.detail = {"before": _summary(layout)}
    await uow.session.delete(layout)
    await uow.session.flush()
    await audiences.bump_access_version(uow.session)
    return layout
