"""N+1 guards: every list root field and nested connection runs a fixed number of statements.

Each query runs over a small programme, then over one four times as large; the number of
SQL statements (engine statements and those run straight on the SQLite driver) must not
grow with it.
"""

from __future__ import annotations

from typing import Any

import pytest

from domain.principal import ContactRole, StaffRole
from tests.deal_desk import create_quote, deal_layout, price_rule, product, registered
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
    "portal shell configuration": """
        { forms { key fields { name } onSubmit { path } audience { roles } }
          viewer { navigation { key audience { anySegments } } homepage { key audience { roles } }
                   dealCoach { key audience { roles } } } }
    """,
    "policies and catalogue": """
        { actionPolicies { action audience { roles } }
          fieldPolicies { typeName fieldName audience { anySegments } }
          picklists { field values { value } }
          attributeDefinitions { key type } }
    """,
}
CONTACT_LISTS = {
    "the portal home": """
        { viewer { navigation { key label path order audience { anySegments } }
                   homepage { key title body } forms { key fields { name } }
                   dealCoach { key text } capabilities { editableProfileFields } } }
    """,
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


# ---- the deal desk: deals, quotes and products grow with the programme

DEAL_DESK_LISTS = {
    "deals with partner, owner and values": """
        { deals(first: 50) { totalCount edges { node {
            id customerName amount values partner { name } owner { name } } } } }
    """,
    "quotes with lines, deal, partner and owner": """
        { quotes(first: 50) { totalCount edges { node {
            id total lines { sku unitPrice total } deal { id } partner { name } owner { name }
        } } } }
    """,
    "partners with nested deals": """
        { partners(first: 50) { edges { node { id deals(first: 10) {
            totalCount edges { node { id owner { name } } } } } } } }
    """,
    "products": "{ products { sku listPrice price audience { anySegments } } }",
    "price rules": "{ priceRules { id sku discountPercent audience { roles } } }",
}
CONTACT_DEAL_DESK_LISTS = {
    "a partner admin's deals": """
        { deals(first: 50) { totalCount edges { node { id values partner { name }
            owner { name } } } } }
    """,
    "a partner admin's quotes": """
        { quotes(first: 50) { edges { node { total lines { sku } deal { id } owner { name } } } } }
    """,
    "products priced for a contact": "{ products { sku price audience { roles } } }",
    "the company's deals": """
        { viewer { partner { deals(first: 10) { totalCount edges { node { id values } } } } } }
    """,
}


async def _grow_deals(api: Api, admin: str, partner: str | None, start: int, size: int) -> str:
    """`size` more products, price rules and colleagues with two deals and a quote each (of a
    new partner per colleague unless `partner` is given); returns the last partner's id."""
    if start == 0:
        await create_segment(
            api, admin, "gold", {"field": "partner.tier", "op": "eq", "value": "GOLD"}
        )
        await deal_layout(api, admin, "resale", ["amount", "useCase"])
    company = partner or ""
    for i in range(start, start + size):
        await product(api, admin, f"SKU-{i}", "10.00", audience={"anySegments": ["gold"]})
        await price_rule(api, admin, "5", sku=f"SKU-{i}", audience={"roles": ["ADMIN"]})
        company = partner or await api.partner(tier="GOLD")
        token, _ = await api.contact(company, ContactRole.SALES_REP)
        for n in range(2):
            values = {"customerName": f"Customer {i}-{n}", "amount": "100", "useCase": "x"}
            deal = await registered(api, token, "resale", values)
        quote = await create_quote(api, token, [(f"SKU-{i}", 1), ("SKU-0", 2)], deal["id"])
        assert quote["errors"] == []
    return company


@pytest.mark.parametrize("name", sorted(DEAL_DESK_LISTS))
async def test_a_deal_desk_list_costs_the_same_statements_for_four_times_the_rows(
    api: Api, app: Any, name: str
) -> None:
    # given
    admin, _ = await api.staff()
    await api.gql(
        'mutation { defineAttribute(subject: DEAL, key: "useCase", type: STRING) { errors '
        "{ code } } }",
        token=admin,
    )
    await _grow_deals(api, admin, None, 0, 2)
    few = await _statements(api, app, DEAL_DESK_LISTS[name], admin)
    # when
    await _grow_deals(api, admin, None, 2, 6)
    many = await _statements(api, app, DEAL_DESK_LISTS[name], admin)
    # then
    assert many == few


@pytest.mark.parametrize("name", sorted(CONTACT_DEAL_DESK_LISTS))
async def test_a_partner_admins_deal_desk_costs_the_same_statements_for_more_deals(
    api: Api, app: Any, name: str
) -> None:
    # given
    admin, _ = await api.staff()
    await api.gql(
        'mutation { defineAttribute(subject: DEAL, key: "useCase", type: STRING) { errors '
        "{ code } } }",
        token=admin,
    )
    partner = await _grow_deals(api, admin, None, 0, 1)
    token, _ = await api.contact(partner, ContactRole.ADMIN)
    few = await _statements(api, app, CONTACT_DEAL_DESK_LISTS[name], token)
    # when
    await _grow_deals(api, admin, partner, 1, 4)
    many = await _statements(api, app, CONTACT_DEAL_DESK_LISTS[name], token)
    # then
    assert many == few


# ---- enablement: content, courses, certifications and goals grow with the programme

# One root field per case: root fields resolve concurrently, and when their nested loads
# fall into one batch or two depends on timing, not on the number of rows.
ENABLEMENT_LISTS = {
    "asset folders": "{ assetFolders { id name parent { name } audience { anySegments } } }",
    "assets with folders": """
        { assets(first: 50) { totalCount edges { node {
            id title folder { name parent { name } } audience { roles } } } } }
    """,
    "announcements": """
        { announcements(first: 50) { totalCount edges { node { id title audience { roles } } } } }
    """,
    "courses": """
        { courses { key certificationKey audience { anySegments } autoEnrollAudience { roles } } }
    """,
    "certifications": "{ certifications { key awardAudience { anySegments } } }",
    "goals with their roll-up per segment": """
        { goals { name audience { anySegments }
                  segmentProgress { segment { key name } partners value attainment } } }
    """,
}
ENABLEMENT_CONTACT_LISTS = {
    "the viewer's folders": "{ assetFolders { name parent { name } } }",
    "the viewer's assets": "{ assets(first: 50) { edges { node { title folder { name } } } } }",
    "the viewer's announcements": "{ announcements(first: 50) { edges { node { title } } } }",
    "the viewer's learning and goals": """
        { viewer {
            enrollments { id status progress course { key title audience { anySegments } } }
            certifications { source certification { key name } }
            goals { value attainment goal { name } } } }
    """,
}


async def _grow_enablement(api: Api, admin: str, size: int, start: int) -> None:
    """`size` more of each: a segment, nested folders with assets, announcements, courses
    everyone is enrolled in (each awarding a certification), certifications held by
    audience, goals naming the segment."""
    parent = None
    for i in range(start, start + size):
        await create_segment(
            api, admin, f"grown-{i}", {"field": "partner.tier", "op": "ne", "value": "PLATINUM"}
        )
        folder = await api.gql(
            "mutation($name: String!, $parent: ID) { createAssetFolder(name: $name, "
            "parentId: $parent, audience: {roles: [ADMIN, SALES_REP]}) { id } }",
            {"name": f"Folder {i}", "parent": parent},
            token=admin,
        )
        parent = folder.data["createAssetFolder"]["id"]
        for document in (
            "mutation($f: ID, $t: String!) { createAsset(title: $t, kind: LINK, "
            'url: "https://example.com/", folderId: $f, audience: {roles: [ADMIN]}) { id } }',
            'mutation($t: String!) { createAnnouncement(title: $t, body: "News", '
            "audience: {roles: [ADMIN]}) { id } }",
        ):
            variables = {"t": f"Item {i}"}
            if "$f" in document:
                variables["f"] = parent
            await api.gql(document, variables, token=admin)
        await api.gql(
            "mutation($k: String!, $s: String!) { createCertification(key: $k, name: $k, "
            "awardAudience: {anySegments: [$s]}) { id } }",
            {"k": f"held-{i}", "s": f"grown-{i}"},
            token=admin,
        )
        await api.gql(
            "mutation($k: String!, $c: String!) { createCourse(key: $k, title: $k, "
            "autoEnrollAudience: {}, certificationKey: $c) { id } }",
            {"k": f"course-{i}", "c": f"held-{i}"},
            token=admin,
        )
        await api.gql(
            "mutation($n: String!, $s: String!) { createGoal(name: $n, metric: DEALS_WON, "
            'target: "5", periodStart: "2020-01-01", periodEnd: "2030-12-31", '
            "audience: {anySegments: [$s]}) { id } }",
            {"n": f"Goal {i}", "s": f"grown-{i}"},
            token=admin,
        )


@pytest.mark.parametrize("name", sorted(ENABLEMENT_LISTS))
async def test_an_enablement_list_costs_the_same_statements_for_four_times_the_content(
    api: Api, app: Any, name: str
) -> None:
    # given
    admin, _ = await api.staff()
    await _grow(api, admin, 1, 0)
    await _grow_enablement(api, admin, 2, 0)
    few = await _statements(api, app, ENABLEMENT_LISTS[name], admin)
    # when
    await _grow(api, admin, 2, 1)
    await _grow_enablement(api, admin, 6, 2)
    many = await _statements(api, app, ENABLEMENT_LISTS[name], admin)
    # then
    assert many == few


@pytest.mark.parametrize("name", sorted(ENABLEMENT_CONTACT_LISTS))
async def test_a_contacts_enablement_costs_the_same_statements_for_more_content(
    api: Api, app: Any, name: str
) -> None:
    # given
    admin, _ = await api.staff()
    partner = await _grow(api, admin, 1, 0)
    token, _ = await api.contact(partner, ContactRole.ADMIN)
    await _grow_enablement(api, admin, 2, 0)
    few = await _statements(api, app, ENABLEMENT_CONTACT_LISTS[name], token)
    # when
    await _grow_enablement(api, admin, 6, 2)
    many = await _statements(api, app, ENABLEMENT_CONTACT_LISTS[name], token)
    # then
    assert many == few
