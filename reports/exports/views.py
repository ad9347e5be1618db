"""Excel 导出 pages and downloads (``/reports/exports/``).

Pages: the index (my own sheets, the branches and organizations I may export for, the import for
clerks), a branch's sheets for a year, a member's sheets for a year. Downloads: each sheet as .xlsx with
a Chinese file name (``filename*``), after the access helper of ``reports.exports.scope`` (404 outside
scope; anonymous visitors go to the login page). A bad period code or a year without rules is a 400 page
saying so in Chinese.
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
from accounts.models import Organization
from reports.documents import catalogue
from reports.exports import excel, scope
from reports.exports.workbook import XLSX_CONTENT_TYPE
from reports.rankings import period_from
from scoring.core.periods import Period

BRANCHES_PER_PAGE = 30


# ---------------------------------------------------------------- pages


class ExportsIndexView(LoginRequiredMixin, generic.TemplateView):
    """Excel 导出: my own sheets, the branches and organizations I may export, the import for clerks."""

    template_name = "reports/exports/index.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        member = access.own_member(user)
        branches = scope.branches_printable_by(user)
        importable = scope.branches_importable_by(user)
        if member is None and not branches.exists():
            raise PermissionDenied
        query = self.request.GET.get("q", "").strip()
        if query:
            branches = branches.filter(name__icontains=query)
        ranked = scope.organizations_ranked_for(user).exclude(kind=Organization.Kind.BRANCH)
        return super().get_context_data(
            **kwargs,
            member=member,
            own=_member_context(self.request, member) if member else None,
            branches=Paginator(branches, BRANCHES_PER_PAGE).get_page(self.request.GET.get("page")),
            query=query,
            organizations=[(org, _rank_periods(org)) for org in ranked[:BRANCHES_PER_PAGE]],
            importable=importable,
        )


def _rank_periods(organization: Organization) -> list[Period]:
    """The periods offered for an organization's ranking: those of its first branch's newest year."""
    branch = organization if organization.is_branch else _first_branch(organization)
    if branch is None:
        return []
    years = catalogue.years_of(branch)
    return [choice.period for choice in catalogue.periods_of(branch, years[0])] if years else []


def _first_branch(organization: Organization) -> Organization | None:
    return (
        Organization.objects.filter(path__startswith=organization.path, kind=Organization.Kind.BRANCH)
        .order_by("path")
        .first()
    )


class BranchExportsView(LoginRequiredMixin, generic.TemplateView):
    """A branch's sheets for a year: ledgers and rankings by period, filings, its members."""

    template_name = "reports/exports/branch.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        branch = scope.get_branch_for_user(user, self.kwargs["pk"])
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
            importable=scope.branches_importable_by(user).filter(pk=branch.pk).exists(),
            year_end=catalogue.year_end_of(branch, year) if year else None,
        )


class MemberExportsView(LoginRequiredMixin, generic.TemplateView):
    """One member's sheets for a year (for the branch's officers; a member sees theirs on the index)."""

    template_name = "reports/exports/member.html"

    def get_context_data(self, **kwargs):
        member = scope.get_member_for_user(self.request.user, self.kwargs["pk"])
        return super().get_context_data(**kwargs, member=member, **_member_context(self.request, member))


def _member_context(request, member) -> dict[str, Any]:
    year, years = catalogue.year_asked(request, member.branch)
    return {
        "year": year,
        "years": years,
        "quarters": catalogue.quarters_of(member.branch, year) if year else [],
    }


# ---------------------------------------------------------------- downloads


class XlsxView(LoginRequiredMixin, View):
    """A sheet as an .xlsx download. ``sheet`` looks the objects up through ``scope`` (404 outside it)
    and returns the workbook and its file name (without the extension)."""

    def sheet(self, user, **kwargs) -> tuple[bytes, str]:
        raise NotImplementedError

    def get(self, request, **kwargs) -> HttpResponse:
        try:
            data, name = self.sheet(request.user, **kwargs)
        except ValidationError as error:
            return problem(request, error.messages, status=400)
        return xlsx_response(data, name)


def xlsx_response(data: bytes, name: str) -> FileResponse:
    """An attachment; Django writes the Chinese name as ``filename*=utf-8''…`` (RFC 5987)."""
    return FileResponse(
        io.BytesIO(data), as_attachment=True, filename=f"{name}.xlsx", content_type=XLSX_CONTENT_TYPE
    )


def problem(request, messages: list[str], *, status: int) -> HttpResponse:
    return render(request, "reports/exports/problem.html", {"problems": messages}, status=status)


class MemberLedgerXlsx(XlsxView):
    def sheet(self, user, pk: int, year: int):
        member = scope.get_member_for_user(user, pk)
        return excel.member_ledger_xlsx(member, year), f"{member.real_name}_{year}年度_党员积分量化管理台账"


class QuarterDetailXlsx(XlsxView):
    def sheet(self, user, pk: int, code: str):
        member = scope.get_member_for_user(user, pk)
        period = period_from(code)
        return excel.quarter_detail_xlsx(
            member, period.code
        ), f"{member.real_name}_{period.label()}_积分明细登记表"


class BranchLedgerXlsx(XlsxView):
    def sheet(self, user, pk: int, code: str):
        branch = scope.get_branch_for_user(user, pk)
        period = period_from(code)
        return excel.branch_ledger_xlsx(branch, period.code), f"{branch.name}_{period.label()}_党员积分台账"


class RankingXlsx(XlsxView):
    def sheet(self, user, pk: int, code: str):
        organization = scope.get_ranked_organization_for_user(user, pk)
        period = period_from(code)
        return excel.ranking_xlsx(organization, period.code), f"{organization.name}_{period.label()}_积分排名"


class FilingXlsx(XlsxView):
    def sheet(self, user, pk: int):
        filing = scope.get_filing_for_user(user, pk)
        review = filing.approval.review
        round_text = f"_第{filing.approval.round}次审定" if filing.approval.round > 1 else ""
        return excel.filing_xlsx(filing), f"{review.branch.name}_{review.label}_积分备案表{round_text}"


class EvaluationTalliesXlsx(XlsxView):
    def sheet(self, user, pk: int, year: int):
        branch = scope.get_branch_for_user(user, pk)
        return excel.evaluation_tallies_xlsx(branch, year), f"{branch.name}_{year}年度_民主评议统计表"


class AnnualReviewXlsx(XlsxView):
    def sheet(self, user, pk: int, year: int):
        branch = scope.get_branch_for_user(user, pk)
        return excel.annual_review_xlsx(branch, year), f"{branch.name}_{year}年度_党员年终等次评定审批表"


class YearFilingXlsx(XlsxView):
    def sheet(self, user, pk: int, year: int):
        branch = scope.get_branch_for_user(user, pk)
        return excel.year_filing_xlsx(branch, year), f"{branch.name}_{year}年度_党员全年积分备案表"
