"""Who is in a segment: members, history, dependencies, contact segments, and where
membership shows (Partner.segments, Contact.segments, viewer.segments, partners filter)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from domain.principal import ContactRole
from tests.support import Api, create_segment

SEGMENT = """
query($key: String!) {
  segment(key: $key) {
    memberCount
    members(first: 50) { totalCount edges { node { id name since } } }
    history(first: 50) { edges { node { subjectId change cause segment { key } at } } }
  }
}
"""
MEMBERS_PAGE = """
query($key: String!, $first: Int, $after: String) {
  segment(key: $key) {
    members(first: $first, after: $after) {
      totalCount
      edges { node { id } cursor }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""
HISTORY_PAGE = """
query($key: String!, $first: Int, $after: String) {
  segment(key: $key) {
    history(first: $first, after: $after) {
      edges { node { subjectId change cause } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""
UPDATE_SEGMENT = """
mutation($key: String!, $input: SegmentInput!) {
  updateSegment(key: $key, input: $input) { errors { path code message } }
}
"""
CREATE_PARTNER = """
mutation($input: PartnerInput!) {
  createPartner(input: $input) { partner { id segments { key } } errors { path code } }
}
"""
UPDATE_PARTNER = """
mutation($id: ID!, $input: PartnerInput!) {
  updatePartner(id: $id, input: $input) { partner { id segments { key } } errors { path code } }
}
"""
UPSERT_PARTNERS = """
mutation($inputs: [PartnerInput!]!) {
  upsertPartners(inputs: $inputs) { partners { id externalId } created updated errors { code } }
}
"""
DEFINE_ATTRIBUTE = """
mutation($subject: AttributeSubject!, $key: String!, $type: AttributeType!) {
  defineAttribute(subject: $subject, key: $key, type: $type) { errors { code } }
}
"""
UPDATE_CONTACT = """
mutation($id: ID!, $attributes: JSON) {
  updateContact(id: $id, attributes: $attributes) { contact { id } errors { path code } }
}
"""
PARTNER_SEGMENTS = "query($id: ID!) { partner(id: $id) { segments { key name } } }"
CONTACT_SEGMENTS = "query($id: ID!) { contact(id: $id) { segments { key name } } }"
VIEWER_SEGMENTS = "{ viewer { segments { key name } } }"
PARTNERS_IN_SEGMENT = """
query($segment: String) {
  partners(filter: {segment: $segment}, first: 50) { totalCount edges { node { id } } }
}
"""

GOLD = {"field": "partner.tier", "op": "eq", "value": "GOLD"}
GOLD_PLUS = {"field": "partner.tier", "op": "gte", "value": "GOLD"}
EMEA = {"field": "partner.region", "op": "eq", "value": "EMEA"}
ADMIN_ROLE = {"field": "contact.role", "op": "eq", "value": "ADMIN"}


async def _segment(api: Api, token: str, key: str) -> dict[str, Any]:
    response = await api.gql(SEGMENT, {"key": key}, token=token)
    assert response.errors == []
    return response.data["segment"]


def _member_ids(segment: dict[str, Any]) -> list[str]:
    return sorted(edge["node"]["id"] for edge in segment["members"]["edges"])


def _events(segment: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (e["node"]["subjectId"], e["node"]["change"], e["node"]["cause"])
        for e in segment["history"]["edges"]
    ]


async def _update_partner(api: Api, token: str, partner_id: str, **fields: Any) -> None:
    response = await api.gql(UPDATE_PARTNER, {"id": partner_id, "input": fields}, token=token)
    assert response.data["updatePartner"]["errors"] == []


async def _keys(api: Api, query: str, variables: dict[str, Any], token: str) -> list[str]:
    response = await api.gql(query, variables, token=token)
    assert response.errors == []
    (root,) = response.data.values()
    return [s["key"] for s in root["segments"]]


# ---------------------------------------------------------------- members and history


async def test_members_are_partner_ids_with_names_and_joining_time(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    acme = await api.partner(name="Acme", tier="GOLD")
    beta = await api.partner(name="Beta", tier="GOLD")
    await api.partner(name="Gamma", tier="SILVER")
    started = datetime.now(UTC)
    # when
    await create_segment(api, admin, "gold", GOLD)
    # then
    segment = await _segment(api, admin, "gold")
    members = {e["node"]["id"]: e["node"] for e in segment["members"]["edges"]}
    assert {i: m["name"] for i, m in members.items()} == {acme: "Acme", beta: "Beta"}
    assert all(
        started <= datetime.fromisoformat(m["since"]) <= datetime.now(UTC) for m in members.values()
    )
    assert segment["memberCount"] == 2
    assert segment["members"]["totalCount"] == 2


async def test_members_page_through_with_first_and_after(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    gold = sorted([await api.partner(tier="GOLD") for _ in range(5)])
    await create_segment(api, admin, "gold", GOLD)
    # when
    pages = []
    after = None
    for _ in range(3):
        response = await api.gql(
            MEMBERS_PAGE, {"key": "gold", "first": 2, "after": after}, token=admin
        )
        pages.append(response.data["segment"]["members"])
        after = pages[-1]["pageInfo"]["endCursor"]
    # then
    assert [len(p["edges"]) for p in pages] == [2, 2, 1]
    assert [p["pageInfo"]["hasNextPage"] for p in pages] == [True, True, False]
    assert [p["totalCount"] for p in pages] == [5, 5, 5]
    seen = [e["node"]["id"] for p in pages for e in p["edges"]]
    assert sorted(seen) == gold


async def test_members_page_size_over_one_hundred_is_bad_user_input(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    # when
    response = await api.gql(MEMBERS_PAGE, {"key": "gold", "first": 101}, token=admin)
    # then
    assert response.error_codes == ["BAD_USER_INPUT"]


async def test_history_lists_joins_and_leaves_newest_first_with_causes(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner(tier="SILVER")
    await create_segment(api, admin, "gold", GOLD)
    await _update_partner(api, admin, partner, tier="GOLD")  # JOINED ATTRIBUTE_CHANGE
    update = {"key": "gold", "input": {"exclude": [partner]}}
    await api.gql(UPDATE_SEGMENT, update, token=admin)  # LEFT MANUAL
    update = {"key": "gold", "input": {"exclude": []}}
    await api.gql(UPDATE_SEGMENT, update, token=admin)  # JOINED MANUAL
    update = {"key": "gold", "input": {"rule": EMEA | {"value": "APAC"}}}
    await api.gql(UPDATE_SEGMENT, update, token=admin)  # LEFT RULE_CHANGE
    # when
    segment = await _segment(api, admin, "gold")
    # then
    assert _events(segment) == [
        (partner, "LEFT", "RULE_CHANGE"),
        (partner, "JOINED", "MANUAL"),
        (partner, "LEFT", "MANUAL"),
        (partner, "JOINED", "ATTRIBUTE_CHANGE"),
    ]
    times = [datetime.fromisoformat(e["node"]["at"]) for e in segment["history"]["edges"]]
    assert times == sorted(times, reverse=True)
    assert {e["node"]["segment"]["key"] for e in segment["history"]["edges"]} == {"gold"}


async def test_history_pages_through_with_first_and_after(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partners = [await api.partner(tier="GOLD") for _ in range(3)]
    await create_segment(api, admin, "gold", GOLD)
    # when
    first = await api.gql(HISTORY_PAGE, {"key": "gold", "first": 2}, token=admin)
    page = first.data["segment"]["history"]
    second = await api.gql(
        HISTORY_PAGE,
        {"key": "gold", "first": 2, "after": page["pageInfo"]["endCursor"]},
        token=admin,
    )
    rest = second.data["segment"]["history"]
    # then
    assert page["pageInfo"]["hasNextPage"] is True
    assert rest["pageInfo"]["hasNextPage"] is False
    subjects = [e["node"]["subjectId"] for e in page["edges"] + rest["edges"]]
    assert sorted(subjects) == sorted(partners)


# ---------------------------------------------------------------- data changes and dependencies


async def test_partner_moving_into_a_segment_moves_into_segments_that_refer_to_it(
    api: Api,
) -> None:
    # given: gold-emea refers to gold
    admin, _ = await api.staff()
    partner = await api.partner(tier="SILVER", region="EMEA")
    await create_segment(api, admin, "gold", GOLD)
    await create_segment(api, admin, "gold-emea", {"all": [{"segment": "gold"}, EMEA]})
    # when
    await _update_partner(api, admin, partner, tier="GOLD")
    # then
    gold = await _segment(api, admin, "gold")
    gold_emea = await _segment(api, admin, "gold-emea")
    assert _events(gold) == [(partner, "JOINED", "ATTRIBUTE_CHANGE")]
    assert _events(gold_emea) == [(partner, "JOINED", "DEPENDENCY")]
    assert _member_ids(gold_emea) == [partner]


async def test_partner_leaving_a_segment_leaves_segments_that_refer_to_it(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner(tier="GOLD", region="EMEA")
    await create_segment(api, admin, "gold", GOLD)
    await create_segment(api, admin, "gold-emea", {"all": [{"segment": "gold"}, EMEA]})
    # when
    await _update_partner(api, admin, partner, tier="SILVER")
    # then
    gold_emea = await _segment(api, admin, "gold-emea")
    assert _events(gold_emea)[0] == (partner, "LEFT", "DEPENDENCY")
    assert gold_emea["memberCount"] == 0


async def test_rule_change_recomputes_segments_that_refer_to_it(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    silver = await api.partner(tier="SILVER")
    await create_segment(api, admin, "focus", GOLD)
    await create_segment(api, admin, "focus-copy", {"segment": "focus"})
    # when
    response = await api.gql(
        UPDATE_SEGMENT, {"key": "focus", "input": {"rule": GOLD | {"value": "SILVER"}}}, token=admin
    )
    # then
    assert response.data["updateSegment"]["errors"] == []
    copy = await _segment(api, admin, "focus-copy")
    assert _member_ids(copy) == [silver]
    assert _events(copy) == [(silver, "JOINED", "DEPENDENCY")]


async def test_include_list_change_moves_segments_that_refer_to_it(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    silver = await api.partner(tier="SILVER")
    await create_segment(api, admin, "focus", GOLD)
    await create_segment(api, admin, "focus-copy", {"segment": "focus"})
    # when
    await api.gql(UPDATE_SEGMENT, {"key": "focus", "input": {"include": [silver]}}, token=admin)
    # then
    focus = await _segment(api, admin, "focus")
    copy = await _segment(api, admin, "focus-copy")
    assert _events(focus) == [(silver, "JOINED", "MANUAL")]
    assert _events(copy) == [(silver, "JOINED", "DEPENDENCY")]


async def test_created_partner_that_matches_joins_at_once(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    new_partner = {
        "name": "Fresh Gold",
        "type": "MSP",
        "tier": "GOLD",
        "region": "APAC",
        "phase": "ACTIVE",
    }
    # when
    response = await api.gql(CREATE_PARTNER, {"input": new_partner}, token=admin)
    # then
    created = response.data["createPartner"]
    assert created["errors"] == []
    assert created["partner"]["segments"] == [{"key": "gold"}]
    segment = await _segment(api, admin, "gold")
    assert _events(segment) == [(created["partner"]["id"], "JOINED", "ATTRIBUTE_CHANGE")]


async def test_upsert_moves_many_partners_at_once(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    stays = await api.partner(tier="GOLD", externalId="crm-1")
    promoted = await api.partner(tier="SILVER", externalId="crm-2")
    demoted = await api.partner(tier="PLATINUM", externalId="crm-3")
    await create_segment(api, admin, "gold-plus", GOLD_PLUS)
    inputs = [
        {"externalId": "crm-1", "name": "Still gold"},
        {"externalId": "crm-2", "tier": "PLATINUM"},
        {"externalId": "crm-3", "tier": "REGISTERED"},
        {
            "externalId": "crm-4",
            "name": "New gold",
            "type": "RESELLER",
            "tier": "GOLD",
            "region": "EMEA",
            "phase": "ACTIVE",
        },
    ]
    # when
    response = await api.gql(UPSERT_PARTNERS, {"inputs": inputs}, token=admin)
    # then
    payload = response.data["upsertPartners"]
    assert (payload["errors"], payload["created"], payload["updated"]) == ([], 1, 3)
    new = next(p["id"] for p in payload["partners"] if p["externalId"] == "crm-4")
    segment = await _segment(api, admin, "gold-plus")
    assert _member_ids(segment) == sorted([stays, promoted, new])
    assert sorted(_events(segment)[:3]) == sorted(
        [
            (promoted, "JOINED", "ATTRIBUTE_CHANGE"),
            (demoted, "LEFT", "ATTRIBUTE_CHANGE"),
            (new, "JOINED", "ATTRIBUTE_CHANGE"),
        ]
    )


async def test_change_to_a_field_the_rule_does_not_read_records_no_event(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner(tier="GOLD")
    await create_segment(api, admin, "gold", GOLD)
    # when
    await _update_partner(api, admin, partner, name="Renamed Gold", region="APAC")
    # then
    segment = await _segment(api, admin, "gold")
    assert _events(segment) == [(partner, "JOINED", "RULE_CHANGE")]
    assert _member_ids(segment) == [partner]


async def test_relative_date_rules_select_by_days_since_joining(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    now = datetime.now(UTC)
    recent = await api.partner(joinedAt=now - timedelta(days=10))
    veteran = await api.partner(joinedAt=now - timedelta(days=100))
    # when
    await create_segment(
        api, admin, "new", {"field": "partner.joinedAt", "op": "withinLastDays", "value": 30}
    )
    await create_segment(
        api, admin, "old", {"field": "partner.joinedAt", "op": "olderThanDays", "value": 30}
    )
    # then
    assert _member_ids(await _segment(api, admin, "new")) == [recent]
    assert _member_ids(await _segment(api, admin, "old")) == [veteran]


# ---------------------------------------------------------------- contact segments


async def test_contact_segment_combines_contact_role_and_partner_tier(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    gold = await api.partner(tier="GOLD")
    silver = await api.partner(tier="SILVER")
    _, gold_admin = await api.contact(gold, ContactRole.ADMIN, sign_in=False)
    await api.contact(gold, ContactRole.SALES_REP, sign_in=False)
    _, silver_admin = await api.contact(silver, ContactRole.ADMIN, sign_in=False)
    rule = {"all": [ADMIN_ROLE, GOLD_PLUS]}
    # when
    created = await create_segment(api, admin, "gold-admins", rule, subject="CONTACT")
    # then
    assert created["memberCount"] == 1
    segment = await _segment(api, admin, "gold-admins")
    assert _member_ids(segment) == [gold_admin]
    assert segment["members"]["edges"][0]["node"]["name"] == "Pat Partner"
    # and a tier change brings the silver company's admin in
    await _update_partner(api, admin, silver, tier="PLATINUM")
    segment = await _segment(api, admin, "gold-admins")
    assert _member_ids(segment) == sorted([gold_admin, silver_admin])
    assert _events(segment)[0] == (silver_admin, "JOINED", "ATTRIBUTE_CHANGE")


async def test_contact_attribute_change_moves_contact_segments(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    defined = await api.gql(
        DEFINE_ATTRIBUTE, {"subject": "CONTACT", "key": "persona", "type": "STRING"}, token=admin
    )
    assert defined.data["defineAttribute"]["errors"] == []
    partner = await api.partner()
    _, contact = await api.contact(partner, sign_in=False)
    rule = {"field": "contact.attributes.persona", "op": "eq", "value": "architect"}
    await create_segment(api, admin, "architects", rule, subject="CONTACT")
    # when
    response = await api.gql(
        UPDATE_CONTACT, {"id": contact, "attributes": {"persona": "architect"}}, token=admin
    )
    # then
    assert response.data["updateContact"]["errors"] == []
    segment = await _segment(api, admin, "architects")
    assert _member_ids(segment) == [contact]
    assert _events(segment) == [(contact, "JOINED", "ATTRIBUTE_CHANGE")]
    # and clearing the attribute takes it out again
    await api.gql(UPDATE_CONTACT, {"id": contact, "attributes": {"persona": None}}, token=admin)
    segment = await _segment(api, admin, "architects")
    assert segment["memberCount"] == 0
    assert _events(segment)[0] == (contact, "LEFT", "ATTRIBUTE_CHANGE")


async def test_contact_segment_naming_a_partner_segment_follows_the_company(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner(tier="SILVER")
    _, contact_admin = await api.contact(partner, ContactRole.ADMIN, sign_in=False)
    await api.contact(partner, ContactRole.FINANCE, sign_in=False)
    await create_segment(api, admin, "gold", GOLD)
    await create_segment(
        api, admin, "gold-admins", {"all": [{"segment": "gold"}, ADMIN_ROLE]}, subject="CONTACT"
    )
    # when
    await _update_partner(api, admin, partner, tier="GOLD")
    # then
    segment = await _segment(api, admin, "gold-admins")
    assert _member_ids(segment) == [contact_admin]
    assert _events(segment) == [(contact_admin, "JOINED", "DEPENDENCY")]


async def test_contact_segment_naming_a_partner_segment_starts_with_member_companies(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    gold = await api.partner(tier="GOLD")
    silver = await api.partner(tier="SILVER")
    _, gold_admin = await api.contact(gold, ContactRole.ADMIN, sign_in=False)
    await api.contact(silver, ContactRole.ADMIN, sign_in=False)
    await create_segment(api, admin, "gold", GOLD)
    # when
    created = await create_segment(
        api, admin, "gold-admins", {"all": [{"segment": "gold"}, ADMIN_ROLE]}, subject="CONTACT"
    )
    # then
    assert created["memberCount"] == 1
    segment = await _segment(api, admin, "gold-admins")
    assert _member_ids(segment) == [gold_admin]


async def test_contact_leaves_when_its_company_leaves_the_named_partner_segment(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner(tier="GOLD")
    _, contact_admin = await api.contact(partner, ContactRole.ADMIN, sign_in=False)
    await create_segment(api, admin, "gold", GOLD)
    await create_segment(
        api, admin, "gold-admins", {"all": [{"segment": "gold"}, ADMIN_ROLE]}, subject="CONTACT"
    )
    # when
    await _update_partner(api, admin, partner, tier="SILVER")
    # then
    segment = await _segment(api, admin, "gold-admins")
    assert segment["memberCount"] == 0
    assert _events(segment)[0] == (contact_admin, "LEFT", "DEPENDENCY")


async def test_contact_segment_naming_a_contact_segment_moves_with_it(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await api.gql(
        DEFINE_ATTRIBUTE, {"subject": "CONTACT", "key": "persona", "type": "STRING"}, token=admin
    )
    partner = await api.partner(region="EMEA")
    _, contact = await api.contact(partner, sign_in=False)
    rule = {"field": "contact.attributes.persona", "op": "eq", "value": "architect"}
    await create_segment(api, admin, "architects", rule, subject="CONTACT")
    await create_segment(
        api, admin, "emea-architects", {"all": [{"segment": "architects"}, EMEA]}, subject="CONTACT"
    )
    # when
    await api.gql(
        UPDATE_CONTACT, {"id": contact, "attributes": {"persona": "architect"}}, token=admin
    )
    # then
    segment = await _segment(api, admin, "emea-architects")
    assert _events(segment) == [(contact, "JOINED", "DEPENDENCY")]


# ---------------------------------------------------------------- where membership shows


async def test_partner_segments_lists_the_partner_segments_it_belongs_to(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner(tier="GOLD", region="EMEA")
    await api.contact(partner, ContactRole.ADMIN, sign_in=False)
    await create_segment(api, admin, "gold", GOLD)
    await create_segment(api, admin, "emea", EMEA)
    await create_segment(api, admin, "apac", EMEA | {"value": "APAC"})
    await create_segment(api, admin, "admins", ADMIN_ROLE, subject="CONTACT")
    # when
    keys = await _keys(api, PARTNER_SEGMENTS, {"id": partner}, admin)
    # then
    assert keys == ["emea", "gold"]


async def test_contact_segments_are_its_company_segments_and_its_own(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner(tier="GOLD", region="APAC")
    _, contact = await api.contact(partner, ContactRole.ADMIN, sign_in=False)
    _, colleague = await api.contact(partner, ContactRole.SALES_REP, sign_in=False)
    await create_segment(api, admin, "gold", GOLD)
    await create_segment(api, admin, "emea", EMEA)
    await create_segment(api, admin, "admins", ADMIN_ROLE, subject="CONTACT")
    # when
    contact_keys = await _keys(api, CONTACT_SEGMENTS, {"id": contact}, admin)
    colleague_keys = await _keys(api, CONTACT_SEGMENTS, {"id": colleague}, admin)
    # then
    assert sorted(contact_keys) == ["admins", "gold"]
    assert colleague_keys == ["gold"]


async def test_viewer_segments_of_a_contact_are_its_company_and_own_segments(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner(tier="GOLD", region="EMEA")
    token, _ = await api.contact(partner, ContactRole.ADMIN)
    assert token is not None
    await create_segment(api, admin, "gold", GOLD, name="Gold partners")
    await create_segment(api, admin, "admins", ADMIN_ROLE, subject="CONTACT", name="Admins")
    await create_segment(api, admin, "apac", EMEA | {"value": "APAC"})
    # when
    response = await api.gql(VIEWER_SEGMENTS, token=token)
    # then
    assert response.errors == []
    assert sorted(response.data["viewer"]["segments"], key=lambda s: s["key"]) == [
        {"key": "admins", "name": "Admins"},
        {"key": "gold", "name": "Gold partners"},
    ]


async def test_partners_filtered_by_segment_lists_its_members(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    gold = await api.partner(tier="GOLD")
    platinum = await api.partner(tier="PLATINUM")
    await api.partner(tier="SILVER")
    await create_segment(api, admin, "gold-plus", GOLD_PLUS)
    # when
    response = await api.gql(PARTNERS_IN_SEGMENT, {"segment": "gold-plus"}, token=admin)
    # then
    listed = response.data["partners"]
    assert sorted(e["node"]["id"] for e in listed["edges"]) == sorted([gold, platinum])
    assert listed["totalCount"] == 2


async def test_partners_filtered_by_unknown_segment_is_empty(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await api.partner(tier="GOLD")
    # when
    response = await api.gql(PARTNERS_IN_SEGMENT, {"segment": "ghost"}, token=admin)
    # then
    assert response.errors == []
    assert response.data["partners"] == {"totalCount": 0, "edges": []}
