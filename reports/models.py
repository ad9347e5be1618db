"""Batch exports (批量导出): "all ledgers of my organization for 2026 Q3" as one ZIP, built in the background.

A job's files live in its own directory under ``MEDIA_ROOT`` (see ``reports.jobs.files``): one file per
part, kept until the ZIP is complete, so a worker that dies half way resumes where it stopped. The ZIP is
offered only through the permission-checked download view, and only once the job is done and the file on
disk still has the recorded SHA-256.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from scoring.core.periods import parse_period


def _work_key() -> str:
    return uuid.uuid4().hex


class ExportJob(models.Model):
    """批量导出任务: one user's request for one organization's ledgers of one period, as a ZIP."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        CANCELLED = "cancelled", _("已取消")

    ACTIVE = (Status.QUEUED, Status.RUNNING)
    FINISHED = (Status.DONE, Status.FAILED, Status.CANCELLED)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="export_jobs",
        verbose_name=_("申请人"),
    )
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("组织")
    )
    period_code = models.CharField(_("周期"), max_length=10, help_text=_("如 2026-Q3、2026-H1、2026"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    total_parts = models.PositiveIntegerField(_("文件总数"), default=0)
    parts_done = models.PositiveIntegerField(_("已生成文件数"), default=0)
    step = models.CharField(_("当前步骤"), max_length=300, blank=True)
    error = models.TextField(_("失败原因"), blank=True)
    # Branches left out of the ZIP, and why: [{"branch": name, "reason": text}].
    skipped = models.JSONField(_("未包含的支部"), default=list, blank=True)

    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # Written by the worker after every part; a running job whose heartbeat is old lost its worker.
    heartbeat_at = models.DateTimeField(_("心跳时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("运行次数"), default=0)
    # The run that holds the job: every progress write is conditional on it, so a run that was
    # superseded (re-queued after a stall, or cancelled) stops at its next write.
    run_token = models.UUIDField(null=True, blank=True, editable=False)
    # The job's directory name: random, so that it cannot be guessed even where MEDIA_ROOT is served.
    work_key = models.CharField(max_length=32, unique=True, default=_work_key, editable=False)

    download_name = models.CharField(_("下载文件名"), max_length=200, blank=True)
    result_sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    result_size = models.PositiveBigIntegerField(_("文件大小（字节）"), null=True, blank=True)
    files_removed_at = models.DateTimeField(_("文件清理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("批量导出任务")
        verbose_name_plural = _("批量导出任务")
        ordering = ["-created_at", "-id"]
        constraints = [
            # Starting the same export while one is queued or running gives that one (the service
            # looks first; this settles a race between two clicks).
            models.UniqueConstraint(
                fields=["user", "organization", "period_code"],
                condition=Q(status__in=["queued", "running"]),
                name="one_active_export_job",
            ),
            models.CheckConstraint(
                condition=Q(parts_done__lte=models.F("total_parts")), name="export_job_parts_done_le_total"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="export_job_user_created"),
            models.Index(fields=["status", "heartbeat_at"], name="export_job_status_heartbeat"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.period_code} ({self.get_status_display()})"

    @property
    def period_label(self) -> str:
        """2026年度第3季度."""
        try:
            return parse_period(self.period_code).label()
        except ValueError:
            return self.period_code

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def percent(self) -> int:
        """Progress shown on the bar: 100 only once the ZIP is in place."""
        if self.status == self.Status.DONE:
            return 100
        if not self.total_parts:
            return 0
        return min(99, self.parts_done * 100 // self.total_parts)


class ExportJobPart(models.Model):
    """导出文件: one file of a batch export's ZIP, planned when the job first runs, produced once."""

    job = models.ForeignKey(ExportJob, on_delete=models.CASCADE, related_name="parts")
    position = models.PositiveIntegerField(_("序号"))
    kind = models.CharField(_("文件类型"), max_length=40)
    branch = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("支部")
    )
    member = models.ForeignKey(
        "accounts.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("党员"),
    )
    period_code = models.CharField(_("周期"), max_length=10)
    arcname = models.CharField(_("压缩包内路径"), max_length=400)
    # Empty until produced; then the SHA-256 of the file in the job's directory.
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("文件大小（字节）"), null=True, blank=True)
    draft = models.BooleanField(_("草稿"), null=True, blank=True)
    approval_note = models.CharField(_("审定情况"), max_length=300, blank=True)
    generated_at = models.DateTimeField(_("生成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导出文件")
        verbose_name_plural = _("导出文件")
        ordering = ["job", "position"]
        constraints = [
            models.UniqueConstraint(fields=["job", "position"], name="export_part_position_unique"),
            models.UniqueConstraint(fields=["job", "arcname"], name="export_part_arcname_unique"),
        ]

    def __str__(self) -> str:
        return self.arcname

    @property
    def produced(self) -> bool:
        return bool(self.sha256)


class StoredRanking(models.Model):
    """全委排名 as computed once (``reports.rankings.stored_period_ranks``): what the year-end of a branch
    reads its members' ranks from instead of ranking a whole province again.

    ``fingerprint`` sums up what the ranking was computed from — the branches below, the rule sets in force
    around them, and the period's reviews and approvals — taken before computing it; a ranking whose
    fingerprint no longer matches is never read, only computed again. ``complete`` is False for a period
    not yet approved in every branch (no rows then)."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+", verbose_name=_("组织")
    )
    cycle = models.PositiveSmallIntegerField(_("积分年度"))
    period_kind = models.CharField(_("周期类型"), max_length=10)
    period_index = models.PositiveSmallIntegerField(_("期次"))
    fingerprint = models.CharField(_("计算依据"), max_length=64)
    complete = models.BooleanField(_("各支部均已审定"))
    computed_at = models.DateTimeField(_("计算时间"), default=timezone.now)
    # Someone in the first and someone in the last place: with a branch's own rows they say who is last
    # of the whole ranking (scoring.core.ranking.last_placed) without reading the others.
    first_member = models.ForeignKey("accounts.Member", on_delete=models.CASCADE, null=True, related_name="+")
    last_member = models.ForeignKey("accounts.Member", on_delete=models.CASCADE, null=True, related_name="+")
    # How many 正式党员 and 预备党员 are ranked (the rows with ``reference`` False): the pages' count, known
    # without counting a province's rows on every request.
    member_count = models.PositiveIntegerField(_("排名人数"), default=0)
    # Whether the rules gave anyone ranked a grade (等次): the pages' 等次 column, without a scan of rows.
    graded = models.BooleanField(_("有等次"), default=False)

    class Meta:
        verbose_name = _("全委排名存档")
        verbose_name_plural = _("全委排名存档")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "cycle", "period_kind", "period_index"], name="one_stored_ranking"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.cycle}-{self.period_kind}-{self.period_index}"


class StoredRankingRow(models.Model):
    """One member's place in a stored 全委排名 (``reference``: the 参考排名 of 发展对象 and 入党积极分子)."""

    ranking = models.ForeignKey(StoredRanking, on_delete=models.CASCADE, related_name="rows")
    member = models.ForeignKey("accounts.Member", on_delete=models.CASCADE, related_name="+")
    branch = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveIntegerField(_("名次"))
    total = models.DecimalField(_("积分"), max_digits=10, decimal_places=2)
    reference = models.BooleanField(_("参考排名"), default=False)
    grade = models.CharField(_("等次"), max_length=20, blank=True)
    veto = models.BooleanField(_("一票否决"), default=False)
    # The row's place in its list (the members' or the reference ranking), from 1, in the ranking's order
    # (rank, name, member): a page of the list is a range of it, however deep in a province's 7 M rows.
    position = models.PositiveIntegerField(_("序号"), default=0)
    # For a member ranked from two branches (moved in the period): their branch when it was computed, which
    # decides whose figures describe them (reports.rankings._later); another branch now makes it stale.
    member_branch = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("全委排名存档名次")
        verbose_name_plural = _("全委排名存档名次")
        indexes = [
            models.Index(fields=["ranking", "member"]),
            # A ranking's rows in its order: the rows are written in it (rank, name, member), so within a
            # rank the primary key keeps it — the pages' top, bottom and any page read a few index entries.
            models.Index(fields=["ranking", "reference", "rank", "id"], name="stored_ranking_row_order"),
            models.Index(fields=["ranking", "reference", "position"], name="stored_ranking_row_position"),
            # The few members ranked from two branches, checked on every read (rankings._stale_moves).
            models.Index(
                fields=["ranking"], condition=Q(member_branch__isnull=False), name="stored_ranking_row_moved"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.rank}"
