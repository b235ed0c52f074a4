"""Quotes: made by partner contacts at the prices of the moment, submitted by them, reviewed
by staff; reads scoped to the principal (domain.visibility.quotes_readable).

A quote's lines keep the list price, discount and unit price they were made with: later
price changes, and removing a product, leave it as it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from domain import audiences, ids, pricing, validation, visibility
from domain.audiences import Matched
from domain.db import Database
from domain.errors import DomainError, ErrorCode, Forbidden, Problems, not_found
from domain.models import Deal, Product, Quote, QuoteLine
from domain.pagination import Keyset, Page, paginate
from domain.principal import Principal
from domain.services.products import admitted_rules
from domain.uow import UnitOfWork

QUOTE_ORDER = Keyset((Quote.id,), descending=True)


class QuoteStatus(StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


def quote_target(quote_id: int | str) -> str:
    gid = ids.encode("Quote", quote_id) if isinstance(quote_id, int) else quote_id
    return f"Quote:{gid}"


# ---------------------------------------------------------------- reads


async def quote_page(
    db: Database, principal: Principal, first: int | None, after: str | None
) -> Page[Quote]:
    """Quotes the principal may see, newest first."""
    query = select(Quote).where(visibility.quotes_readable(principal))
    return await paginate(db, query, QUOTE_ORDER, first, after)


async def find_quote(session: AsyncSession, principal: Principal, quote_id: str) -> Quote | None:
    pk = ids.decode_as(quote_id, "Quote")
    if pk is None:
        return None
    return await session.scalar(
        select(Quote).where(Quote.id == pk, visibility.quotes_readable(principal))
    )


# ---------------------------------------------------------------- creating


def _quantity(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("expected a whole number")
    if not 1 <= value <= pricing.MAX_QUANTITY:
        raise ValueError(f"expected 1 to {pricing.MAX_QUANTITY:,}, got {value}")
    return value


async def _visible_deal(
    session: AsyncSession, principal: Principal, deal_id: Any, problems: Problems
) -> int | None:
    if deal_id is None:
        return None
    pk = ids.decode_as(deal_id, "Deal") if isinstance(deal_id, str) else None
    found = (
        await session.scalar(
            select(Deal.id).where(Deal.id == pk, visibility.deals_readable(principal))
        )
        if pk is not None
        else None
    )
    if found is None:
        problems.add(ErrorCode.NOT_FOUND, "No deal with this id.", "dealId")
    return found


async def _priced_lines(
    session: AsyncSession, matched: Matched, lines: Sequence[Mapping[str, Any]], problems: Problems
) -> list[QuoteLine]:
    """One priced line per input line; an unknown sku and one the viewer may not quote are
    the same UNKNOWN_PRODUCT, so a quote reveals nothing about the catalogue."""
    skus = sorted(
        {
            sku
            for line in lines
            if isinstance(sku := line.get("sku"), str) and validation.storable(sku)
        }
    )
    products = {
        p.sku: p
        for p in await session.scalars(
            select(Product).where(
                Product.sku.in_(skus), audiences.admitted(matched, Product.audience_id)
            )
        )
    }
    rules = await admitted_rules(session, matched, skus)
    priced: list[QuoteLine] = []
    for i, line in enumerate(lines):
        sku = line.get("sku")
        try:
            quantity = _quantity(line.get("quantity"))
        except ValueError as exc:
            problems.add(ErrorCode.INVALID_VALUE, f"quantity: {exc}.", "lines", i, "quantity")
            quantity = None
        product = products.get(sku) if isinstance(sku, str) else None
        if product is None:
            problems.add(
                ErrorCode.UNKNOWN_PRODUCT,
                f"There is no product {sku!r} you may quote; `products` lists those you may.",
                "lines",
                i,
                "sku",
            )
        if product is None or quantity is None:
            continue
        discount = pricing.discount_for(rules, product.sku)
        unit = pricing.unit_price(product.list_price, discount)
        total = unit * quantity
        if total > pricing.MAX_TOTAL:
            problems.add(
                ErrorCode.INVALID_VALUE,
                f"quantity: the line would total {total:,}; at most {pricing.MAX_TOTAL:,}.",
                "lines",
                i,
                "quantity",
            )
            continue
        priced.append(
            QuoteLine(
                position=i,
                sku=product.sku,
                quantity=quantity,
                list_price=product.list_price,
                discount_percent=discount,
                unit_price=unit,
                total=total,
            )
        )
    return priced


async def create_quote(uow: UnitOfWork, matched: Matched, spec: Mapping[str, Any]) -> Quote:
    """A DRAFT quote for the contact's company, priced for the contact now (`matched`: the
    audiences it matches). One bad line refuses the whole quote."""
    principal = uow.principal
    if not principal.is_contact or principal.partner_id is None:
        raise Forbidden("Only partner contacts create quotes.")
    session = uow.session
    uow.target = "Quote"
    problems = Problems(("input",))
    lines = list(spec.get("lines") or [])
    if not lines:
        problems.add(ErrorCode.REQUIRED, "A quote needs at least one line.", "lines")
    elif len(lines) > pricing.MAX_LINES:
        problems.add(
            ErrorCode.TOO_MANY, f"At most {pricing.MAX_LINES} lines; got {len(lines)}.", "lines"
        )
    deal_id = await _visible_deal(session, principal, spec.get("dealId"), problems)
    priced: list[QuoteLine] = []
    if lines and len(lines) <= pricing.MAX_LINES:
        priced = await _priced_lines(session, matched, lines, problems)
    total = sum((line.total for line in priced), Decimal("0.00"))
    if not problems and total > pricing.MAX_TOTAL:
        problems.add(
            ErrorCode.INVALID_VALUE,
            f"The quote would total {total:,}; at most {pricing.MAX_TOTAL:,}.",
            "lines",
        )
    problems.raise_if_any()
    quote = Quote(
        partner_id=principal.partner_id,
        owner_id=principal.id,
        deal_id=deal_id,
        status=QuoteStatus.DRAFT.value,
        total=total,
    )
    session.add(quote)
    await session.flush()
    for line in priced:
        line.quote_id = quote.id
    session.add_all(priced)
    await session.flush()
    uow.target = quote_target(quote.id)
    uow.detail = {
        "after": {
            "dealId": spec.get("dealId"),
            "lines": [{"sku": x.sku, "quantity": x.quantity, "total": x.total} for x in priced],
            "total": total,
        }
    }
    return quote


# ---------------------------------------------------------------- lifecycle


async def _quote_for_change(
    session: AsyncSession, quote_id: str, scope: ColumnElement[bool]
) -> Quote:
    """A quote within `scope`, locked for the change; else NOT_FOUND."""
    pk = ids.decode_as(quote_id, "Quote")
    allowed = (
        await session.scalar(select(Quote.id).where(Quote.id == pk, scope))
        if pk is not None
        else None
    )
    quote = (
        await session.scalar(
            select(Quote)
            .where(Quote.id == allowed)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if allowed is not None
        else None
    )
    if quote is None:
        raise not_found("quote", ["id"])
    return quote


def _move(quote: Quote, expected: QuoteStatus, target: QuoteStatus) -> None:
    if quote.status != expected.value:
        raise DomainError.one(
            ErrorCode.INVALID_TRANSITION,
            f"A {quote.status} quote cannot become {target.value}; only a {expected.value} "
            "one can.",
            ["id"],
        )
    quote.status = target.value


async def submit_quote(uow: UnitOfWork, quote_id: str) -> Quote:
    """DRAFT -> SUBMITTED, by a contact of the quote's company that may see it."""
    principal = uow.principal
    uow.target = quote_target(quote_id)
    if not principal.is_contact:
        raise Forbidden("Only partner contacts submit quotes.")
    quote = await _quote_for_change(uow.session, quote_id, visibility.quotes_readable(principal))
    before = quote.status
    _move(quote, QuoteStatus.DRAFT, QuoteStatus.SUBMITTED)
    await uow.session.flush()
    uow.detail = {"status": {"before": before, "after": quote.status}}
    return quote


async def review_quote(uow: UnitOfWork, quote_id: str, approve: bool) -> Quote:
    """SUBMITTED -> APPROVED or REJECTED, by a vendor admin or the partner's channel manager."""
    uow.target = quote_target(quote_id)
    scope = visibility.quotes_reviewable(uow.principal)
    quote = await _quote_for_change(uow.session, quote_id, scope)
    before = quote.status
    _move(quote, QuoteStatus.SUBMITTED, QuoteStatus.APPROVED if approve else QuoteStatus.REJECTED)
    await uow.session.flush()
    uow.detail = {"status": {"before": before, "after": quote.status}}
    return quote
