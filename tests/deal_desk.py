"""Helpers for deal desk API tests: layouts, deals, products, price rules and quotes, made
through the API as a vendor admin or a partner contact would make them."""

from __future__ import annotations

from typing import Any

from tests.support import Api

CREATE_LAYOUT = """
mutation($input: LayoutInput!) { createLayout(input: $input) { id errors { path code message } } }
"""
DEFINE_ATTRIBUTE = """
mutation($key: String!, $type: AttributeType!) {
  defineAttribute(subject: DEAL, key: $key, type: $type) { errors { code message } }
}
"""
DEAL_FIELDS = """
  id recordType customerName amount closeDate stage exclusivityUntil values version
  partner { id } owner { id }
"""
REGISTER = f"""
mutation($recordType: String!, $values: JSON!) {{
  registerDeal(recordType: $recordType, values: $values) {{
    deal {{ {DEAL_FIELDS} }} errors {{ path code message }}
  }}
}}
"""
UPDATE = f"""
mutation($id: ID!, $stage: String, $amount: Decimal, $until: Date, $version: Int) {{
  updateDeal(id: $id, stage: $stage, amount: $amount, exclusivityUntil: $until,
             expectedVersion: $version) {{
    deal {{ {DEAL_FIELDS} }} errors {{ path code message }}
  }}
}}
"""
CREATE_PRODUCT = """
mutation($sku: String!, $name: String!, $price: Decimal!, $audience: AudienceInput) {
  createProduct(sku: $sku, name: $name, listPrice: $price, audience: $audience) {
    id errors { path code message }
  }
}
"""
CREATE_RULE = """
mutation($sku: String, $discount: Decimal!, $priority: Int, $audience: AudienceInput) {
  createPriceRule(sku: $sku, discountPercent: $discount, priority: $priority,
                  audience: $audience) {
    id errors { path code message }
  }
}
"""
QUOTE_FIELDS = """
  id status total createdAt partner { id } owner { id } deal { id }
  lines { sku quantity listPrice discountPercent unitPrice total }
"""
CREATE_QUOTE = f"""
mutation($input: QuoteInput!) {{
  createQuote(input: $input) {{ quote {{ {QUOTE_FIELDS} }} errors {{ path code message }} }}
}}
"""
SUBMIT_QUOTE = """
mutation($id: ID!) { submitQuote(id: $id) { quote { id status } errors { path code message } } }
"""
REVIEW_QUOTE = """
mutation($id: ID!, $approve: Boolean!) {
  reviewQuote(id: $id, approve: $approve) { quote { id status } errors { path code message } }
}
"""


def ok(response: Any, field: str) -> dict[str, Any]:
    """The payload of a mutation that must have succeeded."""
    assert response.errors == [], response.errors
    payload = response.data[field]
    assert payload["errors"] == [], payload["errors"]
    return payload


async def deal_layout(
    api: Api, admin: str, record_type: str, fields: list[Any], **extra: Any
) -> str:
    """A DEAL layout; `fields` are names or LayoutFieldInput dicts."""
    spec = {
        "entity": "DEAL",
        "recordType": record_type,
        "label": record_type.title(),
        "fields": [{"name": f} if isinstance(f, str) else f for f in fields],
        **extra,
    }
    response = await api.gql(CREATE_LAYOUT, {"input": spec}, token=admin)
    return ok(response, "createLayout")["id"]


async def deal_attribute(api: Api, admin: str, key: str, kind: str) -> None:
    response = await api.gql(DEFINE_ATTRIBUTE, {"key": key, "type": kind}, token=admin)
    assert response.data["defineAttribute"]["errors"] == []


async def register(api: Api, token: str, record_type: str, values: Any) -> dict[str, Any]:
    """registerDeal's payload (deal and errors)."""
    response = await api.gql(REGISTER, {"recordType": record_type, "values": values}, token=token)
    assert response.errors == [], response.errors
    return response.data["registerDeal"]


async def registered(api: Api, token: str, record_type: str, values: Any) -> dict[str, Any]:
    """A deal that must have been registered."""
    payload = await register(api, token, record_type, values)
    assert payload["errors"] == [], payload["errors"]
    return payload["deal"]


async def update_deal(api: Api, token: str, deal_id: str, **arguments: Any) -> dict[str, Any]:
    """updateDeal's payload; arguments: stage, amount, until, version."""
    response = await api.gql(UPDATE, {"id": deal_id, **arguments}, token=token)
    assert response.errors == [], response.errors
    return response.data["updateDeal"]


async def product(
    api: Api, admin: str, sku: str, price: str, audience: dict[str, Any] | None = None
) -> str:
    variables = {"sku": sku, "name": f"Product {sku}", "price": price, "audience": audience}
    return ok(await api.gql(CREATE_PRODUCT, variables, token=admin), "createProduct")["id"]


async def price_rule(
    api: Api,
    admin: str,
    discount: str,
    *,
    sku: str | None = None,
    priority: int | None = None,
    audience: dict[str, Any] | None = None,
) -> str:
    variables = {"sku": sku, "discount": discount, "priority": priority, "audience": audience}
    return ok(await api.gql(CREATE_RULE, variables, token=admin), "createPriceRule")["id"]


async def create_quote(
    api: Api, token: str, lines: list[tuple[str, int]], deal_id: str | None = None
) -> dict[str, Any]:
    """createQuote's payload (quote and errors)."""
    spec = {"dealId": deal_id, "lines": [{"sku": s, "quantity": q} for s, q in lines]}
    response = await api.gql(CREATE_QUOTE, {"input": spec}, token=token)
    assert response.errors == [], response.errors
    return response.data["createQuote"]


def problems(payload: dict[str, Any]) -> list[tuple[list[str], str]]:
    return [(e["path"], e["code"]) for e in payload["errors"]]
