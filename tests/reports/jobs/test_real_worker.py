"""The production path, on PostgreSQL and Redis: a real ``celery -A config worker`` makes the export with the
real forms, is killed (SIGKILL) half way, and a new worker — sent the job again by the periodic check —
finishes it without making again the parts the first one made."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection, transaction
from django.utils import timezone

from reports.jobs import services
from reports.models import ExportJob
from tests.reports.jobs.helpers import open_zip, result_of

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("REDIS_URL", "")

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set"),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the worker needs the test database on PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]


def worker_database_url() -> str:
    """This test's database, for the worker (pytest-django made it; its data are committed)."""
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@contextmanager
def worker(queue: str, media: Path, var: Path) -> Iterator[subprocess.Popen]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "worker-test-not-a-secret-" + "0123456789abcdefghijklmnopqrstuvwxyz",  # production: 50+
        "JIFEN_VAR_DIR": str(var),
        "MEDIA_ROOT": str(media),
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "--pool", "solo"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not reached within {timeout} s")
        time.sleep(0.2)


def job_now(job: ExportJob) -> ExportJob:
    return ExportJob.objects.get(pk=job.pk)


def test_a_killed_worker_is_replaced_and_the_export_resumes(
    world, rules_2026, job_media, monkeypatch, tmp_path
):
    queue = f"jifen-test-jobs-{uuid.uuid4().hex}"
    client = Celery(broker=REDIS_URL, backend=REDIS_URL, set_as_current=False)

    def enqueue(job: ExportJob) -> None:  # the broker instead of eager mode: the worker runs the task
        job_id = job.pk
        transaction.on_commit(
            lambda: client.send_task("reports.tasks.export_job_run", args=[job_id], queue=queue)
        )

    monkeypatch.setattr(services, "_enqueue", enqueue)
    job, _ = services.export_job_start(user=world.clerk_a, organization=world.branch_a, period_code="2026-Q1")

    try:
        with worker(queue, job_media, tmp_path) as first:
            wait_until(lambda: job_now(job).parts_done >= 2, timeout=180)
            first.send_signal(signal.SIGKILL)  # no clean-up, nothing recorded: the job is left "running"
            first.wait(timeout=10)

        job = job_now(job)
        assert job.status == ExportJob.Status.RUNNING and 2 <= job.parts_done < job.total_parts == 7
        assert not result_of(job).exists()
        made = {p.position: (p.sha256, p.generated_at) for p in job.parts.exclude(sha256="")}

        # Five minutes without a heartbeat: the periodic check sends the job again.
        ExportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=6))
        assert services.export_jobs_requeue_stalled() == 1

        with worker(queue, job_media, tmp_path):
            wait_until(lambda: job_now(job).status not in ExportJob.ACTIVE, timeout=240)
    finally:
        client.close()

    job = job_now(job)
    assert (job.status, job.parts_done, job.attempts) == (ExportJob.Status.DONE, 7, 2)
    for position, (sha256, generated_at) in made.items():
        part = job.parts.get(position=position)
        assert (part.sha256, part.generated_at) == (sha256, generated_at)  # not made again
    with open_zip(result_of(job)) as archive:
        assert archive.testzip() is None and len(archive.namelist()) == 2 + 7
