"""The reference portal's files: served by the API process under a strict CSP, no build step."""

from __future__ import annotations

from typing import Any

import httpx

from server.web import CONTENT_SECURITY_POLICY, PORTAL_DIRECTORY


async def get(app: Any, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.get(path)


async def test_portal_page_is_served_with_its_content_security_policy(app: Any) -> None:
    # when
    response = await get(app, "/portal/")
    # then
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert '<script type="module" src="app.js"></script>' in response.text


async def test_portal_without_a_trailing_slash_redirects_to_it(app: Any) -> None:
    # when
    response = await get(app, "/portal")
    # then
    assert response.status_code == 307
    assert response.headers["location"].endswith("/portal/")


async def test_every_module_the_portal_imports_is_served_as_javascript(app: Any) -> None:
    # given
    modules = sorted(p.relative_to(PORTAL_DIRECTORY) for p in PORTAL_DIRECTORY.rglob("*.js"))
    # when
    responses = {str(m): await get(app, f"/portal/{m}") for m in modules}
    # then
    assert "app.js" in responses
    assert {m: r.status_code for m, r in responses.items()} == {m: 200 for m in responses}
    assert all("javascript" in r.headers["content-type"] for r in responses.values())


async def test_portal_sends_no_inline_script_or_style_the_policy_would_block() -> None:
    # given
    page = (PORTAL_DIRECTORY / "index.html").read_text()
    # then
    assert "<style" not in page
    assert "style=" not in page
    assert "<script>" not in page
    assert "onclick=" not in page
