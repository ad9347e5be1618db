"""看板 pages: who gets which dashboard (anonymous → login, wrong scope → 403/404, right scope → 200), what
the pages show (charts with their data and tables), and a bad or unapproved period answered in Chinese."""

import json
import re

import pytest

from accounts.models import Member
from accounts.services import organization_rankings_switch
from reports.dashboards.viewset import DashboardsViewset

INDEX = "/reports/dashboards/"


def branch_url(org, period=""):
    return f"/reports/dashboards/branches/{org.pk}/" + (f"?period={period}" if period else "")


def organization_url(org, period=""):
    return f"/reports/dashboards/organizations/{org.pk}/" + (f"?period={period}" if period else "")


def as_user(client, world, persona):
    user = getattr(world, persona)
    client.force_login(user.user if isinstance(user, Member) else user)
    return client


def chart(content: str, name: str) -> dict:
    match = re.search(rf'<script id="chart-{name}" type="application/json">(.*?)</script>', content, re.S)
    assert match, f"no data for chart-{name}"
    return json.loads(match.group(1))


def text(content: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", content))


# ---------------------------------------------------------------- who gets what


@pytest.mark.parametrize(
    "url", [INDEX, "/reports/dashboards/branches/1/", "/reports/dashboards/organizations/1/"]
)
def test_anonymous_visitors_are_sent_to_log_in(client, world, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("persona", "target", "kind", "expected"),
    [
        ("clerk_a", "branch_a", "branch", 200),
        ("committee_a", "branch_a", "branch", 200),
        ("secretary_a", "branch_a", "branch", 200),
        ("higher", "branch_a", "branch", 200),
        ("higher", "committee", "organization", 200),
        ("higher", "general_branch", "organization", 200),
        ("clerk_b", "branch_a", "branch", 404),
        ("member_a", "branch_a", "branch", 404),
        ("outsider", "branch_a", "branch", 404),
        ("secretary_a", "committee", "organization", 404),
        ("clerk_a", "general_branch", "organization", 404),
        ("member_a", "committee", "organization", 404),
        ("higher", "branch_a", "organization", 404),  # a branch has the branch dashboard
        ("clerk_a", "committee", "branch", 404),
    ],
)
def test_each_dashboard_only_for_those_who_view_its_scores(client, world, persona, target, kind, expected):
    url = (branch_url if kind == "branch" else organization_url)(getattr(world, target))
    assert as_user(client, world, persona).get(url).status_code == expected


def test_a_member_without_an_office_gets_no_dashboards(client, world):
    assert as_user(client, world, "member_a").get(INDEX).status_code == 403
    assert not DashboardsViewset().has_view_permission(world.member_a.user)
    assert DashboardsViewset().has_view_permission(world.clerk_a)


def test_the_index_lists_the_dashboards_of_my_scope(client, world):
    content = as_user(client, world, "higher").get(INDEX).content.decode()
    assert "党委看板" in content and "某区机关党委" in content and branch_url(world.branch_a) not in content
    content = as_user(client, world, "secretary_a").get(INDEX).content.decode()
    assert branch_url(world.branch_a) in content and "第二党支部" not in content and "党委看板" not in content


# ---------------------------------------------------------------- what the pages show


def test_the_branch_page_draws_its_charts_from_the_approved_quarter(client, first_quarter):
    w = first_quarter.world
    response = as_user(client, w, "secretary_a").get(branch_url(w.branch_a))
    assert response.status_code == 200
    content = response.content.decode()
    assert "/static/reports/vendor/chart.umd.min.js" in content and "/static/reports/dashboards.js" in content
    distribution = chart(content, "distribution")
    assert distribution["labels"] == ["-2–0", "0–2", "2–4", "4–6", "6–8"]
    assert distribution["datasets"][0]["data"] == [2, 1, 3, 0, 1]
    trend = chart(content, "trend")
    assert trend["datasets"][0]["data"] == ["1.71", None, None, None]
    participation = chart(content, "participation")
    assert participation["labels"][:2] == ["支部党员大会", "支部党课活动"]
    assert participation["datasets"][0]["data"][0] == 3
    page = text(content)
    assert "2026年度第1季度 · 已审定" in page and "陈静 " in page
    assert "截至2026年度第1季度，年度累计积分低于“合格”分数线 3 分的人员" in page
    assert 'data-chart="chart-distribution"' in content and 'data-table="distribution"' in content


def test_the_branch_page_keeps_the_ranking_for_the_committee_when_members_do_not_see_it(
    client, first_quarter
):
    w = first_quarter.world
    organization_rankings_switch(organization=w.committee, shown=False, by=w.higher)
    content = as_user(client, w, "committee_a").get(branch_url(w.branch_a)).content.decode()
    ranking = text(content[content.index('data-table="ranking"') :])
    assert "1 张伟 6" in ranking and "2 王芳 3" in ranking and "6 黄磊 -2" in ranking
    assert "本组织党员端不显示排名" in content


def test_a_branch_with_nothing_approved_shows_its_tasks_only(client, world, rules_2026):
    content = as_user(client, world, "clerk_a").get(branch_url(world.branch_a)).content.decode()
    assert 'data-note="nothing-approved"' in content and 'data-note="no-tasks"' in content
    assert "chart-distribution" not in content


def test_the_committee_page_compares_branches_and_lists_top_and_bottom(client, half_year):
    w = half_year.world
    content = as_user(client, w, "higher").get(organization_url(w.committee, "2026-H1")).content.decode()
    branches = chart(content, "branches")
    assert branches["labels"] == ["第一党支部", "第二党支部"]
    assert branches["datasets"][0]["data"] == [["-2.00", "8.00"], ["0.00", "8.00"]]
    assert branches["datasets"][1]["data"] == ["2.71", "3.33"]
    top_bottom = chart(content, "top-bottom")
    assert top_bottom["labels"][0] == "1. 张伟" and top_bottom["labels"][-1] == "9. 黄磊"
    page = text(content)
    assert "各支部均已审定本期积分" in page
    assert "2026年度第1半年全委排名" in page
    ranking = text(content[content.index('data-table="ranking"') :])
    assert "1 赵磊 第二党支部 8" in ranking and "9 黄磊 第一党支部 -2" in ranking


def test_the_committee_page_names_the_branches_not_yet_approved(client, first_quarter):
    w = first_quarter.world
    content = as_user(client, w, "higher").get(organization_url(w.committee, "2026-H1")).content.decode()
    page = text(content)
    assert "还有 2 个支部未审定本期积分" in page
    assert "第一党支部：2026年度第2季度尚未发起公示" in page
    assert 'data-section="top-bottom"' not in content


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("2026-Q9", "周期代码“2026-Q9”无效"),
        ("2026-Q2", "第一党支部2026年度第2季度尚未审定，看板只显示审定后的积分"),
    ],
)
def test_a_bad_or_unapproved_period_is_refused_in_chinese(client, first_quarter, period, message):
    w = first_quarter.world
    response = as_user(client, w, "secretary_a").get(branch_url(w.branch_a, period))
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_bad_period_on_the_committee_page_is_refused_in_chinese(client, world):
    response = as_user(client, world, "higher").get(organization_url(world.committee, "H1"))
    assert response.status_code == 400 and "周期代码“H1”无效" in response.content.decode()
