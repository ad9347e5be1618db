"""党委看板 at province scale: the 全委排名 is read from the stored ranking (``reports.models``), never
ranked on the request; one not stored yet (or stale) is queued to the Celery task and the page says it is
being computed; every table is one page, so a page costs the same queries for three times the branches.
In the tests Celery is eager: the first request stores the ranking in-process, as the embedded default
does — ``not_stored_yet`` stands for a real worker that has not finished."""

from __future__ import annotations

import re
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports import rankings, tasks
from reports.dashboards import data
from reports.models import StoredRanking
from scoring.core.periods import Period, PeriodKind
from tests.reports.dashboards.test_rankings import more_branches

D = Decimal
H1 = Period(2026, PeriodKind.HALF, 1)


def text(content: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", content))


def dashboard(client, world, organization=None, **params) -> str:
    client.force_login(world.higher)
    query = "&".join(f"{key}={value}" for key, value in {"period": "2026-H1", **params}.items())
    organization = organization or world.committee
    response = client.get(f"/reports/dashboards/organizations/{organization.pk}/?{query}")
    assert response.status_code == 200
    return response.content.decode()


def section(content: str, name: str) -> str:
    """The text of the table ``data-table="name"``."""
    start = content.index(">", content.index(f'data-table="{name}"')) + 1
    return text(content[start : content.index("</table>", start)]).strip()


def test_the_stored_ranking_keeps_grades_vetoes_and_the_number_ranked(half_year):
    w = half_year.world
    stored = rankings.ranking_store_fresh(w.committee, H1)
    assert stored.complete and stored.member_count == 9 and stored.graded
    rows = {row.member.real_name: row for row in stored.rows.select_related("member")}
    assert (rows["张伟"].rank, rows["张伟"].grade, rows["张伟"].veto) == (1, "优秀", False)
    assert (rows["刘洋"].total, rows["刘洋"].veto) == (D(0), True)
    assert rows["周敏"].reference and rows["周敏"].position == 1 and len(rows) == 10
    in_order = stored.rows.filter(reference=False).order_by("position")
    assert [(row.position, row.rank) for row in in_order] == [
        (1, 1),
        (2, 1),
        (3, 3),
        (4, 4),
        (5, 5),
        (6, 6),
        (7, 7),
        (8, 7),
        (9, 9),
    ], "a page of the ranking is a range of positions"
    assert rankings.fresh_stored_ranking(w.committee, H1) == stored
    StoredRanking.objects.update(fingerprint="0" * 64)  # its inputs changed since
    assert rankings.fresh_stored_ranking(w.committee, H1) is None


def test_dashboard_reads_the_stored_ranking_and_never_ranks_on_the_request(client, half_year, monkeypatch):
    w = half_year.world
    dashboard(client, w)  # Celery is eager here: the first request stored it
    assert StoredRanking.objects.get(organization=w.committee).complete

    def ranks_everyone(*args, **kwargs):
        raise AssertionError("ranked on the request")

    monkeypatch.setattr(rankings, "organization_ranking_status", ranks_everyone)
    content = dashboard(client, w)
    assert "各支部均已审定本期积分" in text(content) and 'http-equiv="refresh"' not in content
    ranking = section(content, "ranking")
    assert "1 赵磊 第二党支部 8 优秀" in ranking and "9 黄磊 第一党支部 -2 不合格" in ranking
    assert "周敏" not in ranking, "the reference ranking is not the members' ranking"
    assert "正式党员和预备党员共 9 人" in text(content)
    assert section(content, "top").startswith("1 张伟 第一党支部 8 1 赵磊")
    assert "刘洋 一票否决 第一党支部 0" in section(content, "bottom")


def test_a_stale_stored_ranking_is_not_shown_while_the_new_one_is_computed(client, half_year, not_stored_yet):
    w = half_year.world
    rankings.ranking_store_fresh(w.committee, H1)
    StoredRanking.objects.update(fingerprint="0" * 64)  # e.g. a branch's 审定 reopened since
    content = dashboard(client, w)
    assert "全委排名正在生成，请稍后刷新" in text(content)
    assert '<meta http-equiv="refresh" content="10">' in content, "the page comes back by itself"
    assert 'data-section="ranking"' not in content and 'data-section="top-bottom"' not in content
    assert not_stored_yet == [(w.committee.pk, "2026-H1")]
    dashboard(client, w)
    assert len(not_stored_yet) == 1, "queued once while it is being computed"
    tasks.ranking_store_for(w.committee.pk, "2026-H1")  # the worker
    content = dashboard(client, w)
    assert 'http-equiv="refresh"' not in content and "1 赵磊 第二党支部 8" in section(content, "ranking")


def test_the_ranking_and_the_branches_are_read_a_page_at_a_time(client, half_year, monkeypatch):
    w = half_year.world
    monkeypatch.setattr(data, "RANKING_PER_PAGE", 4)
    monkeypatch.setattr(data, "BRANCHES_PER_PAGE", 1)
    content = dashboard(client, w, page=3, branches=2)
    assert section(content, "ranking") == "名次 姓名 支部 积分 等次 9 黄磊 第一党支部 -2 不合格"
    second = section(dashboard(client, w, page=2), "ranking")
    assert second.startswith("名次 姓名 支部 积分 等次 5 孙丽 第二党支部 2") and "1 赵磊" not in second
    assert "3 / 3" in text(content[content.index('data-pages="ranking"') :])
    branches = section(content, "branches")
    assert "第二党支部" in branches and "第一党支部" not in branches
    assert "下属 2 个党支部" in text(content) and "2 / 2" in text(
        content[content.index('data-pages="branches"') :]
    )
    assert "1 赵磊" in section(dashboard(client, w, page="x"), "ranking"), "not a number: the first"


def test_the_branches_not_approved_are_counted_and_only_the_first_named(client, first_quarter, monkeypatch):
    w = first_quarter.world
    monkeypatch.setattr(data, "PENDING_LISTED", 1)
    page = text(dashboard(client, w))
    assert "还有 2 个支部未审定本期积分" in page
    assert "第一党支部：2026年度第2季度尚未发起公示" in page and "第二党支部：" not in page
    assert "…等 2 个支部" in page
    assert not StoredRanking.objects.exists(), "proved incomplete: nothing ranked, nothing stored"


def queries(client, url: str) -> int:
    client.get(url)  # the ranking is stored, the rules' meaning remembered
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def costs(client, world) -> tuple[int, int]:
    client.force_login(world.higher)
    pk = world.general_branch.pk
    return (
        queries(client, f"/reports/dashboards/organizations/{pk}/?period=2026-H1"),
        queries(client, f"/api/v1/scores/organizations/{pk}/ranking/?period=2026-H1"),
    )


def test_the_dashboard_and_the_api_cost_the_same_queries_for_three_times_the_branches(client, half_year):
    few = costs(client, half_year.world)
    more_branches(half_year, 4, approved=True)
    assert costs(client, half_year.world) == few
    assert StoredRanking.objects.get(organization=half_year.world.general_branch).member_count == 9 + 8


def test_the_dashboard_of_an_incomplete_ranking_costs_the_same_for_three_times_the_branches(
    client, first_quarter
):
    few = costs(client, first_quarter.world)
    more_branches(first_quarter, 4, approved=False)
    assert costs(client, first_quarter.world) == few
