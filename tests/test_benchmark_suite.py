"""benchmarks/suite.py keeps working as the pages move: every page it times resolves to a view, a page is
measured with its queries counted and nothing written, and the results render as a Markdown table."""

from urllib.parse import urlsplit

import pytest
from django.contrib.sessions.models import Session
from django.urls import resolve

from benchmarks._suite import report
from benchmarks._suite.pages import PAGES, measure_page, summary_ms


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.key)
def test_every_timed_page_is_a_page_of_the_service(page):
    url = page.url.format(branch=1, organization=1, root=1, cycle=2026)
    resolve(urlsplit(url).path)


def test_a_page_is_measured_with_its_queries_and_size_and_no_session_is_written(world, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    result = measure_page("/me/", world.member_a.user_id, warmup=1, repeat=3, slow_s=60, timeout_s=60)
    assert result["status"] == 200, result
    assert result["n"] == 3 and result["p50_ms"] <= result["p99_ms"]
    assert result["queries"] > 0 and result["kb"] > 0
    assert not Session.objects.exists()


def test_a_refused_page_is_reported_with_its_status(world, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    url = f"/reports/dashboards/organizations/{world.committee.pk}/"
    result = measure_page(url, world.member_a.user_id, warmup=1, repeat=3, slow_s=60, timeout_s=60)
    assert result["status"] in (403, 404)
    assert "p50_ms" not in result


def test_percentiles_of_the_samples():
    summary = summary_ms([0.010, 0.020, 0.030, 0.040, 0.100])
    assert summary["p50_ms"] == 30.0
    assert summary["max_ms"] == 100.0
    assert summary["p50_ms"] <= summary["p95_ms"] <= summary["p99_ms"] <= summary["max_ms"]


def test_the_results_render_as_markdown_tables():
    result = {
        "machine": {"host": "h", "cpus": 2, "python": "3.11", "load_before": [1, 1, 1], "date": "2026-12-03"},
        "data": {
            "database": "jifen_province",
            "postgres": "15",
            "organizations": 10,
            "branches": 7,
            "members": 100,
            "tasks": 1000,
            "open_tasks": 10,
            "database_mb": 5,
        },
        "settings": {"repeat": 20, "warmup": 2},
        "pages": [
            {"label": "待认领", "persona": "p", "p50_ms": 12.5, "p95_ms": 20.0, "p99_ms": 30.0, "queries": 9}
        ],
        "rankings": [
            {
                "label": "全省重排",
                "error": "stopped",
                "extrapolated_seconds": 9.0,
                "extrapolated_queries": 9,
                "extrapolated_from": "general_h1",
            }
        ],
        "steps": {"error": "not run"},
        "http": [],
    }
    text = report.markdown(result)
    assert "| 待认领 | p | 12.5 | 20.0 | 30.0 | 9 |" in text
    assert "extrapolated from general_h1" in text
