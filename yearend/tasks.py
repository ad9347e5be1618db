"""Celery tasks of the year-end. Each calls a service; each is idempotent."""

from celery import shared_task

from yearend import annual


@shared_task(name="yearend.tasks.annual_review_autostart")
def annual_review_autostart() -> int:
    """年度总评: start the review of every branch whose periods and 民主评议 are all approved."""
    return annual.annual_reviews_autostart()
