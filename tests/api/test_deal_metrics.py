"""Deal metrics move with the deals in the same transaction: a WON deal that takes a partner's
won revenue over a segment's threshold moves it into the segment (cause ATTRIBUTE_CHANGE),
and what the segment unlocks is there on the very next request."""

from __future__ import annotations

from typing import Any

from domain.principal import ContactRole
from tests.deal_desk import deal_layout, product, registered, update_deal
from tests.support import Api, create_segment

METRICS = """
query($id: ID!) { partner(id: $id) { metrics {
  wonRevenue12m dealsWon12m openPipeline dealsRegistered90d } } }
"""
HISTORY = """
{ segment(key: "top-sellers") { memberCount history(first: 10) { edges { node {
  subjectId change cause } } } } }
"""
SKUS = "{ products { sku } }"


async def _metrics(api: Api, admin: str, partner: str) -> dict[str, Any]:
    response = await api.gql(METRICS, {"id": partner}, token=admin)
    return response.data["partner"]["metrics"]


async def test_deals_drive_pipeline_registrations_and_won_revenue(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await deal_layout(api, admin, "resale", ["amount", "closeDate"])
    partner = await api.partner()
    token, _ = await api.contact(partner, ContactRole.SALES_REP)
    # when
    first = await registered(api, token, "resale", {"customerName": "A", "amount": "1000.10"})
    second = await registered(api, token, "resale", {"customerName": "B", "amount": "500"})
    await registered(api, token, "resale", {"customerName": "C"})
    after_registering = await _metrics(api, admin, partner)
    await update_deal(api, admin, first["id"], stage="APPROVED")
    await update_deal(api, admin, first["id"], stage="WON")
    await update_deal(api, admin, second["id"], stage="REJECTED")
    after_moves = await _metrics(api, admin, partner)
    # then
    assert after_registering == {
        "wonRevenue12m": "0.00",
        "dealsWon12m": 0,
        "openPipeline": "1500.10",
        "dealsRegistered90d": 3,
    }
    assert after_moves == {
        "wonRevenue12m": "1000.10",
        "dealsWon12m": 1,
        "openPipeline": "0.00",
        "dealsRegistered90d": 3,
    }


async def test_a_won_deal_moves_its_partner_into_a_segment_and_unlocks_it_at_once(
    api: Api,
) -> None:
    # given: top sellers (won revenue of 100,000 or more) may quote the ELITE bundle
    admin, _ = await api.staff()
    await deal_layout(api, admin, "resale", ["amount", "closeDate"])
    await create_segment(
        api,
        admin,
        "top-sellers",
        {"field": "partner.metrics.wonRevenue12m", "op": "gte", "value": "100000"},
    )
    await product(api, admin, "SRV-100", "100")
    await product(api, admin, "ELITE", "9000", audience={"anySegments": ["top-sellers"]})
    partner = await api.partner()
    token, _ = await api.contact(partner, ContactRole.SALES_REP)
    small = await registered(api, token, "resale", {"customerName": "A", "amount": "99999.99"})
    big = await registered(api, token, "resale", {"customerName": "B", "amount": "100000"})
    for deal in (small, big):
        await update_deal(api, admin, deal["id"], stage="APPROVED")
    await update_deal(api, admin, small["id"], stage="WON")
    before = await api.gql(SKUS, token=token)
    # when
    won = await update_deal(api, admin, big["id"], stage="WON")
    after = await api.gql(SKUS, token=token)
    history = await api.gql(HISTORY, token=admin)
    # then
    assert won["errors"] == []
    assert before.data["products"] == [{"sku": "SRV-100"}]
    assert after.data["products"] == [{"sku": "ELITE"}, {"sku": "SRV-100"}]
    assert history.data["segment"]["memberCount"] == 1
    assert [e["node"] for e in history.data["segment"]["history"]["edges"]] == [
        {"subjectId": partner, "change": "JOINED", "cause": "ATTRIBUTE_CHANGE"}
    ]
    assert (await _metrics(api, admin, partner))["wonRevenue12m"] == "199999.99"


async def test_a_won_deal_closed_long_ago_does_not_count(api: Api) -> None:
    admin, _ = await api.staff()
    await deal_layout(api, admin, "resale", ["amount", "closeDate"])
    partner = await api.partner()
    token, _ = await api.contact(partner, ContactRole.SALES_REP)
    old = await registered(
        api, token, "resale", {"customerName": "A", "amount": "10", "closeDate": "2020-01-31"}
    )
    await update_deal(api, admin, old["id"], stage="APPROVED")
    await update_deal(api, admin, old["id"], stage="WON")
    metrics = await _metrics(api, admin, partner)
    assert (metrics["wonRevenue12m"], metrics["dealsWon12m"]) == ("0.00", 0)
