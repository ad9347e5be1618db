from django.utils.translation import gettext_lazy as _
from viewflow.urls import Viewset


class JobsViewset(Viewset):
    """批量导出 — /reports/jobs/. Hidden from the menu until its pages exist."""

    app_name = "jobs"
    title = _("批量导出")
    icon = "archive"

    def has_view_permission(self, user, obj=None):
        return False
