"""Root fields for products and price rules (vendor admins configure; viewers read theirs)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry

from domain import ids, models
from domain.services.products import Priced
from resolvers import products as resolve
from resolvers.context import Info
from schema.access import AudienceInput
from schema.inputs import provided
from schema.payloads import ConfigPayload, DeletePayload, delete_payload, payload
from schema.product import PriceRule, Product
from schema.roots import ADMIN, ALL_STAFF, Allow, mutation, query

READ_PRODUCTS = Allow(staff=ALL_STAFF, contacts=True, scopes={"deals:read", "deals:write"})
READ_RULES = Allow(staff=ALL_STAFF)
CONFIGURE = Allow(staff=ADMIN)


def _audience(value: AudienceInput | None) -> dict[str, Any] | None:
    return provided(value) if value is not None else None


def _given(**arguments: Any) -> dict[str, Any]:
    """The arguments the client sent (explicit nulls included), by their GraphQL names."""
    names = {"list_price": "listPrice", "discount_percent": "discountPercent"}
    return {
        names.get(name, name): _audience(value) if name == "audience" else value
        for name, value in arguments.items()
        if value is not strawberry.UNSET
    }


def _product_id(product: models.Product) -> strawberry.ID:
    return strawberry.ID(ids.encode("Product", product.id))


def _rule_id(rule: models.PriceRule) -> strawberry.ID:
    return strawberry.ID(ids.encode("PriceRule", rule.id))


@strawberry.type
class Query:
    @query(
        "Products the viewer may quote (its audiences decide, whatever CREATE_QUOTE says), "
        "by sku, priced for the viewer; staff and API keys see every product at list price.",
        READ_PRODUCTS,
        graphql_type=list[Product],
    )
    async def products(self, info: Info) -> list[Priced]:
        return await resolve.for_viewer(info)

    @query("Every price rule, oldest first.", READ_RULES, graphql_type=list[PriceRule])
    async def price_rules(self, info: Info) -> list[models.PriceRule]:
        return await resolve.price_rules(info)


@strawberry.type
class Mutation:
    @mutation(
        "Create a product: sku (1-64 letters, digits, '-', '_', '.'; unique), name, list "
        "price, and the audience that may see and quote it (null: every partner contact).",
        CONFIGURE,
    )
    async def create_product(
        self,
        info: Info,
        sku: str,
        name: str,
        list_price: Decimal,
        audience: AudienceInput | None = None,
    ) -> ConfigPayload:
        spec = {"sku": sku, "name": name, "listPrice": list_price, "audience": _audience(audience)}
        return payload(ConfigPayload, await resolve.create_product(info, spec), id=_product_id)

    @mutation(
        "Change a product (omitted arguments are unchanged; a null audience: every partner "
        "contact). Quotes already made keep their prices.",
        CONFIGURE,
    )
    async def update_product(
        self,
        info: Info,
        sku: str,
        name: str | None = strawberry.UNSET,
        list_price: Decimal | None = strawberry.UNSET,
        audience: AudienceInput | None = strawberry.UNSET,
    ) -> ConfigPayload:
        patch = _given(name=name, list_price=list_price, audience=audience)
        return payload(
            ConfigPayload, await resolve.update_product(info, sku, patch), id=_product_id
        )

    @mutation(
        "Remove a product and the price rules naming it; quote lines keep its sku and prices.",
        CONFIGURE,
    )
    async def delete_product(self, info: Info, sku: str) -> DeletePayload:
        return delete_payload(await resolve.delete_product(info, sku))

    @mutation(
        "Create a price rule: a discount (0-100 %, two decimals) for the contacts its "
        "audience admits, on one product (sku) or every product (sku null). A contact pays "
        "the best discount among the rules that admit it; of equal discounts the higher "
        "priority rule is the one shown.",
        CONFIGURE,
    )
    async def create_price_rule(
        self,
        info: Info,
        discount_percent: Decimal,
        sku: str | None = None,
        priority: int | None = None,
        audience: AudienceInput | None = None,
    ) -> ConfigPayload:
        spec = {
            "sku": sku,
            "discountPercent": discount_percent,
            "priority": priority,
            "audience": _audience(audience),
        }
        return payload(ConfigPayload, await resolve.create_price_rule(info, spec), id=_rule_id)

    @mutation(
        "Change a price rule (omitted arguments are unchanged; a null sku: every product; a "
        "null audience: every partner contact). Quotes already made keep their prices.",
        CONFIGURE,
    )
    async def update_price_rule(
        self,
        info: Info,
        id: strawberry.ID,
        sku: str | None = strawberry.UNSET,
        discount_percent: Decimal | None = strawberry.UNSET,
        priority: int | None = strawberry.UNSET,
        audience: AudienceInput | None = strawberry.UNSET,
    ) -> ConfigPayload:
        patch = _given(
            sku=sku, discount_percent=discount_percent, priority=priority, audience=audience
        )
        return payload(ConfigPayload, await resolve.update_price_rule(info, id, patch), id=_rule_id)

    @mutation("Remove a price rule; quotes already made keep their prices.", CONFIGURE)
    async def delete_price_rule(self, info: Info, id: strawberry.ID) -> DeletePayload:
        return delete_payload(await resolve.delete_price_rule(info, id))
