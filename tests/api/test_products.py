"""Products and price rules: what each contact may quote and at which price (best matching
discount, half-up to cents), list prices for staff, and configuration by vendor admins."""

from __future__ import annotations

from typing import Any

import pytest

from domain.principal import ContactRole, StaffRole
from tests.deal_desk import CREATE_PRODUCT, CREATE_RULE, price_rule, product
from tests.records import snapshot
from tests.support import Api, create_api_key, create_segment

PRODUCTS = "{ products { sku name listPrice price audience { anySegments } } }"
RULES = "{ priceRules { id sku discountPercent priority audience { anySegments } } }"
UPDATE_PRODUCT = """
mutation($sku: String!, $name: String, $price: Decimal, $audience: AudienceInput) {
  updateProduct(sku: $sku, name: $name, listPrice: $price, audience: $audience) {
    id errors { path code message }
  }
}
"""
UPDATE_PRODUCT_PRICE = """
mutation($sku: String!, $price: Decimal) {
  updateProduct(sku: $sku, listPrice: $price) { id errors { path code message } }
}
"""
DELETE_PRODUCT = """
mutation($sku: String!) { deleteProduct(sku: $sku) { deleted errors { path code } } }
"""
UPDATE_RULE = """
mutation($id: ID!, $sku: String, $discount: Decimal, $audience: AudienceInput) {
  updatePriceRule(id: $id, sku: $sku, discountPercent: $discount, audience: $audience) {
    id errors { path code message }
  }
}
"""
UPDATE_RULE_DISCOUNT = """
mutation($id: ID!, $discount: Decimal) {
  updatePriceRule(id: $id, discountPercent: $discount) { id errors { path code message } }
}
"""
DELETE_RULE = "mutation($id: ID!) { deletePriceRule(id: $id) { deleted errors { path code } } }"
GOLD_PLUS = {"field": "partner.tier", "op": "gte", "value": "GOLD"}
SILVER = {"field": "partner.tier", "op": "eq", "value": "SILVER"}


async def _catalogue(api: Api) -> dict[str, Any]:
    """Three products, one for Gold and up only; prices by segment."""
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold-plus", GOLD_PLUS)
    await create_segment(api, admin, "silver", SILVER)
    await product(api, admin, "SRV-100", "1000.00")
    await product(api, admin, "SRV-200", "333.33")
    await product(api, admin, "ENT-1", "5000", audience={"anySegments": ["gold-plus"]})
    everyone = await price_rule(api, admin, "10")
    await price_rule(api, admin, "20", audience={"anySegments": ["gold-plus"]})
    await price_rule(api, admin, "12.5", sku="SRV-200", audience={"anySegments": ["silver"]})
    await price_rule(api, admin, "15", sku="SRV-200", audience={"anySegments": ["gold-plus"]})
    gold, _ = await api.contact(await api.partner(tier="GOLD"), ContactRole.SALES_REP)
    silver, _ = await api.contact(await api.partner(tier="SILVER"), ContactRole.SALES_REP)
    registered, _ = await api.contact(await api.partner(tier="REGISTERED"))
    return {
        "admin": admin,
        "gold": gold,
        "silver": silver,
        "registered": registered,
        "everyone_rule": everyone,
    }


async def _prices(api: Api, token: str | None = None, **auth: Any) -> dict[str, tuple[str, str]]:
    response = await api.gql(PRODUCTS, token=token, **auth)
    assert response.errors == [], response.errors
    return {p["sku"]: (p["listPrice"], p["price"]) for p in response.data["products"]}


async def test_each_segment_sees_its_products_at_its_best_discount(api: Api) -> None:
    # given
    c = await _catalogue(api)
    key = await create_api_key(api, c["admin"], "deals:read")
    # when
    gold = await _prices(api, c["gold"])
    silver = await _prices(api, c["silver"])
    registered = await _prices(api, c["registered"])
    staff = await _prices(api, c["admin"])
    integrator = await _prices(api, api_key=key)
    # then: 20 % beats 15 % and 10 % for Gold; 12.5 % beats 10 % on SRV-200 for Silver
    assert gold == {
        "ENT-1": ("5000.00", "4000.00"),
        "SRV-100": ("1000.00", "800.00"),
        "SRV-200": ("333.33", "266.66"),
    }
    assert silver == {"SRV-100": ("1000.00", "900.00"), "SRV-200": ("333.33", "291.66")}
    assert registered == {"SRV-100": ("1000.00", "900.00"), "SRV-200": ("333.33", "300.00")}
    list_prices = {
        "ENT-1": ("5000.00", "5000.00"),
        "SRV-100": ("1000.00", "1000.00"),
        "SRV-200": ("333.33", "333.33"),
    }
    assert staff == list_prices
    assert integrator == list_prices


async def test_prices_round_half_up_to_cents(api: Api) -> None:
    # given: 0.05 at 50 % is 0.025 (half-even would say 0.02), 0.15 at 50 % is 0.075
    admin, _ = await api.staff()
    await product(api, admin, "PENNY", "0.05")
    await product(api, admin, "DIME", "0.15")
    await price_rule(api, admin, "50")
    contact, _ = await api.contact(await api.partner())
    # when
    prices = await _prices(api, contact)
    # then
    assert prices == {"DIME": ("0.15", "0.08"), "PENNY": ("0.05", "0.03")}


async def test_products_list_what_the_audiences_allow_whatever_create_quote_says(
    api: Api,
) -> None:
    # given: nobody may quote, yet products still lists what each contact would see
    c = await _catalogue(api)
    await api.gql(
        "mutation { setActionPolicy(action: CREATE_QUOTE, audience: {roles: [FINANCE]}) "
        "{ errors { code } } }",
        token=c["admin"],
    )
    # when
    gold = await _prices(api, c["gold"])
    # then
    assert sorted(gold) == ["ENT-1", "SRV-100", "SRV-200"]


async def test_a_product_shows_its_audience(api: Api) -> None:
    c = await _catalogue(api)
    response = await api.gql(PRODUCTS, token=c["admin"])
    audiences = {p["sku"]: p["audience"] for p in response.data["products"]}
    assert audiences == {
        "ENT-1": {"anySegments": ["gold-plus"]},
        "SRV-100": None,
        "SRV-200": None,
    }


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"sku": "has space"}, [(["sku"], "INVALID_VALUE")]),
        ({"sku": "x" * 65}, [(["sku"], "INVALID_VALUE")]),
        ({"sku": "SRV-100"}, [(["sku"], "DUPLICATE")]),
        ({"name": "  "}, [(["name"], "INVALID_VALUE")]),
        ({"price": "NaN"}, [(["listPrice"], "INVALID_VALUE")]),
        ({"price": "Infinity"}, [(["listPrice"], "INVALID_VALUE")]),
        ({"price": "-1"}, [(["listPrice"], "INVALID_VALUE")]),
        ({"price": "9.999"}, [(["listPrice"], "INVALID_VALUE")]),
        ({"price": "1000000000000"}, [(["listPrice"], "INVALID_VALUE")]),
        (
            {"audience": {"anySegments": ["no-such"]}},
            [(["audience", "anySegments", "0"], "UNKNOWN_SEGMENT")],
        ),
        (
            {"sku": "SRV-100", "price": "NaN"},
            [(["sku"], "DUPLICATE"), (["listPrice"], "INVALID_VALUE")],
        ),
    ],
)
async def test_a_bad_product_is_refused_with_every_problem_and_nothing_written(
    api: Api, variables: dict[str, Any], expected: list[Any]
) -> None:
    # given
    admin, _ = await api.staff()
    await product(api, admin, "SRV-100", "1000.00")
    before = await snapshot(api)
    # when
    response = await api.gql(
        CREATE_PRODUCT, {"sku": "NEW-1", "name": "New", "price": "10", **variables}, token=admin
    )
    # then
    payload = response.data["createProduct"]
    assert [(e["path"], e["code"]) for e in payload["errors"]] == expected
    assert payload["id"] is None
    assert await snapshot(api) == before


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"sku": "NOPE"}, [(["sku"], "UNKNOWN_PRODUCT")]),
        ({"discount": "100.01"}, [(["discountPercent"], "INVALID_VALUE")]),
        ({"discount": "-5"}, [(["discountPercent"], "INVALID_VALUE")]),
        ({"discount": "12.345"}, [(["discountPercent"], "INVALID_VALUE")]),
        ({"discount": "NaN"}, [(["discountPercent"], "INVALID_VALUE")]),
        ({"priority": 1_000_001}, [(["priority"], "INVALID_VALUE")]),
    ],
)
async def test_a_bad_price_rule_is_refused(
    api: Api, variables: dict[str, Any], expected: list[Any]
) -> None:
    admin, _ = await api.staff()
    await product(api, admin, "SRV-100", "1000.00")
    response = await api.gql(CREATE_RULE, {"discount": "10", **variables}, token=admin)
    payload = response.data["createPriceRule"]
    assert [(e["path"], e["code"]) for e in payload["errors"]] == expected


async def test_changed_prices_and_products_are_used_from_the_next_request(api: Api) -> None:
    # given
    c = await _catalogue(api)
    # when: SRV-100 costs more and is for Gold only; the everyone rule gives 30 % on SRV-200
    changed = await api.gql(
        UPDATE_PRODUCT,
        {"sku": "SRV-100", "price": "1100", "audience": {"anySegments": ["gold-plus"]}},
        token=c["admin"],
    )
    rule = await api.gql(
        UPDATE_RULE,
        {"id": c["everyone_rule"], "sku": "SRV-200", "discount": "30"},
        token=c["admin"],
    )
    silver = await _prices(api, c["silver"])
    gold = await _prices(api, c["gold"])
    # then
    assert changed.data["updateProduct"]["errors"] == []
    assert rule.data["updatePriceRule"]["errors"] == []
    assert silver == {"SRV-200": ("333.33", "233.33")}
    assert gold["SRV-100"] == ("1100.00", "880.00")


async def test_omitted_arguments_stay_and_a_null_audience_opens_a_product_to_everyone(
    api: Api,
) -> None:
    c = await _catalogue(api)
    price_only = await api.gql(
        UPDATE_PRODUCT_PRICE, {"sku": "ENT-1", "price": "4000"}, token=c["admin"]
    )
    still_gold_only = await _prices(api, c["silver"])
    opened = await api.gql(UPDATE_PRODUCT, {"sku": "ENT-1", "audience": None}, token=c["admin"])
    now_for_silver = await _prices(api, c["silver"])
    assert price_only.data["updateProduct"]["errors"] == []
    assert "ENT-1" not in still_gold_only
    assert opened.data["updateProduct"]["errors"] == []
    assert now_for_silver["ENT-1"] == ("4000.00", "3600.00")


async def test_a_product_update_or_removal_names_its_sku_and_refuses_nulls(api: Api) -> None:
    admin, _ = await api.staff()
    await product(api, admin, "SRV-100", "1000.00")
    missing = await api.gql(UPDATE_PRODUCT_PRICE, {"sku": "NOPE", "price": "1"}, token=admin)
    cleared = await api.gql(UPDATE_PRODUCT_PRICE, {"sku": "SRV-100", "price": None}, token=admin)
    gone = await api.gql(DELETE_PRODUCT, {"sku": "NOPE"}, token=admin)
    rule_gone = await api.gql(DELETE_RULE, {"id": "UHJpY2VSdWxlOjk5OQ"}, token=admin)
    cleared_discount = await api.gql(
        UPDATE_RULE_DISCOUNT,
        {"id": await price_rule(api, admin, "5"), "discount": None},
        token=admin,
    )
    assert missing.data["updateProduct"]["errors"][0]["code"] == "NOT_FOUND"
    assert [(e["path"], e["code"]) for e in cleared.data["updateProduct"]["errors"]] == [
        (["listPrice"], "REQUIRED")
    ]
    assert gone.data["deleteProduct"] == {
        "deleted": False,
        "errors": [{"path": ["sku"], "code": "NOT_FOUND"}],
    }
    assert rule_gone.data["deletePriceRule"]["errors"] == [{"path": ["id"], "code": "NOT_FOUND"}]
    assert [e["code"] for e in cleared_discount.data["updatePriceRule"]["errors"]] == ["REQUIRED"]


async def test_removing_a_product_removes_its_price_rules(api: Api) -> None:
    # given
    c = await _catalogue(api)
    # when
    removed = await api.gql(DELETE_PRODUCT, {"sku": "SRV-200"}, token=c["admin"])
    rules = await api.gql(RULES, token=c["admin"])
    silver = await _prices(api, c["silver"])
    # then
    assert removed.data["deleteProduct"] == {"deleted": True, "errors": []}
    assert [r["sku"] for r in rules.data["priceRules"]] == [None, None]
    assert silver == {"SRV-100": ("1000.00", "900.00")}


async def test_a_removed_rule_no_longer_prices_anything(api: Api) -> None:
    c = await _catalogue(api)
    removed = await api.gql(DELETE_RULE, {"id": c["everyone_rule"]}, token=c["admin"])
    registered = await _prices(api, c["registered"])
    assert removed.data["deletePriceRule"] == {"deleted": True, "errors": []}
    assert registered == {"SRV-100": ("1000.00", "1000.00"), "SRV-200": ("333.33", "333.33")}


async def test_only_vendor_admins_configure_and_staff_read_the_rules(api: Api) -> None:
    # given
    c = await _catalogue(api)
    manager, _ = await api.staff(StaffRole.CHANNEL_MANAGER)
    analyst, _ = await api.staff(StaffRole.ANALYST)
    key = await create_api_key(api, c["admin"], "deals:write", "content:write")
    variables = {"sku": "X-1", "name": "X", "price": "1"}
    # when
    by_manager = await api.gql(CREATE_PRODUCT, variables, token=manager)
    by_key = await api.gql(CREATE_PRODUCT, variables, api_key=key)
    by_contact = await api.gql(CREATE_RULE, {"discount": "1"}, token=c["gold"])
    rules_for_analyst = await api.gql(RULES, token=analyst)
    rules_for_contact = await api.gql(RULES, token=c["gold"])
    # then
    assert [by_manager.error_codes, by_key.error_codes, by_contact.error_codes] == [
        ["FORBIDDEN"],
        ["FORBIDDEN"],
        ["FORBIDDEN"],
    ]
    assert len(rules_for_analyst.data["priceRules"]) == 4
    assert rules_for_contact.error_codes == ["FORBIDDEN"]


async def test_a_segment_a_product_or_price_rule_audience_names_cannot_be_deleted(
    api: Api,
) -> None:
    c = await _catalogue(api)
    response = await api.gql(
        'mutation { deleteSegment(key: "gold-plus") { deleted errors { code message } } }',
        token=c["admin"],
    )
    (error,) = response.data["deleteSegment"]["errors"]
    assert error["code"] == "SEGMENT_IN_USE"
    assert "product ENT-1" in error["message"]
    assert "price rule for SRV-200" in error["message"]
    assert "price rule for every product" in error["message"]


async def test_created_ids_are_listed_with_their_rules(api: Api) -> None:
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold-plus", GOLD_PLUS)
    await product(api, admin, "SRV-100", "1000.00")
    rule_id = await price_rule(
        api, admin, "7.5", sku="SRV-100", priority=3, audience={"anySegments": ["gold-plus"]}
    )
    response = await api.gql(RULES, token=admin)
    assert response.data["priceRules"] == [
        {
            "id": rule_id,
            "sku": "SRV-100",
            "discountPercent": "7.50",
            "priority": 3,
            "audience": {"anySegments": ["gold-plus"]},
        }
    ]
