"""看板 pages: which dashboards I have, a branch's, a higher committee's.

Wherever a user views scores (``view_scores``: the branch's clerk, committee and secretary, and the
higher committees above it) they get the dashboards of those organizations; a member without an office
gets none (403 on the index, 404 on any dashboard), nor does anyone outside the organization.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views import generic

from accounts.access import organizations_where
from accounts.models import Organization
from reports.dashboards import charts
from reports.dashboards.data import (
    AGE_BUCKETS,
    branch_dashboard,
    dashboard_organizations,
    organization_dashboard,
)
from reports.dashboards.grades import grade_distribution
from reports.rankings import period_from
from workflows.member_selectors import rankings_shown

VIEW_SCORES = "view_scores"


def get_branch_for_dashboard(user, pk: int) -> Organization:
    """A branch whose scores ``user`` may view; 404 for any other."""
    scope = organizations_where(user, VIEW_SCORES).filter(kind=Organization.Kind.BRANCH)
    return get_object_or_404(scope, pk=pk)


def get_organization_for_dashboard(user, pk: int) -> Organization:
    """A 党委 or 党总支 whose scores ``user`` may view; 404 for any other."""
    scope = organizations_where(user, VIEW_SCORES).exclude(kind=Organization.Kind.BRANCH)
    return get_object_or_404(scope, pk=pk)


def requested_period(request):
    code = request.GET.get("period", "").strip()
    return period_from(code) if code else None


class DashboardIndexView(LoginRequiredMixin, generic.TemplateView):
    """看板: the organizations whose dashboards I may open."""

    template_name = "reports/dashboards/index.html"

    def get_context_data(self, **kwargs):
        higher, branches = dashboard_organizations(self.request.user)
        if not higher and not branches:
            raise PermissionDenied(_("看板供支部委员、组织委员和上级党委查看。"))
        return super().get_context_data(**kwargs, higher=higher, branches=branches)


class RefusedPeriodMixin:
    """A period code that is wrong, or not approved, is answered 400 with the reason in Chinese."""

    problem_template = "reports/dashboards/problem.html"

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except ValidationError as error:
            context = {"messages_": error.messages, "back": request.path}
            return TemplateResponse(request, self.problem_template, context, status=400)


class BranchDashboardView(LoginRequiredMixin, RefusedPeriodMixin, generic.TemplateView):
    """支部看板."""

    template_name = "reports/dashboards/branch.html"

    def get_context_data(self, **kwargs):
        branch = get_branch_for_dashboard(self.request.user, self.kwargs["pk"])
        board = branch_dashboard(self.request.user, branch, requested_period(self.request))
        grades = grade_distribution(branch)
        return super().get_context_data(
            **kwargs,
            board=board,
            grades=grades,
            members_see_rankings=rankings_shown(branch),
            age_buckets=[label for _low, _high, label in AGE_BUCKETS],
            charts={
                "distribution": charts.distribution(board.distribution),
                "trend": charts.trend(board.trend),
                "participation": charts.participation(board.participation),
                "tasks": charts.tasks(board.tasks),
                "grades": charts.grades(grades),
            },
        )


class OrganizationDashboardView(LoginRequiredMixin, RefusedPeriodMixin, generic.TemplateView):
    """党委看板: ``?period=``, ``?page=`` of the 全委排名 and ``?branches=`` of the 各支部对比 (50 each)."""

    template_name = "reports/dashboards/organization.html"

    def get_context_data(self, **kwargs):
        organization = get_organization_for_dashboard(self.request.user, self.kwargs["pk"])
        board = organization_dashboard(
            self.request.user,
            organization,
            requested_period(self.request),
            page=self.request.GET.get("page"),
            branch_page=self.request.GET.get("branches"),
        )
        grades = grade_distribution(organization)
        return super().get_context_data(
            **kwargs,
            board=board,
            grades=grades,
            charts={
                "grades": charts.grades(grades),
                "branches": charts.branches(board.branches),
                "top_and_bottom": charts.top_and_bottom(board.top, board.bottom),
            },
        )
