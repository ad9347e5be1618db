"""工作台: the page everyone lands on after login — what waits for me, whatever roles I hold.

An officer sees their 待办 by step with counts and the oldest first, the 公示 closing soon and what is
overdue; a member sees their standing, what they may still claim, their notices and the open 公示; a
person with several roles (the secretary is also a member) sees every section. The reads are in
``workflows.workbench`` and ``workflows.member_selectors``, scoped to the user.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import generic

from accounts import access
from accounts.services import active_assignments
from scoring.core.ruleset import LimitPer
from workflows import member_selectors, workbench
from workflows.notifications import notifications_for
from workflows.views.member import item_rules_text, points_text

NOTICES_SHOWN = 5
WINDOW_WORDS = {LimitPer.MONTH: _("本月"), LimitPer.QUARTER: _("本季度"), LimitPer.YEAR: _("本年度")}


def _optional_url(name: str) -> str:
    """A page another part of the site may add (支委会会议): linked once it exists."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


class WorkbenchView(LoginRequiredMixin, generic.TemplateView):
    template_name = "workflows/workbench.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        member = access.own_member(user)
        roles = list(active_assignments(user=user).select_related("organization").order_by("role"))
        windows, windows_total = workbench.windows_closing(user, member)
        lists = workbench.lists_of(user)  # 待认领 and 待办, read by the steps and the overdue alike
        overdue, overdue_total = workbench.overdue_items(user, lists=lists)
        context = super().get_context_data(
            **kwargs,
            member=member,
            roles=roles,
            steps=workbench.steps_waiting(user, lists),
            windows=windows,
            windows_total=windows_total,
            overdue=overdue,
            overdue_total=overdue_total,
            officer=bool(roles) or user.is_superuser,
            clerk_branches=list(member_selectors.branches_recorded_by(user)[:5]),
            followed=member_selectors.branches_followed_by(user).exists(),
            # 支委会审核 is decided in a 支委会会议: its pages for those who review claims.
            meetings_url=_optional_url("meetings:index")
            if access.organizations_where(user, "review_claims").exists()
            else "",
            now=timezone.now(),
        )
        if member is not None:
            context.update(self.member_context(member, windows))
        return context

    def member_context(self, member, windows) -> dict:
        from yearend.selectors import member_year_end

        user = self.request.user
        points = member_selectors.my_points(member)
        unread = notifications_for(user).filter(read_at__isnull=True)
        items = workbench.claimable_items(member)
        return {
            "points": points,
            "pending_total": sum(
                (line.total for line in points.pending if line.period.cycle == points.cycle), 0
            ),
            "claimable": [
                (
                    row,
                    points_text(row.item),
                    item_rules_text(row.item),
                    WINDOW_WORDS[row.item.limit.per] if row.item.limit else "",
                )
                for row in items
            ],
            "notices": unread[:NOTICES_SHOWN],
            "notices_count": unread.count(),
            "year_end": member_year_end(member, points.cycle or timezone.localdate().year),
            # 申诉 is against the entries of a period's 公示 of one's own branch.
            "appealable": [row for row in windows if row.own_branch and row.window.review_id],
        }
