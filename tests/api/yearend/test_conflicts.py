"""Two officers approving one annual review over the API at the same moment (PostgreSQL: threads with their
own connections, serialized by the process's row lock): one gets 200, the other 409 with the Chinese
reason, and the year is frozen once. The same for two 党委 officers deciding it, and for one member's two
ballots sent together."""

from __future__ import annotations

import pytest
from django.db import connection

from accounts.models import RoleAssignment
from tests.api.tasks.test_conflicts import in_threads, one_winner, posting
from tests.factories import UserFactory, make_role
from tests.workflows.helpers import add_officer, open_task
from tests.yearend.helpers import fire
from workflows import messages
from yearend import messages as yearend_messages
from yearend.flows import AnnualReviewFlow
from yearend.models import AnnualDecision, AnnualResult, Ballot

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
pytestmark = [pytest.mark.postgres, on_postgres, pytest.mark.django_db(transaction=True)]

APPROVE = {"decision": "approve"}


def losing(*names: str) -> set[str]:
    """What the loser may be told: the lock was held, the task is done, or someone took it first."""
    taken = {str(messages.TASK_TAKEN_BY % {"name": name}) for name in names}
    return {str(messages.TASK_LOCKED), str(messages.TASK_ALREADY_DONE)} | taken


def test_two_secretaries_approving_one_annual_review_at_once_one_wins(world, scene, as_user):
    second = add_officer(world.branch_a, "黄磊", "huanglei", RoleAssignment.Role.SECRETARY)
    year = scene("graded")
    fire(year.monkeypatch, 2027, 1, 21, 10)
    task = open_task(year.reviews["a"].process, AnnualReviewFlow.approve)
    url = f"/api/v1/tasks/{task.pk}/act/"
    clients = (as_user(world.secretary_a), as_user(second))
    winner, loser = one_winner(in_threads(*(posting(client, url, APPROVE) for client in clients)))
    assert loser["code"] == "conflict" and loser["message"] in losing("陈静", "黄磊"), loser
    results = AnnualResult.objects.filter(review=year.reviews["a"])
    assert results.values("round").distinct().count() == 1 and results.count() == 6
    assert {r.approved_by.username for r in results} == {("chenjing", "huanglei")[winner]}


def test_two_higher_officers_deciding_one_year_at_once_make_one_decision(world, scene, as_user):
    year = scene("approved")
    colleague = UserFactory(username="higher2")
    make_role(colleague, world.committee, RoleAssignment.Role.HIGHER)
    task = open_task(year.reviews["a"].process, AnnualReviewFlow.ratify)
    url = f"/api/v1/tasks/{task.pk}/act/"
    jobs = (
        posting(as_user(world.higher), url, APPROVE),
        posting(as_user(colleague), url, {"decision": "return", "reason": "请复核"}),
    )
    _, loser = one_winner(in_threads(*jobs))
    assert loser["message"] in losing("higher", "higher2"), loser
    assert AnnualDecision.objects.filter(review=year.reviews["a"]).count() == 1


def test_one_members_two_ballots_sent_at_once_count_once(world, scene, as_user):
    year = scene("voting")
    url = f"/api/v1/evaluations/{year.sessions['a'].pk}/ballots/"
    phone = as_user(world.member_a.user)
    jobs = [
        posting(phone, url, {"ballots": [{"member": world.other_member_a.pk, "level": level}]})
        for level in ("优秀", "合格")
    ]
    results = in_threads(*jobs)
    assert sorted(r.status_code for r in results) == [201, 409], results
    loser = next(r for r in results if r.status_code == 409).json()
    assert loser == {
        "code": "already_voted",
        "message": str(yearend_messages.BALLOT_TWICE % {"name": "王芳"}),
        "fields": {},
    }
    assert Ballot.objects.filter(voter=world.member_a).count() == 1
