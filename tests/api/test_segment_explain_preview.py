"""explainMembership says why a subject is in a segment or not; previewSegment says who a
rule would select, writing nothing."""

from __future__ import annotations

from typing import Any

from domain import ids
from domain.principal import ContactRole
from tests.support import Api, create_segment

EXPLAIN = """
query($segment: String!, $subjectId: ID!) {
  explainMembership(segment: $segment, subjectId: $subjectId) {
    member reason trace { pointer result actual detail }
  }
}
"""
PREVIEW = """
query($subject: SegmentSubject!, $rule: JSON!) {
  previewSegment(subject: $subject, rule: $rule) { count sample { id name } }
}
"""
SEGMENTS = """
{
  segments {
    key version memberCount
    members(first: 20) { edges { node { id } } }
    history(first: 20) { edges { node { subjectId change cause } } }
  }
}
"""
UPDATE_SEGMENT = """
mutation($key: String!, $input: SegmentInput!) {
  updateSegment(key: $key, input: $input) { errors { path code } }
}
"""
PARTNER_SEGMENTS = "query($id: ID!) { partner(id: $id) { segments { key } } }"

GOLD = {"field": "partner.tier", "op": "eq", "value": "GOLD"}
GOLD_PLUS = {"field": "partner.tier", "op": "gte", "value": "GOLD"}
EMEA = {"field": "partner.region", "op": "eq", "value": "EMEA"}


async def _explain(api: Api, token: str, segment: str, subject_id: str) -> dict[str, Any]:
    response = await api.gql(EXPLAIN, {"segment": segment, "subjectId": subject_id}, token=token)
    assert response.errors == []
    return response.data["explainMembership"]


def _by_pointer(explanation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["pointer"]: t for t in explanation["trace"]}


# ---------------------------------------------------------------- explainMembership


async def test_member_by_rule_is_explained_node_by_node(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner(tier="GOLD", region="EMEA")
    await create_segment(api, admin, "gold-emea", {"all": [GOLD_PLUS, EMEA]})
    # when
    explanation = await _explain(api, admin, "gold-emea", partner)
    # then
    assert (explanation["member"], explanation["reason"]) == (True, "RULE")
    assert [(t["pointer"], t["result"]) for t in explanation["trace"]] == [
        ("", True),
        ("/all/0", True),
        ("/all/1", True),
    ]
    nodes = _by_pointer(explanation)
    assert (nodes["/all/0"]["actual"], nodes["/all/1"]["actual"]) == ("GOLD", "EMEA")
    assert "partner.tier" in nodes["/all/0"]["detail"]
    assert "partner.region" in nodes["/all/1"]["detail"]
    assert "EMEA" in nodes["/all/1"]["detail"]


async def test_silver_partner_on_gold_plus_rule_is_no_match_with_its_tier_named(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner(tier="SILVER")
    await create_segment(api, admin, "gold-plus", GOLD_PLUS)
    # when
    explanation = await _explain(api, admin, "gold-plus", partner)
    # then
    assert (explanation["member"], explanation["reason"]) == (False, "NO_MATCH")
    (root,) = explanation["trace"]
    assert (root["pointer"], root["result"], root["actual"]) == ("", False, "SILVER")
    assert "partner.tier" in root["detail"]
    assert "SILVER" in root["detail"]
    assert "GOLD" in root["detail"]


async def test_trace_pointers_follow_nested_groups_negations_and_references(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner(tier="GOLD", region="APAC")
    await create_segment(api, admin, "gold", GOLD)
    rule = {"any": [{"not": EMEA}, {"all": [{"segment": "gold"}, EMEA]}]}
    await create_segment(api, admin, "mixed", rule)
    # when
    explanation = await _explain(api, admin, "mixed", partner)
    # then
    assert explanation["member"] is True
    assert [(t["pointer"], t["result"]) for t in explanation["trace"]] == [
        ("", True),
        ("/any/0", True),
        ("/any/0/not", False),
        ("/any/1", False),
        ("/any/1/all/0", True),
        ("/any/1/all/1", False),
    ]
    nodes = _by_pointer(explanation)
    assert nodes["/any/0/not"]["actual"] == "APAC"
    assert "gold" in nodes["/any/1/all/0"]["detail"]


async def test_included_partner_is_explained_as_included(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner(tier="SILVER")
    await create_segment(api, admin, "gold", GOLD, include=[partner])
    # when
    explanation = await _explain(api, admin, "gold", partner)
    # then
    assert (explanation["member"], explanation["reason"]) == (True, "INCLUDED")
    assert [(t["pointer"], t["result"], t["actual"]) for t in explanation["trace"]] == [
        ("", False, "SILVER")
    ]


async def test_excluded_partner_is_explained_as_excluded_though_the_rule_matches(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner(tier="GOLD")
    await create_segment(api, admin, "gold", GOLD, exclude=[partner])
    # when
    explanation = await _explain(api, admin, "gold", partner)
    # then
    assert (explanation["member"], explanation["reason"]) == (False, "EXCLUDED")
    assert [(t["pointer"], t["result"]) for t in explanation["trace"]] == [("", True)]


async def test_partner_both_included_and_excluded_is_explained_as_excluded(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner(tier="SILVER")
    await create_segment(api, admin, "gold", GOLD, include=[partner], exclude=[partner])
    # when
    explanation = await _explain(api, admin, "gold", partner)
    # then
    assert (explanation["member"], explanation["reason"]) == (False, "EXCLUDED")


async def test_explanation_agrees_with_membership_for_every_partner(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partners = {
        await api.partner(tier="GOLD", region="EMEA"): True,
        await api.partner(tier="PLATINUM", region="EMEA"): True,
        await api.partner(tier="GOLD", region="APAC"): False,
        await api.partner(tier="SILVER", region="EMEA"): False,
    }
    await create_segment(api, admin, "gold-emea", {"all": [GOLD_PLUS, EMEA]})
    # when
    verdicts = {p: (await _explain(api, admin, "gold-emea", p))["member"] for p in partners}
    # then
    assert verdicts == partners
    memberships = {
        p: (await api.gql(PARTNER_SEGMENTS, {"id": p}, token=admin)).data["partner"]["segments"]
        for p in partners
    }
    assert memberships == {p: [{"key": "gold-emea"}] if m else [] for p, m in partners.items()}


async def test_contact_membership_explains_contact_and_company_values(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner(tier="SILVER")
    _, contact = await api.contact(partner, ContactRole.ADMIN, sign_in=False)
    rule = {"all": [{"field": "contact.role", "op": "eq", "value": "ADMIN"}, GOLD_PLUS]}
    await create_segment(api, admin, "gold-admins", rule, subject="CONTACT")
    # when
    explanation = await _explain(api, admin, "gold-admins", contact)
    # then
    assert (explanation["member"], explanation["reason"]) == (False, "NO_MATCH")
    nodes = _by_pointer(explanation)
    assert (nodes["/all/0"]["result"], nodes["/all/0"]["actual"]) == (True, "ADMIN")
    assert (nodes["/all/1"]["result"], nodes["/all/1"]["actual"]) == (False, "SILVER")
    assert "contact.role" in nodes["/all/0"]["detail"]


async def test_explaining_an_unknown_segment_is_not_found(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner()
    # when
    response = await api.gql(EXPLAIN, {"segment": "ghost", "subjectId": partner}, token=admin)
    # then
    assert response.error_codes == ["NOT_FOUND"]
    assert response.body["data"] is None


async def test_explaining_an_unknown_subject_is_not_found(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner()
    _, contact = await api.contact(partner, sign_in=False)
    await create_segment(api, admin, "gold", GOLD)
    # when
    missing = await api.gql(
        EXPLAIN, {"segment": "gold", "subjectId": ids.encode("Partner", 987654)}, token=admin
    )
    wrong_kind = await api.gql(EXPLAIN, {"segment": "gold", "subjectId": contact}, token=admin)
    # then
    assert missing.error_codes == ["NOT_FOUND"]
    assert wrong_kind.error_codes == ["NOT_FOUND"]


# ---------------------------------------------------------------- previewSegment


async def test_preview_counts_matches_and_samples_ten_by_name(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    names = [f"Gold {letter}" for letter in "LKJIHGFEDCBA"]
    by_name = {name: await api.partner(name=name, tier="GOLD") for name in names}
    await api.partner(name="Aaa Silver", tier="SILVER")
    # when
    response = await api.gql(PREVIEW, {"subject": "PARTNER", "rule": GOLD}, token=admin)
    # then
    assert response.errors == []
    preview = response.data["previewSegment"]
    assert preview["count"] == 12
    expected = sorted(names)[:10]
    assert preview["sample"] == [{"id": by_name[n], "name": n} for n in expected]


async def test_preview_of_a_contact_rule_samples_contact_ids(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner = await api.partner(tier="GOLD")
    _, contact_admin = await api.contact(partner, ContactRole.ADMIN, sign_in=False)
    await api.contact(partner, ContactRole.FINANCE, sign_in=False)
    rule = {"field": "contact.role", "op": "eq", "value": "ADMIN"}
    # when
    response = await api.gql(PREVIEW, {"subject": "CONTACT", "rule": rule}, token=admin)
    # then
    preview = response.data["previewSegment"]
    assert preview == {"count": 1, "sample": [{"id": contact_admin, "name": "Pat Partner"}]}


async def test_preview_may_refer_to_existing_segments(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    gold_emea = await api.partner(tier="GOLD", region="EMEA")
    await api.partner(tier="GOLD", region="APAC")
    await create_segment(api, admin, "gold", GOLD)
    # when
    response = await api.gql(
        PREVIEW, {"subject": "PARTNER", "rule": {"all": [{"segment": "gold"}, EMEA]}}, token=admin
    )
    # then
    preview = response.data["previewSegment"]
    assert (preview["count"], [s["id"] for s in preview["sample"]]) == (1, [gold_emea])


async def test_preview_matching_nobody_is_zero_with_empty_sample(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await api.partner(tier="SILVER")
    # when
    response = await api.gql(PREVIEW, {"subject": "PARTNER", "rule": GOLD}, token=admin)
    # then
    assert response.data["previewSegment"] == {"count": 0, "sample": []}


async def test_preview_writes_no_segment_member_or_event(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    gold = await api.partner(tier="GOLD")
    await api.partner(tier="SILVER")
    await create_segment(api, admin, "emea", EMEA)
    before = (await api.gql(SEGMENTS, token=admin)).data["segments"]
    # when
    response = await api.gql(
        PREVIEW, {"subject": "PARTNER", "rule": {"any": [GOLD, EMEA]}}, token=admin
    )
    # then
    assert response.data["previewSegment"]["count"] == 2
    assert (await api.gql(SEGMENTS, token=admin)).data["segments"] == before
    partner = await api.gql(PARTNER_SEGMENTS, {"id": gold}, token=admin)
    assert partner.data["partner"]["segments"] == [{"key": "emea"}]
