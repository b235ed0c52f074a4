"""The reference portal in a real browser: every screen is what the API decides for the viewer.

README "Demo" sections: the four demo logins see different tabs, homepages, prices and
layouts; staff preview a contact's portal with X-View-As.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.browser.support import (
    CONTACT_PASSWORD,
    GOLD_SALES_REP,
    PLATINUM_ADMIN,
    REFERRAL_ADMIN,
    VENDOR_ADMIN,
)
from tests.live import LiveServer

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

RESOURCES = ["Products", "Content", "Announcements", "Learning", "Goals"]


async def sign_in(browser: Browser, server: LiveServer, email: str, password: str) -> Page:
    """A new browser context (its own sessionStorage) signed in through the portal's form."""
    from playwright.async_api import expect

    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    page = await context.new_page()
    await page.goto(f"{server.url}/portal/")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return page


async def open_tab(page: Page, label: str) -> None:
    await page.get_by_role("navigation", name="Portal").get_by_role("link", name=label).click()


async def test_platinum_admin_and_referral_partner_see_different_portals(
    browser: Browser, demo_server: LiveServer
) -> None:
    from playwright.async_api import expect

    # given
    platinum = await sign_in(browser, demo_server, PLATINUM_ADMIN, CONTACT_PASSWORD)
    referral = await sign_in(browser, demo_server, REFERRAL_ADMIN, CONTACT_PASSWORD)
    # then: navigation and homepage
    await expect(platinum.locator("#programme-tabs a")).to_have_text(
        ["Home", "Register a deal", "Quotes", "Price lists", "Marketing kit", "Team"]
    )
    await expect(platinum.locator("#homepage h2")).to_have_text("Your programme at a glance")
    await expect(referral.locator("#programme-tabs a")).to_have_text(
        ["Home", "Getting started", "Marketing kit", "Team"]
    )
    await expect(referral.locator("#homepage h2")).to_have_text(
        "Welcome! Sign the partner agreement to get started"
    )
    # and: products at each viewer's prices; only the Platinum admin may quote
    await open_tab(platinum, "Products")
    await expect(platinum.locator("tr[data-sku='PS-ENT'] .price")).to_have_text("18,750.00")
    await expect(platinum.get_by_role("button", name="Create quote")).to_be_enabled()
    await open_tab(referral, "Products")
    await expect(referral.locator("tr[data-sku]")).to_have_count(2)
    await expect(referral.locator("tr[data-sku='PS-ENT']")).to_have_count(0)
    await expect(referral.locator("#quote-refusal")).to_contain_text("You may not create quotes.")
    await expect(referral.get_by_role("button", name="Create quote")).to_have_count(0)
    # and: content is what their audiences admit
    await open_tab(platinum, "Content")
    await expect(platinum.locator("#content")).to_contain_text("North America price sheet 2026")
    await open_tab(referral, "Content")
    await expect(referral.locator("#content")).to_contain_text("Referral kit")
    await expect(referral.locator("#content")).not_to_contain_text("price sheet")


async def test_a_rejected_deal_registration_shows_the_error_at_its_field_then_is_accepted(
    browser: Browser, demo_server: LiveServer
) -> None:
    from playwright.async_api import expect

    # given
    page = await sign_in(browser, demo_server, GOLD_SALES_REP, CONTACT_PASSWORD)
    await open_tab(page, "Register a deal")
    await page.get_by_label("Kind of deal").select_option(label="Resale deal")
    await page.get_by_label("Customer").fill("Initrode")
    await page.get_by_label("Expected close").fill("2027-03-31")
    await page.get_by_label("Seats").fill("120")
    amount = page.get_by_label("Deal value (USD)")
    amount_error = page.locator(".field[data-field='amount'] .field-error")
    # when: the required deal value is left out
    await page.get_by_role("button", name="Register deal").click()
    # then: the server's REQUIRED error is shown beside that field, nothing is registered
    await expect(amount_error).to_be_visible()
    await expect(amount_error).to_have_attribute("data-code", "REQUIRED")
    await expect(amount).to_have_attribute("aria-invalid", "true")
    await expect(amount).to_be_focused()
    await expect(page.locator("#deal-list")).not_to_contain_text("Initrode")
    # when: it is filled in
    await amount.fill("42000")
    await page.get_by_role("button", name="Register deal").click()
    # then
    await expect(page.locator("#register-deal .notice-success")).to_have_text(
        "Deal for Initrode registered (REGISTERED)."
    )
    await expect(amount_error).to_be_hidden()
    await expect(page.locator("#deal-list tr", has_text="Initrode")).to_contain_text("42,000.00")


async def test_vendor_admin_views_the_referral_partners_portal_read_only(
    browser: Browser, demo_server: LiveServer
) -> None:
    from playwright.async_api import expect

    # given
    page = await sign_in(browser, demo_server, *VENDOR_ADMIN)
    await expect(page.locator("#nav-programme")).to_have_text("Every tab")
    option = page.locator("#view-as-contact option", has_text=REFERRAL_ADMIN)
    # when
    await page.get_by_label("View as").select_option(await option.get_attribute("value"))
    await page.get_by_role("button", name="View portal").click()
    # then: exactly the referral partner's portal, marked as a read-only preview
    await expect(page.locator("#preview-banner")).to_contain_text(
        "Viewing the portal of Jamie Costa (Brightpath Referral) as Vera Admin: read-only."
    )
    await expect(page.locator("#programme-tabs a")).to_have_text(
        ["Home", "Getting started", "Marketing kit", "Team"]
    )
    await expect(page.locator("#homepage h2")).to_have_text(
        "Welcome! Sign the partner agreement to get started"
    )
    # and: why it may not quote, asked as the staff member (explainAccess)
    await open_tab(page, "Products")
    await expect(page.locator("tr[data-sku]")).to_have_count(2)
    await expect(page.locator("#quote-refusal")).to_contain_text(
        "Why (explainAccess): CREATE_QUOTE"
    )
    # and: the explain panel answers for the previewed contact
    await open_tab(page, "Explain access")
    await page.get_by_label("Action").select_option("CREATE_QUOTE")
    await page.locator("#explain-access").get_by_role("button", name="Explain").click()
    await expect(page.locator("#explain-access dd").first).to_have_text("No")
    await expect(page.locator("#explain-access dd").nth(1)).to_contain_text("gold-plus")
    # when: the preview ends
    await page.get_by_role("button", name="Stop viewing as").click()
    # then
    await expect(page.locator("#preview-banner")).to_be_hidden()
    await expect(page.locator("#nav-programme")).to_have_text("Every tab")
