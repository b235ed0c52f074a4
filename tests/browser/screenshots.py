"""Regenerate docs/screenshots/ (`python -m tests.browser.screenshots`): two demo portals."""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from tests.browser.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    CONTACT_PASSWORD,
    PLATINUM_ADMIN,
    REFERRAL_ADMIN,
    why_unavailable,
)
from tests.live import ROOT, live_server

TARGET = ROOT / "docs" / "screenshots"
SHOTS = [
    (PLATINUM_ADMIN, "platinum-reseller-admin.png"),
    (REFERRAL_ADMIN, "referral-partner.png"),
]


def sign_in(page: Page, url: str, email: str) -> None:
    page.goto(f"{url}/portal/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(CONTACT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Products").click()
    expect(page.locator("#main")).to_have_attribute("aria-busy", "false")
    expect(page.locator("#products")).to_be_visible()


def main() -> None:
    reason = why_unavailable()
    if reason:
        raise SystemExit(reason)
    TARGET.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as directory,
        live_server(Path(directory)) as server,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for email, name in SHOTS:
            context = browser.new_context(viewport={"width": 1100, "height": 820})
            page = context.new_page()
            sign_in(page, server.url, email)
            page.screenshot(path=str(TARGET / name))
            print(f"wrote {TARGET / name}")
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
