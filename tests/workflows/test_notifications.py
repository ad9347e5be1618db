"""通知: the outbox row, the e-mail after commit, a broker that is down, and the periodic jobs."""

import datetime
import logging
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.db import OperationalError as DatabaseOperationalError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from accounts.models import Member, RoleAssignment
from tests.factories import UserFactory, make_member, make_role
from workflows import notifications, tasks
from workflows.escalation import claim_reminders_send, review_settings_for, reviews_escalate
from workflows.models import BranchProcess, Notification, ReviewSettings
from workflows.notifications import (
    notification_email_send,
    notification_mark_read,
    notifications_flush,
    notifications_for,
    notifications_unread_count,
    notify,
    notify_many,
)

LATER = datetime.timedelta(minutes=2)


@pytest.fixture(autouse=True)
def broker_up():
    """Each test starts with the broker believed reachable."""
    notifications._broker_down_until = 0.0
    yield
    notifications._broker_down_until = 0.0


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", email="alice@example.org")


def notify_alice(alice, **kw):
    fields = {
        "kind": "claim_returned",
        "title": "您的积分申报被退回",
        "body": "请补充签到表。",
        "url": "/me/claims/1/",
    }
    return notify(recipient=alice, **(fields | kw))


# --- The outbox ------------------------------------------------------------------------------


def test_the_row_is_written_at_once_and_the_email_goes_out_after_commit(
    alice, django_capture_on_commit_callbacks, mailoutbox, settings
):
    settings.SITE_URL = "https://jifen.example.org"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = notify_alice(alice)
        assert Notification.objects.filter(recipient=alice).count() == 1
        assert mailoutbox == []

    assert len(callbacks) == 1
    (mail,) = mailoutbox
    assert mail.to == ["alice@example.org"]
    assert mail.subject == "【党员积分】您的积分申报被退回"
    assert "请补充签到表。" in mail.body
    assert "查看详情：https://jifen.example.org/me/claims/1/" in mail.body
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert notification.read_at is None


def test_a_rolled_back_transaction_leaves_no_row_and_sends_nothing(
    alice, django_capture_on_commit_callbacks, mailoutbox
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify_alice(alice)
        raise RuntimeError("the service failed after notifying")

    assert not Notification.objects.exists()
    assert mailoutbox == []


def test_a_dedupe_key_already_used_writes_nothing(alice, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        first = notify_alice(alice, dedupe_key="k:1")
        second = notify_alice(alice, dedupe_key="k:1", title="again")

    assert first is not None and second is None
    assert Notification.objects.count() == 1
    assert len(mailoutbox) == 1


def test_notify_many_dedupes_per_recipient(alice, django_capture_on_commit_callbacks, mailoutbox):
    bob = UserFactory(username="bob", email="bob@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        sent = notify_many([alice, bob], kind="publicity_opened", title="积分公示", dedupe_key="pub:7")
        again = notify_many([alice, bob], kind="publicity_opened", title="积分公示", dedupe_key="pub:7")

    assert [n.recipient for n in sent] == [alice, bob]
    assert again == []
    assert set(Notification.objects.values_list("dedupe_key", flat=True)) == {
        f"pub:7:{alice.pk}",
        f"pub:7:{bob.pk}",
    }
    assert sorted(m.to[0] for m in mailoutbox) == ["alice@example.org", "bob@example.org"]


def test_a_long_title_is_cut_to_fit(alice):
    assert len(notify_alice(alice, title="长" * 300).title) == 200


# --- Broker down -----------------------------------------------------------------------------


def test_with_the_broker_down_the_row_stays_and_the_flush_sends_it_later(
    alice, django_capture_on_commit_callbacks, mailoutbox, caplog
):
    down = mock.patch.object(
        tasks.send_notification_email, "delay", side_effect=OperationalError("Error 111 connecting to redis")
    )
    with (
        down as delay,
        caplog.at_level(logging.WARNING, logger="workflows.notifications"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        first = notify_alice(alice)
        second = notify_alice(alice, title="第二条")

    # The first publish failed; the second did not wait for the broker again.
    assert delay.call_count == 1
    assert "Broker unavailable" in caplog.text
    assert mailoutbox == []
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 2

    # Too young to be retried: it may still be on its way.
    assert notifications_flush() == 0

    assert notifications_flush(now=timezone.now() + LATER) == 2
    assert sorted(m.subject for m in mailoutbox) == ["【党员积分】您的积分申报被退回", "【党员积分】第二条"]
    for notification in (first, second):
        notification.refresh_from_db()
        assert notification.emailed_at is not None
    assert notifications_flush(now=timezone.now() + LATER) == 0
    assert len(mailoutbox) == 2


def test_the_flush_beat_task_sends_what_is_left(alice, mailoutbox):
    old = Notification.objects.create(
        recipient=alice, kind="claim_approved", title="已通过", created_at=timezone.now() - LATER
    )

    assert tasks.notifications_flush.delay().get() == 1
    old.refresh_from_db()
    assert old.emailed_at is not None
    assert len(mailoutbox) == 1


def test_the_flush_skips_users_without_email_and_stale_rows(alice, mailoutbox):
    nobody = UserFactory(username="noemail", email="")
    Notification.objects.create(recipient=nobody, kind="k", title="t", created_at=timezone.now() - LATER)
    Notification.objects.create(
        recipient=alice, kind="k", title="t", created_at=timezone.now() - datetime.timedelta(days=30)
    )

    assert notifications_flush() == 0
    assert mailoutbox == []


# --- The e-mail task -------------------------------------------------------------------------


def test_the_email_task_is_idempotent(alice, mailoutbox):
    notification = Notification.objects.create(recipient=alice, kind="k", title="审核通过")

    assert tasks.send_notification_email.delay(notification.pk).get() is True
    assert tasks.send_notification_email.delay(notification.pk).get() is False
    assert len(mailoutbox) == 1


def test_a_row_another_sender_holds_is_left_to_it_until_its_lease_ends(alice, mailoutbox):
    taken = timezone.now() - LATER
    notification = Notification.objects.create(
        recipient=alice, kind="k", title="审核通过", created_at=taken, email_claimed_at=timezone.now()
    )

    assert notification_email_send(notification_id=notification.pk) is False
    assert notifications_flush() == 0
    assert mailoutbox == []

    # That sender died before sending: once its lease is over, the flush sends the e-mail.
    assert notifications_flush(now=timezone.now() + notifications.SEND_LEASE) == 1
    assert len(mailoutbox) == 1


def test_a_send_that_fails_gives_the_row_back_to_the_flush_at_once(alice, mailoutbox):
    notification = Notification.objects.create(
        recipient=alice, kind="k", title="审核通过", created_at=timezone.now() - LATER
    )
    refused = mock.patch("django.core.mail.EmailMessage.send", side_effect=ConnectionRefusedError)

    with refused, pytest.raises(ConnectionRefusedError):
        notification_email_send(notification_id=notification.pk)

    notification.refresh_from_db()
    assert notification.emailed_at is None and notification.email_claimed_at is None
    assert notifications_flush() == 1
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_an_email_sent_while_the_database_restarts_is_recorded_once_it_is_back(mailoutbox):
    """The message left; the database went away before ``emailed_at`` was written. Recording it is
    retried until the database answers, so the flush never sends it a second time."""
    alice = UserFactory(username="alice", email="alice@example.org")
    notification = Notification.objects.create(
        recipient=alice, kind="k", title="审核通过", created_at=timezone.now() - LATER
    )
    real_update = QuerySet.update
    failures = iter([DatabaseOperationalError("server closed the connection unexpectedly")])

    def restarting(queryset, **kw):
        if "emailed_at" in kw and (failure := next(failures, None)):
            raise failure
        return real_update(queryset, **kw)

    with mock.patch.object(QuerySet, "update", restarting), mock.patch("time.sleep"):
        assert notification_email_send(notification_id=notification.pk) is True

    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert notifications_flush(now=timezone.now() + LATER) == 0
    assert len(mailoutbox) == 1


def test_each_notification_has_its_own_fixed_message_id(alice, mailoutbox, settings):
    settings.SITE_URL = "https://jifen.example.gov.cn"
    first = Notification.objects.create(recipient=alice, kind="k", title="一")
    second = Notification.objects.create(recipient=alice, kind="k", title="二")

    notification_email_send(notification_id=first.pk)
    notification_email_send(notification_id=second.pk)

    assert [m.extra_headers["Message-ID"] for m in mailoutbox] == [
        f"<jifen-notification-{first.pk}@jifen.example.gov.cn>",
        f"<jifen-notification-{second.pk}@jifen.example.gov.cn>",
    ]


def test_no_email_address_or_no_row_sends_nothing(db, mailoutbox):
    nobody = UserFactory(username="noemail", email="")
    notification = Notification.objects.create(recipient=nobody, kind="k", title="t")

    assert notification_email_send(notification_id=notification.pk) is False
    assert notification_email_send(notification_id=987654) is False
    assert mailoutbox == []


# --- In the app ------------------------------------------------------------------------------


def test_users_see_and_mark_only_their_own(alice):
    bob = UserFactory(username="bob")
    mine = notify_alice(alice)
    theirs = notify(recipient=bob, kind="k", title="bob's")

    assert list(notifications_for(alice)) == [mine]
    assert notifications_unread_count(alice) == 1
    with pytest.raises(PermissionDenied):
        notification_mark_read(notification=theirs, user=alice)

    notification_mark_read(notification=mine, user=alice)
    first_read = Notification.objects.get(pk=mine.pk).read_at
    notification_mark_read(notification=mine, user=alice)

    assert first_read is not None
    assert Notification.objects.get(pk=mine.pk).read_at == first_read
    assert notifications_unread_count(alice) == 0
    assert Notification.objects.get(pk=theirs.pk).read_at is None


# --- Monthly reminder ------------------------------------------------------------------------


def scored_members(world) -> list[Member]:
    return list(Member.objects.exclude(status=Member.Status.EXEMPT))


def test_every_scored_member_is_reminded_once_a_month(world):
    Member.objects.filter(pk=world.other_member_a.pk).update(status=Member.Status.EXEMPT)
    expected = {m.user_id for m in scored_members(world)}

    assert claim_reminders_send(on=datetime.date(2026, 3, 1)) == len(expected)
    assert claim_reminders_send(on=datetime.date(2026, 3, 2)) == 0
    reminders = Notification.objects.filter(kind="claim_reminder")
    assert {n.recipient_id for n in reminders} == expected
    assert world.other_member_a.user_id not in expected
    assert world.higher.pk not in expected  # an officer who is no member has nothing to claim
    mine = reminders.get(recipient=world.member_a.user)
    assert mine.title == "请及时申报 2026年3月 的积分"
    assert mine.dedupe_key == f"reminder:{world.member_a.user_id}:2026-03"

    assert claim_reminders_send(on=datetime.date(2026, 4, 1)) == len(expected)


def test_a_branch_that_tallies_quarterly_is_reminded_in_the_quarters_first_month_only(world):
    ReviewSettings.objects.create(organization=world.branch_b, tally_kind=ReviewSettings.TallyKind.QUARTER)
    in_b = set(Member.objects.filter(branch=world.branch_b).values_list("user_id", flat=True))

    claim_reminders_send(on=datetime.date(2026, 5, 1))
    reminded = set(Notification.objects.filter(kind="claim_reminder").values_list("recipient_id", flat=True))
    assert reminded and not reminded & in_b  # May: branch A (monthly) only
    claim_reminders_send(on=datetime.date(2026, 7, 1))
    reminded = set(Notification.objects.filter(kind="claim_reminder").values_list("recipient_id", flat=True))
    assert in_b <= reminded  # July opens a quarter


def test_the_monthly_task_runs_twice_and_reminds_once(world):
    first = tasks.claim_reminder_monthly.delay().get()

    assert first == Member.objects.count()
    assert tasks.claim_reminder_monthly.delay().get() == 0


# --- Escalation ------------------------------------------------------------------------------


def test_review_settings_come_from_the_nearest_ancestor(world):
    default = review_settings_for(world.branch_a)
    assert default.pk is None and default.escalation_days == 7

    ReviewSettings.objects.create(organization=world.committee, escalation_days=10)
    assert review_settings_for(world.branch_a).escalation_days == 10

    ReviewSettings.objects.create(organization=world.branch_a, escalation_days=3)
    assert review_settings_for(world.branch_a).escalation_days == 3
    assert review_settings_for(world.branch_b).escalation_days == 10


def make_task(organization, *, days_old, node="review", permission="accounts.review_claims", **kw):
    process = BranchProcess.objects.create(flow_class="workflows/flows.ClaimFlow", organization=organization)
    return Task.objects.create(
        process=process,
        flow_task=f"workflows/flows.ClaimFlow.{node}",
        flow_task_type="HUMAN",
        owner_permission=permission,
        created=timezone.now() - datetime.timedelta(days=days_old, minutes=1),
        **kw,
    )


def test_only_overdue_branch_review_tasks_reach_the_secretary_once(world):
    overdue = make_task(world.branch_a, days_old=8)
    assigned = make_task(world.branch_a, days_old=9, node="record", permission="accounts.record_claims")
    Task.objects.filter(pk=assigned.pk).update(status=STATUS.ASSIGNED, owner=world.clerk_a)
    make_task(world.branch_a, days_old=2)  # young
    make_task(world.branch_a, days_old=30, status=STATUS.DONE)  # done
    make_task(world.branch_a, days_old=30, node="revise", permission=None, owner=world.member_a.user)
    make_task(world.committee, days_old=30, permission="accounts.review_filings")  # the higher's own
    plain = Process.objects.create(flow_class="workflows/flows.ClaimFlow")  # not a branch process
    Task.objects.create(
        process=plain,
        flow_task="workflows/flows.ClaimFlow.review",
        flow_task_type="HUMAN",
        owner_permission="accounts.review_claims",
        created=timezone.now() - datetime.timedelta(days=30),
    )

    assert reviews_escalate() == 2
    assert tasks.escalate_overdue_reviews.delay().get() == 0

    escalated = Notification.objects.filter(kind="review_overdue")
    assert {n.recipient for n in escalated} == {world.secretary_a}
    assert {n.dedupe_key for n in escalated} == {
        f"escalate:{overdue.pk}:{world.secretary_a.pk}",
        f"escalate:{assigned.pk}:{world.secretary_a.pk}",
    }
    assert all(n.title.startswith("第一党支部有待办已超过 7 天未处理") for n in escalated)


def test_the_branch_setting_decides_when_a_task_is_overdue(world):
    ReviewSettings.objects.create(organization=world.branch_a, escalation_days=3)
    make_task(world.branch_a, days_old=4)

    assert reviews_escalate() == 1


def test_zero_days_turns_escalation_off(world):
    ReviewSettings.objects.create(organization=world.committee, escalation_days=0)
    make_task(world.branch_a, days_old=40)

    assert reviews_escalate() == 0


def test_a_branch_without_a_secretary_is_logged_and_retried_later(world, caplog):
    task = make_task(world.branch_b, days_old=8)

    with caplog.at_level(logging.WARNING, logger="workflows.escalation"):
        assert reviews_escalate() == 0
    assert "has no secretary" in caplog.text

    secretary_b = make_member(branch=world.branch_b, real_name="周强", username="zhouqiang").user
    make_role(secretary_b, world.branch_b, RoleAssignment.Role.SECRETARY)
    assert reviews_escalate() == 1
    assert (
        Notification.objects.get(kind="review_overdue").dedupe_key == f"escalate:{task.pk}:{secretary_b.pk}"
    )


def test_a_former_secretary_is_not_notified(world):
    RoleAssignment.objects.filter(user=world.secretary_a).update(valid_until=datetime.date(2021, 1, 1))
    make_task(world.branch_a, days_old=8)

    assert reviews_escalate() == 0


# --- Timers ----------------------------------------------------------------------------------


def test_the_timer_task_fires_due_viewflow_timers():
    with (
        mock.patch.object(tasks, "fire_due_timers", return_value=2) as timers,
        mock.patch.object(tasks, "fire_due_conditions", return_value=0) as conditions,
    ):
        assert tasks.fire_workflow_timers.delay().get() == {"timers": 2, "conditions": 0}
    timers.assert_called_once_with()
    conditions.assert_called_once_with()


def test_the_timer_task_runs_against_the_database(db):
    assert tasks.fire_workflow_timers.delay().get() == {"timers": 0, "conditions": 0}


def test_every_periodic_job_is_scheduled(settings):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert {
        "workflows.tasks.fire_workflow_timers",
        "workflows.tasks.notifications_flush",
        "workflows.tasks.claim_reminder_monthly",
        "workflows.tasks.escalate_overdue_reviews",
    } <= scheduled
