"""Fixtures of the browser tests: Debian's Chromium driven by Playwright through the running landscape.

Nothing is downloaded: Playwright launches ``/usr/bin/chromium`` (headless, no sandbox, with its
background services off, since the network is closed) and the tests skip when it is missing. Each test
gets its own browser context (fresh cookies), so sessions and the ``lang`` cookie never leak between
tests.

The landscape (``tests/conftest.py``) is started on the documented ports + ``TEST_PORT_OFFSET``. Its
queues are shared by every landscape started on the same broker virtual host, so two test runs with
different offsets on one ``egov-test`` vhost consume each other's messages (a ГБД ФЛ request answered
by the other run's ГБД ФЛ is refused as untrusted). ``amqp_url`` is therefore overridden here: without
``TEST_AMQP_URL``/``AMQP_URL`` the landscape gets its own vhost ``egov-test-<offset>``, created with
``deploy/local/rabbitmq.sh vhost`` when the private broker node is ours, else the shared one.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from egov_cli.landscape import Landscape
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from tests.browser.portal_ui import CHROMIUM, Portal

REPO = Path(__file__).resolve().parents[2]
TEST_PORT_OFFSET = int(os.environ.get("TEST_PORT_OFFSET", "10000"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = REPO / "var" / "browser"


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (Debian's chromium package); browser tests need it")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def new_page(browser: Browser) -> AsyncIterator[Callable[[], Awaitable[Page]]]:
    """Open a page in a fresh browser context (own cookies); every context is closed after the test."""
    contexts: list[BrowserContext] = []

    async def open_page() -> Page:
        context = await browser.new_context(locale="kk-KZ", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return await context.new_page()

    yield open_page
    for context in contexts:
        await context.close()


@pytest.fixture(scope="session")
def portal(landscape: Landscape) -> Portal:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return Portal(
        base_url=landscape.url("egov-portal"),
        signer_port=landscape.port("signer"),
        screenshots=SCREENSHOTS,
    )
