"""The ledger data every document uses equals what the scoring core and 审定 say: the months of a
period add up to its frozen score, reversed entries are left out, columns come from the rule set, and
anything not (or no longer) approved is a draft."""

from __future__ import annotations

import datetime
from dataclasses import replace
from decimal import Decimal

import pytest

from reports.ledgers import (
    Column,
    branch_ledger,
    filing_sheet,
    item_column,
    member_ledger,
    quarter_detail,
)
from scoring.core.periods import PERIOD_CODE_INVALID, Period, PeriodKind
from scoring.core.presets import load_preset
from scoring.core.ruleset import CategoryKind
from scoring.selectors import branch_scores
from tests.workflows.helpers import Q1, freeze, open_task, perform
from workflows.flows import PeriodReviewFlow
from workflows.models import FrozenScore, PeriodReview
from workflows.periods import filing_return

from .conftest import approve, quarter_entries

D = Decimal


def by_name(rows):
    return {row.member.real_name: row for row in rows}


# --- equal to the core and to 审定 -----------------------------------------------------------


def test_branch_ledger_totals_equal_the_frozen_scores_and_the_core(world, quarter):
    ledger = branch_ledger(world.branch_a, "2026-Q1")
    frozen = {s.member.real_name: s for s in FrozenScore.objects.filter(approval=quarter.approval)}
    core = branch_scores(world.branch_a, 2026, Q1)
    assert set(by_name(ledger.rows)) == set(frozen) == {"张伟", "王芳", "李娜", "刘洋", "陈静"}
    for name, row in by_name(ledger.rows).items():
        assert row.total == frozen[name].period_total == core[str(row.member.pk)].total
        assert row.cycle_total == frozen[name].cycle_total
        assert row.rank == frozen[name].period_rank
        assert sum(month.subtotal for month in row.months) == row.points == row.total
    assert ledger.total == sum(s.period_total for s in frozen.values()) == D("-0.5")
    assert ledger.month_labels == ["2026年1月", "2026年2月", "2026年3月"]


def test_branch_ledger_months_and_columns(world, quarter):
    rows = by_name(branch_ledger(world.branch_a, "2026-Q1").rows)
    zhang = [(m.base, m.bonus, m.deductions, m.subtotal) for m in rows["张伟"].months]
    # February: 党员活动日 (基础积分); March: 支部党员大会 and an innovative activity (特色 → 加分项).
    assert zhang == [(0, 0, 0, 0), (1, 0, 0, 1), (1, 2, 0, 3)]
    wang = [(m.base, m.bonus, m.deductions, m.subtotal) for m in rows["王芳"].months]
    # February: community service +2, absent from the activity day −1; March's meeting cancelled on appeal.
    assert wang == [(0, 0, 0, 0), (0, 2, 1, 1), (0, 0, 0, 0)]
    lina = rows["李娜"]
    assert (lina.base, lina.bonus, lina.deductions, lina.total) == (0, 0, D("1.5"), D("-1.5"))


def test_member_ledger_year_points_are_the_cores_in_year_total_without_the_evaluation(world, quarter):
    ledger = member_ledger(world.member_a, 2026)
    year = branch_scores(world.branch_a, 2026, Period(2026, PeriodKind.CYCLE))[str(world.member_a.pk)]
    # 4 points, and nothing weighted in: the 民主评议 is the year's, held at its end (年度总评)
    assert ledger.total == year.to_date.total == D(4)
    assert [m.month for m in ledger.months] == list(range(1, 13))
    assert ledger.points == sum(m.subtotal for m in ledger.months) == D(4)
    assert ledger.adjustments == []
    assert (ledger.year_end.evaluation, ledger.year_end.total) == (None, None)  # 待民主评议, 待年度总评
    assert ledger.grade == ""  # an in-year 等次 means nothing where the 民主评议 weighs 30 %
    q1 = sum(m.subtotal for m in ledger.months[:3])
    assert q1 == FrozenScore.objects.get(approval=quarter.approval, member=world.member_a).period_total


def test_member_ledger_floor_shows_as_an_adjustment(world, quarter):
    ledger = member_ledger(world.branch_a.members.get(real_name="李娜"), 2026)
    assert ledger.points == D("-1.5")
    assert ledger.total == 0  # the floor of the rule set
    assert ledger.points + sum(a.points for a in ledger.adjustments) == 0


def test_quarter_detail_lists_the_entries_that_count_and_leaves_reversed_ones_out(world, quarter):
    detail = quarter_detail(world.other_member_a, "2026-Q1")
    assert [(e.occurred_on, e.item_code, e.column, e.points, e.source) for e in detail.entries] == [
        (datetime.date(2026, 2, 5), "absent-without-leave", Column.DEDUCTION, D(-1), "登记"),
        (datetime.date(2026, 2, 12), "community-service", Column.BONUS, D(2), "申报"),
    ]
    assert detail.entries[1].item_name == "城市精细化管理、一个组织一面旗、结对服务进社区活动"
    assert detail.entries[1].category == "特色积分"
    frozen = FrozenScore.objects.get(approval=quarter.approval, member=world.other_member_a)
    assert detail.total == detail.entries_total == frozen.period_total == D(1)
    assert not detail.draft
    assert [str(a) for a in detail.approvals] == ["2026年度第1季度 第1次审定：陈静"]


def test_filing_sheet_is_the_frozen_scores_of_the_approval(world, quarter):
    sheet = filing_sheet(quarter.approval.filing)
    assert sheet.title == "党员季度积分备案表"
    assert [row.member.real_name for row in sheet.rows] == ["张伟", "王芳", "李娜", "刘洋", "陈静"]
    zhang = sheet.rows[0]
    assert (zhang.base, zhang.bonus, zhang.deductions, zhang.period_total, zhang.period_rank) == (
        2,
        2,
        0,
        4,
        1,
    )
    assert zhang.cycle_total == D(4)  # the year to date: points only until the 民主评议
    assert sheet.period_total == D("-0.5")
    assert sheet.approval.approved_by == "陈静"


# --- drafts and approvals --------------------------------------------------------------------


def test_everything_is_a_draft_before_approval(world, rules_2026, monkeypatch):
    freeze(monkeypatch, 2026, 3, 20, 10)
    quarter_entries(world)
    ledger = branch_ledger(world.branch_a, "2026-Q1")
    assert ledger.draft and ledger.approvals == []
    assert by_name(ledger.rows)["张伟"].total == D(4)  # computed by the core, marked 草稿
    assert quarter_detail(world.member_a, "2026-Q1").draft


def test_a_year_is_a_draft_until_every_quarter_is_approved(world, quarter):
    assert not branch_ledger(world.branch_a, "2026-Q1").draft
    assert not branch_ledger(world.branch_a, "2026-M02").draft
    assert branch_ledger(world.branch_a, "2026-H1").draft
    assert member_ledger(world.member_a, 2026).draft


def test_a_returned_filing_makes_the_period_a_draft_and_a_re_approval_supersedes(world, quarter):
    review = quarter.review
    perform(
        open_task(review.process, PeriodReviewFlow.file),
        world.higher,
        lambda **kw: filing_return(review=review, reason="请核对王芳的扣分", **kw),
    )
    ledger = branch_ledger(world.branch_a, "2026-Q1")
    assert ledger.draft and ledger.approvals == []
    approve(world, PeriodReview.objects.get(pk=review.pk))
    ledger = branch_ledger(world.branch_a, "2026-Q1")
    assert not ledger.draft
    assert [(a.round, a.approved_by, a.filing_status) for a in ledger.approvals] == [(2, "陈静", "待备案")]


def test_a_bad_period_code_is_refused_in_chinese(world, quarter):
    with pytest.raises(ValueError) as refused:
        branch_ledger(world.branch_a, "2026-Q5")
    assert str(refused.value) == PERIOD_CODE_INVALID.format(code="2026-Q5")


# --- columns are read from the rule set ------------------------------------------------------


@pytest.mark.parametrize(
    ("preset", "item", "column"),
    [
        ("erqi-2021", "branch-meeting", Column.BASE),  # 基础积分, earns points
        ("erqi-2021", "innovative-activity", Column.BONUS),  # 特色积分
        ("erqi-2021", "absent-on-leave", Column.DEDUCTION),
        ("erqi-2021", "disciplinary-sanction", Column.DEDUCTION),  # a veto takes away
        ("caiqi-erchang", "integrity", Column.DEDUCTION),  # 基础分 deducted from (倒扣)
        ("caiqi-erchang", "duty-performance", Column.BASE),  # 履职分: 基础分 60 + 履职分 40 (kind: base)
        ("nongcun", "teach-techniques", Column.BONUS),
    ],
)
def test_item_columns_come_from_the_rule_set(preset, item, column):
    rules = load_preset(preset)
    assert item_column(rules, rules.item(item)) == column


def test_a_category_without_a_kind_is_read_by_its_name():
    rules = load_preset("erqi-2021")
    unmarked = replace(rules, categories=tuple(replace(c, kind=None) for c in rules.categories))
    assert item_column(unmarked, unmarked.item("branch-meeting")) == Column.BASE  # 基础积分
    assert item_column(unmarked, unmarked.item("innovative-activity")) == Column.BONUS  # 特色积分
    marked = replace(rules, categories=tuple(replace(c, kind=CategoryKind.BONUS) for c in rules.categories))
    assert item_column(marked, marked.item("branch-meeting")) == Column.BONUS  # the data decides


def test_a_period_of_another_kind_uses_the_same_months(world, quarter):
    ledger = branch_ledger(world.branch_a, "2026-M03")
    assert ledger.period == Period(2026, PeriodKind.MONTH, 3)
    assert by_name(ledger.rows)["张伟"].total == D(3)
