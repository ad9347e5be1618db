"""Excel exports round-trip: re-read with openpyxl, the numbers are the scores (the core's and 审定's),
with a title row saying 审定 or 草稿, a frozen header, points formats, widths for Chinese and a totals row."""

from __future__ import annotations

from decimal import Decimal

from reports.exports.excel import branch_ledger_xlsx, filing_xlsx, member_ledger_xlsx, quarter_detail_xlsx
from reports.exports.workbook import POINTS_FORMAT, display_width
from scoring.core.periods import Period, PeriodKind
from scoring.selectors import branch_scores
from tests.workflows.helpers import Q1, freeze, open_task, perform
from workflows.flows import PeriodReviewFlow
from workflows.models import FrozenScore
from workflows.periods import filing_return

from .conftest import quarter_entries
from .xlsx import header, number, read, rows_by_first

D = Decimal


def frozen_by_name(approval) -> dict[str, FrozenScore]:
    return {
        s.member.real_name: s for s in FrozenScore.objects.filter(approval=approval).select_related("member")
    }


def test_branch_ledger_round_trip_equals_the_frozen_scores(world, quarter):
    sheet = read(branch_ledger_xlsx(world.branch_a, "2026-Q1"))
    top, sub = header(sheet, 4), header(sheet, 5)
    assert top[:4] == ["序号", "姓名", "党员类别", "2026年1月"] and top[7] == "2026年2月"
    assert sub[3:7] == ["基础分", "加分项", "扣分事项", "小计"]
    total_at, cycle_at, rank_at = top.index("本期积分"), top.index("年度累计积分"), top.index("本期排名")
    rows = rows_by_first(sheet, 1, first_row=6)
    frozen = frozen_by_name(quarter.approval)
    core = branch_scores(world.branch_a, 2026, Q1)
    for name, score in frozen.items():
        row = rows[name]
        assert number(row[total_at]) == score.period_total == core[str(score.member_id)].total
        assert number(row[cycle_at]) == score.cycle_total
        assert row[rank_at] == score.period_rank
    assert number(rows["合计"][total_at]) == sum(s.period_total for s in frozen.values()) == D("-0.5")
    # 张伟: February 1 基础分; March 1 基础分 + 2 加分项.
    assert [number(v) for v in rows["张伟"][3:15]] == [0, 0, 0, 0, 1, 0, 0, 1, 1, 2, 0, 3]


def test_sheets_have_a_title_an_approval_line_a_frozen_header_and_points_formats(world, quarter):
    sheet = read(branch_ledger_xlsx(world.branch_a, "2026-Q1"))
    assert sheet["A1"].value == "第一党支部党员积分台账"
    assert (
        sheet["A2"].value == "支部：第一党总支 第一党支部　期间：2026年度第1季度（2026-01-01 至 2026-03-31）"
    )
    assert sheet["A3"].value.startswith("审定：2026年度第1季度 陈静 ")
    assert sheet.freeze_panes == "C6"  # title rows and both header rows, 序号 and 姓名
    assert sheet.cell(row=6, column=4).number_format == POINTS_FORMAT
    assert sheet.cell(row=6, column=1).number_format == "0"
    assert sheet.column_dimensions["B"].width >= display_width("姓名") + 2
    assert sheet.print_title_rows == "$4:$5"  # the header repeats on every printed page


def test_member_ledger_round_trip(world, quarter):
    sheet = read(member_ledger_xlsx(world.member_a, 2026))
    assert header(sheet) == ["月份", "基础分", "加分项", "扣分事项", "本月小计"]
    assert sheet.freeze_panes == "B5"
    rows = rows_by_first(sheet, 0, first_row=5)
    assert [number(v) for v in rows["2026年3月"][1:]] == [1, 2, 0, 3]
    assert [number(v) for v in rows["合计"][1:]] == [2, 2, 0, 4]
    year = branch_scores(world.branch_a, 2026, Period(2026, PeriodKind.CYCLE))[str(world.member_a.pk)]
    assert number(rows["年度积分"][4]) == year.to_date.total == D(4)  # points only until the year's end
    # The year's 民主评议 and 年度总分 are the approved 年度总评's: not there yet, and the sheet says so.
    assert rows["民主评议积分"][4] == "待民主评议"
    assert rows["年度总分"][4] == "待年度总评"
    # Only the first quarter is approved: the year is a draft, and says so in the title rows.
    assert sheet["A1"].value == "党员积分量化管理台账（草稿）"
    assert sheet["A3"].value.startswith("草稿：")
    assert sheet["A3"].font.color.rgb.endswith("C00000")
    assert sheet["B6"].number_format == POINTS_FORMAT


def test_quarter_detail_round_trip(world, quarter):
    sheet = read(quarter_detail_xlsx(world.other_member_a, "2026-Q1"))
    assert header(sheet)[:7] == ["序号", "日期", "项目编码", "积分项目", "类别", "栏目", "分值"]
    rows = rows_by_first(sheet, 0, first_row=5)
    assert [rows[1][2], rows[1][5], number(rows[1][6])] == ["absent-without-leave", "扣分事项", -1]
    assert rows[1][1].date().isoformat() == "2026-02-05" and sheet["B5"].number_format == "yyyy-mm-dd"
    assert [rows[2][2], number(rows[2][6])] == ["community-service", 2]
    assert 3 not in rows  # the meeting point cancelled on appeal is not listed
    by_label = rows_by_first(sheet, 1, first_row=5)
    frozen = FrozenScore.objects.get(approval=quarter.approval, member=world.other_member_a)
    assert number(by_label["本期积分"][6]) == number(by_label["合计"][6]) == frozen.period_total
    # 积分项目 is long: its column is wrapped and bounded, never wider than 40.
    assert 20 <= sheet.column_dimensions["D"].width <= 40


def test_filing_round_trip_has_the_columns_of_the_printed_form(world, quarter):
    sheet = read(filing_xlsx(quarter.approval.filing))
    assert header(sheet) == [
        "序号",
        "姓名",
        "党员类别",
        "基础分",
        "加分项",
        "扣分事项",
        "本期积分",
        "本期排名",
        "年度累计",
        "累计排名",
        "备注",
    ]
    assert sheet["A1"].value == "党员季度积分备案表"
    rows = rows_by_first(sheet, 1, first_row=5)
    for name, score in frozen_by_name(quarter.approval).items():
        assert number(rows[name][6]) == score.period_total
        assert number(rows[name][8]) == score.cycle_total
    assert [number(v) for v in rows["合计"][3:7]] == [2, 4, D("6.5"), D("-0.5")]


def test_a_returned_filing_exports_as_a_draft(world, quarter):
    review = quarter.review
    perform(
        open_task(review.process, PeriodReviewFlow.file),
        world.higher,
        lambda **kw: filing_return(review=review, reason="请核对王芳的扣分", **kw),
    )
    quarter.approval.filing.refresh_from_db()
    sheet = read(filing_xlsx(quarter.approval.filing))
    assert sheet["A1"].value == "党员季度积分备案表（草稿）"
    assert sheet["A3"].value.startswith("草稿：上级党委已退回本次备案（请核对王芳的扣分）")


def test_an_unapproved_period_exports_as_a_draft_with_the_cores_numbers(world, rules_2026, monkeypatch):
    freeze(monkeypatch, 2026, 3, 20, 10)
    quarter_entries(world)
    sheet = read(branch_ledger_xlsx(world.branch_a, "2026-Q1"))
    assert sheet["A1"].value == "第一党支部党员积分台账（草稿）"
    assert sheet["A3"].value == "草稿：尚未（全部）审定，数字可能变动"
    total_at = header(sheet).index("本期积分")
    assert number(rows_by_first(sheet, 1, first_row=6)["张伟"][total_at]) == D(4)


def test_display_width_counts_chinese_as_two():
    assert display_width("张伟") == 4 and display_width("ab") == 2 and display_width("１") == 2


def test_branch_ranking_round_trip_equals_the_frozen_ranks(world, quarter):
    from reports.exports.excel import ranking_xlsx
    from reports.rankings import branch_ranking

    sheet = read(ranking_xlsx(world.branch_a, "2026-Q1"))
    assert header(sheet) == ["名次", "姓名", "所在支部", "党员类别", "积分", "等次", "备注"]
    assert sheet["A1"].value == "第一党支部支部党员积分排名" and sheet["A3"].value.startswith("审定：")
    rows = rows_by_first(sheet, 1, first_row=5)
    frozen = frozen_by_name(quarter.approval)
    for ranked in branch_ranking(world.branch_a, "2026-Q1"):
        name = ranked.member.real_name
        assert rows[name][0] == ranked.rank == frozen[name].period_rank
        assert number(rows[name][4]) == ranked.total == frozen[name].period_total
    assert [rows[name][0] for name in ("张伟", "王芳", "李娜", "刘洋", "陈静")] == [1, 2, 3, 4, 4]
    assert sheet.freeze_panes == "C5" and sheet["E5"].number_format == POINTS_FORMAT


def test_an_organization_ranking_waits_for_every_branch_and_says_which(world, quarter):
    from reports.exports.excel import ranking_xlsx

    sheet = read(ranking_xlsx(world.committee, "2026-Q1"))
    assert sheet["A1"].value == "某区机关党委党员积分全委排名（草稿）"
    assert sheet["A3"].value.startswith("草稿：尚未全部审定（第二党支部：")
    assert rows_by_first(sheet, 1, first_row=5)["合计"][2] == "0人"
