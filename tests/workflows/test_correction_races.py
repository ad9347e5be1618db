"""台账更正 and 退回重新审定 at the same moment, on PostgreSQL (threads with their own connections): the same
correction asked twice, or decided by two committee members, or a period reopened twice — one wins, the other
is told in Chinese, and the ledger holds one reversal."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.models import RoleAssignment
from scoring.models import LedgerEntry
from workflows import messages
from workflows.correction_flows import CorrectionFlow
from workflows.corrections import correction_decide, correction_request
from workflows.execution import TaskConflict, task_carry_out
from workflows.models import LedgerCorrection, PeriodReopening

from .helpers import add_officer, approved_claim, freeze, open_task
from .test_conflicts import in_threads
from .test_ledger_corrections import archived_period

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def march(monkeypatch):
    return freeze(monkeypatch, 2026, 3, 20, 10)


@pytest.fixture
def entry(world, rules_2026):
    return approved_claim(world, world.member_a, datetime.date(2026, 3, 10)).ledger_entry


def refusals(results) -> list[list[str]]:
    return [r.messages for r in results if isinstance(r, ValidationError)]


def test_the_same_correction_asked_twice_at_once_is_filed_once(world, entry):
    def ask(by):
        def job(ready):
            ready()
            return correction_request(entry=entry, by=by, reason="登记有误")

        return job

    results = in_threads(ask(world.clerk_a), ask(world.committee_a))
    assert refusals(results) == [[messages.CORRECTION_OPEN]], results
    assert LedgerCorrection.objects.count() == 1


def test_two_committee_members_deciding_at_once_reverse_the_entry_once(world, entry):
    second = add_officer(world.branch_a, "黄磊", "huanglei", RoleAssignment.Role.COMMITTEE)
    correction = correction_request(entry=entry, by=world.clerk_a, reason="登记有误")
    task = open_task(correction.process, CorrectionFlow.decide)

    def decide(by):
        def job(ready):
            ready()
            return task_carry_out(task, by, correction_decide, correction=correction, approve=True)

        return job

    results = in_threads(decide(world.committee_a), decide(second))
    winners = [r for r in results if isinstance(r, LedgerCorrection)]
    assert len(winners) == 1, results
    (loser,) = [r for r in results if not isinstance(r, LedgerCorrection)]
    assert isinstance(loser, TaskConflict), results  # told why in Chinese: taken, done, or being handled
    assert loser.message in {
        str(messages.TASK_LOCKED),
        str(messages.TASK_ALREADY_DONE),
        str(messages.TASK_TAKEN_BY % {"name": "刘洋"}),
        str(messages.TASK_TAKEN_BY % {"name": "黄磊"}),
    }
    assert LedgerEntry.objects.filter(reverses=entry).count() == 1


def test_a_filed_period_reopened_twice_at_once_asks_the_higher_committee_once(world, entry, monkeypatch):
    from workflows.reopening import period_reopen

    review = archived_period(world, monkeypatch)

    def reopen(ready):
        ready()
        return period_reopen(review=review, by=world.secretary_a, reason="有误")

    results = in_threads(reopen, reopen)
    assert refusals(results) == [[messages.REOPEN_AWAITING]], results
    assert PeriodReopening.objects.count() == 1
