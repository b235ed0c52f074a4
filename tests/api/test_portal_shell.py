"""The portal shell: navigation, homepage and deal coach per audience; tabs, pages and tips
changed and removed by vendor admins with effect on every worker's next request.

Contract: README "Audiences" (tabs, pages, coach tips), "Forms, layouts, numbers" (staff
homepage, dealCoach without a stage); docs/api.md "Portal shell".
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from domain.principal import ContactRole, StaffRole
from server.app import create_app
from server.settings import Settings
from tests.records import QueryCounter, snapshot
from tests.support import Api, create_api_key, create_segment

CREATE_TAB = """
mutation($key: String!, $label: String!, $path: String!, $order: Int, $audience: AudienceInput) {
  createTab(key: $key, label: $label, path: $path, order: $order, audience: $audience) {
    id errors { path code message }
  }
}
"""
UPDATE_TAB = """
mutation($key: String!, $label: String, $path: String, $order: Int, $audience: AudienceInput) {
  updateTab(key: $key, label: $label, path: $path, order: $order, audience: $audience) {
    id errors { path code message }
  }
}
"""
DELETE_TAB = "mutation($key: String!) { deleteTab(key: $key) { deleted errors { path code } } }"
CREATE_PAGE = """
mutation($key: String!, $title: String!, $body: String, $priority: Int, $audience: AudienceInput) {
  createPage(key: $key, title: $title, body: $body, priority: $priority, audience: $audience) {
    id errors { path code message }
  }
}
"""
UPDATE_PAGE = """
mutation($key: String!, $title: String, $body: String, $priority: Int) {
  updatePage(key: $key, title: $title, body: $body, priority: $priority) {
    id errors { path code message }
  }
}
"""
DELETE_PAGE = "mutation($key: String!) { deletePage(key: $key) { deleted errors { path code } } }"
CREATE_TIP = """
mutation($key: String!, $text: String!, $stage: String, $audience: AudienceInput) {
  createCoachTip(key: $key, text: $text, stage: $stage, audience: $audience) {
    id errors { path code message }
  }
}
"""
UPDATE_TIP = """
mutation($key: String!, $text: String, $stage: String) {
  updateCoachTip(key: $key, text: $text, stage: $stage) { id errors { path code message } }
}
"""
DELETE_TIP = """
mutation($key: String!) { deleteCoachTip(key: $key) { deleted errors { path code } } }
"""
PORTAL = """
query($stage: String) {
  viewer {
    navigation { key label path order audience { anySegments allSegments noneSegments roles } }
    homepage { key title body priority audience { anySegments roles } }
    dealCoach(stage: $stage) { key stage text audience { anySegments roles } }
    forms { key title fields { name label type required } onSubmit { path value } }
    capabilities { createQuote registerDeal editPartnerProfile manageTeam editableProfileFields }
  }
  forms { key }
}
"""
NAVIGATION = "{ viewer { navigation { key } } }"
HOMEPAGE = "{ viewer { homepage { key } } }"
COACH = "query($stage: String) { viewer { dealCoach(stage: $stage) { key } } }"
GOLD = {"field": "partner.tier", "op": "eq", "value": "GOLD"}
REFERRAL = {"field": "partner.type", "op": "eq", "value": "REFERRAL"}


async def _ok(api: Api, token: str, document: str, field: str, **variables: Any) -> Any:
    response = await api.gql(document, variables, token=token)
    assert response.errors == [], response.errors
    result = response.data[field]
    assert result["errors"] == [], result["errors"]
    return result


async def _tab(api: Api, admin: str, key: str, order: int | None = None, **extra: Any) -> None:
    path = "/" + key
    await _ok(
        api,
        admin,
        CREATE_TAB,
        "createTab",
        key=key,
        label=key.title(),
        path=path,
        order=order,
        **extra,
    )


async def _page(api: Api, admin: str, key: str, priority: int | None = None, **extra: Any) -> None:
    await _ok(
        api,
        admin,
        CREATE_PAGE,
        "createPage",
        key=key,
        title=key.title(),
        priority=priority,
        **extra,
    )


async def _keys(api: Api, token: str | None, document: str, field: str, **kwargs: Any) -> Any:
    response = await api.gql(document, kwargs.pop("variables", None), token=token, **kwargs)
    assert response.errors == [], response.errors
    found = response.data["viewer"][field]
    if isinstance(found, list):
        return [item["key"] for item in found]
    return found and found["key"]


# ---------------------------------------------------------------- navigation


async def test_navigation_lists_the_tabs_a_contact_matches_by_order_then_key(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    await _tab(api, admin, "team", 90, audience={"roles": ["ADMIN"]})
    await _tab(api, admin, "quotes", 20, audience={"anySegments": ["gold"]})
    await _tab(api, admin, "deals", 20)
    await _tab(api, admin, "home")  # order defaults to 0
    await _tab(api, admin, "alerts", -5, audience={"noneSegments": ["gold"]})
    gold = await api.partner(tier="GOLD")
    gold_admin, _ = await api.contact(gold, ContactRole.ADMIN)
    silver_rep, _ = await api.contact(await api.partner(tier="SILVER"), ContactRole.SALES_REP)
    # when
    for_gold_admin = await _keys(api, gold_admin, NAVIGATION, "navigation")
    for_silver_rep = await _keys(api, silver_rep, NAVIGATION, "navigation")
    for_staff = await _keys(api, admin, NAVIGATION, "navigation")
    # then
    assert for_gold_admin == ["home", "deals", "quotes", "team"]
    assert for_silver_rep == ["alerts", "home", "deals"]
    assert for_staff == ["alerts", "home", "deals", "quotes", "team"]


async def test_a_tab_shows_its_label_path_order_and_audience(api: Api) -> None:
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    await _ok(
        api,
        admin,
        CREATE_TAB,
        "createTab",
        key="price-lists",
        label="Price lists",
        path="/price-lists?view=mine",
        order=40,
        audience={"anySegments": ["gold"], "roles": ["ADMIN"]},
    )
    response = await api.gql(PORTAL, token=admin)
    assert response.data["viewer"]["navigation"] == [
        {
            "key": "price-lists",
            "label": "Price lists",
            "path": "/price-lists?view=mine",
            "order": 40,
            "audience": {
                "anySegments": ["gold"],
                "allSegments": [],
                "noneSegments": [],
                "roles": ["ADMIN"],
            },
        }
    ]


async def test_an_api_key_sees_every_tab_and_page(api: Api) -> None:
    admin, _ = await api.staff()
    await _tab(api, admin, "team", audience={"roles": ["ADMIN"]})
    await _page(api, admin, "admins", 5, audience={"roles": ["ADMIN"]})
    key = await create_api_key(api, admin, "partners:read")
    response = await api.gql("{ viewer { navigation { key } homepage { key } } }", api_key=key)
    assert response.data["viewer"] == {
        "navigation": [{"key": "team"}],
        "homepage": {"key": "admins"},
    }


# ---------------------------------------------------------------- homepage


async def test_the_homepage_is_the_highest_priority_page_the_contact_matches(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    await _page(api, admin, "welcome")
    await _page(api, admin, "gold-home", 10, audience={"anySegments": ["gold"]})
    await _page(api, admin, "admin-home", 20, audience={"roles": ["ADMIN"]})
    await _page(api, admin, "b-tie", 5, audience={"anySegments": ["gold"]})
    await _page(api, admin, "a-tie", 5, audience={"anySegments": ["gold"]})
    gold = await api.partner(tier="GOLD")
    gold_rep, _ = await api.contact(gold, ContactRole.SALES_REP)
    silver_rep, _ = await api.contact(await api.partner(tier="SILVER"))
    # when
    for_gold_rep = await _keys(api, gold_rep, HOMEPAGE, "homepage")
    for_silver_rep = await _keys(api, silver_rep, HOMEPAGE, "homepage")
    for_staff = await _keys(api, admin, HOMEPAGE, "homepage")
    await _ok(api, admin, DELETE_PAGE, "deletePage", key="gold-home")
    after_removal = await _keys(api, gold_rep, HOMEPAGE, "homepage")
    # then
    assert for_gold_rep == "gold-home"
    assert for_silver_rep == "welcome"
    assert for_staff == "admin-home"  # staff: the highest-priority page, whoever it is for
    assert after_removal == "a-tie"  # equal priorities: by key


async def test_a_contact_no_page_admits_has_no_homepage(api: Api) -> None:
    admin, _ = await api.staff()
    await _page(api, admin, "admins-only", audience={"roles": ["ADMIN"]})
    rep, _ = await api.contact(await api.partner(), ContactRole.SALES_REP)
    assert await _keys(api, rep, HOMEPAGE, "homepage") is None


async def test_a_page_keeps_its_multi_line_body(api: Api) -> None:
    admin, _ = await api.staff()
    await _page(api, admin, "welcome", body="  Line one\r\n\tLine two  ")
    response = await api.gql("{ viewer { homepage { title body priority } } }", token=admin)
    assert response.data["viewer"]["homepage"] == {
        "title": "Welcome",
        "body": "Line one\n\tLine two",
        "priority": 0,
    }


# ---------------------------------------------------------------- deal coach


async def test_the_deal_coach_gives_the_stages_tips_and_those_for_every_stage(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "referral", REFERRAL)
    tips = [
        ("always", None, None),
        ("approved", "APPROVED", None),
        ("registered", "REGISTERED", None),
        ("referral-approved", "APPROVED", {"anySegments": ["referral"]}),
        ("referral-always", None, {"anySegments": ["referral"]}),
    ]
    for key, stage, audience in tips:
        await _ok(
            api,
            admin,
            CREATE_TIP,
            "createCoachTip",
            key=key,
            text=f"Tip {key}",
            stage=stage,
            audience=audience,
        )
    referrer, _ = await api.contact(await api.partner(type="REFERRAL"))
    reseller, _ = await api.contact(await api.partner(type="RESELLER"))
    # when
    approved_for_referrer = await _keys(
        api, referrer, COACH, "dealCoach", variables={"stage": "APPROVED"}
    )
    approved_for_reseller = await _keys(
        api, reseller, COACH, "dealCoach", variables={"stage": "APPROVED"}
    )
    all_for_referrer = await _keys(api, referrer, COACH, "dealCoach")
    all_for_staff = await _keys(api, admin, COACH, "dealCoach")
    won_for_reseller = await _keys(api, reseller, COACH, "dealCoach", variables={"stage": "WON"})
    # then
    assert approved_for_referrer == ["always", "approved", "referral-always", "referral-approved"]
    assert approved_for_reseller == ["always", "approved"]
    assert all_for_referrer == [
        "always",
        "approved",
        "referral-always",
        "referral-approved",
        "registered",
    ]
    assert all_for_staff == all_for_referrer
    assert won_for_reseller == ["always"]


async def test_a_stage_outside_the_deal_stages_is_refused(api: Api) -> None:
    admin, _ = await api.staff()
    created = await api.gql(CREATE_TIP, {"key": "x", "text": "T", "stage": "CLOSED"}, token=admin)
    asked = await api.gql(COACH, {"stage": "approved"}, token=admin)
    assert [(e["path"], e["code"]) for e in created.data["createCoachTip"]["errors"]] == [
        (["stage"], "INVALID_VALUE")
    ]
    assert asked.error_codes == ["BAD_USER_INPUT"]


# ---------------------------------------------------------------- view-as


async def test_viewing_as_a_contact_gives_exactly_its_navigation_homepage_and_coach(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    manager, manager_id = await api.staff(StaffRole.CHANNEL_MANAGER)
    await create_segment(api, admin, "gold", GOLD, managerIds=[manager_id])
    await _tab(api, admin, "home")
    await _tab(api, admin, "quotes", 10, audience={"anySegments": ["gold"]})
    await _tab(api, admin, "team", 20, audience={"roles": ["ADMIN"]})
    await _page(api, admin, "welcome")
    await _page(api, admin, "staff-pick", 99, audience={"roles": ["FINANCE"]})
    await _page(api, admin, "gold-home", 10, audience={"anySegments": ["gold"]})
    await _ok(
        api,
        admin,
        CREATE_TIP,
        "createCoachTip",
        key="gold-tip",
        text="Gold",
        audience={"anySegments": ["gold"]},
    )
    await _ok(
        api,
        admin,
        CREATE_TIP,
        "createCoachTip",
        key="admin-tip",
        text="Admins",
        audience={"roles": ["ADMIN"]},
    )
    token, contact_id = await api.contact(await api.partner(tier="GOLD"), ContactRole.SALES_REP)
    own = await api.gql(PORTAL, token=token)
    # when
    by_admin = await api.gql(PORTAL, token=admin, headers={"X-View-As": contact_id})
    by_manager = await api.gql(PORTAL, token=manager, headers={"X-View-As": contact_id})
    # then
    assert own.errors == []
    assert [t["key"] for t in own.data["viewer"]["navigation"]] == ["home", "quotes"]
    assert own.data["viewer"]["homepage"]["key"] == "gold-home"
    assert by_admin.data == own.data
    assert by_manager.data == own.data


# ---------------------------------------------------------------- change and remove


async def test_a_changed_tab_keeps_what_was_not_sent_and_a_null_audience_opens_it(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    await _tab(api, admin, "team", 90, audience={"roles": ["ADMIN"]})
    rep, _ = await api.contact(await api.partner(), ContactRole.SALES_REP)
    before = await _keys(api, rep, NAVIGATION, "navigation")
    # when
    relabelled = await _ok(api, admin, UPDATE_TAB, "updateTab", key="team", label="Our team")
    kept = await api.gql(PORTAL, token=admin)
    opened = await _ok(api, admin, UPDATE_TAB, "updateTab", key="team", audience=None)
    after = await _keys(api, rep, NAVIGATION, "navigation")
    # then
    assert before == []
    assert relabelled["id"] == "team"
    assert kept.data["viewer"]["navigation"][0] == {
        "key": "team",
        "label": "Our team",
        "path": "/team",
        "order": 90,
        "audience": {"anySegments": [], "allSegments": [], "noneSegments": [], "roles": ["ADMIN"]},
    }
    assert opened["id"] == "team"
    assert after == ["team"]


async def test_pages_and_tips_change_and_disappear_when_removed(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await _page(api, admin, "welcome", body="Hello")
    await _ok(
        api, admin, CREATE_TIP, "createCoachTip", key="tip", text="Quote early", stage="APPROVED"
    )
    # when
    await _ok(api, admin, UPDATE_PAGE, "updatePage", key="welcome", body=None, priority=3)
    await _ok(api, admin, UPDATE_TIP, "updateCoachTip", key="tip", stage=None)
    changed = await api.gql(PORTAL, {"stage": "WON"}, token=admin)
    await _ok(api, admin, DELETE_PAGE, "deletePage", key="welcome")
    await _ok(api, admin, DELETE_TIP, "deleteCoachTip", key="tip")
    removed = await api.gql(PORTAL, token=admin)
    # then
    viewer = changed.data["viewer"]
    assert viewer["homepage"] == {
        "key": "welcome",
        "title": "Welcome",
        "body": None,
        "priority": 3,
        "audience": None,
    }
    assert viewer["dealCoach"] == [
        {"key": "tip", "stage": None, "text": "Quote early", "audience": None}
    ]
    assert removed.data["viewer"]["homepage"] is None
    assert removed.data["viewer"]["dealCoach"] == []


@pytest.fixture
async def second_worker(settings: Settings, api: Api) -> AsyncIterator[httpx.AsyncClient]:
    """Another server process's app over the same database (its own pool and caches)."""
    application = create_app(settings)
    transport = httpx.ASGITransport(app=application)
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        yield client


async def test_a_deleted_tab_disappears_for_every_worker(
    api: Api, second_worker: httpx.AsyncClient
) -> None:
    # given: both workers have served the tab
    admin, _ = await api.staff()
    await _tab(api, admin, "home")
    await _tab(api, admin, "promo", 5)
    token, _ = await api.contact(await api.partner())
    headers = {"Authorization": f"Bearer {token}"}

    async def on_second_worker() -> list[str]:
        answer = await second_worker.post("/graphql", json={"query": NAVIGATION}, headers=headers)
        return [t["key"] for t in answer.json()["data"]["viewer"]["navigation"]]

    assert await _keys(api, token, NAVIGATION, "navigation") == ["home", "promo"]
    assert await on_second_worker() == ["home", "promo"]
    # when
    await _ok(api, admin, DELETE_TAB, "deleteTab", key="promo")
    # then
    assert await on_second_worker() == ["home"]
    assert await _keys(api, token, NAVIGATION, "navigation") == ["home"]


async def test_only_vendor_admins_configure_the_portal(api: Api) -> None:
    # given
    manager, _ = await api.staff(StaffRole.CHANNEL_MANAGER)
    analyst, _ = await api.staff(StaffRole.ANALYST)
    admin, _ = await api.staff()
    contact, _ = await api.contact(await api.partner(), ContactRole.ADMIN)
    key = await create_api_key(api, admin, "content:write", "partners:write")
    tab = {"key": "home", "label": "Home", "path": "/"}
    unused = frozenset({"audit_log", "api_keys"})  # a key records when it was last used
    before = await snapshot(api, ignore=unused)
    # when
    answers = [
        await api.gql(CREATE_TAB, tab, token=manager),
        await api.gql(CREATE_TAB, tab, token=analyst),
        await api.gql(CREATE_TAB, tab, token=contact),
        await api.gql(CREATE_TAB, tab, api_key=key),
        await api.gql(CREATE_PAGE, {"key": "p", "title": "P"}, token=manager),
        await api.gql(CREATE_TIP, {"key": "t", "text": "T"}, token=analyst),
        await api.gql(DELETE_TAB, {"key": "home"}, token=contact),
    ]
    # then
    assert [a.error_codes for a in answers] == [["FORBIDDEN"]] * len(answers)
    assert await snapshot(api, ignore=unused) == before


async def test_a_missing_key_is_not_found_and_a_taken_one_duplicate(api: Api) -> None:
    admin, _ = await api.staff()
    await _tab(api, admin, "home")
    duplicate = await api.gql(CREATE_TAB, {"key": "home", "label": "H", "path": "/"}, token=admin)
    missing = await api.gql(UPDATE_TAB, {"key": "nope", "label": "X"}, token=admin)
    malformed = await api.gql(DELETE_TAB, {"key": "Not A Key"}, token=admin)
    gone = await api.gql(DELETE_PAGE, {"key": "home"}, token=admin)
    assert duplicate.data["createTab"]["errors"][0]["path"] == ["key"]
    assert duplicate.data["createTab"]["errors"][0]["code"] == "DUPLICATE"
    assert [(e["path"], e["code"]) for e in missing.data["updateTab"]["errors"]] == [
        (["key"], "NOT_FOUND")
    ]
    assert malformed.data["deleteTab"] == {
        "deleted": False,
        "errors": [{"path": ["key"], "code": "NOT_FOUND"}],
    }
    assert gone.data["deletePage"]["errors"] == [{"path": ["key"], "code": "NOT_FOUND"}]


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"key": "Home", "label": "Home", "path": "/"}, [(["key"], "INVALID_VALUE")]),
        ({"key": "home", "label": " ", "path": "/"}, [(["label"], "INVALID_VALUE")]),
        ({"key": "home", "label": "Home", "path": "deals"}, [(["path"], "INVALID_VALUE")]),
        ({"key": "home", "label": "Home", "path": "//evil.example"}, [(["path"], "INVALID_VALUE")]),
        (
            {"key": "home", "label": "Home", "path": "/\\evil.example"},
            [(["path"], "INVALID_VALUE")],
        ),
        (
            {"key": "home", "label": "Home", "path": "https://x.example/"},
            [(["path"], "INVALID_VALUE")],
        ),
        ({"key": "home", "label": "Home", "path": "/a b"}, [(["path"], "INVALID_VALUE")]),
        ({"key": "home", "label": "Home", "path": "/" + "a" * 200}, [(["path"], "INVALID_VALUE")]),
        (
            {"key": "home", "label": "Home", "path": "/", "order": 1_000_001},
            [(["order"], "INVALID_VALUE")],
        ),
        (
            {
                "key": "home",
                "label": "H\u202e",
                "path": "/x",
                "audience": {"anySegments": ["nope"]},
            },
            [(["label"], "INVALID_VALUE"), (["audience", "anySegments", "0"], "UNKNOWN_SEGMENT")],
        ),
    ],
)
async def test_a_bad_tab_is_refused_with_every_problem_and_nothing_written(
    api: Api, variables: dict[str, Any], expected: list[tuple[list[str], str]]
) -> None:
    admin, _ = await api.staff()
    before = await snapshot(api)
    response = await api.gql(CREATE_TAB, variables, token=admin)
    assert [(e["path"], e["code"]) for e in response.data["createTab"]["errors"]] == expected
    assert await snapshot(api) == before


async def test_page_and_tip_texts_have_their_limits(api: Api) -> None:
    admin, _ = await api.staff()
    long_body = await api.gql(
        CREATE_PAGE, {"key": "p", "title": "P", "body": "x" * 20_001}, token=admin
    )
    fits = await api.gql(CREATE_PAGE, {"key": "q", "title": "Q", "body": "x" * 20_000}, token=admin)
    long_tip = await api.gql(CREATE_TIP, {"key": "t", "text": "x" * 2_001}, token=admin)
    no_title = await api.gql(UPDATE_PAGE, {"key": "q", "title": None}, token=admin)
    assert long_body.data["createPage"]["errors"][0]["path"] == ["body"]
    assert fits.data["createPage"] == {"id": "q", "errors": []}
    assert long_tip.data["createCoachTip"]["errors"][0]["path"] == ["text"]
    assert [(e["path"], e["code"]) for e in no_title.data["updatePage"]["errors"]] == [
        (["title"], "REQUIRED")
    ]


async def test_a_segment_a_tab_page_form_or_tip_names_cannot_be_deleted(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", GOLD)
    gold = {"anySegments": ["gold"]}
    await _tab(api, admin, "quotes", audience={"noneSegments": ["gold"]})
    await _page(api, admin, "gold-home", audience=gold)
    await _ok(api, admin, CREATE_TIP, "createCoachTip", key="gold-tip", text="T", audience=gold)
    await _ok(
        api,
        admin,
        """mutation($audience: AudienceInput) { createForm(key: "gold-form", title: "F",
        fields: [], onSubmit: [], audience: $audience) { id errors { path code message } } }""",
        "createForm",
        audience=gold,
    )
    # when
    refused = await api.gql(
        'mutation { deleteSegment(key: "gold") { deleted errors { code message } } }', token=admin
    )
    # then
    (error,) = refused.data["deleteSegment"]["errors"]
    assert error["code"] == "SEGMENT_IN_USE"
    for named in ("tab quotes", "page gold-home", "form gold-form", "coach tip gold-tip"):
        assert named in error["message"]


# ---------------------------------------------------------------- cost


async def _grow_portal(api: Api, admin: str, start: int, size: int) -> None:
    """`size` more tabs, pages, forms and tips, each with its own audience."""
    for i in range(start, start + size):
        await create_segment(api, admin, f"seg-{i}", GOLD if i % 2 else REFERRAL)
        audience = {"anySegments": [f"seg-{i}"]} if i % 3 else {"roles": ["ADMIN"]}
        await _tab(api, admin, f"tab-{i}", i, audience=audience)
        await _page(api, admin, f"page-{i}", i, audience=audience)
        await _ok(
            api,
            admin,
            CREATE_TIP,
            "createCoachTip",
            key=f"tip-{i}",
            text="T",
            stage="APPROVED" if i % 2 else None,
            audience=audience,
        )
        await _ok(
            api,
            admin,
            """mutation($key: String!, $audience: AudienceInput) { createForm(key: $key,
            title: "F", fields: [{name: "a", type: "STRING"}, {name: "b", type: "DATE"}],
            onSubmit: [{path: "contact.title", value: "Lead"}], audience: $audience) {
            id errors { path code message } } }""",
            "createForm",
            key=f"form-{i}",
            audience=audience,
        )


async def _statements(api: Api, app: Any, token: str, headers: dict[str, str]) -> tuple[int, Any]:
    await api.gql(PORTAL, token=token, headers=headers)  # warm the per-process caches
    with QueryCounter(app) as queries:
        response = await api.gql(PORTAL, token=token, headers=headers)
    assert response.errors == [], response.errors
    return queries.count, response.data


@pytest.mark.parametrize("who", ["gold admin", "vendor admin", "viewing as"])
async def test_the_portal_home_query_runs_a_fixed_small_number_of_statements(
    api: Api, app: Any, who: str
) -> None:
    # given
    admin, _ = await api.staff()
    await _grow_portal(api, admin, 0, 3)
    token, contact_id = await api.contact(
        await api.partner(tier="GOLD", type="REFERRAL"), ContactRole.ADMIN
    )
    assert token is not None
    caller, headers = {
        "gold admin": (token, {}),
        "vendor admin": (admin, {}),
        "viewing as": (admin, {"X-View-As": contact_id}),
    }[who]
    few, small = await _statements(api, app, caller, headers)
    # when
    await _grow_portal(api, admin, 3, 9)
    many, large = await _statements(api, app, caller, headers)
    # then
    assert len(large["viewer"]["navigation"]) > len(small["viewer"]["navigation"]) > 0
    assert len(large["forms"]) > len(small["forms"]) > 0
    assert many == few
    # Authentication, the viewer's segments and access stamp, one read per list (audiences
    # joined), the profile layout; each read in its own short session; view-as adds its
    # audit entry.
    assert few <= 21
