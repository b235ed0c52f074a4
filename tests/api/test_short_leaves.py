"""Leaf fields that only read their row take a short path through execution
(schema.execution); every answer must be exactly what the regular path gives, field
policies' hidden fields and errors included."""

from __future__ import annotations

from typing import Any

import pytest

from domain.principal import ContactRole
from schema import execution
from schema.execution import PartnerScopeExecution
from tests.deal_desk import deal_layout, registered
from tests.support import Api, create_segment

PARTNERS = """{ partners(first: 50) { totalCount edges { cursor node {
  id name type tier region country phase joinedAt verticals externalId attributes
  metrics { wonRevenue12m openPipeline }
  contacts(first: 5) { edges { node { id name email role title } } } } } } }"""
DEALS = """{ deals(first: 20) { totalCount edges { node {
  id recordType customerName stage amount closeDate exclusivityUntil createdAt } } } }"""
VIEWER = "{ viewer { id kind email name contactRole partner { id name tier } } }"
HIDE_EXCLUSIVITY = """mutation { setFieldPolicy(typeName: "Deal", fieldName: "exclusivityUntil",
  audience: {anySegments: ["gold"]}) { errors { code message } } }"""


async def _both(api: Api, monkeypatch: pytest.MonkeyPatch, document: str, token: str) -> Any:
    short = await api.gql(document, token=token)
    with monkeypatch.context() as patched:
        patched.setattr(PartnerScopeExecution, "_short", lambda *_: execution._REGULAR)
        regular = await api.gql(document, token=token)
    assert short.status == regular.status == 200
    assert short.body == regular.body
    return short


async def test_short_and_regular_paths_answer_alike_for_staff_and_contacts(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: partners with contacts, a deal, and a policy hiding one of its fields from
    # partners that are not Gold
    admin, _ = await api.staff()
    await deal_layout(api, admin, "resale", ["amount", "closeDate"])
    partner = await api.partner(tier="SILVER", region="EMEA")
    contact, _ = await api.contact(partner, ContactRole.SALES_REP)
    for other in range(3):
        await api.contact(await api.partner(name=f"Extra {other}"))
    values = {"customerName": "Acme", "amount": "1000", "closeDate": "2027-03-31"}
    await registered(api, contact, "resale", values)
    await create_segment(api, admin, "gold", {"field": "partner.tier", "op": "eq", "value": "GOLD"})
    hidden = await api.gql(HIDE_EXCLUSIVITY, token=admin)
    assert hidden.data["setFieldPolicy"]["errors"] == []
    # when / then
    partners = await _both(api, monkeypatch, PARTNERS, admin)
    assert partners.data["partners"]["totalCount"] >= 4
    await _both(api, monkeypatch, VIEWER, contact)
    deals = await _both(api, monkeypatch, DEALS, contact)
    assert deals.data["deals"]["edges"][0]["node"]["amount"] is not None
    assert deals.body["extensions"]["hiddenFields"] == ["Deal.exclusivityUntil"]
    await _both(api, monkeypatch, DEALS, admin)
