"""Reads for the batch exports, scoped to the user: whose ledgers they may export, and their own jobs."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts import access
from accounts.models import Organization
from accounts.roles import VIEW_SCORES
from reports.models import ExportJob
from scoring.core.periods import Period, PeriodKind, period_of

from . import files


def organizations_exportable_by(user: Any) -> QuerySet[Organization]:
    """Organizations whose ledgers ``user`` may export: where they see the scores (clerk, committee,
    secretary of a branch; a higher committee for everything below it)."""
    return access.organizations_where(user, VIEW_SCORES).order_by("path")


def jobs_of(user: Any) -> QuerySet[ExportJob]:
    """A user's own batch exports, newest first: nobody sees another's."""
    if not user.is_authenticated:
        return ExportJob.objects.none()
    return ExportJob.objects.filter(user=user).select_related("organization").order_by("-created_at", "-pk")


def get_job_for_user(user: Any, pk: int) -> ExportJob:
    """The user's own job, else 404."""
    return get_object_or_404(jobs_of(user), pk=pk)


def get_downloadable_job_for_user(user: Any, pk: int) -> tuple[ExportJob, Path]:
    """The user's own finished job and its ZIP — only while they may still export that organization's
    ledgers, the file is there and it has the SHA-256 recorded when it was made; else 404."""
    job = get_job_for_user(user, pk)
    if not access.may(user, VIEW_SCORES, job.organization):
        raise Http404
    path = result_file(job)
    if path is None:
        raise Http404
    return job, path


def offers_download(job: ExportJob) -> bool:
    """Whether the job's page shows the download link (the download view checks the file itself)."""
    return job.status == ExportJob.Status.DONE and job.files_removed_at is None and bool(job.result_sha256)


def result_file(job: ExportJob) -> Path | None:
    """The finished ZIP of a done job, if it is still there, whole and unchanged."""
    if not offers_download(job):
        return None
    path = files.result_path(job.work_key)
    return path if files.file_matches(path, job.result_sha256) else None


def period_choices(today: datetime.date) -> list[tuple[str, str]]:
    """The periods offered, newest first: this cycle's and the last one's, those that have begun."""
    choices = []
    for cycle in (today.year, today.year - 1):
        periods = [
            Period(cycle, PeriodKind.CYCLE),
            *(Period(cycle, PeriodKind.HALF, index) for index in (2, 1)),
            *(Period(cycle, PeriodKind.QUARTER, index) for index in (4, 3, 2, 1)),
        ]
        choices += [(p.code, f"{p.label()}（{p.code}）") for p in periods if p.bounds()[0] <= today]
    return choices


def default_period(today: datetime.date) -> str:
    """The last quarter that has ended: the one whose ledgers are being approved and filed."""
    current = period_of(today, PeriodKind.QUARTER)
    previous = current.previous() or Period(current.cycle - 1, PeriodKind.QUARTER, 4)
    return previous.code
