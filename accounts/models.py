"""Organizations, members and role assignments.

The organization tree is a materialized path (django-treebeard ``MP_Node``): "this organization and
everything below it" is one indexed ``path LIKE 'prefix%'`` query, whatever the depth or size.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from accounts.masking import mask_id_number, mask_phone


class Organization(MP_Node):
    """组织: 党委, 党总支 or 党支部, a node of the organization tree."""

    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("党委")
        GENERAL_BRANCH = "general_branch", _("党总支")
        BRANCH = "branch", _("党支部")

    code = models.CharField(_("组织编码"), max_length=32, unique=True)
    name = models.CharField(_("组织名称"), max_length=100)
    kind = models.CharField(_("组织类别"), max_length=20, choices=Kind.choices)
    # 2023 national guidance discourages compulsory point rankings in apps: an organization may hide
    # ranks from its members' own pages and API. Empty = follow the organization above (see
    # ``members_see_rankings_setting``); committees keep seeing rankings whatever is set here.
    members_see_rankings = models.BooleanField(
        _("党员端显示排名"),
        null=True,
        blank=True,
        default=None,
        choices=[(None, _("沿用上级组织设置")), (True, _("显示排名")), (False, _("不显示排名"))],
        help_text=_(
            "本组织及下级组织的党员在“我的积分”和手机端是否看到排名；未设置时沿用上级组织，全部未设置时显示。"
        ),
    )

    node_order_by = ["code"]

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        # Object permissions granted per organization through RoleAssignment (see accounts.roles).
        permissions = [
            ("view_members", _("查看党员")),
            ("view_private_data", _("查看党员个人信息")),
            ("manage_members", _("管理党员名册")),
            ("record_claims", _("登记积分")),
            ("review_claims", _("审核积分")),
            ("decide_appeals", _("处理申诉")),
            ("open_publicity", _("发起公示")),
            ("approve_period", _("审定积分")),
            ("review_filings", _("审核备案")),
            ("manage_rules", _("管理积分细则")),
            ("view_scores", _("查看积分与排名")),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_branch(self) -> bool:
        return self.kind == self.Kind.BRANCH

    def members_see_rankings_setting(self) -> tuple[bool, Organization | None]:
        """党员端显示排名 in force here: the nearest explicit setting on this organization or above it, and
        the organization that set it; ``(True, None)`` when nobody on the way up set one (shown)."""
        step = self.steplen
        paths = [self.path[:n] for n in range(step, len(self.path) + 1, step)]
        nearest = (
            Organization.objects.filter(path__in=paths, members_see_rankings__isnull=False)
            .order_by("-depth")
            .first()
        )
        if nearest is None:
            return True, None
        return bool(nearest.members_see_rankings), nearest


class RankingSwitch(Organization):
    """党员端排名显示: the organizations' ``members_see_rankings`` on an admin page of its own, kept by
    those who hold ``manage_rules`` there (the structure admin is narrower: it needs the parent)."""

    class Meta:
        proxy = True
        verbose_name = _("党员端排名显示")
        verbose_name_plural = _("党员端排名显示")


class Member(models.Model):
    """党员 (or 发展对象 / 入党积极分子): the member profile on a Django user."""

    class Kind(models.TextChoices):
        FULL = "full", _("正式党员")
        PROBATIONARY = "probationary", _("预备党员")
        CANDIDATE = "candidate", _("发展对象")
        ACTIVIST = "activist", _("入党积极分子")

    class Status(models.TextChoices):
        ACTIVE = "active", _("在岗")
        MOBILE = "mobile", _("流动党员")
        EXEMPT = "exempt", _("经批准免于积分")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="member",
        verbose_name=_("用户"),
    )
    real_name = models.CharField(_("姓名"), max_length=50)
    branch = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("所在支部"),
        limit_choices_to={"kind": Organization.Kind.BRANCH},
    )
    kind = models.CharField(_("党员类别"), max_length=20, choices=Kind.choices, default=Kind.FULL)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    joined_party_on = models.DateField(_("入党日期"), null=True, blank=True)
    probation_start = models.DateField(_("预备期开始"), null=True, blank=True)
    probation_end = models.DateField(_("预备期结束"), null=True, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    id_number = models.CharField(_("身份证号"), max_length=18, unique=True)

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        ordering = ["branch__code", "real_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(probation_end__isnull=True)
                | Q(probation_start__isnull=True)
                | Q(probation_end__gte=models.F("probation_start")),
                name="member_probation_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.real_name

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def is_scored(self) -> bool:
        return self.status != self.Status.EXEMPT

    def branch_on(self, day: datetime.date) -> Organization | None:
        """The branch this member belonged to on ``day`` (scores belong to the branch of the period)."""
        spell = (
            self.memberships.filter(start__lte=day)
            .filter(Q(end__isnull=True) | Q(end__gt=day))
            .select_related("branch")
            .first()
        )
        return spell.branch if spell else None


class BranchMembership(models.Model):
    """组织关系: a member's spell in one branch, [start, end). Transfers close one and open the next."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="memberships")
    branch = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="memberships")
    start = models.DateField(_("转入日期"))
    end = models.DateField(_("转出日期"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("组织关系记录")
        verbose_name_plural = _("组织关系记录")
        ordering = ["member", "start"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(end__isnull=True),
                name="one_open_membership_per_member",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=models.F("start")),
                name="membership_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.branch} {self.start}–{self.end or ''}"


class RoleAssignment(models.Model):
    """角色任命: who holds which role in which organization, from when until when, granted by whom.

    An active assignment grants the role's django-guardian object permissions on the organization
    (a handful of rows per person); ``accounts.access`` extends them to everything below it.
    """

    class Role(models.TextChoices):
        SECRETARY = "secretary", _("支部书记")
        COMMITTEE = "committee", _("支委委员")
        CLERK = "clerk", _("组织委员/党务工作者")
        HIGHER = "higher", _("上级党委")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="role_assignments",
        verbose_name=_("用户"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="role_assignments",
        verbose_name=_("组织"),
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    valid_from = models.DateField(_("任职开始"))
    valid_until = models.DateField(_("任职结束"), null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("任命人"),
    )
    granted_at = models.DateTimeField(_("任命时间"), auto_now_add=True)
    reason = models.CharField(_("依据"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("角色任命")
        verbose_name_plural = _("角色任命")
        ordering = ["organization__code", "role", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="role_until_after_from",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} · {self.get_role_display()}"

    def is_active_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)
