"""Content: an asset is visible only when its own audience and every enclosing folder's admit
the contact; hidden things are simply absent; announcements show inside their window."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.clock import utcnow
from domain.principal import ContactRole, StaffRole
from tests.records import snapshot
from tests.support import Api, create_api_key, create_segment

CREATE_FOLDER = """
mutation($name: String!, $parentId: ID, $audience: AudienceInput) {
  createAssetFolder(name: $name, parentId: $parentId, audience: $audience) {
    id errors { path code message } } }
"""
UPDATE_FOLDER = """
mutation($id: ID!, $parentId: ID, $audience: AudienceInput) {
  updateAssetFolder(id: $id, parentId: $parentId, audience: $audience) {
    id errors { path code message } } }
"""
DELETE_FOLDER = """
mutation($id: ID!) { deleteAssetFolder(id: $id) { deleted errors { path code message } } }
"""
CREATE_ASSET = """
mutation($title: String!, $kind: String!, $url: String!, $folderId: ID,
         $audience: AudienceInput) {
  createAsset(title: $title, kind: $kind, url: $url, folderId: $folderId, audience: $audience) {
    id errors { path code message } } }
"""
CREATE_ANNOUNCEMENT = """
mutation($title: String!, $body: String!, $publishAt: DateTime, $expiresAt: DateTime,
         $audience: AudienceInput) {
  createAnnouncement(title: $title, body: $body, publishAt: $publishAt, expiresAt: $expiresAt,
                     audience: $audience) { id errors { path code message } } }
"""
FOLDERS = "{ assetFolders { id name parent { name } audience { anySegments } } }"
ASSETS = """
query($folderId: ID, $first: Int, $after: String) {
  assets(folderId: $folderId, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id title kind url folder { name } } } } }
"""
ASSET = "query($id: ID!) { asset(id: $id) { title } node(id: $id) { id } }"
ANNOUNCEMENTS = "{ announcements { totalCount edges { node { title body expiresAt } } } }"
GOLD = {"field": "partner.tier", "op": "gte", "value": "GOLD"}
EMEA = {"field": "partner.region", "op": "eq", "value": "EMEA"}


async def _ok(api: Api, document: str, variables: dict[str, Any], token: str) -> str:
    response = await api.gql(document, variables, token=token)
    assert response.errors == [], response.errors
    (payload,) = response.data.values()
    assert payload["errors"] == [], payload["errors"]
    return payload["id"]


async def _titles(api: Api, token: str, folder_id: str | None = None) -> list[str]:
    response = await api.gql(ASSETS, {"folderId": folder_id}, token=token)
    assert response.errors == [], response.errors
    return [e["node"]["title"] for e in response.data["assets"]["edges"]]


async def _folder_names(api: Api, token: str) -> list[str]:
    response = await api.gql(FOLDERS, token=token)
    assert response.errors == [], response.errors
    return [f["name"] for f in response.data["assetFolders"]]


async def _price_sheets(api: Api, admin: str) -> dict[str, str]:
    """Price sheets (gold) > EMEA (emea) > "EMEA price list"; a price sheet for every gold
    partner beside it, and a welcome pack at the top level."""
    await create_segment(api, admin, "gold", GOLD)
    await create_segment(api, admin, "emea", EMEA)
    sheets = await _ok(
        api, CREATE_FOLDER, {"name": "Price sheets", "audience": {"anySegments": ["gold"]}}, admin
    )
    emea = await _ok(
        api,
        CREATE_FOLDER,
        {"name": "EMEA", "parentId": sheets, "audience": {"anySegments": ["emea"]}},
        admin,
    )
    made = {"sheets": sheets, "emea": emea}
    for title, folder in (("EMEA price list", emea), ("Global price list", sheets)):
        made[title] = await _ok(
            api,
            CREATE_ASSET,
            {
                "title": title,
                "kind": "PRICE_SHEET",
                "url": "https://cdn.example.com/p.pdf",
                "folderId": folder,
            },
            admin,
        )
    made["Welcome pack"] = await _ok(
        api,
        CREATE_ASSET,
        {"title": "Welcome pack", "kind": "DOCUMENT", "url": "https://cdn.example.com/w.pdf"},
        admin,
    )
    return made


async def test_a_folder_is_visible_only_when_it_and_every_enclosing_folder_admit_the_contact(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    made = await _price_sheets(api, admin)
    gold_emea, _ = await api.contact(await api.partner(tier="GOLD", region="EMEA"))
    gold_apac, _ = await api.contact(await api.partner(tier="GOLD", region="APAC"))
    silver_emea, _ = await api.contact(await api.partner(tier="SILVER", region="EMEA"))
    # when
    seen = {
        name: (await _folder_names(api, token), await _titles(api, token))
        for name, token in (
            ("gold emea", gold_emea),
            ("gold apac", gold_apac),
            ("silver emea", silver_emea),
            ("staff", admin),
        )
    }
    # then
    assert seen["gold emea"] == (
        ["EMEA", "Price sheets"],
        ["EMEA price list", "Global price list", "Welcome pack"],
    )
    assert seen["gold apac"] == (["Price sheets"], ["Global price list", "Welcome pack"])
    # EMEA's own audience admits the silver partner, but the folder enclosing it does not.
    assert seen["silver emea"] == ([], ["Welcome pack"])
    assert seen["staff"] == seen["gold emea"]
    assert await _titles(api, silver_emea, made["emea"]) == []
    assert await _titles(api, gold_emea, made["emea"]) == ["EMEA price list"]


async def test_a_hidden_asset_by_id_is_null_without_an_error(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    made = await _price_sheets(api, admin)
    silver, _ = await api.contact(await api.partner(tier="SILVER"))
    gold, _ = await api.contact(await api.partner(tier="GOLD", region="EMEA"))
    # when
    hidden = await api.gql(ASSET, {"id": made["EMEA price list"]}, token=silver)
    shown = await api.gql(ASSET, {"id": made["EMEA price list"]}, token=gold)
    unknown = await api.gql(ASSET, {"id": "QXNzZXQ6OTk5OTk"}, token=gold)
    # then
    assert hidden.errors == []
    assert hidden.data == {"asset": None, "node": None}
    assert shown.data == {
        "asset": {"title": "EMEA price list"},
        "node": {"id": made["EMEA price list"]},
    }
    assert unknown.errors == []
    assert unknown.data == {"asset": None, "node": None}


async def test_moving_a_folder_under_a_hidden_one_hides_what_it_holds(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    made = await _price_sheets(api, admin)
    open_folder = await _ok(api, CREATE_FOLDER, {"name": "Playbooks"}, admin)
    await _ok(
        api,
        CREATE_ASSET,
        {
            "title": "Playbook",
            "kind": "VIDEO",
            "url": "http://v.example.com/1",
            "folderId": open_folder,
        },
        admin,
    )
    silver, _ = await api.contact(await api.partner(tier="SILVER", region="EMEA"))
    assert "Playbook" in await _titles(api, silver)
    # when
    moved = await api.gql(UPDATE_FOLDER, {"id": open_folder, "parentId": made["emea"]}, token=admin)
    # then
    assert moved.data["updateAssetFolder"] == {"id": open_folder, "errors": []}
    assert await _titles(api, silver) == ["Welcome pack"]
    response = await api.gql(FOLDERS, token=admin)
    parents = {f["name"]: f["parent"] for f in response.data["assetFolders"]}
    assert parents["Playbooks"] == {"name": "EMEA"}
    # and back at the top level it shows again
    await api.gql(UPDATE_FOLDER, {"id": open_folder, "parentId": None}, token=admin)
    assert "Playbook" in await _titles(api, silver)


async def test_a_folder_cannot_move_into_itself_or_below_itself(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    made = await _price_sheets(api, admin)
    before = await snapshot(api)
    # when
    into_child = await api.gql(
        UPDATE_FOLDER, {"id": made["sheets"], "parentId": made["emea"]}, token=admin
    )
    into_itself = await api.gql(
        UPDATE_FOLDER, {"id": made["sheets"], "parentId": made["sheets"]}, token=admin
    )
    # then
    for response in (into_child, into_itself):
        errors = response.data["updateAssetFolder"]["errors"]
        assert [(e["path"], e["code"]) for e in errors] == [(["parentId"], "INVALID_VALUE")]
    assert await snapshot(api) == before


async def test_a_folder_that_still_holds_something_cannot_be_deleted(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    made = await _price_sheets(api, admin)
    empty = await _ok(api, CREATE_FOLDER, {"name": "Empty"}, admin)
    # when
    refused = await api.gql(DELETE_FOLDER, {"id": made["sheets"]}, token=admin)
    deleted = await api.gql(DELETE_FOLDER, {"id": empty}, token=admin)
    # then
    (error,) = refused.data["deleteAssetFolder"]["errors"]
    assert (error["path"], error["code"]) == (["id"], "INVALID_VALUE")
    assert "1 folder and 1 asset" in error["message"]
    assert deleted.data["deleteAssetFolder"] == {"deleted": True, "errors": []}
    assert await _folder_names(api, admin) == ["EMEA", "Price sheets"]


async def test_asset_inputs_are_checked_whole_and_nothing_is_written(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    before = await snapshot(api)
    # when
    response = await api.gql(
        CREATE_ASSET,
        {
            "title": " ",
            "kind": "SPREADSHEET",
            "url": "javascript:alert(1)",
            "folderId": "QXNzZXRGb2xkZXI6OTk",
            "audience": {"anySegments": ["nobody"]},
        },
        token=admin,
    )
    too_long = await api.gql(
        CREATE_ASSET,
        {"title": "Long", "kind": "LINK", "url": "https://example.com/" + "a" * 2000},
        token=admin,
    )
    # then
    errors = [(e["path"], e["code"]) for e in response.data["createAsset"]["errors"]]
    assert errors == [
        (["title"], "INVALID_VALUE"),
        (["kind"], "INVALID_VALUE"),
        (["url"], "INVALID_VALUE"),
        (["folderId"], "NOT_FOUND"),
        (["audience", "anySegments", "0"], "UNKNOWN_SEGMENT"),
    ]
    assert [e["path"] for e in too_long.data["createAsset"]["errors"]] == [["url"]]
    assert await snapshot(api) == before


async def test_assets_page_by_title_with_cursors(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    for title in ("Delta", "Alpha", "Charlie", "Bravo", "Echo"):
        await _ok(
            api,
            CREATE_ASSET,
            {"title": title, "kind": "LINK", "url": "https://example.com/"},
            admin,
        )
    contact, _ = await api.contact(await api.partner())
    # when
    first = await api.gql(ASSETS, {"first": 2}, token=contact)
    cursor = first.data["assets"]["pageInfo"]["endCursor"]
    rest = await api.gql(ASSETS, {"first": 10, "after": cursor}, token=contact)
    # then
    page = first.data["assets"]
    assert [e["node"]["title"] for e in page["edges"]] == ["Alpha", "Bravo"]
    assert page["pageInfo"]["hasNextPage"] is True
    assert page["totalCount"] == 5
    assert [e["node"]["title"] for e in rest.data["assets"]["edges"]] == [
        "Charlie",
        "Delta",
        "Echo",
    ]
    assert rest.data["assets"]["pageInfo"]["hasNextPage"] is False


async def test_announcements_show_inside_their_window_newest_first(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "emea", EMEA)
    now = utcnow()
    for title, publish, expires, audience in (
        ("Expired", now - timedelta(days=10), now - timedelta(days=1), None),
        ("Older news", now - timedelta(days=5), None, None),
        ("Current", now - timedelta(hours=1), now + timedelta(days=1), None),
        ("Scheduled", now + timedelta(days=2), None, None),
        ("EMEA only", now - timedelta(minutes=5), None, {"anySegments": ["emea"]}),
    ):
        await _ok(
            api,
            CREATE_ANNOUNCEMENT,
            {
                "title": title,
                "body": "Line one\nLine two",
                "publishAt": publish.isoformat(),
                "expiresAt": expires.isoformat() if expires else None,
                "audience": audience,
            },
            admin,
        )
    apac, _ = await api.contact(await api.partner(region="APAC"))
    emea, _ = await api.contact(await api.partner(region="EMEA"))
    # when
    seen = {}
    for name, token in (("apac", apac), ("emea", emea), ("staff", admin)):
        response = await api.gql(ANNOUNCEMENTS, token=token)
        assert response.errors == [], response.errors
        seen[name] = [e["node"]["title"] for e in response.data["announcements"]["edges"]]
    # then
    assert seen["apac"] == ["Current", "Older news"]
    assert seen["emea"] == ["EMEA only", "Current", "Older news"]
    assert seen["staff"] == ["Scheduled", "EMEA only", "Current", "Older news", "Expired"]


async def test_an_announcement_must_expire_after_it_is_published(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    now = utcnow()
    # when
    response = await api.gql(
        CREATE_ANNOUNCEMENT,
        {
            "title": "Backwards",
            "body": "x" * 20_001,
            "publishAt": now.isoformat(),
            "expiresAt": (now - timedelta(seconds=1)).isoformat(),
        },
        token=admin,
    )
    # then
    errors = [(e["path"], e["code"]) for e in response.data["createAnnouncement"]["errors"]]
    assert errors == [(["body"], "INVALID_VALUE"), (["expiresAt"], "INVALID_VALUE")]


async def test_content_write_keys_manage_content_and_others_may_not(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    writer = await create_api_key(api, admin, "content:write")
    reader = await create_api_key(api, admin, "partners:read")
    analyst, _ = await api.staff(StaffRole.ANALYST)
    contact, _ = await api.contact(await api.partner(), ContactRole.ADMIN)
    folder = {"name": "Brand kit"}
    # when
    written = await api.gql(CREATE_FOLDER, folder, api_key=writer)
    refused = [
        await api.gql(CREATE_FOLDER, folder, api_key=reader),
        await api.gql(CREATE_FOLDER, folder, token=analyst),
        await api.gql(CREATE_FOLDER, folder, token=contact),
    ]
    listed = await api.gql(FOLDERS, api_key=reader)
    # then
    assert written.data["createAssetFolder"]["errors"] == []
    assert [r.error_codes for r in refused] == [["FORBIDDEN"]] * 3
    assert [f["name"] for f in listed.data["assetFolders"]] == ["Brand kit"]


async def test_a_segment_an_asset_folder_audience_names_cannot_be_deleted(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await _price_sheets(api, admin)
    # when
    response = await api.gql(
        'mutation { deleteSegment(key: "gold") { deleted errors { code message } } }',
        token=admin,
    )
    # then
    (error,) = response.data["deleteSegment"]["errors"]
    assert error["code"] == "SEGMENT_IN_USE"
    assert "asset folder Price sheets" in error["message"]


UPDATE_ASSET = """
mutation($id: ID!, $folderId: ID, $audience: AudienceInput) {
  updateAsset(id: $id, folderId: $folderId, audience: $audience) {
    id errors { path code message } } }
"""
DELETE_ASSET = "mutation($id: ID!) { deleteAsset(id: $id) { deleted errors { code } } }"


async def test_the_asset_total_follows_every_change_to_assets_folders_and_audiences(
    api: Api,
) -> None:
    # given: the total is remembered per access version and audience set once counted
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    await create_segment(api, admin, "emea", EMEA)
    viewer, _ = await api.contact(await api.partner(tier="GOLD", region="APAC"))

    async def total() -> int:
        response = await api.gql(ASSETS, {}, token=viewer)
        assert response.errors == [], response.errors
        return int(response.data["assets"]["totalCount"])

    link = {"kind": "LINK", "url": "https://cdn.example.com/a"}
    assert await total() == 0
    # when / then: each change shows in the next answer
    first = await _ok(api, CREATE_ASSET, {"title": "A", **link}, admin)
    await _ok(
        api, CREATE_ASSET, {"title": "B", **link, "audience": {"anySegments": ["gold"]}}, admin
    )
    assert await total() == 2
    emea = await _ok(
        api, CREATE_FOLDER, {"name": "EMEA", "audience": {"anySegments": ["emea"]}}, admin
    )
    await _ok(api, UPDATE_ASSET, {"id": first, "folderId": emea}, admin)
    assert await total() == 1
    await _ok(api, UPDATE_FOLDER, {"id": emea, "audience": {"anySegments": ["gold"]}}, admin)
    assert await total() == 2
    await _ok(api, UPDATE_ASSET, {"id": first, "audience": {"anySegments": ["emea"]}}, admin)
    assert await total() == 1
    deleted = await api.gql(DELETE_ASSET, {"id": first}, token=admin)
    assert deleted.data["deleteAsset"] == {"deleted": True, "errors": []}
    assert await total() == 1
    # and a folder's own total is its own
    in_folder = await api.gql(ASSETS, {"folderId": emea}, token=viewer)
    assert in_folder.data["assets"]["totalCount"] == 0
