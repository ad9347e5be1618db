from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Viewset

from . import selectors, views


class JobsViewset(Viewset):
    """批量导出 — /reports/jobs/: all ledgers of an organization for a period as one ZIP, built in the
    background with a progress bar. Shown to those who may see scores somewhere (clerk, committee,
    secretary, higher committee); anonymous visitors pass so the pages can send them to log in."""

    app_name = "jobs"
    title = _("批量导出")
    icon = "archive"

    index_path = path("", views.JobIndexView.as_view(), name="index")
    detail_path = path("<int:pk>/", views.JobDetailView.as_view(), name="detail")
    progress_path = path("<int:pk>/progress/", views.JobProgressView.as_view(), name="progress")
    download_path = path("<int:pk>/download/", views.JobDownloadView.as_view(), name="download")
    restart_path = path("<int:pk>/restart/", views.JobRestartView.as_view(), name="restart")
    cancel_path = path("<int:pk>/cancel/", views.JobCancelView.as_view(), name="cancel")

    def has_view_permission(self, user, obj=None):
        return not user.is_authenticated or selectors.organizations_exportable_by(user).exists()
