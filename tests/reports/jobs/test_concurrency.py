"""At the same moment, on PostgreSQL (threads with their own connections): two clicks on 开始导出 make one
job; two deliveries of one job's message end with one complete ZIP."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from reports.jobs import services
from reports.models import ExportJob
from tests.reports.jobs.helpers import open_zip, result_of

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="true concurrency needs PostgreSQL"
)
pytestmark = [pytest.mark.postgres, on_postgres, pytest.mark.django_db(transaction=True)]


def at_once(*calls):
    """Run every call in its own thread and connection, released together; what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as error:  # the test looks at what each got
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_starts_at_once_make_one_job(world, fake_parts, monkeypatch):
    monkeypatch.setattr(services, "_enqueue", lambda job: None)  # both stay queued: the race is real

    def start():
        return services.export_job_start(
            user=world.clerk_a, organization=world.branch_a, period_code="2026-Q3"
        )

    results = at_once(start, start, start)

    assert ExportJob.objects.count() == 1
    job = ExportJob.objects.get()
    assert sorted(created for _, created in results) == [False, False, True]
    assert {started.pk for started, _ in results} == {job.pk}


def test_two_deliveries_of_one_job_at_once_make_one_complete_zip(world, fake_parts, monkeypatch):
    monkeypatch.setattr(services, "_enqueue", lambda job: None)
    job, _ = services.export_job_start(user=world.clerk_a, organization=world.branch_a, period_code="2026-Q3")

    def deliver():
        return services.export_job_run(job_id=job.pk)

    results = at_once(deliver, deliver)

    assert results.count("done") == 1, results
    assert set(results) <= {"done", "superseded", "skipped"}
    job.refresh_from_db()
    assert (job.status, job.parts_done, job.run_token) == (ExportJob.Status.DONE, 7, None)
    with open_zip(result_of(job)) as archive:
        assert archive.testzip() is None and len(archive.namelist()) == 9
