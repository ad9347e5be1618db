"""备案材料 pages: a filing's stored PDF and Excel, their SHA-256, 校验 (verify) and 重新生成.

Whoever may see the filing (its branch's officers, the higher committees above: ``view_scores``) sees,
downloads and verifies its documents; the files are served only through these views, never through
MEDIA_URL. 校验 recomputes the stored file's SHA-256 and says in Chinese whether it is unchanged.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from reports.exports import scope
from reports.filing_package import (
    CONTENT_TYPES,
    Verification,
    download_name,
    filing_document_verify,
    filing_package_retry,
)
from workflows.models import Filing, FilingDocument, FilingPackage


def filing_page(
    request,
    filing: Filing,
    *,
    checked: FilingDocument | None = None,
    verification: Verification | None = None,
    problems: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    package = FilingPackage.objects.filter(filing=filing).first()
    return render(
        request,
        "reports/exports/filing.html",
        {
            "filing": filing,
            "review": filing.approval.review,
            "package": package,
            "checked": checked,
            "verification": verification,
            "problems": problems or [],
        },
        status=status,
    )


class FilingDocumentsView(LoginRequiredMixin, View):
    def get(self, request, pk: int) -> HttpResponse:
        return filing_page(request, scope.get_filing_for_user(request.user, pk))


class FilingPackageRetryView(LoginRequiredMixin, View):
    """重新生成: queue the generation of the filing's missing documents again."""

    def post(self, request, pk: int) -> HttpResponse:
        filing = scope.get_filing_for_user(request.user, pk)
        try:
            filing_package_retry(filing=filing, by=request.user)
        except ValidationError as error:
            return filing_page(request, filing, problems=error.messages, status=400)
        return redirect(reverse("reports:exports:filing", args=[filing.pk]))


class FilingDocumentDownload(LoginRequiredMixin, View):
    def get(self, request, pk: int) -> HttpResponse:
        document = scope.get_document_for_user(request.user, pk)
        return FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=download_name(document),
            content_type=CONTENT_TYPES[document.kind],
        )


class FilingDocumentVerify(LoginRequiredMixin, View):
    """校验: the filing page again, with whether this document's stored file is unchanged."""

    def post(self, request, pk: int) -> HttpResponse:
        document = scope.get_document_for_user(request.user, pk)
        result = filing_document_verify(document=document, by=request.user)
        return filing_page(request, document.filing, checked=document, verification=result)
