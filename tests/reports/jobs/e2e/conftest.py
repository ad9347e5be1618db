"""The end-to-end fixtures of ``tests/e2e`` (Debian's Chromium through Playwright, the live server)."""

from tests.e2e.conftest import browser, page_for, served  # noqa: F401
