"""Fixtures of the browser tests: one live server per run on the test database, one
headless Chromium, and desktop and phone pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.platform.browser import CHROMIUM, DESKTOP, PHONE, launch_chromium, live_server


@pytest.fixture(scope="session")
def base(owner_url: str) -> Iterator[str]:
    with live_server(owner_url) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        # A failure, not a skip: a run without its browser tests must not look green.
        pytest.fail(f"{CHROMIUM} is missing: run deploy/install-browser.sh")
    with sync_playwright() as pw:
        b = launch_chromium(pw)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()
