"""Batch export services (批量导出): start, restart and cancel a job, run it, and the periodic upkeep.

A run is resumable: the plan (every file of the ZIP) is fixed the first time a job runs, each part is
written atomically into the job's directory and its SHA-256 recorded, and a later run — after a crash,
a worker restart or the user's 重新开始 — keeps every part whose file still has that SHA-256. The ZIP is
written under a temporary name, checked, and renamed into place; the job becomes ``done`` only after
that, and the download view checks the SHA-256 again. Whoever holds the job's ``run_token`` owns it:
every progress write is conditional on the token, so a run that was cancelled or superseded stops at
its next write instead of racing the one that replaced it.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.access import may
from accounts.models import Organization
from accounts.roles import VIEW_SCORES
from audit.services import audit_record
from reports.models import ExportJob, ExportJobPart
from reports.readiness import PdfUnavailable
from workflows.execution import holder_name

from . import files, messages
from .manifest import MANIFEST_CSV, MANIFEST_TXT, ManifestHead, ManifestLine, manifest_csv, manifest_txt
from .parts import (
    PART_KINDS,
    Ledgers,
    PartUnavailable,
    branches_under,
    export_period,
    export_plan,
    resolve,
    safe_name,
)

logger = logging.getLogger(__name__)

Status = ExportJob.Status

# A running job writes its heartbeat after every part; one silent this long lost its worker.
RUNNING_STALE_AFTER = timedelta(minutes=5)
# A queued job waits for a free worker; one waiting this long lost its message (a broker restart).
QUEUED_STALE_AFTER = timedelta(minutes=30)
# Runs started since the job was (re)started: a part that kills the worker each time ends here.
MAX_ATTEMPTS = 5
KEEP_FILES_FOR = timedelta(days=7)


def _enqueue(job: ExportJob) -> None:
    """Queue the job's run once the transaction that made it runnable has committed."""
    job_id = job.pk
    transaction.on_commit(lambda: export_job_publish(job_id))


def export_job_publish(job_id: int) -> bool:
    """Send the job's run to the workers. With the broker down the page still answers: the job stays
    queued and is marked stalled at once, so the next ``export_jobs_maintain`` (beat, every 2 minutes)
    sends it again once the broker is back, instead of after ``QUEUED_STALE_AFTER``."""
    from reports.tasks import export_job_run
    from workflows.notifications import BROKER_ERRORS

    try:
        export_job_run.delay(job_id)
    except BROKER_ERRORS as error:
        logger.warning("Broker unavailable, export job %s left for export_jobs_maintain: %s", job_id, error)
        stalled_since = timezone.now() - QUEUED_STALE_AFTER - timedelta(seconds=1)
        ExportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(heartbeat_at=stalled_since)
        return False
    return True


def _active_job(user: Any, organization: Organization, period_code: str) -> ExportJob | None:
    return ExportJob.objects.filter(
        user=user, organization=organization, period_code=period_code, status__in=ExportJob.ACTIVE
    ).first()


def _check_may_export(user: Any, organization: Organization) -> None:
    if not may(user, VIEW_SCORES, organization):
        raise ValidationError(messages.NO_PERMISSION % {"organization": organization.name})


def download_name(organization: Organization, period_label: str) -> str:
    return f"{safe_name(organization.name)}_{period_label}_积分台账.zip"


# ---------------------------------------------------------------- what the user does


def export_job_start(*, user: Any, organization: Organization, period_code: str) -> tuple[ExportJob, bool]:
    """Start exporting ``organization``'s ledgers for a period; while the same user's export of the same
    organization and period is queued or running, that one is returned instead (``created`` False)."""
    period = export_period(period_code)
    _check_may_export(user, organization)
    if not branches_under(organization).exists():
        raise ValidationError(messages.NO_BRANCHES % {"organization": organization.name})
    with transaction.atomic():
        active = _active_job(user, organization, period.code)
        if active is not None:
            return active, False
        try:
            with transaction.atomic():
                job = ExportJob.objects.create(
                    user=user,
                    organization=organization,
                    period_code=period.code,
                    step=str(messages.STEP_QUEUED),
                    heartbeat_at=timezone.now(),
                    download_name=download_name(organization, period.label()),
                )
        except IntegrityError:  # the same request, a moment earlier, in another transaction
            return _active_job(user, organization, period.code), False  # type: ignore[return-value]
        audit_record(
            actor=user,
            action="reports.export_job_start",
            summary=f"批量导出：{organization.name} {period.label()}",
            target=job,
            organization=organization,
            data={"period": period.code},
        )
        _enqueue(job)
    return job, True


def export_job_restart(*, user: Any, job: ExportJob) -> ExportJob:
    """重新开始 a failed or cancelled job: the parts already made are kept and not made again."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().select_related("organization").get(pk=job.pk)
        if job.status not in (Status.FAILED, Status.CANCELLED):
            raise ValidationError(messages.NOT_RESTARTABLE)
        _check_may_export(user, job.organization)
        active = _active_job(job.user, job.organization, job.period_code)
        if active is not None:
            return active
        job.status, job.error, job.step = Status.QUEUED, "", str(messages.STEP_RESTARTED)
        job.attempts, job.run_token, job.finished_at = 0, None, None
        job.heartbeat_at, job.files_removed_at = timezone.now(), None
        job.save()
        audit_record(
            actor=user,
            action="reports.export_job_restart",
            summary=f"重新开始批量导出：{job.organization.name} {job.period_code}",
            target=job,
            organization=job.organization,
        )
        _enqueue(job)
    return job


def export_job_cancel(*, user: Any, job: ExportJob) -> ExportJob:
    """取消 a queued or running job; its worker stops after the part it is making."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().select_related("organization").get(pk=job.pk)
        if job.status not in ExportJob.ACTIVE:
            raise ValidationError(messages.NOT_CANCELLABLE)
        job.status, job.step, job.run_token = Status.CANCELLED, str(messages.STEP_CANCELLED), None
        job.finished_at = timezone.now()
        job.save()
        audit_record(
            actor=user,
            action="reports.export_job_cancel",
            summary=f"取消批量导出：{job.organization.name} {job.period_code}",
            target=job,
            organization=job.organization,
        )
    return job


# ---------------------------------------------------------------- the run


class _Superseded(Exception):
    """The job was cancelled, or another run took it over: this run stops quietly."""


class JobFailed(Exception):
    """The job cannot be completed; ``message`` says why, in Chinese."""

    def __init__(self, message: Any) -> None:
        self.message = str(message)
        super().__init__(self.message)


def _failure(exc: Exception, name: str) -> JobFailed:
    """What the user is told when making the file ``name`` raised ``exc``."""
    if isinstance(exc, PartUnavailable):
        return JobFailed(messages.PART_UNAVAILABLE % {"name": name, "function": exc.dotted})
    if isinstance(exc, ValidationError):
        return JobFailed(messages.PART_FAILED % {"name": name, "reason": "；".join(exc.messages)})
    if isinstance(exc, PdfUnavailable):
        return JobFailed(messages.PART_FAILED % {"name": name, "reason": str(exc)})
    logger.error("batch export: making %s failed", name, exc_info=exc)
    return JobFailed(messages.PART_CRASHED % {"name": name, "error": type(exc).__name__})


def approval_note(ledger: Any) -> str:
    """审定 by whom and when, from the ledger data the file was made from."""
    return "；".join(
        f"{info}（{timezone.localtime(info.approved_at):%Y-%m-%d %H:%M}）" for info in ledger.approvals
    )


class _Run:
    """One run of one job, holding its ``run_token``."""

    def __init__(self, job: ExportJob) -> None:
        self.job = job
        self.token: uuid.UUID = job.run_token  # type: ignore[assignment]
        self.ledgers = Ledgers()

    @classmethod
    def claim(cls, job_id: int) -> _Run | None:
        """Take a queued job — or a running one whose run died — for this run; None if it is finished."""
        with transaction.atomic():
            job = (
                ExportJob.objects.select_for_update(of=("self",))
                .select_related("organization", "user")
                .filter(pk=job_id)
                .first()
            )
            if job is None or job.status not in ExportJob.ACTIVE:
                return None
            if job.attempts >= MAX_ATTEMPTS:
                _fail_locked(job, messages.TOO_MANY_ATTEMPTS % {"attempts": job.attempts})
                return None
            now = timezone.now()
            job.status, job.run_token, job.attempts = Status.RUNNING, uuid.uuid4(), job.attempts + 1
            job.started_at, job.heartbeat_at = job.started_at or now, now
            job.save(update_fields=["status", "run_token", "attempts", "started_at", "heartbeat_at"])
        return cls(job)

    def beat(self, **fields: Any) -> None:
        """Write progress and the heartbeat — or stop, if this run no longer holds the job."""
        held = ExportJob.objects.filter(pk=self.job.pk, run_token=self.token, status=Status.RUNNING)
        if not held.update(heartbeat_at=timezone.now(), **fields):
            raise _Superseded

    def execute(self) -> None:
        job = self.job
        if not may(job.user, VIEW_SCORES, job.organization):
            raise JobFailed(messages.ROLE_LOST % {"organization": job.organization.name})
        parts = self.planned_parts()
        missing = [part for part in parts if not self.kept(part)]
        done, total = len(parts) - len(missing), len(parts)
        self.beat(parts_done=done)
        for part in missing:
            name = part.arcname.rsplit("/", 1)[-1]
            self.beat(step=messages.STEP_PART % {"number": done + 1, "total": total, "name": name})
            self.produce(part)
            done += 1
            self.beat(parts_done=done)
        self.beat(step=str(messages.STEP_ZIPPING))
        self.pack(parts)

    def planned_parts(self) -> list[ExportJobPart]:
        """The job's parts; on its first run, the plan is made and fixed."""
        if not self.job.parts.exists():
            period = export_period(self.job.period_code)
            try:
                plan = export_plan(self.job.organization, period, self.ledgers, on_branch=self.planning)
            except _Superseded:
                raise
            except Exception as exc:
                raise _failure(exc, str(PART_KINDS["branch_ledger_pdf"].title)) from exc
            if not plan.parts:
                reasons = "；".join(f"{s['branch']}：{s['reason']}" for s in plan.skipped)
                message = messages.NO_BRANCHES % {"organization": self.job.organization.name}
                raise JobFailed(f"{message}{reasons}")
            self.fix_plan(plan)
        return list(self.job.parts.select_related("branch", "member").order_by("position"))

    def planning(self, branch: Organization, number: int, count: int) -> None:
        self.beat(step=messages.STEP_PLANNING % {"number": number, "count": count, "branch": branch.name})

    def fix_plan(self, plan) -> None:
        with transaction.atomic():
            self.beat(total_parts=len(plan.parts), skipped=plan.skipped)
            self.job.total_parts, self.job.skipped = len(plan.parts), plan.skipped
            ExportJobPart.objects.bulk_create(
                ExportJobPart(
                    job=self.job,
                    position=position,
                    kind=planned.kind,
                    branch=planned.branch,
                    member=planned.member,
                    period_code=planned.period_code,
                    arcname=planned.arcname,
                )
                for position, planned in enumerate(plan.parts, start=1)
            )

    def path_of(self, part: ExportJobPart):
        return files.part_path(self.job.work_key, part.position, PART_KINDS[part.kind].extension)

    def kept(self, part: ExportJobPart) -> bool:
        """A part made by an earlier run counts if its file still has the SHA-256 recorded for it."""
        return part.produced and files.file_matches(self.path_of(part), part.sha256)

    def produce(self, part: ExportJobPart) -> None:
        kind = PART_KINDS[part.kind]
        subject = part.member or part.branch
        try:
            data = resolve(kind.render)(subject, part.period_code)
            ledger = self.ledgers.get(kind.ledger, subject, part.period_code)
        except Exception as exc:
            raise _failure(exc, part.arcname) from exc
        files.write_atomically(self.path_of(part), data, run=self.token.hex)
        part.sha256, part.size = files.sha256_of_bytes(data), len(data)
        part.draft, part.approval_note = bool(ledger.draft), approval_note(ledger)[:300]
        part.generated_at = timezone.now()
        part.save(update_fields=["sha256", "size", "draft", "approval_note", "generated_at"])

    def pack(self, parts: list[ExportJobPart]) -> None:
        """The ZIP: the manifest, then every part read back and checked against its SHA-256."""
        job, packed_at = self.job, timezone.now()
        period = export_period(job.period_code)
        head = ManifestHead(
            organization=job.organization.name,
            period_label=period.label(),
            period_code=period.code,
            requested_by=holder_name(job.user),
            packed_at=packed_at,
            skipped=job.skipped,
        )
        lines = [
            ManifestLine(p.arcname, p.sha256, p.size or 0, bool(p.draft), p.approval_note, p.generated_at)
            for p in parts
        ]

        def entries():
            modified = timezone.localtime(packed_at)
            yield files.ZipEntry(MANIFEST_CSV, manifest_csv(lines, head), modified)
            yield files.ZipEntry(MANIFEST_TXT, manifest_txt(lines, head), modified)
            for part in parts:
                data = self.path_of(part).read_bytes()
                if files.sha256_of_bytes(data) != part.sha256:
                    raise JobFailed(messages.PART_CHANGED % {"name": part.arcname})
                yield files.ZipEntry(part.arcname, data, timezone.localtime(part.generated_at))

        target = files.result_path(job.work_key)
        try:
            files.write_zip_atomically(target, entries(), run=self.token.hex)
        except files.ZipInvalid as exc:
            raise JobFailed(messages.ZIP_INVALID % {"name": exc}) from exc
        self.finish(files.sha256_of_file(target), target.stat().st_size, len(parts))
        files.remove_parts(job.work_key)

    def finish(self, sha256: str, size: int, total: int) -> None:
        with transaction.atomic():
            self.beat(
                status=Status.DONE,
                parts_done=total,
                step=messages.STEP_DONE % {"total": total},
                finished_at=timezone.now(),
                result_sha256=sha256,
                result_size=size,
                run_token=None,
                error="",
            )
            audit_record(
                actor=None,
                action="reports.export_job_done",
                summary=f"批量导出完成：{self.job.organization.name} {self.job.period_code}，{total} 个文件",
                target=self.job,
                organization=self.job.organization,
                data={"sha256": sha256, "size": size},
            )

    def fail(self, message: str) -> None:
        with transaction.atomic():
            job = ExportJob.objects.select_for_update().filter(pk=self.job.pk, run_token=self.token).first()
            if job is not None and job.status == Status.RUNNING:
                _fail_locked(job, message)


def _fail_locked(job: ExportJob, message: Any) -> None:
    job.status, job.error, job.run_token, job.finished_at = Status.FAILED, str(message), None, timezone.now()
    job.save(update_fields=["status", "error", "run_token", "finished_at"])
    audit_record(
        actor=None,
        action="reports.export_job_failed",
        summary=f"批量导出失败：{job.organization.name} {job.period_code}",
        target=job,
        organization=job.organization,
        reason=str(message),
    )


def export_job_run(*, job_id: int) -> str:
    """Run or resume one job — the Celery task's whole body. Says what happened: ``done``, ``failed``,
    ``superseded`` (cancelled, or taken over by another run) or ``skipped`` (nothing to do)."""
    run = _Run.claim(job_id)
    if run is None:
        return "skipped"
    try:
        run.execute()
    except _Superseded:
        return "superseded"
    except JobFailed as failure:
        run.fail(failure.message)
        return "failed"
    except Exception as exc:
        logger.exception("batch export %s failed", job_id)
        run.fail(messages.PART_CRASHED % {"name": "ZIP", "error": type(exc).__name__})
        return "failed"
    return "done"


# ---------------------------------------------------------------- upkeep (beat)


def _stalled(now: datetime) -> QuerySet[ExportJob]:
    return ExportJob.objects.filter(
        Q(status=Status.RUNNING, heartbeat_at__lt=now - RUNNING_STALE_AFTER)
        | Q(status=Status.QUEUED, heartbeat_at__lt=now - QUEUED_STALE_AFTER)
        | Q(status__in=ExportJob.ACTIVE, heartbeat_at__isnull=True, created_at__lt=now - RUNNING_STALE_AFTER)
    )


def export_jobs_requeue_stalled(*, now: datetime | None = None) -> int:
    """Queue again the jobs whose worker died (or whose message was lost); they resume where they were.

    The run token is cleared, so a run that was only slow, not dead, stops at its next write."""
    now = now or timezone.now()
    requeued = 0
    for pk in list(_stalled(now).values_list("pk", flat=True)[:200]):
        with transaction.atomic():
            job = _stalled(now).select_for_update(of=("self",)).select_related("organization").filter(pk=pk)
            job = job.first()
            if job is None:
                continue
            if job.attempts >= MAX_ATTEMPTS:
                _fail_locked(job, messages.TOO_MANY_ATTEMPTS % {"attempts": job.attempts})
                continue
            job.status, job.run_token, job.heartbeat_at = Status.QUEUED, None, now
            job.step = str(messages.STEP_REQUEUED)
            job.save(update_fields=["status", "run_token", "heartbeat_at", "step"])
            audit_record(
                actor=None,
                action="reports.export_job_requeue",
                summary=f"批量导出中断后重新排队：{job.organization.name} {job.period_code}",
                target=job,
                organization=job.organization,
            )
            _enqueue(job)
            requeued += 1
    return requeued


def export_jobs_purge(*, now: datetime | None = None) -> int:
    """Remove the files of jobs finished more than ``KEEP_FILES_FOR`` ago; the jobs stay listed."""
    now = now or timezone.now()
    old = ExportJob.objects.filter(
        status__in=ExportJob.FINISHED, finished_at__lt=now - KEEP_FILES_FOR, files_removed_at__isnull=True
    )
    purged = 0
    for job in old.only("pk", "work_key")[:500]:
        files.remove_job_files(job.work_key)
        purged += ExportJob.objects.filter(pk=job.pk, files_removed_at__isnull=True).update(
            files_removed_at=now
        )
    return purged


def export_jobs_maintain(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic check (beat): re-queue stalled jobs, clean up old files."""
    return {"requeued": export_jobs_requeue_stalled(now=now), "purged": export_jobs_purge(now=now)}
