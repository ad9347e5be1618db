"""The year-end forms filled from the system's records, read back with pdftotext: 党员民主评议表 (one member
and the whole branch), 党员年终等次评定审批表, 党员全年积分备案表, and the 台账's 民主评议积分 / 年度总分
lines — their figures equal the EvaluationResult and AnnualResult rows, 草稿 until approved and not after.

The year is tests/reports/documents/year.py's: branch A's 2026 under 星级党员, walked by the services."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import Member
from reports.documents.forms import (
    branch_democratic_review_pdf,
    branch_ledger_pdf,
    democratic_review_pdf,
    member_ledger_pdf,
    year_filing_pdf,
    year_grade_approval_pdf,
)
from reports.documents.layout import chinese_date
from scoring.core.ruleset import fmt
from tests.factories import make_member
from tests.workflows.helpers import freeze, open_task, perform
from tests.yearend.conftest import rules
from tests.yearend.helpers import at, record
from yearend.annual import annual_review_ratify, results_of
from yearend.evaluation import ballots_cast, evaluation_open, paper_tally_enter
from yearend.flows import AnnualReviewFlow
from yearend.models import AnnualDecision, CarryOverFigure, EvaluationResult, EvaluationSession
from yearend.standings import branch_year
from yearend.tallies import session_tallies

from .year import SELF_TEXT

EVALUATED = ("张伟", "王芳", "李娜", "刘洋", "陈静", "孙敏")  # 正式党员 and the 预备党员; not 周敏 (发展对象)


def between(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


def result_of(world, name: str) -> EvaluationResult:
    return EvaluationResult.objects.get(member__real_name=name, session__branch=world.branch_a)


# ---------------------------------------------------------------- 党员民主评议表


def test_democratic_review_prints_the_self_assessment_the_count_and_the_approved_result(
    world, evaluation_done, read_pdf
):
    pdf = read_pdf(democratic_review_pdf(world.member_a, 2026))
    flow = pdf.flow

    assert "草稿" not in pdf.text
    assert f"；陈静{chinese_date(evaluation_done.approved_at)}（2026年度民主评议）" in pdf.squeezed
    # 自评, as the member wrote it on the phone.
    assert "自评等次：合格" in flow and "".join(SELF_TEXT.split()) in flow
    # 互评: the count of the online and paper ballots, as the officers' tally has it.
    tally = next(t for t in session_tallies(evaluation_done) if t.member == world.member_a)
    assert (tally.online_ballots, tally.paper_ballots, dict(tally.counts)) == (
        2,
        2,
        {"合格": 3, "基本合格": 1},
    )
    assert "有表决权的党员5人，有效票4张（网上2张，纸质2张）" in flow
    assert "评议票数：优秀0票，合格3票，基本合格1票，不合格0票" in flow
    assert "按票数：合格" in flow
    # Secret: the box names no voter (王芳 and 刘洋 voted online for 张伟).
    peers = between(flow, "党员互评", "支部意见")
    assert "王芳" not in peers and "刘洋" not in peers
    # 支部意见: the committee's 基本合格 with its reason, the appeal's correction, the approved result.
    result = result_of(world, "张伟")
    assert (result.level, result.value) == ("合格", Decimal(15))
    assert pdf.line("评议等次：基本合格（10分）", "理由：两次无故缺席", "支委会评定：刘洋2027年1月10日")
    assert pdf.line("申诉更正为：合格（15分）", "申诉成立：已按期整改")
    assert pdf.line("审定结果：合格，计15分", f"审定：陈静{chinese_date(result.approved_at)}")
    # 基础分 (80, given) 加分项 扣分事项 年度积分 | 民主评议分 年度总分 等次: the year waits for 年度总评.
    assert pdf.line("80", "0", "-12", "68", "15", "待年度总评", "—")


def test_democratic_review_is_a_draft_until_the_evaluation_is_approved(world, evaluation_posted, read_pdf):
    pdf = read_pdf(democratic_review_pdf(world.member_a, 2026))

    assert "草稿" in pdf.text
    assert "草稿：支委会评定结果公示中（至2027年1月15日14:00），尚未审定" in pdf.squeezed
    assert "评议结果尚未审定" in pdf.flow
    assert pdf.line("申诉更正为：合格（15分）")  # the appeal is decided, the 审定 is still to come
    assert pdf.line("68", "待民主评议", "待年度总评")
    assert "（2026年度民主评议）" not in pdf.squeezed  # no 审定 of the evaluation yet


def test_a_vote_score_evaluation_prints_the_mean_score_of_every_ballot(world, monkeypatch, read_pdf):
    """质检: 民主评议分(20分)由党员大会投票确定得分. 张伟: online 18 and 17, and 2 paper ballots at 19:
    (18 + 17 + 2 × 19) / 4 = 18.25 of 20."""
    rules(world, "zhijian")
    freeze(monkeypatch, 2026, 12, 5, 9)
    session = evaluation_open(
        branch=world.branch_a,
        cycle=2026,
        meeting_on=datetime.date(2026, 12, 10),
        voting_opens_at=at(2026, 12, 10, 9),
        voting_closes_at=at(2026, 12, 10, 12),
        mode=EvaluationSession.Mode.MIXED,
        by=world.clerk_a,
    )
    freeze(monkeypatch, 2026, 12, 10, 10)
    zhang, wang = world.member_a, world.other_member_a
    liu = world.branch_a.members.get(real_name="刘洋")
    ballots_cast(session=session, voter=wang, choices={zhang.pk: {"score": "18"}}, by=wang.user)
    ballots_cast(session=session, voter=liu, choices={zhang.pk: {"score": "17"}}, by=liu.user)
    paper_tally_enter(session=session, subject=zhang, ballots=2, score="19", by=world.clerk_a)

    pdf = read_pdf(democratic_review_pdf(zhang, 2026))

    assert "平均得分：18.25分（满分20分）" in pdf.flow
    assert "有效票4张（网上2张，纸质2张）" in pdf.flow
    assert "评议票数" not in pdf.flow  # no levels in a vote score
    assert "草稿：民主评议正在自评、互评，结果尚未审定" in pdf.squeezed
    assert "党员大会投票确定得分，满分20分" in pdf.squeezed


def test_the_branch_prints_every_member_evaluated_one_page_each(world, evaluation_done, read_pdf):
    pdf = read_pdf(branch_democratic_review_pdf(world.branch_a, 2026))

    assert pdf.pages == len(EVALUATED)
    texts = {page: "".join(pdf.page(page).split()) for page in range(1, pdf.pages + 1)}
    pages = {name: page for page, text in texts.items() for name in EVALUATED if f"姓名{name}" in text}
    assert sorted(pages) == sorted(EVALUATED) and len(set(pages.values())) == len(EVALUATED)
    for name, page in pages.items():
        text = texts[page]
        assert "党员民主评议表" in text and "支部名称：第一党支部（盖章）" in text
        result = result_of(world, name)
        assert f"审定结果：{result.level}，计{fmt(result.value)}分" in text, name
    assert "周敏" not in pdf.text  # 发展对象 are not evaluated
    assert "草稿" not in pdf.text


def test_without_a_session_the_branch_prints_a_blank_form_for_every_member_to_evaluate(
    world, quarter, read_pdf
):
    make_member(branch=world.branch_a, real_name="周敏", kind=Member.Kind.CANDIDATE)

    pdf = read_pdf(branch_democratic_review_pdf(world.branch_a, 2026))

    assert pdf.pages == 5  # the five 正式党员 of branch A; not the 发展对象
    assert "周敏" not in pdf.text
    assert pdf.squeezed.count("主要意见：") == 5  # the boxes left for the meeting's handwriting


# ---------------------------------------------------------------- 党员年终等次评定审批表


def test_the_grade_approval_form_prints_each_graded_members_approved_year(world, year_approved, read_pdf):
    pdf = read_pdf(year_grade_approval_pdf(world.branch_a, 2026))
    squeezed = pdf.squeezed

    results = list(results_of(year_approved))
    assert len(results) == 7
    for result in results:
        row = pdf.row(result.member.real_name)
        if not result.graded:
            continue
        # 序号 姓名 类别 民主评议等次 年度积分 总评得分 排名 建议等次 评定等次
        assert row[1:9] == [
            result.member.real_name,
            result.member_type,
            result.evaluation_level,
            fmt(result.points),
            fmt(result.total),
            str(result.rank),
            result.suggested_grade,
            result.grade,
        ], row
    zhang = results_of(year_approved).get(member=world.member_a)
    assert (zhang.points, zhang.evaluation, zhang.total, zhang.grade) == (68, 15, 83, "基本合格")
    assert "转正建议：按期转正" in pdf.line("孙敏")
    # 支委会意见: the departure from the suggestion and its reason, who decided, 审定 with its note.
    assert "张伟：评定为“基本合格”（建议“合格”），理由：受组织处理，年内两次无故缺席" in squeezed
    assert "评定：刘洋" in squeezed
    assert f"审定：陈静{chinese_date(zhang.approved_at)}审定意见：支委会审定" in squeezed
    assert "评定结果：优秀5人，基本合格1人，共6人" in squeezed
    # Not graded: 周敏, listed apart with the reason.
    assert pdf.row_number("周敏") > pdf.row_number("不参与等次评定人员")
    assert "发展对象不参与年度等次评定，其积分作为教育考察依据" in squeezed
    # Approved by the branch, not yet by the higher committee: a draft, and the box waits for a signature.
    assert "草稿：年度等次已由支部审定，待上级党委审批" in squeezed
    assert "负责人签字" in squeezed and "党委盖章" in squeezed


def test_after_the_higher_committees_approval_the_form_is_final_and_says_who_and_when(
    world, year_ratified, read_pdf
):
    pdf = read_pdf(year_grade_approval_pdf(world.branch_a, 2026))
    decision = year_ratified.decisions.get(kind=AnnualDecision.Kind.RATIFY)

    assert "草稿" not in pdf.text
    assert "党委审批同意：同意" in pdf.squeezed
    assert f"审批人：higher{chinese_date(decision.decided_at)}" in pdf.squeezed
    assert "待备案" in pdf.squeezed
    assert "负责人签字" not in pdf.squeezed


def test_the_filed_year_names_who_filed_it(world, year_archived, read_pdf):
    pdf = read_pdf(year_grade_approval_pdf(world.branch_a, 2026))
    archived = year_archived.decisions.get(kind=AnnualDecision.Kind.ARCHIVE)

    assert f"备案：higher{chinese_date(archived.decided_at)}" in pdf.squeezed
    assert "草稿" not in pdf.text


def test_while_posted_the_form_prints_the_live_figures_and_the_proposed_grades_as_a_draft(
    world, year_posted, read_pdf
):
    pdf = read_pdf(year_grade_approval_pdf(world.branch_a, 2026))
    zhang = branch_year(world.branch_a, 2026)[str(world.member_a.pk)]

    assert "草稿：支委会评定的等次公示中，尚未审定" in pdf.squeezed
    assert pdf.row("张伟")[3:9] == ["合格", "68", fmt(zhang.total), "6", "合格", "基本合格"]
    assert "审定：" not in pdf.text


def test_a_year_sent_back_prints_the_return_and_is_a_draft_again(world, year_approved, read_pdf):
    perform(
        open_task(year_approved.process, AnnualReviewFlow.ratify),
        world.higher,
        lambda **kw: annual_review_ratify(review=year_approved, approve=False, reason="张伟等次偏低", **kw),
    )

    pdf = read_pdf(year_grade_approval_pdf(world.branch_a, 2026))

    assert "草稿：上级党委已退回（张伟等次偏低），支委会正在重新评定等次" in pdf.squeezed
    assert "退回重新评定：张伟等次偏低" in pdf.squeezed


def test_ungraded_kinds_of_the_rules_are_listed_apart(world, monkeypatch, read_pdf):
    """公司: 预备党员、发展对象、入党积极分子的积分作为其教育考察依据，不参与党员积分年度考核评定."""
    rules(world, "gongsi")
    make_member(branch=world.branch_a, real_name="孙敏", kind=Member.Kind.PROBATIONARY)
    freeze(monkeypatch, 2027, 1, 5, 9)

    pdf = read_pdf(year_grade_approval_pdf(world.branch_a, 2026))

    assert pdf.row_number("孙敏") > pdf.row_number("不参与等次评定人员")
    assert pdf.row_number("张伟") < pdf.row_number("不参与等次评定人员")
    assert "预备党员不参与年度等次评定" in pdf.squeezed


def test_carry_over_gets_its_column_where_the_rules_carry_last_year_over(world, monkeypatch, read_pdf):
    """医院: this year's base = 40 % of last year's score; 张伟 had 90 (entered) → 36 carried."""
    rules(world, "yiyuan")
    CarryOverFigure.objects.create(
        member=world.member_a, cycle=2025, total=Decimal(90), entered_by=world.clerk_a
    )
    record(world.member_a, "task-completion", datetime.date(2026, 3, 15), world.clerk_a, Decimal("12.5"))
    freeze(monkeypatch, 2027, 1, 5, 9)

    pdf = read_pdf(year_grade_approval_pdf(world.branch_a, 2026))

    assert "上年结转" in pdf.text
    zhang = branch_year(world.branch_a, 2026)[str(world.member_a.pk)]
    assert zhang.carry_over == Decimal(36)
    assert pdf.row("张伟")[3:6] == [fmt(zhang.points), "36", fmt(zhang.total)]


# ---------------------------------------------------------------- 党员全年积分备案表


def test_the_year_filing_prints_every_members_approved_year(world, year_ratified, read_pdf):
    pdf = read_pdf(year_filing_pdf(world.branch_a, 2026))

    assert "党员全年积分备案表" in pdf.squeezed
    for result in results_of(year_ratified):
        row = pdf.row(result.member.real_name)
        # 项目积分 基础分 年度积分 民主评议 评议积分 总评得分 排名 等次
        evaluation = (
            [result.evaluation_level, fmt(result.evaluation)] if result.evaluation_level else ["—", "—"]
        )
        rank = str(result.rank) if result.rank else f"参考{result.reference_rank}"
        grade = result.grade if result.graded else "不评等次"
        expected = [fmt(result.items_total), fmt(result.base), fmt(result.points), *evaluation]
        assert row[3:11] == [*expected, fmt(result.total), rank, grade], row
    first = results_of(year_ratified).first()
    assert f"审定：陈静{chinese_date(first.approved_at)}（2026年度总评）" in pdf.squeezed
    assert "党委审批同意：同意" in pdf.squeezed and "待备案" in pdf.squeezed
    assert "草稿" not in pdf.text
    for line in ("填表人签字", "支部书记签字", "支部盖章"):
        assert line in pdf.squeezed


def test_the_year_filing_is_a_draft_until_the_higher_committee_approves(world, year_approved, read_pdf):
    pdf = read_pdf(year_filing_pdf(world.branch_a, 2026))

    assert "草稿：年度总评已由支部审定，待上级党委审批、备案" in pdf.squeezed


def test_there_is_no_year_filing_before_the_year_is_approved(world, year_posted, client):
    with pytest.raises(ValidationError) as caught:
        year_filing_pdf(world.branch_a, 2026)
    assert caught.value.messages == ["第一党支部2026年度总评尚未审定，全年积分备案表在年度总评审定后生成。"]

    client.force_login(world.clerk_a)
    response = client.get(reverse("reports:documents:year_filing_pdf", args=[world.branch_a.pk, 2026]))
    assert response.status_code == 400
    assert "年度总评尚未审定" in response.content.decode()


# ---------------------------------------------------------------- the 台账's year-end lines


def test_the_ledgers_print_the_approved_evaluation_and_annual_total(world, year_approved, read_pdf):
    zhang = results_of(year_approved).get(member=world.member_a)

    pdf = read_pdf(member_ledger_pdf(world.member_a, 2026))

    assert pdf.line("年度积分", fmt(zhang.points))  # 80 given − 12
    assert pdf.line("民主评议积分（合格）", fmt(zhang.evaluation))
    assert pdf.line("年度总分（等次：基本合格）", fmt(zhang.total))
    assert f"年度总评审定：陈静{chinese_date(zhang.approved_at)}（待上级党委审批）" in pdf.squeezed

    branch = read_pdf(branch_ledger_pdf(world.branch_a, "2026"))
    assert "民主评议积分" in branch.text and "年度总分" in branch.text
    for result in results_of(year_approved):
        row = branch.row(result.member.real_name)
        # … 排名, 年度累计, 民主评议积分, 年度总分 (the signature cell is empty)
        evaluation = fmt(result.evaluation) if result.evaluation_level else "—"
        assert row[-3:] == [fmt(result.points), evaluation, fmt(result.total)], row


def test_the_ledgers_wait_for_the_evaluation_and_the_annual_review(world, evaluation_posted, read_pdf):
    pdf = read_pdf(member_ledger_pdf(world.member_a, 2026))
    assert pdf.line("民主评议积分", "待民主评议")
    assert pdf.line("年度总分", "待年度总评")

    branch = read_pdf(branch_ledger_pdf(world.branch_a, "2026"))
    assert branch.row("张伟")[-2:] == ["待民主评议", "待年度总评"]
    quarter = read_pdf(branch_ledger_pdf(world.branch_a, "2026-Q4"))
    assert "年度总分" not in quarter.text  # a quarter's ledger has no year-end columns


# ---------------------------------------------------------------- who may print them


@pytest.fixture
def stub_pdf(monkeypatch):
    monkeypatch.setattr(
        "reports.documents.forms.render_sheet",
        lambda template, sheet, **context: b"%PDF-stub " + template.encode(),
    )


def test_the_year_end_downloads_answer_inside_the_branchs_scope_only(client, world, year_approved, stub_pdf):
    branch = world.branch_a.pk
    urls = {
        reverse("reports:documents:branch_review_pdf", args=[branch, 2026]): "democratic_review",
        reverse("reports:documents:year_grade_pdf", args=[branch, 2026]): "year_grade_approval",
        reverse("reports:documents:year_filing_pdf", args=[branch, 2026]): "year_filing",
        reverse(
            "reports:documents:democratic_review_pdf", args=[world.member_a.pk, 2026]
        ): "democratic_review",
    }
    for url in urls:
        assert client.get(url)["Location"].startswith("/accounts/login/"), url
    for user in (world.member_a.user, world.outsider.user, world.clerk_b):  # a member, branch B
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
    for user in (world.clerk_a, world.secretary_a, world.higher):
        client.force_login(user)
        for url, template in urls.items():
            response = client.get(url)
            assert response.status_code == 200, (user, url)
            assert b"".join(response.streaming_content) == f"%PDF-stub reports/pdf/{template}.html".encode()


# ---------------------------------------------------------------- where people find them


def test_the_pages_link_the_year_end_forms_where_people_look(client, world, year_approved):
    branch, cycle = world.branch_a.pk, 2026
    review_pdf = reverse("reports:documents:branch_review_pdf", args=[branch, cycle])
    grades_pdf = reverse("reports:documents:year_grade_pdf", args=[branch, cycle])
    filing_pdf = reverse("reports:documents:year_filing_pdf", args=[branch, cycle])
    annual_xlsx = reverse("reports:exports:annual_review", args=[branch, cycle])
    filing_xlsx = reverse("reports:exports:year_filing", args=[branch, cycle])
    tallies_xlsx = reverse("reports:exports:evaluation_tallies", args=[branch, cycle])
    client.force_login(world.secretary_a)

    documents = client.get(reverse("reports:documents:branch", args=[branch]), {"year": cycle})
    assert all(url in documents.content.decode() for url in (review_pdf, grades_pdf, filing_pdf))
    exports = client.get(reverse("reports:exports:branch", args=[branch]), {"year": cycle})
    assert all(url in exports.content.decode() for url in (tallies_xlsx, annual_xlsx, filing_xlsx))
    year = client.get(reverse("yearend:branch_year", args=[branch, cycle])).content.decode()
    assert all(url in year for url in (review_pdf, grades_pdf, filing_pdf, annual_xlsx, filing_xlsx))

    facts = render_to_string("yearend/_review_facts.html", {"review": year_approved, "decisions": []})
    assert all(url in facts for url in (grades_pdf, annual_xlsx, filing_pdf, filing_xlsx))
    session = year_approved.branch.evaluation_sessions.get(cycle=cycle)
    facts = render_to_string("yearend/_session_facts.html", {"session": session})
    assert review_pdf in facts and tallies_xlsx in facts


def test_before_the_year_is_approved_the_pages_say_when_the_year_filing_comes(client, world, year_posted):
    client.force_login(world.secretary_a)
    filing_pdf = reverse("reports:documents:year_filing_pdf", args=[world.branch_a.pk, 2026])

    documents = client.get(reverse("reports:documents:branch", args=[world.branch_a.pk]), {"year": 2026})
    html = documents.content.decode()
    assert filing_pdf not in html and "年度总评审定后生成" in html
    year = client.get(reverse("yearend:branch_year", args=[world.branch_a.pk, 2026])).content.decode()
    assert filing_pdf not in year
