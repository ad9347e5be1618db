"""通知: in the app and by e-mail, through an outbox.

``notify`` writes the ``Notification`` row in the caller's transaction; only after commit is the
e-mail queued on Celery. When the broker is down the row simply stays unsent (``emailed_at`` NULL)
and the ``notifications_flush`` beat job sends it once things are back: nothing a service decided
is lost because Redis was away, and nothing is e-mailed for a transaction that rolled back.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
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


@transaction.atomic
def notification_email_send(*, notification_id: int) -> bool:
    """E-mail one notification once: the row lock and ``emailed_at`` make a second run a no-op."""
    notification = (
        Notification.objects.select_for_update(of=("self",))
        .select_related("recipient")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or notification.emailed_at is not None:
        return False
    recipient = notification.recipient
    if not recipient.email or not recipient.is_active:
        return False
    send_mail(
        subject=EMAIL_SUBJECT % {"title": " ".join(notification.title.split())},
        message=_email_text(notification),
        from_email=None,
        recipient_list=[recipient.email],
    )
    notification.emailed_at = timezone.now()
    notification.save(update_fields=["emailed_at"])
    return True


def notifications_unsent(*, now: datetime.datetime | None = None) -> QuerySet[Notification]:
    """Rows whose e-mail never went out (the broker was down, a worker died), old enough to retry."""
    now = now or timezone.now()
    return (
        Notification.objects.filter(
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
            sent += notification_email_send(notification_id=pk)
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
