"""Two people on one task over the API: exactly one wins, the other gets 409 with the Chinese reason.

First one after the other (any database), then at the same moment — threads with their own connections,
which only PostgreSQL's row locks serialize (SQLite ignores ``select_for_update``).
"""

from __future__ import annotations

import datetime
import threading
from contextlib import contextmanager

import pytest
from django.db import connection, connections, transaction
from viewflow.workflow import lock
from viewflow.workflow.exceptions import FlowLockFailed

from accounts.models import RoleAssignment
from scoring.models import LedgerEntry
from tests.factories import UserFactory, make_role
from tests.workflows.helpers import (
    Q1,
    add_officer,
    approved_claim,
    freeze,
    nothing_changes,
    open_task,
    perform,
    photo,
    publicity_closed,
)
from workflows import messages
from workflows.claims import claim_record, claim_submit
from workflows.flows import ClaimFlow, PeriodReviewFlow
from workflows.models import BranchProcess, Claim, Filing
from workflows.periods import period_approve, period_start

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
APPROVE = {"decision": "approve"}
LOSING = {str(messages.TASK_LOCKED), str(messages.TASK_ALREADY_DONE)}


@pytest.fixture(autouse=True)
def march(monkeypatch):
    return freeze(monkeypatch, 2026, 3, 20, 10)


@pytest.fixture
def review_task(world, rules_2026):
    """张伟's claim, recorded by the clerk, waiting in the committee's queue for 审核."""
    claim = claim_submit(
        member=world.member_a,
        item_code="innovative-activity",
        occurred_on=datetime.date(2026, 3, 10),
        evidence=[photo()],
        by=world.member_a.user,
    )
    perform(
        open_task(claim.process, ClaimFlow.record),
        world.clerk_a,
        lambda **kw: claim_record(claim=claim, **kw),
    )
    return open_task(claim.process, ClaimFlow.review)


@pytest.fixture
def two_members(world, as_user):
    """刘洋 and 黄磊, both of branch A's committee, each with a token."""
    huanglei = add_officer(world.branch_a, "黄磊", "huanglei", RoleAssignment.Role.COMMITTEE)
    return as_user(world.committee_a), as_user(huanglei)


def act_url(task) -> str:
    return f"/api/v1/tasks/{task.pk}/act/"


# --- One after the other (any database) --------------------------------------------------------


def test_the_second_member_to_approve_is_told_it_is_already_done(review_task, two_members):
    liuyang, huanglei = two_members
    assert liuyang.post(act_url(review_task), APPROVE, format="json").status_code == 200
    with nothing_changes():
        late = huanglei.post(act_url(review_task), APPROVE, format="json")
    assert late.status_code == 409
    assert late.json() == {"code": "conflict", "message": str(messages.TASK_ALREADY_DONE), "fields": {}}
    assert LedgerEntry.objects.count() == 1


def test_a_member_cannot_act_on_a_task_the_other_has_taken(review_task, two_members):
    liuyang, huanglei = two_members
    assert huanglei.post(f"/api/v1/tasks/{review_task.pk}/assign/").status_code == 200
    with nothing_changes():
        response = liuyang.post(
            act_url(review_task), {"decision": "reject", "reason": "不符合"}, format="json"
        )
    assert response.status_code == 409
    assert response.json()["message"] == str(messages.TASK_TAKEN_BY % {"name": "黄磊"})
    assert Claim.objects.get().status == Claim.Status.RECORDED


def test_a_process_locked_by_someone_else_answers_409_in_chinese(review_task, two_members, monkeypatch):
    @contextmanager
    def busy(self, flow_class, process_pk):
        raise FlowLockFailed(f"Lock failed for {flow_class}")
        yield  # pragma: no cover

    liuyang, _ = two_members
    monkeypatch.setattr(lock.SelectForUpdateLock, "__call__", busy)
    with nothing_changes():
        responses = [
            liuyang.post(act_url(review_task), APPROVE, format="json"),
            liuyang.post(f"/api/v1/tasks/{review_task.pk}/assign/"),
            liuyang.post("/api/v1/tasks/bulk-approve/", {"task_ids": [review_task.pk]}, format="json"),
        ]
    assert [r.status_code for r in responses] == [409, 409, 200]
    assert responses[0].json()["message"] == responses[1].json()["message"] == str(messages.TASK_LOCKED)
    assert responses[2].json()["results"][0] == {
        "task_id": review_task.pk,
        "outcome": "conflict",
        "message": str(messages.TASK_LOCKED),
    }


# --- At the same moment (PostgreSQL) -----------------------------------------------------------


def in_threads(*jobs):
    """Run each ``job(ready)`` in its own thread and connection, released at the same moment."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index, job):
        try:
            results[index] = job(lambda: barrier.wait(timeout=10))
        except Exception as error:  # the test inspects what each side got
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def posting(client, url, data=None):
    def job(ready):
        ready()
        return client.post(url, data or {}, format="json")

    return job


def one_winner(results) -> tuple[int, dict]:
    """Exactly one 200 and one 409: the winner's index and the loser's body."""
    assert sorted(getattr(r, "status_code", r) for r in results) == [200, 409], results
    winner = next(i for i, r in enumerate(results) if r.status_code == 200)
    return winner, results[1 - winner].json()


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_two_members_approving_at_the_same_moment_one_wins(review_task, two_members):
    url = act_url(review_task)
    winner, loser = one_winner(in_threads(*(posting(client, url, APPROVE) for client in two_members)))
    taken = str(messages.TASK_TAKEN_BY % {"name": ("刘洋", "黄磊")[winner]})
    assert loser["code"] == "conflict" and loser["message"] in LOSING | {taken}
    assert LedgerEntry.objects.count() == 1
    claim = Claim.objects.get()
    assert (
        claim.status == Claim.Status.APPROVED and claim.decided_by.username == ("liuyang", "huanglei")[winner]
    )


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_two_members_taking_the_task_at_the_same_moment_one_gets_it(review_task, two_members, world):
    url = f"/api/v1/tasks/{review_task.pk}/assign/"
    winner, loser = one_winner(in_threads(*(posting(client, url) for client in two_members)))
    review_task.refresh_from_db()
    assert review_task.owner.username == ("liuyang", "huanglei")[winner]
    taken = str(messages.TASK_TAKEN_BY % {"name": ("刘洋", "黄磊")[winner]})
    assert loser["message"] in {str(messages.TASK_LOCKED), taken}


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_approval_sent_twice_at_once_records_one_ledger_entry(review_task, two_members):
    liuyang, _ = two_members
    url = act_url(review_task)
    _, loser = one_winner(in_threads(posting(liuyang, url, APPROVE), posting(liuyang, url, APPROVE)))
    assert loser["message"] in LOSING
    assert LedgerEntry.objects.count() == 1


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_a_held_process_lock_makes_the_request_wait_then_409(review_task, two_members, monkeypatch):
    monkeypatch.setattr(lock.select_for_update_lock, "attempts", 2)  # give up after one short retry
    liuyang, _ = two_members
    locked, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                BranchProcess.objects.select_for_update().filter(pk=review_task.process_id).exists()
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(timeout=10)
    try:
        with nothing_changes():
            response = liuyang.post(act_url(review_task), APPROVE, format="json")
    finally:
        release.set()
        holder.join()
    assert response.status_code == 409 and response.json()["message"] == str(messages.TASK_LOCKED)
    assert liuyang.post(act_url(review_task), APPROVE, format="json").status_code == 200
    assert LedgerEntry.objects.count() == 1


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_two_higher_officers_archiving_one_filing_at_once_one_wins(world, rules_2026, monkeypatch, as_user):
    approved_claim(world)
    freeze(monkeypatch, 2026, 4, 2, 9)
    review = period_start(branch=world.branch_a, period=Q1, by=world.clerk_a)
    publicity_closed(monkeypatch)
    perform(
        open_task(review.process, PeriodReviewFlow.approve),
        world.secretary_a,
        lambda **kw: period_approve(review=review, **kw),
    )
    colleague = UserFactory(username="higher2")
    make_role(colleague, world.committee, RoleAssignment.Role.HIGHER)
    filing = Filing.objects.get()
    url = f"/api/v1/filings/{filing.pk}/archive/"
    clients = (as_user(world.higher), as_user(colleague))
    _, loser = one_winner(in_threads(*(posting(client, url) for client in clients)))
    assert loser["code"] == "conflict"
    assert loser["message"] in LOSING | {
        str(messages.TASK_TAKEN_BY % {"name": name}) for name in ("higher", "higher2")
    } | {str(messages.FILING_ALREADY_DECIDED)}
    filing.refresh_from_db()
    assert filing.status == Filing.Status.ARCHIVED
