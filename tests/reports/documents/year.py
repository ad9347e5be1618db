"""Branch A's 2026 walked to its end under 星级党员 (日常行为 80 + 年度评议 20; ≥ 90 优秀, 70–89 合格) by the
services, for the year-end forms and sheets: four quarters approved and filed, the 民主评议 held in the
system, then the 年度总评 through 审定, 党委审批 and 备案. Imported by the conftests of ``documents`` and
``exports`` (fixtures are looked up by name there).

民主评议 (mixed: phones and paper), voting on 10 January 2027, 09:00–12:00; 正式党员 vote (5), 孙敏 the
预备党员 is evaluated without a vote, 周敏 the 发展对象 takes no part:
  张伟  自评 “…” (合格); online 王芳 合格, 刘洋 基本合格; paper 2 ballots, 合格 2 → 合格 3, 基本合格 1
        the committee proposes 基本合格 (两次无故缺席) — 张伟 appeals, upheld: 合格 (已按期整改)
  王芳  online 张伟 优秀; paper 3 ballots, 优秀 2, 合格 1 → 优秀 3, 合格 1; proposed and approved 优秀
  the others: no votes, proposed 合格
年度总评 (the core, as tests/yearend/test_annual_review.py works it out):
  张伟 68 + 合格 15 = 83 → 合格, graded 基本合格 by the committee (受组织处理); 王芳 75 + 20 = 95 → 优秀;
  李娜, 刘洋, 陈静, 孙敏 80 + 15 = 95 → 优秀; 周敏 (发展对象) 80, not graded (参考排名 1).
"""

from __future__ import annotations

import datetime

import pytest

from accounts.models import Member
from tests.factories import make_member
from tests.workflows.helpers import freeze, open_task, perform
from tests.yearend.conftest import rules
from tests.yearend.helpers import approve_year, at, fire, record
from workflows.appeals import appeal_decide, appeal_file_result
from workflows.flows import AppealFlow
from yearend.annual import (
    GradeInput,
    annual_grades_set,
    annual_review_approve,
    annual_review_file,
    annual_review_ratify,
    annual_review_start,
)
from yearend.evaluation import (
    ProposalInput,
    ballots_cast,
    evaluation_approve,
    evaluation_open,
    evaluation_propose,
    evaluation_tally_close,
    paper_tally_enter,
    self_assessment_submit,
)
from yearend.flows import AnnualReviewFlow, EvaluationFlow
from yearend.models import AnnualReview, EvaluationSession
from yearend.standings import branch_year

SELF_TEXT = "全年按时参加组织生活，完成支部分配的任务。不足：两次无故缺席，今后改正。"


@pytest.fixture
def xingji_year(world, monkeypatch):
    """星级 rules for 2026 with branch A's deductions, 孙敏 (预备党员) and 周敏 (发展对象); every quarter
    approved and filed."""
    rules(world, "xingji-dangyuan")
    make_member(branch=world.branch_a, real_name="孙敏", username="sunmin", kind=Member.Kind.PROBATIONARY)
    make_member(branch=world.branch_a, real_name="周敏", username="zhoumin", kind=Member.Kind.CANDIDATE)
    by = world.clerk_a
    record(world.member_a, "absent-without-consent", datetime.date(2026, 2, 3), by)
    record(world.member_a, "absent-without-consent", datetime.date(2026, 5, 3), by)
    record(world.member_a, "organizational-handling", datetime.date(2026, 7, 1), by)
    record(world.member_a, "dues-late", datetime.date(2026, 10, 5), by)
    record(world.other_member_a, "dues-late", datetime.date(2026, 4, 2), by)
    approve_year(world, monkeypatch)


def member(world, name: str) -> Member:
    return world.branch_a.members.get(real_name=name)


@pytest.fixture
def evaluation_voted(world, xingji_year, monkeypatch) -> EvaluationSession:
    """The 民主评议 opened on 8 January 2027; 自评, ballots and the paper count in; voting closed."""
    freeze(monkeypatch, 2027, 1, 8, 9)
    session = evaluation_open(
        branch=world.branch_a,
        cycle=2026,
        meeting_on=datetime.date(2027, 1, 10),
        voting_opens_at=at(2027, 1, 10, 9),
        voting_closes_at=at(2027, 1, 10, 12),
        mode=EvaluationSession.Mode.MIXED,
        by=world.clerk_a,
    )
    freeze(monkeypatch, 2027, 1, 9, 20)
    zhang, wang = world.member_a, world.other_member_a
    self_assessment_submit(session=session, member=zhang, text=SELF_TEXT, level="合格", by=zhang.user)
    freeze(monkeypatch, 2027, 1, 10, 10)
    ballots_cast(session=session, voter=wang, choices={zhang.pk: {"level": "合格"}}, by=wang.user)
    liu = member(world, "刘洋")
    ballots_cast(session=session, voter=liu, choices={zhang.pk: {"level": "基本合格"}}, by=liu.user)
    ballots_cast(session=session, voter=zhang, choices={wang.pk: {"level": "优秀"}}, by=zhang.user)
    paper_tally_enter(session=session, subject=zhang, ballots=2, counts={"合格": 2}, by=world.clerk_a)
    paper_tally_enter(
        session=session, subject=wang, ballots=3, counts={"优秀": 2, "合格": 1}, by=world.clerk_a
    )
    freeze(monkeypatch, 2027, 1, 10, 12)
    perform(
        open_task(session.process, EvaluationFlow.tally),
        world.clerk_a,
        lambda **kw: evaluation_tally_close(session=session, **kw),
    )
    session.refresh_from_db()
    return session


@pytest.fixture
def evaluation_posted(world, evaluation_voted, monkeypatch) -> EvaluationSession:
    """The committee's proposals posted on 10 January 2027, 14:00; 张伟's appeal upheld."""
    session = evaluation_voted
    freeze(monkeypatch, 2027, 1, 10, 14)
    proposals = {
        p.member_id: ProposalInput(level="合格")
        for p in session.participants.filter(evaluated=True).select_related("member")
    }
    proposals[world.member_a.pk] = ProposalInput(level="基本合格", reason="两次无故缺席")
    proposals[world.other_member_a.pk] = ProposalInput(level="优秀")
    perform(
        open_task(session.process, EvaluationFlow.propose),
        world.committee_a,
        lambda **kw: evaluation_propose(session=session, proposals=proposals, **kw),
    )
    session.refresh_from_db()
    freeze(monkeypatch, 2027, 1, 11, 9)
    appeal = appeal_file_result(
        appellant=world.member_a,
        window=session.window,
        subject=world.member_a,
        reason="缺席已补课",
        by=world.member_a.user,
    )
    perform(
        open_task(appeal.process, AppealFlow.decide),
        world.secretary_a,
        lambda **kw: appeal_decide(appeal=appeal, uphold=True, result="合格", reason="已按期整改", **kw),
    )
    return session


@pytest.fixture
def evaluation_done(world, evaluation_posted, monkeypatch) -> EvaluationSession:
    """审定 by 陈静 on 15 January 2027, 15:00, once the window has closed."""
    session = evaluation_posted
    fire(monkeypatch, 2027, 1, 15, 15)
    perform(
        open_task(session.process, EvaluationFlow.approve),
        world.secretary_a,
        lambda **kw: evaluation_approve(session=session, **kw),
    )
    session.refresh_from_db()
    return session


def suggested_grades(review: AnnualReview, **given: tuple[str, str]) -> dict[int, GradeInput]:
    year = branch_year(review.branch, review.cycle)
    chosen = {}
    for standing in year.standings:
        if standing.graded:
            person = review.branch.members.get(pk=int(standing.member))
            grade, reason = given.get(person.real_name, (standing.suggested_grade, ""))
            chosen[person.pk] = GradeInput(grade=grade, reason=reason)
    return chosen


@pytest.fixture
def year_posted(world, evaluation_done, monkeypatch) -> AnnualReview:
    """年度总评 started on 16 January 2027; 张伟 graded 基本合格 (受组织处理); posted until the 21st."""
    freeze(monkeypatch, 2027, 1, 16, 9)
    review = annual_review_start(branch=world.branch_a, cycle=2026, by=world.clerk_a)
    chosen = suggested_grades(review, 张伟=("基本合格", "受组织处理，年内两次无故缺席"))
    perform(
        open_task(review.process, AnnualReviewFlow.grade),
        world.committee_a,
        lambda **kw: annual_grades_set(review=review, grades=chosen, **kw),
    )
    review.refresh_from_db()
    return review


@pytest.fixture
def year_approved(world, year_posted, monkeypatch) -> AnnualReview:
    """审定 by 陈静 on 21 January 2027, 09:00 (审定意见：支委会审定)."""
    review = year_posted
    fire(monkeypatch, 2027, 1, 21, 9)
    perform(
        open_task(review.process, AnnualReviewFlow.approve),
        world.secretary_a,
        lambda **kw: annual_review_approve(review=review, note="支委会审定", **kw),
    )
    review.refresh_from_db()
    return review


@pytest.fixture
def year_ratified(world, year_approved, monkeypatch) -> AnnualReview:
    """党委审批 by higher on 22 January 2027 (同意)."""
    review = year_approved
    freeze(monkeypatch, 2027, 1, 22, 10)
    perform(
        open_task(review.process, AnnualReviewFlow.ratify),
        world.higher,
        lambda **kw: annual_review_ratify(review=review, approve=True, reason="同意", **kw),
    )
    review.refresh_from_db()
    return review


@pytest.fixture
def year_archived(world, year_ratified, monkeypatch) -> AnnualReview:
    """备案 by higher on 23 January 2027."""
    review = year_ratified
    freeze(monkeypatch, 2027, 1, 23, 10)
    perform(
        open_task(review.process, AnnualReviewFlow.file),
        world.higher,
        lambda **kw: annual_review_file(review=review, archive=True, **kw),
    )
    review.refresh_from_db()
    return review
