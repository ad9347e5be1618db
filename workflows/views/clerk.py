"""The clerk's entry pages (组织委员): choose a branch, record a meeting's sign-in list (活动签到登记),
record one branch-observed item (单项登记), and open a period's publicity (发起公示).

A branch outside the user's scope answers 404; a branch the user follows without the permission the
page needs (a secretary on the attendance page) answers 403. The periods page is read-only for those
who follow the branch without ``open_publicity``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import InvalidPage
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import generic

from accounts import access
from accounts.models import Member, Organization
from accounts.roles import OPEN_PUBLICITY, RECORD_CLAIMS
from config.formats import moment_text
from scoring.core.periods import Period, PeriodKind
from scoring.core.ruleset import Item
from scoring.core.ruleset import Source as ItemSource
from workflows import claims, member_selectors, periods
from workflows.forms import POINTS_FIELD
from workflows.pagination import UncountedPaginator
from workflows.views.member import ISO_DATE, item_choice_label
from workflows.views.tasks import add_service_errors

PRESENT, LEAVE, ABSENT = "present", "leave", "absent"


def get_branch_for_user(user, pk: int, perm: str | None = None) -> Organization:
    """A branch the user follows (else 404) where they hold ``perm`` (else 403)."""
    branch = get_object_or_404(member_selectors.branches_followed_by(user), pk=pk)
    if perm is not None and not access.may(user, perm, branch):
        raise PermissionDenied
    return branch


def _no_choice() -> list[tuple[str, str]]:
    return [("", gettext("——请选择——"))]


# ---------------------------------------------------------------- 选择支部

FOLLOWED_PER_PAGE = 30


class ClerkIndexView(LoginRequiredMixin, generic.TemplateView):
    """支部登记: the branches the user records for, and those whose periods they follow."""

    template_name = "workflows/clerk/index.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        recorded = list(member_selectors.branches_recorded_by(user))
        # A higher committee follows thousands of branches: a page of them at a time, found by name or
        # code, never counted (workflows.pagination).
        query = self.request.GET.get("q", "").strip()[:50]
        followed = member_selectors.branches_followed_by(user).exclude(pk__in=[b.pk for b in recorded])
        if query:
            followed = followed.filter(Q(name__contains=query) | Q(code__startswith=query))
        try:
            page = UncountedPaginator(followed, FOLLOWED_PER_PAGE).page(self.request.GET.get("page") or 1)
        except InvalidPage:
            raise Http404 from None
        if not recorded and not page.object_list and not query and page.number == 1:
            raise PermissionDenied
        from yearend.views.pages import default_cycle

        return super().get_context_data(
            **kwargs,
            recorded=recorded,
            followed=page.object_list,
            followed_page=page,
            query=query,
            year_end_cycle=default_cycle(),
        )


# ---------------------------------------------------------------- 活动签到登记


class AttendanceForm(forms.Form):
    """活动签到表: the meeting, its items, and who came or asked for leave; everyone else was absent."""

    title = forms.CharField(label=_("活动名称"), max_length=100)
    occurred_on = forms.DateField(
        label=_("活动日期"),
        widget=forms.DateInput(format=ISO_DATE, attrs={"type": "date"}),
        initial=timezone.localdate,
    )
    item_present = forms.ChoiceField(label=_("出席记分项目"))
    item_absent = forms.ChoiceField(label=_("无故缺席扣分项目"), required=False)
    item_leave = forms.ChoiceField(label=_("请假扣分项目"), required=False)

    def __init__(self, *args, items: list[Item], roster: list[Member], **kwargs):
        super().__init__(*args, **kwargs)
        gains = [(i.code, item_choice_label(i)) for i in items if i.points is not None and i.points > 0]
        losses = [(i.code, item_choice_label(i)) for i in items if i.points is not None and i.points < 0]
        self.fields["item_present"].choices = [*_no_choice(), *gains]
        self.fields["item_absent"].choices = [("", gettext("不扣分")), *losses]
        self.fields["item_leave"].choices = [("", gettext("不扣分")), *losses]
        self.roster = roster
        for member in roster:
            absent = (
                gettext("未到（流动党员不记缺席）")
                if member.status == Member.Status.MOBILE
                else gettext("缺席")
            )
            self.fields[self.member_field(member)] = forms.ChoiceField(
                label=member.real_name,
                choices=[(PRESENT, gettext("出席")), (LEAVE, gettext("请假")), (ABSENT, absent)],
                initial=ABSENT,
                widget=forms.RadioSelect,
            )

    @staticmethod
    def member_field(member: Member) -> str:
        return f"m{member.pk}"

    def member_rows(self):
        return [(member, self[self.member_field(member)]) for member in self.roster]

    def marked(self, mark: str) -> list[Member]:
        return [m for m in self.roster if self.cleaned_data.get(self.member_field(m)) == mark]


class BranchFormMixin(LoginRequiredMixin):
    """A form page about one branch, for those who record claims there."""

    permission = RECORD_CLAIMS

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.branch = get_branch_for_user(request.user, kwargs["pk"], self.permission)
        return super().dispatch(request, *args, **kwargs)

    def branch_items(self) -> list[Item]:
        if not hasattr(self, "_items"):
            try:
                _, self._items = member_selectors.items_in_force(
                    self.branch, timezone.localdate(), ItemSource.BRANCH
                )
            except ValidationError:
                self._items = []
        return self._items

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, branch=self.branch, has_items=bool(self.branch_items()))


class AttendanceNewView(BranchFormMixin, generic.FormView):
    form_class = AttendanceForm
    template_name = "workflows/clerk/attendance_new.html"

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "items": self.branch_items(),
            "roster": list(member_selectors.attendance_roster(self.branch)),
        }

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            sheet = claims.attendance_record(
                branch=self.branch,
                title=data["title"],
                occurred_on=data["occurred_on"],
                item_present=data["item_present"],
                item_absent=data["item_absent"],
                item_leave=data["item_leave"],
                present=form.marked(PRESENT),
                on_leave=form.marked(LEAVE),
                by=self.request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            gettext("已登记“%(title)s”，共 %(count)s 条，待支委会审核。")
            % {"title": sheet.title, "count": sheet.claims.count()},
        )
        return redirect("clerk:index")


# ---------------------------------------------------------------- 单项登记


class BranchRecordForm(forms.Form):
    """支部登记: one branch-observed item (dues, a circular, late material) for one member."""

    member = forms.ModelChoiceField(label=_("党员"), queryset=Member.objects.none(), empty_label="——请选择——")
    item_code = forms.ChoiceField(label=_("积分项目"))
    occurred_on = forms.DateField(
        label=_("发生日期"),
        widget=forms.DateInput(format=ISO_DATE, attrs={"type": "date"}),
        initial=timezone.localdate,
    )
    points = forms.DecimalField(label=_("分值"), help_text=_("仅分值区间项目需要填写"), **POINTS_FIELD)
    description = forms.CharField(
        label=_("事由"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=500
    )

    def __init__(self, *args, items: list[Item], roster, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = roster
        self.fields["item_code"].choices = [*_no_choice(), *((i.code, item_choice_label(i)) for i in items)]


class RecordNewView(BranchFormMixin, generic.FormView):
    form_class = BranchRecordForm
    template_name = "workflows/clerk/record_new.html"

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "items": self.branch_items(),
            "roster": member_selectors.attendance_roster(self.branch),
        }

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            claims.branch_record(
                member=data["member"],
                item_code=data["item_code"],
                occurred_on=data["occurred_on"],
                points=data["points"],
                description=data["description"],
                by=self.request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request, gettext("已为 %(name)s 登记，待支委会审核。") % {"name": data["member"].real_name}
        )
        return redirect("clerk:record_new", pk=self.branch.pk)


# ---------------------------------------------------------------- 期间与公示


class PeriodsView(LoginRequiredMixin, generic.TemplateView):
    """The branch's periods, each with its review; 发起公示 for an ended period without one."""

    template_name = "workflows/clerk/periods.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.branch = get_branch_for_user(request.user, kwargs["pk"])
            self.may_start = access.may(request.user, OPEN_PUBLICITY, self.branch)
            # 退回重新审定 of an approved period is the secretary's (``workflows.reopening``).
            self.may_reopen = access.may(request.user, "approve_period", self.branch)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs,
            branch=self.branch,
            rows=member_selectors.period_rows(self.branch),
            may_start=self.may_start,
            may_reopen=self.may_reopen,
        )

    def post(self, request, *args, **kwargs):
        if not self.may_start:
            raise PermissionDenied
        period = self._posted_period()
        try:
            review = periods.period_start(branch=self.branch, period=period, by=request.user)
        except ValidationError as error:
            return self.render_to_response(self.get_context_data(errors=error.messages))
        closes = timezone.localtime(review.window.closes_at)
        messages.success(
            request,
            gettext("已发起 %(period)s 公示，公示期至 %(closes)s。")
            % {"period": review.label, "closes": moment_text(closes)},
        )
        return redirect("clerk:periods", pk=self.branch.pk)

    def _posted_period(self) -> Period:
        try:
            return Period(
                int(self.request.POST["cycle"]),
                PeriodKind(self.request.POST["kind"]),
                int(self.request.POST["index"]),
            )
        except (KeyError, ValueError):
            raise Http404 from None
