"""The serving benchmark's floor answers like PartnerScope, or its figures compare nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bench import serving_data
from bench.floor import Floor
from bench.serving import WORKLOADS, Workload
from domain.identity.tokens import TokenIssuer
from domain.models import Contact
from domain.principal import PrincipalKind
from seeds import demo
from tests.conftest import TEST_SECRET
from tests.support import Api

CONTACT_WORKLOADS = [w for w in WORKLOADS if w.principal == "contact"]


async def _post(client: httpx.AsyncClient, workload: Workload, token: str) -> Any:
    response = await client.post(
        "/graphql",
        json={"query": workload.document, "operationName": workload.operation, "variables": {}},
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.json()


@pytest.mark.parametrize("workload", CONTACT_WORKLOADS, ids=[w.key for w in CONTACT_WORKLOADS])
async def test_floor_answers_the_demo_contact_as_partnerscope_does(
    api: Api, workload: Workload
) -> None:
    # given the demo programme and its Platinum reseller's admin
    await demo.load(api.db)
    async with api.db.read() as session:
        contact = await session.scalar(
            select(Contact.id).where(Contact.email == serving_data.CONTACT[0])
        )
    assert contact is not None
    token, _ = TokenIssuer(TEST_SECRET, timedelta(hours=1)).issue(PrincipalKind.CONTACT, contact)
    floor = Floor(api.db.engine.url.render_as_string(hide_password=False), TEST_SECRET)
    await floor.start()
    try:
        # when both answer the workload's request
        ours = await _post(api.client, workload, token)
        transport = httpx.ASGITransport(app=floor)
        async with httpx.AsyncClient(transport=transport, base_url="http://floor") as client:
            theirs = await _post(client, workload, token)
    finally:
        await floor.stop()
    # then the JSON is the same
    assert "errors" not in ours
    assert theirs == ours
