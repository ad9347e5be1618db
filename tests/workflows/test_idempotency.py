"""Nothing applied twice: a second run of any step writes nothing, and the database's unique keys say so
even when the code's own checks are bypassed — approvals, frozen scores, ledger entries, reviews, e-mails,
timers and the beat job that opens 公示 at period end."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Member
from scoring.models import LedgerEntry
from scoring.services import ledger_record
from workflows import messages, tasks
from workflows.claims import claim_approve, claim_submit
from workflows.flows import ClaimFlow, PeriodReviewFlow
from workflows.models import (
    Claim,
    FrozenScore,
    Notification,
    PeriodApproval,
    PeriodReview,
    ReviewSettings,
)
from workflows.periods import _frozen, period_approve, period_scores, period_start, periods_autostart

from .helpers import (
    Q1,
    approved_claim,
    freeze,
    nothing_changes,
    open_task,
    perform,
    photo,
    publicity_closed,
    publicity_opened,
    started,
)


@pytest.fixture(autouse=True)
def march(monkeypatch):
    return freeze(monkeypatch, 2026, 3, 20, 10)


@pytest.fixture
def claim(world, rules_2026):
    return approved_claim(world, world.member_a)


@pytest.fixture
def approval(world, claim, monkeypatch):
    review = publicity_opened(world, monkeypatch)
    publicity_closed(monkeypatch)
    task = open_task(review.process, PeriodReviewFlow.approve)
    return perform(task, world.secretary_a, lambda **kw: period_approve(review=review, **kw))


# --- 审定 ---------------------------------------------------------------------------------------


def test_a_second_approval_of_the_period_writes_nothing(world, approval):
    call = lambda: period_approve(review=approval.review, by=world.secretary_a, activation=None)  # noqa: E731
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        call()
    assert caught.value.messages == [messages.PERIOD_ALREADY_APPROVED]


def test_the_database_refuses_a_second_approval_of_the_same_round(world, approval):
    with pytest.raises(IntegrityError), transaction.atomic():
        PeriodApproval.objects.create(
            review=approval.review,
            round=approval.round,
            ruleset_version=approval.ruleset_version,
            approved_by=world.secretary_a,
        )
    assert PeriodApproval.objects.count() == 1


def test_the_database_refuses_freezing_a_members_score_twice(world, approval):
    frozen = FrozenScore.objects.filter(approval=approval).count()
    assert frozen > 0
    with pytest.raises(IntegrityError), transaction.atomic():
        FrozenScore.objects.bulk_create(_frozen(approval, period_scores(approval.review)))
    assert FrozenScore.objects.filter(approval=approval).count() == frozen


# --- 审核 ---------------------------------------------------------------------------------------


def test_approving_a_claim_twice_records_one_ledger_entry(world, rules_2026):
    submitted = claim_submit(
        member=world.member_a,
        item_code="innovative-activity",
        occurred_on=datetime.date(2026, 3, 10),
        evidence=[photo()],
        by=world.member_a.user,
    )
    from workflows.claims import claim_record

    perform(
        open_task(submitted.process, ClaimFlow.record),
        world.clerk_a,
        lambda **kw: claim_record(claim=submitted, **kw),
    )
    task = open_task(submitted.process, ClaimFlow.review)
    with started(task, world.committee_a) as first, started(task, world.committee_a) as second:
        claim_approve(claim=submitted, by=world.committee_a, activation=first)
        with nothing_changes(), pytest.raises(ValidationError):
            claim_approve(claim=submitted, by=world.committee_a, activation=second)
    assert LedgerEntry.objects.filter(idempotency_key=f"claim:{submitted.pk}").count() == 1


def test_the_claims_idempotency_key_returns_the_entry_already_recorded(world, claim):
    with nothing_changes():
        again = ledger_record(
            member=claim.member,
            item_code=claim.item_code,
            occurred_on=claim.occurred_on,
            source=LedgerEntry.Source.CLAIM,
            by=world.committee_a,
            idempotency_key=f"claim:{claim.pk}",
        )
    assert again == claim.ledger_entry


def test_the_database_refuses_a_second_entry_with_the_same_idempotency_key(world, claim):
    entry = claim.ledger_entry
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            member=entry.member,
            branch=entry.branch,
            ruleset_version=entry.ruleset_version,
            item_code=entry.item_code,
            occurred_on=entry.occurred_on,
            points=entry.points,
            source=entry.source,
            idempotency_key=f"claim:{claim.pk}",
        )
    assert LedgerEntry.objects.count() == 1


# --- E-mail -------------------------------------------------------------------------------------


def test_the_email_task_delivered_twice_sends_one_email(world, claim, mailoutbox):
    user = world.member_a.user
    user.email = "zhangwei@example.org"
    user.save(update_fields=["email"])
    mailoutbox.clear()
    notification = Notification.objects.filter(recipient=user, kind="claim_approved").get()
    assert tasks.send_notification_email.delay(notification.pk).get() is True
    assert tasks.send_notification_email.delay(notification.pk).get() is False
    assert len(mailoutbox) == 1


# --- 发起公示 and the timer ---------------------------------------------------------------------


def test_starting_a_period_twice_opens_one_review(world, claim, monkeypatch):
    review = publicity_opened(world, monkeypatch)
    with nothing_changes(), pytest.raises(ValidationError):
        period_start(branch=world.branch_a, period=Q1, by=world.clerk_a)
    assert PeriodReview.objects.filter(branch=world.branch_a).get() == review


def test_the_database_refuses_a_second_review_of_the_same_period(world, claim, monkeypatch):
    review = publicity_opened(world, monkeypatch)
    with pytest.raises(IntegrityError), transaction.atomic():
        PeriodReview.objects.create(
            branch=review.branch,
            cycle=review.cycle,
            period_kind=review.period_kind,
            period_index=review.period_index,
            starts_on=review.starts_on,
            ends_on=review.ends_on,
        )


def test_firing_the_timers_twice_opens_approval_once(world, claim, monkeypatch):
    review = publicity_opened(world, monkeypatch)
    publicity_closed(monkeypatch)
    publicity_closed(monkeypatch)
    assert review.process.task_set.filter(flow_task=PeriodReviewFlow.approve).count() == 1


# --- The beat job: 期末自动发起公示 ----------------------------------------------------------------


def test_the_beat_job_run_twice_opens_each_ended_period_once(world, claim, monkeypatch):
    freeze(monkeypatch, 2026, 4, 1, 1, 10)
    assert tasks.period_autostart.delay().get() == 2  # branch A and branch B
    assert tasks.period_autostart.delay().get() == 0
    reviews = PeriodReview.objects.filter(cycle=2026, period_kind="quarter", period_index=1)
    assert sorted(reviews.values_list("branch__name", flat=True)) == ["第一党支部", "第二党支部"]
    assert all(review.started_by is None for review in reviews)
    assert PeriodReview.objects.get(branch=world.branch_a).process.status == "NEW"


def test_the_beat_job_waits_for_open_claims_and_tells_the_clerk_once(world, claim, monkeypatch):
    pending = claim_submit(
        member=world.other_member_a,
        item_code="community-service",
        occurred_on=datetime.date(2026, 3, 18),
        evidence=[photo()],
        by=world.other_member_a.user,
    )
    freeze(monkeypatch, 2026, 4, 1, 1, 10)
    assert periods_autostart() == 1  # branch B only
    assert periods_autostart() == 0
    assert not PeriodReview.objects.filter(branch=world.branch_a).exists()
    (notice,) = Notification.objects.filter(kind="publicity_waiting")
    assert notice.recipient == world.clerk_a
    assert notice.title == f"第一党支部 {Q1.label()} 未能自动发起公示"
    assert str(messages.OPEN_CLAIMS_LEFT % {"count": 1}) in notice.body

    # The claim is rejected; the next night's run opens branch A's publicity.
    from workflows.claims import claim_record, claim_reject

    freeze(monkeypatch, 2026, 4, 1, 10)
    perform(
        open_task(pending.process, ClaimFlow.record),
        world.clerk_a,
        lambda **kw: claim_record(claim=pending, **kw),
    )
    perform(
        open_task(pending.process, ClaimFlow.review),
        world.committee_a,
        lambda **kw: claim_reject(claim=pending, reason="照片与活动不符", **kw),
    )
    freeze(monkeypatch, 2026, 4, 2, 1, 10)
    assert periods_autostart() == 1
    assert PeriodReview.objects.filter(branch=world.branch_a).count() == 1
    assert Notification.objects.filter(kind="publicity_waiting").count() == 1


def test_the_beat_job_leaves_branches_that_start_by_hand(world, claim, monkeypatch):
    ReviewSettings.objects.create(organization=world.branch_a, auto_start=False)
    freeze(monkeypatch, 2026, 4, 1, 1, 10)
    assert periods_autostart() == 1
    assert not PeriodReview.objects.filter(branch=world.branch_a).exists()


def test_the_beat_job_waits_until_the_period_has_ended(world, claim):
    assert periods_autostart() == 0  # 20 March: the quarter is still running
    assert not PeriodReview.objects.exists()
    assert Claim.objects.filter(member__in=Member.objects.filter(branch=world.branch_a)).count() == 1


def test_a_night_the_beat_job_missed_is_made_up_the_next_time_it_runs(world, claim, monkeypatch):
    freeze(monkeypatch, 2026, 4, 15, 1, 10)  # the worker was down from 31 March to 14 April
    assert periods_autostart() == 2
    assert PeriodReview.objects.get(branch=world.branch_a).label == Q1.label()
