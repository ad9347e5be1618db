"""Rule sets (积分细则) as versioned data, and the append-only ledger (积分台账).

A ``RuleSet`` belongs to one organization and one cycle year. Its rules live in
``RuleSetVersion`` rows, which are append-only: changing the rules adds a version, so a ledger entry
(which names the exact version it was recorded under) is never reinterpreted by a later edit.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.append_only import AppendOnlyModel
from audit.chain import ChainedModel


class OrderedJSONField(models.JSONField):
    """JSON kept as written, the order of keys included.

    PostgreSQL's ``jsonb`` sorts the keys of every object, and in a rule set that order means something
    (the 民主评议 levels are listed best first, and an export must read like the file). So on PostgreSQL
    the column is ``json``, which keeps the text; the value is sent as text and psycopg parses it back.
    Elsewhere (SQLite) JSON is stored as text anyway.
    """

    def db_type(self, connection) -> str | None:
        return "json" if connection.vendor == "postgresql" else super().db_type(connection)

    def get_db_prep_value(self, value: Any, connection, prepared: bool = False) -> Any:
        if connection.vendor == "postgresql" and value is not None:
            return json.dumps(value, cls=self.encoder, ensure_ascii=False)
        return super().get_db_prep_value(value, connection, prepared)

    def from_db_value(self, value: Any, expression, connection) -> Any:
        if value is not None and not isinstance(value, str):
            return value  # psycopg has already parsed a json column
        return super().from_db_value(value, expression, connection)


class RuleSet(models.Model):
    """积分细则: one organization's rules for one cycle; the rules themselves are in its versions."""

    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.PROTECT,
        related_name="rulesets",
        verbose_name=_("制定组织"),
    )
    cycle = models.PositiveSmallIntegerField(_("积分年度"), help_text=_("积分周期所在（结束）的年份"))
    code = models.CharField(_("细则编码"), max_length=64)
    name = models.CharField(_("细则名称"), max_length=200)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("继承的上级细则"),
        help_text=_("由细则文件中的 extends 字段确定"),
    )
    in_force = models.BooleanField(
        _("现行"), default=False, help_text=_("同一组织同一年度只能有一套现行细则")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("积分细则")
        verbose_name_plural = _("积分细则")
        ordering = ["organization__path", "-cycle", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "cycle", "code"], name="ruleset_unique_code_per_org_cycle"
            ),
            models.UniqueConstraint(
                fields=["organization", "cycle"],
                condition=Q(in_force=True),
                name="ruleset_one_in_force_per_org_cycle",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.cycle}）"

    @property
    def current_version(self) -> RuleSetVersion | None:
        return self.versions.order_by("-number").first()


class RuleSetVersion(AppendOnlyModel):
    """细则版本: the YAML text as edited and its parsed definition. Never changed once written."""

    ruleset = models.ForeignKey(
        RuleSet, on_delete=models.PROTECT, related_name="versions", verbose_name=_("积分细则")
    )
    number = models.PositiveIntegerField(_("版本号"))
    source = models.TextField(_("细则文件（YAML）"))
    definition = OrderedJSONField(
        _("解析后的定义"),
        encoder=DjangoJSONEncoder,
        help_text=_("本级细则的规范化定义；继承细则只含本级增补和细化的部分"),
    )
    parent_version = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所依据的上级细则版本"),
    )
    note = models.CharField(_("修改说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("修改人"),
    )
    created_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    class Meta:
        verbose_name = _("细则版本")
        verbose_name_plural = _("细则版本")
        ordering = ["ruleset", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["ruleset", "number"], name="rulesetversion_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.ruleset} 第{self.number}版"


class LedgerEntry(ChainedModel):
    """台账记录: one scored event of one member. Corrections are new reversing entries.

    Chained by hash per branch (``audit.chain``): a changed or removed entry is found by ``verify_ledger``.
    """

    chain_field = "branch_id"
    chain_fields = (
        "member", "branch", "ruleset_version", "item_code", "occurred_on", "points", "source", "reverses",
        "reason", "created_by", "created_at", "idempotency_key",
    )  # fmt: skip

    class Source(models.TextChoices):
        CLAIM = "claim", _("申报")
        RECORD = "record", _("登记")
        APPEAL = "appeal", _("申诉更正")
        IMPORT = "import", _("导入")
        REVERSAL = "reversal", _("冲正")

    member = models.ForeignKey(
        "accounts.Member", on_delete=models.PROTECT, related_name="ledger_entries", verbose_name=_("党员")
    )
    branch = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        verbose_name=_("所在支部"),
        help_text=_("事项发生之日党员所在的支部"),
    )
    ruleset_version = models.ForeignKey(
        RuleSetVersion, on_delete=models.PROTECT, related_name="ledger_entries", verbose_name=_("细则版本")
    )
    item_code = models.CharField(_("积分项目"), max_length=64)
    occurred_on = models.DateField(_("发生日期"))
    points = models.DecimalField(_("分值"), max_digits=7, decimal_places=2)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("冲正的记录"),
    )
    reason = models.TextField(_("事由"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("记录人"),
        help_text=_("为空表示系统自动记录"),
    )
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now, db_index=True)
    idempotency_key = models.CharField(_("幂等键"), max_length=100, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("台账记录")
        verbose_name_plural = _("积分台账")
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(fields=["branch", "occurred_on"]),
            models.Index(fields=["member", "occurred_on"]),
            # The head of a branch's chain, read at every entry written.
            models.Index(fields=["branch", "id"], name="ledger_chain_head"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(source="reversal", reverses__isnull=False)
                | (~Q(source="reversal") & Q(reverses__isnull=True)),
                name="ledgerentry_reversal_names_its_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.member} {self.item_name} {self.points:+}"

    @property
    def item_name(self) -> str:
        """积分项目名称 under the entry's own rule-set version (the code when the version lacks it)."""
        from scoring.selectors import effective_ruleset

        item = effective_ruleset(self.ruleset_version).item(self.item_code)
        return item.name if item else self.item_code


class RuleProposal(models.Model):
    """自主设定项目申请: a branch committee's local version of the rules (its own items, lower caps, never
    looser), approved by the higher committee, in force from a date (004; 002: 每季度由支部委员会议审定)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待上级审批")
        RETURNED = "returned", _("退回修改")
        APPROVED = "approved", _("已批准待生效")
        IN_FORCE = "in_force", _("已生效")
        WITHDRAWN = "withdrawn", _("已撤回")

    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.PROTECT,
        related_name="rule_proposals",
        verbose_name=_("支部"),
    )
    cycle = models.PositiveSmallIntegerField(_("积分年度"))
    source = models.TextField(
        _("本支部细则（YAML）"), help_text=_("extends 上级细则，只写本支部增加或细化的项目")
    )
    effective_from = models.DateField(_("生效日期"))
    note = models.TextField(_("说明"), blank=True, help_text=_("支委会研究情况、增加项目的理由"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("提出人")
    )
    created_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_reason = models.TextField(_("审批意见"), blank=True)
    version = models.OneToOneField(
        RuleSetVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposal",
        verbose_name=_("生效的细则版本"),
    )

    class Meta:
        verbose_name = _("自主设定项目申请")
        verbose_name_plural = _("自主设定项目申请")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.organization} {self.cycle}年度细则申请（{self.effective_from} 起）"

    @property
    def label(self) -> str:
        return f"{self.cycle}年度自主设定项目"
