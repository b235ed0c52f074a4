"""Layouts: validated as the contract says, chosen per record type by audience and priority,
changed and removed by vendor admins with effect on the next request."""

from __future__ import annotations

from typing import Any

from domain.principal import ContactRole, StaffRole
from tests.support import Api, create_segment

CREATE = """
mutation($input: LayoutInput!) { createLayout(input: $input) { id errors { path code message } } }
"""
UPDATE = """
mutation($id: ID!, $input: LayoutInput!) {
  updateLayout(id: $id, input: $input) { id errors { path code message } }
}
"""
DELETE = "mutation($id: ID!) { deleteLayout(id: $id) { deleted errors { path code } } }"
MINE = """
query($entity: LayoutEntity!) {
  viewer { layouts(entity: $entity) {
    id recordType label priority fields { name label required readOnly }
    audience { anySegments roles }
  } }
}
"""
DEFINE = """
mutation { defineAttribute(subject: DEAL, key: "useCase", type: STRING, label: "Use case") {
  errors { code } } }
"""
REFERRAL = {"field": "partner.type", "op": "eq", "value": "REFERRAL"}


def _layout(record_type: str, names: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "entity": "DEAL",
        "recordType": record_type,
        "label": record_type.title(),
        "fields": [{"name": n} for n in names],
        **extra,
    }


async def _create(api: Api, admin: str, spec: dict[str, Any]) -> str:
    response = await api.gql(CREATE, {"input": spec}, token=admin)
    payload = response.data["createLayout"]
    assert payload["errors"] == [], payload["errors"]
    return payload["id"]


async def _mine(api: Api, token: str, entity: str = "DEAL") -> list[dict[str, Any]]:
    response = await api.gql(MINE, {"entity": entity}, token=token)
    assert response.errors == [], response.errors
    return response.data["viewer"]["layouts"]


async def test_a_deal_layout_always_starts_with_a_required_customer_name(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await api.gql(DEFINE, token=admin)
    # when
    await _create(
        api,
        admin,
        {
            "entity": "DEAL",
            "recordType": "resale",
            "label": "Resale",
            "fields": [
                {"name": "amount", "required": True},
                {"name": "customerName", "label": "Customer", "readOnly": True},
                {"name": "useCase", "readOnly": True},
            ],
        },
    )
    # then
    (layout,) = await _mine(api, admin)
    assert layout["fields"] == [
        {"name": "customerName", "label": "Customer", "required": True, "readOnly": False},
        {"name": "amount", "label": "Amount", "required": True, "readOnly": False},
        {"name": "useCase", "label": "Use case", "required": False, "readOnly": True},
    ]


async def test_a_layout_without_customer_name_gets_it(api: Api) -> None:
    admin, _ = await api.staff()
    await _create(api, admin, _layout("referral", ["closeDate"]))
    (layout,) = await _mine(api, admin)
    assert [f["name"] for f in layout["fields"]] == ["customerName", "closeDate"]
    assert layout["fields"][0]["required"] is True


async def test_a_field_a_deal_layout_cannot_name_is_invalid_value_at_its_name(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    spec = _layout("resale", ["amount", "discount", "stage", "amount"])
    # when
    response = await api.gql(CREATE, {"input": spec}, token=admin)
    # then
    errors = [(e["path"], e["code"]) for e in response.data["createLayout"]["errors"]]
    assert errors == [
        (["input", "fields", "1", "name"], "INVALID_VALUE"),
        (["input", "fields", "2", "name"], "INVALID_VALUE"),
        (["input", "fields", "3", "name"], "DUPLICATE"),
    ]
    assert await _mine(api, admin) == []


async def test_a_profile_layout_names_partner_fields_and_has_the_default_record_type(
    api: Api,
) -> None:
    admin, _ = await api.staff()
    wrong = await api.gql(
        CREATE,
        {
            "input": {
                "entity": "PARTNER_PROFILE",
                "recordType": "resale",
                "label": "Profile",
                "fields": [{"name": "amount"}, {"name": "country"}],
            }
        },
        token=admin,
    )
    errors = [(e["path"], e["code"]) for e in wrong.data["createLayout"]["errors"]]
    assert errors == [
        (["input", "recordType"], "INVALID_VALUE"),
        (["input", "fields", "0", "name"], "INVALID_VALUE"),
    ]
    await _create(
        api,
        admin,
        {
            "entity": "PARTNER_PROFILE",
            "recordType": "default",
            "label": "Profile",
            "fields": [{"name": "country"}, {"name": "verticals", "readOnly": True}],
        },
    )
    (profile,) = await _mine(api, admin, "PARTNER_PROFILE")
    assert [f["name"] for f in profile["fields"]] == ["country", "verticals"]


async def test_each_contact_gets_the_best_layout_its_audience_allows_per_record_type(
    api: Api,
) -> None:
    # given: referral partners get a short registration form, resellers a long one
    admin, _ = await api.staff()
    await create_segment(api, admin, "referral", REFERRAL)
    await _create(api, admin, _layout("deal", ["amount", "closeDate"], priority=1))
    await _create(
        api,
        admin,
        _layout("deal", ["closeDate"], priority=5, audience={"anySegments": ["referral"]}),
    )
    await _create(
        api, admin, _layout("resale", ["amount"], audience={"roles": ["ADMIN", "SALES_REP"]})
    )
    referrer, _ = await api.contact(await api.partner(type="REFERRAL"), ContactRole.SALES_REP)
    reseller, _ = await api.contact(await api.partner(type="RESELLER"), ContactRole.FINANCE)
    # when
    for_referrer = await _mine(api, referrer)
    for_reseller = await _mine(api, reseller)
    for_staff = await _mine(api, admin)
    # then
    assert [(x["recordType"], [f["name"] for f in x["fields"]]) for x in for_referrer] == [
        ("deal", ["customerName", "closeDate"]),
        ("resale", ["customerName", "amount"]),
    ]
    assert [(x["recordType"], [f["name"] for f in x["fields"]]) for x in for_reseller] == [
        ("deal", ["customerName", "amount", "closeDate"])
    ]
    assert len(for_staff) == 3
    assert for_referrer[0]["audience"] == {"anySegments": ["referral"], "roles": []}


async def test_a_changed_or_removed_layout_is_used_from_the_next_request(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    layout_id = await _create(api, admin, _layout("deal", ["amount"]))
    contact, _ = await api.contact(await api.partner())
    assert [f["name"] for f in (await _mine(api, contact))[0]["fields"]] == [
        "customerName",
        "amount",
    ]
    # when
    changed = await api.gql(
        UPDATE, {"id": layout_id, "input": _layout("deal", ["closeDate"])}, token=admin
    )
    after_change = await _mine(api, contact)
    removed = await api.gql(DELETE, {"id": layout_id}, token=admin)
    after_removal = await _mine(api, contact)
    # then
    assert changed.data["updateLayout"] == {"id": layout_id, "errors": []}
    assert [f["name"] for f in after_change[0]["fields"]] == ["customerName", "closeDate"]
    assert removed.data["deleteLayout"] == {"deleted": True, "errors": []}
    assert after_removal == []


async def test_a_missing_layout_is_not_found_and_only_vendor_admins_configure(api: Api) -> None:
    admin, _ = await api.staff()
    analyst, _ = await api.staff(StaffRole.ANALYST)
    missing = await api.gql(DELETE, {"id": "TGF5b3V0Ojk5OQ"}, token=admin)
    refused = await api.gql(CREATE, {"input": _layout("deal", [])}, token=analyst)
    assert missing.data["deleteLayout"]["errors"] == [{"path": ["id"], "code": "NOT_FOUND"}]
    assert refused.error_codes == ["FORBIDDEN"]


async def test_a_segment_a_layout_audience_names_cannot_be_deleted(api: Api) -> None:
    admin, _ = await api.staff()
    await create_segment(api, admin, "referral", REFERRAL)
    await _create(api, admin, _layout("deal", [], audience={"anySegments": ["referral"]}))
    response = await api.gql(
        'mutation { deleteSegment(key: "referral") { deleted errors { code message } } }',
        token=admin,
    )
    (error,) = response.data["deleteSegment"]["errors"]
    assert error["code"] == "SEGMENT_IN_USE"
    assert "layout DEAL/deal" in error["message"]
