"""报表 (``/reports/``): dashboards, printable forms, Excel exports/imports and batch exports.

Each section is a viewset of its own under ``reports/<section>/viewset.py`` and shows in the menu
only to those its ``has_view_permission`` lets in.
"""

from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from reports.dashboards.viewset import DashboardsViewset
from reports.documents.viewset import DocumentsViewset
from reports.exports.viewset import ExportsViewset
from reports.jobs.viewset import JobsViewset


class ReportsApplication(Application):
    title = _("报表")
    icon = "insights"
    app_name = "reports"

    viewsets = [DashboardsViewset(), DocumentsViewset(), ExportsViewset(), JobsViewset()]

    def has_view_permission(self, user, obj=None):
        return any(viewset.has_view_permission(user) for viewset in self.viewsets)
