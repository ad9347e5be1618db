"""Two people on one thing at once, for real (PostgreSQL: threads with their own connections): a member's
two ballots sent together count once; two officers approving one annual review — one wins, the other
is told in Chinese; two 党委 officers deciding at once — one decision."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client

from accounts.models import RoleAssignment
from tests.factories import UserFactory, make_role
from tests.workflows.helpers import add_officer, assign, freeze, open_task, perform, task_url
from tests.workflows.test_conflicts import in_threads, one_winner, posting
from workflows import messages as workflow_messages
from yearend import messages
from yearend.annual import annual_review_approve, annual_review_ratify, annual_review_start
from yearend.evaluation import ballots_cast, evaluation_open
from yearend.flows import AnnualReviewFlow
from yearend.models import AnnualDecision, AnnualResult, Ballot

from .helpers import approve_year, at, fire
from .test_annual_review import evaluated, grades, set_grades

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
pytestmark = [pytest.mark.postgres, on_postgres, pytest.mark.django_db(transaction=True)]


def test_two_ballots_of_one_member_sent_at_once_count_once(world, xingji, monkeypatch):
    freeze(monkeypatch, 2026, 12, 20, 9)
    session = evaluation_open(
        branch=world.branch_a,
        cycle=2026,
        meeting_on=datetime.date(2026, 12, 28),
        voting_opens_at=at(2026, 12, 28, 9),
        voting_closes_at=at(2026, 12, 28, 12),
        mode="online",
        by=world.clerk_a,
    )
    freeze(monkeypatch, 2026, 12, 28, 10)

    def vote(level):
        def job(ready):
            ready()
            return ballots_cast(
                session=session,
                voter=world.member_a,
                choices={world.other_member_a.pk: {"level": level}},
                by=world.member_a.user,
            )

        return job

    results = in_threads(vote("优秀"), vote("合格"))
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], ValidationError), results
    assert errors[0].messages == [messages.BALLOT_TWICE % {"name": "王芳"}]
    assert Ballot.objects.filter(session=session, voter=world.member_a).count() == 1


User = get_user_model()


@pytest.fixture
def approve_task(world, year_2026, monkeypatch):
    """Branch A's 2026 as in test_annual_review: graded at the suggestions, 公示 over, 审定 waiting."""
    approve_year(world, monkeypatch)
    evaluated(world, monkeypatch, {"张伟": "合格", "王芳": "优秀"})
    # A second secretary, a member of the branch graded with it (one joining after grading would leave
    # the year without his 等次, and 审定 would be refused for that).
    add_officer(world.branch_a, "黄磊", "huanglei", RoleAssignment.Role.SECRETARY)
    freeze(monkeypatch, 2027, 1, 16, 9)
    review = annual_review_start(branch=world.branch_a, cycle=2026, by=world.clerk_a)
    set_grades(world, review, grades(review))
    fire(monkeypatch, 2027, 1, 21, 9)
    return open_task(review.process, AnnualReviewFlow.approve)


def test_two_secretaries_approving_one_annual_review_at_once_approve_it_once(world, approve_task):
    second = User.objects.get(username="huanglei")
    url = task_url(approve_task)
    assign(Client(), world.secretary_a, approve_task)
    results = in_threads(
        posting(world.secretary_a, url, {"decision": "approve", "note": ""}),
        posting(second, url, {"decision": "approve", "note": ""}),
    )
    _, loser_page = one_winner(results)
    assert any(
        str(text) in loser_page
        for text in (
            workflow_messages.TASK_LOCKED,
            workflow_messages.TASK_ALREADY_DONE,
            workflow_messages.TASK_TAKEN_BY % {"name": "陈静"},
        )
    ), loser_page
    assert AnnualResult.objects.values("round").distinct().count() == 1


def test_two_higher_officers_deciding_at_once_make_one_decision(world, approve_task):
    review = approve_task.process.branchprocess.annual_review
    perform(approve_task, world.secretary_a, lambda **kw: annual_review_approve(review=review, **kw))
    ratify = open_task(review.process, AnnualReviewFlow.ratify)
    other = UserFactory(username="higher2")
    make_role(other, world.committee, RoleAssignment.Role.HIGHER)

    def decide(user, approve):
        def job(ready):
            ready()
            return perform(
                ratify,
                user,
                lambda **kw: annual_review_ratify(review=review, approve=approve, reason="意见", **kw),
            )

        return job

    results = in_threads(decide(world.higher, True), decide(other, False))
    assert sum(1 for r in results if isinstance(r, AnnualDecision)) == 1, results
    assert AnnualDecision.objects.filter(review=review).count() == 1
