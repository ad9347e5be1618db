"""Celery tasks of the 报表 application (found by ``app.autodiscover_tasks()``). Each calls a service."""

from celery import shared_task

from reports.jobs import services


@shared_task(name="reports.tasks.export_job_run", acks_late=True, reject_on_worker_lost=True)
def export_job_run(job_id: int) -> str:
    """Build (or resume) one batch export's ZIP. Idempotent: a finished job is left alone, a second
    delivery of the message takes the job over, and parts already made are not made again."""
    return services.export_job_run(job_id=job_id)


@shared_task(name="reports.tasks.export_jobs_maintain")
def export_jobs_maintain() -> dict[str, int]:
    """Re-queue batch exports whose worker died; remove the files of those finished a week ago."""
    return services.export_jobs_maintain()
