"""Fixtures for the browser tests: a real OpenOMS process with the demo data, and Debian's
Chromium driven by Playwright (``make test`` installs /usr/bin/chromium when it is missing).

``ui_server`` is one server per test module (SQLite in a temporary directory); ``as_role``
opens a browser context signed in as that role's demo user, each with its own cookies.
Helpers the tests import live in webui.py (a conftest is not importable by name: another
folder's conftest may hold that name).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from server import Server
from webui import CHROMIUM, DemoServer, read_demo, sign_in


@pytest.fixture(scope="module")
def ui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    data_dir = tmp_path_factory.mktemp("ui")
    server = Server(f"sqlite:///{data_dir / 'openoms.db'}", data_dir)
    server.start()
    try:
        passwords, tokens = read_demo(data_dir)
        yield DemoServer(server, passwords, tokens)
    finally:
        server.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run each browser test module's tests together on one xdist worker (one server, one
    browser for the module; see ``playwright``)."""
    for item in items:
        if item.path.name.startswith("test_ui_"):
            item.add_marker(pytest.mark.xdist_group(item.path.stem))


# Module scope, not session: Playwright's sync API keeps an asyncio loop running in this
# thread while it is started, and the tests that run after it on the same worker call
# asyncio.run().
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)")
    launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
    try:
        yield launched
    finally:
        launched.close()


@pytest.fixture
def as_role(browser: Browser, ui_server: DemoServer) -> Iterator[Callable[[str], Page]]:
    """as_role("trader") -> a page signed in as the demo trader (a fresh context each)."""
    contexts: list[BrowserContext] = []

    def open_as(role: str) -> Page:
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, ui_server.url, role, ui_server.passwords[role])
        return page

    try:
        yield open_as
    finally:
        for context in contexts:
            context.close()
