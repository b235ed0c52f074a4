"""Products and price rules: configured by vendor admins; listed and priced per viewer.

A contact sees (and may quote) the products whose audience admits it, each at the best
discount among the price rules that admit it; staff and API keys see every product at its
list price. Products and rules are read from the database on every request, so a change
is seen by every worker from the next request on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audiences, audit, ids, pricing, validation
from domain.audiences import Matched
from domain.errors import DomainError, ErrorCode, Problems, not_found
from domain.models import PriceRule, Product
from domain.uow import UnitOfWork

MAX_NAME = 200


@dataclass(frozen=True)
class Priced:
    """A product as one viewer may quote it."""

    product: Product
    price: Decimal
    discount_percent: Decimal


async def admitted_rules(
    session: AsyncSession, matched: Matched, skus: Sequence[str] | None = None
) -> list[PriceRule]:
    """Price rules whose audience admits the viewer (for `skus` and every product)."""
    query = select(PriceRule).where(audiences.admitted(matched, PriceRule.audience_id))
    if skus is not None:
        query = query.where(or_(PriceRule.sku.is_(None), PriceRule.sku.in_(sorted(skus))))
    return list(await session.scalars(query))


async def products_for(session: AsyncSession, matched: Matched) -> list[Priced]:
    """What the viewer may quote, by sku, priced for it (staff, API keys: list prices)."""
    products = list(
        await session.scalars(
            select(Product)
            .where(audiences.admitted(matched, Product.audience_id))
            .order_by(Product.sku)
        )
    )
    if matched is None:
        return [Priced(p, p.list_price, Decimal("0.00")) for p in products]
    rules = await admitted_rules(session, matched)
    priced = []
    for product in products:
        discount = pricing.discount_for(rules, product.sku)
        priced.append(Priced(product, pricing.unit_price(product.list_price, discount), discount))
    return priced


async def all_price_rules(session: AsyncSession) -> list[PriceRule]:
    return list(await session.scalars(select(PriceRule).order_by(PriceRule.id)))


# ---------------------------------------------------------------- products


def _product_summary(product: Product) -> dict[str, Any]:
    return {
        "sku": product.sku,
        "name": product.name,
        "listPrice": product.list_price,
        "audienceId": product.audience_id,
    }


async def _audience(
    session: AsyncSession, raw: Mapping[str, Any] | None, problems: Problems
) -> tuple[bool, int | None]:
    """(valid, audience id) of an AudienceInput; its problems go into `problems`."""
    try:
        spec = await audiences.validate(session, raw, ["audience"])
    except DomainError as exc:
        problems.items.extend(exc.problems)
        return False, None
    return True, await audiences.store(session, spec)


def _check(problems: Problems, name: str, check: Any, value: Any) -> Any:
    try:
        return check(value)
    except ValueError as exc:
        problems.add(ErrorCode.INVALID_VALUE, f"{name}: {exc}.", name)
        return None


def _name(value: Any) -> str:
    return validation.text(value, max_length=MAX_NAME)


async def create_product(uow: UnitOfWork, spec: Mapping[str, Any]) -> Product:
    """A product (sku, name, listPrice, audience: who may see and quote it)."""
    session = uow.session
    uow.target = "Product:" + str(spec.get("sku"))
    problems = Problems()
    sku = _check(problems, "sku", pricing.sku, spec.get("sku"))
    if sku is not None and await session.scalar(select(Product.id).where(Product.sku == sku)):
        problems.add(ErrorCode.DUPLICATE, f"A product with sku {sku!r} already exists.", "sku")
    name = _check(problems, "name", _name, spec.get("name"))
    list_price = _check(problems, "listPrice", pricing.money, spec.get("listPrice"))
    _, audience_id = await _audience(session, spec.get("audience"), problems)
    problems.raise_if_any()
    product = Product(sku=sku, name=name, list_price=list_price, audience_id=audience_id)
    session.add(product)
    await session.flush()
    uow.target = f"Product:{ids.encode('Product', product.id)}"
    uow.detail = {"after": _product_summary(product)}
    return product


async def _product(session: AsyncSession, sku: Any) -> Product:
    found = None
    if isinstance(sku, str) and validation.storable(sku):
        found = await session.scalar(select(Product).where(Product.sku == sku).with_for_update())
    if found is None:
        raise DomainError.one(ErrorCode.NOT_FOUND, f"No product with sku {sku!r}.", ["sku"])
    return found


async def update_product(uow: UnitOfWork, sku: str, patch: Mapping[str, Any]) -> Product:
    """Change a product's name, list price or audience (omitted: unchanged; a null audience:
    every partner contact). Quotes already made keep their prices."""
    session = uow.session
    uow.target = f"Product:{sku}"
    product = await _product(session, sku)
    before = _product_summary(product)
    problems = Problems()
    changes: dict[str, Any] = {}
    fields = (("name", "name", _name), ("listPrice", "list_price", pricing.money))
    await _patch(session, patch, fields, problems, changes)
    for column, value in changes.items():
        setattr(product, column, value)
    await session.flush()
    uow.target = f"Product:{ids.encode('Product', product.id)}"
    uow.detail = audit.diff(before, _product_summary(product))
    return product


async def _patch(
    session: AsyncSession,
    patch: Mapping[str, Any],
    fields: Iterable[tuple[str, str, Callable[[Any], Any]]],
    problems: Problems,
    changes: dict[str, Any],
) -> None:
    """Check an update's required `fields` (name, column, check) and its audience into
    `changes`; every problem at once, nothing changed if there is any."""
    for name, column, check in fields:
        if name not in patch:
            continue
        if patch[name] is None:
            problems.add(ErrorCode.REQUIRED, f"{name} is required and cannot be cleared.", name)
            continue
        value = _check(problems, name, check, patch[name])
        if value is not None:
            changes[column] = value
    if "audience" in patch:
        valid, audience_id = await _audience(session, patch["audience"], problems)
        if valid:
            changes["audience_id"] = audience_id
    problems.raise_if_any()


async def delete_product(uow: UnitOfWork, sku: str) -> Product:
    """Remove a product and the price rules naming it; quote lines keep its sku and prices."""
    session = uow.session
    uow.target = f"Product:{sku}"
    product = await _product(session, sku)
    uow.target = f"Product:{ids.encode('Product', product.id)}"
    uow.detail = {"before": _product_summary(product)}
    await session.execute(delete(PriceRule).where(PriceRule.sku == product.sku))
    await session.delete(product)
    await session.flush()
    return product


# ---------------------------------------------------------------- price rules


def _rule_summary(rule: PriceRule) -> dict[str, Any]:
    return {
        "sku": rule.sku,
        "discountPercent": rule.discount_percent,
        "priority": rule.priority,
        "audienceId": rule.audience_id,
    }


def _priority(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("expected a whole number")
    if not -pricing.MAX_PRIORITY <= value <= pricing.MAX_PRIORITY:
        raise ValueError(
            f"expected a number from -{pricing.MAX_PRIORITY} to {pricing.MAX_PRIORITY}"
        )
    return value


async def _rule_sku(session: AsyncSession, sku: Any, problems: Problems) -> str | None:
    """A rule's sku: null (every product) or an existing product's, held until commit."""
    if sku is None:
        return None
    if isinstance(sku, str) and validation.storable(sku):
        found = await session.scalar(
            select(Product.sku).where(Product.sku == sku).with_for_update(read=True)
        )
        if found is not None:
            return found
    problems.add(ErrorCode.UNKNOWN_PRODUCT, f"There is no product with sku {sku!r}.", "sku")
    return None


async def create_price_rule(uow: UnitOfWork, spec: Mapping[str, Any]) -> PriceRule:
    """A discount for an audience, on one product (sku) or every product (sku null)."""
    session = uow.session
    uow.target = "PriceRule"
    problems = Problems()
    sku = await _rule_sku(session, spec.get("sku"), problems)
    discount = _check(problems, "discountPercent", pricing.percent, spec.get("discountPercent"))
    priority = spec.get("priority")
    priority = 0 if priority is None else _check(problems, "priority", _priority, priority)
    _, audience_id = await _audience(session, spec.get("audience"), problems)
    problems.raise_if_any()
    rule = PriceRule(sku=sku, discount_percent=discount, priority=priority, audience_id=audience_id)
    session.add(rule)
    await session.flush()
    uow.target = f"PriceRule:{ids.encode('PriceRule', rule.id)}"
    uow.detail = {"after": _rule_summary(rule)}
    return rule


async def _rule(session: AsyncSession, rule_id: str) -> PriceRule:
    pk = ids.decode_as(rule_id, "PriceRule")
    rule = await session.get(PriceRule, pk, with_for_update=True) if pk is not None else None
    if rule is None:
        raise not_found("price rule", ["id"])
    return rule


async def update_price_rule(uow: UnitOfWork, rule_id: str, patch: Mapping[str, Any]) -> PriceRule:
    """Change a rule (omitted: unchanged; a null sku: every product; a null audience: every
    partner contact). Quotes already made keep their prices."""
    session = uow.session
    uow.target = f"PriceRule:{rule_id}"
    rule = await _rule(session, rule_id)
    before = _rule_summary(rule)
    problems = Problems()
    changes: dict[str, Any] = {}
    if "sku" in patch:
        sku = await _rule_sku(session, patch["sku"], problems)
        if sku is not None or patch["sku"] is None:
            changes["sku"] = sku
    fields = (
        ("discountPercent", "discount_percent", pricing.percent),
        ("priority", "priority", _priority),
    )
    await _patch(session, patch, fields, problems, changes)
    for column, value in changes.items():
        setattr(rule, column, value)
    await session.flush()
    uow.detail = audit.diff(before, _rule_summary(rule))
    return rule


async def delete_price_rule(uow: UnitOfWork, rule_id: str) -> PriceRule:
    session = uow.session
    uow.target = f"PriceRule:{rule_id}"
    rule = await _rule(session, rule_id)
    uow.detail = {"before": _rule_summary(rule)}
    await session.delete(rule)
    await session.flush()
    return rule
