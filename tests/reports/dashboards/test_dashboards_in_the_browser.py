"""看板 in Debian's Chromium: the charts draw (Chart.js from our own /static/, no CDN), also after a Turbo
visit from the index, with no console error, and a phone (390 px) needs no sideways scrolling."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import browser, page_for, served  # noqa: F401 — the browser fixtures

pytestmark = pytest.mark.e2e

CHART_JS = "/static/reports/vendor/chart.umd.min.js"
ALL_DRAWN = (
    "document.querySelectorAll('canvas[data-chart]').length > 0 && "
    "document.querySelectorAll('canvas[data-chart]').length === "
    "document.querySelectorAll('canvas[data-drawn]').length"
)


def watch(page) -> tuple[list[str], list[str]]:
    """Console errors and uncaught exceptions, and every script the page requests."""
    errors: list[str] = []
    scripts: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "request", lambda request: scripts.append(request.url) if request.resource_type == "script" else None
    )
    return errors, scripts


def charts_on(page) -> dict:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('canvas[data-chart]')).map(canvas => {
            const chart = window.Chart && window.Chart.getChart(canvas);
            return [canvas.dataset.chart, chart ? chart.data.datasets[0].data.length : -1, canvas.width];
        })"""
    )


def test_the_branch_dashboard_draws_its_charts_after_a_visit_from_the_index(page_for, first_quarter, served):  # noqa: F811
    w = first_quarter.world
    page = page_for(w.secretary_a, "/reports/dashboards/")
    errors, scripts = watch(page)
    page.get_by_role("link", name="第一党支部").click()  # a Turbo visit: no new page load
    page.wait_for_url(f"**/reports/dashboards/branches/{w.branch_a.pk}/")
    page.wait_for_function(ALL_DRAWN)
    navigation = page.evaluate("performance.getEntriesByType('navigation')[0].name")
    assert "/branches/" not in navigation, "the dashboard was swapped in by Turbo, not loaded afresh"
    drawn = {name: (points, width) for name, points, width in charts_on(page)}
    assert set(drawn) == {"chart-distribution", "chart-trend", "chart-participation"}
    assert drawn["chart-distribution"][0] == 5 and drawn["chart-trend"][0] == 4
    assert all(width > 0 for _points, width in drawn.values())
    assert page.evaluate("typeof window.Chart") == "function"
    # The index has the same head, so Chart.js may have come with it: ask the page what it loaded.
    resources = page.evaluate("performance.getEntriesByType('resource').map(entry => entry.name)")
    assert served.url + CHART_JS in resources
    assert not [url for url in [*resources, *scripts] if not url.startswith(served.url)], (
        "all from our server"
    )
    assert errors == []


def test_the_committee_dashboard_draws_and_fits_a_phone(page_for, half_year, served):  # noqa: F811
    w = half_year.world
    path = f"/reports/dashboards/organizations/{w.committee.pk}/?period=2026-H1"
    page = page_for(w.higher, "/reports/dashboards/")
    errors, _scripts = watch(page)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(path)
    page.wait_for_function(ALL_DRAWN)
    assert {name for name, _points, _width in charts_on(page)} == {"chart-branches", "chart-top-bottom"}
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling on a phone"
    assert page.get_by_text("2026年度第1半年全委排名").is_visible()
    resources = page.evaluate("performance.getEntriesByType('resource').map(entry => entry.name)")
    assert served.url + CHART_JS in resources
    assert errors == []
