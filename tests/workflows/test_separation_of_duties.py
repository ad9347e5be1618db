"""不得办理涉及本人积分的事项 (防止弄虚作假): nobody records, reviews, adjusts or decides anything about
their own points. The services refuse in Chinese, the queues and bulk approval do not offer such tasks to
that person, and a task whose only officers are the ones concerned goes to the secretary, or else to the
higher committee.

One open appeal per entry and appellant: the same appeal filed twice is one appeal (the database holds it;
``postgres`` proves it with two requests at the same moment)."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction
from viewflow.workflow.status import STATUS

from accounts import messages as account_messages
from accounts.models import Member, RoleAssignment
from scoring.models import LedgerEntry
from workflows import messages
from workflows.appeals import appeal_decide, appeal_file
from workflows.claims import branch_record, claim_approve, claim_record, claim_submit
from workflows.flows import AppealFlow, ClaimFlow
from workflows.models import Appeal, Claim
from workflows.selectors import queue_for
from workflows.viewsets import FLOWS

from .helpers import (
    act,
    add_officer,
    approved_claim,
    assign,
    freeze,
    meeting_of_branch_a,
    nothing_changes,
    open_task,
    perform,
    photo,
    publicity_opened,
    secretary_b,
)

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
MARCH_10 = datetime.date(2026, 3, 10)


def own(action: str) -> str:
    return account_messages.OWN_POINTS % {"action": action}


@pytest.fixture(autouse=True)
def march(monkeypatch):
    return freeze(monkeypatch, 2026, 3, 20, 10)


def member_of(user) -> Member:
    return Member.objects.get(user=user)


def claim_of(user, item="innovative-activity") -> Claim:
    return claim_submit(
        member=member_of(user), item_code=item, occurred_on=MARCH_10, evidence=[photo()], by=user
    )


def recorded_claim_of(world, user) -> Claim:
    claim = claim_of(user)
    perform(open_task(claim.process, ClaimFlow.record), world.clerk_a, bound(claim_record, claim))
    return claim


def bound(service, claim):
    return lambda **kw: service(claim=claim, **kw)


def refused(call) -> list[str]:
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        call()
    return caught.value.messages


# --- The services refuse -----------------------------------------------------------------------


def test_a_committee_member_cannot_approve_her_own_claim(world, rules_2026):
    claim = recorded_claim_of(world, world.committee_a)
    approve = lambda: claim_approve(claim=claim, by=world.committee_a, activation=None)  # noqa: E731
    assert refused(approve) == [own("支委会审核")]
    assert not LedgerEntry.objects.exists()


def test_a_committee_member_cannot_take_her_own_claim_from_the_task_page(client, world, rules_2026):
    claim = recorded_claim_of(world, world.committee_a)
    task = open_task(claim.process, ClaimFlow.review)
    with nothing_changes():
        assert assign(client, world.committee_a, task).status_code == 403
    assert task.owner is None


def test_a_clerk_cannot_record_his_own_points(world, rules_2026):
    claim = claim_of(world.clerk_a)
    record = lambda: claim_record(claim=claim, by=world.clerk_a, activation=None)  # noqa: E731
    assert refused(record) == [own("登记")]
    # An item of his own he enters waits for 登记 by someone else: the secretary, he being the only clerk.
    late = branch_record(
        member=member_of(world.clerk_a),
        item_code="late-written-material",
        occurred_on=MARCH_10,
        by=world.clerk_a,
    )
    assert late.status == Claim.Status.SUBMITTED
    assert _takers(open_task(late.process, ClaimFlow.record), world) == {world.secretary_a}


def test_a_clerk_s_own_row_of_the_sign_in_sheet_waits_for_the_secretary_to_record_it(world, rules_2026):
    from workflows.claims import attendance_record

    sheet = attendance_record(
        branch=world.branch_a,
        title="3月支部党员大会",
        occurred_on=MARCH_10,
        item_present="branch-meeting",
        item_absent="absent-without-leave",
        present=[world.member_a, member_of(world.clerk_a)],
        by=world.clerk_a,
    )
    own = sheet.claims.get(member__user=world.clerk_a)
    assert own.status == Claim.Status.SUBMITTED
    task = open_task(own.process, ClaimFlow.record)
    assert _takers(task, world) == {world.secretary_a}
    assert sheet.claims.get(member=world.member_a).status == Claim.Status.RECORDED


def test_a_secretary_cannot_decide_his_own_appeal(world, rules_2026, monkeypatch):
    entry = approved_claim(world, world.other_member_a).ledger_entry
    publicity_opened(world, monkeypatch)
    secretary = member_of(world.secretary_a)
    appeal = appeal_file(appellant=secretary, entry=entry, reason="当天未见其参加", by=world.secretary_a)
    decide = lambda: appeal_decide(  # noqa: E731
        appeal=appeal, by=world.secretary_a, uphold=True, reason="成立", activation=None
    )
    assert refused(decide) == [own("处理申诉")]
    assert appeal.process.appeal.status == Appeal.Status.OPEN


def test_no_one_decides_an_appeal_against_their_own_points(world, rules_2026, monkeypatch):
    entry = approved_claim(world, member_of(world.committee_a), reviewer=world.secretary_a).ledger_entry
    publicity_opened(world, monkeypatch)
    appeal = appeal_file(
        appellant=world.member_a, entry=entry, reason="当天未见其参加", by=world.member_a.user
    )
    decide = lambda: appeal_decide(  # noqa: E731
        appeal=appeal, by=world.committee_a, uphold=False, reason="不成立", activation=None
    )
    assert refused(decide) == [own("处理申诉")]
    assert world.committee_a not in _takers(open_task(appeal.process, AppealFlow.decide), world)


def test_an_appellant_without_the_role_is_simply_not_allowed(world, rules_2026, monkeypatch):
    entry = approved_claim(world, world.other_member_a).ledger_entry
    publicity_opened(world, monkeypatch)
    appeal = appeal_file(
        appellant=world.member_a, entry=entry, reason="当天未见其参加", by=world.member_a.user
    )
    decide = lambda: appeal_decide(  # noqa: E731
        appeal=appeal, by=world.member_a.user, uphold=True, reason="成立", activation=None
    )
    assert refused(decide) == [messages.NOT_ALLOWED]


# --- Queues and bulk approval ------------------------------------------------------------------


def _takers(task, world) -> set:
    people = (world.clerk_a, world.committee_a, world.secretary_a, world.higher, world.member_a.user)
    return {user for user in people if queue_for(user, FLOWS).filter(pk=task.pk).exists()}


def test_own_claims_are_not_in_the_reviewers_queue(world, rules_2026):
    task = open_task(recorded_claim_of(world, world.committee_a).process, ClaimFlow.review)
    assert _takers(task, world) == {world.secretary_a}  # the other reviewer


def test_bulk_approval_skips_ones_own_claim(client, world, rules_2026):
    own_claim = recorded_claim_of(world, world.committee_a)
    others = recorded_claim_of(world, world.member_a.user)
    tasks = [open_task(c.process, ClaimFlow.review) for c in (own_claim, others)]
    # Taken before the rule (or by an administrator's hand): the own one sits in her inbox all the same.
    for task in tasks:
        task.owner, task.status = world.committee_a, STATUS.ASSIGNED
        task.save(update_fields=["owner", "status"])
    held = meeting_of_branch_a(world)
    client.force_login(world.committee_a)
    response = client.post(
        "/workflow/inbox/approve/", {"pk": [t.pk for t in tasks], "_confirm": "1", "meeting": held.pk}
    )
    assert response.status_code == 302
    own_claim.refresh_from_db(), others.refresh_from_db()
    assert own_claim.status == Claim.Status.RECORDED and own_claim.ledger_entry is None
    assert others.status == Claim.Status.APPROVED


def test_bulk_approval_through_the_service_reports_ones_own_claim_in_chinese(world, rules_2026):
    from workflows.execution import review_tasks_approve

    task = open_task(recorded_claim_of(world, world.committee_a).process, ClaimFlow.review)
    [outcome] = review_tasks_approve([task], world.committee_a)
    assert (outcome.outcome, outcome.message) == ("forbidden", own("支委会审核"))


# --- 代办: nobody else holds the role ------------------------------------------------------------


def test_the_only_clerk_s_own_claim_is_recorded_by_the_secretary(client, world, rules_2026):
    claim = claim_of(world.clerk_a)
    task = open_task(claim.process, ClaimFlow.record)
    assert task.owner_permission == "accounts.approve_period"
    assert _takers(task, world) == {world.secretary_a}
    act(client, world.secretary_a, task, {"action": "record", "reason": ""})
    claim.refresh_from_db()
    assert claim.status == Claim.Status.RECORDED
    assert open_task(claim.process, ClaimFlow.review).owner_permission == "accounts.review_claims"


def test_a_sole_reviewer_s_own_claim_goes_to_the_secretary(world, rules_2026):
    """Branch B: 孙丽 its clerk, 吴敏 its secretary — the one who reviews. A claim of 吴敏's own goes up."""
    secretary = secretary_b(world)
    claim = claim_submit(
        member=member_of(secretary),
        item_code="innovative-activity",
        occurred_on=MARCH_10,
        evidence=[photo()],
        by=secretary,
    )
    perform(open_task(claim.process, ClaimFlow.record), world.clerk_b, bound(claim_record, claim))
    task = open_task(claim.process, ClaimFlow.review)
    # No other reviewer and the secretary is the one concerned: the higher committee (上级党委) takes it.
    assert task.owner_permission == "accounts.review_filings"
    assert queue_for(world.higher, FLOWS).filter(pk=task.pk).exists()
    assert not queue_for(secretary, FLOWS).filter(pk=task.pk).exists()
    perform(task, world.higher, bound(claim_approve, claim))
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED and claim.decided_by == world.higher


def test_a_sole_committee_member_s_own_claim_goes_to_the_secretary(world, rules_2026):
    committee = add_officer(world.branch_b, "周强", "zhouqiang", RoleAssignment.Role.COMMITTEE)
    secretary = secretary_b(world)
    claim = claim_submit(
        member=member_of(committee),
        item_code="innovative-activity",
        occurred_on=MARCH_10,
        evidence=[photo()],
        by=committee,
    )
    perform(open_task(claim.process, ClaimFlow.record), world.clerk_b, bound(claim_record, claim))
    task = open_task(claim.process, ClaimFlow.review)
    assert queue_for(secretary, FLOWS).filter(pk=task.pk).exists()
    assert not queue_for(committee, FLOWS).filter(pk=task.pk).exists()


# --- The same appeal filed twice ---------------------------------------------------------------


@pytest.fixture
def posted_entry(world, rules_2026, monkeypatch):
    entry = approved_claim(world, world.other_member_a).ledger_entry
    publicity_opened(world, monkeypatch)
    return entry


def file(world, entry):
    return appeal_file(appellant=world.member_a, entry=entry, reason="当天未见其参加", by=world.member_a.user)


def test_the_same_appeal_filed_twice_is_one_appeal(world, posted_entry):
    first = file(world, posted_entry)
    assert refused(lambda: file(world, posted_entry)) == [
        messages.APPEAL_DUPLICATE % {"filed": "2026年4月2日 09:00"}
    ]
    assert list(Appeal.objects.all()) == [first]


def test_the_database_holds_one_open_appeal_per_entry_and_appellant(world, posted_entry):
    first = file(world, posted_entry)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appeal.objects.create(
            window=first.window, appellant=world.member_a, entry=posted_entry, reason="再次"
        )


def test_once_decided_the_same_member_may_appeal_the_entry_again(world, posted_entry):
    first = file(world, posted_entry)
    perform(
        open_task(first.process, AppealFlow.decide),
        world.committee_a,
        lambda **kw: appeal_decide(appeal=first, uphold=False, reason="经核实参加了活动", **kw),
    )
    assert file(world, posted_entry).status == Appeal.Status.OPEN


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_appeal_posted_twice_at_once_is_one_appeal(world, posted_entry):
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def submit(index):
        try:
            barrier.wait(timeout=10)
            results[index] = file(world, posted_entry)
        except Exception as error:  # the test inspects what each side got
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], ValidationError), results
    assert errors[0].messages[0] in {
        str(messages.APPEAL_DUPLICATE_RACE),
        messages.APPEAL_DUPLICATE % {"filed": "2026年4月2日 09:00"},
    }
    assert Appeal.objects.count() == 1


# --- The overdue reminder ----------------------------------------------------------------------


def test_an_overdue_review_of_the_secretary_s_own_claim_is_chased_by_the_higher_committee(world, rules_2026):
    from django.utils import timezone
    from viewflow.workflow.models import Task

    from workflows.escalation import reviews_escalate
    from workflows.models import Notification

    task = open_task(recorded_claim_of(world, world.secretary_a).process, ClaimFlow.review)
    Task.objects.filter(pk=task.pk).update(created=timezone.now() - datetime.timedelta(days=8))
    assert reviews_escalate() == 1
    assert Notification.objects.get(kind="review_overdue").recipient == world.higher
