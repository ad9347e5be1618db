"""Two committee members on the same task at once: exactly one wins, the other is told in Chinese.

The first half runs on any database: one person takes or finishes the task, then the other arrives.
The second half (``postgres``) is true concurrency — threads with their own connections hitting the
same task at the same moment, or one holding the process's row lock while another posts — which
only PostgreSQL's row locks can serialize (SQLite ignores ``select_for_update``).
"""

import datetime
import threading
from contextlib import contextmanager

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.test import Client
from viewflow.workflow import lock
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.status import STATUS

from accounts.models import RoleAssignment
from scoring.models import LedgerEntry
from workflows import messages
from workflows.claims import claim_approve, claim_record, claim_submit
from workflows.flows import ClaimFlow, PeriodReviewFlow
from workflows.models import BranchProcess, Claim, PeriodApproval
from workflows.periods import period_approve, period_start

from .helpers import (
    Q1,
    add_officer,
    assign,
    freeze,
    nothing_changes,
    open_task,
    perform,
    photo,
    started,
    task_url,
)

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
TAKEN_BY_LIUYANG = messages.TASK_TAKEN_BY % {"name": "刘洋"}


@pytest.fixture(autouse=True)
def march(monkeypatch):
    return freeze(monkeypatch, 2026, 3, 20, 10)


@pytest.fixture
def committee_a2(world):
    """A second member of branch A's committee, as entitled to the review as 刘洋 (committee_a)."""
    return add_officer(world.branch_a, "黄磊", "huanglei", RoleAssignment.Role.COMMITTEE)


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


def page(response) -> str:
    return response.content.decode()


APPROVE = {"decision": "approve", "points": "", "reason": ""}


# --- One after the other (any database) --------------------------------------------------------


def test_the_second_committee_member_to_take_a_task_is_told_who_has_it(
    client, world, review_task, committee_a2
):
    assert assign(client, world.committee_a, review_task).status_code == 302
    with nothing_changes():
        response = assign(client, committee_a2, review_task)
    assert response.status_code == 409
    assert TAKEN_BY_LIUYANG in page(response)
    assert "您提交的内容未被保存" in page(response)
    review_task.refresh_from_db()
    assert review_task.owner == world.committee_a and review_task.status == STATUS.ASSIGNED


def test_opening_the_take_page_of_a_task_already_taken_explains_it_too(
    client, world, review_task, committee_a2
):
    assign(client, world.committee_a, review_task)
    client.force_login(committee_a2)
    response = client.get(task_url(review_task, "assign"))
    assert response.status_code == 409 and TAKEN_BY_LIUYANG in page(response)


def test_taking_a_task_twice_tells_the_owner_it_is_already_theirs(client, world, review_task):
    assign(client, world.committee_a, review_task)
    with nothing_changes():
        response = assign(client, world.committee_a, review_task)
    assert response.status_code == 409 and str(messages.TASK_ALREADY_YOURS) in page(response)


def test_the_other_member_cannot_execute_a_task_taken_by_the_first(client, world, review_task, committee_a2):
    assign(client, world.committee_a, review_task)
    client.force_login(committee_a2)
    with nothing_changes():
        response = client.post(task_url(review_task), APPROVE)
    assert response.status_code == 409 and TAKEN_BY_LIUYANG in page(response)
    assert not LedgerEntry.objects.exists()


def test_a_task_finished_by_one_member_is_reported_done_to_the_other(
    client, world, review_task, committee_a2
):
    assign(client, world.committee_a, review_task)
    assert client.post(task_url(review_task), APPROVE).status_code == 302
    with nothing_changes():
        response = assign(client, committee_a2, review_task)
    assert response.status_code == 409 and str(messages.TASK_ALREADY_DONE) in page(response)
    assert LedgerEntry.objects.count() == 1


def test_submitting_the_same_review_twice_records_the_points_once(client, world, review_task):
    assign(client, world.committee_a, review_task)
    assert client.post(task_url(review_task), APPROVE).status_code == 302
    with nothing_changes():
        again = client.post(task_url(review_task), APPROVE)
    assert again.status_code == 409 and str(messages.TASK_ALREADY_DONE) in page(again)
    assert LedgerEntry.objects.count() == 1


def test_people_outside_the_task_get_a_plain_refusal_that_names_no_one(client, world, review_task):
    assign(client, world.committee_a, review_task)
    for user in (world.clerk_b, world.clerk_a, world.member_a.user):
        response = assign(client, user, review_task)
        assert response.status_code == 403, user
        assert "刘洋" not in page(response)


def test_a_task_whose_process_is_locked_answers_409_in_chinese(client, world, review_task, monkeypatch):
    """What the loser sees when the NOWAIT row lock gives up (forced here; for real on PostgreSQL below)."""

    @contextmanager
    def busy(self, flow_class, process_pk):
        raise FlowLockFailed(f"Lock failed for {flow_class}")
        yield  # pragma: no cover

    assign(client, world.committee_a, review_task)
    monkeypatch.setattr(lock.SelectForUpdateLock, "__call__", busy)
    with nothing_changes():
        response = client.post(task_url(review_task), APPROVE)
    assert response.status_code == 409
    assert "该任务正由其他人处理，请稍后刷新查看" in page(response)
    assert not LedgerEntry.objects.exists()


def test_two_open_pages_of_one_approval_approve_the_claim_once(world, review_task):
    """The service itself: two activations of one task started side by side, both submitted."""
    with started(review_task, world.committee_a) as first, started(review_task, world.committee_a) as second:
        claim = Claim.objects.get(process__pk=review_task.process_id)
        claim_approve(claim=claim, by=world.committee_a, activation=first)
        with nothing_changes(), pytest.raises(ValidationError) as caught:
            claim_approve(claim=claim, by=world.committee_a, activation=second)
    assert caught.value.messages == [messages.CLAIM_NOT_OPEN % {"status": "审核通过"}]
    assert LedgerEntry.objects.count() == 1


# --- At the same moment (PostgreSQL) -----------------------------------------------------------


def in_threads(*jobs):
    """Run each ``job(ready)`` in its own thread and connection; every job prepares what it needs, calls
    ``ready()`` and is released at the same moment as the others. Returns what each returned or raised."""
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


def posting(user, url, data=None):
    def job(ready):
        client = Client()
        client.force_login(user)
        ready()
        return client.post(url, data or {})

    return job


def one_winner(results) -> tuple[int, str]:
    """Exactly one 302 and one 409: the winner's index and the loser's page."""
    assert sorted(getattr(r, "status_code", r) for r in results) == [302, 409], results
    winner = next(i for i, r in enumerate(results) if r.status_code == 302)
    return winner, page(results[1 - winner])


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_the_lock_held_by_another_member_makes_the_second_post_wait_then_409(
    client, world, review_task, monkeypatch
):
    monkeypatch.setattr(lock.select_for_update_lock, "attempts", 2)  # give up after one short retry
    assign(client, world.committee_a, review_task)
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
            response = client.post(task_url(review_task), APPROVE)
    finally:
        release.set()
        holder.join()
    assert response.status_code == 409
    assert "该任务正由其他人处理，请稍后刷新查看" in page(response)
    assert client.post(task_url(review_task), APPROVE).status_code == 302  # once it is free, it goes through
    assert LedgerEntry.objects.count() == 1


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_two_members_taking_the_task_at_the_same_moment_one_gets_it(world, review_task, committee_a2):
    url = task_url(review_task, "assign")
    winner, loser_page = one_winner(in_threads(posting(world.committee_a, url), posting(committee_a2, url)))
    review_task.refresh_from_db()
    assert review_task.owner == (world.committee_a, committee_a2)[winner]
    taken = messages.TASK_TAKEN_BY % {"name": ("刘洋", "黄磊")[winner]}
    assert str(messages.TASK_LOCKED) in loser_page or taken in loser_page


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_review_posted_twice_at_once_records_one_ledger_entry(client, world, review_task):
    assign(client, world.committee_a, review_task)
    url = task_url(review_task)
    _, loser_page = one_winner(
        in_threads(posting(world.committee_a, url, APPROVE), posting(world.committee_a, url, APPROVE))
    )
    assert str(messages.TASK_LOCKED) in loser_page or str(messages.TASK_ALREADY_DONE) in loser_page
    assert LedgerEntry.objects.count() == 1
    assert Claim.objects.get().status == Claim.Status.APPROVED


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_the_claim_service_called_twice_at_once_writes_one_ledger_entry(world, review_task):
    claim = Claim.objects.get(process__pk=review_task.process_id)
    with started(review_task, world.committee_a):
        pass  # taken by 刘洋: both sides below start from the same assigned task

    def approve(ready):
        with started(review_task, world.committee_a) as activation:
            ready()
            return claim_approve(claim=claim, by=world.committee_a, activation=activation)

    results = in_threads(approve, approve)
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], ValidationError), results
    assert errors[0].messages == [messages.CLAIM_NOT_OPEN % {"status": "审核通过"}]
    assert LedgerEntry.objects.filter(idempotency_key=f"claim:{claim.pk}").count() == 1


@pytest.fixture
def approve_task(world, rules_2026, monkeypatch, review_task):
    """Branch A's first quarter: the claim approved, 公示 over, the secretary's 审定 waiting."""
    from viewflow.workflow.timers import fire_due_conditions, fire_due_timers

    claim = Claim.objects.get(process__pk=review_task.process_id)
    perform(review_task, world.committee_a, lambda **kw: claim_approve(claim=claim, **kw))
    freeze(monkeypatch, 2026, 4, 2, 9)
    review = period_start(branch=world.branch_a, period=Q1, by=world.clerk_a)
    freeze(monkeypatch, 2026, 4, 8, 9)
    fire_due_timers()
    fire_due_conditions(flows=[PeriodReviewFlow])
    return open_task(review.process, PeriodReviewFlow.approve)


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_the_period_approved_twice_at_once_is_approved_once(client, world, approve_task):
    assign(client, world.secretary_a, approve_task)
    url = task_url(approve_task)
    note = {"note": "同意"}
    _, loser_page = one_winner(
        in_threads(posting(world.secretary_a, url, note), posting(world.secretary_a, url, note))
    )
    assert str(messages.TASK_LOCKED) in loser_page or str(messages.TASK_ALREADY_DONE) in loser_page
    assert PeriodApproval.objects.count() == 1


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_the_approval_service_called_twice_at_once_approves_once(world, approve_task):
    review = approve_task.process.branchprocess.period_review
    with started(approve_task, world.secretary_a):
        pass

    def approve(ready):
        with started(approve_task, world.secretary_a) as activation:
            ready()
            return period_approve(review=review, by=world.secretary_a, activation=activation)

    results = in_threads(approve, approve)
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and errors[0].messages == [messages.PERIOD_ALREADY_APPROVED], results
    assert PeriodApproval.objects.filter(review=review).count() == 1
