"""The periodic check (beat): jobs whose worker died are queued again and resume; old files are removed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from audit.models import AuditRecord
from reports import tasks
from reports.jobs import files, services
from reports.models import ExportJob
from tests.reports.jobs.fakes import WorkerKilled
from tests.reports.jobs.helpers import open_zip, result_of

pytestmark = pytest.mark.django_db

Status = ExportJob.Status


def crashed(world, fake_parts, on: int = 3) -> ExportJob:
    fake_parts.crash_on = len(fake_parts.calls) + on
    job, _ = services.export_job_start(user=world.clerk_a, organization=world.branch_a, period_code="2026-Q3")
    with pytest.raises(WorkerKilled):
        services.export_job_run(job_id=job.pk)
    fake_parts.crash_on = None
    job.refresh_from_db()
    return job


def age(job: ExportJob, **delta) -> None:
    ExportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(**delta))


def test_the_beat_entry_runs_the_upkeep_task():
    entry = next(
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "reports.tasks.export_jobs_maintain"
    )
    assert entry["schedule"] <= timedelta(minutes=5)
    assert tasks.export_jobs_maintain.name == "reports.tasks.export_jobs_maintain"
    assert tasks.export_job_run.name == "reports.tasks.export_job_run"


def test_a_job_whose_worker_died_is_queued_again_and_completes(
    world, fake_parts, django_capture_on_commit_callbacks
):
    job = crashed(world, fake_parts)
    age(job, minutes=6)

    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.export_jobs_maintain.delay().get()

    assert result == {"requeued": 1, "purged": 0}
    job.refresh_from_db()
    assert (job.status, job.parts_done, job.attempts) == (Status.DONE, 7, 2)
    assert len(fake_parts.calls) == 3 + 5  # the two parts made before the crash were kept
    with open_zip(result_of(job)) as archive:
        assert archive.testzip() is None and len(archive.namelist()) == 9
    assert AuditRecord.objects.filter(action="reports.export_job_requeue", target_id=str(job.pk)).count() == 1


def test_a_job_with_a_fresh_heartbeat_is_left_alone(world, fake_parts, django_capture_on_commit_callbacks):
    job = crashed(world, fake_parts)
    age(job, minutes=4)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.export_jobs_maintain() == {"requeued": 0, "purged": 0}

    assert callbacks == []
    job.refresh_from_db()
    assert job.status == Status.RUNNING


def test_a_queued_job_waits_longer_before_it_is_queued_again(
    world, fake_parts, django_capture_on_commit_callbacks
):
    job, _ = services.export_job_start(user=world.clerk_a, organization=world.branch_a, period_code="2026-Q3")
    age(job, minutes=20)
    assert services.export_jobs_requeue_stalled() == 0

    age(job, minutes=31)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.export_jobs_requeue_stalled() == 1
    job.refresh_from_db()
    assert job.status == Status.DONE


def test_a_requeued_run_that_was_only_slow_stops(world, fake_parts, django_capture_on_commit_callbacks):
    """The beat took the job from a run it thought dead; that run, writing again, stops quietly."""
    job, _ = services.export_job_start(user=world.clerk_a, organization=world.branch_a, period_code="2026-Q3")

    def stall(number):
        if number == 2:
            age(job, minutes=10)
            services.export_jobs_requeue_stalled()  # its on-commit run is not executed here

    fake_parts.on_call = stall
    assert services.export_job_run(job_id=job.pk) == "superseded"
    job.refresh_from_db()
    assert (job.status, job.run_token, job.step) == (
        Status.QUEUED,
        None,
        "后台任务中断，已重新排队，将从中断处继续…",
    )


def test_a_job_that_keeps_killing_its_worker_stops_in_chinese(world, fake_parts):
    job = crashed(world, fake_parts)
    ExportJob.objects.filter(pk=job.pk).update(attempts=services.MAX_ATTEMPTS)
    age(job, minutes=6)

    assert services.export_jobs_requeue_stalled() == 0

    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert (
        job.error == "后台任务已连续中断 5 次（可能是服务器重启或内存不足），已停止。请稍后点击“重新开始”。"
    )


def test_files_of_jobs_finished_a_week_ago_are_removed(world, fake_parts):
    old, _ = services.export_job_start(user=world.clerk_a, organization=world.branch_a, period_code="2026-Q2")
    services.export_job_run(job_id=old.pk)
    recent, _ = services.export_job_start(
        user=world.clerk_a, organization=world.branch_a, period_code="2026-Q3"
    )
    services.export_job_run(job_id=recent.pk)
    failed = crashed(world, fake_parts)
    ExportJob.objects.filter(pk=failed.pk).update(status=Status.FAILED, finished_at=timezone.now())
    ExportJob.objects.filter(pk__in=[old.pk, failed.pk]).update(
        finished_at=timezone.now() - timedelta(days=8)
    )

    assert services.export_jobs_purge() == 2

    old.refresh_from_db()
    assert old.files_removed_at is not None and old.status == Status.DONE  # still listed, as done
    assert not files.job_dir(old.work_key).exists() and not files.job_dir(failed.work_key).exists()
    assert result_of(recent).exists()
    assert services.export_jobs_purge() == 0
