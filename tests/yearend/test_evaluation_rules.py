"""民主评议, as the regulations and the meeting's practice have it: who takes part and who votes, 自评 and
互评 within the voting window, one secret ballot per member and person, the paper count that may not
exceed the ballots, the committee's proposal with a reason where it departs from the count, 公示 with
appeals, then 审定. Every refusal is in Chinese and changes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Member
from tests.factories import make_member
from tests.workflows.helpers import freeze, open_task, perform
from workflows.appeals import appeal_decide, appeal_file_result
from workflows.flows import AppealFlow
from workflows.models import Notification
from yearend import messages
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
from yearend.flows import EvaluationFlow
from yearend.models import EvaluationProposal, EvaluationResult, EvaluationSession, PaperTally
from yearend.tallies import session_tallies

from .helpers import at, fire, nothing_changes, refused


@pytest.fixture(autouse=True)
def december(monkeypatch):
    return freeze(monkeypatch, 2026, 12, 20, 9)


def open_session(world, mode=EvaluationSession.Mode.MIXED, **kwargs):
    return evaluation_open(
        branch=world.branch_a,
        cycle=2026,
        meeting_on=datetime.date(2026, 12, 28),
        voting_opens_at=at(2026, 12, 28, 9),
        voting_closes_at=at(2026, 12, 28, 12),
        mode=mode,
        by=world.clerk_a,
        **kwargs,
    )


@pytest.fixture
def session(world, xingji, probationer):
    return open_session(world)


@pytest.fixture
def voting(session, monkeypatch):
    freeze(monkeypatch, 2026, 12, 28, 10)
    return session


def vote(session, voter, **choices):
    return ballots_cast(session=session, voter=voter, choices=choices, by=voter.user)


def member(world, user):
    return Member.objects.get(user=user)


# ---------------------------------------------------------------- opening


def test_full_and_probationary_members_are_evaluated_and_only_full_members_vote(world, session, probationer):
    """预备党员没有表决权: 孙敏 is evaluated but has no vote; the five 正式党员 both."""
    rows = {p.member.real_name: (p.evaluated, p.votes) for p in session.participants.select_related("member")}
    assert rows == {
        "张伟": (True, True),
        "王芳": (True, True),
        "李娜": (True, True),
        "刘洋": (True, True),
        "陈静": (True, True),
        "孙敏": (True, False),
    }
    assert session.kind == "levels" and session.levels == ["优秀", "合格", "基本合格", "不合格"]
    assert session.max_score == Decimal(20)


def test_exempt_members_vote_but_are_not_evaluated_and_mobile_members_take_part_from_afar(world, xingji):
    make_member(branch=world.branch_a, real_name="老周", status=Member.Status.EXEMPT)
    make_member(branch=world.branch_a, real_name="小吴", status=Member.Status.MOBILE)
    make_member(branch=world.branch_a, real_name="小郑", kind=Member.Kind.CANDIDATE)
    session = open_session(world)
    rows = {p.member.real_name: p for p in session.participants.select_related("member")}
    assert (rows["老周"].evaluated, rows["老周"].votes) == (False, True)
    assert (rows["小吴"].evaluated, rows["小吴"].votes) == (True, True) and "流动党员" in rows["小吴"].note
    assert "小郑" not in rows  # 发展对象 are not party members: neither evaluated nor voting


def test_everyone_taking_part_is_told_and_the_clerk_has_the_tally_task(world, session):
    told = set(
        Notification.objects.filter(kind="evaluation_opened").values_list("recipient__username", flat=True)
    )
    assert {"zhangwei", "wangfang", "lina", "sunmin"} <= told
    assert open_task(session.process, EvaluationFlow.tally).owner_permission == "accounts.record_claims"


def test_a_session_needs_rules_with_an_evaluation(world, rules_2026, monkeypatch):
    from scoring.models import RuleSet

    RuleSet.objects.filter(pk=rules_2026.pk).update(in_force=False)
    from .conftest import rules

    rules(world, "caiqi-erchang")  # 采气二厂: no 民主评议 in its scheme
    assert refused(lambda: open_session(world)) == [
        messages.NO_EVALUATION_IN_RULES % {"branch": "第一党支部", "cycle": 2026}
    ]


def test_a_branch_holds_one_session_a_year(world, session):
    assert refused(lambda: open_session(world)) == [
        messages.EVALUATION_EXISTS % {"branch": "第一党支部", "cycle": 2026}
    ]


def test_the_meeting_is_held_at_the_years_end(world, xingji):
    call = lambda: evaluation_open(  # noqa: E731
        branch=world.branch_a,
        cycle=2026,
        meeting_on=datetime.date(2026, 6, 1),
        voting_opens_at=at(2026, 6, 1, 9),
        voting_closes_at=at(2026, 6, 1, 12),
        mode="online",
        by=world.clerk_a,
    )
    assert refused(call, "meeting_on") == [
        messages.MEETING_OUTSIDE_CYCLE % {"first": "2026年10月1日", "last": "2027年2月28日"}
    ]


def test_only_the_clerk_opens_the_session(world, xingji):
    call = lambda: evaluation_open(  # noqa: E731
        branch=world.branch_a,
        cycle=2026,
        meeting_on=datetime.date(2026, 12, 28),
        voting_opens_at=at(2026, 12, 28, 9),
        voting_closes_at=at(2026, 12, 28, 12),
        mode="online",
        by=world.member_a.user,
    )
    assert refused(call) == [messages.NOT_ALLOWED]


# ---------------------------------------------------------------- 自评


def test_a_member_writes_and_rewrites_their_self_assessment_until_voting_closes(world, voting, monkeypatch):
    self_assessment_submit(
        session=voting, member=world.member_a, text="按时参加组织生活", by=world.member_a.user
    )
    self_assessment_submit(
        session=voting,
        member=world.member_a,
        text="按时参加组织生活，带头志愿服务",
        level="合格",
        by=world.member_a.user,
    )
    assessment = voting.self_assessments.get(member=world.member_a)
    assert (assessment.text, assessment.level) == ("按时参加组织生活，带头志愿服务", "合格")
    freeze(monkeypatch, 2026, 12, 28, 12)
    call = lambda: self_assessment_submit(  # noqa: E731
        session=voting, member=world.member_a, text="再改", by=world.member_a.user
    )
    assert refused(call) == [messages.VOTING_CLOSED % {"closes": "2026年12月28日 12:00"}]


def test_no_one_writes_another_members_self_assessment(world, voting):
    call = lambda: self_assessment_submit(  # noqa: E731
        session=voting, member=world.member_a, text="代写", by=world.other_member_a.user
    )
    assert refused(call) == [messages.SELF_ASSESSMENT_NOT_YOURS]


# ---------------------------------------------------------------- 互评


def test_members_vote_during_the_window_and_each_sees_only_their_own_ballots(world, voting):
    vote(voting, world.member_a, **{str(world.other_member_a.pk): {"level": "优秀"}})
    vote(voting, member(world, world.clerk_a), **{str(world.other_member_a.pk): {"level": "合格"}})
    tally = next(t for t in session_tallies(voting) if t.member == world.other_member_a)
    assert tally.counts == {"优秀": 1, "合格": 1} and tally.ballots == 2
    assert tally.suggestion == "优秀"  # a tie goes to the better level


def test_a_ballot_before_the_window_opens_is_refused(world, session, monkeypatch):
    freeze(monkeypatch, 2026, 12, 28, 8, 59)
    call = lambda: vote(session, world.member_a, **{str(world.other_member_a.pk): {"level": "优秀"}})  # noqa: E731
    assert refused(call) == [messages.VOTING_NOT_OPEN % {"opens": "2026年12月28日 09:00"}]


def test_a_ballot_after_the_window_closed_is_refused(world, session, monkeypatch):
    freeze(monkeypatch, 2026, 12, 28, 12)
    call = lambda: vote(session, world.member_a, **{str(world.other_member_a.pk): {"level": "优秀"}})  # noqa: E731
    assert refused(call) == [messages.VOTING_CLOSED % {"closes": "2026年12月28日 12:00"}]


def test_a_second_ballot_on_the_same_person_is_refused_and_the_first_stands(world, voting):
    vote(voting, world.member_a, **{str(world.other_member_a.pk): {"level": "优秀"}})
    call = lambda: vote(voting, world.member_a, **{str(world.other_member_a.pk): {"level": "不合格"}})  # noqa: E731
    assert refused(call) == [messages.BALLOT_TWICE % {"name": "王芳"}]
    assert voting.ballots.get(voter=world.member_a).level == "优秀"


def test_a_ballot_with_one_bad_choice_records_none(world, voting):
    choices = {str(world.other_member_a.pk): {"level": "优秀"}, str(world.member_a.pk): {"level": "合格"}}
    call = lambda: vote(voting, world.member_a, **choices)  # noqa: E731
    assert refused(call) == [messages.NOT_YOURSELF]


def test_a_probationary_member_has_no_vote(world, voting, probationer):
    call = lambda: vote(voting, probationer, **{str(world.member_a.pk): {"level": "优秀"}})  # noqa: E731
    assert refused(call) == [messages.NOT_A_VOTER % {"name": "孙敏"}]


def test_a_member_not_on_the_list_cannot_be_voted_on(world, voting):
    call = lambda: vote(voting, world.member_a, **{str(world.outsider.pk): {"level": "优秀"}})  # noqa: E731
    assert refused(call) == [messages.NOT_EVALUATED % {"name": "赵磊"}]


def test_a_level_the_rules_do_not_know_is_refused(world, voting):
    call = lambda: vote(voting, world.member_a, **{str(world.other_member_a.pk): {"level": "良好"}})  # noqa: E731
    assert refused(call) == [
        messages.LEVEL_UNKNOWN % {"level": "良好", "choices": "优秀、合格、基本合格、不合格"}
    ]


def test_a_paper_session_takes_no_online_ballots(world, xingji, monkeypatch):
    session = open_session(world, mode=EvaluationSession.Mode.PAPER)
    freeze(monkeypatch, 2026, 12, 28, 10)
    call = lambda: vote(session, world.member_a, **{str(world.other_member_a.pk): {"level": "优秀"}})  # noqa: E731
    assert refused(call) == [messages.ONLINE_VOTING_OFF]


# ---------------------------------------------------------------- the paper count


def test_the_clerk_enters_the_paper_count_and_a_correction_keeps_the_first(world, voting):
    paper_tally_enter(
        session=voting, subject=world.member_a, ballots=3, counts={"优秀": 1, "合格": 2}, by=world.clerk_a
    )
    paper_tally_enter(
        session=voting, subject=world.member_a, ballots=3, counts={"优秀": 2, "合格": 1}, by=world.clerk_a
    )
    assert PaperTally.objects.filter(subject=world.member_a).count() == 2
    tally = next(t for t in session_tallies(voting) if t.member == world.member_a)
    assert tally.counts == {"优秀": 2, "合格": 1} and tally.suggestion == "优秀"


def test_tallies_may_not_exceed_the_ballots_cast(world, voting):
    call = lambda: paper_tally_enter(  # noqa: E731
        session=voting, subject=world.member_a, ballots=2, counts={"优秀": 2, "合格": 1}, by=world.clerk_a
    )
    assert refused(call) == [messages.TALLY_EXCEEDS_BALLOTS % {"votes": 3, "ballots": 2}]


def test_paper_ballots_may_not_outnumber_the_voters_who_did_not_vote_online(world, voting):
    """Five 正式党员 vote; one of the other four has voted on 张伟 online: at most 3 paper ballots."""
    vote(voting, world.other_member_a, **{str(world.member_a.pk): {"level": "合格"}})
    call = lambda: paper_tally_enter(  # noqa: E731
        session=voting, subject=world.member_a, ballots=4, counts={"合格": 4}, by=world.clerk_a
    )
    assert refused(call, "ballots") == [messages.TALLY_BALLOTS_TOO_MANY % {"ballots": 4, "voters": 3}]


def test_only_the_clerk_enters_the_paper_count(world, voting):
    call = lambda: paper_tally_enter(  # noqa: E731
        session=voting, subject=world.member_a, ballots=1, counts={"合格": 1}, by=world.committee_a
    )
    assert refused(call) == [messages.NOT_ALLOWED]


# ---------------------------------------------------------------- 计票, 评定, 公示, 审定


def tally_closed(world, session, **kwargs):
    return perform(
        open_task(session.process, EvaluationFlow.tally),
        world.clerk_a,
        lambda **kw: evaluation_tally_close(session=session, **kw, **kwargs),
    )


def test_the_count_waits_for_the_window_unless_the_clerk_ends_voting_after_the_meeting(world, voting):
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        tally_closed(world, voting)
    assert caught.value.messages == [messages.VOTING_STILL_OPEN % {"closes": "2026年12月28日 12:00"}]
    tally_closed(world, voting, close_voting_now=True)
    voting.refresh_from_db()
    assert voting.status == EvaluationSession.Status.PROPOSING and voting.voting_closes_at == at(
        2026, 12, 28, 10
    )
    assert open_task(voting.process, EvaluationFlow.propose)


def test_a_paper_session_needs_every_members_count(world, xingji, probationer, monkeypatch):
    session = open_session(world, mode=EvaluationSession.Mode.PAPER)
    freeze(monkeypatch, 2026, 12, 28, 12)
    paper_tally_enter(
        session=session, subject=world.member_a, ballots=4, counts={"合格": 4}, by=world.clerk_a
    )
    with pytest.raises(ValidationError) as caught:
        tally_closed(world, session)
    assert caught.value.messages == [messages.TALLY_MISSING % {"names": "刘洋、孙敏、李娜、王芳、陈静"}]


def proposals_for(session, overrides=None):
    """Every member evaluated at the count's suggestion (合格 without votes), with the overrides."""
    given = {}
    for tally in session_tallies(session):
        given[tally.member.pk] = ProposalInput(
            level=tally.suggestion or "合格", reason="未得票，按合格" if not tally.suggestion else ""
        )
    given.update(overrides or {})
    return given


def propose(world, session, proposals):
    return perform(
        open_task(session.process, EvaluationFlow.propose),
        world.committee_a,
        lambda **kw: evaluation_propose(session=session, proposals=proposals, **kw),
    )


def test_the_committee_must_say_why_it_departs_from_the_count(world, voting, monkeypatch):
    vote(voting, world.other_member_a, **{str(world.member_a.pk): {"level": "优秀"}})
    freeze(monkeypatch, 2026, 12, 28, 12)
    tally_closed(world, voting)
    proposals = proposals_for(voting, {world.member_a.pk: ProposalInput(level="合格")})
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        propose(world, voting, proposals)
    assert caught.value.messages == [
        messages.PROPOSAL_REASON_REQUIRED % {"name": "张伟", "suggested": "优秀"}
    ]


def test_the_committee_proposes_no_result_for_someone_not_evaluated(world, voting, monkeypatch):
    """赵磊 of 二支部 is not on 一支部's list: a result for him is refused and nothing is posted."""
    freeze(monkeypatch, 2026, 12, 28, 12)
    tally_closed(world, voting)
    proposals = proposals_for(voting, {world.outsider.pk: ProposalInput(level="优秀")})
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        propose(world, voting, proposals)
    assert caught.value.messages == [messages.NOT_EVALUATED % {"name": "赵磊"}]


@pytest.fixture
def posted(world, voting, monkeypatch):
    """Voted, counted, proposed on 28 December at noon: 公示 until 2 January (5 days)."""
    vote(voting, world.other_member_a, **{str(world.member_a.pk): {"level": "优秀"}})
    freeze(monkeypatch, 2026, 12, 28, 12)
    tally_closed(world, voting)
    propose(world, voting, proposals_for(voting))
    voting.refresh_from_db()
    return voting


def test_the_proposal_is_posted_for_the_window_and_the_branch_is_told(world, posted):
    window = posted.window
    assert posted.status == EvaluationSession.Status.PUBLICITY
    assert (window.opens_at, window.closes_at) == (at(2026, 12, 28, 12), at(2027, 1, 2, 12))
    assert Notification.objects.filter(kind="publicity_opened", recipient=world.member_a.user).exists()


def test_an_appeal_against_a_posted_result_is_decided_like_the_quarters(world, posted, monkeypatch):
    """王芳 says 张伟's 优秀 is too high; the committee upholds it with its reason: 合格 now stands."""
    appeal = appeal_file_result(
        appellant=world.other_member_a,
        window=posted.window,
        subject=world.member_a,
        reason="全年两次无故缺席",
        by=world.other_member_a.user,
    )
    call = lambda: appeal_file_result(  # noqa: E731
        appellant=world.other_member_a,
        window=posted.window,
        subject=world.member_a,
        reason="再次",
        by=world.other_member_a.user,
    )
    assert refused(call) == [messages.APPEAL_DUPLICATE]
    perform(
        open_task(appeal.process, AppealFlow.decide),
        world.secretary_a,
        lambda **kw: appeal_decide(appeal=appeal, uphold=True, result="合格", reason="核实属实", **kw),
    )
    latest = EvaluationProposal.objects.filter(session=posted, member=world.member_a).order_by("-id").first()
    assert (latest.level, latest.value, latest.source) == ("合格", Decimal(15), "appeal")


def test_an_appeal_after_the_window_closed_is_refused(world, posted, monkeypatch):
    freeze(monkeypatch, 2027, 1, 2, 12)
    call = lambda: appeal_file_result(  # noqa: E731
        appellant=world.other_member_a,
        window=posted.window,
        subject=world.member_a,
        reason="太高",
        by=world.other_member_a.user,
    )
    from workflows import messages as workflow_messages

    assert refused(call) == [workflow_messages.WINDOW_CLOSED % {"closes": "2027年1月2日 12:00"}]


def test_the_results_are_approved_once_the_window_closed_and_count_for_the_year(world, posted, monkeypatch):
    fire(monkeypatch, 2027, 1, 2, 12)
    perform(
        open_task(posted.process, EvaluationFlow.approve),
        world.secretary_a,
        lambda **kw: evaluation_approve(session=posted, **kw),
    )
    results = {
        r.member.real_name: (r.level, r.value) for r in EvaluationResult.objects.filter(session=posted)
    }
    assert results["张伟"] == ("优秀", Decimal(20)) and results["王芳"] == ("合格", Decimal(15))
    assert len(results) == 6
    call = lambda: evaluation_approve(session=posted, by=world.secretary_a, activation=None)  # noqa: E731
    assert refused(call) == [messages.ALREADY_APPROVED]


def test_approval_waits_for_the_window(world, posted):
    call = lambda: evaluation_approve(session=posted, by=world.secretary_a, activation=None)  # noqa: E731
    assert refused(call) == [messages.WINDOW_STILL_OPEN % {"closes": "2027年1月2日 12:00"}]


# ---------------------------------------------------------------- a vote score (质检)


def test_a_vote_score_above_the_rules_maximum_is_refused(world, monkeypatch):
    """质检: 民主评议分 (20 分) 由党支部组织召开民主评议党员大会投票确定得分 — a score of 21 is refused."""
    from .conftest import rules

    rules(world, "zhijian", 2027)  # 质检 cycles run December – November: 2027 starts on 1 Dec 2026
    freeze(monkeypatch, 2027, 11, 1, 9)
    session = evaluation_open(
        branch=world.branch_a,
        cycle=2027,
        meeting_on=datetime.date(2027, 11, 20),
        voting_opens_at=at(2027, 11, 20, 9),
        voting_closes_at=at(2027, 11, 20, 12),
        mode="mixed",
        by=world.clerk_a,
    )
    assert session.kind == "score" and session.max_score == Decimal(20)
    freeze(monkeypatch, 2027, 11, 20, 10)
    call = lambda: vote(session, world.member_a, **{str(world.other_member_a.pk): {"score": "21"}})  # noqa: E731
    assert refused(call) == [messages.SCORE_OUT_OF_RANGE % {"score": "21", "max": "20"}]
    vote(session, world.member_a, **{str(world.other_member_a.pk): {"score": "18"}})
    paper_tally_enter(session=session, subject=world.other_member_a, ballots=3, score="19", by=world.clerk_a)
    tally = next(t for t in session_tallies(session) if t.member == world.other_member_a)
    assert tally.score == Decimal("18.75")  # (18 + 19 × 3) / 4
