"""One demo-seeded server and one Chromium for the module; a fresh browser context per sign-in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, require_browser
from tests.live import LiveServer, live_server

if TYPE_CHECKING:
    from playwright.async_api import Browser


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_browser()
    directory: Path = tmp_path_factory.mktemp("portal")
    with live_server(directory, demo=True) as server:
        yield server


@pytest.fixture(scope="module")
async def browser(demo_server: LiveServer) -> AsyncIterator[Browser]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield chromium
        await chromium.close()
