"""The year-end in Excel, re-read with openpyxl: 民主评议统计表, 年度总评 (the 等次评定审批表 with its 审批
columns) and 党员全年积分备案表 — values equal the EvaluationResult / AnnualResult rows, 草稿 until approved,
the sheets' conventions (title rows, frozen header, points formats), text written as text, and who may
download them.

The year is tests/reports/documents/year.py's: branch A's 2026 under 星级党员, walked by the services."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from reports.exports.excel import (
    annual_review_xlsx,
    branch_ledger_xlsx,
    evaluation_tallies_xlsx,
    member_ledger_xlsx,
    year_filing_xlsx,
)
from reports.exports.workbook import POINTS_FORMAT
from tests.factories import make_member
from yearend.annual import results_of
from yearend.models import AnnualDecision, EvaluationResult, SelfAssessment
from yearend.tallies import session_tallies

from .xlsx import header, number, read, rows_by_first

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def columns(sheet, *rows: int) -> dict[str, int]:
    """Header name → column index (0-based), over one or two header rows (a group's second row wins)."""
    found: dict[str, int] = {}
    for row in rows:
        for index, name in enumerate(header(sheet, row)):
            if name:
                found[name] = index
    return found


# ---------------------------------------------------------------- 民主评议统计表


def test_evaluation_tallies_are_the_counts_and_the_approved_results(world, evaluation_done):
    sheet = read(evaluation_tallies_xlsx(world.branch_a, 2026))
    at = columns(sheet, 4, 5)
    rows = rows_by_first(sheet, 1, first_row=6)

    assert sheet["A1"].value == "第一党支部2026年度民主评议统计表"
    assert sheet["A3"].value.startswith("审定：2026年度民主评议 陈静 ")
    assert sheet.freeze_panes == "C6"
    tallies = {t.member.real_name: t for t in session_tallies(evaluation_done)}
    results = {r.member.real_name: r for r in EvaluationResult.objects.filter(session=evaluation_done)}
    assert set(tallies) == set(results) == {"张伟", "王芳", "李娜", "刘洋", "陈静", "孙敏"}
    for name, tally in tallies.items():
        row = rows[name]
        assert row[at["有效票数"]] == tally.ballots
        assert (row[at["网上"]], row[at["纸质"]]) == (tally.online_ballots, tally.paper_ballots)
        for level in evaluation_done.levels:
            assert row[at[f"{level}票"]] == tally.counts[level], (name, level)
        assert row[at["审定结果"]] == results[name].level
        assert number(row[at["评议积分"]]) == results[name].value
    zhang = rows["张伟"]
    assert (zhang[at["评议结果"]], zhang[at["理由"]]) == ("基本合格", "两次无故缺席")  # the committee's
    assert zhang[at["申诉更正"]].startswith("合格（申诉成立：已按期整改")
    assert zhang[at["自评等次"]] == "合格" and zhang[at["自评"]].startswith("全年按时参加组织生活")
    # Secret ballot: no column names a voter.
    assert not {"投票人", "voter"} & set(at)


def test_a_self_assessment_that_looks_like_a_formula_stays_text(world, evaluation_done):
    SelfAssessment.objects.filter(member=world.member_a).update(text='=HYPERLINK("http://x.example","点我")')
    make_member(branch=world.branch_a, real_name="=1+2")

    sheet = read(evaluation_tallies_xlsx(world.branch_a, 2026))
    cell = next(c for c in sheet.iter_rows(min_row=6) for c in c if str(c.value).startswith("=HYPERLINK"))
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x.example","点我")'

    ledger = read(branch_ledger_xlsx(world.branch_a, "2026"))
    name = next(c for c in ledger["B"] if c.value == "=1+2")
    assert name.data_type == "s"  # a name is text, not a formula Excel would compute


def test_evaluation_tallies_are_a_draft_until_approved(world, evaluation_posted):
    sheet = read(evaluation_tallies_xlsx(world.branch_a, 2026))

    assert sheet["A1"].value == "第一党支部2026年度民主评议统计表（草稿）"
    assert sheet["A3"].value.startswith("草稿：支委会评定结果公示中")
    assert rows_by_first(sheet, 1, first_row=6)["张伟"][columns(sheet, 4, 5)["审定结果"]] is None


def test_without_a_session_there_are_no_tallies_to_export(world, quarter):
    with pytest.raises(ValidationError) as caught:
        evaluation_tallies_xlsx(world.branch_a, 2026)
    assert caught.value.messages == ["第一党支部2026年度没有在系统中进行民主评议。"]


# ---------------------------------------------------------------- 年度总评


def test_the_annual_review_sheet_is_the_approved_results_with_the_approval_columns(world, year_ratified):
    sheet = read(annual_review_xlsx(world.branch_a, 2026))
    at = columns(sheet, 4)
    rows = rows_by_first(sheet, 1, first_row=5)

    assert sheet["A1"].value == "第一党支部2026年度党员年终等次评定审批表"
    assert sheet["A3"].value.startswith("审定：2026年度总评 陈静 ")
    assert sheet.freeze_panes == "C5"
    assert sheet.cell(row=5, column=at["总评得分"] + 1).number_format == POINTS_FORMAT
    ratified = year_ratified.decisions.get(kind=AnnualDecision.Kind.RATIFY)
    for result in results_of(year_ratified):
        row = rows[result.member.real_name]
        assert number(row[at["年度积分"]]) == result.points
        assert number(row[at["评议积分"]] or 0) == result.evaluation
        assert number(row[at["总评得分"]]) == result.total
        assert row[at["排名"]] == (result.rank or f"参考{result.reference_rank}")
        assert (row[at["建议等次"]] or "") == result.suggested_grade
        assert (row[at["评定等次"]] or "") == result.grade
        assert row[at["参加等次评定"]] == ("是" if result.graded else "否")
        assert row[at["审定人"]] == "陈静"
        assert (row[at["党委审批"]], row[at["审批人"]]) == ("党委审批同意", "higher")
        assert row[at["审批日期"]].date() == timezone.localdate(ratified.decided_at)
    zhang = rows["张伟"]
    assert (zhang[at["评定等次"]], zhang[at["评定理由"]], zhang[at["评定人"]]) == (
        "基本合格",
        "受组织处理，年内两次无故缺席",
        "刘洋",
    )
    assert rows["王芳"][at["可评先评优"]] == "是" and zhang[at["可评先评优"]] == "否"
    assert zhang[at["需整改"]] == "是" and rows["王芳"][at["需整改"]] == "否"  # 基本合格: 后进
    assert rows["孙敏"][at["转正建议"]] == "按期转正"


def test_the_annual_review_sheet_is_a_draft_until_the_higher_committee_approves(world, year_approved):
    sheet = read(annual_review_xlsx(world.branch_a, 2026))

    assert sheet["A1"].value.endswith("（草稿）")
    assert sheet["A3"].value.startswith(
        "草稿：年度等次已由支部审定，待上级党委审批（已审定：2026年度总评 陈静"
    )


def test_before_the_annual_review_the_sheet_has_the_live_figures_as_a_draft(world, evaluation_done):
    sheet = read(annual_review_xlsx(world.branch_a, 2026))
    at = columns(sheet, 4)
    zhang = rows_by_first(sheet, 1, first_row=5)["张伟"]

    assert sheet["A3"].value.startswith("草稿：年度总评尚未发起（可以发起）")
    assert (number(zhang[at["年度积分"]]), number(zhang[at["总评得分"]]), zhang[at["建议等次"]]) == (
        68,
        83,
        "合格",
    )
    assert zhang[at["评定等次"]] is None


# ---------------------------------------------------------------- 全年积分备案表


def test_the_year_filing_sheet_is_every_members_approved_year(world, year_archived):
    sheet = read(year_filing_xlsx(world.branch_a, 2026))
    at = columns(sheet, 4)
    rows = rows_by_first(sheet, 1, first_row=5)

    assert sheet["A1"].value == "党员全年积分备案表"
    assert sheet["A3"].value.startswith("审定：2026年度总评 陈静 ")
    for result in results_of(year_archived):
        row = rows[result.member.real_name]
        assert number(row[at["项目积分"]]) == result.items_total
        assert number(row[at["上年结转"]]) == result.carry_over
        assert number(row[at["年度积分"]]) == result.points
        assert number(row[at["总评得分"]]) == result.total
        assert row[at["等次"]] == (result.grade if result.graded else "不评等次")
    assert rows["周敏"][at["民主评议"]] == "—"
    notes = [row[0] for row in sheet.iter_rows(min_row=5, values_only=True) if row[0]]
    assert any(str(note).startswith("党委审批：同意：同意（higher ") for note in notes)
    assert any(str(note).startswith("备案：higher ") for note in notes)


def test_the_year_filing_sheet_is_a_draft_until_ratified_and_absent_before_approval(
    world, year_approved, client
):
    sheet = read(year_filing_xlsx(world.branch_a, 2026))
    assert sheet["A1"].value == "党员全年积分备案表（草稿）"


def test_there_is_no_year_filing_sheet_before_the_year_is_approved(world, year_posted, client):
    client.force_login(world.clerk_a)
    response = client.get(reverse("reports:exports:year_filing", args=[world.branch_a.pk, 2026]))
    assert response.status_code == 400
    assert "年度总评尚未审定" in response.content.decode()


# ---------------------------------------------------------------- the ledgers' year-end lines


def test_the_ledger_sheets_carry_the_approved_evaluation_and_annual_total(world, year_approved):
    zhang = results_of(year_approved).get(member=world.member_a)
    sheet = read(member_ledger_xlsx(world.member_a, 2026))
    by_label = rows_by_first(sheet, 0, first_row=5)
    assert number(by_label["年度积分"][4]) == zhang.points
    assert number(by_label["民主评议积分（合格）"][4]) == zhang.evaluation
    assert number(by_label["年度总分（等次：基本合格）"][4]) == zhang.total

    ledger = read(branch_ledger_xlsx(world.branch_a, "2026"))
    at = columns(ledger, 4, 5)
    rows = rows_by_first(ledger, 1, first_row=6)
    for result in results_of(year_approved):
        row = rows[result.member.real_name]
        assert number(row[at["年度总分"]]) == result.total
        assert (row[at["年度等次"]] or "") == result.grade
    assert number(rows["张伟"][at["民主评议积分"]]) == 15 and rows["周敏"][at["民主评议积分"]] == "—"


# ---------------------------------------------------------------- who may download them


def test_the_year_end_sheets_answer_inside_the_branchs_scope_only(client, world, year_approved):
    branch = world.branch_a.pk
    urls = [
        reverse("reports:exports:evaluation_tallies", args=[branch, 2026]),
        reverse("reports:exports:annual_review", args=[branch, 2026]),
        reverse("reports:exports:year_filing", args=[branch, 2026]),
    ]
    for url in urls:
        assert client.get(url)["Location"].startswith("/accounts/login/"), url
    for user in (world.member_a.user, world.outsider.user, world.clerk_b):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
    for user in (world.clerk_a, world.committee_a, world.higher):
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (user, url)
            assert response["Content-Type"] == XLSX
    disposition = client.get(urls[1])["Content-Disposition"]
    assert "%E5%85%9A%E5%91%98%E5%B9%B4%E7%BB%88" in disposition  # 党员年终… in the file name
