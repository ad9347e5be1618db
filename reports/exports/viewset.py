"""Excel 导出与导入 — /reports/exports/: the ledgers, rankings and filings as .xlsx, the stored 备案材料
with 校验, and the clerks' import of sign-in sheets.

URL names are ``reports:exports:<name>``. Each view checks its own scope (``reports.exports.scope``);
the menu entry shows to those who have something to export or import (anonymous visitors pass, so that
the views can send them to the login page).
"""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import AppMenuMixin, Viewset

from reports.exports import scope, views, views_filing, views_import


class ExportsViewset(AppMenuMixin, Viewset):
    """Excel 导出与导入 — /reports/exports/."""

    app_name = "exports"
    title = _("Excel 导出与导入")
    icon = "table_view"

    index_path = path("", views.ExportsIndexView.as_view(), name="index")
    branch_path = path("branches/<int:pk>/", views.BranchExportsView.as_view(), name="branch")
    member_path = path("members/<int:pk>/", views.MemberExportsView.as_view(), name="member")

    member_ledger_path = path(
        "members/<int:pk>/ledger/<int:year>/xlsx/", views.MemberLedgerXlsx.as_view(), name="member_ledger"
    )
    quarter_detail_path = path(
        "members/<int:pk>/detail/<str:code>/xlsx/", views.QuarterDetailXlsx.as_view(), name="quarter_detail"
    )
    branch_ledger_path = path(
        "branches/<int:pk>/ledger/<str:code>/xlsx/", views.BranchLedgerXlsx.as_view(), name="branch_ledger"
    )
    ranking_path = path(
        "organizations/<int:pk>/ranking/<str:code>/xlsx/", views.RankingXlsx.as_view(), name="ranking"
    )
    filing_xlsx_path = path("filings/<int:pk>/xlsx/", views.FilingXlsx.as_view(), name="filing_xlsx")
    evaluation_path = path(
        "branches/<int:pk>/evaluation/<int:year>/xlsx/",
        views.EvaluationTalliesXlsx.as_view(),
        name="evaluation_tallies",
    )
    annual_review_path = path(
        "branches/<int:pk>/annual/<int:year>/xlsx/", views.AnnualReviewXlsx.as_view(), name="annual_review"
    )
    year_filing_path = path(
        "branches/<int:pk>/year-filing/<int:year>/xlsx/", views.YearFilingXlsx.as_view(), name="year_filing"
    )

    filing_path = path("filings/<int:pk>/", views_filing.FilingDocumentsView.as_view(), name="filing")
    filing_retry_path = path(
        "filings/<int:pk>/regenerate/", views_filing.FilingPackageRetryView.as_view(), name="filing_retry"
    )
    document_path = path(
        "filing-documents/<int:pk>/", views_filing.FilingDocumentDownload.as_view(), name="document"
    )
    document_verify_path = path(
        "filing-documents/<int:pk>/verify/",
        views_filing.FilingDocumentVerify.as_view(),
        name="document_verify",
    )

    import_path = path("import/", views_import.AttendanceImportView.as_view(), name="import")
    import_confirm_path = path(
        "import/confirm/", views_import.AttendanceImportConfirmView.as_view(), name="import_confirm"
    )
    import_template_path = path(
        "import/template/", views_import.AttendanceTemplateView.as_view(), name="import_template"
    )

    def has_view_permission(self, user, obj=None):
        return not user.is_authenticated or scope.may_export_anything(user)
