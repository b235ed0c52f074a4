"""Who may read and write segments, and which members a channel manager sees."""

from __future__ import annotations

import json
from typing import Any

import pytest

from domain.principal import ContactRole, StaffRole
from tests.support import Api, create_api_key, create_segment

SEGMENTS = "{ segments { key version rule memberCount } }"
SEGMENT = "query($key: String!) { segment(key: $key) { key } }"
PREVIEW = """
query($rule: JSON!) { previewSegment(subject: PARTNER, rule: $rule) { count sample { id } } }
"""
EXPLAIN = """
query($segment: String!, $subjectId: ID!) {
  explainMembership(segment: $segment, subjectId: $subjectId) { member reason }
}
"""
CREATE_SEGMENT = """
mutation($input: SegmentInput!) {
  createSegment(input: $input) { segment { key } errors { path code } }
}
"""
UPDATE_SEGMENT = """
mutation($key: String!, $input: SegmentInput!) {
  updateSegment(key: $key, input: $input) { segment { key version } errors { path code } }
}
"""
DELETE_SEGMENT = """
mutation($key: String!) { deleteSegment(key: $key) { deleted errors { path code } } }
"""
MEMBERS = """
query($key: String!) {
  segment(key: $key) {
    members(first: 50) { totalCount edges { node { id } } }
    history(first: 50) { edges { node { subjectId } } }
  }
}
"""
PARTNERS = """
query($segment: String) {
  partners(filter: {segment: $segment}, first: 50) { totalCount edges { node { id } } }
}
"""

GOLD = {"field": "partner.tier", "op": "eq", "value": "GOLD"}
EMEA = {"field": "partner.region", "op": "eq", "value": "EMEA"}
NEW_SEGMENT = {"key": "fresh", "name": "Fresh", "subject": "PARTNER", "rule": GOLD}


def _read_requests(partner_id: str) -> dict[str, tuple[str, dict[str, Any]]]:
    return {
        "segments": (SEGMENTS, {}),
        "segment": (SEGMENT, {"key": "gold"}),
        "previewSegment": (PREVIEW, {"rule": GOLD}),
        "explainMembership": (EXPLAIN, {"segment": "gold", "subjectId": partner_id}),
    }


WRITE_REQUESTS: dict[str, tuple[str, dict[str, Any]]] = {
    "createSegment": (CREATE_SEGMENT, {"input": NEW_SEGMENT}),
    "updateSegment": (UPDATE_SEGMENT, {"key": "gold", "input": {"name": "Changed", "rule": EMEA}}),
    "deleteSegment": (DELETE_SEGMENT, {"key": "gold"}),
}


def _ids(connection: dict[str, Any]) -> list[str]:
    return sorted(edge["node"]["id"] for edge in connection["edges"])


# ---------------------------------------------------------------- reading


@pytest.mark.parametrize("field", ["segments", "segment", "previewSegment", "explainMembership"])
async def test_partner_contact_may_not_read_segments(api: Api, field: str) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner(tier="GOLD")
    contact_token, _ = await api.contact(partner, ContactRole.ADMIN)
    await create_segment(api, admin, "gold", GOLD)
    query, variables = _read_requests(partner)[field]
    # when
    response = await api.gql(query, variables, token=contact_token)
    # then
    assert response.error_codes == ["FORBIDDEN"]
    assert response.body["data"] is None or response.body["data"].get(field) is None


async def test_anonymous_caller_may_not_read_segments(api: Api) -> None:
    # when
    response = await api.gql(SEGMENTS)
    # then
    assert response.error_codes == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(
    "role", [StaffRole.VENDOR_ADMIN, StaffRole.ANALYST, StaffRole.CHANNEL_MANAGER]
)
@pytest.mark.parametrize("field", ["segments", "segment", "previewSegment", "explainMembership"])
async def test_every_staff_role_reads_segments(api: Api, role: StaffRole, field: str) -> None:
    # given: a channel manager reads about partners it looks after
    admin, _ = await api.staff()
    staff, staff_id = await api.staff(role)
    partner = await api.partner(tier="GOLD")
    managers = [staff_id] if role is StaffRole.CHANNEL_MANAGER else []
    await create_segment(api, admin, "gold", GOLD, managerIds=managers)
    query, variables = _read_requests(partner)[field]
    # when
    response = await api.gql(query, variables, token=staff)
    # then
    assert response.errors == []
    assert response.data[field] is not None


@pytest.mark.parametrize("scope", ["segments:read", "segments:write"])
async def test_api_key_with_a_segments_scope_and_a_partners_scope_reads_segments_and_members(
    api: Api, scope: str
) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner(tier="GOLD")
    await create_segment(api, admin, "gold", GOLD)
    key = await create_api_key(api, admin, scope, "partners:read")
    # when
    segments = await api.gql(SEGMENTS, api_key=key)
    members = await api.gql(MEMBERS, {"key": "gold"}, api_key=key)
    # then
    assert [(s["key"], s["memberCount"]) for s in segments.data["segments"]] == [("gold", 1)]
    assert _ids(members.data["segment"]["members"]) == [partner]


@pytest.mark.parametrize("scope", ["segments:read", "segments:write"])
async def test_api_key_with_only_a_segments_scope_reads_definitions_but_not_who_is_in_them(
    api: Api, scope: str
) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner(tier="GOLD")
    await create_segment(api, admin, "gold", GOLD)
    key = await create_api_key(api, admin, scope)
    # when
    definitions = await api.gql("{ segments { key rule } }", api_key=key)
    counts = await api.gql(SEGMENTS, api_key=key)
    members = await api.gql(MEMBERS, {"key": "gold"}, api_key=key)
    preview = await api.gql(PREVIEW, {"rule": GOLD}, api_key=key)
    explain = await api.gql(EXPLAIN, {"segment": "gold", "subjectId": partner}, api_key=key)
    # then
    assert [s["key"] for s in definitions.data["segments"]] == ["gold"]
    for refused in (counts, members, preview, explain):
        assert set(refused.error_codes) == {"FORBIDDEN"}
        assert partner not in json.dumps(refused.body)


@pytest.mark.parametrize("field", ["segments", "segment", "previewSegment"])
async def test_api_key_without_a_segments_scope_may_not_read_segments(api: Api, field: str) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner(tier="GOLD")
    await create_segment(api, admin, "gold", GOLD)
    key = await create_api_key(api, admin, "partners:read", "partners:write")
    query, variables = _read_requests(partner)[field]
    # when
    response = await api.gql(query, variables, api_key=key)
    # then
    assert response.error_codes == ["FORBIDDEN"]


# ---------------------------------------------------------------- writing


@pytest.mark.parametrize("role", [StaffRole.ANALYST, StaffRole.CHANNEL_MANAGER])
@pytest.mark.parametrize("mutation", ["createSegment", "updateSegment", "deleteSegment"])
async def test_only_vendor_admin_staff_write_segments(
    api: Api, role: StaffRole, mutation: str
) -> None:
    # given
    admin, _ = await api.staff()
    staff, staff_id = await api.staff(role)
    await api.partner(tier="GOLD")
    await create_segment(
        api, admin, "gold", GOLD, managerIds=[staff_id] if role is StaffRole.CHANNEL_MANAGER else []
    )
    before = (await api.gql(SEGMENTS, token=admin)).data["segments"]
    query, variables = WRITE_REQUESTS[mutation]
    # when
    response = await api.gql(query, variables, token=staff)
    # then
    assert response.error_codes == ["FORBIDDEN"]
    assert (await api.gql(SEGMENTS, token=admin)).data["segments"] == before


@pytest.mark.parametrize("mutation", ["createSegment", "updateSegment", "deleteSegment"])
async def test_partner_contact_may_not_write_segments(api: Api, mutation: str) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner(tier="GOLD")
    contact_token, _ = await api.contact(partner, ContactRole.ADMIN)
    await create_segment(api, admin, "gold", GOLD)
    before = (await api.gql(SEGMENTS, token=admin)).data["segments"]
    query, variables = WRITE_REQUESTS[mutation]
    # when
    response = await api.gql(query, variables, token=contact_token)
    # then
    assert response.error_codes == ["FORBIDDEN"]
    assert (await api.gql(SEGMENTS, token=admin)).data["segments"] == before


@pytest.mark.parametrize("mutation", ["createSegment", "updateSegment", "deleteSegment"])
async def test_api_key_with_read_scope_only_may_not_write_segments(api: Api, mutation: str) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    key = await create_api_key(api, admin, "segments:read", "partners:write")
    before = (await api.gql(SEGMENTS, token=admin)).data["segments"]
    query, variables = WRITE_REQUESTS[mutation]
    # when
    response = await api.gql(query, variables, api_key=key)
    # then
    assert response.error_codes == ["FORBIDDEN"]
    assert (await api.gql(SEGMENTS, token=admin)).data["segments"] == before


async def test_api_key_with_write_scope_creates_updates_and_deletes_segments(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    key = await create_api_key(api, admin, "segments:write")
    # when
    created = await api.gql(CREATE_SEGMENT, {"input": NEW_SEGMENT}, api_key=key)
    updated = await api.gql(UPDATE_SEGMENT, {"key": "fresh", "input": {"rule": EMEA}}, api_key=key)
    deleted = await api.gql(DELETE_SEGMENT, {"key": "fresh"}, api_key=key)
    # then
    assert created.data["createSegment"] == {"segment": {"key": "fresh"}, "errors": []}
    assert updated.data["updateSegment"] == {
        "segment": {"key": "fresh", "version": 2},
        "errors": [],
    }
    assert deleted.data["deleteSegment"] == {"deleted": True, "errors": []}
    assert (await api.gql(SEGMENTS, token=admin)).data["segments"] == []


# ---------------------------------------------------------------- channel managers


async def _managed_setup(api: Api) -> dict[str, Any]:
    """A channel manager managing "emea"; "gold" (unmanaged) holds an EMEA and an APAC partner."""
    admin, _ = await api.staff()
    manager, manager_id = await api.staff(StaffRole.CHANNEL_MANAGER)
    gold_emea = await api.partner(tier="GOLD", region="EMEA")
    gold_apac = await api.partner(tier="GOLD", region="APAC")
    silver_emea = await api.partner(tier="SILVER", region="EMEA")
    await create_segment(api, admin, "emea", EMEA, managerIds=[manager_id])
    await create_segment(api, admin, "gold", GOLD)
    return {
        "admin": admin,
        "manager": manager,
        "gold_emea": gold_emea,
        "gold_apac": gold_apac,
        "silver_emea": silver_emea,
    }


async def test_channel_manager_sees_only_members_it_may_see(api: Api) -> None:
    # given
    given = await _managed_setup(api)
    # when
    response = await api.gql(MEMBERS, {"key": "gold"}, token=given["manager"])
    # then
    members = response.data["segment"]["members"]
    assert _ids(members) == [given["gold_emea"]]
    assert members["totalCount"] == 1
    history = response.data["segment"]["history"]["edges"]
    assert [e["node"]["subjectId"] for e in history] == [given["gold_emea"]]


async def test_vendor_admin_sees_every_member(api: Api) -> None:
    # given
    given = await _managed_setup(api)
    # when
    response = await api.gql(MEMBERS, {"key": "gold"}, token=given["admin"])
    # then
    assert _ids(response.data["segment"]["members"]) == sorted(
        [given["gold_emea"], given["gold_apac"]]
    )


async def test_channel_manager_lists_only_partners_of_segments_it_manages(api: Api) -> None:
    # given
    given = await _managed_setup(api)
    # when
    everyone = await api.gql(PARTNERS, {"segment": None}, token=given["manager"])
    gold = await api.gql(PARTNERS, {"segment": "gold"}, token=given["manager"])
    # then
    assert _ids(everyone.data["partners"]) == sorted([given["gold_emea"], given["silver_emea"]])
    assert everyone.data["partners"]["totalCount"] == 2
    assert _ids(gold.data["partners"]) == [given["gold_emea"]]


async def test_channel_manager_without_segments_lists_no_partners(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    manager, _ = await api.staff(StaffRole.CHANNEL_MANAGER)
    await api.partner(tier="GOLD")
    await create_segment(api, admin, "gold", GOLD)
    # when
    response = await api.gql(PARTNERS, {"segment": None}, token=manager)
    # then
    assert response.data["partners"] == {"totalCount": 0, "edges": []}


async def test_channel_manager_preview_sample_lists_only_partners_it_may_see(api: Api) -> None:
    # given
    given = await _managed_setup(api)
    # when
    response = await api.gql(PREVIEW, {"rule": GOLD}, token=given["manager"])
    # then
    assert response.errors == []
    sample = [s["id"] for s in response.data["previewSegment"]["sample"]]
    assert sample == [given["gold_emea"]]


async def test_channel_manager_explaining_a_partner_it_may_not_see_is_not_found(
    api: Api,
) -> None:
    # given
    given = await _managed_setup(api)
    # when
    hidden = await api.gql(
        EXPLAIN, {"segment": "gold", "subjectId": given["gold_apac"]}, token=given["manager"]
    )
    visible = await api.gql(
        EXPLAIN, {"segment": "gold", "subjectId": given["gold_emea"]}, token=given["manager"]
    )
    # then
    assert hidden.error_codes == ["NOT_FOUND"]
    assert visible.data["explainMembership"] == {"member": True, "reason": "RULE"}
