"""Quoting follows the partner's tier: capabilities, createQuote and explainAccess agree, before
and after a tier change, from the very next request."""

from __future__ import annotations

from typing import Any

from domain.principal import ContactRole
from tests.deal_desk import product
from tests.support import Api, create_segment

CAPABILITIES = "{ viewer { capabilities { createQuote registerDeal } } }"
QUOTE = """
mutation { createQuote(input: {lines: [{sku: "SRV-100", quantity: 2}]}) {
  quote { total } errors { code } } }
"""
EXPLAIN = """
query($id: ID!) { explainAccess(contactId: $id, action: CREATE_QUOTE) { allowed reason } }
"""
SET_TIER = """
mutation($id: ID!, $tier: String!) {
  updatePartner(id: $id, input: {tier: $tier}) { errors { code } }
}
"""
GOLD_ONLY = """
mutation { setActionPolicy(action: CREATE_QUOTE, audience: {anySegments: ["gold-plus"]}) {
  errors { code } } }
"""


async def _answers(api: Api, admin: str, token: str, contact_id: str) -> dict[str, Any]:
    """What the contact is told it may do, what the mutation does, what staff are told."""
    capabilities = await api.gql(CAPABILITIES, token=token)
    quote = await api.gql(QUOTE, token=token)
    explained = await api.gql(EXPLAIN, {"id": contact_id}, token=admin)
    return {
        "capability": capabilities.data["viewer"]["capabilities"]["createQuote"],
        "mutation": quote.error_codes or quote.data["createQuote"]["quote"]["total"],
        "explained": explained.data["explainAccess"]["allowed"],
        "reason": explained.data["explainAccess"]["reason"],
    }


async def test_quoting_flips_with_the_partners_tier_on_the_next_request(api: Api) -> None:
    # given: quoting is for Gold and up; a Silver partner's sales rep
    admin, _ = await api.staff()
    await create_segment(
        api, admin, "gold-plus", {"field": "partner.tier", "op": "gte", "value": "GOLD"}
    )
    assert (await api.gql(GOLD_ONLY, token=admin)).data["setActionPolicy"]["errors"] == []
    await product(api, admin, "SRV-100", "100.00")
    partner = await api.partner(tier="SILVER")
    token, contact_id = await api.contact(partner, ContactRole.SALES_REP)
    # when
    as_silver = await _answers(api, admin, token, contact_id)
    promoted = await api.gql(SET_TIER, {"id": partner, "tier": "GOLD"}, token=admin)
    as_gold = await _answers(api, admin, token, contact_id)
    demoted = await api.gql(SET_TIER, {"id": partner, "tier": "SILVER"}, token=admin)
    as_silver_again = await _answers(api, admin, token, contact_id)
    # then
    assert [promoted.data["updatePartner"], demoted.data["updatePartner"]] == [
        {"errors": []},
        {"errors": []},
    ]
    assert as_silver["capability"] is False
    assert as_silver["mutation"] == ["FORBIDDEN"]
    assert as_silver["explained"] is False
    assert "needs any of segments [gold-plus]" in as_silver["reason"]
    assert as_gold["capability"] is True
    assert as_gold["mutation"] == "200.00"
    assert as_gold["explained"] is True
    assert as_silver_again["capability"] is False
    assert as_silver_again["mutation"] == ["FORBIDDEN"]
    assert as_silver_again["explained"] is False


async def test_a_refused_quote_is_audited_as_forbidden(api: Api) -> None:
    admin, _ = await api.staff()
    await create_segment(
        api, admin, "gold-plus", {"field": "partner.tier", "op": "gte", "value": "GOLD"}
    )
    await api.gql(GOLD_ONLY, token=admin)
    token, _ = await api.contact(await api.partner(tier="SILVER"))
    await api.gql(QUOTE, token=token)
    log = await api.gql("{ auditLog(first: 1) { edges { node { action outcome } } } }", token=admin)
    assert log.data["auditLog"]["edges"][0]["node"] == {
        "action": "FORBIDDEN:createQuote",
        "outcome": "FORBIDDEN",
    }
