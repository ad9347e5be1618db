from django.utils.translation import gettext_lazy as _
from viewflow.urls import Viewset


class ExportsViewset(Viewset):
    """Excel 导出与导入 — /reports/exports/. Hidden from the menu until its pages exist."""

    app_name = "exports"
    title = _("Excel 导出与导入")
    icon = "table_view"

    def has_view_permission(self, user, obj=None):
        return False
