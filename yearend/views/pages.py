"""年终评议 pages (``/yearend/``): a branch's year — open the 民主评议, start the 年度总评, last year's
figures for the carry-over, the approved results with 评先评优, 不合格/后进 follow-ups and 转正
suggestions — and the higher committee's view of every branch below.

A branch outside the user's scope answers 404; an action without its permission answers 403 (the
services refuse on their own too).
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext
from django.views import View, generic

from accounts import access
from accounts.models import Member, Organization
from reports.rankings import branches_below
from workflows.member_selectors import branches_followed_by
from workflows.views.tasks import add_service_errors
from yearend import annual, evaluation, records
from yearend.forms import CarryOverForm, EvaluationOpenForm, FollowUpCloseForm, FollowUpForm
from yearend.models import AnnualResult, FollowUp
from yearend.selectors import (
    branch_year_state,
    carry_over_rows,
    follow_up_candidates,
    organization_results,
    organization_years,
    process_url,
)

BRANCHES_PER_PAGE = 50


def get_branch_for_user(user, pk: int, perm: str | None = None) -> Organization:
    """A branch the user works in (else 404) where they hold ``perm`` (else 403)."""
    branch = get_object_or_404(branches_followed_by(user), pk=pk)
    if perm is not None and not access.may(user, perm, branch):
        raise PermissionDenied
    return branch


def default_cycle(today: datetime.date | None = None) -> int:
    """The year whose year-end is being done: last year until the end of February, then this year."""
    today = today or timezone.localdate()
    return today.year - 1 if today.month <= 2 else today.year


def organizations_overseen(user):
    return Organization.objects.filter(pk__in=access.organizations_where(user, "review_filings").values("pk"))


class IndexView(LoginRequiredMixin, generic.TemplateView):
    """年终评议: the branches I work in, and the organizations I oversee, for the year being closed."""

    template_name = "yearend/index.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        cycle = int(self.request.GET.get("cycle") or default_cycle())
        branches = branches_followed_by(user).filter(kind=Organization.Kind.BRANCH).order_by("path")
        overseen = organizations_overseen(user).exclude(kind=Organization.Kind.BRANCH).order_by("path")
        if not branches.exists() and not overseen.exists():
            member = access.own_member(user)
            if member is None:
                raise PermissionDenied
        page = Paginator(branches, BRANCHES_PER_PAGE).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            **kwargs,
            cycle=cycle,
            cycles=[cycle - 1, cycle, cycle + 1],
            rows=organization_years(None, cycle, page.object_list),
            page=page,
            overseen=overseen[:20],
        )


class BranchYearView(LoginRequiredMixin, generic.TemplateView):
    """A branch's year: 民主评议, 年度总评, results and what follows from them."""

    template_name = "yearend/branch_year.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        branch = get_branch_for_user(user, self.kwargs["pk"])
        cycle = self.kwargs["cycle"]
        kwargs = {k: v for k, v in kwargs.items() if k not in ("pk", "cycle")}  # the URL's, named here
        state = branch_year_state(branch, cycle)
        may_open = access.may(user, "open_publicity", branch)
        kwargs.setdefault(
            "open_form",
            EvaluationOpenForm(
                initial={
                    "meeting_on": timezone.localdate(),
                    "voting_opens_at": timezone.localtime().replace(minute=0, second=0, microsecond=0),
                    "voting_closes_at": timezone.localtime().replace(minute=0, second=0, microsecond=0)
                    + datetime.timedelta(days=3),
                }
            ),
        )
        return super().get_context_data(
            **kwargs,
            branch=branch,
            cycle=cycle,
            state=state,
            session_url=process_url(state.session),
            review_url=process_url(state.review),
            may_open=may_open,
            may_decide=access.may(user, "review_claims", branch),
            may_manage=access.may(user, "manage_members", branch),
            follow_up_form=FollowUpForm(),
            close_form=FollowUpCloseForm(),
        )


class EvaluationOpenView(BranchYearView):
    """发起民主评议 (POST)."""

    def post(self, request, pk: int, cycle: int):
        branch = get_branch_for_user(request.user, pk, "open_publicity")
        form = EvaluationOpenForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                evaluation.evaluation_open(
                    branch=branch,
                    cycle=cycle,
                    meeting_on=data["meeting_on"],
                    voting_opens_at=data["voting_opens_at"],
                    voting_closes_at=data["voting_closes_at"],
                    mode=data["mode"],
                    by=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, gettext("民主评议已发起，已通知支部党员自评和投票。"))
                return redirect("yearend:branch_year", pk=pk, cycle=cycle)
        return self.render_to_response(self.get_context_data(open_form=form))


class AnnualStartView(LoginRequiredMixin, View):
    """发起年度总评 (POST)."""

    def post(self, request, pk: int, cycle: int):
        branch = get_branch_for_user(request.user, pk, "open_publicity")
        try:
            annual.annual_review_start(branch=branch, cycle=cycle, by=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, gettext("年度总评已发起，请支委会评定等次。"))
        return redirect("yearend:branch_year", pk=pk, cycle=cycle)


class CarryOverView(LoginRequiredMixin, generic.FormView):
    """上年考核分: last year's total per member, where it comes from, and the missing ones to enter."""

    template_name = "yearend/carry_over.html"
    form_class = CarryOverForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.branch = get_branch_for_user(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        cycle = self.kwargs["cycle"]
        return super().get_context_data(
            **kwargs,
            branch=self.branch,
            cycle=cycle,
            rows=carry_over_rows(self.branch, cycle),
            may_manage=access.may(self.request.user, "manage_members", self.branch),
        )

    def form_valid(self, form):
        member = get_object_or_404(
            Member.objects.filter(branch=self.branch), pk=self.request.POST.get("member")
        )
        try:
            records.carry_over_figure_enter(
                member=member,
                cycle=self.kwargs["cycle"] - 1,
                total=form.cleaned_data["total"],
                note=form.cleaned_data["note"],
                by=self.request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, gettext("已录入 %(name)s 的上年考核分。") % {"name": member.real_name})
        return redirect("yearend:carry_over", pk=self.branch.pk, cycle=self.kwargs["cycle"])


class FollowUpNewView(LoginRequiredMixin, View):
    def post(self, request, pk: int):
        result = get_object_or_404(
            AnnualResult.objects.filter(review__branch__in=branches_followed_by(request.user)).select_related(
                "review__branch", "member"
            ),
            pk=pk,
        )
        form = FollowUpForm(request.POST)
        if form.is_valid():
            try:
                records.follow_up_open(result=result, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, gettext("已建立整改记录。"))
        else:
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, message)
        return redirect("yearend:branch_year", pk=result.review.branch_id, cycle=result.review.cycle)


class FollowUpCloseView(LoginRequiredMixin, View):
    def post(self, request, pk: int):
        follow_up = get_object_or_404(
            FollowUp.objects.filter(
                result__review__branch__in=branches_followed_by(request.user)
            ).select_related("result__review"),
            pk=pk,
        )
        form = FollowUpCloseForm(request.POST)
        if form.is_valid():
            try:
                records.follow_up_close(follow_up=follow_up, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, gettext("已记录整改结果。"))
        review = follow_up.result.review
        return redirect("yearend:branch_year", pk=review.branch_id, cycle=review.cycle)


class OrganizationYearView(LoginRequiredMixin, generic.TemplateView):
    """The higher committee's year: each branch's 评议 and 总评, the 等次 distribution, 评先评优 and
    不合格."""

    template_name = "yearend/organization_year.html"

    def get_context_data(self, **kwargs):
        organization = get_object_or_404(organizations_overseen(self.request.user), pk=self.kwargs["pk"])
        cycle = self.kwargs["cycle"]
        kwargs = {k: v for k, v in kwargs.items() if k not in ("pk", "cycle")}
        branches = branches_below(organization)
        page = Paginator(branches, BRANCHES_PER_PAGE).get_page(self.request.GET.get("page"))
        results = organization_results(organization, cycle)
        graded = results.filter(graded=True)
        from django.db.models import Count

        distribution = list(graded.values("grade").annotate(n=Count("id")).order_by("-n"))
        return super().get_context_data(
            **kwargs,
            organization=organization,
            cycle=cycle,
            rows=organization_years(organization, cycle, page.object_list),
            page=page,
            branch_count=branches.count(),
            distribution=distribution,
            honours=graded.filter(honours_eligible=True)[:200],
            to_follow=follow_up_candidates(graded)[:200],
            graded_count=graded.count(),
        )
