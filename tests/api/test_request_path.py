"""The serving path's economy: one connection and one transaction per query, a contact's
authentication in one statement, and reads that still see what the request wrote."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, select, update

from domain import audiences, versions
from domain.db import Database
from domain.identity import signed_in
from domain.models import Contact, Segment
from domain.principal import ContactRole
from tests.records import QueryCounter
from tests.support import Api, create_segment

HOME = """
    { viewer { segments { key } capabilities { registerDeal } navigation { key } }
      announcements(first: 10) { edges { node { id } } }
      assets(first: 20) { edges { node { id } } } }
"""


@contextmanager
def database_work(app: Any) -> Iterator[Counter[str]]:
    """Pool checkouts and transactions begun inside the block."""
    engine = app.state.runtime.db.engine.sync_engine
    counts: Counter[str] = Counter()

    def checkout(*_args: Any) -> None:
        counts["checkouts"] += 1

    def begin(*_args: Any) -> None:
        counts["transactions"] += 1

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "begin", begin)
    try:
        yield counts
    finally:
        event.remove(engine, "checkout", checkout)
        event.remove(engine, "begin", begin)


async def _contact(api: Api) -> tuple[str, str, str]:
    """(staff token, partner id, contact token) with the contact in two segments."""
    admin, _ = await api.staff()
    partner = await api.partner(tier="GOLD")
    token, _ = await api.contact(partner, ContactRole.ADMIN)
    await create_segment(api, admin, "gold", {"field": "partner.tier", "op": "eq", "value": "GOLD"})
    await create_segment(
        api,
        admin,
        "admins",
        {"field": "contact.role", "op": "eq", "value": "ADMIN"},
        subject="CONTACT",
    )
    return admin, partner, token


async def test_a_contacts_query_takes_one_connection_and_one_transaction(
    api: Api, app: Any
) -> None:
    # given
    _, _, token = await _contact(api)
    await api.gql(HOME, token=token)  # decisions and documents cached
    # when
    with database_work(app) as counts:
        response = await api.gql(HOME, token=token)
    # then
    assert response.errors == []
    assert {k["key"] for k in response.data["viewer"]["segments"]} == {"gold", "admins"}
    assert counts == {"checkouts": 1, "transactions": 1}


async def test_a_contacts_authentication_segments_and_policy_version_are_one_statement(
    api: Api, app: Any
) -> None:
    # given
    _, _, token = await _contact(api)
    await api.gql("{ viewer { id } }", token=token)
    # when
    with QueryCounter(app) as queries:
        response = await api.gql("{ viewer { id segments { key } } }", token=token)
    # then
    assert response.errors == []
    assert len(response.data["viewer"]["segments"]) == 2
    statements = [s for s in queries.statements if s not in ("BEGIN", "ROLLBACK", "COMMIT")]
    assert len(statements) == 1, statements


async def test_a_policy_change_is_seen_by_the_next_request_of_a_cached_viewer(api: Api) -> None:
    # given: the viewer's decisions are memoised
    admin, _, token = await _contact(api)
    allowed = "{ viewer { capabilities { createQuote } } }"
    assert (await api.gql(allowed, token=token)).data["viewer"]["capabilities"]["createQuote"]
    # when
    changed = await api.gql(
        "mutation { setActionPolicy(action: CREATE_QUOTE, audience: {noneSegments: "
        '["admins"]}) { errors { code } } }',
        token=admin,
    )
    # then
    assert changed.errors == []
    assert changed.data["setActionPolicy"]["errors"] == []
    after = await api.gql(allowed, token=token)
    assert after.data["viewer"]["capabilities"]["createQuote"] is False


async def test_a_deactivated_contacts_token_is_refused(api: Api) -> None:
    # given
    _, _, token = await _contact(api)
    async with api.db.write() as session:
        await session.execute(
            update(Contact).where(Contact.role == "ADMIN").values(status="DEACTIVATED")
        )
    # when
    response = await api.gql("{ viewer { id } }", token=token)
    # then
    assert [e["extensions"]["code"] for e in response.errors] == ["UNAUTHENTICATED"]


async def test_a_mutations_answer_shows_what_it_wrote(api: Api) -> None:
    # given: the request reads the partner (authentication, the payload) around its write
    admin, partner, _ = await _contact(api)
    document = """
        mutation($id: ID!) { updatePartner(id: $id, input: {country: "AU", tier: "SILVER"}) {
            partner { country tier segments { key } } errors { code } } }
    """
    # when
    response = await api.gql(document, {"id": partner}, token=admin)
    # then
    assert response.errors == []
    payload = response.data["updatePartner"]
    assert payload["errors"] == []
    assert payload["partner"]["country"] == "AU"
    assert payload["partner"]["segments"] == []  # left "gold" in the same request
    again = await api.gql(
        "query($id: ID!) { partner(id: $id) { country } }", {"id": partner}, token=admin
    )
    assert again.data["partner"]["country"] == "AU"


# ---- the domain: one statement read equals the three it replaces; shared reads


async def test_signed_in_reads_what_three_separate_reads_would(api: Api, db: Database) -> None:
    # given
    await _contact(api)
    async with db.read() as session:
        contact = await session.scalar(select(Contact).where(Contact.role == "ADMIN"))
        assert contact is not None
        # when
        found = await signed_in.load(session, contact.id)
        # then
        assert found is not None
        assert found.principal.id == contact.id
        assert found.principal.partner_id == contact.partner_id
        expected = await audiences.segments_of_contact(session, contact.id, contact.partner_id)
        assert list(found.segments) == expected
        assert found.access_stamp == await versions.read(session, versions.ACCESS)
        assert await signed_in.load(session, contact.id + 10_000) is None


async def test_a_read_nested_in_another_takes_its_own_session_instead_of_waiting(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("domain.db.SHARED_WAIT_SECONDS", 0.3)
    async with db.request_scope():
        started = time.perf_counter()
        async with db.read() as outer, db.read() as inner:
            # the shared session is busy: the inner read waits, then takes its own
            assert inner is not outer
            assert await inner.scalar(select(func.count()).select_from(Segment)) is not None
        waited = time.perf_counter() - started
    assert 0.3 <= waited < 5


async def test_concurrent_reads_of_one_request_take_turns_on_one_session(db: Database) -> None:
    sessions = []

    async def one() -> None:
        async with db.read() as session:
            sessions.append(session)
            await session.scalar(select(func.count()).select_from(Segment))

    async with db.request_scope():
        await asyncio.gather(*(one() for _ in range(5)))
    assert len({id(s) for s in sessions}) == 1


async def test_a_write_in_a_request_is_seen_by_its_next_read(db: Database) -> None:
    async with db.request_scope():
        async with db.read() as session:
            before = await versions.read(session, versions.ACCESS)
        async with db.write() as session:
            await versions.bump(session, versions.ACCESS)
        async with db.read() as session:
            after = await versions.read(session, versions.ACCESS)
    assert after.version == before.version + 1


async def test_a_partner_list_loads_what_its_nodes_select_and_nothing_is_missing(
    api: Api,
) -> None:
    # given: a partner with attributes and verticals
    admin, _ = await api.staff()
    partner = await api.partner(name="Columns Co", verticals=["HEALTHCARE"])
    # when: one root lists names only, another reads the same partner in full, and a
    # fragment asks for the JSON columns on the list
    document = """
        query($id: ID!) {
          slim: partners(first: 5) { edges { node { id name } } }
          full: partner(id: $id) { name verticals attributes joinedAt version }
          rich: partners(first: 5) { edges { node { ...Rich } } }
        }
        fragment Rich on Partner { verticals attributes tier }
    """
    response = await api.gql(document, {"id": partner}, token=admin)
    # then
    assert response.errors == []
    assert response.data["full"]["verticals"] == ["HEALTHCARE"]
    assert response.data["full"]["attributes"] == {}
    rich = [e["node"] for e in response.data["rich"]["edges"]]
    assert {"verticals": ["HEALTHCARE"], "attributes": {}, "tier": "SILVER"} in rich


async def test_ids_resolved_straight_from_rows_open_the_same_nodes(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner(name="Node Co")
    _, contact = await api.contact(partner)
    # when: the ids a list answers are looked up again
    listed = await api.gql(
        "{ partners(first: 5) { edges { node { id "
        "contacts(first: 5) { edges { node { id } } } } } } }",
        token=admin,
    )
    # then
    nodes = [e["node"] for e in listed.data["partners"]["edges"]]
    assert partner in [n["id"] for n in nodes]
    assert contact in [c["node"]["id"] for n in nodes for c in n["contacts"]["edges"]]
    found = await api.gql(
        "query($p: ID!, $c: ID!) { p: node(id: $p) { id ... on Partner { name } } "
        "c: node(id: $c) { id } }",
        {"p": partner, "c": contact},
        token=admin,
    )
    assert found.data == {"p": {"id": partner, "name": "Node Co"}, "c": {"id": contact}}
