"""不得办理涉及本人积分的事项 at the year's end: the clerk does not enter the paper count of his own row (the
secretary does, for a branch's only clerk); in the committee's branch-wide forms an officer's own row takes
what the count or the rules suggest — a different 评议结果 or 等次 for them is another officer's
to propose."""

# The fixtures come from the year-end's rule tests; pytest passes them by name (hence F811).
# ruff: noqa: F811

import pytest
from django.core.exceptions import ValidationError

from accounts import messages as account_messages
from tests.workflows.helpers import freeze, open_task, perform
from yearend import messages
from yearend.annual import annual_grades_set
from yearend.evaluation import ProposalInput, evaluation_propose, paper_tally_enter
from yearend.flows import AnnualReviewFlow, EvaluationFlow
from yearend.models import EvaluationSession, PaperTally

from .helpers import refused
from .test_annual_review import grades, review, year_done  # noqa: F401 — fixtures
from .test_evaluation_rules import (  # noqa: F401 — fixtures
    december,
    member,
    proposals_for,
    session,
    tally_closed,
    vote,
    voting,
)


def own(action: str) -> str:
    return account_messages.OWN_POINTS % {"action": action}


def test_a_clerk_cannot_enter_his_own_paper_count(world, voting):
    clerk = member(world, world.clerk_a)
    enter = lambda by: paper_tally_enter(  # noqa: E731
        session=voting, subject=clerk, ballots=2, counts={"合格": 2}, by=by
    )
    assert refused(lambda: enter(world.clerk_a)) == [own("录入本人的纸质票")]
    enter(world.secretary_a)  # the branch's only clerk: the secretary stands in
    assert PaperTally.objects.get(subject=clerk).entered_by == world.secretary_a


def test_the_secretary_enters_no_one_elses_paper_count_while_the_branch_has_a_clerk(world, voting):
    enter = lambda: paper_tally_enter(  # noqa: E731
        session=voting, subject=world.member_a, ballots=1, counts={"合格": 1}, by=world.secretary_a
    )
    assert refused(enter) == [messages.NOT_ALLOWED]


def propose(evaluation, by, proposals):
    return perform(
        open_task(evaluation.process, EvaluationFlow.propose),
        by,
        lambda **kw: evaluation_propose(session=evaluation, proposals=proposals, **kw),
    )


@pytest.fixture
def counted(world, voting, monkeypatch):
    """王芳 votes 刘洋 (the committee member) 合格 and 张伟 优秀; the count is closed at noon."""
    liuyang = member(world, world.committee_a)
    vote(
        voting,
        world.other_member_a,
        **{str(liuyang.pk): {"level": "合格"}, str(world.member_a.pk): {"level": "优秀"}},
    )
    freeze(monkeypatch, 2026, 12, 28, 12)
    tally_closed(world, voting)
    return voting


def test_a_committee_member_cannot_propose_his_own_result_other_than_the_count(world, counted):
    liuyang = member(world, world.committee_a)
    better = proposals_for(counted, {liuyang.pk: ProposalInput(level="优秀", reason="全年表现突出")})
    with pytest.raises(ValidationError) as caught:
        propose(counted, world.committee_a, better)
    assert caught.value.messages == [own("改变刘洋本人的建议结果")]
    propose(counted, world.secretary_a, better)  # another officer may, with the reason
    counted.refresh_from_db()
    assert counted.status == EvaluationSession.Status.PUBLICITY


def test_a_committee_member_proposes_the_whole_branch_with_his_own_row_as_counted(world, counted):
    propose(counted, world.committee_a, proposals_for(counted))
    counted.refresh_from_db()
    assert counted.status == EvaluationSession.Status.PUBLICITY


def test_a_committee_member_cannot_grade_himself_other_than_suggested(world, review):
    chosen = grades(review, 刘洋=("基本合格", "自愿降低"))
    task = open_task(review.process, AnnualReviewFlow.grade)
    set_by = lambda user: perform(  # noqa: E731
        task, user, lambda **kw: annual_grades_set(review=review, grades=chosen, **kw)
    )
    with pytest.raises(ValidationError) as caught:
        set_by(world.committee_a)
    assert caught.value.messages == [own("改变刘洋本人的建议结果")]
