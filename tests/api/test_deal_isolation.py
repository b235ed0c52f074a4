"""Deal and quote isolation: between companies, between roles of one company, for staff and
API keys, through every root field, `node`, nested fields and mutation ids. What a viewer
may not see is absent or null, and a mutation naming it is NOT_FOUND: never revealed."""

from __future__ import annotations

from typing import Any

import pytest

from domain.principal import ContactRole, StaffRole
from tests.deal_desk import (
    REVIEW_QUOTE,
    SUBMIT_QUOTE,
    create_quote,
    deal_layout,
    product,
    registered,
    update_deal,
)
from tests.support import Api, create_api_key, create_segment

SET_ROLE = """
mutation($id: ID!, $role: ContactRole!) { setContactRole(contactId: $id, role: $role) {
  errors { code } } }
"""


async def _world(api: Api) -> dict[str, Any]:
    """Two companies (A in EMEA, B in APAC), each with deals and quotes of several people."""
    admin, _ = await api.staff()
    await deal_layout(api, admin, "resale", ["amount"])
    await product(api, admin, "SRV-1", "10.00")
    a = await api.partner(region="EMEA")
    b = await api.partner(region="APAC")
    people: dict[str, Any] = {"vendor admin": admin}
    ids: dict[str, str] = {}
    for company, name, role in (
        (a, "A admin", ContactRole.ADMIN),
        (a, "A rep 1", ContactRole.SALES_REP),
        (a, "A finance", ContactRole.FINANCE),
        (b, "B admin", ContactRole.ADMIN),
        (b, "B rep", ContactRole.SALES_REP),
    ):
        people[name], ids[name] = await api.contact(company, role)
    deals: dict[str, str] = {}
    quotes: dict[str, str] = {}
    for name, owner in (("dA1", "A rep 1"), ("dA2", "A finance"), ("dB1", "B rep")):
        deal = await registered(api, people[owner], "resale", {"customerName": name})
        deals[name] = deal["id"]
        quote = await create_quote(api, people[owner], [("SRV-1", 1)], deal["id"])
        quotes["q" + name[1:]] = quote["quote"]["id"]
    manager, manager_id = await api.staff(StaffRole.CHANNEL_MANAGER)
    await create_segment(
        api,
        admin,
        "emea",
        {"field": "partner.region", "op": "eq", "value": "EMEA"},
        managerIds=[manager_id],
    )
    people["A channel manager"] = manager
    people["analyst"], _ = await api.staff(StaffRole.ANALYST)
    keys = {
        "deals:read key": await create_api_key(api, admin, "deals:read"),
        "deals:write key": await create_api_key(api, admin, "deals:write"),
        "partners:read key": await create_api_key(api, admin, "partners:read"),
    }
    return {
        "people": people,
        "keys": keys,
        "ids": ids,
        "deals": deals,
        "quotes": quotes,
        "a": a,
        "b": b,
    }


async def _ask(api: Api, w: dict[str, Any], who: str, document: str, **variables: Any) -> Any:
    if who in w["keys"]:
        return await api.gql(document, variables, api_key=w["keys"][who])
    return await api.gql(document, variables, token=w["people"][who])


def _names(w: dict[str, Any], found: list[str]) -> list[str]:
    by_id = {v: k for k, v in {**w["deals"], **w["quotes"]}.items()}
    return sorted(by_id[i] for i in found)


async def _seen(api: Api, w: dict[str, Any], who: str) -> dict[str, Any]:
    """Every deal and quote `who` can reach, by each way of reaching them."""
    seen: dict[str, Any] = {}
    deals = await _ask(api, w, who, "{ deals(first: 50) { totalCount edges { node { id } } } }")
    quotes = await _ask(api, w, who, "{ quotes(first: 50) { totalCount edges { node { id } } } }")
    for name, response in (("deals", deals), ("quotes", quotes)):
        if response.errors:
            seen[name] = response.error_codes
            continue
        found = [e["node"]["id"] for e in response.data[name]["edges"]]
        assert response.data[name]["totalCount"] == len(found)
        seen[name] = _names(w, found)
    by_id, by_node = [], []
    for name, global_id in {**w["deals"], **w["quotes"]}.items():
        node = await _ask(api, w, who, "query($id: ID!) { node(id: $id) { id } }", id=global_id)
        if node.data["node"] is not None:
            by_node.append(name)
        if name.startswith("d"):
            deal = await _ask(api, w, who, "query($id: ID!) { deal(id: $id) { id } }", id=global_id)
            if deal.errors:
                by_id = deal.error_codes
            elif deal.data["deal"] is not None:
                by_id.append(name)
    seen["deal(id)"] = by_id
    seen["node"] = by_node
    nested = await _ask(
        api,
        w,
        who,
        "{ partners(first: 50) { edges { node { deals(first: 50) { totalCount "
        "edges { node { id } } } } } } }",
    )
    if nested.errors:
        seen["Partner.deals"] = nested.error_codes
    else:
        found = [
            d["node"]["id"]
            for p in nested.data["partners"]["edges"]
            for d in p["node"]["deals"]["edges"]
        ]
        counts = sum(p["node"]["deals"]["totalCount"] for p in nested.data["partners"]["edges"])
        assert counts == len(found)
        seen["Partner.deals"] = _names(w, found)
    return seen


def _all(deals: list[str], quotes: list[str], *, nested: Any = None) -> dict[str, Any]:
    return {
        "deals": deals,
        "quotes": quotes,
        "deal(id)": deals,
        "node": sorted(deals + quotes),
        "Partner.deals": deals if nested is None else nested,
    }


EVERYTHING = _all(["dA1", "dA2", "dB1"], ["qA1", "qA2", "qB1"])
EXPECTED = {
    "A admin": _all(["dA1", "dA2"], ["qA1", "qA2"]),
    "A rep 1": _all(["dA1"], ["qA1"]),
    "A finance": _all(["dA2"], ["qA2"]),
    "B admin": _all(["dB1"], ["qB1"]),
    "B rep": _all(["dB1"], ["qB1"]),
    "A channel manager": _all(["dA1", "dA2"], ["qA1", "qA2"]),
    "analyst": EVERYTHING,
    "vendor admin": EVERYTHING,
    "deals:read key": _all(["dA1", "dA2", "dB1"], ["qA1", "qA2", "qB1"], nested=["FORBIDDEN"]),
    "deals:write key": _all(["dA1", "dA2", "dB1"], ["qA1", "qA2", "qB1"], nested=["FORBIDDEN"]),
    "partners:read key": {
        "deals": ["FORBIDDEN"],
        "quotes": ["FORBIDDEN"],
        "deal(id)": ["FORBIDDEN"],
        "node": [],
        "Partner.deals": [],
    },
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
async def test_each_viewer_reaches_exactly_its_deals_and_quotes_every_way(
    api: Api, who: str
) -> None:
    # given
    w = await _world(api)
    # when
    seen = await _seen(api, w, who)
    # then
    assert seen == EXPECTED[who]


async def test_nested_partner_and_owner_are_the_deals_own(api: Api) -> None:
    w = await _world(api)
    response = await api.gql(
        "{ deals(first: 5) { edges { node { customerName partner { id } owner { id } } } } "
        "quotes(first: 5) { edges { node { deal { customerName } partner { id } "
        "owner { id } } } } }",
        token=w["people"]["A rep 1"],
    )
    assert response.data["deals"]["edges"] == [
        {
            "node": {
                "customerName": "dA1",
                "partner": {"id": w["a"]},
                "owner": {"id": w["ids"]["A rep 1"]},
            }
        }
    ]
    assert response.data["quotes"]["edges"] == [
        {
            "node": {
                "deal": {"customerName": "dA1"},
                "partner": {"id": w["a"]},
                "owner": {"id": w["ids"]["A rep 1"]},
            }
        }
    ]


async def test_a_quotes_deal_is_null_once_its_owner_may_no_longer_see_the_deal(
    api: Api,
) -> None:
    # given: the A admin quotes against a colleague's deal, then becomes a sales rep
    w = await _world(api)
    quote = await create_quote(api, w["people"]["A admin"], [("SRV-1", 1)], w["deals"]["dA2"])
    await api.contact(w["a"], ContactRole.ADMIN, sign_in=False)  # keeps a last admin
    demoted = await api.gql(
        SET_ROLE,
        {"id": w["ids"]["A admin"], "role": "SALES_REP"},
        token=w["people"]["vendor admin"],
    )
    # when
    response = await api.gql(
        "query($id: ID!) { node(id: $id) { ... on Quote { id deal { id } } } }",
        {"id": quote["quote"]["id"]},
        token=w["people"]["A admin"],
    )
    # then
    assert demoted.data["setContactRole"]["errors"] == []
    assert response.data["node"] == {"id": quote["quote"]["id"], "deal": None}


async def test_mutations_naming_anothers_deal_or_quote_are_not_found(api: Api) -> None:
    # given
    w = await _world(api)
    people, deals, quotes = w["people"], w["deals"], w["quotes"]
    await api.gql(SUBMIT_QUOTE, {"id": quotes["qB1"]}, token=people["B rep"])
    # when
    answers = {
        "channel manager moves B's deal": await update_deal(
            api, people["A channel manager"], deals["dB1"], stage="APPROVED"
        ),
        "A admin submits B's quote": (
            await api.gql(SUBMIT_QUOTE, {"id": quotes["qB1"]}, token=people["A admin"])
        ).data["submitQuote"],
        "A rep submits a colleague's quote": (
            await api.gql(SUBMIT_QUOTE, {"id": quotes["qA2"]}, token=people["A rep 1"])
        ).data["submitQuote"],
        "channel manager reviews B's quote": (
            await api.gql(
                REVIEW_QUOTE,
                {"id": quotes["qB1"], "approve": True},
                token=people["A channel manager"],
            )
        ).data["reviewQuote"],
        "A admin quotes against B's deal": await create_quote(
            api, people["A admin"], [("SRV-1", 1)], deals["dB1"]
        ),
        "a deal id given as a quote id": (
            await api.gql(SUBMIT_QUOTE, {"id": deals["dA1"]}, token=people["A rep 1"])
        ).data["submitQuote"],
    }
    # then
    assert {what: [e["code"] for e in a["errors"]] for what, a in answers.items()} == {
        what: ["NOT_FOUND"] for what in answers
    }
    assert {what: a.get("deal", a.get("quote")) for what, a in answers.items()} == {
        what: None for what in answers
    }
