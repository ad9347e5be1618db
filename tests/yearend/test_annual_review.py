"""年度总评 under 星级党员 (日常行为 80 + 年度评议 20; ≥ 90 优秀, 70–89 合格, 60–69 基本合格, < 60 不合格):
it waits for every quarter and the 民主评议 to be approved, the committee sets each 等次 (a departure from
the suggestion says why; a veto forces 不合格), 公示 with appeals, 审定 freezes the year, 党委审批 and 备案
— or a return with its reason and a second round."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.services import member_transfer
from tests.workflows.helpers import freeze, open_task, perform
from workflows.appeals import appeal_decide, appeal_file_result
from workflows.flows import AppealFlow
from workflows.models import Notification
from yearend import messages
from yearend.annual import (
    GradeInput,
    annual_grades_set,
    annual_review_approve,
    annual_review_file,
    annual_review_ratify,
    annual_review_send_back,
    annual_review_start,
    results_of,
)
from yearend.evaluation import (
    ProposalInput,
    ballots_cast,
    evaluation_approve,
    evaluation_open,
    evaluation_propose,
    evaluation_tally_close,
)
from yearend.flows import AnnualReviewFlow, EvaluationFlow
from yearend.models import AnnualDecision, AnnualResult, AnnualReview
from yearend.standings import branch_year

from .helpers import approve_quarter, approve_year, at, fire, record, refused


def evaluated(world, monkeypatch, levels: dict):
    """民主评议 in January 2027: 王芳 votes, the committee proposes ``levels`` (name → level), approved."""
    freeze(monkeypatch, 2027, 1, 8, 9)
    session = evaluation_open(
        branch=world.branch_a,
        cycle=2026,
        meeting_on=datetime.date(2027, 1, 10),
        voting_opens_at=at(2027, 1, 10, 9),
        voting_closes_at=at(2027, 1, 10, 12),
        mode="online",
        by=world.clerk_a,
    )
    freeze(monkeypatch, 2027, 1, 10, 10)
    ballots_cast(
        session=session,
        voter=world.other_member_a,
        choices={world.member_a.pk: {"level": levels["张伟"]}},
        by=world.other_member_a.user,
    )
    freeze(monkeypatch, 2027, 1, 10, 12)
    perform(
        open_task(session.process, EvaluationFlow.tally),
        world.clerk_a,
        lambda **kw: evaluation_tally_close(session=session, **kw),
    )
    proposals = {
        p.member_id: ProposalInput(level=levels.get(p.member.real_name, "合格"), reason="支委会研究")
        for p in session.participants.filter(evaluated=True).select_related("member")
    }
    perform(
        open_task(session.process, EvaluationFlow.propose),
        world.committee_a,
        lambda **kw: evaluation_propose(session=session, proposals=proposals, **kw),
    )
    fire(monkeypatch, 2027, 1, 15, 12)
    perform(
        open_task(session.process, EvaluationFlow.approve),
        world.secretary_a,
        lambda **kw: evaluation_approve(session=session, **kw),
    )
    return session


@pytest.fixture
def year_done(world, year_2026, monkeypatch):
    """Four quarters approved and archived, the 民主评议 approved: 王芳 优秀, everyone else 合格."""
    approve_year(world, monkeypatch)
    evaluated(world, monkeypatch, {"张伟": "合格", "王芳": "优秀"})
    freeze(monkeypatch, 2027, 1, 16, 9)


@pytest.fixture
def review(world, year_done):
    return annual_review_start(branch=world.branch_a, cycle=2026, by=world.clerk_a)


def grades(review, **given):
    """Every graded member at their suggestion, with the given grades (name → (grade, reason))."""
    year = branch_year(review.branch, review.cycle)
    chosen = {}
    for standing in year.standings:
        if not standing.graded:
            continue
        member = review.branch.members.get(pk=int(standing.member))
        grade, reason = given.get(member.real_name, (standing.suggested_grade, ""))
        chosen[member.pk] = GradeInput(grade=grade, reason=reason)
    return chosen


def set_grades(world, review, chosen):
    return perform(
        open_task(review.process, AnnualReviewFlow.grade),
        world.committee_a,
        lambda **kw: annual_grades_set(review=review, grades=chosen, **kw),
    )


def test_the_year_combines_points_and_evaluation_as_the_rules_say(world, review):
    """张伟: 80 − 1 − 1 − 5 − 5 = 68 points + 合格 15 = 83 → 合格; 王芳: 80 − 5 = 75 + 优秀 20 = 95 → 优秀;
    李娜, 刘洋, 陈静: 80 + 合格 15 = 95 → 优秀 (tied, ranked 1 with 王芳)."""
    year = branch_year(world.branch_a, 2026)
    zhang, wang = year[str(world.member_a.pk)], year[str(world.other_member_a.pk)]
    assert (zhang.points, zhang.evaluation, zhang.total, zhang.suggested_grade) == (68, 15, 83, "合格")
    assert (wang.points, wang.evaluation, wang.total, wang.suggested_grade) == (75, 20, 95, "优秀")
    assert wang.rank == 1 and zhang.rank == 5


def test_the_review_waits_for_every_quarter_and_the_evaluation(world, year_2026, monkeypatch):
    for index in (1, 2, 3):
        approve_quarter(world, monkeypatch, index)
    freeze(monkeypatch, 2027, 1, 3, 9)
    problems = refused(lambda: annual_review_start(branch=world.branch_a, cycle=2026, by=world.clerk_a))
    assert problems[0].startswith("以下期间尚未审定")
    assert problems[1] == messages.ANNUAL_EVALUATION_PENDING % {"cycle": 2026}


def test_beat_starts_the_review_once_the_year_is_complete_and_only_once(world, year_done):
    from yearend.annual import annual_reviews_autostart

    assert annual_reviews_autostart(today=datetime.date(2027, 1, 16)) == 1
    assert annual_reviews_autostart(today=datetime.date(2027, 1, 17)) == 0
    review = AnnualReview.objects.get(branch=world.branch_a, cycle=2026)
    assert review.started_by is None and open_task(review.process, AnnualReviewFlow.grade)


def test_the_review_opens_the_committees_grade_task(world, review):
    assert review.status == AnnualReview.Status.GRADING
    assert open_task(review.process, AnnualReviewFlow.grade).owner_permission == "accounts.review_claims"
    call = lambda: annual_review_start(branch=world.branch_a, cycle=2026, by=world.clerk_a)  # noqa: E731
    assert refused(call) == [messages.ANNUAL_EXISTS % {"branch": "第一党支部", "cycle": 2026}]


def test_a_grade_other_than_the_suggestion_needs_its_reason(world, review):
    chosen = grades(review, 张伟=("优秀", ""))
    with pytest.raises(ValidationError) as caught:
        set_grades(world, review, chosen)
    assert caught.value.messages == [messages.GRADE_REASON_REQUIRED % {"name": "张伟", "suggested": "合格"}]


def test_a_grade_the_rules_do_not_have_is_refused(world, review):
    with pytest.raises(ValidationError) as caught:
        set_grades(world, review, grades(review, 张伟=("良好", "支委会认为")))
    assert caught.value.messages[0].startswith("张伟：")


def test_a_vetoed_member_can_only_be_graded_lowest(world, year_2026, monkeypatch):
    """受留党察看处分 → 全年无积分 (veto): total 0, and the committee cannot grade him above 不合格."""
    record(world.member_a, "sanction-probation-or-worse", datetime.date(2026, 9, 1), world.clerk_a)
    approve_year(world, monkeypatch)
    evaluated(world, monkeypatch, {"张伟": "合格", "王芳": "优秀"})
    freeze(monkeypatch, 2027, 1, 16, 9)
    review = annual_review_start(branch=world.branch_a, cycle=2026, by=world.clerk_a)
    standing = branch_year(world.branch_a, 2026)[str(world.member_a.pk)]
    assert (standing.total, standing.veto, standing.suggested_grade) == (0, True, "不合格")
    with pytest.raises(ValidationError) as caught:
        set_grades(world, review, grades(review, 张伟=("合格", "情节较轻")))
    assert caught.value.messages == ["张伟：一票否决的党员只能评定为“不合格”"]


@pytest.fixture
def posted(world, review, monkeypatch):
    """The committee keeps every suggestion but grades 张伟 基本合格, with its reason; posted 16–21 Jan."""
    set_grades(world, review, grades(review, 张伟=("基本合格", "两次无故缺席、受组织处理")))
    review.refresh_from_db()
    return review


def test_the_grades_are_posted_to_the_branch(world, posted):
    assert posted.status == AnnualReview.Status.PUBLICITY
    assert posted.window.closes_at == at(2027, 1, 21, 9)
    assert Notification.objects.filter(kind="publicity_opened", recipient=world.member_a.user).exists()


def test_an_appeal_against_a_grade_is_upheld_and_the_new_grade_is_approved(world, posted, monkeypatch):
    appeal = appeal_file_result(
        appellant=world.member_a,
        window=posted.window,
        subject=world.member_a,
        reason="已按期整改",
        by=world.member_a.user,
    )
    perform(
        open_task(appeal.process, AppealFlow.decide),
        world.secretary_a,
        lambda **kw: appeal_decide(appeal=appeal, uphold=True, result="合格", reason="整改到位", **kw),
    )
    fire(monkeypatch, 2027, 1, 21, 9)
    perform(
        open_task(posted.process, AnnualReviewFlow.approve),
        world.secretary_a,
        lambda **kw: annual_review_approve(review=posted, **kw),
    )
    zhang = AnnualResult.objects.get(review=posted, member=world.member_a)
    assert (zhang.grade, zhang.grade_reason) == ("合格", "申诉成立：整改到位")
    assert (zhang.points, zhang.evaluation, zhang.total, zhang.rank) == (68, 15, 83, 5)


@pytest.fixture
def approved(world, posted, monkeypatch):
    fire(monkeypatch, 2027, 1, 21, 9)
    perform(
        open_task(posted.process, AnnualReviewFlow.approve),
        world.secretary_a,
        lambda **kw: annual_review_approve(review=posted, note="支委会审定", **kw),
    )
    posted.refresh_from_db()
    return posted


def test_approval_freezes_each_members_year_with_who_decided_and_who_approved(world, approved):
    results = {r.member.real_name: r for r in results_of(approved)}
    zhang = results["张伟"]
    assert (zhang.grade, zhang.suggested_grade, zhang.grade_reason) == (
        "基本合格",
        "合格",
        "两次无故缺席、受组织处理",
    )
    assert (zhang.decided_by, zhang.approved_by, zhang.round) == (world.committee_a, world.secretary_a, 1)
    assert results["王芳"].honours_eligible and not zhang.honours_eligible
    assert approved.status == AnnualReview.Status.APPROVED
    assert open_task(approved.process, AnnualReviewFlow.ratify).owner_permission == "accounts.review_filings"


def test_approval_waits_for_the_window(world, posted):
    call = lambda: annual_review_approve(review=posted, by=world.secretary_a, activation=None)  # noqa: E731
    assert refused(call) == [messages.WINDOW_STILL_OPEN % {"closes": "2027年1月21日 09:00"}]


def test_the_higher_committee_approves_then_files(world, approved):
    perform(
        open_task(approved.process, AnnualReviewFlow.ratify),
        world.higher,
        lambda **kw: annual_review_ratify(review=approved, approve=True, reason="同意", **kw),
    )
    perform(
        open_task(approved.process, AnnualReviewFlow.file),
        world.higher,
        lambda **kw: annual_review_file(review=approved, archive=True, **kw),
    )
    approved.refresh_from_db()
    assert approved.status == AnnualReview.Status.ARCHIVED
    assert list(approved.decisions.values_list("kind", "decided_by")) == [
        ("ratify", world.higher.pk),
        ("archive", world.higher.pk),
    ]


def test_the_branch_cannot_approve_its_own_grades_for_the_higher_committee(world, approved):
    call = lambda: annual_review_ratify(  # noqa: E731
        review=approved, by=world.secretary_a, activation=None, approve=True
    )
    assert refused(call) == [messages.NOT_ALLOWED]


def test_a_return_needs_its_reason_and_leads_to_a_second_round(world, approved):
    call = lambda: annual_review_ratify(  # noqa: E731
        review=approved, by=world.higher, activation=None, approve=False, reason=" "
    )
    assert refused(call, "reason") == [messages.RETURN_REASON_REQUIRED]
    perform(
        open_task(approved.process, AnnualReviewFlow.ratify),
        world.higher,
        lambda **kw: annual_review_ratify(
            review=approved, approve=False, reason="张伟等次偏低，请复核", **kw
        ),
    )
    approved.refresh_from_db()
    assert (approved.status, approved.returned) == (AnnualReview.Status.GRADING, True)
    set_grades(world, approved, grades(approved))  # back to the suggestion: 合格
    perform(
        open_task(approved.process, AnnualReviewFlow.approve),
        world.secretary_a,
        lambda **kw: annual_review_approve(review=approved, **kw),
    )
    zhang = results_of(approved).get(member=world.member_a)
    assert (zhang.round, zhang.grade) == (2, "合格")
    assert (
        AnnualResult.objects.filter(review=approved, round=1, member=world.member_a).get().grade == "基本合格"
    )
    assert approved.decisions.filter(kind=AnnualDecision.Kind.RETURN).count() == 1


def test_the_carry_over_comes_from_last_years_approved_result_or_an_entered_figure(world, monkeypatch):
    """医院: this year's base = 40 % of last year's score. 张伟 had 90 in 2025 (entered: before the system)
    → 36 carried; with no deductions and 任务分 12.5 a quarter (50) he has 86 of 100."""
    from yearend.models import CarryOverFigure

    from .conftest import rules

    rules(world, "yiyuan")
    CarryOverFigure.objects.create(
        member=world.member_a, cycle=2025, total=Decimal(90), entered_by=world.clerk_a
    )
    for month in (1, 4, 7, 10):
        record(
            world.member_a, "task-completion", datetime.date(2026, month, 15), world.clerk_a, Decimal("12.5")
        )
    zhang = branch_year(world.branch_a, 2026)[str(world.member_a.pk)]
    assert (zhang.carry_over, zhang.points) == (Decimal(36), Decimal(86))
    wang = branch_year(world.branch_a, 2026)[str(world.other_member_a.pk)]
    assert wang.carry_over == 0  # nothing known of 2025: no carry-over, and the year page says so


def test_at_the_last_quarters_approval_a_probationers_outcome_waits_for_the_evaluation(world, probationer):
    """质检: 预备党员含年度评议积分为80分以上的按期转正 — without the 民主评议 the points alone would say
    延期转正, so the 审定 page says the outcome waits for the 年度总评 instead of guessing."""
    from scoring.core.presets import load_preset
    from workflows.consequences import _probation
    from workflows.models import PeriodReview

    review = PeriodReview(branch=world.branch_a, cycle=2026)
    attention = _probation(review, load_preset("zhijian"), {str(probationer.pk): probationer})
    assert [(a.name, a.what) for a in attention] == [("孙敏", "转正建议待年度总评")]


def test_a_member_who_joined_after_grading_sends_the_year_back_to_the_committee(world, posted, monkeypatch):
    """赵磊's 转入 to 一支部 is recorded during the 公示, dated 1 December 2026: the year is his there,
    but the 支委会 graded before he came. 审定 is refused (no blank 等次 is ever frozen); the secretary
    sends it back, the committee grades him, and 审定 follows at once (the 公示 window has closed)."""
    member_transfer(
        member=world.outsider, to_branch=world.branch_a, on=datetime.date(2026, 12, 1), by=None, reason="转入"
    )
    fire(monkeypatch, 2027, 1, 21, 9)
    call = lambda: annual_review_approve(review=posted, by=world.secretary_a, activation=None)  # noqa: E731
    assert refused(call) == [messages.GRADE_MISSING_AT_APPROVAL % {"names": "赵磊"}]
    assert not AnnualResult.objects.filter(review=posted).exists()

    call = lambda: annual_review_send_back(review=posted, by=world.secretary_a, activation=None, reason=" ")  # noqa: E731
    assert refused(call, "reason") == [messages.RETURN_REASON_REQUIRED]
    perform(
        open_task(posted.process, AnnualReviewFlow.approve),
        world.secretary_a,
        lambda **kw: annual_review_send_back(review=posted, reason="赵磊转入，补充评定", **kw),
    )
    posted.refresh_from_db()
    assert posted.status == AnnualReview.Status.GRADING
    set_grades(world, posted, grades(posted))
    fire(monkeypatch, 2027, 1, 21, 10)  # the closed window's timer and the settled appeals pass at once
    perform(
        open_task(posted.process, AnnualReviewFlow.approve),
        world.secretary_a,
        lambda **kw: annual_review_approve(review=posted, **kw),
    )
    zhao = AnnualResult.objects.get(review=posted, member=world.outsider)
    assert zhao.graded and zhao.grade
