"""The approval workflow's records: 申报 → 登记 → 审核 → 公示 → 申诉 → 审定 → 备案.

Every process is a ``BranchProcess``: a viewflow ``Process`` that knows its branch, so the task and
process lists are scoped per organization with one indexed join, and each process points at the
record it carries (``Claim``, ``PeriodReview``, ``Appeal``); viewflow's task rows keep who did what, when.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from audit.append_only import AppendOnlyModel
from workflows.messages import PUBLICITY_DAYS_TOO_FEW

POINTS = {"max_digits": 7, "decimal_places": 2}


class BranchProcess(Process):
    """A workflow process of one organization, and the record it carries (a claim, a period, an appeal).

    The start step fills these in before viewflow first saves the process row.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="processes", verbose_name=_("组织")
    )
    claim = models.OneToOneField(
        "Claim",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="process",
        verbose_name=_("申报"),
    )
    period_review = models.OneToOneField(
        "PeriodReview",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="process",
        verbose_name=_("期间审定"),
    )
    appeal = models.OneToOneField(
        "Appeal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="process",
        verbose_name=_("申诉"),
    )
    evaluation = models.OneToOneField(
        "yearend.EvaluationSession",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="process",
        verbose_name=_("民主评议"),
    )
    annual_review = models.OneToOneField(
        "yearend.AnnualReview",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="process",
        verbose_name=_("年度总评"),
    )
    rule_proposal = models.OneToOneField(
        "scoring.RuleProposal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="process",
        verbose_name=_("自主设定项目申请"),
    )
    correction = models.OneToOneField(
        "LedgerCorrection",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="process",
        verbose_name=_("台账更正"),
    )
    reopening = models.OneToOneField(
        "PeriodReopening",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="process",
        verbose_name=_("退回重新审定"),
    )

    class Meta:
        verbose_name = _("流程")
        verbose_name_plural = _("流程")

    # viewflow saves the whole process each time a step moves it on (its status, when it finished). The
    # organization and the record it carries do not change then: their row is written only when they do.
    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        if not instance.get_deferred_fields():
            instance._branch_loaded = instance._branch_values()
        return instance

    def _branch_values(self) -> tuple:
        return tuple(getattr(self, field.attname) for field in BranchProcess._meta.local_concrete_fields)

    def save(self, *args, **kwargs):
        loaded = getattr(self, "_branch_loaded", None)
        whole = not args and kwargs.get("update_fields") is None and not self._state.adding
        if whole and loaded is not None and loaded == self._branch_values():
            kwargs["update_fields"] = PROCESS_COLUMNS
        super().save(*args, **kwargs)
        if not self.get_deferred_fields():
            self._branch_loaded = self._branch_values()


# What viewflow's own process row holds (the columns a step that moves the process on writes).
PROCESS_COLUMNS = [field.name for field in Process._meta.concrete_fields if not field.primary_key]


class ClaimProcess(BranchProcess):
    class Meta:
        proxy = True
        verbose_name = _("积分申报流程")
        verbose_name_plural = _("积分申报流程")


class PeriodReviewProcess(BranchProcess):
    class Meta:
        proxy = True
        verbose_name = _("公示审定流程")
        verbose_name_plural = _("公示审定流程")


class RuleProposalProcess(BranchProcess):
    class Meta:
        proxy = True
        verbose_name = _("自主设定项目审批流程")
        verbose_name_plural = _("自主设定项目审批流程")


class AppealProcess(BranchProcess):
    class Meta:
        proxy = True
        verbose_name = _("申诉流程")
        verbose_name_plural = _("申诉流程")


class CorrectionProcess(BranchProcess):
    class Meta:
        proxy = True
        verbose_name = _("台账更正流程")
        verbose_name_plural = _("台账更正流程")


class PeriodReopenProcess(BranchProcess):
    class Meta:
        proxy = True
        verbose_name = _("退回重新审定流程")
        verbose_name_plural = _("退回重新审定流程")


class Claim(models.Model):
    """积分申报: one occurrence of a rule item for one member, from claim (or branch record) to decision."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待登记")
        RETURNED = "returned", _("退回补充")
        RECORDED = "recorded", _("待审核")
        APPROVED = "approved", _("审核通过")
        REJECTED = "rejected", _("未通过")

    class Source(models.TextChoices):
        MEMBER = "member", _("党员申报")
        BRANCH = "branch", _("支部登记")

    OPEN = (Status.SUBMITTED, Status.RETURNED, Status.RECORDED)

    member = models.ForeignKey(
        "accounts.Member", on_delete=models.PROTECT, related_name="claims", verbose_name=_("党员")
    )
    branch = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="claims", verbose_name=_("支部")
    )
    ruleset_version = models.ForeignKey(
        "scoring.RuleSetVersion", on_delete=models.PROTECT, related_name="+", verbose_name=_("细则版本")
    )
    item_code = models.CharField(_("积分项目"), max_length=64)
    occurred_on = models.DateField(_("发生日期"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    description = models.TextField(_("事项说明"), blank=True)
    points_requested = models.DecimalField(_("申报分值"), null=True, blank=True, **POINTS)
    points_approved = models.DecimalField(_("核定分值"), null=True, blank=True, **POINTS)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.MEMBER)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    cap_acknowledged = models.BooleanField(
        _("已知悉不再加分"), default=False, help_text=_("该项目已达上限，党员确认知悉本次申报不再加分")
    )
    decision_reason = models.TextField(_("审核意见"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    # 支委会研究: the meeting in which the committee decided the claim; empty for one reviewer's decision
    # where the branch's rules allow it (``ReviewSettings.single_reviewer``).
    meeting = models.ForeignKey(
        "CommitteeMeeting",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name=_("支委会会议"),
    )
    ledger_entry = models.OneToOneField(
        "scoring.LedgerEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claim",
        verbose_name=_("台账记录"),
    )
    sheet = models.ForeignKey(
        "AttendanceSheet",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name=_("签到表"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("填报人")
    )
    created_at = models.DateTimeField(_("申报时间"), default=timezone.now)

    class Meta:
        verbose_name = _("积分申报")
        verbose_name_plural = _("积分申报")
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(fields=["branch", "status"]),
            models.Index(fields=["member", "occurred_on"]),
        ]
        constraints = [
            # 同一事项不得重复申报: one live claim per member, item and day.
            models.UniqueConstraint(
                fields=["member", "item_code", "occurred_on"],
                condition=~Q(status="rejected"),
                name="claim_no_duplicate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.occurred_on} {self.item_name}"

    @property
    def item_name(self) -> str:
        """积分项目名称 under the claim's rule-set version (the code when the version lacks it)."""
        from scoring.selectors import effective_ruleset

        item = effective_ruleset(self.ruleset_version).item(self.item_code)
        return item.name if item else self.item_code


class Evidence(models.Model):
    """证明材料: a photo, a scan or a PDF backing a claim or an appeal; its SHA-256 finds reuse."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, null=True, blank=True, related_name="evidence")
    appeal = models.ForeignKey(
        "Appeal", on_delete=models.PROTECT, null=True, blank=True, related_name="evidence"
    )
    file = models.FileField(_("文件"), upload_to="evidence/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("证明材料")
        verbose_name_plural = _("证明材料")
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(claim__isnull=False) | Q(appeal__isnull=False), name="evidence_has_owner"
            )
        ]

    def __str__(self) -> str:
        return self.original_name


class AttendanceSheet(models.Model):
    """活动签到表: a meeting recorded by the clerk — attendees, absentees without leave, those on leave."""

    branch = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("支部")
    )
    title = models.CharField(_("活动名称"), max_length=100)
    occurred_on = models.DateField(_("活动日期"))
    item_present = models.CharField(_("出席积分项目"), max_length=64)
    item_absent = models.CharField(_("无故缺席扣分项目"), max_length=64, blank=True)
    item_leave = models.CharField(_("请假扣分项目"), max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("活动签到表")
        verbose_name_plural = _("活动签到表")
        ordering = ["-occurred_on", "-id"]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.title}"


class ReviewSettings(models.Model):
    """审定周期设置: the rhythm of a branch's year — monthly 统计, the 公示/审定/备案 period, the
    organization-wide ranking, the 年度总评 — inherited down the tree (the nearest setting above counts)."""

    class PeriodKind(models.TextChoices):
        MONTH = "month", _("月度")
        QUARTER = "quarter", _("季度")
        HALF = "half", _("半年")

    class TallyKind(models.TextChoices):
        MONTH = "month", _("月度")
        QUARTER = "quarter", _("季度")

    class RankingKind(models.TextChoices):
        QUARTER = "quarter", _("季度")
        HALF = "half", _("半年")
        CYCLE = "cycle", _("年度")

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("组织")
    )
    tally_kind = models.CharField(
        _("统计周期"),
        max_length=10,
        choices=TallyKind.choices,
        default=TallyKind.MONTH,
        help_text=_("党员申报提醒和台账小计的周期（月统计）"),
    )
    period_kind = models.CharField(
        _("审定周期"),
        max_length=10,
        choices=PeriodKind.choices,
        default=PeriodKind.QUARTER,
        help_text=_("公示、审定、备案的周期"),
    )
    ranking_kind = models.CharField(
        _("全委排名周期"),
        max_length=10,
        choices=RankingKind.choices,
        default=RankingKind.HALF,
        help_text=_("上级党委汇总全委排名、通报公示的周期；排名规则（如预备党员全委排名最后）按此周期计"),
    )
    annual_review = models.BooleanField(
        _("年度总评"),
        default=True,
        help_text=_("全年各期审定、民主评议审定后，进行年度总评和等次评定，报党委审批、备案"),
    )
    # A 0-day window closes as it opens: nobody could appeal, yet the period would count as publicised.
    publicity_days = models.PositiveSmallIntegerField(
        _("公示天数"), default=5, validators=[MinValueValidator(1, message=PUBLICITY_DAYS_TOO_FEW)]
    )
    escalation_days = models.PositiveSmallIntegerField(
        _("待办超期提醒天数"), default=7, help_text=_("审核待办超过该天数未处理，提醒支部书记")
    )
    auto_start = models.BooleanField(_("期末自动发起公示"), default=True)
    # 支委会会议须有超过半数的委员到会方能召开: the share is data, a branch's rules may ask more.
    committee_quorum_percent = models.PositiveSmallIntegerField(
        _("支委会会议出席比例（%）"),
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_("出席委员须超过支委会应到人数的该百分比，会议方可审核（默认 50，即超过半数）"),
    )
    single_reviewer = models.BooleanField(
        _("允许单人审核"),
        default=True,
        help_text=_("不勾选时，支委会审核须在支委会会议上集体研究决定，不能由一名委员单独审核"),
    )

    class Meta:
        verbose_name = _("审定周期设置")
        verbose_name_plural = _("审定周期设置")
        constraints = [
            models.CheckConstraint(
                condition=Q(publicity_days__gte=1),
                name="publicity_lasts_a_day_at_least",
                violation_error_message=PUBLICITY_DAYS_TOO_FEW,
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.get_period_kind_display()}"


class PeriodReview(models.Model):
    """期间审定: one branch, one period — publicity, appeals, final approval and filing."""

    class Status(models.TextChoices):
        PUBLICITY = "publicity", _("公示中")
        APPROVED = "approved", _("已审定待备案")
        RETURNED = "returned", _("退回重新审定")  # by the higher committee, or reopened by the branch
        ARCHIVED = "archived", _("已备案")

    branch = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.PROTECT,
        related_name="period_reviews",
        verbose_name=_("支部"),
    )
    cycle = models.PositiveSmallIntegerField(_("积分年度"))
    period_kind = models.CharField(_("周期类型"), max_length=10, choices=ReviewSettings.PeriodKind.choices)
    period_index = models.PositiveSmallIntegerField(_("期次"))
    starts_on = models.DateField(_("起始日期"))
    ends_on = models.DateField(_("截止日期"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PUBLICITY)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("期间审定")
        verbose_name_plural = _("期间审定")
        ordering = ["-ends_on", "branch__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "cycle", "period_kind", "period_index"], name="one_review_per_branch_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.branch} {self.label}"

    @property
    def label(self) -> str:
        from scoring.core.periods import Period, PeriodKind

        return Period(self.cycle, PeriodKind(self.period_kind), self.period_index).label()


class PublicityWindow(models.Model):
    """公示: a list posted to the branch — a period's entries, the 民主评议's proposed results or the year's
    proposed 等次 — during which its members may appeal. Exactly one of the three owners is set."""

    branch = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("支部")
    )
    review = models.OneToOneField(
        PeriodReview, on_delete=models.PROTECT, null=True, blank=True, related_name="window"
    )
    evaluation = models.OneToOneField(
        "yearend.EvaluationSession",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="window",
        verbose_name=_("民主评议"),
    )
    annual_review = models.OneToOneField(
        "yearend.AnnualReview",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="window",
        verbose_name=_("年度总评"),
    )
    opens_at = models.DateTimeField(_("公示开始"))
    closes_at = models.DateTimeField(_("公示截止"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        # 公示中: the few windows not yet closed among a province's millions (工作台, the dashboards).
        indexes = [models.Index(fields=["closes_at"], name="publicity_window_closes")]
        constraints = [
            models.CheckConstraint(
                condition=Q(review__isnull=False, evaluation__isnull=True, annual_review__isnull=True)
                | Q(review__isnull=True, evaluation__isnull=False, annual_review__isnull=True)
                | Q(review__isnull=True, evaluation__isnull=True, annual_review__isnull=False),
                name="publicity_window_has_one_owner",
            )
        ]

    def __str__(self) -> str:
        return f"{self.owner} 公示 {self.opens_at:%Y-%m-%d}—{self.closes_at:%Y-%m-%d}"

    @property
    def owner(self):
        """What is posted: the PeriodReview, the EvaluationSession or the AnnualReview."""
        return self.review or self.evaluation or self.annual_review

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.opens_at <= at < self.closes_at


class Appeal(models.Model):
    """申诉: a member of the branch disputes what is posted, own or another's — a ledger entry of a period's
    公示, or a member's proposed 评议等次 or 年度等次 (``subject``) of the year-end's. Exactly one is set."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        UPHELD = "upheld", _("申诉成立")
        DISMISSED = "dismissed", _("申诉不成立")

    window = models.ForeignKey(PublicityWindow, on_delete=models.PROTECT, related_name="appeals")
    appellant = models.ForeignKey(
        "accounts.Member", on_delete=models.PROTECT, related_name="appeals", verbose_name=_("申诉人")
    )
    entry = models.ForeignKey(
        "scoring.LedgerEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=_("被申诉记录"),
    )
    subject = models.ForeignKey(
        "accounts.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("被申诉的评议或等次所属党员"),
    )
    corrected_result = models.CharField(_("更正后的等次或得分"), max_length=20, blank=True)
    reason = models.TextField(_("申诉理由"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    decision_reason = models.TextField(_("处理意见"), blank=True)
    corrected_points = models.DecimalField(_("更正后分值"), null=True, blank=True, **POINTS)
    correction = models.ForeignKey(
        "scoring.LedgerEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("更正记录"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("申诉时间"), default=timezone.now)

    class Meta:
        verbose_name = _("申诉")
        verbose_name_plural = _("申诉")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(entry__isnull=False, subject__isnull=True)
                | Q(entry__isnull=True, subject__isnull=False),
                name="appeal_has_one_target",
            ),
            # The same appeal filed twice (a double submit) would stall 审定: one open appeal per entry —
            # or per posted year-end result — and appellant.
            models.UniqueConstraint(
                fields=["entry", "appellant"],
                condition=Q(status="open", entry__isnull=False),
                name="one_open_appeal_per_entry_and_appellant",
            ),
            models.UniqueConstraint(
                fields=["window", "subject", "appellant"],
                condition=Q(status="open", subject__isnull=False),
                name="one_open_appeal_per_result_and_appellant",
            ),
        ]

    def __str__(self) -> str:
        if self.entry_id is None:
            return f"{self.appellant} 对 {self.subject} 的{self.window.owner.label}结果的申诉"
        return f"{self.appellant} 对 {self.entry} 的申诉"


class PeriodApproval(AppendOnlyModel):
    """审定: the committee's final approval of a period; its frozen scores count from here on."""

    review = models.ForeignKey(PeriodReview, on_delete=models.PROTECT, related_name="approvals")
    round = models.PositiveSmallIntegerField(_("审定轮次"), default=1)
    ruleset_version = models.ForeignKey("scoring.RuleSetVersion", on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("审定时间"), default=timezone.now)
    note = models.TextField(_("审定意见"), blank=True)

    class Meta:
        verbose_name = _("审定记录")
        verbose_name_plural = _("审定记录")
        ordering = ["review", "round"]
        constraints = [
            # Applying a period's approval twice writes nothing the second time.
            models.UniqueConstraint(fields=["review", "round"], name="one_approval_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.review} 第{self.round}次审定"


class FrozenScore(AppendOnlyModel):
    """审定积分: one member's approved score for the period — what counts, never recomputed."""

    approval = models.ForeignKey(PeriodApproval, on_delete=models.PROTECT, related_name="scores")
    member = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="frozen_scores")
    period_total = models.DecimalField(_("本期积分"), **POINTS)
    period_rank = models.PositiveSmallIntegerField(_("本期排名"), null=True, blank=True)
    cycle_total = models.DecimalField(_("年度累计积分"), **POINTS)
    cycle_rank = models.PositiveSmallIntegerField(_("年度累计排名"), null=True, blank=True)
    grade = models.CharField(_("等次"), max_length=20, blank=True)
    breakdown = models.JSONField(_("分项明细"), default=dict)

    class Meta:
        verbose_name = _("审定积分")
        verbose_name_plural = _("审定积分")
        ordering = ["approval", "period_rank", "member"]
        constraints = [
            models.UniqueConstraint(fields=["approval", "member"], name="one_frozen_score_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.period_total}"


class Filing(models.Model):
    """备案: the approved period sent to the higher committee, which archives it or sends it back."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待备案")
        ARCHIVED = "archived", _("已备案")
        RETURNED = "returned", _("已退回")
        WITHDRAWN = "withdrawn", _("支部撤回重新审定")

    approval = models.OneToOneField(PeriodApproval, on_delete=models.PROTECT, related_name="filing")
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("退回原因"), blank=True)

    class Meta:
        verbose_name = _("备案")
        verbose_name_plural = _("备案")

    def __str__(self) -> str:
        return f"{self.approval.review} 备案"


class FilingPackage(models.Model):
    """备案材料生成: the state of generating a filing's documents — visible, retried, never silent."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待生成")
        DONE = "done", _("已生成")
        FAILED = "failed", _("生成失败")

    filing = models.OneToOneField(Filing, on_delete=models.PROTECT, related_name="package")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    error = models.TextField(_("最近一次错误"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("备案材料生成")
        verbose_name_plural = _("备案材料生成")

    def __str__(self) -> str:
        return f"{self.filing} {self.get_status_display()}"


class FilingDocument(AppendOnlyModel):
    """备案材料: a generated file of a filing (the 备案表 as PDF or Excel), with its SHA-256 so that any later
    change to the stored file is detectable. One per filing and kind; a re-approval makes a new filing,
    hence new documents, and the old ones stay."""

    class Kind(models.TextChoices):
        PDF = "pdf", _("备案表（PDF）")
        XLSX = "xlsx", _("备案表（Excel）")

    filing = models.ForeignKey(Filing, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("文件"), upload_to="filings/%Y/%m/", max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("大小（字节）"))
    generated_at = models.DateTimeField(_("生成时间"), default=timezone.now)

    class Meta:
        verbose_name = _("备案材料")
        verbose_name_plural = _("备案材料")
        ordering = ["filing", "kind"]
        constraints = [
            # A retried generation task finds the document and writes nothing.
            models.UniqueConstraint(fields=["filing", "kind"], name="one_filing_document_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.filing} {self.get_kind_display()}"

    @property
    def approval_round(self) -> int:
        """The 审定 round the document was generated from (its filing's approval)."""
        return self.filing.approval.round


class LedgerCorrection(models.Model):
    """更正: a request to cancel a ledger entry (a wrong record), with its reason, decided by the 支委会 — a
    reversal is a decision, never one person's act. Approved, it adds the reversing entry (``reversal``);
    rejected, nothing changes. Never about the requester's or the decider's own points, never into a
    period already 审定 or 备案 (that period is reopened first: ``PeriodReopening``)."""

    class Status(models.TextChoices):
        OPEN = "open", _("待支委会决定")
        APPROVED = "approved", _("同意更正")
        REJECTED = "rejected", _("不予更正")

    entry = models.ForeignKey(
        "scoring.LedgerEntry",
        on_delete=models.PROTECT,
        related_name="corrections",
        verbose_name=_("更正的记录"),
    )
    branch = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("支部")
    )
    reason = models.TextField(_("更正理由"))
    evidence_note = models.TextField(
        _("依据"), blank=True, help_text=_("核实情况、依据的材料（如会议记录、签到表）")
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("提出人")
    )
    created_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    decision_reason = models.TextField(_("支委会意见"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    reversal = models.OneToOneField(
        "scoring.LedgerEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="correction",
        verbose_name=_("冲正记录"),
    )

    class Meta:
        verbose_name = _("台账更正")
        verbose_name_plural = _("台账更正")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A second request for the same entry (a double submit) would be decided twice.
            models.UniqueConstraint(
                fields=["entry"], condition=Q(status="open"), name="one_open_correction_per_entry"
            )
        ]

    def __str__(self) -> str:
        return f"更正 {self.entry}"


class PeriodReopening(models.Model):
    """退回重新审定: the branch takes an approved period back to correct it, with the reason. A period
    already 备案 needs the higher committee's consent; one still 待备案 is withdrawn from its filing. The
    earlier round (its frozen scores and filed documents) stays; the new 审定 is a new round."""

    class Status(models.TextChoices):
        AWAITING = "awaiting", _("待上级党委同意")
        REOPENED = "reopened", _("已退回重新审定")
        REFUSED = "refused", _("上级党委不同意")

    review = models.ForeignKey(
        PeriodReview, on_delete=models.PROTECT, related_name="reopenings", verbose_name=_("期间审定")
    )
    round = models.PositiveSmallIntegerField(_("退回的审定轮次"))
    reason = models.TextField(_("退回原因"))
    was_filed = models.BooleanField(_("已备案"), help_text=_("退回已备案的期间须经上级党委同意"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("提出人")
    )
    created_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("上级党委决定时间"), null=True, blank=True)
    decision_reason = models.TextField(_("上级党委意见"), blank=True)

    class Meta:
        verbose_name = _("退回重新审定")
        verbose_name_plural = _("退回重新审定")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["review"], condition=Q(status="awaiting"), name="one_awaiting_reopening_per_review"
            )
        ]

    def __str__(self) -> str:
        return f"{self.review} 退回重新审定（第{self.round}次审定）"


class Notification(models.Model):
    """站内通知: kept in the database first, e-mailed by Celery after commit (an outbox)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=40)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    # A sender's lease on the e-mail: no second sender while it runs (workflows.notifications).
    email_claimed_at = models.DateTimeField(_("邮件发送开始时间"), null=True, blank=True)
    dedupe_key = models.CharField(max_length=150, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


# 支委会会议 lives in its own module (one purpose per file); imported here so Django registers it.
from workflows.models_meetings import CommitteeMeeting  # noqa: E402, F401
