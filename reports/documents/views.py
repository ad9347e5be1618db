"""打印表格 pages and downloads (``/reports/documents/``).

Pages: the index (my own forms, and the branches I may print for), a branch's forms for a year, a member's
forms for a year. Downloads: each form as ``application/pdf`` with a Chinese file name, after the access
helper of ``reports.documents.scope`` (404 outside scope; anonymous visitors go to the login page). A year
without rules or a bad period code is a 400 page saying so in Chinese; a machine that cannot render PDFs
answers 503 with the reason.
"""

from __future__ import annotations

import io
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.views import View, generic

from accounts import access
from reports.documents import catalogue, forms, scope
from reports.documents.ledger_forms import detail_title
from reports.documents.period_forms import filing_title_of
from reports.readiness import PdfUnavailable
from scoring.core.periods import Period, parse_period
from workflows.member_selectors import reviews_visible_to

BRANCHES_PER_PAGE = 30
NOTICES_SHOWN = 8


# ---------------------------------------------------------------- pages


class DocumentsIndexView(LoginRequiredMixin, generic.TemplateView):
    """打印表格: my own forms (as a member) and the branches whose forms I may print (as an officer)."""

    template_name = "reports/documents/index.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        member = access.own_member(user)
        query = self.request.GET.get("q", "").strip()
        branches = scope.branches_printable_by(user)
        if member is None and not branches.exists():
            raise PermissionDenied
        if query:
            branches = branches.filter(name__icontains=query)
        page = Paginator(branches, BRANCHES_PER_PAGE).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            **kwargs,
            member=member,
            own=_member_context(self.request, member, officer=False) if member else None,
            notices=_notices(user, member),
            branches=page,
            query=query,
        )


def _notices(user, member) -> list:
    """My branch's 公示, newest first."""
    if member is None:
        return []
    return list(reviews_visible_to(user).filter(branch=member.branch).order_by("-ends_on")[:NOTICES_SHOWN])


class BranchDocumentsView(LoginRequiredMixin, generic.TemplateView):
    """A branch's forms for a year: ledgers by period, 公示 and 备案表 per period, 等次评定审批表, members."""

    template_name = "reports/documents/branch.html"

    def get_context_data(self, **kwargs):
        branch = scope.get_branch_for_user(self.request.user, self.kwargs["pk"])
        year, years = catalogue.year_asked(self.request, branch)
        reviews = catalogue.reviews_of(branch, year) if year else []
        return super().get_context_data(
            **kwargs,
            branch=branch,
            year=year,
            years=years,
            periods=catalogue.periods_of(branch, year) if year else [],
            reviews=[(review, catalogue.filings_of(review)) for review in reviews],
            members=branch.members.order_by("real_name", "pk"),
            year_end=catalogue.year_end_of(branch, year) if year else None,
        )


class MemberDocumentsView(LoginRequiredMixin, generic.TemplateView):
    """One member's forms for a year (for the branch's officers; a member sees theirs on the index)."""

    template_name = "reports/documents/member.html"

    def get_context_data(self, **kwargs):
        member = scope.get_member_for_user(self.request.user, self.kwargs["pk"])
        officer = access.may(self.request.user, "view_scores", member.branch)
        return super().get_context_data(
            **kwargs, member=member, **_member_context(self.request, member, officer=officer)
        )


def _member_context(request, member, *, officer: bool) -> dict[str, Any]:
    year, years = catalogue.year_asked(request, member.branch)
    return {
        "year": year,
        "years": years,
        "quarters": catalogue.quarters_of(member.branch, year) if year else [],
        "claims": catalogue.claims_of(member, member.branch, year) if year else [],
        "officer": officer,
    }


# ---------------------------------------------------------------- downloads


class PdfView(LoginRequiredMixin, View):
    """A form as a PDF download. ``document`` looks the objects up through ``scope`` (404 outside it)
    and returns the PDF and its file name."""

    def document(self, user, **kwargs) -> tuple[bytes, str]:
        raise NotImplementedError

    def get(self, request, **kwargs) -> HttpResponse:
        try:
            data, name = self.document(request.user, **kwargs)
        except ValidationError as error:
            return _problem(request, error.messages, status=400)
        except PdfUnavailable as error:
            return _problem(request, [str(error)], status=503)
        return FileResponse(
            io.BytesIO(data), as_attachment=True, filename=f"{name}.pdf", content_type="application/pdf"
        )


def _problem(request, messages: list[str], *, status: int) -> HttpResponse:
    return render(request, "reports/documents/problem.html", {"problems": messages}, status=status)


def _period(code: str) -> Period:
    """The period of a URL's code; a bad code is the user's input, refused in Chinese."""
    try:
        return parse_period(code)
    except ValueError as error:
        raise ValidationError(str(error)) from None


class ClaimFormPdf(PdfView):
    def document(self, user, pk: int):
        claim = scope.get_claim_for_user(user, pk)
        day = f"{claim.occurred_on:%Y%m%d}"
        return forms.claim_form_pdf(claim), f"{claim.member.real_name}_{day}_党员积分申报表"


class PublicityNoticePdf(PdfView):
    def document(self, user, pk: int):
        review = scope.get_review_for_user(user, pk)
        return forms.publicity_notice_pdf(review), f"{review.branch.name}_{review.label}_积分公示"


class FilingPdf(PdfView):
    def document(self, user, pk: int):
        filing = scope.get_filing_for_user(user, pk)
        review = filing.approval.review
        return forms.filing_pdf(filing), f"{review.branch.name}_{review.label}_{filing_title_of(filing)}"


class QuarterDetailPdf(PdfView):
    def document(self, user, pk: int, code: str):
        member = scope.get_member_for_user(user, pk)
        period = _period(code)
        name = f"{member.real_name}_{period.label()}_{detail_title(period)}"
        return forms.quarter_detail_pdf(member, period.code), name


class MemberLedgerPdf(PdfView):
    def document(self, user, pk: int, year: int):
        member = scope.get_member_for_user(user, pk)
        return forms.member_ledger_pdf(member, year), f"{member.real_name}_{year}年度_党员积分量化管理台账"


class DemocraticReviewPdf(PdfView):
    def document(self, user, pk: int, year: int):
        member = scope.get_member_for_user(user, pk, officers_only=True)
        return forms.democratic_review_pdf(member, year), f"{member.real_name}_{year}年度_党员民主评议表"


class BranchLedgerPdf(PdfView):
    def document(self, user, pk: int, code: str):
        branch = scope.get_branch_for_user(user, pk)
        period = _period(code)
        name = f"{branch.name}_{period.label()}_党员积分量化管理台账"
        return forms.branch_ledger_pdf(branch, period.code), name


class YearGradeApprovalPdf(PdfView):
    def document(self, user, pk: int, year: int):
        branch = scope.get_branch_for_user(user, pk)
        name = f"{branch.name}_{year}年度_党员年终等次评定审批表"
        return forms.year_grade_approval_pdf(branch, year), name


class BranchDemocraticReviewPdf(PdfView):
    def document(self, user, pk: int, year: int):
        branch = scope.get_branch_for_user(user, pk)
        name = f"{branch.name}_{year}年度_党员民主评议表（全支部）"
        return forms.branch_democratic_review_pdf(branch, year), name


class YearFilingPdf(PdfView):
    def document(self, user, pk: int, year: int):
        branch = scope.get_branch_for_user(user, pk)
        return forms.year_filing_pdf(branch, year), f"{branch.name}_{year}年度_党员全年积分备案表"
