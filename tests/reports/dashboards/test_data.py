"""看板 data against the walked half-year of ``conftest.py``: every figure known in advance."""

import datetime
from decimal import Decimal

from django.utils import timezone
from viewflow.workflow.models import Task

from reports.dashboards.data import (
    Bin,
    branch_dashboard,
    histogram,
    organization_dashboard,
    summarize,
    tasks_by_kind,
)
from scoring.core.periods import Period, PeriodKind
from tests.reports.dashboards.conftest import Q1, Q2, Walked, approve_quarter, record
from tests.workflows.helpers import freeze, photo
from workflows.claims import claim_submit
from workflows.periods import period_start

D = Decimal
H1 = Period(2026, PeriodKind.HALF, 1)


def names(rows):
    return [row.member.real_name for row in rows]


# ---------------------------------------------------------------- plain statistics


def test_a_summary_gives_count_average_median_extremes_and_spread():
    summary = summarize([D(6), D(3), D(3), D(1), D(-1), D(-2), D(2)])
    assert (summary.count, summary.average, summary.median) == (7, D("1.71"), D(2))
    assert (summary.highest, summary.lowest, summary.range, summary.spread) == (D(6), D(-2), D(8), D("2.49"))
    assert summarize([]).average is None


def test_the_histogram_takes_the_smallest_round_width_that_fits_eight_bins():
    assert histogram([D(6), D(3), D(3), D(1), D(-1), D(-2), D(2)]) == [
        Bin(D(-2), D(0), 2),
        Bin(D(0), D(2), 1),
        Bin(D(2), D(4), 3),
        Bin(D(4), D(6), 0),
        Bin(D(6), D(8), 1),
    ]
    assert [b.label for b in histogram([D("0.5"), D("1.5")])] == ["0–1", "1–2"]
    assert histogram([D(95), D(40), D(71)])[0] == Bin(D(40), D(50), 1)  # width 10: 40…100 in 6 bins
    assert histogram([]) == []


# ---------------------------------------------------------------- 支部看板


def test_the_branch_dashboard_of_an_approved_quarter(first_quarter):
    w = first_quarter.world
    board = branch_dashboard(w.secretary_a, w.branch_a)
    assert board.period == Q1, "the latest approved period by default"
    assert [a.review.label for a in board.approved.approvals] == ["2026年度第1季度"]
    assert (board.summary.count, board.summary.average, board.summary.median) == (7, D("1.71"), D(2))
    assert [(b.label, b.count) for b in board.distribution] == [
        ("-2–0", 2),
        ("0–2", 1),
        ("2–4", 3),
        ("4–6", 0),
        ("6–8", 1),
    ]
    assert [(p.period.index, p.summary and p.summary.average) for p in board.trend] == [
        (1, D("1.71")),
        (2, None),
        (3, None),
        (4, None),
    ]


def test_participation_counts_members_per_item_and_shows_the_items_nobody_earned(first_quarter):
    w = first_quarter.world
    rows = {row.code: row for row in branch_dashboard(w.committee_a, w.branch_a).participation}
    assert rows["study"].members == 4  # 张伟, 王芳, 陈静, 周敏
    assert rows["branch-meeting"].members == 3
    assert rows["innovative-activity"].members == 1
    assert rows["absent-without-leave"].members == 2 and rows["absent-without-leave"].deduction
    assert rows["dues"].members == 0 and not rows["dues"].deduction
    assert rows["disciplinary-sanction"].deduction
    assert rows["study"].category == "基础积分"


def test_members_below_the_passing_grade_by_their_cycle_total(first_quarter):
    w = first_quarter.world
    board = branch_dashboard(w.clerk_a, w.branch_a)
    assert board.passing == D(3)  # the general branch's 合格
    assert [(row.member.real_name, row.cycle_total, row.grade) for row in board.below] == [
        ("刘洋", D(0), "不合格"),  # −1 in the quarter, the cycle total has a floor of 0
        ("黄磊", D(0), "不合格"),
        ("李娜", D(1), "不合格"),
        ("周敏", D(2), "不合格"),
    ]


def test_without_a_passing_grade_in_the_rules_nobody_is_listed(world, rules_without_grades, monkeypatch):
    walked = Walked(world=world, probationary=None, candidate=None, secretary_b=None, reviews={})
    freeze(monkeypatch, 2026, 3, 25, 10)
    record(world.member_a, "study", (1, 10))
    approve_quarter(walked, world.branch_a, world.secretary_a, Q1, monkeypatch)
    board = branch_dashboard(world.secretary_a, world.branch_a)  # 二七区 rules without grades
    assert board.period == Q1 and board.summary.highest == D(2)
    assert board.passing is None and board.below == []


def test_the_trend_and_the_half_year_once_the_second_quarter_is_approved(half_year):
    w = half_year.world
    board = branch_dashboard(w.secretary_a, w.branch_a)
    assert board.periods[:3] == [H1, Q2, Q1]
    assert [(p.period.index, p.summary and (p.summary.average, p.summary.median)) for p in board.trend][
        :2
    ] == [
        (1, (D("1.71"), D(2))),
        (2, (D("0.86"), D(0))),  # 张伟 2, 王芳 4, the rest 0: 6 / 7
    ]
    half = branch_dashboard(w.secretary_a, w.branch_a, H1)
    assert (half.summary.average, half.summary.median, half.summary.spread) == (D("2.71"), D(2), D("3.37"))
    assert names(half.ranking)[:2] == ["张伟", "王芳"]


def submitted(member, item: str, day: datetime.date, created: datetime.datetime):
    """A member's claim waiting for 登记 since ``created`` (viewflow stamps tasks with the real clock)."""
    claim = claim_submit(member=member, item_code=item, occurred_on=day, evidence=[photo()], by=member.user)
    Task.objects.filter(process=claim.process, flow_task_type="HUMAN").update(created=created)
    return claim


def test_the_tasks_waiting_by_kind_with_their_age_and_overdue(first_quarter, monkeypatch):
    w = first_quarter.world
    now = freeze(monkeypatch, 2026, 4, 30, 9)
    ten_days_ago = now - datetime.timedelta(days=10)  # past the branch's 7 days: overdue
    submitted(w.member_a, "innovative-activity", datetime.date(2026, 4, 13), ten_days_ago)
    submitted(w.other_member_a, "innovative-activity", datetime.date(2026, 4, 14), ten_days_ago)
    submitted(w.member_a, "community-service", datetime.date(2026, 4, 29), now)
    [kind] = branch_dashboard(w.clerk_a, w.branch_a).tasks
    assert (kind.title, kind.count, kind.oldest_days, kind.average_days) == ("登记", 3, 10, D("6.67"))
    assert kind.overdue == 2 and kind.buckets == (1, 0, 2)
    assert branch_dashboard(w.clerk_b, w.branch_b).tasks == [], "branch B has none"
    assert tasks_by_kind([], timezone.now()) == []


# ---------------------------------------------------------------- 党委看板


def test_the_committee_compares_its_branches_and_ranks_the_half_year(half_year, monkeypatch):
    w = half_year.world
    freeze(monkeypatch, 2026, 7, 20, 9)
    board = organization_dashboard(w.higher, w.committee)
    assert board.period == H1, "the latest ended half-year"
    a, b = board.branches
    assert (a.branch, a.approved, a.summary.count, a.summary.average, a.summary.median) == (
        w.branch_a,
        True,
        7,
        D("2.71"),
        D(2),
    )
    assert (b.summary.average, b.summary.lowest, b.summary.highest, b.summary.spread) == (
        D("3.33"),
        D(0),
        D(8),
        D("3.40"),
    )
    assert board.ranking.complete
    assert names(board.top) == ["张伟", "赵磊", "王芳", "陈静"]
    assert names(board.bottom) == ["黄磊", "吴敏", "刘洋", "李娜"]


def test_the_committee_sees_windows_open_and_branches_not_yet_approved(first_quarter, monkeypatch):
    w = first_quarter.world
    freeze(monkeypatch, 2026, 7, 2, 9)
    period_start(branch=w.branch_b, period=Q2, by=w.clerk_b)
    freeze(monkeypatch, 2026, 7, 3, 9)
    board = organization_dashboard(w.higher, w.committee, H1)
    a, b = board.branches
    assert (a.approved, a.reason, a.windows_open) == (False, "2026年度第2季度尚未发起公示", 0)
    assert (b.approved, b.reason, b.windows_open) == (False, "2026年度第2季度公示中", 1)
    assert not board.ranking.complete and board.top == [] and board.bottom == []
    assert organization_dashboard(w.higher, w.committee).period == H1, "some of H1 is approved"
    quarter = organization_dashboard(w.higher, w.committee, Q1)
    assert [row.approved for row in quarter.branches] == [True, True] and quarter.ranking.complete
