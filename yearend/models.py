"""The year's result: 民主评议 (democratic evaluation), 年度总评 (annual review) and 等次评定 (grades).

A branch holds one ``EvaluationSession`` and one ``AnnualReview`` per cycle. Members write a 自评 and
vote (``Ballot``, secret: one per voter and person) or the clerk enters the paper count
(``PaperTally``); the committee proposes each member's 评议等次 or 得分 (``EvaluationProposal``), which
is posted, open to appeal and approved into ``EvaluationResult``. The annual review then combines the
approved points, the carry-over and the evaluation; the committee sets each 等次 (``GradeProposal``), it
is posted, approved (``AnnualResult``, append-only, what every page, form and export reads), approved
by the higher committee and filed (``AnnualDecision``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.append_only import AppendOnlyModel
from workflows.models import BranchProcess

POINTS = {"max_digits": 7, "decimal_places": 2}


class EvaluationSession(models.Model):
    """民主评议: a branch's democratic evaluation of its members for one cycle, from 自评 to 审定."""

    class Status(models.TextChoices):
        VOTING = "voting", _("自评互评中")
        PROPOSING = "proposing", _("支委会评定中")
        PUBLICITY = "publicity", _("公示中")
        APPROVED = "approved", _("已审定")

    class Kind(models.TextChoices):
        LEVELS = "levels", _("评议等次")
        SCORE = "score", _("投票得分")

    class Mode(models.TextChoices):
        ONLINE = "online", _("网上投票")
        PAPER = "paper", _("纸质投票")
        MIXED = "mixed", _("网上与纸质投票")

    branch = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.PROTECT,
        related_name="evaluation_sessions",
        verbose_name=_("支部"),
    )
    cycle = models.PositiveSmallIntegerField(_("积分年度"))
    ruleset_version = models.ForeignKey(
        "scoring.RuleSetVersion", on_delete=models.PROTECT, related_name="+", verbose_name=_("细则版本")
    )
    kind = models.CharField(_("评议方式"), max_length=10, choices=Kind.choices)
    levels = models.JSONField(_("评议等次"), default=list, blank=True, help_text=_("从优到差"))
    max_score = models.DecimalField(_("评议满分"), **POINTS)
    mode = models.CharField(_("投票方式"), max_length=10, choices=Mode.choices, default=Mode.ONLINE)
    meeting_on = models.DateField(_("评议大会日期"))
    voting_opens_at = models.DateTimeField(_("投票开始"))
    voting_closes_at = models.DateTimeField(_("投票截止"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.VOTING)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("发起人")
    )
    created_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    tallied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    tallied_at = models.DateTimeField(_("计票完成时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("审定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("民主评议")
        verbose_name_plural = _("民主评议")
        ordering = ["-cycle", "branch__code"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "cycle"], name="one_evaluation_per_branch_cycle"),
            models.CheckConstraint(
                condition=Q(voting_closes_at__gt=models.F("voting_opens_at")),
                name="evaluation_voting_closes_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.branch} {self.cycle}年度民主评议"

    @property
    def label(self) -> str:
        return f"{self.cycle}年度民主评议"

    def voting_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.status == self.Status.VOTING and self.voting_opens_at <= at < self.voting_closes_at

    @property
    def online(self) -> bool:
        return self.mode in (self.Mode.ONLINE, self.Mode.MIXED)

    @property
    def paper(self) -> bool:
        return self.mode in (self.Mode.PAPER, self.Mode.MIXED)


class Participant(models.Model):
    """参评名单: who is evaluated and who votes, taken from the roster when the session opens.

    预备党员 are evaluated but have no vote (预备党员没有表决权); 经批准免于积分 members vote but are not
    evaluated; 流动党员 take part (and vote on their phones) like everyone, the note says so.
    """

    session = models.ForeignKey(EvaluationSession, on_delete=models.PROTECT, related_name="participants")
    member = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="+")
    evaluated = models.BooleanField(_("参加评议"), default=True)
    votes = models.BooleanField(_("参加投票"), default=True)
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("参评党员")
        verbose_name_plural = _("参评名单")
        ordering = ["session", "member__real_name"]
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="one_participant_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.session} {self.member}"


class SelfAssessment(models.Model):
    """自评: the member's own summary of the year, written before the meeting (on the phone)."""

    session = models.ForeignKey(EvaluationSession, on_delete=models.PROTECT, related_name="self_assessments")
    member = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("自评"))
    level = models.CharField(_("自评等次"), max_length=20, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    class Meta:
        verbose_name = _("自评")
        verbose_name_plural = _("自评")
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="one_self_assessment_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.member} 自评"


class Ballot(AppendOnlyModel):
    """互评票: one member's vote on one other member — secret: members see only their own ballots and
    officers only the tallies. One per voter and person, enforced by the database."""

    session = models.ForeignKey(EvaluationSession, on_delete=models.PROTECT, related_name="ballots")
    voter = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("评议等次"), max_length=20, blank=True)
    score = models.DecimalField(_("评议得分"), null=True, blank=True, **POINTS)
    cast_at = models.DateTimeField(_("投票时间"), default=timezone.now)

    class Meta:
        verbose_name = _("互评票")
        verbose_name_plural = _("互评票")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "voter", "subject"], name="one_ballot_per_voter_subject"
            ),
            models.CheckConstraint(condition=~Q(voter=models.F("subject")), name="ballot_not_for_oneself"),
        ]

    def __str__(self) -> str:
        return f"{self.session} 互评票"


class PaperTally(AppendOnlyModel):
    """纸质票统计: the paper ballots counted at the meeting for one member, entered by the clerk.

    A correction is a new row; the latest counts. ``counts`` maps level → votes (levels kind); ``score``
    is the vote score the meeting arrived at (score kind). ``ballots`` is how many paper ballots named the
    member.
    """

    session = models.ForeignKey(EvaluationSession, on_delete=models.PROTECT, related_name="paper_tallies")
    subject = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="+")
    ballots = models.PositiveSmallIntegerField(_("有效票数"))
    counts = models.JSONField(_("各等次票数"), default=dict, blank=True)
    score = models.DecimalField(_("投票得分"), null=True, blank=True, **POINTS)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("纸质票统计")
        verbose_name_plural = _("纸质票统计")
        ordering = ["session", "subject", "-entered_at", "-id"]

    def __str__(self) -> str:
        return f"{self.session} {self.subject} 纸质票"


class EvaluationProposal(AppendOnlyModel):
    """支委会评议意见: the 评议等次 (or 得分) the committee proposes for a member; the latest counts.

    An upheld appeal adds a new proposal with the committee's reason; nothing is overwritten.
    """

    class Source(models.TextChoices):
        COMMITTEE = "committee", _("支委会评定")
        APPEAL = "appeal", _("申诉更正")

    session = models.ForeignKey(EvaluationSession, on_delete=models.PROTECT, related_name="proposals")
    member = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("评议等次"), max_length=20, blank=True)
    score = models.DecimalField(_("评议得分"), null=True, blank=True, **POINTS)
    value = models.DecimalField(_("评议积分"), **POINTS)
    reason = models.TextField(_("理由"), blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.COMMITTEE)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("评议意见")
        verbose_name_plural = _("评议意见")
        ordering = ["session", "member", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.member} {self.level or self.score}"


class EvaluationResult(AppendOnlyModel):
    """评议结果: a member's approved 评议等次 or 得分 and the points it is worth — what the year reads."""

    session = models.ForeignKey(EvaluationSession, on_delete=models.PROTECT, related_name="results")
    member = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="evaluation_results")
    level = models.CharField(_("评议等次"), max_length=20, blank=True)
    score = models.DecimalField(_("评议得分"), null=True, blank=True, **POINTS)
    value = models.DecimalField(_("评议积分"), **POINTS)
    proposal = models.ForeignKey(EvaluationProposal, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("审定时间"), default=timezone.now)

    class Meta:
        verbose_name = _("评议结果")
        verbose_name_plural = _("评议结果")
        ordering = ["session", "member__real_name"]
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="one_evaluation_result_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.level or self.score}"


class AnnualReview(models.Model):
    """年度总评: a branch's year — points, carry-over and evaluation combined, 等次 set, posted, approved
    by the branch (审定) and by the higher committee (党委审批), then filed (备案)."""

    class Status(models.TextChoices):
        GRADING = "grading", _("支委会评定等次")
        PUBLICITY = "publicity", _("公示中")
        APPROVED = "approved", _("已审定待党委审批")
        RATIFIED = "ratified", _("党委已审批待备案")
        ARCHIVED = "archived", _("已备案")

    branch = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.PROTECT,
        related_name="annual_reviews",
        verbose_name=_("支部"),
    )
    cycle = models.PositiveSmallIntegerField(_("积分年度"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.GRADING)
    returned = models.BooleanField(_("被退回"), default=False, help_text=_("党委审批或备案退回后重新评定"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("发起时间"), default=timezone.now)

    class Meta:
        verbose_name = _("年度总评")
        verbose_name_plural = _("年度总评")
        ordering = ["-cycle", "branch__code"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "cycle"], name="one_annual_review_per_branch_cycle"),
        ]

    def __str__(self) -> str:
        return f"{self.branch} {self.label}"

    @property
    def label(self) -> str:
        return f"{self.cycle}年度总评"


class GradeProposal(AppendOnlyModel):
    """支委会评定等次: the grade the committee sets for a member; the latest counts. A grade other than
    the one the rules suggest carries its reason."""

    class Source(models.TextChoices):
        COMMITTEE = "committee", _("支委会评定")
        APPEAL = "appeal", _("申诉更正")

    review = models.ForeignKey(AnnualReview, on_delete=models.PROTECT, related_name="proposals")
    member = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(_("评定等次"), max_length=20)
    reason = models.TextField(_("理由"), blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.COMMITTEE)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("等次评定意见")
        verbose_name_plural = _("等次评定意见")
        ordering = ["review", "member", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.member} {self.grade}"


class AnnualResult(AppendOnlyModel):
    """年度总评结果: one member's year as approved (审定) — never recomputed, never changed.

    A return by the higher committee leads to a new 审定 round with new rows; the latest round counts.
    """

    review = models.ForeignKey(AnnualReview, on_delete=models.PROTECT, related_name="results")
    round = models.PositiveSmallIntegerField(_("审定轮次"), default=1)
    member = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="annual_results")
    member_type = models.CharField(_("党员类别"), max_length=20)
    graded = models.BooleanField(_("参加等次评定"), default=True)
    items_total = models.DecimalField(_("项目积分"), **POINTS)
    base = models.DecimalField(_("基础分"), **POINTS)
    carry_over = models.DecimalField(_("上年结转"), **POINTS)
    points = models.DecimalField(_("年度积分"), **POINTS)
    evaluation_level = models.CharField(_("民主评议等次"), max_length=20, blank=True)
    evaluation_score = models.DecimalField(_("民主评议得分"), null=True, blank=True, **POINTS)
    evaluation = models.DecimalField(_("民主评议积分"), **POINTS)
    total = models.DecimalField(_("总评得分"), **POINTS)
    veto = models.BooleanField(_("一票否决"), default=False)
    computed_grade = models.CharField(_("按分数线等次"), max_length=20, blank=True)
    suggested_grade = models.CharField(_("建议等次"), max_length=20, blank=True)
    grade = models.CharField(_("评定等次"), max_length=20, blank=True)
    grade_reason = models.TextField(_("评定理由"), blank=True)
    rank = models.PositiveIntegerField(_("排名"), null=True, blank=True)
    reference_rank = models.PositiveIntegerField(_("参考排名"), null=True, blank=True)
    flags = models.JSONField(_("需关注"), default=list, blank=True)
    probation_outcome = models.CharField(_("转正建议"), max_length=20, blank=True)
    honours_eligible = models.BooleanField(_("可评先评优"), default=False)
    follow_up = models.BooleanField(
        _("需整改"),
        default=False,
        help_text=_("评定为基本合格、不合格，一票否决，或按排名规则为不合格等次候选"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("评定人"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("审定人")
    )
    approved_at = models.DateTimeField(_("审定时间"), default=timezone.now)

    class Meta:
        verbose_name = _("年度总评结果")
        verbose_name_plural = _("年度总评结果")
        ordering = ["review", "-round", "rank", "member__real_name"]
        constraints = [
            models.UniqueConstraint(fields=["review", "round", "member"], name="one_annual_result_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.review.cycle} {self.grade}"


class AnnualDecision(AppendOnlyModel):
    """党委审批 and 备案: the higher committee's decisions on a branch's year, in order."""

    class Kind(models.TextChoices):
        RATIFY = "ratify", _("党委审批同意")
        RETURN = "return", _("退回重新评定")
        ARCHIVE = "archive", _("备案")

    review = models.ForeignKey(AnnualReview, on_delete=models.PROTECT, related_name="decisions")
    round = models.PositiveSmallIntegerField(_("审定轮次"))
    kind = models.CharField(_("决定"), max_length=10, choices=Kind.choices)
    reason = models.TextField(_("意见"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("党委审批与备案")
        verbose_name_plural = _("党委审批与备案")
        ordering = ["review", "decided_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "round", "kind"], name="one_annual_decision_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.review} {self.get_kind_display()}"


class CarryOverFigure(AppendOnlyModel):
    """上年考核分: last year's total of a member from before the system (the first year's carry-over),
    entered or imported by the clerk. An approved annual result of that year takes precedence."""

    member = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="carry_over_figures")
    cycle = models.PositiveSmallIntegerField(_("考核年度"))
    total = models.DecimalField(_("考核分"), **POINTS)
    note = models.CharField(_("来源说明"), max_length=200, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("上年考核分")
        verbose_name_plural = _("上年考核分")
        ordering = ["-cycle", "member__real_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "cycle"], name="one_carry_over_figure_per_member_cycle"
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="carry_over_figure_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.cycle} {self.total}"


class FollowUp(models.Model):
    """后进党员整改 (分类定级积分晋位管理卡): for a member graded 不合格 or flagged — the findings, the
    measures (谈话, 限期改正), the deadline, who follows it and the result."""

    class Kind(models.TextChoices):
        TALK = "talk", _("谈话教育")
        RECTIFY = "rectify", _("限期改正")
        HANDLE = "handle", _("组织处置")

    class Status(models.TextChoices):
        OPEN = "open", _("整改中")
        DONE = "done", _("已整改")
        NOT_DONE = "not_done", _("未按期整改")

    result = models.ForeignKey(AnnualResult, on_delete=models.PROTECT, related_name="follow_ups")
    kind = models.CharField(_("方式"), max_length=10, choices=Kind.choices)
    findings = models.TextField(_("存在问题"))
    measures = models.TextField(_("整改措施"), blank=True)
    deadline = models.DateField(_("整改时限"), null=True, blank=True)
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("联系人"),
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.TextField(_("整改结果"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("建档时间"), default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("结果记录时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("整改跟踪")
        verbose_name_plural = _("整改跟踪")
        ordering = ["status", "deadline", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="rectify") | Q(deadline__isnull=False),
                name="follow_up_rectify_has_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.result.member} {self.get_kind_display()}"


class EvaluationProcess(BranchProcess):
    class Meta:
        proxy = True
        verbose_name = _("民主评议流程")
        verbose_name_plural = _("民主评议流程")


class AnnualReviewProcess(BranchProcess):
    class Meta:
        proxy = True
        verbose_name = _("年度总评流程")
        verbose_name_plural = _("年度总评流程")
