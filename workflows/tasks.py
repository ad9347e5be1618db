"""Celery tasks of the workflow. Each loads what it needs and calls a service; each is idempotent."""

from celery import shared_task
from viewflow.workflow.timers import fire_due_conditions, fire_due_timers

from workflows import escalation, notifications, periods


@shared_task(name="workflows.tasks.send_notification_email")
def send_notification_email(notification_id: int) -> bool:
    """E-mail one notification; a second delivery of the message sends nothing."""
    return notifications.notification_email_send(notification_id=notification_id)


@shared_task(name="workflows.tasks.notifications_flush")
def notifications_flush() -> int:
    """Send the e-mails the broker could not take when their notification was written."""
    return notifications.notifications_flush()


@shared_task(name="workflows.tasks.claim_reminder_monthly")
def claim_reminder_monthly() -> int:
    """Remind every scored member to claim; a second run in the same month sends nothing."""
    return escalation.claim_reminders_send()


@shared_task(name="workflows.tasks.escalate_overdue_reviews")
def escalate_overdue_reviews() -> int:
    """Tell the branch secretary about review tasks waiting longer than the branch allows."""
    return escalation.reviews_escalate()


@shared_task(name="workflows.tasks.fire_workflow_timers")
def fire_workflow_timers() -> dict[str, int]:
    """Fire viewflow's database-backed timers and conditions that are due (publicity closing)."""
    return {"timers": fire_due_timers(), "conditions": fire_due_conditions()}


@shared_task(name="workflows.tasks.period_autostart")
def period_autostart() -> int:
    """Open 公示 for the periods that ended; a second run the same day starts nothing twice."""
    return periods.periods_autostart()
