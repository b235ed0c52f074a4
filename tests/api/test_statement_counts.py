"""N+1 guards: every list root field and nested connection runs a fixed number of statements.

Each query runs over a small programme, then over one four times as large; the number of
SQL statements (engine statements and those run straight on the SQLite driver) must not
grow with it.
"""

from __future__ import annotations

from typing import Any

import pytest

from domain.principal import ContactRole, StaffRole
from tests.records import QueryCounter
from tests.support import Api, create_segment

LISTS = {
    "partners with nested contacts, segments and metrics": """
        { partners(first: 50) { totalCount edges { node {
            id name segments { key } metrics { engagementScore }
            contacts(first: 10) { totalCount edges { node { id segments { key } } } }
        } } } }
    """,
    "segments with counts, lists, managers, members and history": """
        { segments {
            key memberCount include exclude managers { email }
            members(first: 10) { totalCount edges { node { id name } } }
            history(first: 10) { edges { node { subjectId change segment { key } } } }
        } }
    """,
    "audit log": "{ auditLog(first: 50) { edges { node { id action actor outcome } } } }",
    "staff members": "{ staffMembers { id email role } }",
    "policies and catalogue": """
        { actionPolicies { action audience { roles } }
          fieldPolicies { typeName fieldName audience { anySegments } }
          picklists { field values { value } }
          attributeDefinitions { key type } }
    """,
}
CONTACT_LISTS = {
    "the viewer's company and its people": """
        { viewer { segments { key } partner { name contacts(first: 20) {
            totalCount edges { node { id role segments { key } partner { name } } } } } } }
    """,
}


async def _grow(api: Api, admin: str, size: int, start: int) -> str:
    """`size` more partners (3 contacts each) and segments over them; returns a partner id."""
    partner = ""
    for i in range(start, start + size):
        partner = await api.partner(tier="GOLD", externalId=f"CRM-{i}")
        for role in (ContactRole.ADMIN, ContactRole.SALES_REP, ContactRole.FINANCE):
            await api.contact(partner, role, sign_in=False)
        await create_segment(
            api,
            admin,
            f"segment-{i}",
            {"field": "partner.tier", "op": "eq", "value": "GOLD"},
            include=[partner],
        )
        await create_segment(
            api,
            admin,
            f"people-{i}",
            {"field": "contact.role", "op": "ne", "value": "FINANCE"},
            subject="CONTACT",
        )
        await api.gql(
            "mutation($t: String!, $f: String!) { setFieldPolicy(typeName: $t, fieldName: $f, "
            "audience: {roles: [ADMIN]}) { errors { code } } }",
            {"t": "Contact", "f": "title" if i % 2 else "attributes"},
            token=admin,
        )
    return partner


async def _statements(api: Api, app: Any, document: str, token: str) -> int:
    """Statements of one run, after a first run has warmed the caches (decisions, index)."""
    await api.gql(document, token=token)
    with QueryCounter(app) as queries:
        response = await api.gql(document, token=token)
    assert response.errors == [], response.errors
    return queries.count


@pytest.mark.parametrize("name", sorted(LISTS))
async def test_a_staff_list_costs_the_same_statements_for_four_times_the_rows(
    api: Api, app: Any, name: str
) -> None:
    # given
    admin, _ = await api.staff()
    await api.staff(StaffRole.CHANNEL_MANAGER)
    await _grow(api, admin, 2, 0)
    few = await _statements(api, app, LISTS[name], admin)
    # when
    await _grow(api, admin, 6, 2)
    await api.staff(StaffRole.ANALYST)
    many = await _statements(api, app, LISTS[name], admin)
    # then
    assert many == few


@pytest.mark.parametrize("name", sorted(CONTACT_LISTS))
async def test_a_contact_page_costs_the_same_statements_for_more_colleagues(
    api: Api, app: Any, name: str
) -> None:
    # given
    admin, _ = await api.staff()
    partner = await _grow(api, admin, 1, 0)
    token, _ = await api.contact(partner, ContactRole.ADMIN)
    few = await _statements(api, app, CONTACT_LISTS[name], token)
    # when
    for _ in range(8):
        await api.contact(partner, sign_in=False)
    await _grow(api, admin, 3, 1)
    many = await _statements(api, app, CONTACT_LISTS[name], token)
    # then
    assert many == few
