"""Deals: registered by partner contacts against their layout, moved through their stages by
staff and integrators; reads scoped to the principal (domain.visibility.deals_readable).

Every change locks the deal's partner first and refreshes the partner's deal metrics in the
same transaction, so segments reading them (and what those unlock) move before it commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, deals, ids, layouts, metrics, pricing, visibility
from domain.audiences import Matched
from domain.catalogue import load_catalogue
from domain.clock import utcnow
from domain.db import Database
from domain.deals import Stage
from domain.errors import DomainError, ErrorCode, Forbidden, Problems, not_found
from domain.layouts import LayoutEntity
from domain.locks import lock_partners
from domain.models import Deal
from domain.pagination import Keyset, Page, paginate
from domain.principal import Principal
from domain.services import layouts as layout_service
from domain.uow import UnitOfWork

DEAL_ORDER = Keyset((Deal.id,), descending=True)


def deal_target(deal_id: int | str) -> str:
    gid = ids.encode("Deal", deal_id) if isinstance(deal_id, int) else deal_id
    return f"Deal:{gid}"


# ---------------------------------------------------------------- reads


async def deal_page(
    db: Database, principal: Principal, first: int | None, after: str | None
) -> Page[Deal]:
    """Deals the principal may see, newest first."""
    query = select(Deal).where(visibility.deals_readable(principal))
    return await paginate(db, query, DEAL_ORDER, first, after)


async def find_deal(session: AsyncSession, principal: Principal, deal_id: str) -> Deal | None:
    pk = ids.decode_as(deal_id, "Deal")
    if pk is None:
        return None
    return await session.scalar(
        select(Deal).where(Deal.id == pk, visibility.deals_readable(principal))
    )


# ---------------------------------------------------------------- writes


def _summary(deal: Deal) -> dict[str, Any]:
    return {
        "recordType": deal.record_type,
        "customerName": deal.customer_name,
        "amount": deal.amount,
        "closeDate": deal.close_date,
        "stage": deal.stage,
        "exclusivityUntil": deal.exclusivity_until,
        "values": dict(deal.values),
    }


async def register_deal(uow: UnitOfWork, matched: Matched, record_type: Any, values: Any) -> Deal:
    """A contact registers a deal for its company, checked against its layout for the record
    type (`matched`: the audiences the contact matches)."""
    principal = uow.principal
    if not principal.is_contact or principal.partner_id is None:
        raise Forbidden("Only partner contacts register deals.")
    session = uow.session
    problems = Problems()
    mine = await layout_service.for_viewer(session, matched, LayoutEntity.DEAL)
    layout = next((x for x in mine if x.record_type == record_type), None)
    if layout is None:
        problems.add(
            ErrorCode.UNKNOWN_RECORD_TYPE,
            f"You have no deal layout for record type {record_type!r}; yours: "
            f"{[x.record_type for x in mine]}.",
            "recordType",
        )
    if not isinstance(values, dict):
        problems.add(
            ErrorCode.INVALID_VALUE,
            'values: expected a JSON object of field values, e.g. {"customerName": "Acme"}.',
            "values",
        )
    registration = deals.Registration()
    if layout is not None and isinstance(values, dict):
        found = Problems(("values",))
        registration = deals.read_values(
            layouts.fields_of(layout),
            layout.record_type,
            values,
            await load_catalogue(session),
            found,
        )
        problems.extend(found)
    problems.raise_if_any()
    assert layout is not None  # refused above otherwise
    await lock_partners(session, [principal.partner_id])
    deal = Deal(
        partner_id=principal.partner_id,
        owner_id=principal.id,
        record_type=layout.record_type,
        customer_name=registration.customer_name,
        amount=registration.amount,
        close_date=registration.close_date,
        stage=Stage.REGISTERED.value,
        values=registration.attributes,
        version=1,
    )
    session.add(deal)
    await session.flush()
    await metrics.refresh(session, [principal.partner_id], deals.METRICS)
    uow.target = deal_target(deal.id)
    uow.detail = {"after": _summary(deal)}
    return deal


async def _writable_deal(session: AsyncSession, principal: Principal, deal_id: str) -> Deal:
    """A deal the principal may change, locked with its partner first; else NOT_FOUND."""
    pk = ids.decode_as(deal_id, "Deal")
    partner_id = (
        await session.scalar(
            select(Deal.partner_id).where(Deal.id == pk, visibility.deals_writable(principal))
        )
        if pk is not None
        else None
    )
    if partner_id is None:
        raise not_found("deal", ["id"])
    await lock_partners(session, [partner_id])
    deal = await session.scalar(
        select(Deal)
        .where(Deal.id == pk)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if deal is None:
        raise not_found("deal", ["id"])
    return deal


def _changes(deal: Deal, patch: Mapping[str, Any]) -> dict[str, Any]:
    """Column values the patch changes (omitted: unchanged; null clears), validated whole."""
    problems = Problems()
    values: dict[str, Any] = {}
    if "stage" in patch:
        target = deals.stage_move(deal.stage, patch["stage"], problems)
        if target is not None:
            values["stage"] = target.value
    if "amount" in patch:
        amount = patch["amount"]
        try:
            values["amount"] = None if amount is None else pricing.money(amount)
        except ValueError as exc:
            problems.add(ErrorCode.INVALID_VALUE, f"amount: {exc}.", "amount")
    if "exclusivityUntil" in patch:
        until = patch["exclusivityUntil"]
        if until is not None and not isinstance(until, date):
            problems.add(
                ErrorCode.INVALID_VALUE,
                'exclusivityUntil: expected "YYYY-MM-DD".',
                "exclusivityUntil",
            )
        else:
            values["exclusivity_until"] = until
    problems.raise_if_any()
    return {column: value for column, value in values.items() if getattr(deal, column) != value}


async def update_deal(
    uow: UnitOfWork, deal_id: str, patch: Mapping[str, Any], expected_version: int | None
) -> Deal:
    """Move a deal's stage, change its amount or exclusivity (staff and integrators)."""
    session = uow.session
    uow.target = deal_target(deal_id)
    deal = await _writable_deal(session, uow.principal, deal_id)
    if expected_version is not None and expected_version != deal.version:
        raise DomainError.one(
            ErrorCode.VERSION_CONFLICT,
            f"The deal changed since you loaded it (you had version {expected_version}, it is "
            f"now {deal.version}). Reload and apply your change again.",
            ["expectedVersion"],
        )
    changes = _changes(deal, patch)
    before = _summary(deal)
    if changes:
        for column, value in changes.items():
            setattr(deal, column, value)
        if changes.get("stage") == Stage.WON.value:
            deal.won_on = deals.today(utcnow())
        deal.version += 1
        await session.flush()
        await metrics.refresh(session, [deal.partner_id], deals.METRICS)
    uow.detail = audit.diff(before, _summary(deal))
    return deal
