"""Certifications through the API: held by audience exactly while matching, awarded by hand
(counted in certifiedContacts), readable in contact rules, loops refused, removed cleanly."""

from __future__ import annotations

from typing import Any

from domain.principal import StaffRole
from tests.records import snapshot
from tests.support import Api, create_api_key, create_segment

CREATE = """
mutation($key: String!, $name: String!, $audience: AudienceInput) {
  createCertification(key: $key, name: $name, awardAudience: $audience) {
    id errors { path code message } } }
"""
UPDATE = """
mutation($key: String!, $audience: AudienceInput) {
  updateCertification(key: $key, awardAudience: $audience) { id errors { path code } } }
"""
DELETE = """
mutation($key: String!) { deleteCertification(key: $key) { deleted errors { path code } } }
"""
AWARD = """
mutation($contactId: ID!, $key: String!) {
  awardCertification(contactId: $contactId, key: $key) { id errors { path code message } } }
"""
HELD = "{ viewer { certifications { source since certification { key name } } } }"
LIST = "{ certifications { key name awardAudience { anySegments } } }"
METRICS = "query($id: ID!) { partner(id: $id) { metrics { certifiedContacts } } }"
UPDATE_PARTNER = """
mutation($id: ID!, $tier: String!) {
  updatePartner(id: $id, input: {tier: $tier}) { errors { code } } }
"""
MEMBERS = "query($key: String!) { segment(key: $key) { members { edges { node { id } } } } }"
GOLD = {"field": "partner.tier", "op": "eq", "value": "GOLD"}


async def _create(api: Api, admin: str, key: str, audience: Any = None) -> dict[str, Any]:
    response = await api.gql(
        CREATE,
        {"key": key, "name": key.replace("-", " ").title(), "audience": audience},
        token=admin,
    )
    return response.data["createCertification"]


async def _held(api: Api, token: str) -> list[tuple[str, str]]:
    response = await api.gql(HELD, token=token)
    assert response.errors == [], response.errors
    return [
        (h["certification"]["key"], h["source"]) for h in response.data["viewer"]["certifications"]
    ]


async def _certified(api: Api, admin: str, partner: str) -> int:
    response = await api.gql(METRICS, {"id": partner}, token=admin)
    return response.data["partner"]["metrics"]["certifiedContacts"]


async def test_an_audience_certification_is_held_exactly_while_the_contact_matches(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    assert (await _create(api, admin, "gold-seller", {"anySegments": ["gold"]}))["errors"] == []
    partner = await api.partner(tier="SILVER")
    token, _ = await api.contact(partner)
    assert await _held(api, token) == []
    # when
    await api.gql(UPDATE_PARTNER, {"id": partner, "tier": "GOLD"}, token=admin)
    promoted = await _held(api, token)
    await api.gql(UPDATE_PARTNER, {"id": partner, "tier": "SILVER"}, token=admin)
    demoted = await _held(api, token)
    # then
    assert promoted == [("gold-seller", "AUDIENCE")]
    assert demoted == []
    assert await _certified(api, admin, partner) == 0


async def test_a_new_award_audience_is_followed_at_once(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    await _create(api, admin, "gold-seller")
    token, _ = await api.contact(await api.partner(tier="GOLD"))
    # when
    widened = await api.gql(
        UPDATE, {"key": "gold-seller", "audience": {"anySegments": ["gold"]}}, token=admin
    )
    held = await _held(api, token)
    await api.gql(UPDATE, {"key": "gold-seller", "audience": None}, token=admin)
    # then
    assert widened.data["updateCertification"]["errors"] == []
    assert held == [("gold-seller", "AUDIENCE")]
    assert await _held(api, token) == []


async def test_a_manual_award_counts_in_certified_contacts_and_moves_contact_rules(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    await _create(api, admin, "security-pro")
    await create_segment(
        api,
        admin,
        "security-people",
        {"field": "contact.certifications", "op": "contains", "value": "security-pro"},
        subject="CONTACT",
    )
    partner = await api.partner()
    token, contact = await api.contact(partner)
    # when
    awarded = await api.gql(AWARD, {"contactId": contact, "key": "security-pro"}, token=admin)
    again = await api.gql(AWARD, {"contactId": contact, "key": "security-pro"}, token=admin)
    # then
    assert awarded.data["awardCertification"] == {"id": contact, "errors": []}
    assert again.data["awardCertification"] == {"id": contact, "errors": []}
    assert await _held(api, token) == [("security-pro", "MANUAL")]
    assert await _certified(api, admin, partner) == 1
    members = await api.gql(MEMBERS, {"key": "security-people"}, token=admin)
    assert [e["node"]["id"] for e in members.data["segment"]["members"]["edges"]] == [contact]


async def test_channel_managers_award_only_to_their_partners_contacts(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    manager, manager_id = await api.staff(StaffRole.CHANNEL_MANAGER)
    analyst, _ = await api.staff(StaffRole.ANALYST)
    await _create(api, admin, "security-pro")
    await create_segment(api, admin, "gold", GOLD, managerIds=[manager_id])
    _, theirs = await api.contact(await api.partner(tier="GOLD"))
    _, others = await api.contact(await api.partner(tier="SILVER"))
    before = await snapshot(api)
    # when
    refused = await api.gql(AWARD, {"contactId": others, "key": "security-pro"}, token=manager)
    unknown = await api.gql(AWARD, {"contactId": theirs, "key": "no-such"}, token=manager)
    forbidden = await api.gql(AWARD, {"contactId": theirs, "key": "security-pro"}, token=analyst)
    unchanged = await snapshot(api)
    allowed = await api.gql(AWARD, {"contactId": theirs, "key": "security-pro"}, token=manager)
    # then
    assert [(e["path"], e["code"]) for e in refused.data["awardCertification"]["errors"]] == [
        (["contactId"], "NOT_FOUND")
    ]
    assert [(e["path"], e["code"]) for e in unknown.data["awardCertification"]["errors"]] == [
        (["key"], "NOT_FOUND")
    ]
    assert forbidden.error_codes == ["FORBIDDEN"]
    assert unchanged == before
    assert allowed.data["awardCertification"]["errors"] == []


async def test_an_award_audience_depending_on_a_rule_that_reads_it_is_a_cycle(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(
        api,
        admin,
        "certified-people",
        {"field": "contact.certifications", "op": "contains", "value": "loop"},
        subject="CONTACT",
    )
    before = await snapshot(api)
    # when
    response = await _create(api, admin, "loop", {"anySegments": ["certified-people"]})
    # then
    assert [(e["path"], e["code"]) for e in response["errors"]] == [(["awardAudience"], "CYCLE")]
    assert await snapshot(api) == before


async def test_removing_a_certification_withdraws_it_from_every_holder(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await _create(api, admin, "security-pro")
    partner = await api.partner()
    token, contact = await api.contact(partner)
    await api.gql(AWARD, {"contactId": contact, "key": "security-pro"}, token=admin)
    # when
    removed = await api.gql(DELETE, {"key": "security-pro"}, token=admin)
    missing = await api.gql(DELETE, {"key": "security-pro"}, token=admin)
    # then
    assert removed.data["deleteCertification"] == {"deleted": True, "errors": []}
    assert missing.data["deleteCertification"]["errors"] == [{"path": ["key"], "code": "NOT_FOUND"}]
    assert await _held(api, token) == []
    assert await _certified(api, admin, partner) == 0


async def test_every_signed_in_caller_lists_the_definitions(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    await _create(api, admin, "gold-seller", {"anySegments": ["gold"]})
    await _create(api, admin, "architect")
    duplicate = await _create(api, admin, "architect")
    contact, _ = await api.contact(await api.partner())
    key = await create_api_key(api, admin, "deals:read")
    # when
    answers = [
        await api.gql(LIST, token=contact),
        await api.gql(LIST, api_key=key),
        await api.gql(LIST, token=admin),
    ]
    # then
    assert [(e["path"], e["code"]) for e in duplicate["errors"]] == [(["key"], "DUPLICATE")]
    for answer in answers:
        assert answer.data["certifications"] == [
            {"key": "architect", "name": "Architect", "awardAudience": None},
            {
                "key": "gold-seller",
                "name": "Gold Seller",
                "awardAudience": {"anySegments": ["gold"]},
            },
        ]
    assert await _held(api, admin) == []
