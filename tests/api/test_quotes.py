"""Quotes: priced for the contact when made (exact totals, prices kept on the lines), refused
whole for one bad line, submitted by the company and reviewed by staff."""

from __future__ import annotations

from typing import Any

import pytest

from domain.principal import ContactRole, StaffRole
from tests.deal_desk import (
    REVIEW_QUOTE,
    SUBMIT_QUOTE,
    create_quote,
    deal_layout,
    price_rule,
    problems,
    product,
    registered,
)
from tests.records import snapshot
from tests.support import Api, create_api_key, create_segment

UPDATE_PRICE = """
mutation($sku: String!, $price: Decimal) {
  updateProduct(sku: $sku, listPrice: $price) { errors { code } }
}
"""
QUOTE_BY_ID = """
query($id: ID!) {
  node(id: $id) { ... on Quote { id total lines { sku unitPrice total } } }
}
"""


async def _desk(api: Api) -> dict[str, Any]:
    """A Gold partner (20 % off) with an admin and two reps; a product only Gold may quote."""
    admin, _ = await api.staff()
    await create_segment(
        api, admin, "gold-plus", {"field": "partner.tier", "op": "gte", "value": "GOLD"}
    )
    await product(api, admin, "SRV-200", "333.33")
    await product(api, admin, "ENT-1", "5000", audience={"anySegments": ["gold-plus"]})
    await product(api, admin, "BIG", "999999999999.99")
    await price_rule(api, admin, "20", audience={"anySegments": ["gold-plus"]})
    await deal_layout(api, admin, "resale", ["amount"])
    gold = await api.partner(tier="GOLD", region="EMEA")
    rep, rep_id = await api.contact(gold, ContactRole.SALES_REP)
    colleague, _ = await api.contact(gold, ContactRole.SALES_REP)
    gold_admin, _ = await api.contact(gold, ContactRole.ADMIN)
    silver, _ = await api.contact(await api.partner(tier="SILVER"), ContactRole.ADMIN)
    return {
        "admin": admin,
        "gold": gold,
        "rep": rep,
        "rep_id": rep_id,
        "colleague": colleague,
        "gold_admin": gold_admin,
        "silver": silver,
    }


async def test_a_quote_is_priced_for_its_maker_with_exact_totals(api: Api) -> None:
    # given
    d = await _desk(api)
    # when: 3 x 266.66 (333.33 less 20 %, half-up) and 2 x 4000.00; SRV-200 twice is fine
    payload = await create_quote(api, d["rep"], [("SRV-200", 3), ("ENT-1", 2), ("SRV-200", 1)])
    # then
    quote = payload["quote"]
    assert payload["errors"] == []
    assert quote["lines"] == [
        {
            "sku": "SRV-200",
            "quantity": 3,
            "listPrice": "333.33",
            "discountPercent": "20.00",
            "unitPrice": "266.66",
            "total": "799.98",
        },
        {
            "sku": "ENT-1",
            "quantity": 2,
            "listPrice": "5000.00",
            "discountPercent": "20.00",
            "unitPrice": "4000.00",
            "total": "8000.00",
        },
        {
            "sku": "SRV-200",
            "quantity": 1,
            "listPrice": "333.33",
            "discountPercent": "20.00",
            "unitPrice": "266.66",
            "total": "266.66",
        },
    ]
    assert quote["total"] == "9066.64"
    assert quote["status"] == "DRAFT"
    assert quote["owner"] == {"id": d["rep_id"]}
    assert quote["partner"] == {"id": d["gold"]}
    assert quote["deal"] is None


async def test_lines_keep_the_prices_of_the_moment_they_were_made(api: Api) -> None:
    # given
    d = await _desk(api)
    quote = (await create_quote(api, d["rep"], [("SRV-200", 3)]))["quote"]
    # when: the price changes, then the product is removed
    await api.gql(UPDATE_PRICE, {"sku": "SRV-200", "price": "400"}, token=d["admin"])
    after_change = await api.gql(QUOTE_BY_ID, {"id": quote["id"]}, token=d["rep"])
    await api.gql('mutation { deleteProduct(sku: "SRV-200") { deleted } }', token=d["admin"])
    after_removal = await api.gql(QUOTE_BY_ID, {"id": quote["id"]}, token=d["rep"])
    # then
    kept = {
        "id": quote["id"],
        "total": "799.98",
        "lines": [{"sku": "SRV-200", "unitPrice": "266.66", "total": "799.98"}],
    }
    assert after_change.data["node"] == kept
    assert after_removal.data["node"] == kept


async def test_an_unknown_sku_and_one_the_viewer_may_not_quote_look_the_same(api: Api) -> None:
    # given
    d = await _desk(api)
    before = await snapshot(api)
    # when: the Silver admin names a Gold-only product and one that does not exist
    payload = await create_quote(api, d["silver"], [("SRV-200", 1), ("ENT-1", 1), ("ENT-2", 1)])
    # then: one bad line refuses the whole quote
    assert problems(payload) == [
        (["input", "lines", "1", "sku"], "UNKNOWN_PRODUCT"),
        (["input", "lines", "2", "sku"], "UNKNOWN_PRODUCT"),
    ]
    hidden, unknown = payload["errors"]
    assert hidden["message"].replace("'ENT-1'", "X") == unknown["message"].replace("'ENT-2'", "X")
    assert payload["quote"] is None
    assert await snapshot(api) == before


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([], [(["input", "lines"], "REQUIRED")]),
        ([("SRV-200", 1)] * 101, [(["input", "lines"], "TOO_MANY")]),
        ([("SRV-200", 0)], [(["input", "lines", "0", "quantity"], "INVALID_VALUE")]),
        ([("SRV-200", -2)], [(["input", "lines", "0", "quantity"], "INVALID_VALUE")]),
        ([("SRV-200", 1_000_001)], [(["input", "lines", "0", "quantity"], "INVALID_VALUE")]),
        (
            [("SRV-200", 1), ("NOPE", 0)],
            [
                (["input", "lines", "1", "quantity"], "INVALID_VALUE"),
                (["input", "lines", "1", "sku"], "UNKNOWN_PRODUCT"),
            ],
        ),
        ([("BIG", 1_000_000)], [(["input", "lines", "0", "quantity"], "INVALID_VALUE")]),
    ],
)
async def test_a_bad_quote_is_refused_whole(
    api: Api, lines: list[tuple[str, int]], expected: list[Any]
) -> None:
    d = await _desk(api)
    before = await snapshot(api)
    payload = await create_quote(api, d["rep"], lines)
    assert problems(payload) == expected
    assert await snapshot(api) == before


async def test_a_hundred_lines_at_a_million_each_are_fine(api: Api) -> None:
    d = await _desk(api)
    payload = await create_quote(api, d["rep"], [("SRV-200", 1_000_000)] * 100)
    assert payload["errors"] == []
    assert payload["quote"]["total"] == "26666000000.00"


async def test_a_quote_names_a_deal_its_maker_may_see_or_none(api: Api) -> None:
    # given: the rep's own deal, a colleague's deal, another company's deal
    d = await _desk(api)
    own = await registered(api, d["rep"], "resale", {"customerName": "Mine"})
    colleagues = await registered(api, d["colleague"], "resale", {"customerName": "Theirs"})
    elsewhere = await registered(api, d["silver"], "resale", {"customerName": "Elsewhere"})
    # when
    with_own = await create_quote(api, d["rep"], [("SRV-200", 1)], own["id"])
    with_colleagues = await create_quote(api, d["rep"], [("SRV-200", 1)], colleagues["id"])
    with_foreign = await create_quote(api, d["rep"], [("SRV-200", 1)], elsewhere["id"])
    with_garbage = await create_quote(api, d["rep"], [("SRV-200", 1)], "not-an-id")
    by_admin = await create_quote(api, d["gold_admin"], [("SRV-200", 1)], colleagues["id"])
    # then
    assert with_own["quote"]["deal"] == {"id": own["id"]}
    not_found = [(["input", "dealId"], "NOT_FOUND")]
    assert problems(with_colleagues) == not_found
    assert problems(with_foreign) == not_found
    assert problems(with_garbage) == not_found
    assert by_admin["quote"]["deal"] == {"id": colleagues["id"]}


async def _submit(api: Api, token: str, quote_id: str) -> Any:
    response = await api.gql(SUBMIT_QUOTE, {"id": quote_id}, token=token)
    assert response.errors == [], response.errors
    payload = response.data["submitQuote"]
    return problems(payload) or payload["quote"]["status"]


async def _review(api: Api, token: str, quote_id: str, approve: bool) -> Any:
    response = await api.gql(REVIEW_QUOTE, {"id": quote_id, "approve": approve}, token=token)
    assert response.errors == [], response.errors
    payload = response.data["reviewQuote"]
    return problems(payload) or payload["quote"]["status"]


async def test_a_quote_goes_draft_submitted_approved_and_no_other_way(api: Api) -> None:
    # given
    d = await _desk(api)
    quote_id = (await create_quote(api, d["rep"], [("SRV-200", 1)]))["quote"]["id"]
    transition = [(["id"], "INVALID_TRANSITION")]
    # when / then
    assert await _review(api, d["admin"], quote_id, True) == transition
    assert await _submit(api, d["rep"], quote_id) == "SUBMITTED"
    assert await _submit(api, d["rep"], quote_id) == transition
    assert await _review(api, d["admin"], quote_id, True) == "APPROVED"
    assert await _review(api, d["admin"], quote_id, False) == transition
    assert await _submit(api, d["rep"], quote_id) == transition


async def test_a_submitted_quote_can_be_rejected_by_its_partners_channel_manager(
    api: Api,
) -> None:
    # given: a channel manager of EMEA partners, and one of APAC partners
    d = await _desk(api)
    emea, emea_id = await api.staff(StaffRole.CHANNEL_MANAGER)
    apac, apac_id = await api.staff(StaffRole.CHANNEL_MANAGER)
    for key, region, manager in (("emea", "EMEA", emea_id), ("apac", "APAC", apac_id)):
        await create_segment(
            api,
            d["admin"],
            key,
            {"field": "partner.region", "op": "eq", "value": region},
            managerIds=[manager],
        )
    quote_id = (await create_quote(api, d["rep"], [("SRV-200", 1)]))["quote"]["id"]
    await _submit(api, d["rep"], quote_id)
    # when
    by_apac = await _review(api, apac, quote_id, False)
    by_emea = await _review(api, emea, quote_id, False)
    # then
    assert by_apac == [(["id"], "NOT_FOUND")]
    assert by_emea == "REJECTED"


async def test_who_may_submit_and_review(api: Api) -> None:
    # given
    d = await _desk(api)
    quote_id = (await create_quote(api, d["rep"], [("SRV-200", 1)]))["quote"]["id"]
    analyst, _ = await api.staff(StaffRole.ANALYST)
    key = await create_api_key(api, d["admin"], "deals:write")
    # when
    by_colleague = await _submit(api, d["colleague"], quote_id)
    by_other_company = await _submit(api, d["silver"], quote_id)
    by_staff = await api.gql(SUBMIT_QUOTE, {"id": quote_id}, token=d["admin"])
    by_company_admin = await _submit(api, d["gold_admin"], quote_id)
    review_by_contact = await api.gql(
        REVIEW_QUOTE, {"id": quote_id, "approve": True}, token=d["gold_admin"]
    )
    review_by_analyst = await api.gql(
        REVIEW_QUOTE, {"id": quote_id, "approve": True}, token=analyst
    )
    review_by_key = await api.gql(REVIEW_QUOTE, {"id": quote_id, "approve": True}, api_key=key)
    # then
    assert by_colleague == [(["id"], "NOT_FOUND")]
    assert by_other_company == [(["id"], "NOT_FOUND")]
    assert by_staff.error_codes == ["FORBIDDEN"]
    assert by_company_admin == "SUBMITTED"
    assert [
        review_by_contact.error_codes,
        review_by_analyst.error_codes,
        review_by_key.error_codes,
    ] == [["FORBIDDEN"], ["FORBIDDEN"], ["FORBIDDEN"]]
