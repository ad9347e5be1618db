from django.utils.translation import gettext_lazy as _
from viewflow.urls import Viewset


class DocumentsViewset(Viewset):
    """打印表格 — /reports/documents/. Hidden from the menu until its pages exist."""

    app_name = "documents"
    title = _("打印表格")
    icon = "print"

    def has_view_permission(self, user, obj=None):
        return False
