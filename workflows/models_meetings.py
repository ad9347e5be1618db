"""支委会会议: the branch committee meeting in which 支委会审核 is decided (支委会研究).

The seeds review claims "召开支委会…审核把关" (001), "每季度报支委会议审核" (002): a decision of the
committee in session, not one person's click. A meeting records when and where it was held, who of the
committee's roster on that day (``roster``, 应到) attended (``attendees``, 实到), who chaired and who took
the minutes, the quorum rule in force (``quorum_percent``: more than that share of the roster present),
the minutes (纪要); each claim decided in it names it (``Claim.meeting``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CommitteeMeeting(models.Model):
    """支委会会议: one sitting of a branch committee, its attendance, quorum and minutes."""

    branch = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.PROTECT,
        related_name="committee_meetings",
        verbose_name=_("支部"),
    )
    held_on = models.DateField(_("会议日期"))
    place = models.CharField(_("会议地点"), max_length=100)
    roster = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("应到委员"), blank=True
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="committee_meetings_attended", verbose_name=_("出席委员")
    )
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("主持人")
    )
    recorder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    # The rule as it stood when the meeting was held: a later change of the branch's settings does not
    # rewrite whether this meeting was quorate.
    quorum_percent = models.PositiveSmallIntegerField(_("出席人数须超过应到人数的百分比"))
    minutes = models.TextField(_("会议纪要"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("支委会会议")
        verbose_name_plural = _("支委会会议")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["branch", "held_on"], name="meeting_branch_held_on_idx")]

    def __str__(self) -> str:
        return f"{self.branch} {self.held_on:%Y-%m-%d} 支委会会议"
