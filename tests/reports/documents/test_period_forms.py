"""备案表, 公示 notice and 申报表, rendered from a walked quarter and read back with pdftotext."""

from __future__ import annotations

from decimal import Decimal

from reports.documents.forms import claim_form_pdf, filing_pdf, publicity_notice_pdf
from reports.documents.layout import chinese_date
from scoring.core.ruleset import fmt
from tests.reports.documents.conftest import approve
from tests.workflows.helpers import freeze, open_task, perform
from workflows.flows import PeriodReviewFlow
from workflows.models import Filing, FrozenScore
from workflows.periods import filing_return


def approved_on(quarter) -> str:
    """The approval's date as the forms print it (2026年4月8日)."""
    return chinese_date(quarter.approval.approved_at)


def frozen(quarter, name: str) -> FrozenScore:
    return quarter.approval.scores.get(member__real_name=name)


# ---------------------------------------------------------------- 备案表


def test_filing_prints_the_frozen_scores_with_who_approved_them_and_when(world, archived, read_pdf):
    pdf = read_pdf(filing_pdf(Filing.objects.get(approval=archived.approval)))
    text = pdf.text

    assert "党员季度积分备案表" in text
    assert "第一党支部（盖章）" in pdf.squeezed
    assert "2026年度第1季度（2026年1月1日至2026年3月31日）" in pdf.squeezed
    assert f"审定：陈静{approved_on(archived)}" in pdf.squeezed
    assert "已备案：材料齐全" in pdf.squeezed
    assert "经办人：higher2026年4月9日" in pdf.squeezed
    # 张伟 first with his frozen 4 points; each member's row carries the FrozenScore figures.
    for name in ("张伟", "王芳", "李娜", "刘洋", "陈静"):
        score, row = frozen(archived, name), pdf.row(name)
        assert fmt(score.period_total) in row, (name, row)
        assert fmt(score.cycle_total) in row, (name, row)
    assert frozen(archived, "张伟").period_total == Decimal(4)
    assert pdf.row_number("张伟") < pdf.row_number("王芳") < pdf.row_number("陈静")
    for line in ("填表人签字", "支部书记签字", "支部盖章", "第 1 页 共 1 页"):
        assert line.replace(" ", "") in pdf.squeezed, line
    assert "草稿" not in text


def test_a_filing_sent_back_prints_as_a_draft_saying_why(world, quarter, monkeypatch, read_pdf):
    freeze(monkeypatch, 2026, 4, 9, 15)
    task = open_task(quarter.review.process, PeriodReviewFlow.file)
    perform(task, world.higher, lambda **kw: filing_return(review=quarter.review, reason="缺少签到表", **kw))
    filing = Filing.objects.get(approval=quarter.approval)

    pdf = read_pdf(filing_pdf(filing))

    assert "草稿" in pdf.text
    assert "上级党委已退回本次备案（缺少签到表）" in pdf.squeezed


def test_a_superseded_approval_prints_as_a_draft_and_the_new_round_does_not(
    world, quarter, monkeypatch, read_pdf
):
    freeze(monkeypatch, 2026, 4, 9, 15)
    task = open_task(quarter.review.process, PeriodReviewFlow.file)
    perform(task, world.higher, lambda **kw: filing_return(review=quarter.review, reason="重新核对", **kw))
    second = approve(world, quarter.review)

    old = read_pdf(filing_pdf(quarter.approval.filing))
    new = read_pdf(filing_pdf(second.filing))

    assert "草稿" in old.text
    assert "草稿" not in new.text
    assert "第2次审定" in new.squeezed


# ---------------------------------------------------------------- 公示 notice


def test_publicity_notice_posts_the_list_the_window_and_how_to_appeal(world, in_publicity, read_pdf):
    pdf = read_pdf(publicity_notice_pdf(in_publicity))
    text, squeezed = pdf.text, pdf.squeezed

    assert "第一党支部党员积分公示" in squeezed
    assert "公示期：2026年4月2日09:00至2026年4月7日09:00" in squeezed
    assert "请于2026年4月7日09:00前提出申诉" in squeezed
    assert "申诉" in text and "支委会核实后答复申诉人" in squeezed
    for name in ("张伟", "王芳", "李娜"):
        assert name in text
    assert "创新型特色党员活动" in pdf.flow
    assert "核实签到表，提前离会不计分" in pdf.flow  # the correction an upheld appeal made
    # Not yet approved: no result, no 审定 line. The notice is what is posted, never a draft.
    assert "审定结果" not in text and "审定：" not in text
    assert "草稿" not in text
    assert "支部盖章" in squeezed


def test_publicity_notice_after_approval_adds_the_frozen_result(world, quarter, read_pdf):
    pdf = read_pdf(publicity_notice_pdf(quarter.review))

    assert "审定结果" in pdf.text
    assert f"审定：陈静{approved_on(quarter)}" in pdf.squeezed
    assert fmt(frozen(quarter, "张伟").period_total) in pdf.row("张伟")


# ---------------------------------------------------------------- 申报表


def test_claim_form_shows_the_claim_its_evidence_and_who_did_what(world, quarter, read_pdf):
    claim = quarter.claim
    pdf = read_pdf(claim_form_pdf(claim))
    squeezed = pdf.squeezed

    assert "党员积分申报表" in squeezed
    assert "所在支部：第一党支部" in squeezed
    assert "2026年度第1季度" in squeezed
    assert "张伟" in squeezed and "创新型特色党员活动" in squeezed
    assert "2026年3月10日" in squeezed
    assert "photo.png" in squeezed  # the evidence
    assert "组织委员登记李娜" in squeezed
    assert "支委会审核（审核通过）刘洋" in squeezed
    assert "核定分值+2" in squeezed
    pdf.line("审定：陈静", approved_on(quarter), "（2026年度第1季度）")
    for line in ("党员本人签字", "组织委员签字", "支部书记签字", "支部盖章"):
        assert line in squeezed
    assert "草稿" not in pdf.text


def test_claim_form_is_a_draft_until_its_period_is_approved(world, in_publicity, entries_q1, read_pdf):
    pdf = read_pdf(claim_form_pdf(entries_q1))

    assert "草稿" in pdf.text
    assert "已审核通过，待本期公示、审定后计入" in pdf.squeezed
    assert "审定：" not in pdf.text
