"""The member's own pages, made for a phone: 我的积分, 申报积分, 我的申报, 公示, 申诉, 通知.

Each view: login, one access helper, one selector or service call, then a render or a redirect.
What a member may read is decided by the scoped querysets of ``workflows.member_selectors``; what
a member may do is decided by the services, whose Chinese errors are shown on the form's fields.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View, generic
from viewflow.workflow.status import STATUS

from accounts import access
from accounts.models import Member
from audit.services import audit_trail
from scoring.core.ruleset import Evidence as EvidenceRule
from scoring.core.ruleset import Item, LimitPer, fmt
from scoring.core.ruleset import Source as ItemSource
from scoring.models import LedgerEntry
from scoring.selectors import effective_ruleset, item_names
from workflows import appeals, claims, member_selectors
from workflows.forms import AppealForm, ClaimForm
from workflows.models import Appeal, Claim, PeriodReview
from workflows.notifications import notification_mark_read, notifications_for, notifications_mark_all_read
from workflows.periods import publicity_entries
from workflows.standards import claim_item_standards
from workflows.views.tasks import add_service_errors

UNREAD_SHOWN = 20
ISO_DATE = "%Y-%m-%d"
PEOPLES_STEPS = ("START", "HUMAN")
LIMIT_WORDS = {LimitPer.MONTH: _("每月"), LimitPer.QUARTER: _("每季度"), LimitPer.YEAR: _("每年")}


# ---------------------------------------------------------------- access helpers


def get_member_for_user(user) -> Member:
    """The user's own member record; a user who is no member has no pages here."""
    member = access.own_member(user)
    if member is None:
        raise Http404
    return member


def get_claim_for_member(user, pk: int) -> Claim:
    return get_object_or_404(member_selectors.claims_of(user), pk=pk)


def get_review_for_user(user, pk: int) -> PeriodReview:
    return get_object_or_404(member_selectors.reviews_visible_to(user).select_related("branch"), pk=pk)


def get_review_for_appellant(user, pk: int) -> PeriodReview:
    return get_object_or_404(member_selectors.reviews_open_to_appeal_by(user), pk=pk)


def get_appeal_for_member(user, pk: int) -> Appeal:
    return get_object_or_404(member_selectors.appeals_of(user), pk=pk)


# ---------------------------------------------------------------- how items read


def points_text(item: Item) -> str:
    """“2 分/次”, “1～2 分，审核时确定”, “−1 分/次”, “一票否决”."""
    if item.veto:
        return gettext("一票否决")
    if item.is_range:
        low, high = item.points_range
        return gettext("%(low)s～%(high)s 分，审核时确定") % {"low": fmt(low), "high": fmt(high)}
    return gettext("%(points)s 分/次") % {"points": fmt(item.points)}


def item_rules_text(item: Item) -> str:
    """The limits of an item in plain words: cap, frequency, evidence."""
    parts = []
    if item.cap is not None:
        parts.append(gettext("全年最多 %(cap)s 分") % {"cap": fmt(item.cap)})
    if item.limit is not None:
        parts.append(
            gettext("%(per)s最多 %(times)s 次")
            % {"per": LIMIT_WORDS[item.limit.per], "times": item.limit.times}
        )
    if item.evidence == EvidenceRule.REQUIRED:
        parts.append(gettext("必须上传照片或签到表"))
    return "；".join(parts)


def item_choice_label(item: Item) -> str:
    label = f"{item.name}（{points_text(item)}）"
    if item.evidence == EvidenceRule.REQUIRED:
        label += gettext(" · 需照片")
    return label


# ---------------------------------------------------------------- 我的积分


class MyPointsView(LoginRequiredMixin, generic.TemplateView):
    """我的积分: what counts (审定), what is pending (待审定), by item; unread notices; where to go next."""

    template_name = "workflows/me/index.html"

    def get_context_data(self, **kwargs):
        from yearend.selectors import member_year_end

        member = get_member_for_user(self.request.user)
        unread = notifications_for(self.request.user).filter(read_at__isnull=True)
        points = member_selectors.my_points(member)
        return super().get_context_data(
            **kwargs,
            member=member,
            points=points,
            year_end=member_year_end(member, points.cycle or timezone.localdate().year),
            rankings_shown=member_selectors.rankings_shown(member.branch),
            unread=unread[:UNREAD_SHOWN],
            unread_count=unread.count(),
        )


class NotificationReadView(LoginRequiredMixin, View):
    """Mark one notice read; with ``open`` go on to what it is about."""

    def post(self, request, pk: int):
        notification = get_object_or_404(notifications_for(request.user), pk=pk)
        notification_mark_read(notification=notification, user=request.user)
        target = notification.url if "open" in request.POST else ""
        if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            return HttpResponseRedirect(target)
        return redirect("me:index")


class NotificationsReadAllView(LoginRequiredMixin, View):
    def post(self, request):
        notifications_mark_all_read(user=request.user)
        return redirect("me:index")


# ---------------------------------------------------------------- 申报


class AnyItemChoiceField(forms.ChoiceField):
    """Offers the items members may claim, but lets any code through to the service, which refuses an
    item members may not claim (or one the rules no longer know) with its own reason."""

    def valid_value(self, value) -> bool:
        return bool(value)


class MemberClaimForm(ClaimForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = self.fields["item_code"].choices
        self.fields["item_code"] = AnyItemChoiceField(label=_("积分项目"), choices=choices)
        date_widget = self.fields["occurred_on"].widget
        date_widget.format = ISO_DATE  # a date input takes ISO dates only, whatever the locale
        date_widget.attrs.update({"max": timezone.localdate().isoformat()})
        self.fields["points"].widget.attrs.update({"inputmode": "decimal", "step": "0.5"})


class ClaimNewView(LoginRequiredMixin, generic.FormView):
    """申报积分: the claim form, for the items members claim under the rules in force for the branch."""

    form_class = MemberClaimForm
    template_name = "workflows/me/claim_new.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.member = get_member_for_user(request.user)
        return super().dispatch(request, *args, **kwargs)

    def items(self) -> list[Item]:
        if not hasattr(self, "_items"):
            try:
                _, self._items = member_selectors.items_in_force(
                    self.member.branch, timezone.localdate(), ItemSource.MEMBER
                )
            except ValidationError:
                self._items = []
        return self._items

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["items"] = [(item.code, item_choice_label(item)) for item in self.items()]
        return kwargs

    def get_context_data(self, **kwargs):
        form = kwargs.get("form")
        cap_warning = form is not None and form.has_error("cap_acknowledged")
        return super().get_context_data(
            **kwargs,
            member=self.member,
            items=[(item, points_text(item), item_rules_text(item)) for item in self.items()],
            range_codes=[item.code for item in self.items() if item.is_range],
            item_standards=claim_item_standards(
                self.member.branch, timezone.localdate(), [item.code for item in self.items()]
            ),
            show_cap=cap_warning or (form is not None and form.data.get("cap_acknowledged")),
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            claim = claims.claim_submit(
                member=self.member,
                item_code=data["item_code"],
                occurred_on=data["occurred_on"],
                place=data["place"],
                description=data["description"],
                points=data["points"],
                evidence=data["evidence"],
                cap_acknowledged=data["cap_acknowledged"],
                by=self.request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, gettext("申报已提交，等待组织委员登记。"))
        return redirect("me:claim_detail", pk=claim.pk)


class ClaimListView(LoginRequiredMixin, generic.TemplateView):
    """我的申报: every claim and its state, newest first."""

    template_name = "workflows/me/claim_list.html"

    def get_context_data(self, **kwargs):
        get_member_for_user(self.request.user)
        rows = []
        for claim in member_selectors.claims_of(self.request.user).order_by("-occurred_on", "-pk"):
            rows.append((claim, item_names(claim.ruleset_version).get(claim.item_code, claim.item_code)))
        return super().get_context_data(**kwargs, rows=rows)


def revise_task_url(claim: Claim, user) -> str | None:
    """The viewflow task page where the member revises a returned claim, if it waits for them."""
    from workflows.flows import ClaimFlow

    process = getattr(claim, "process", None)
    if process is None or claim.status != Claim.Status.RETURNED:
        return None
    task = (
        process.task_set.filter(flow_task=ClaimFlow.revise, status__in=[STATUS.NEW, STATUS.ASSIGNED])
        .filter(owner=user)
        .first()
    )
    if task is None:
        return None
    url = task.flow_task.reverse("execute", args=[task.process_id, task.pk])
    # After resubmitting, viewflow sends the member back to this claim's page.
    return f"{url}?{urlencode({'back': reverse('me:claim_detail', args=[claim.pk])})}"


class ClaimDetailView(LoginRequiredMixin, generic.TemplateView):
    """One of my claims: what was claimed, its state, who did what when and why, and what to do next."""

    template_name = "workflows/me/claim_detail.html"

    def get_context_data(self, **kwargs):
        claim = get_claim_for_member(self.request.user, self.kwargs["pk"])
        process = getattr(claim, "process", None)
        return super().get_context_data(
            **kwargs,
            claim=claim,
            item=effective_ruleset(claim.ruleset_version).item(claim.item_code),
            evidence=list(claim.evidence.all()),
            history=audit_trail(claim).select_related("actor__member"),
            tasks=_steps(process),
            revise_url=revise_task_url(claim, self.request.user),
        )


def _steps(process) -> list:
    """The steps people take (申报, 登记, 补充材料, 审核), without the gateways between them."""
    if process is None:
        return []
    tasks = process.task_set.filter(flow_task_type__in=PEOPLES_STEPS)
    return list(tasks.select_related("owner__member").order_by("created", "pk"))


# ---------------------------------------------------------------- 公示 and 申诉


class PublicityCurrentView(LoginRequiredMixin, generic.TemplateView):
    """当前公示 of my branch: the newest period review, or a plain word that there is none yet."""

    template_name = "workflows/me/publicity_none.html"

    def get(self, request, *args, **kwargs):
        member = get_member_for_user(request.user)
        review = member_selectors.current_review(member.branch)
        if review is not None:
            return redirect("me:publicity_detail", pk=review.pk)
        return super().get(request, *args, member=member, **kwargs)


class PublicityDetailView(LoginRequiredMixin, generic.TemplateView):
    """公示: names, items, points and reasons of the branch's period; 申诉 while the window is open;
    the frozen result once approved. Nothing private is shown."""

    template_name = "workflows/me/publicity_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        review = get_review_for_user(user, self.kwargs["pk"])
        window = getattr(review, "window", None)
        may_appeal = member_selectors.reviews_open_to_appeal_by(user).filter(pk=review.pk).exists()
        result = member_selectors.frozen_result(review)
        return super().get_context_data(
            **kwargs,
            review=review,
            window=window,
            window_open=window is not None and window.is_open(),
            may_appeal=may_appeal,
            rows=member_selectors.publicity_rows(review),
            result=result,
            # 等次 are the year's (年度总评): an in-year period shows no grade to the branch.
            result_grades=False,
            rankings_shown=member_selectors.rankings_shown(review.branch),
            others=member_selectors.reviews_visible_to(user)
            .filter(branch=review.branch)
            .exclude(pk=review.pk)
            .order_by("-ends_on"),
        )


class AppealNewView(LoginRequiredMixin, generic.FormView):
    """申诉 against one entry of my branch's 公示, while its window is open."""

    form_class = AppealForm
    template_name = "workflows/me/appeal_new.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.member = get_member_for_user(request.user)
            self.review = get_review_for_appellant(request.user, kwargs["pk"])
            self.entry = get_object_or_404(
                publicity_entries(self.review).select_related("ruleset_version"), pk=kwargs["entry_pk"]
            )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        window = getattr(self.review, "window", None)
        return super().get_context_data(
            **kwargs,
            review=self.review,
            window=window,
            window_open=window is not None and window.is_open(),
            entry=self.entry,
            item_name=item_names(self.entry.ruleset_version).get(self.entry.item_code, self.entry.item_code),
        )

    def form_valid(self, form):
        try:
            appeal = appeals.appeal_file(
                appellant=self.member,
                entry=self.entry,
                reason=form.cleaned_data["reason"],
                evidence=form.cleaned_data["evidence"],
                by=self.request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, gettext("申诉已提交，支委会核实后会通知您结果。"))
        return redirect("me:appeal_detail", pk=appeal.pk)


class AppealListView(LoginRequiredMixin, generic.TemplateView):
    template_name = "workflows/me/appeal_list.html"

    def get_context_data(self, **kwargs):
        get_member_for_user(self.request.user)
        rows = [
            (appeal, appeal_subject_text(appeal)) for appeal in member_selectors.appeals_of(self.request.user)
        ]
        return super().get_context_data(**kwargs, rows=rows)


class AppealDetailView(LoginRequiredMixin, generic.TemplateView):
    template_name = "workflows/me/appeal_detail.html"

    def get_context_data(self, **kwargs):
        appeal = get_appeal_for_member(self.request.user, self.kwargs["pk"])
        return super().get_context_data(
            **kwargs,
            appeal=appeal,
            entry=appeal.entry,
            item_name=_entry_item_name(appeal.entry) if appeal.entry_id else "",
            evidence=list(appeal.evidence.all()),
            history=audit_trail(appeal).select_related("actor__member"),
        )


def appeal_subject_text(appeal: Appeal) -> str:
    """What an appeal disputes, in a line: the entry's member and item, or whose year-end result."""
    if appeal.entry_id is not None:
        return f"{appeal.entry.member.real_name} · {_entry_item_name(appeal.entry)}"
    return f"{appeal.subject.real_name} · {appeal.window.owner.label}结果"


def _entry_item_name(entry: LedgerEntry) -> str:
    return item_names(entry.ruleset_version).get(entry.item_code, entry.item_code)
