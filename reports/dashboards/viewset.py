"""看板 — /reports/dashboards/: a branch's dashboard and a higher committee's.

URL names are ``reports:dashboards:<name>``. Each view checks its own scope (``view_scores``); the menu
entry shows to those who have a dashboard (anonymous visitors pass, so that the views can send them to
the login page).
"""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import AppMenuMixin, Viewset

from accounts.access import organizations_where
from reports.dashboards import views


class DashboardsViewset(AppMenuMixin, Viewset):
    """看板 — /reports/dashboards/."""

    app_name = "dashboards"
    title = _("看板")
    icon = "insights"

    index_path = path("", views.DashboardIndexView.as_view(), name="index")
    branch_path = path("branches/<int:pk>/", views.BranchDashboardView.as_view(), name="branch")
    organization_path = path(
        "organizations/<int:pk>/", views.OrganizationDashboardView.as_view(), name="organization"
    )

    def has_view_permission(self, user, obj=None):
        return not user.is_authenticated or organizations_where(user, views.VIEW_SCORES).exists()
