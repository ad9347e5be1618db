from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.chain import ChainedModel


class AuditRecord(ChainedModel):
    """审计记录: who changed what, when, and why. Append-only, chained by hash per organization."""

    chain_field = "organization_id"
    chain_fields = (
        "at", "actor", "action", "organization", "target_type", "target_id", "summary", "reason", "data",
    )  # fmt: skip

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
        help_text=_("为空表示系统自动操作"),
    )
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("组织"),
    )
    target_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    summary = models.CharField(_("摘要"), max_length=300)
    reason = models.TextField(_("原因"), blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            # The head of an organization's chain, read at every record written.
            models.Index(fields=["organization", "id"], name="audit_chain_head"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.summary}"
