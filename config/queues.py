"""Celery queues per kind of work, so each gets a worker pool of its own when the service scales out
(docs/scaling.md): PDF rendering (备案材料, CPU- and memory-heavy), batch exports (long ZIPs of forms),
notifications (many small e-mails that must not wait behind a 10-minute export), and the rest (timers,
reminders, maintenance) on Celery's default queue.

Routing is switched on with ``JIFEN_TASK_QUEUES=true`` (docker-compose does): then every worker must be
started with ``-Q`` naming the queues it serves — a worker without ``-Q`` serves only ``celery``, and the
routed tasks would wait for ever. Off (the default, the embedded service, the tests): one queue.
"""

DEFAULT_QUEUE = "celery"
PDF_QUEUE = "pdf"
EXPORTS_QUEUE = "exports"
NOTIFICATIONS_QUEUE = "notifications"
QUEUES = (DEFAULT_QUEUE, PDF_QUEUE, EXPORTS_QUEUE, NOTIFICATIONS_QUEUE)

TASK_ROUTES = {
    "reports.tasks.filing_package_generate": {"queue": PDF_QUEUE},
    "reports.tasks.export_job_run": {"queue": EXPORTS_QUEUE},
    "workflows.tasks.send_notification_email": {"queue": NOTIFICATIONS_QUEUE},
    "workflows.tasks.notifications_flush": {"queue": NOTIFICATIONS_QUEUE},
    "workflows.tasks.claim_reminder_monthly": {"queue": NOTIFICATIONS_QUEUE},
}
