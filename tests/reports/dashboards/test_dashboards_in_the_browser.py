"""看板 in Debian's Chromium: the charts draw (Chart.js from our own /static/, no CDN), also after a Turbo
visit from the index, with no console error, and a phone (390 px) needs no sideways scrolling.

Chromium is driven from a thread of its own: Playwright's sync API runs one event loop per thread, and
``tests/e2e`` keeps its session-wide browser in the test thread of the same worker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.e2e.conftest import CHROMIUM_ARGS, PASSWORD, TIMEOUT_MS, chromium_path, served  # noqa: F401

pytestmark = pytest.mark.e2e

CHART_JS = "/static/reports/vendor/chart.umd.min.js"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
ALL_DRAWN = (
    "document.querySelectorAll('canvas[data-chart]').length > 0 && "
    "document.querySelectorAll('canvas[data-chart]').length === "
    "document.querySelectorAll('canvas[data-drawn]').length"
)


def in_a_browser(base_url: str, user, path: str, steps: Callable[[Any, list[str]], None], viewport=DESKTOP):
    """Log ``user`` in through the login page, land on ``path`` and run ``steps(page, errors)`` — in a
    thread with its own Playwright; ``errors`` collects console errors and uncaught exceptions."""
    failure: list[BaseException] = []

    def run() -> None:
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
                try:
                    context = browser.new_context(base_url=base_url, locale="zh-CN", viewport=viewport)
                    context.set_default_timeout(TIMEOUT_MS)
                    page = context.new_page()
                    errors: list[str] = []
                    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                    page.on("pageerror", lambda error: errors.append(str(error)))
                    page.goto(f"/accounts/login/?{urlencode({'next': path})}")
                    page.locator("input[name=username]").fill(user.get_username())
                    page.locator("input[name=password]").fill(PASSWORD)
                    page.get_by_role("button", name="登录").click()
                    page.wait_for_url(f"**{path}")
                    steps(page, errors)
                finally:
                    browser.close()
        except BaseException as error:  # handed to the test's thread, assertions included
            failure.append(error)

    thread = threading.Thread(target=run, name="chromium")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def charts_on(page) -> dict:
    """canvas → (points in its first dataset, drawn width), from the Chart.js instances on the page."""
    found = page.evaluate(
        """() => Array.from(document.querySelectorAll('canvas[data-chart]')).map(canvas => {
            const chart = window.Chart && window.Chart.getChart(canvas);
            return [canvas.dataset.chart, chart ? chart.data.datasets[0].data.length : -1, canvas.width];
        })"""
    )
    return {name: (points, width) for name, points, width in found}


def tick_labels(page, chart: str, axis: str) -> list[str]:
    """The labels Chart.js wrote along an axis of a chart, as the reader sees them."""
    script = "([id, axis]) => window.Chart.getChart(document.querySelector(`canvas[data-chart='${id}']`))"
    return page.evaluate(script + ".scales[axis].ticks.map(tick => tick.label)", [chart, axis])


def loaded(page) -> list[str]:
    return page.evaluate("performance.getEntriesByType('resource').map(entry => entry.name)")


def test_the_branch_dashboard_draws_its_charts_after_a_visit_from_the_index(first_quarter, served):  # noqa: F811
    w = first_quarter.world

    def steps(page, errors):
        page.get_by_role("link", name="第一党支部").click()
        page.wait_for_url(f"**/reports/dashboards/branches/{w.branch_a.pk}/")
        page.wait_for_function(ALL_DRAWN)
        navigation = page.evaluate("performance.getEntriesByType('navigation')[0].name")
        assert "/branches/" not in navigation, "the dashboard was swapped in by Turbo, not loaded afresh"
        drawn = charts_on(page)
        assert set(drawn) == {"chart-distribution", "chart-trend", "chart-participation"}
        assert drawn["chart-distribution"][0] == 5 and drawn["chart-trend"][0] == 4
        assert all(width > 0 for _points, width in drawn.values())
        assert tick_labels(page, "chart-distribution", "x") == ["-2–0", "0–2", "2–4", "4–6", "6–8"]
        assert tick_labels(page, "chart-trend", "x") == ["第1季度", "第2季度", "第3季度", "第4季度"]
        assert tick_labels(page, "chart-participation", "y")[:2] == ["支部党员大会", "支部党课活动"]
        assert page.evaluate("typeof window.Chart") == "function"
        # The index has the same head, so Chart.js may have come with it: ask the page what it loaded.
        resources = loaded(page)
        assert served.url + CHART_JS in resources
        assert not [url for url in resources if not url.startswith(served.url)], "all from our own server"
        assert errors == []

    in_a_browser(served.url, w.secretary_a, "/reports/dashboards/", steps)


def test_the_committee_dashboard_draws_and_fits_a_phone(half_year, served):  # noqa: F811
    w = half_year.world
    path = f"/reports/dashboards/organizations/{w.committee.pk}/?period=2026-H1"

    def steps(page, errors):
        page.wait_for_function(ALL_DRAWN)
        assert set(charts_on(page)) == {"chart-branches", "chart-top-bottom"}
        assert tick_labels(page, "chart-branches", "y") == ["第一党支部", "第二党支部"]
        assert tick_labels(page, "chart-top-bottom", "y")[0] == "1. 张伟"
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], (
            "no sideways scrolling"
        )
        assert page.get_by_text("2026年度第1半年全委排名").is_visible()
        assert served.url + CHART_JS in loaded(page)
        assert errors == []

    in_a_browser(served.url, w.higher, path, steps, viewport=PHONE)
