"""Celery tasks of the 报表 application (found by ``app.autodiscover_tasks()``). Each calls a service."""

from celery import shared_task

from reports import filing_package
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


@shared_task(name="reports.tasks.filing_package_generate", bind=True, acks_late=True, max_retries=5)
def filing_package_generate(self, filing_id: int) -> str:
    """Make a filing's 备案材料 (PDF and Excel, SHA-256 recorded). Idempotent: documents already made
    are not made again. A failure is recorded on the filing's package (shown on its pages) and retried
    with a growing delay."""
    try:
        package = filing_package.filing_package_generate(filing_id=filing_id)
    except Exception as error:
        filing_package.filing_package_failed(filing_id=filing_id, error=error)
        raise self.retry(exc=error, countdown=60 * 2**self.request.retries) from error
    return package.status


@shared_task(name="reports.tasks.filing_packages_resume")
def filing_packages_resume() -> int:
    """Queue again the filing packages left waiting because the broker was down at 审定."""
    return filing_package.filing_packages_resume()


@shared_task(name="reports.tasks.ranking_store_due", acks_late=True)
def ranking_store_due(review_id: int) -> None:
    """After a period's 审定: store the organization-wide rankings (全委排名) it completes. Idempotent: a
    ranking stored with the same inputs is left alone; one not complete yet is not computed."""
    from reports.rankings import ranking_store_due as store
    from workflows.models import PeriodReview

    review = PeriodReview.objects.select_related("branch").filter(pk=review_id).first()
    if review is not None:
        store(review)


@shared_task(name="reports.tasks.ranking_store_for", acks_late=True)
def ranking_store_for(organization_id: int, period_code: str) -> None:
    """Store one organization's 全委排名 of a period, asked by a page that found none fresh (a province's
    takes minutes: the page says it is being computed and refreshes). Idempotent like ``ranking_store_due``;
    the mark that it is being stored is removed when done, stored or not."""
    from django.core.cache import cache

    from accounts.models import Organization
    from reports.rankings import period_from, ranking_store_fresh, storing_key

    period = period_from(period_code)
    organization = Organization.objects.filter(pk=organization_id).first()
    try:
        if organization is not None:
            ranking_store_fresh(organization, period)
    finally:
        if organization is not None:
            cache.delete(storing_key(organization, period))
