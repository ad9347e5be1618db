"""End-to-end tests: Debian's Chromium, driven by Playwright, against pytest-django's live server.

The live server runs in a thread of this process, so a test may freeze the clock by monkeypatching
``django.utils.timezone.now`` and the server sees it too. Each person works in a browser context of
their own, logged in through the real login page. When a test fails, every page still open is saved
as a screenshot in ``test-results/``.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

PASSWORD = "Jifen-test-2026"  # every user of tests.factories.UserFactory
TIMEOUT_MS = 15_000
RESULTS = Path(__file__).resolve().parents[2] / "test-results"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    """Debian's Chromium (scripts/test installs it); never a browser downloaded by ``playwright install``."""
    path = os.environ.get("JIFEN_CHROMIUM", "/usr/bin/chromium")
    if not shutil.which(path):
        pytest.fail(f"Chromium not found at {path}: install Debian's chromium or set JIFEN_CHROMIUM")
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API marks its event loop as running in the main thread while it is started;
    # Django then refuses database calls from that thread (the tests' fixtures and assertions, and
    # every later test of this worker) unless told they are safe, as they are: nothing here is async.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def served(live_server):
    """The live server, answering one request at a time when the database is SQLite in memory.

    Its request threads then share the test's one connection, and a chart image loading while a
    form is posted would meet a locked table; PostgreSQL gives every thread its own connection.
    """
    if live_server.thread.connections_override:
        httpd, lock = live_server.thread.httpd, threading.Lock()
        app = httpd.get_app()

        def one_at_a_time(environ, start_response):
            with lock:
                return app(environ, start_response)

        httpd.set_app(one_at_a_time)
    return live_server


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page_for(browser, served, request) -> Iterator[Callable]:
    """``page_for(user, path)``: a fresh browser context for ``user``, logged in through the login page,
    on ``path``."""
    contexts = []

    def open_page(user, path: str = "/"):
        context = browser.new_context(
            base_url=served.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append((user.get_username(), context))
        page = context.new_page()
        page.goto(f"/accounts/login/?{urlencode({'next': path})}", wait_until="commit")
        page.locator("input[name=username]").fill(user.get_username())
        page.locator("input[name=password]").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url, wait_until="commit")
        return page

    yield open_page

    failed = getattr(request.node, "report_call", None)
    for n, (username, context) in enumerate(contexts):
        if failed is not None and failed.failed:
            RESULTS.mkdir(exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            for m, page in enumerate(context.pages):
                page.screenshot(path=RESULTS / f"{name}-{n:02d}-{username}-{m}.png", full_page=True)
        context.close()
