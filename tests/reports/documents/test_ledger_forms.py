"""台账, branch ledger, 季度明细登记表 and the year-end forms, rendered from walked periods and read back."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from accounts.models import Member
from reports.documents.forms import (
    branch_ledger_pdf,
    democratic_review_pdf,
    member_ledger_pdf,
    quarter_detail_pdf,
    year_grade_approval_pdf,
)
from reports.documents.layout import chinese_date
from reports.ledgers import member_ledger
from scoring.core.periods import Period, PeriodKind
from scoring.core.presets import preset_path
from scoring.core.ruleset import fmt
from scoring.selectors import branch_scores
from scoring.services import ruleset_create
from tests.factories import make_member

SIGNATURES = ("党员本人签字", "党支部书记签字", "支部盖章")


def year_to_date(branch, member, cycle: int) -> Decimal:
    """The core's in-year total of the cycle (points only: no 民主评议 is weighed in before it is held)."""
    return branch_scores(branch, cycle, Period(cycle, PeriodKind.CYCLE))[str(member.pk)].to_date.total


# ---------------------------------------------------------------- 党员积分量化管理台账


def test_member_ledger_prints_twelve_months_and_the_cores_year_total(world, quarter, read_pdf):
    pdf = read_pdf(member_ledger_pdf(world.member_a, 2026))

    assert "党员积分量化管理台账" in pdf.squeezed
    assert "党员姓名：张伟（正式党员）" in pdf.squeezed
    assert "2026年度" in pdf.squeezed
    assert pdf.row("2月")[1:] == ["1", "0", "0", "1"]  # 基础分 加分项 扣分事项 本月小计
    assert pdf.row("3月")[1:] == ["1", "2", "0", "3"]
    assert pdf.row("12月")[1:] == ["0", "0", "0", "0"]
    assert pdf.row("合计")[-1] == "4"
    total = year_to_date(world.branch_a, world.member_a, 2026)
    assert total == Decimal(4)  # points only: the 民主评议 (30 %) is the year's, not yet held
    assert pdf.line("年度积分", fmt(total))
    assert pdf.line("民主评议积分", "待民主评议")
    assert pdf.line("年度总分", "待年度总评")
    assert pdf.line("审定：陈静", chinese_date(quarter.approval.approved_at), "（2026年度第1季度）")
    for line in SIGNATURES:
        assert line in pdf.squeezed
    # Only the first quarter is approved: the year is a draft.
    assert "草稿" in pdf.text
    assert "所列期间尚有积分未经支部审定" in pdf.squeezed


def test_member_ledger_of_an_approved_year_is_no_draft(world, whole_year, read_pdf):
    pdf = read_pdf(member_ledger_pdf(world.member_a, 2026))

    assert "草稿" not in pdf.text
    assert pdf.row("5月")[-1] == "1"
    assert pdf.line("年度积分", fmt(year_to_date(world.branch_a, world.member_a, 2026)))
    assert pdf.line("年度总分", "待年度总评")  # the periods are approved; the 年度总评 is another step
    assert pdf.line("审定：陈静", "（2026年度第1半年）")
    assert pdf.line("审定：陈静", "（2026年度第2半年）")


# ---------------------------------------------------------------- the branch ledger


def test_branch_ledger_prints_every_member_with_the_frozen_period_totals(world, quarter, read_pdf):
    pdf = read_pdf(branch_ledger_pdf(world.branch_a, "2026-Q1"))

    assert "党员积分量化管理台账（支部汇总）" in pdf.squeezed
    assert "党支部：第一党支部" in pdf.squeezed
    assert "2026年度第1季度" in pdf.squeezed
    for score in quarter.approval.scores.select_related("member"):
        row = pdf.row(score.member.real_name)
        # … 本期积分, 排名, 年度累计 (the signature cell is empty).
        assert row[-3] == fmt(score.period_total), row
        assert row[-1] == fmt(score.cycle_total), row
    assert "党支部书记签字" in pdf.squeezed and "党员本人签字" in pdf.squeezed
    assert "草稿" not in pdf.text


def test_branch_ledger_of_a_period_not_yet_approved_is_a_draft(world, quarter, read_pdf):
    pdf = read_pdf(branch_ledger_pdf(world.branch_a, "2026-Q2"))

    assert "草稿" in pdf.text
    assert "审定：" not in pdf.text


def test_a_long_branch_ledger_repeats_its_header_and_numbers_its_pages(world, entries_q1, read_pdf):
    for n in range(50):
        make_member(branch=world.branch_a, real_name=f"党员{n:02d}")

    pdf = read_pdf(branch_ledger_pdf(world.branch_a, "2026-Q1"))

    assert pdf.pages >= 2
    second = pdf.page(2)
    assert "党员姓名" in second and "本月小计" in second and "基础分" in second
    assert "第一党支部" in second  # the running header
    assert f"第2页共{pdf.pages}页" in "".join(second.split())
    assert "党员49" in pdf.text


# ---------------------------------------------------------------- 党员季度积分明细登记表


def test_quarter_detail_lists_each_entry_and_the_frozen_total(world, quarter, read_pdf):
    pdf = read_pdf(quarter_detail_pdf(world.other_member_a, "2026-Q1"))

    assert "党员季度积分明细登记表" in pdf.squeezed
    assert "姓名：王芳（正式党员）" in pdf.squeezed
    assert "无故不参加会议、活动" in pdf.flow
    assert "城市精细化管理" in pdf.flow
    assert "支部党员大会" not in pdf.flow  # cancelled on appeal: the entry and its reversal are out
    frozen = quarter.approval.scores.get(member=world.other_member_a).period_total
    assert frozen == Decimal(1)
    assert pdf.line("本期积分", fmt(frozen))
    assert "草稿" not in pdf.text
    for line in ("党员本人签字", "组织委员签字", "支部书记签字"):
        assert line in pdf.squeezed


def test_quarter_detail_of_a_quarter_not_approved_is_a_draft(world, quarter, read_pdf):
    pdf = read_pdf(quarter_detail_pdf(world.member_a, "2026-Q2"))

    assert "草稿" in pdf.text
    assert "本期没有积分记录" in pdf.squeezed


# -------------------------------------------------------- 民主评议表 and 等次评定审批表 (no year-end yet)
# The forms filled from a 民主评议 and a 年度总评 held in the system are in test_year_forms.py.


def test_democratic_review_without_a_session_prefills_the_points_and_leaves_boxes(world, quarter, read_pdf):
    pdf = read_pdf(democratic_review_pdf(world.member_a, 2026))
    squeezed = pdf.squeezed

    assert "党员民主评议表" in squeezed
    assert "支部名称：第一党支部（盖章）" in squeezed
    assert "张伟" in squeezed and "正式党员" in squeezed
    points = member_ledger(world.member_a, 2026).points
    assert points == Decimal(4)
    # 基础分 2 · 加分项 2 · 扣分事项 0 · 年度积分 4; 民主评议分 and 年度总分 wait for the year's end.
    assert re.search(r"^\s*2\s+2\s+0\s+4\s+待民主评议\s+待年度总评\s+—\s*$", pdf.text, re.MULTILINE)
    for box in ("个人自评", "党员互评", "主要意见", "支部意见", "支部书记签字", "党员本人签字", "支部盖章"):
        assert box in squeezed, box
    for level in ("优秀", "合格", "基本合格", "不合格"):
        assert level in squeezed
    assert "积分×70%+民主评议分×30%" in squeezed
    assert "草稿" in pdf.text  # three quarters still to approve


def test_democratic_review_of_an_approved_year_is_no_draft(world, whole_year, read_pdf):
    pdf = read_pdf(democratic_review_pdf(world.member_a, 2026))

    assert "草稿" not in pdf.text
    assert pdf.line("审定：陈静", "（2026年度第2半年）")


def test_year_grade_approval_before_the_annual_review_prints_the_live_points_as_a_draft(
    world, quarter, read_pdf
):
    make_member(branch=world.branch_a, real_name="周敏", kind=Member.Kind.CANDIDATE)

    pdf = read_pdf(year_grade_approval_pdf(world.branch_a, 2026))
    squeezed = pdf.squeezed

    assert "党员年终等次评定审批表" in squeezed
    assert "支部名称：第一党支部（盖章）" in squeezed
    # 序号 姓名 类别 | 民主评议 年度积分 总评得分 排名 建议等次 评定等次: the points and rank so far, the rest
    # waits for the 民主评议 — no total is printed that nobody decided.
    assert pdf.row("张伟")[1:] == ["张伟", "正式党员", "待民主评议", "4", "—", "1", "—", "—"]
    assert "草稿：年度总评尚未发起（" in squeezed
    # 发展对象 are not graded (002): listed apart.
    assert "不参与等次评定人员" in squeezed and "发展对象不参与年度等次评定" in squeezed
    assert pdf.row_number("周敏") > pdf.row_number("不参与等次评定人员")
    for box in ("评定等次", "支部委员会意见", "党委审批意见", "党委盖章", "支部盖章"):
        assert box in squeezed, box


def test_year_grade_approval_is_a_draft_while_there_is_no_annual_review(world, whole_year, read_pdf):
    pdf = read_pdf(year_grade_approval_pdf(world.branch_a, 2026))

    assert "草稿" in pdf.text
    assert "年度总评尚未发起" in pdf.squeezed
    assert pdf.row("张伟")[4] == "1"  # one branch meeting in May, nothing else in 2026


@pytest.fixture
def village_rules_2025(world):
    """农村 rules for 2025: base 100 granted automatically, grades, no 民主评议 — the grade is final."""
    return ruleset_create(
        organization=world.committee,
        cycle=2025,
        text=preset_path("nongcun").read_text(encoding="utf-8"),
        by=world.higher,
        note="",
        in_force=True,
    )


def test_year_grade_approval_suggests_the_cores_grade_when_the_rules_have_no_evaluation(
    world, village_rules_2025, read_pdf
):
    pdf = read_pdf(year_grade_approval_pdf(world.branch_a, 2025))

    row = pdf.row("张伟")
    score = branch_scores(world.branch_a, 2025, Period(2025, PeriodKind.CYCLE))[str(world.member_a.pk)]
    assert score.to_date.total == Decimal(100) and score.to_date.grade == "达到基础分"
    # 总评得分 排名 建议等次 评定等次: nothing waits for a 民主评议, the committee's 等次 is still to come.
    assert row[-4:] == ["100", "1", "达到基础分", "—"]
    assert "民主评议等次" not in pdf.squeezed
    assert "等次标准：达到基础分100分以上；低于基础分其余" in pdf.squeezed
