"""Bearer tokens: only an unexpired token we signed, for an account that may still sign in."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import timedelta

import jwt
import pytest

from domain.models import Contact
from domain.principal import ContactStatus, PrincipalKind
from tests.records import change, mint_token
from tests.support import Api, Response

VIEWER = "{ viewer { id kind } }"


def _resign(token: str, secret: str | None, algorithm: str) -> str:
    claims = jwt.decode(token, options={"verify_signature": False})
    return jwt.encode(claims, secret, algorithm=algorithm)


def _flip_signature_char(token: str) -> str:
    header, payload, signature = token.split(".")
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    return ".".join([header, payload, signature[:middle] + flipped + signature[middle + 1 :]])


def _swap_subject(token: str, subject: str) -> str:
    """The same signature over claims naming someone else."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = subject
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return ".".join([header, forged, signature])


def _assert_unauthenticated(response: Response) -> None:
    assert response.body["data"] is None
    assert response.error_codes == ["UNAUTHENTICATED"]


async def test_a_signed_in_token_answers_viewer(api: Api) -> None:
    # given
    partner_id = await api.partner()
    token, contact_id = await api.contact(partner_id)
    # when
    response = await api.gql(VIEWER, token=token)
    # then
    assert response.errors == []
    assert response.data["viewer"] == {"id": contact_id, "kind": "CONTACT"}


async def test_expired_token_is_unauthenticated_and_viewer_is_null(api: Api) -> None:
    # given
    partner_id = await api.partner()
    _, contact_id = await api.contact(partner_id, sign_in=False)
    expired = mint_token(PrincipalKind.CONTACT, contact_id, ttl=timedelta(seconds=-30))
    # when
    response = await api.gql(VIEWER, token=expired)
    # then
    _assert_unauthenticated(response)


async def test_minted_token_that_has_not_expired_works(api: Api) -> None:
    """The control for the expired case: the same minting, a future expiry."""
    # given
    partner_id = await api.partner()
    _, contact_id = await api.contact(partner_id, sign_in=False)
    fresh = mint_token(PrincipalKind.CONTACT, contact_id, ttl=timedelta(minutes=5))
    # when
    response = await api.gql(VIEWER, token=fresh)
    # then
    assert response.data["viewer"]["id"] == contact_id


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(_flip_signature_char, id="signature-char-flipped"),
        pytest.param(
            lambda t: _resign(t, "another-secret-not-the-servers-one", "HS256"),
            id="resigned-with-another-secret",
        ),
        pytest.param(lambda t: _resign(t, None, "none"), id="alg-none"),
    ],
)
async def test_tampered_token_is_unauthenticated(api: Api, tamper: Callable[[str], str]) -> None:
    # given
    partner_id = await api.partner()
    token, _ = await api.contact(partner_id)
    # when
    response = await api.gql(VIEWER, token=tamper(token))
    # then
    _assert_unauthenticated(response)


async def test_token_whose_subject_was_edited_is_unauthenticated(api: Api) -> None:
    # given
    partner_id = await api.partner()
    token, _ = await api.contact(partner_id)
    _, someone_else = await api.contact(partner_id)
    # when
    response = await api.gql(VIEWER, token=_swap_subject(token, someone_else))
    # then
    _assert_unauthenticated(response)


async def test_deactivated_contact_token_stops_working_at_once(api: Api) -> None:
    # given
    partner_id = await api.partner()
    token, contact_id = await api.contact(partner_id)
    assert (await api.gql(VIEWER, token=token)).data["viewer"]["id"] == contact_id
    # when
    await change(api, Contact, contact_id, status=ContactStatus.DEACTIVATED.value)
    # then
    _assert_unauthenticated(await api.gql(VIEWER, token=token))


@pytest.mark.parametrize(
    "authorization",
    ["Basic dXNlcjpwYXNzd29yZA==", "Token abc.def.ghi", "Bearer", "Bearer not-a-jwt"],
)
async def test_unusable_authorization_header_is_unauthenticated(
    api: Api, authorization: str
) -> None:
    # when
    response = await api.gql(VIEWER, headers={"Authorization": authorization})
    # then
    _assert_unauthenticated(response)


async def test_no_credentials_is_unauthenticated(api: Api) -> None:
    # when
    response = await api.gql(VIEWER)
    # then
    _assert_unauthenticated(response)
