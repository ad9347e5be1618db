"""The pages and API lists a member, a clerk, a secretary and the higher committee open every day cost a
fixed number of queries, however many members, entries, claims and filings their branch holds: 公示 (the
page and ``publicity/``), 我的积分, 我的申报, 积分手册, 积分标准, the clerk's pages, 支部看板 and its
ranking, 工作台, the higher committee's 待认领, 备案 queue and 看板, and the API lists of claims, ledger
entries, periods, tasks and filings.

A branch's approved quarter cannot take more entries, so each size is walked on its own: the same half
year of branch A — more members, each with entries in both quarters, more claims of 张伟, more claims
waiting for 登记 and 审核, and more branches whose approved quarter waits for 备案 — once with a few rows
(``few``) and once with three times as many (``many``). Every page must cost the number written here at
both sizes, so a per-row query fails one of them, and a change that adds a query is written down on
purpose (the lists of ``tests/workflows/test_query_counts.py`` are measured the same way).
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Organization, RoleAssignment
from scoring.core.periods import Period, PeriodKind
from scoring.services import ledger_record
from tests.factories import make_member, make_organization, make_role
from workflows.claims import claim_record, claim_submit
from workflows.flows import ClaimFlow, PeriodReviewFlow
from workflows.models import Filing, PeriodReview
from workflows.periods import filing_archive, period_approve, period_start

from .helpers import approved_claim, freeze, open_task, perform, photo, publicity_closed

D = datetime.date
Q1 = Period(2026, PeriodKind.QUARTER, 1)
Q2 = Period(2026, PeriodKind.QUARTER, 2)
ITEMS = ("innovative-activity", "community-service")
SIZES = {"few": 2, "many": 6}


def record(member, item: str, day: datetime.date) -> None:
    ledger_record(member=member, item_code=item, occurred_on=day, source="record", by=None)


def quarter_approved(branch, period: Period, clerk, secretary, monkeypatch, *, filed_by=None) -> PeriodReview:
    """公示 two days after the quarter, the window closes, the secretary approves (审定), and the higher
    committee files it (备案) when ``filed_by`` is given — else the filing waits in its queue."""
    opens = period.bounds(1)[1] + datetime.timedelta(days=2)
    freeze(monkeypatch, opens.year, opens.month, opens.day, 9)
    review = period_start(branch=branch, period=period, by=clerk)
    closes = opens + datetime.timedelta(days=6)
    publicity_closed(monkeypatch, closes.year, closes.month, closes.day, 9)
    perform(
        open_task(review.process, PeriodReviewFlow.approve),
        secretary,
        lambda **kw: period_approve(review=review, **kw),
    )
    if filed_by is not None:
        perform(
            open_task(review.process, PeriodReviewFlow.file),
            filed_by,
            lambda **kw: filing_archive(review=review, **kw),
        )
    review.refresh_from_db()
    return review


def other_branch_waiting_for_filing(world, index: int, monkeypatch) -> None:
    """Another branch of the general branch: one member's entry, its first quarter approved, not yet filed."""
    branch = make_organization(
        code=f"C01-G1-X{index}",
        name=f"第{index + 3}党支部",
        kind=Organization.Kind.BRANCH,
        parent=world.general_branch,
    )
    officers = {}
    for role in (RoleAssignment.Role.CLERK, RoleAssignment.Role.SECRETARY):
        officers[role] = make_member(branch=branch, real_name=f"{role}{index}").user
        make_role(officers[role], branch, role)
    freeze(monkeypatch, 2026, 3, 25, 10)
    record(make_member(branch=branch, real_name=f"党员X{index}"), "study", D(2026, 1, 10))
    quarter_approved(
        branch, Q1, officers[RoleAssignment.Role.CLERK], officers[RoleAssignment.Role.SECRETARY], monkeypatch
    )


def half_year(world, n: int, monkeypatch) -> None:
    """Branch A's first half of 2026 with ``n`` more members, on 3 July 2026: Q1 approved and filed, Q2 in
    公示; 张伟's ``n`` claims of Q1 approved; ``n`` claims of July waiting for 登记 or 审核; and ``n − 1``
    other branches whose first quarter waits for 备案."""
    freeze(monkeypatch, 2026, 3, 25, 10)
    members = [make_member(branch=world.branch_a, real_name=f"党员{i:03d}") for i in range(n)]
    for i in range(n):
        approved_claim(world, world.member_a, D(2026, 1, 1) + datetime.timedelta(days=i), item=ITEMS[i % 2])
    for member in [*members, world.other_member_a]:
        record(member, "study", D(2026, 1, 10))
        record(member, "branch-meeting", D(2026, 2, 10))
    quarter_approved(world.branch_a, Q1, world.clerk_a, world.secretary_a, monkeypatch, filed_by=world.higher)
    freeze(monkeypatch, 2026, 6, 20, 10)
    for i, member in enumerate(members):
        approved_claim(world, member, D(2026, 4, 1) + datetime.timedelta(days=i))
        record(member, "study", D(2026, 4, 10))
        record(member, "branch-meeting", D(2026, 5, 10))
    freeze(monkeypatch, 2026, 7, 2, 9)
    period_start(branch=world.branch_a, period=Q2, by=world.clerk_a)
    freeze(monkeypatch, 2026, 7, 3, 10)
    for i, member in enumerate(members):
        claim = claim_submit(
            member=member,
            item_code="innovative-activity",
            occurred_on=D(2026, 7, 1),
            evidence=[photo()],
            by=member.user,
        )
        if i % 2:  # recorded: waits for the committee member's 审核
            perform(
                open_task(claim.process, ClaimFlow.record),
                world.clerk_a,
                lambda claim=claim, **kw: claim_record(claim=claim, **kw),
            )
    for index in range(n - 1):
        other_branch_waiting_for_filing(world, index, monkeypatch)
    freeze(monkeypatch, 2026, 7, 3, 10)


def pages(world) -> dict[tuple[str, str], str]:
    a = world.branch_a.pk
    q1 = PeriodReview.objects.get(branch=world.branch_a, period_index=1).pk
    filing = Filing.objects.get(approval__review_id=q1).pk
    return {
        # 公示: the current one (Q2, its window open) and the approved Q1 with its 审定结果.
        ("member_a", "publicity"): "/me/publicity/",
        ("member_a", "publicity_approved"): f"/me/publicity/{q1}/",
        ("member_a", "api_publicity_current"): "/api/v1/publicity/current/",
        ("member_a", "api_publicity_approved"): f"/api/v1/publicity/{q1}/",
        ("member_a", "api_publicity"): "/api/v1/publicity/",
        ("higher", "api_publicity"): "/api/v1/publicity/",
        ("higher", "api_filing"): f"/api/v1/filings/{filing}/",
        ("higher", "api_filings"): "/api/v1/filings/",
        # The member's own pages.
        ("member_a", "my_points"): "/me/",
        ("member_a", "my_claims"): "/me/claims/",
        ("member_a", "handbook"): "/me/handbook/",
        ("member_a", "standards"): "/me/standards/",
        ("member_a", "workbench"): "/accounts/home/",
        ("member_a", "api_claims"): "/api/v1/claims/",
        ("member_a", "api_ledger"): "/api/v1/ledger/",
        ("member_a", "api_scores"): "/api/v1/scores/me/",
        # The clerk's (组织委员) pages, the committee member's 工作台, the secretary's 看板 and ranking.
        ("clerk_a", "clerk"): "/clerk/",
        ("clerk_a", "clerk_periods"): f"/clerk/{a}/periods/",
        ("clerk_a", "api_ledger"): "/api/v1/ledger/",
        ("clerk_a", "api_periods"): "/api/v1/periods/",
        ("clerk_a", "api_claims"): "/api/v1/claims/",
        ("committee_a", "workbench"): "/accounts/home/",
        ("secretary_a", "dashboard"): f"/reports/dashboards/branches/{a}/",
        ("secretary_a", "ranking"): f"/reports/dashboards/branches/{a}/?period=2026-Q1",
        ("higher", "api_periods"): "/api/v1/periods/",
        ("higher", "queue"): "/workflow/queue/",
        ("higher", "api_queue"): "/api/v1/tasks/queue/",
        ("higher", "workbench"): "/accounts/home/",
        ("secretary_a", "workbench"): "/accounts/home/",
        ("clerk_a", "workbench"): "/accounts/home/",
        ("higher", "dashboard"): f"/reports/dashboards/organizations/{world.committee.pk}/",
    }


def queries(client, url: str) -> int:
    """The queries of one page as the browser reads it (a redirect followed, as /me/publicity/ does)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, follow=True)
    assert response.status_code == 200, url
    return len(captured)


# What each page costs at every size. 公示 shows its 审定结果 with each member's ranks: whether the branch's
# members see ranks (党员端显示排名) is read once for the list, not twice per member. The 备案 queue reads
# its page's approvers' and deciders' names, open appeals and open 备案 tasks in one query each
# (``api.tasks.filings.filing_page``); the API's task lists read where the caller holds each task's
# permission and the open appeals of the periods they are about once for the page, and the committee's
# 看板 each branch's escalation days in one query. 我的积分 reads per approved or pending period of the
# member, never per entry; 积分手册 per month of the year, never per entry; 支部看板 and its ranking
# never per member.
EXPECTED = {
    ("member_a", "publicity"): 22,
    ("member_a", "publicity_approved"): 20,
    ("member_a", "api_publicity_current"): 9,
    ("member_a", "api_publicity_approved"): 9,
    ("member_a", "api_publicity"): 6,
    ("higher", "api_publicity"): 7,
    ("higher", "api_filing"): 13,
    ("higher", "api_filings"): 10,
    ("member_a", "my_points"): 24,
    ("member_a", "my_claims"): 11,
    ("member_a", "handbook"): 87,
    ("member_a", "standards"): 16,
    ("member_a", "workbench"): 39,
    ("member_a", "api_claims"): 6,
    ("member_a", "api_ledger"): 5,
    ("member_a", "api_scores"): 10,
    ("clerk_a", "clerk"): 24,
    ("clerk_a", "clerk_periods"): 31,
    ("clerk_a", "api_ledger"): 6,
    ("clerk_a", "api_periods"): 17,
    ("clerk_a", "api_claims"): 8,
    ("committee_a", "workbench"): 58,
    ("secretary_a", "dashboard"): 69,
    ("secretary_a", "ranking"): 69,
    ("higher", "queue"): 26,
    ("higher", "api_queue"): 12,
    ("higher", "workbench"): 44,
    ("secretary_a", "workbench"): 61,
    ("clerk_a", "workbench"): 60,
    ("higher", "dashboard"): 55,
}


def periods_page(branches: int) -> int:
    """What periods/ costs the higher committee, who follows ``branches`` branches (3 few, 7 many).

    It is a page of branches (20 by default, at most 100), each with its periods of this cycle and the
    last. For each branch of the page it reads the rules in force up the organization tree (today's,
    this cycle's and the last's), the review settings and the branch's reviews with their windows — 9
    queries — and one more counting the open claims of all its ended periods not yet publicised (every
    branch but A has one here); never a query per period, entry, claim or member.
    """
    return 7 + 9 * branches + (branches - 1)


@pytest.mark.parametrize("size", list(SIZES))
def test_daily_pages_cost_the_same_queries_for_three_times_the_rows(
    client, world, rules_2026, monkeypatch, size
):
    half_year(world, SIZES[size], monkeypatch)
    measured = {}
    for (persona, page), url in pages(world).items():
        person = getattr(world, persona)
        client.force_login(getattr(person, "user", person))
        measured[persona, page] = queries(client, url)
    branches = Organization.objects.filter(kind=Organization.Kind.BRANCH).count()
    assert measured == {**EXPECTED, ("higher", "api_periods"): periods_page(branches)}
