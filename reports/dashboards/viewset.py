from django.utils.translation import gettext_lazy as _
from viewflow.urls import Viewset


class DashboardsViewset(Viewset):
    """看板 — /reports/dashboards/. Hidden from the menu until its pages exist."""

    app_name = "dashboards"
    title = _("看板")
    icon = "insights"

    def has_view_permission(self, user, obj=None):
        return False
