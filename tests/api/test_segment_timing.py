"""Membership timing: a data change shows on the very next request, with its event."""

from __future__ import annotations

from domain.principal import ContactRole
from tests.support import Api

CREATE_SEGMENT = """
mutation($input: SegmentInput!) {
  createSegment(input: $input) {
    segment { key memberCount timeDependent }
    errors { path code message }
  }
}
"""
UPDATE_PARTNER = """
mutation($id: ID!, $input: PartnerInput!) {
  updatePartner(id: $id, input: $input) { partner { tier } errors { code } }
}
"""
VIEWER_SEGMENTS = "{ viewer { segments { key name } } }"
HISTORY = """
query($key: String!) {
  segment(key: $key) {
    memberCount
    history(first: 10) { edges { node { subjectId change cause segment { key } } } }
  }
}
"""


async def test_tier_change_moves_contact_portal_on_the_next_request(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    partner_id = await api.partner(tier="SILVER")
    contact_token, _ = await api.contact(partner_id, ContactRole.SALES_REP)
    created = await api.gql(
        CREATE_SEGMENT,
        {
            "input": {
                "key": "gold-plus",
                "name": "Gold and above",
                "subject": "PARTNER",
                "rule": {"field": "partner.tier", "op": "gte", "value": "GOLD"},
            }
        },
        token=admin,
    )
    assert created.data["createSegment"]["errors"] == []
    assert created.data["createSegment"]["segment"]["memberCount"] == 0
    before = await api.gql(VIEWER_SEGMENTS, token=contact_token)
    assert before.data["viewer"]["segments"] == []

    # when
    updated = await api.gql(
        UPDATE_PARTNER, {"id": partner_id, "input": {"tier": "GOLD"}}, token=admin
    )
    assert updated.data["updatePartner"]["errors"] == []

    # then
    after = await api.gql(VIEWER_SEGMENTS, token=contact_token)
    assert after.data["viewer"]["segments"] == [{"key": "gold-plus", "name": "Gold and above"}]
    history = await api.gql(HISTORY, {"key": "gold-plus"}, token=admin)
    events = [e["node"] for e in history.data["segment"]["history"]["edges"]]
    assert events == [
        {
            "subjectId": partner_id,
            "change": "JOINED",
            "cause": "ATTRIBUTE_CHANGE",
            "segment": {"key": "gold-plus"},
        }
    ]

    # and back down: LEFT, cause ATTRIBUTE_CHANGE
    await api.gql(UPDATE_PARTNER, {"id": partner_id, "input": {"tier": "SILVER"}}, token=admin)
    history = await api.gql(HISTORY, {"key": "gold-plus"}, token=admin)
    latest = history.data["segment"]["history"]["edges"][0]["node"]
    assert (latest["change"], latest["cause"]) == ("LEFT", "ATTRIBUTE_CHANGE")
    assert history.data["segment"]["memberCount"] == 0
    assert (await api.gql(VIEWER_SEGMENTS, token=contact_token)).data["viewer"]["segments"] == []
