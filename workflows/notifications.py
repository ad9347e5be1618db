"""通知: in the app and by e-mail, through an outbox.

``notify`` writes the ``Notification`` row in the caller's transaction; only after commit is the
e-mail queued on Celery. When the broker is down the row simply stays unsent (``emailed_at`` NULL)
and the ``notifications_flush`` beat job sends it once things are back: nothing a service decided
is lost because Redis was away, and nothing is e-mailed for a transaction that rolled back.

A sender first takes the row under a lease (``email_claimed_at``, committed), then sends, then records
``emailed_at`` — waiting out a database restart rather than leaving a sent e-mail unrecorded for the
flush to send again.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Iterable
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from workflows.models import Notification

logger = logging.getLogger(__name__)

# What a broker that is down raises when a task is published.
BROKER_ERRORS = (KombuOperationalError, RedisConnectionError, RedisTimeoutError, ConnectionError, OSError)
# After a failed publish, skip publishing for a while: every notification of a large branch would
# otherwise wait for its own connection timeout. The flush job sends what was skipped.
BROKER_PAUSE_SECONDS = 30.0
FLUSH_AFTER = datetime.timedelta(minutes=1)  # younger rows may still be on their way
FLUSH_WITHIN = datetime.timedelta(days=7)  # older rows are stale news: the app shows them, no e-mail
FLUSH_BATCH = 500
# How long a sender holds a row it took: longer than one send may take (EMAIL_TIMEOUT), and no longer
# than FLUSH_AFTER, so a row whose sender died is flushed with the others.
SEND_LEASE = datetime.timedelta(minutes=1)

TITLE_MAX = 200
EMAIL_SUBJECT = _("【党员积分】%(title)s")
EMAIL_LINK = _("查看详情：%(url)s")
EMAIL_FOOTER = _("本邮件由党员积分管理系统自动发送，请勿直接回复。")

_broker_down_until = 0.0


def notify(
    *,
    recipient: Any,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    dedupe_key: str | None = None,
) -> Notification | None:
    """Write one notification in the caller's transaction; e-mail it after commit.

    With a ``dedupe_key`` already used, nothing is written and ``None`` is returned: periodic jobs
    can run twice without notifying twice.
    """
    if dedupe_key and Notification.objects.filter(dedupe_key=dedupe_key).exists():
        return None
    try:
        with transaction.atomic():  # a savepoint: a concurrent duplicate must not break the caller
            notification = Notification.objects.create(
                recipient=recipient,
                kind=kind,
                title=str(title)[:TITLE_MAX],
                body=str(body),
                url=url,
                dedupe_key=dedupe_key or None,
            )
    except IntegrityError:
        if dedupe_key and Notification.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise
    transaction.on_commit(partial(notification_enqueue, notification.pk), robust=True)
    return notification


def notify_many(recipients: Iterable[Any], *, dedupe_key: str | None = None, **kw: Any) -> list[Notification]:
    """``notify`` each recipient; a ``dedupe_key`` is made per recipient (``<key>:<user pk>``)."""
    sent = []
    for recipient in recipients:
        key = f"{dedupe_key}:{recipient.pk}" if dedupe_key else None
        notification = notify(recipient=recipient, dedupe_key=key, **kw)
        if notification is not None:
            sent.append(notification)
    return sent


def notification_enqueue(notification_id: int) -> bool:
    """Queue the e-mail; with the broker down, log it and leave the row for ``notifications_flush``."""
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        return False
    from workflows.tasks import send_notification_email

    try:
        send_notification_email.delay(notification_id)
    except BROKER_ERRORS as error:
        _broker_down_until = time.monotonic() + BROKER_PAUSE_SECONDS
        logger.warning(
            "Broker unavailable, notification %s left for notifications_flush: %s", notification_id, error
        )
        return False
    return True


def _email_text(notification: Notification) -> str:
    parts = [notification.body] if notification.body else []
    if notification.url:
        parts.append(EMAIL_LINK % {"url": settings.SITE_URL.rstrip("/") + notification.url})
    parts.append(str(EMAIL_FOOTER))
    return "\n\n".join(parts)


def _email_claim(notification_id: int, now: datetime.datetime) -> Notification | None:
    """Take the row for sending, committed before anything is sent: no other sender takes it while the
    lease runs, and a sender that dies before sending leaves it to the flush once the lease is over."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.emailed_at is not None:
            return None
        if notification.email_claimed_at is not None and notification.email_claimed_at > now - SEND_LEASE:
            return None
        recipient = notification.recipient
        if not recipient.email or not recipient.is_active:
            return None
        notification.email_claimed_at = timezone.now()
        notification.save(update_fields=["email_claimed_at"])
    return notification


def _email_release(notification_id: int) -> None:
    """The send failed: let the flush try again without waiting for the lease."""
    try:
        Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(email_claimed_at=None)
    except DatabaseError:
        logger.warning(
            "Notification %s: lease kept after a failed send; the flush retries it later", notification_id
        )


def _email_mark_sent(notification_id: int, claimed_at: datetime.datetime) -> None:
    """Record the e-mail as sent, waiting out a database that is restarting.

    The message has left: if this record were lost the flush would send it a second time. So it is
    retried for as long as the lease keeps other senders away. Inside a caller's transaction (the tests,
    eager Celery under a view) there is nothing to reconnect, and the error is the caller's.
    """
    deadline = time.monotonic() + max((claimed_at + SEND_LEASE - timezone.now()).total_seconds() * 0.8, 1.0)
    pause = 0.2
    while True:
        try:
            Notification.objects.filter(pk=notification_id).update(emailed_at=timezone.now())
            return
        except (OperationalError, InterfaceError):
            if connection.in_atomic_block or time.monotonic() + pause > deadline:
                logger.error("Notification %s was e-mailed but could not be marked sent", notification_id)
                raise
            logger.warning(
                "Notification %s e-mailed; the database is away, marking it again", notification_id
            )
            connection.close()
            time.sleep(pause)
            pause = min(pause * 2, 5.0)


def _email_message(notification: Notification) -> EmailMessage:
    """The e-mail, its Message-ID fixed per notification: should a message ever leave twice (a worker
    killed between sending and recording it), mail systems that collapse one Message-ID show it once."""
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return EmailMessage(
        subject=EMAIL_SUBJECT % {"title": " ".join(notification.title.split())},
        body=_email_text(notification),
        to=[notification.recipient.email],
        headers={"Message-ID": f"<jifen-notification-{notification.pk}@{domain}>"},
    )


def notification_email_send(*, notification_id: int, now: datetime.datetime | None = None) -> bool:
    """E-mail one notification once: taken under a lease, sent, then recorded as sent.

    A second run while the lease holds, or after the record, sends nothing.
    """
    notification = _email_claim(notification_id, now or timezone.now())
    if notification is None:
        return False
    try:
        _email_message(notification).send()
    except Exception:
        _email_release(notification.pk)
        raise
    _email_mark_sent(notification.pk, notification.email_claimed_at)
    return True


def notifications_unsent(*, now: datetime.datetime | None = None) -> QuerySet[Notification]:
    """Rows whose e-mail never went out (the broker was down, a worker died), old enough to retry,
    and not taken by a sender whose lease still runs."""
    now = now or timezone.now()
    return (
        Notification.objects.filter(
            Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lte=now - SEND_LEASE),
            emailed_at__isnull=True,
            created_at__lte=now - FLUSH_AFTER,
            created_at__gte=now - FLUSH_WITHIN,
            recipient__is_active=True,
        )
        .exclude(recipient__email="")
        .order_by("created_at", "pk")
    )


def notifications_flush(*, now: datetime.datetime | None = None) -> int:
    """Send the e-mails left unsent; each in its own transaction, one failure stops no other."""
    sent = 0
    for pk in list(notifications_unsent(now=now).values_list("pk", flat=True)[:FLUSH_BATCH]):
        try:
            sent += notification_email_send(notification_id=pk, now=now)
        except Exception:
            logger.exception("Notification %s could not be e-mailed; will retry", pk)
    return sent


# --- In the app ------------------------------------------------------------------------------


def notifications_for(user: Any) -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


def notifications_unread_count(user: Any) -> int:
    return notifications_for(user).filter(read_at__isnull=True).count()


def notification_mark_read(*, notification: Notification, user: Any) -> Notification:
    """Mark one of the user's own notifications read (again: a no-op)."""
    if notification.recipient_id != user.pk:
        raise PermissionDenied
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notifications_mark_all_read(*, user: Any) -> int:
    return notifications_for(user).filter(read_at__isnull=True).update(read_at=timezone.now())
