"""积分标准 and 积分手册 pages and their PDFs: a member's own under ``/me/standards/`` and ``/me/handbook/``;
an officer's under ``/clerk/<branch>/standards/`` and ``/clerk/members/<member>/handbook/``.

- 积分标准: the rules in force for a branch on a day (today, or ``?on=YYYY-MM-DD``). A member reads their own
  branch's; an officer reads those of the branches they follow. A branch's own items (自主设定项目) are the
  branch's business, so a member of another branch gets a 404 — the higher committee's unified items, being
  in every branch's rules below it, each member reads on their own page.
- 积分手册: a member's year (``?year=``), month by month with running totals. A member reads their own; an
  officer who may see a branch's scores reads its members' (``reports.documents.scope``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views import generic

from accounts import access
from accounts.models import Organization
from accounts.roles import VIEW_SCORES
from reports.documents import catalogue, scope
from reports.documents.standards_forms import handbook_pdf, standards_pdf
from reports.documents.views import PdfView
from workflows import member_selectors
from workflows.handbook import handbook_of
from workflows.standards import standards_for, standards_on
from workflows.views.member import get_member_for_user

BAD_DAY = "日期格式不正确，应为“年-月-日”，例如 2026-03-15；已显示今天的标准。"


# ---------------------------------------------------------------- scope


def branches_with_standards_for(user) -> QuerySet[Organization]:
    """Branches whose standards ``user`` may read: their own, and those whose work they follow."""
    if not user.is_authenticated:
        return Organization.objects.none()
    followed = Q(pk__in=member_selectors.branches_followed_by(user).values("pk"))
    member = access.own_member(user)
    return Organization.objects.filter(followed | Q(pk=member.branch_id) if member else followed)


def get_branch_for_standards(user, pk: int) -> Organization:
    return get_object_or_404(branches_with_standards_for(user), pk=pk)


def day_asked(request) -> tuple[datetime.date, str]:
    """The day of ``?on=`` (today without one); a bad value gives today and a Chinese message."""
    today = timezone.localdate()
    text = request.GET.get("on", "").strip()
    if not text:
        return today, ""
    try:
        return datetime.date.fromisoformat(text), ""
    except ValueError:
        return today, BAD_DAY


# ---------------------------------------------------------------- 积分标准


class StandardsView(LoginRequiredMixin, generic.TemplateView):
    """积分标准: the member's own branch (``/me/standards/``) or a followed branch (``…/<pk>/``)."""

    template_name = "workflows/me/standards.html"

    def branch(self) -> Organization:
        if "pk" in self.kwargs:
            return get_branch_for_standards(self.request.user, self.kwargs["pk"])
        return get_member_for_user(self.request.user).branch

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        branch = self.branch()
        on, problem = day_asked(self.request)
        today = timezone.localdate()
        return super().get_context_data(
            **kwargs,
            branch=branch,
            on=on,
            today=today,
            problem=problem,
            standards=standards_on(branch, on),
            pdf_url=(
                reverse("clerk:standards_pdf", args=[branch.pk])
                if "pk" in self.kwargs
                else reverse("me:standards_pdf")
            ),
            years=[(year, _day_in(year, today)) for year in catalogue.years_of(branch)],
        )


def _day_in(year: int, today: datetime.date) -> datetime.date:
    """A day inside cycle ``year`` (today for the current year; else the middle of the year, which lies in
    the cycle whether it starts in January or in the December before)."""
    return today if today.year == year else datetime.date(year, 6, 30)


class StandardsPdf(PdfView):
    def document(self, user, pk: int | None = None) -> tuple[bytes, str]:
        branch = get_member_for_user(user).branch if pk is None else get_branch_for_standards(user, pk)
        on, problem = day_asked(self.request)
        if problem:
            raise ValidationError(problem)
        standards = standards_for(branch, on)
        return standards_pdf(standards), f"{branch.name}_{standards.ruleset.cycle}年度_党员积分内容和标准"


# ---------------------------------------------------------------- 积分手册


class HandbookView(LoginRequiredMixin, generic.TemplateView):
    """积分手册: my own (``/me/handbook/``) or, for an officer, a member's (``…/<pk>/``)."""

    template_name = "workflows/me/handbook.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        if "member_pk" in self.kwargs:
            member = scope.get_member_for_user(user, self.kwargs["member_pk"])
        else:
            member = get_member_for_user(user)
        year, years = catalogue.year_asked(self.request, member.branch)
        handbook = None
        if year is not None and member.is_scored:
            try:
                handbook = handbook_of(member, year)
            except ValidationError:
                handbook = None
        own = "member_pk" not in self.kwargs
        return super().get_context_data(
            **kwargs,
            member=member,
            own=own,
            pdf_url=(
                (
                    reverse("me:handbook_pdf", args=[year])
                    if own
                    else reverse("clerk:handbook_pdf", args=[member.pk, year])
                )
                if year
                else ""
            ),
            standards_url=(
                reverse("me:standards") if own else reverse("clerk:standards", args=[member.branch.pk])
            ),
            officer=access.may(user, VIEW_SCORES, member.branch),
            year=year,
            years=years,
            handbook=handbook,
        )


class HandbookPdf(PdfView):
    def document(self, user, year: int, member_pk: int | None = None) -> tuple[bytes, str]:
        if member_pk is None:
            member = get_member_for_user(user)
        else:
            member = scope.get_member_for_user(user, member_pk)
        if not member.is_scored:
            raise Http404
        return handbook_pdf(handbook_of(member, year)), f"{member.real_name}_{year}年度_党员积分手册"
