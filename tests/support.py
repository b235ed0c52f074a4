"""Helpers for API tests: a GraphQL client and factories that build data through the domain."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Literal, TypedDict, overload

import httpx

from domain import ids
from domain.catalogue import load_catalogue
from domain.contacts import create_contact
from domain.db import Database
from domain.identity import accounts, passwords
from domain.partners import create_partner
from domain.principal import ContactRole, ContactStatus, StaffRole

PASSWORD = "correct horse battery"
# Every API key scope the contract names (written from the contract, not imported).
EVERY_SCOPE = (
    "partners:read",
    "partners:write",
    "segments:read",
    "segments:write",
    "content:write",
    "deals:read",
    "deals:write",
    "analytics:read",
)
_counter = itertools.count(1)


class Credentials(TypedDict, total=False):
    """How a caller signs its requests: keyword arguments of `Api.gql`."""

    token: str
    api_key: str


@dataclass
class Response:
    body: dict[str, Any]
    status: int
    headers: httpx.Headers

    @property
    def data(self) -> dict[str, Any]:
        return self.body["data"]

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.body.get("errors") or []

    @property
    def error_codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code") for e in self.errors]


@dataclass
class Api:
    client: httpx.AsyncClient
    db: Database

    async def gql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        api_key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        if api_key:
            sent["Authorization"] = f"ApiKey {api_key}"
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=sent
        )
        return Response(response.json(), response.status_code, response.headers)

    async def login(self, email: str, password: str = PASSWORD) -> str:
        response = await self.gql(LOGIN, {"email": email, "password": password})
        payload = response.data["login"]
        assert payload["errors"] == [], payload["errors"]
        return payload["token"]

    # ---- factories (through the domain, so each test states only what it is about)

    async def staff(self, role: StaffRole = StaffRole.VENDOR_ADMIN) -> tuple[str, str]:
        """(token, staff id) of a new staff member."""
        email = f"staff{next(_counter)}@vendor.example.com"
        async with self.db.write() as session:
            staff = await accounts.create_staff(session, email, PASSWORD, role, "Staff Member")
        return await self.login(email), ids.encode("StaffMember", staff.id)

    async def partner(self, **fields: Any) -> str:
        """Id of a new partner (defaults: a Silver EMEA reseller)."""
        patch = {
            "name": f"Partner {next(_counter)}",
            "type": "RESELLER",
            "tier": "SILVER",
            "region": "EMEA",
            "phase": "ACTIVE",
            **fields,
        }
        async with self.db.write() as session:
            change = await create_partner(session, await load_catalogue(session), patch)
        return ids.encode("Partner", change.partner.id)

    @overload
    async def contact(
        self,
        partner_id: str,
        role: ContactRole = ...,
        *,
        status: Literal[ContactStatus.ACTIVE] = ...,
        sign_in: Literal[True] = ...,
    ) -> tuple[str, str]: ...

    @overload
    async def contact(
        self,
        partner_id: str,
        role: ContactRole = ...,
        *,
        status: ContactStatus = ...,
        sign_in: bool = ...,
    ) -> tuple[str | None, str]: ...

    async def contact(
        self,
        partner_id: str,
        role: ContactRole = ContactRole.SALES_REP,
        *,
        status: ContactStatus = ContactStatus.ACTIVE,
        sign_in: bool = True,
    ) -> tuple[str | None, str]:
        """(token or None, contact id) of a new contact of `partner_id`: a token when it is
        active and signs in."""
        email = f"contact{next(_counter)}@partner.example.com"
        partner_pk = ids.decode_as(partner_id, "Partner")
        assert partner_pk is not None, partner_id
        async with self.db.write() as session:
            contact = await create_contact(
                session,
                partner_pk,
                email,
                "Pat Partner",
                role,
                status=status,
                password_hash=passwords.hash_password(PASSWORD),
            )
            contact_id = ids.encode("Contact", contact.id)
        token = await self.login(email) if sign_in and status is ContactStatus.ACTIVE else None
        return token, contact_id


LOGIN = """
mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    token expiresAt viewer { id kind } errors { path code message }
  }
}
"""


# ---- segment helpers (tests/api/test_segment_*.py)

SEGMENT_CREATE = """
mutation($input: SegmentInput!) {
  createSegment(input: $input) { segment { id key memberCount } errors { path code message } }
}
"""
API_KEY_CREATE = """
mutation($name: String!, $scopes: [String!]!) {
  createApiKey(name: $name, scopes: $scopes) { secret errors { path code } }
}
"""


async def create_segment(
    api: Api, token: str, key: str, rule: Any, **fields: Any
) -> dict[str, Any]:
    """A PARTNER segment (unless `subject=` says otherwise) created through the API."""
    segment_input = {"key": key, "name": key.replace("-", " ").title(), "subject": "PARTNER"}
    response = await api.gql(
        SEGMENT_CREATE, {"input": {**segment_input, "rule": rule, **fields}}, token=token
    )
    payload = response.data["createSegment"]
    assert payload["errors"] == [], payload["errors"]
    return payload["segment"]


async def create_api_key(api: Api, admin_token: str, *scopes: str) -> str:
    """The secret of a new API key with `scopes`, created by a VENDOR_ADMIN."""
    response = await api.gql(
        API_KEY_CREATE, {"name": "test key", "scopes": list(scopes)}, token=admin_token
    )
    payload = response.data["createApiKey"]
    assert payload["errors"] == [], payload["errors"]
    return payload["secret"]
