"""Headless Chromium for the portal tests: Debian's `chromium` driven by Playwright.

Playwright's own browser downloads are not used (`playwright install` needs the internet);
its driver talks to the system Chromium. Without it the tests are skipped, except in CI
(`CI=true`), where a missing browser is a failure.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("PARTNERSCOPE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CONTACT_PASSWORD = "demo-partner-2026"
PLATINUM_ADMIN = "admin@northwind-systems.example.com"
GOLD_SALES_REP = "sales@bluestone-networks.example.com"
REFERRAL_ADMIN = "admin@brightpath-referral.example.com"
VENDOR_ADMIN = ("admin@partnerscope.example.com", "demo-admin-2026")


def why_unavailable() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed: pip install -e '.[dev]'"
    if not CHROMIUM.exists():
        return (
            f"no Chromium at {CHROMIUM}: install Debian's package (apt-get install chromium) "
            "or set PARTNERSCOPE_CHROMIUM"
        )
    return None


def require_browser() -> None:
    """Skip without a browser; in CI, fail instead, so the portal is always tested there."""
    reason = why_unavailable()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)
