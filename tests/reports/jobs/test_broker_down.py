"""Starting a batch export while the broker (Redis) is down: the page answers, and the job is sent to
the workers by the periodic upkeep once the broker is back."""

from __future__ import annotations

import pytest
from django.urls import reverse
from kombu.exceptions import OperationalError

from reports import tasks
from reports.jobs import services
from reports.models import ExportJob

pytestmark = pytest.mark.django_db

Status = ExportJob.Status


def test_an_export_started_while_the_broker_is_down_is_sent_by_the_upkeep_once_it_is_back(
    client, world, fake_parts, monkeypatch, django_capture_on_commit_callbacks
):
    sent: list[int] = []

    def broker_down(job_id: int) -> None:
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(tasks.export_job_run, "delay", broker_down)
    client.force_login(world.clerk_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:jobs:index"), {"organization": world.branch_a.pk, "period_code": "2026-Q3"}
        )
    job = ExportJob.objects.get()
    assert response.status_code == 302  # not a 500: the job is recorded and its page opens
    assert job.status == Status.QUEUED

    monkeypatch.setattr(tasks.export_job_run, "delay", sent.append)  # the broker is back
    with django_capture_on_commit_callbacks(execute=True):
        assert services.export_jobs_maintain()["requeued"] == 1  # the next beat run, not half an hour later
    assert sent == [job.pk]
