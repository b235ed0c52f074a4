"""The service answers: health, schema, a first sign-in and a first partner."""

from __future__ import annotations

from tests.support import Api

CREATE = """
mutation($input: PartnerInput!) {
  createPartner(input: $input) { partner { id name tier version } errors { path code message } }
}
"""


async def test_healthz_answers_ok_when_the_database_answers(api: Api) -> None:
    response = await api.client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_vendor_admin_creates_a_partner(api: Api) -> None:
    # given
    token, _ = await api.staff()
    # when
    response = await api.gql(
        CREATE,
        {
            "input": {
                "name": "Acme",
                "type": "MSP",
                "tier": "GOLD",
                "region": "EMEA",
                "phase": "ACTIVE",
            }
        },
        token=token,
    )
    # then
    payload = response.data["createPartner"]
    assert payload["errors"] == []
    assert payload["partner"]["name"] == "Acme"
    assert payload["partner"]["version"] == 1
