"""Creating, reading, changing and deleting segments; include/exclude lists and managers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from domain import ids, models
from domain.principal import StaffRole
from tests.support import Api, create_segment

CREATE_SEGMENT = """
mutation($input: SegmentInput!) {
  createSegment(input: $input) {
    segment { key name subject rule version memberCount }
    errors { path code message }
  }
}
"""
UPDATE_SEGMENT = """
mutation($key: String!, $input: SegmentInput!) {
  updateSegment(key: $key, input: $input) {
    segment {
      key subject rule include exclude version timeDependent memberCount updatedAt
      members(first: 20) { edges { node { id } } }
      managers { id role }
    }
    errors { path code message }
  }
}
"""
DELETE_SEGMENT = """
mutation($key: String!) { deleteSegment(key: $key) { deleted errors { path code message } } }
"""
SEGMENT = """
query($key: String!) {
  segment(key: $key) {
    id key name description subject rule include exclude version timeDependent
    memberCount updatedAt
    members(first: 20) { edges { node { id } } }
    history(first: 20) { edges { node { subjectId change cause } } }
    managers { id email name role }
  }
}
"""
SEGMENTS = "{ segments { key name subject version memberCount } }"
PARTNER_SEGMENTS = "query($id: ID!) { partner(id: $id) { segments { key } } }"

GOLD = {"field": "partner.tier", "op": "eq", "value": "GOLD"}
SILVER = {"field": "partner.tier", "op": "eq", "value": "SILVER"}


def _problems(payload: dict[str, Any]) -> list[tuple[list[str], str]]:
    return [(e["path"], e["code"]) for e in payload["errors"]]


def _member_ids(segment: dict[str, Any]) -> list[str]:
    return sorted(edge["node"]["id"] for edge in segment["members"]["edges"])


def _events(segment: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (e["node"]["subjectId"], e["node"]["change"], e["node"]["cause"])
        for e in segment["history"]["edges"]
    ]


async def _segment(api: Api, token: str, key: str) -> dict[str, Any] | None:
    response = await api.gql(SEGMENT, {"key": key}, token=token)
    assert response.errors == []
    return response.data["segment"]


async def _update(api: Api, token: str, segment_key: str, **changes: Any) -> dict[str, Any]:
    response = await api.gql(UPDATE_SEGMENT, {"key": segment_key, "input": changes}, token=token)
    assert response.errors == []
    return response.data["updateSegment"]


async def _segments(api: Api, token: str) -> list[dict[str, Any]]:
    return (await api.gql(SEGMENTS, token=token)).data["segments"]


# ---------------------------------------------------------------- createSegment


async def test_vendor_admin_creates_a_segment_with_its_members_computed(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    gold = await api.partner(tier="GOLD")
    await api.partner(tier="SILVER")
    segment_input = {
        "key": "gold-partners",
        "name": "Gold partners",
        "subject": "PARTNER",
        "rule": GOLD,
    }
    # when
    response = await api.gql(CREATE_SEGMENT, {"input": segment_input}, token=admin)
    # then
    payload = response.data["createSegment"]
    assert payload["errors"] == []
    assert payload["segment"] == {
        "key": "gold-partners",
        "name": "Gold partners",
        "subject": "PARTNER",
        "rule": GOLD,
        "version": 1,
        "memberCount": 1,
    }
    segment = await _segment(api, admin, "gold-partners")
    assert segment is not None
    assert _member_ids(segment) == [gold]
    assert _events(segment) == [(gold, "JOINED", "RULE_CHANGE")]


@pytest.mark.parametrize(
    "key", ["Gold", "gold partners", "gold_partners", "-gold", "gold-", "gold--emea", "", "x" * 65]
)
async def test_segment_key_must_be_lowercase_kebab(api: Api, key: str) -> None:
    # given
    admin, _ = await api.staff()
    segment_input = {"key": key, "name": "Gold", "subject": "PARTNER", "rule": GOLD}
    # when
    response = await api.gql(CREATE_SEGMENT, {"input": segment_input}, token=admin)
    # then
    payload = response.data["createSegment"]
    assert _problems(payload) == [(["input", "key"], "INVALID_VALUE")]
    assert payload["segment"] is None
    assert await _segments(api, admin) == []


@pytest.mark.parametrize("missing", ["key", "name", "subject"])
async def test_segment_without_key_name_or_subject_is_required(api: Api, missing: str) -> None:
    # given
    admin, _ = await api.staff()
    segment_input = {"key": "gold", "name": "Gold", "subject": "PARTNER", "rule": GOLD}
    del segment_input[missing]
    # when
    response = await api.gql(CREATE_SEGMENT, {"input": segment_input}, token=admin)
    # then
    payload = response.data["createSegment"]
    assert _problems(payload) == [(["input", missing], "REQUIRED")]
    assert await _segments(api, admin) == []


async def test_segment_with_existing_key_is_duplicate(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    segment_input = {"key": "gold", "name": "Other gold", "subject": "CONTACT", "rule": None}
    # when
    response = await api.gql(CREATE_SEGMENT, {"input": segment_input}, token=admin)
    # then
    payload = response.data["createSegment"]
    assert _problems(payload) == [(["input", "key"], "DUPLICATE")]
    assert await _segments(api, admin) == [
        {"key": "gold", "name": "Gold", "subject": "PARTNER", "version": 1, "memberCount": 0}
    ]


# ---------------------------------------------------------------- segment, segments


async def test_segment_by_key_answers_every_field(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(
        api, admin, "gold", GOLD, name="Gold partners", description="Tier GOLD exactly"
    )
    # when
    segment = await _segment(api, admin, "gold")
    # then
    assert segment is not None
    assert ids.decode(segment["id"]) is not None
    assert ids.decode(segment["id"])[0] == "Segment"  # type: ignore[index]
    assert {k: segment[k] for k in ("key", "name", "description", "subject", "rule")} == {
        "key": "gold",
        "name": "Gold partners",
        "description": "Tier GOLD exactly",
        "subject": "PARTNER",
        "rule": GOLD,
    }
    assert (segment["include"], segment["exclude"], segment["managers"]) == ([], [], [])
    assert (segment["version"], segment["timeDependent"], segment["memberCount"]) == (1, False, 0)


async def test_segment_by_unknown_key_is_null(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.gql(SEGMENT, {"key": "nothing-here"}, token=admin)
    # then
    assert response.errors == []
    assert response.data["segment"] is None


async def test_segments_lists_every_segment_by_key(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    for key in ("zeta", "alpha", "mid"):
        await create_segment(api, admin, key, GOLD)
    # when
    listed = await _segments(api, admin)
    # then
    assert [s["key"] for s in listed] == ["alpha", "mid", "zeta"]


# ---------------------------------------------------------------- updateSegment


async def test_rule_change_recomputes_members_before_the_mutation_returns(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    gold = await api.partner(tier="GOLD")
    silver_a = await api.partner(tier="SILVER")
    silver_b = await api.partner(tier="SILVER")
    await create_segment(api, admin, "focus", GOLD)
    # when
    payload = await _update(api, admin, "focus", rule=SILVER)
    # then
    assert payload["errors"] == []
    assert payload["segment"]["memberCount"] == 2
    assert _member_ids(payload["segment"]) == sorted([silver_a, silver_b])
    segment = await _segment(api, admin, "focus")
    assert segment is not None
    events = _events(segment)
    assert sorted(events[:3]) == sorted(
        [
            (silver_a, "JOINED", "RULE_CHANGE"),
            (silver_b, "JOINED", "RULE_CHANGE"),
            (gold, "LEFT", "RULE_CHANGE"),
        ]
    )
    assert events[3:] == [(gold, "JOINED", "RULE_CHANGE")]


async def test_update_leaves_omitted_fields_unchanged(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    gold = await api.partner(tier="GOLD")
    await create_segment(api, admin, "gold", GOLD, description="Keep me")
    # when
    payload = await _update(api, admin, "gold", name="Renamed")
    # then
    assert payload["errors"] == []
    segment = await _segment(api, admin, "gold")
    assert segment is not None
    assert (segment["name"], segment["description"], segment["rule"]) == (
        "Renamed",
        "Keep me",
        GOLD,
    )
    assert _member_ids(segment) == [gold]


async def test_segment_key_cannot_change(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    # when
    payload = await _update(api, admin, "gold", key="platinum", name="Platinum")
    # then
    assert _problems(payload) == [(["input", "key"], "INVALID_VALUE")]
    assert payload["segment"] is None
    assert [(s["key"], s["name"]) for s in await _segments(api, admin)] == [("gold", "Gold")]


async def test_segment_subject_cannot_change(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    # when
    payload = await _update(api, admin, "gold", subject="CONTACT")
    # then
    assert _problems(payload) == [(["input", "subject"], "INVALID_VALUE")]
    assert [s["subject"] for s in await _segments(api, admin)] == ["PARTNER"]


async def test_updating_unknown_segment_is_not_found(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    payload = await _update(api, admin, "ghost", name="Ghost")
    # then
    assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"]
    assert payload["segment"] is None


async def test_every_saved_change_increments_version(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    # when
    renamed = await _update(api, admin, "gold", name="Gold tier")
    re_ruled = await _update(api, admin, "gold", rule=SILVER)
    # then
    assert renamed["segment"]["version"] == 2
    assert re_ruled["segment"]["version"] == 3


async def test_saved_change_moves_updated_at_forward(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    created = await _segment(api, admin, "gold")
    assert created is not None
    # when
    payload = await _update(api, admin, "gold", description="Now described")
    # then
    assert datetime.fromisoformat(payload["segment"]["updatedAt"]) > datetime.fromisoformat(
        created["updatedAt"]
    )


@pytest.mark.parametrize(
    ("rule", "time_dependent"),
    [
        pytest.param(
            {"field": "partner.joinedAt", "op": "withinLastDays", "value": 30}, True, id="within"
        ),
        pytest.param(
            {"all": [GOLD, {"field": "partner.joinedAt", "op": "olderThanDays", "value": 365}]},
            True,
            id="older-nested",
        ),
        pytest.param(
            {"field": "partner.joinedAt", "op": "gte", "value": "2024-01-01"}, False, id="absolute"
        ),
        pytest.param(GOLD, False, id="no-dates"),
    ],
)
async def test_relative_date_rules_make_a_segment_time_dependent(
    api: Api, rule: dict[str, Any], time_dependent: bool
) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "under-test", rule)
    # when
    segment = await _segment(api, admin, "under-test")
    # then
    assert segment is not None
    assert segment["timeDependent"] is time_dependent


async def test_replacing_relative_rule_with_absolute_one_clears_time_dependent(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(
        api, admin, "recent", {"field": "partner.joinedAt", "op": "withinLastDays", "value": 30}
    )
    # when
    payload = await _update(api, admin, "recent", rule=GOLD)
    # then
    assert payload["segment"]["timeDependent"] is False


# ---------------------------------------------------------------- deleteSegment


async def test_deleted_segment_is_gone_with_its_memberships(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    gold = await api.partner(tier="GOLD")
    await create_segment(api, admin, "gold", GOLD)
    await create_segment(api, admin, "silver", SILVER)
    # when
    response = await api.gql(DELETE_SEGMENT, {"key": "gold"}, token=admin)
    # then
    assert response.data["deleteSegment"] == {"deleted": True, "errors": []}
    assert await _segment(api, admin, "gold") is None
    assert [s["key"] for s in await _segments(api, admin)] == ["silver"]
    partner = await api.gql(PARTNER_SEGMENTS, {"id": gold}, token=admin)
    assert partner.data["partner"]["segments"] == []


async def test_deleting_a_segment_leaves_no_member_or_event_rows_behind(api: Api) -> None:
    # given: rows of a deleted segment would outlive it (these tables carry no foreign key)
    admin, _ = await api.staff()
    await api.partner(tier="GOLD")
    await create_segment(api, admin, "gold", GOLD)
    await create_segment(api, admin, "silver", SILVER)
    # when
    await api.gql(DELETE_SEGMENT, {"key": "gold"}, token=admin)
    # then: only the remaining segment's rows exist
    async with api.db.read() as session:
        member_segments = set(await session.scalars(select(models.SegmentMember.segment_id)))
        event_segments = set(await session.scalars(select(models.MembershipEvent.segment_id)))
        remaining = set(await session.scalars(select(models.Segment.id)))
    assert member_segments <= remaining
    assert event_segments <= remaining


async def test_segment_named_by_another_rule_cannot_be_deleted(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    await create_segment(api, admin, "gold-emea", {"all": [{"segment": "gold"}]})
    # when
    response = await api.gql(DELETE_SEGMENT, {"key": "gold"}, token=admin)
    # then
    payload = response.data["deleteSegment"]
    assert payload["deleted"] is False
    assert [e["code"] for e in payload["errors"]] == ["SEGMENT_IN_USE"]
    assert "gold-emea" in payload["errors"][0]["message"]
    assert [s["key"] for s in await _segments(api, admin)] == ["gold", "gold-emea"]


async def test_segment_can_be_deleted_once_no_rule_names_it(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    await create_segment(api, admin, "gold-emea", {"segment": "gold"})
    assert (await _update(api, admin, "gold-emea", rule=SILVER))["errors"] == []
    # when
    response = await api.gql(DELETE_SEGMENT, {"key": "gold"}, token=admin)
    # then
    assert response.data["deleteSegment"] == {"deleted": True, "errors": []}
    assert [s["key"] for s in await _segments(api, admin)] == ["gold-emea"]


async def test_deleting_unknown_segment_is_not_found(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.gql(DELETE_SEGMENT, {"key": "ghost"}, token=admin)
    # then
    payload = response.data["deleteSegment"]
    assert payload["deleted"] is False
    assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"]


# ---------------------------------------------------------------- include / exclude


async def test_included_partner_is_a_member_without_matching_the_rule(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    silver = await api.partner(tier="SILVER")
    await create_segment(api, admin, "gold", GOLD)
    # when
    payload = await _update(api, admin, "gold", include=[silver])
    # then
    assert payload["errors"] == []
    assert payload["segment"]["include"] == [silver]
    assert _member_ids(payload["segment"]) == [silver]
    segment = await _segment(api, admin, "gold")
    assert segment is not None
    assert _events(segment) == [(silver, "JOINED", "MANUAL")]


async def test_excluded_partner_is_not_a_member_although_the_rule_matches(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    gold = await api.partner(tier="GOLD")
    other_gold = await api.partner(tier="GOLD")
    await create_segment(api, admin, "gold", GOLD)
    # when
    payload = await _update(api, admin, "gold", exclude=[gold])
    # then
    assert payload["segment"]["exclude"] == [gold]
    assert _member_ids(payload["segment"]) == [other_gold]
    segment = await _segment(api, admin, "gold")
    assert segment is not None
    assert _events(segment)[0] == (gold, "LEFT", "MANUAL")


async def test_exclude_wins_over_include(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    silver = await api.partner(tier="SILVER")
    await create_segment(api, admin, "gold", GOLD)
    # when
    payload = await _update(api, admin, "gold", include=[silver], exclude=[silver])
    # then
    assert payload["errors"] == []
    assert payload["segment"]["memberCount"] == 0
    assert _member_ids(payload["segment"]) == []


async def test_clearing_the_exclude_list_lets_a_matching_partner_back_in(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    gold = await api.partner(tier="GOLD")
    await create_segment(api, admin, "gold", GOLD, exclude=[gold])
    # when
    payload = await _update(api, admin, "gold", exclude=[])
    # then
    assert _member_ids(payload["segment"]) == [gold]
    segment = await _segment(api, admin, "gold")
    assert segment is not None
    assert _events(segment) == [(gold, "JOINED", "MANUAL")]


@pytest.mark.parametrize("list_name", ["include", "exclude"])
async def test_unknown_id_in_a_list_is_not_found_at_its_index(api: Api, list_name: str) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner(tier="SILVER")
    missing = ids.encode("Partner", 987654)
    await create_segment(api, admin, "gold", GOLD)
    # when
    payload = await _update(api, admin, "gold", **{list_name: [partner, missing]})
    # then
    assert _problems(payload) == [(["input", list_name, "1"], "NOT_FOUND")]
    segment = await _segment(api, admin, "gold")
    assert segment is not None
    assert (segment[list_name], segment["memberCount"], segment["version"]) == ([], 0, 1)


@pytest.mark.parametrize("list_name", ["include", "exclude"])
async def test_contact_id_in_a_partner_segment_list_is_not_found(api: Api, list_name: str) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner(tier="SILVER")
    _, contact = await api.contact(partner, sign_in=False)
    segment_input = {"key": "gold", "name": "Gold", "subject": "PARTNER", "rule": GOLD}
    # when
    response = await api.gql(
        CREATE_SEGMENT, {"input": {**segment_input, list_name: [contact]}}, token=admin
    )
    # then
    payload = response.data["createSegment"]
    assert _problems(payload) == [(["input", list_name, "0"], "NOT_FOUND")]
    assert await _segments(api, admin) == []


async def test_partner_id_in_a_contact_segment_list_is_not_found(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner()
    _, contact = await api.contact(partner, sign_in=False)
    segment_input = {"key": "picked", "name": "Picked", "subject": "CONTACT", "rule": None}
    # when
    response = await api.gql(
        CREATE_SEGMENT, {"input": {**segment_input, "include": [contact, partner]}}, token=admin
    )
    # then
    assert _problems(response.data["createSegment"]) == [(["input", "include", "1"], "NOT_FOUND")]


@pytest.mark.parametrize(
    "rule_input",
    [pytest.param({}, id="rule-omitted"), pytest.param({"rule": None}, id="rule-null")],
)
async def test_segment_without_rule_holds_exactly_its_include_list(
    api: Api, rule_input: dict[str, Any]
) -> None:
    # given
    admin, _ = await api.staff()
    picked = await api.partner(tier="GOLD")
    await api.partner(tier="GOLD")
    segment_input = {"key": "picked", "name": "Picked", "subject": "PARTNER", "include": [picked]}
    # when
    response = await api.gql(
        CREATE_SEGMENT, {"input": {**segment_input, **rule_input}}, token=admin
    )
    # then
    assert response.data["createSegment"]["errors"] == []
    assert response.data["createSegment"]["segment"]["memberCount"] == 1
    segment = await _segment(api, admin, "picked")
    assert segment is not None
    assert segment["rule"] is None
    assert _member_ids(segment) == [picked]
    assert _events(segment) == [(picked, "JOINED", "MANUAL")]


async def test_setting_rule_to_null_keeps_only_included_members(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    gold = await api.partner(tier="GOLD")
    picked = await api.partner(tier="SILVER")
    await create_segment(api, admin, "gold", GOLD, include=[picked])
    # when
    payload = await _update(api, admin, "gold", rule=None)
    # then
    assert payload["errors"] == []
    assert payload["segment"]["rule"] is None
    assert _member_ids(payload["segment"]) == [picked]
    segment = await _segment(api, admin, "gold")
    assert segment is not None
    assert _events(segment)[0] == (gold, "LEFT", "RULE_CHANGE")


# ---------------------------------------------------------------- managers


async def test_channel_managers_become_the_segment_managers(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    _, manager = await api.staff(StaffRole.CHANNEL_MANAGER)
    await create_segment(api, admin, "gold", GOLD)
    # when
    payload = await _update(api, admin, "gold", managerIds=[manager])
    # then
    assert payload["errors"] == []
    assert payload["segment"]["managers"] == [{"id": manager, "role": "CHANNEL_MANAGER"}]
    segment = await _segment(api, admin, "gold")
    assert segment is not None
    assert [m["id"] for m in segment["managers"]] == [manager]


@pytest.mark.parametrize("role", [StaffRole.VENDOR_ADMIN, StaffRole.ANALYST])
async def test_manager_must_be_a_channel_manager(api: Api, role: StaffRole) -> None:
    # given
    admin, _ = await api.staff()
    _, not_a_manager = await api.staff(role)
    await create_segment(api, admin, "gold", GOLD)
    # when
    payload = await _update(api, admin, "gold", managerIds=[not_a_manager])
    # then
    assert _problems(payload) == [(["input", "managerIds", "0"], "INVALID_VALUE")]
    segment = await _segment(api, admin, "gold")
    assert segment is not None
    assert segment["managers"] == []


async def test_unknown_manager_id_is_not_found(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    _, manager = await api.staff(StaffRole.CHANNEL_MANAGER)
    await create_segment(api, admin, "gold", GOLD)
    # when
    payload = await _update(
        api, admin, "gold", managerIds=[manager, ids.encode("StaffMember", 987654)]
    )
    # then
    assert _problems(payload) == [(["input", "managerIds", "1"], "NOT_FOUND")]
