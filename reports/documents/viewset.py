"""打印表格 — /reports/documents/: pick a branch, a year, a member, and download each form as a PDF.

URL names are ``reports:documents:<name>``. Each view checks its own scope (``reports.documents.scope``);
the menu entry shows to those who have something to print (anonymous visitors pass, so that the views
can send them to the login page).
"""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import AppMenuMixin, Viewset

from reports.documents import scope, views


class DocumentsViewset(AppMenuMixin, Viewset):
    """打印表格 — /reports/documents/."""

    app_name = "documents"
    title = _("打印表格")
    icon = "print"

    index_path = path("", views.DocumentsIndexView.as_view(), name="index")
    branch_path = path("branches/<int:pk>/", views.BranchDocumentsView.as_view(), name="branch")
    member_path = path("members/<int:pk>/", views.MemberDocumentsView.as_view(), name="member")

    claim_pdf_path = path("claims/<int:pk>/pdf/", views.ClaimFormPdf.as_view(), name="claim_pdf")
    publicity_pdf_path = path(
        "publicity/<int:pk>/pdf/", views.PublicityNoticePdf.as_view(), name="publicity_pdf"
    )
    filing_pdf_path = path("filings/<int:pk>/pdf/", views.FilingPdf.as_view(), name="filing_pdf")
    quarter_detail_pdf_path = path(
        "members/<int:pk>/detail/<str:code>/pdf/", views.QuarterDetailPdf.as_view(), name="quarter_detail_pdf"
    )
    member_ledger_pdf_path = path(
        "members/<int:pk>/ledger/<int:year>/pdf/", views.MemberLedgerPdf.as_view(), name="member_ledger_pdf"
    )
    democratic_review_pdf_path = path(
        "members/<int:pk>/review/<int:year>/pdf/",
        views.DemocraticReviewPdf.as_view(),
        name="democratic_review_pdf",
    )
    branch_ledger_pdf_path = path(
        "branches/<int:pk>/ledger/<str:code>/pdf/", views.BranchLedgerPdf.as_view(), name="branch_ledger_pdf"
    )
    year_grade_pdf_path = path(
        "branches/<int:pk>/grades/<int:year>/pdf/",
        views.YearGradeApprovalPdf.as_view(),
        name="year_grade_pdf",
    )
    branch_review_pdf_path = path(
        "branches/<int:pk>/review/<int:year>/pdf/",
        views.BranchDemocraticReviewPdf.as_view(),
        name="branch_review_pdf",
    )
    year_filing_pdf_path = path(
        "branches/<int:pk>/year-filing/<int:year>/pdf/",
        views.YearFilingPdf.as_view(),
        name="year_filing_pdf",
    )

    def has_view_permission(self, user, obj=None):
        return not user.is_authenticated or scope.may_print_anything(user)
