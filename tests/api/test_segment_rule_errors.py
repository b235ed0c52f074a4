"""Rule errors: every refusal of the contract's "Segment rules", with its exact code and path.

createSegment/updateSegment report them as payload errors under ["input", "rule", ...] and
write nothing; previewSegment reports them as a top-level error under ["rule", ...].
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Api, create_segment

CREATE_SEGMENT = """
mutation($input: SegmentInput!) {
  createSegment(input: $input) {
    segment { key }
    errors { path code message }
  }
}
"""
UPDATE_SEGMENT = """
mutation($key: String!, $input: SegmentInput!) {
  updateSegment(key: $key, input: $input) {
    segment { key }
    errors { path code message }
  }
}
"""
SEGMENTS = "{ segments { key version rule memberCount } }"
DEFINE_ATTRIBUTE = """
mutation($subject: AttributeSubject!, $key: String!, $type: AttributeType!) {
  defineAttribute(subject: $subject, key: $key, type: $type) { errors { code } }
}
"""
PREVIEW = """
query($subject: SegmentSubject!, $rule: JSON!) {
  previewSegment(subject: $subject, rule: $rule) { count }
}
"""

EMEA = {"field": "partner.region", "op": "eq", "value": "EMEA"}


def _nested(levels: int) -> dict[str, Any]:
    """A rule `levels` deep: a condition wrapped in levels - 1 "all" groups."""
    node: dict[str, Any] = dict(EMEA)
    for _ in range(levels - 1):
        node = {"all": [node]}
    return node


async def _create(api: Api, token: str, rule: Any, subject: str = "PARTNER") -> dict[str, Any]:
    """createSegment's payload for `rule`."""
    response = await api.gql(
        CREATE_SEGMENT,
        {"input": {"key": "under-test", "name": "Under test", "subject": subject, "rule": rule}},
        token=token,
    )
    assert response.errors == []
    return response.data["createSegment"]


def _problems(payload: dict[str, Any]) -> list[tuple[list[str], str]]:
    return [(e["path"], e["code"]) for e in payload["errors"]]


async def _segments(api: Api, token: str) -> list[dict[str, Any]]:
    return (await api.gql(SEGMENTS, token=token)).data["segments"]


# ---------------------------------------------------------------- fields and operators


async def test_unknown_field_path_is_invalid_rule_at_its_field_key(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    rule = {"all": [EMEA, {"field": "partner.nope", "op": "eq", "value": 1}]}
    # when
    payload = await _create(api, admin, rule)
    # then
    assert _problems(payload) == [(["input", "rule", "all", "1", "field"], "INVALID_RULE")]
    assert payload["segment"] is None
    assert "partner.nope" in payload["errors"][0]["message"]


async def test_contains_on_ranked_tier_is_invalid_rule_at_op(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    rule = {"all": [EMEA, {"field": "partner.tier", "op": "contains", "value": "GOLD"}]}
    # when
    payload = await _create(api, admin, rule)
    # then
    assert _problems(payload) == [(["input", "rule", "all", "1", "op"], "INVALID_RULE")]


async def test_ordering_operator_on_boolean_attribute_is_invalid_rule_at_op(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    defined = await api.gql(
        DEFINE_ATTRIBUTE, {"subject": "PARTNER", "key": "vip", "type": "BOOLEAN"}, token=admin
    )
    assert defined.data["defineAttribute"]["errors"] == []
    rule = {"any": [EMEA, {"field": "partner.attributes.vip", "op": "gt", "value": True}]}
    # when
    payload = await _create(api, admin, rule)
    # then
    assert _problems(payload) == [(["input", "rule", "any", "1", "op"], "INVALID_RULE")]


async def test_unknown_operator_is_invalid_rule_at_op(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    rule = {"field": "partner.name", "op": "like", "value": "Acme%"}
    # when
    payload = await _create(api, admin, rule)
    # then
    assert _problems(payload) == [(["input", "rule", "op"], "INVALID_RULE")]


@pytest.mark.parametrize(
    "condition",
    [
        pytest.param(
            {"field": "partner.metrics.dealsWon12m", "op": "gt", "value": "abc"},
            id="number-field-given-text",
        ),
        pytest.param(
            {"field": "partner.country", "op": "exists", "value": "yes"},
            id="exists-given-yes",
        ),
        pytest.param(
            {"field": "partner.metrics.openPipeline", "op": "between", "value": [1]},
            id="between-given-one-bound",
        ),
        pytest.param(
            {"field": "partner.tier", "op": "eq", "value": "BRONZE"},
            id="unknown-picklist-value",
        ),
        pytest.param(
            {"field": "partner.tier", "op": "gte", "value": "BRONZE"},
            id="unknown-rank-threshold",
        ),
        pytest.param(
            {"field": "partner.joinedAt", "op": "withinLastDays", "value": "30"},
            id="days-given-text",
        ),
    ],
)
async def test_value_of_wrong_type_is_invalid_rule_at_value(
    api: Api, condition: dict[str, Any]
) -> None:
    # given
    admin, _ = await api.staff()
    rule = {"all": [EMEA, condition]}
    # when
    payload = await _create(api, admin, rule)
    # then
    assert _problems(payload) == [(["input", "rule", "all", "1", "value"], "INVALID_RULE")]


# ---------------------------------------------------------------- malformed nodes


@pytest.mark.parametrize(
    ("rule", "node_path"),
    [
        pytest.param({"any": [EMEA, "gold"]}, ["any", "1"], id="a-string"),
        pytest.param({"all": [EMEA], "any": [EMEA]}, [], id="both-all-and-any"),
        pytest.param(
            {"all": [EMEA, {"field": "partner.tier", "op": "eq"}]},
            ["all", "1"],
            id="condition-without-value",
        ),
        pytest.param({"all": []}, [], id="empty-all"),
        pytest.param({"not": [EMEA], "segment": "x"}, [], id="not-and-segment"),
    ],
)
async def test_malformed_node_is_invalid_rule_at_the_node_itself(
    api: Api, rule: Any, node_path: list[str]
) -> None:
    # given
    admin, _ = await api.staff()
    # when
    payload = await _create(api, admin, rule)
    # then
    assert _problems(payload) == [(["input", "rule", *node_path], "INVALID_RULE")]


# ---------------------------------------------------------------- what a subject may read


async def test_contact_path_in_partner_rule_is_invalid_rule_at_field(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    rule = {"all": [EMEA, {"field": "contact.role", "op": "eq", "value": "ADMIN"}]}
    # when
    payload = await _create(api, admin, rule, subject="PARTNER")
    # then
    assert _problems(payload) == [(["input", "rule", "all", "1", "field"], "INVALID_RULE")]


async def test_contact_path_in_contact_rule_is_accepted(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    rule = {"all": [EMEA, {"field": "contact.role", "op": "eq", "value": "ADMIN"}]}
    # when
    payload = await _create(api, admin, rule, subject="CONTACT")
    # then
    assert payload["errors"] == []
    assert payload["segment"] == {"key": "under-test"}


async def test_undeclared_attribute_path_is_invalid_rule_at_field(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    rule = {"field": "partner.attributes.undeclared", "op": "eq", "value": "x"}
    # when
    payload = await _create(api, admin, rule)
    # then
    assert _problems(payload) == [(["input", "rule", "field"], "INVALID_RULE")]


# ---------------------------------------------------------------- references to segments


async def test_partner_rule_naming_contact_segment_is_invalid_rule_at_segment(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(
        api,
        admin,
        "admins",
        {"field": "contact.role", "op": "eq", "value": "ADMIN"},
        subject="CONTACT",
    )
    # when
    payload = await _create(api, admin, {"all": [EMEA, {"segment": "admins"}]})
    # then
    assert _problems(payload) == [(["input", "rule", "all", "1", "segment"], "INVALID_RULE")]


async def test_unknown_segment_key_is_unknown_segment_at_segment(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    payload = await _create(api, admin, {"any": [EMEA, {"segment": "no-such-segment"}]})
    # then
    assert _problems(payload) == [(["input", "rule", "any", "1", "segment"], "UNKNOWN_SEGMENT")]


async def test_updating_referenced_segment_to_refer_back_is_cycle(api: Api) -> None:
    # given: a refers to b
    admin, _ = await api.staff()
    await create_segment(api, admin, "b", EMEA)
    await create_segment(api, admin, "a", {"segment": "b"})
    before = await _segments(api, admin)
    # when: b would refer to a
    response = await api.gql(
        UPDATE_SEGMENT,
        {"key": "b", "input": {"rule": {"all": [EMEA, {"segment": "a"}]}}},
        token=admin,
    )
    # then
    payload = response.data["updateSegment"]
    assert _problems(payload) == [(["input", "rule", "all", "1", "segment"], "CYCLE")]
    assert payload["segment"] is None
    assert await _segments(api, admin) == before


async def test_cycle_refusal_changes_nothing(api: Api) -> None:
    # given: a refers to b
    admin, _ = await api.staff()
    await create_segment(api, admin, "b", EMEA)
    await create_segment(api, admin, "a", {"segment": "b"})
    before = await _segments(api, admin)
    # when
    response = await api.gql(
        UPDATE_SEGMENT, {"key": "b", "input": {"rule": {"segment": "a"}}}, token=admin
    )
    # then
    assert [e["code"] for e in response.data["updateSegment"]["errors"]] == ["CYCLE"]
    assert await _segments(api, admin) == before


async def test_cycle_through_an_intermediate_segment_is_refused(api: Api) -> None:
    # given: a -> b -> c
    admin, _ = await api.staff()
    await create_segment(api, admin, "c", EMEA)
    await create_segment(api, admin, "b", {"segment": "c"})
    await create_segment(api, admin, "a", {"segment": "b"})
    # when: c would refer to a
    response = await api.gql(
        UPDATE_SEGMENT, {"key": "c", "input": {"rule": {"segment": "a"}}}, token=admin
    )
    # then
    assert _problems(response.data["updateSegment"]) == [(["input", "rule", "segment"], "CYCLE")]


async def test_new_segment_referring_to_itself_is_cycle(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    payload = await _create(api, admin, {"any": [EMEA, {"segment": "under-test"}]})
    # then
    assert _problems(payload) == [(["input", "rule", "any", "1", "segment"], "CYCLE")]
    assert await _segments(api, admin) == []


async def test_existing_segment_updated_to_refer_to_itself_is_cycle(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "loop", EMEA)
    # when
    response = await api.gql(
        UPDATE_SEGMENT,
        {"key": "loop", "input": {"rule": {"not": {"segment": "loop"}}}},
        token=admin,
    )
    # then
    assert _problems(response.data["updateSegment"]) == [
        (["input", "rule", "not", "segment"], "CYCLE")
    ]


# ---------------------------------------------------------------- size limits


async def test_rule_sixteen_levels_deep_is_accepted(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    payload = await _create(api, admin, _nested(16))
    # then
    assert payload["errors"] == []


async def test_rule_nested_deeper_than_sixteen_levels_is_too_complex(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    payload = await _create(api, admin, _nested(17))
    # then
    assert [e["code"] for e in payload["errors"]] == ["RULE_TOO_COMPLEX"]
    assert payload["errors"][0]["path"][:2] == ["input", "rule"]
    assert payload["segment"] is None
    assert await _segments(api, admin) == []


async def test_rule_with_two_hundred_conditions_is_accepted(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    payload = await _create(api, admin, {"any": [EMEA] * 200})
    # then
    assert payload["errors"] == []


async def test_rule_with_more_than_two_hundred_conditions_is_too_complex(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    payload = await _create(api, admin, {"any": [EMEA] * 201})
    # then
    assert [e["code"] for e in payload["errors"]] == ["RULE_TOO_COMPLEX"]
    assert payload["errors"][0]["path"][:2] == ["input", "rule"]
    assert await _segments(api, admin) == []


# ---------------------------------------------------------------- nothing is written


@pytest.mark.parametrize(
    "rule",
    [
        pytest.param({"field": "partner.nope", "op": "eq", "value": 1}, id="unknown-field"),
        pytest.param({"field": "partner.tier", "op": "eq", "value": "BRONZE"}, id="bad-value"),
        pytest.param({"all": []}, id="malformed"),
        pytest.param({"segment": "ghost"}, id="unknown-segment"),
        pytest.param(_nested(17), id="too-deep"),
    ],
)
async def test_refused_rule_on_update_changes_nothing(api: Api, rule: Any) -> None:
    # given
    admin, _ = await api.staff()
    await api.partner(region="EMEA")
    await create_segment(api, admin, "emea", EMEA)
    before = await _segments(api, admin)
    assert before[0]["memberCount"] == 1
    # when
    response = await api.gql(
        UPDATE_SEGMENT, {"key": "emea", "input": {"name": "Renamed", "rule": rule}}, token=admin
    )
    # then
    payload = response.data["updateSegment"]
    assert payload["segment"] is None
    assert len(payload["errors"]) == 1
    assert await _segments(api, admin) == before


async def test_refused_create_writes_no_segment(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "existing", EMEA)
    before = await _segments(api, admin)
    # when
    payload = await _create(api, admin, {"field": "partner.nope", "op": "eq", "value": 1})
    # then
    assert payload["errors"] != []
    assert await _segments(api, admin) == before
    assert [s["key"] for s in before] == ["existing"]


# ---------------------------------------------------------------- previewSegment


async def test_preview_with_invalid_rule_is_top_level_invalid_rule_with_rule_path(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    rule = {"all": [EMEA, {"field": "partner.nope", "op": "eq", "value": 1}]}
    # when
    response = await api.gql(PREVIEW, {"subject": "PARTNER", "rule": rule}, token=admin)
    # then
    assert response.error_codes == ["INVALID_RULE"]
    extensions = response.errors[0]["extensions"]
    assert extensions["errors"][0]["path"] == ["rule", "all", "1", "field"]
    assert extensions["errors"][0]["code"] == "INVALID_RULE"
    assert response.body["data"] is None


async def test_preview_with_bad_value_points_at_the_value(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    rule = {"field": "partner.tier", "op": "gte", "value": "BRONZE"}
    # when
    response = await api.gql(PREVIEW, {"subject": "PARTNER", "rule": rule}, token=admin)
    # then
    assert response.error_codes == ["INVALID_RULE"]
    assert response.errors[0]["extensions"]["errors"][0]["path"] == ["rule", "value"]
