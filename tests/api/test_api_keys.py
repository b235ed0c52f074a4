"""Integrator API keys: created by vendor admins, limited by scopes, revocable at once."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from domain import ids
from domain.models import ApiKey, Partner
from domain.principal import ContactRole, StaffRole
from tests.records import api_key, count, pk, snapshot
from tests.support import Api

CREATE_KEY = """
mutation($name: String!, $scopes: [String!]!) {
  createApiKey(name: $name, scopes: $scopes) { id secret errors { path code message } }
}
"""
REVOKE_KEY = """
mutation($id: ID!) { revokeApiKey(id: $id) { deleted errors { path code message } } }
"""
VIEWER = "{ viewer { id kind name email scopes staffRole contactRole } }"
PARTNERS = "{ partners { totalCount edges { node { id name } } } }"
CREATE_PARTNER = """
mutation($input: PartnerInput!) {
  createPartner(input: $input) { partner { id name } errors { path code message } }
}
"""
UPSERT = """
mutation($inputs: [PartnerInput!]!) {
  upsertPartners(inputs: $inputs) { created updated errors { path code message } }
}
"""
NEW_PARTNER = {"name": "Acme", "type": "MSP", "tier": "GOLD", "region": "EMEA", "phase": "ACTIVE"}


async def test_vendor_admin_creates_a_key_whose_secret_signs_in_as_api_key(api: Api) -> None:
    # given
    admin, _ = await api.staff(StaffRole.VENDOR_ADMIN)
    # when
    created = await api.gql(
        CREATE_KEY, {"name": "CRM sync", "scopes": ["segments:read", "partners:read"]}, token=admin
    )
    # then
    payload = created.data["createApiKey"]
    assert payload["errors"] == []
    viewer = await api.gql(VIEWER, api_key=payload["secret"])
    assert viewer.errors == []
    assert viewer.data["viewer"] == {
        "id": payload["id"],
        "kind": "API_KEY",
        "name": "CRM sync",
        "email": None,
        "scopes": ["partners:read", "segments:read"],
        "staffRole": None,
        "contactRole": None,
    }


async def test_key_is_stored_hashed_never_as_its_secret(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    created = await api.gql(CREATE_KEY, {"name": "CRM", "scopes": ["partners:read"]}, token=admin)
    # then
    secret = created.data["createApiKey"]["secret"]
    stored = (await snapshot(api))["api_keys"]
    assert len(stored) == 1
    assert secret not in json.dumps(stored, default=str)


@pytest.mark.parametrize("role", [StaffRole.CHANNEL_MANAGER, StaffRole.ANALYST])
async def test_staff_other_than_vendor_admin_cannot_create_a_key(api: Api, role: StaffRole) -> None:
    # given
    token, _ = await api.staff(role)
    # when
    response = await api.gql(CREATE_KEY, {"name": "mine", "scopes": ["partners:read"]}, token=token)
    # then
    assert response.error_codes == ["FORBIDDEN"]
    assert await count(api, ApiKey) == 0


async def test_partner_admin_cannot_create_a_key(api: Api) -> None:
    # given
    partner_id = await api.partner()
    token, _ = await api.contact(partner_id, ContactRole.ADMIN)
    # when
    response = await api.gql(CREATE_KEY, {"name": "mine", "scopes": ["partners:read"]}, token=token)
    # then
    assert response.error_codes == ["FORBIDDEN"]
    assert await count(api, ApiKey) == 0


async def test_a_key_cannot_create_another_key(api: Api) -> None:
    # given
    secret, _ = await api_key(api, "partners:write")
    # when
    response = await api.gql(
        CREATE_KEY, {"name": "mine", "scopes": ["partners:read"]}, api_key=secret
    )
    # then
    assert response.error_codes == ["FORBIDDEN"]
    assert await count(api, ApiKey) == 1


async def test_unknown_scope_is_invalid_value_at_its_index_and_creates_nothing(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    # when
    response = await api.gql(
        CREATE_KEY, {"name": "CRM", "scopes": ["partners:read", "partners:delete"]}, token=admin
    )
    # then
    payload = response.data["createApiKey"]
    assert payload["secret"] is None
    assert [(e["path"], e["code"]) for e in payload["errors"]] == [
        (["scopes", "1"], "INVALID_VALUE")
    ]
    assert await count(api, ApiKey) == 0


async def test_read_scope_lists_partners_but_cannot_create_one(api: Api) -> None:
    # given
    partner_id = await api.partner(name="Acme")
    secret, _ = await api_key(api, "partners:read")
    # when
    listed = await api.gql(PARTNERS, api_key=secret)
    created = await api.gql(CREATE_PARTNER, {"input": NEW_PARTNER}, api_key=secret)
    # then
    assert listed.data["partners"]["totalCount"] == 1
    assert listed.data["partners"]["edges"][0]["node"]["id"] == partner_id
    assert created.error_codes == ["FORBIDDEN"]
    assert await count(api, Partner) == 1


async def test_write_scope_creates_a_partner(api: Api) -> None:
    # given
    secret, _ = await api_key(api, "partners:write")
    # when
    response = await api.gql(CREATE_PARTNER, {"input": NEW_PARTNER}, api_key=secret)
    # then
    payload = response.data["createPartner"]
    assert payload["errors"] == []
    assert payload["partner"]["name"] == "Acme"
    assert await count(api, Partner) == 1


async def test_write_scope_upserts_partners(api: Api) -> None:
    # given
    secret, _ = await api_key(api, "partners:write")
    await api.partner(externalId="crm-1")
    # when
    response = await api.gql(
        UPSERT,
        {
            "inputs": [
                {"externalId": "crm-1", "tier": "GOLD"},
                {"externalId": "crm-2", **NEW_PARTNER},
            ]
        },
        api_key=secret,
    )
    # then
    payload = response.data["upsertPartners"]
    assert payload["errors"] == []
    assert (payload["created"], payload["updated"]) == (1, 1)


async def test_key_without_a_partner_scope_cannot_read_partners(api: Api) -> None:
    # given
    await api.partner()
    secret, _ = await api_key(api, "segments:read")
    # when
    response = await api.gql(PARTNERS, api_key=secret)
    # then
    assert response.error_codes == ["FORBIDDEN"]
    assert response.body["data"] is None


async def test_revoked_key_stops_working_at_once(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    secret, key_id = await api_key(api, "partners:read")
    assert (await api.gql(VIEWER, api_key=secret)).data["viewer"]["id"] == key_id
    # when
    revoked = await api.gql(REVOKE_KEY, {"id": key_id}, token=admin)
    # then
    assert revoked.data["revokeApiKey"] == {"deleted": True, "errors": []}
    after = await api.gql(VIEWER, api_key=secret)
    assert after.error_codes == ["UNAUTHENTICATED"]
    assert after.body["data"] is None
    async with api.db.read() as session:
        revoked_at = await session.scalar(select(ApiKey.revoked_at).where(ApiKey.id == pk(key_id)))
    assert revoked_at is not None


async def test_revoking_an_unknown_key_is_not_found(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    _, key_id = await api_key(api, "partners:read")
    unknown = ids.encode("ApiKey", pk(key_id) + 1000)
    # when
    response = await api.gql(REVOKE_KEY, {"id": unknown}, token=admin)
    # then
    payload = response.data["revokeApiKey"]
    assert payload["deleted"] is False
    assert [(e["path"], e["code"]) for e in payload["errors"]] == [(["id"], "NOT_FOUND")]


async def test_only_vendor_admin_may_revoke_a_key(api: Api) -> None:
    # given
    analyst, _ = await api.staff(StaffRole.ANALYST)
    secret, key_id = await api_key(api, "partners:read")
    # when
    response = await api.gql(REVOKE_KEY, {"id": key_id}, token=analyst)
    # then
    assert response.error_codes == ["FORBIDDEN"]
    assert (await api.gql(VIEWER, api_key=secret)).data["viewer"]["id"] == key_id


async def test_unknown_secret_is_unauthenticated(api: Api) -> None:
    # given
    secret, _ = await api_key(api, "partners:read")
    # when
    response = await api.gql(VIEWER, api_key=secret + "x")
    # then
    assert response.error_codes == ["UNAUTHENTICATED"]
