"""Task pages of 台账更正 (支委会决定更正) and 退回重新审定 (上级党委同意退回, 重新审定, 备案), and the
secretary's page to reopen an approved period. Each shows the record, takes a form, calls a service."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views import generic

from accounts import access
from scoring.selectors import item_names
from workflows import corrections, reopening
from workflows.models import PeriodReview
from workflows.views.tasks import ApprovePeriodView, FilingView, TaskFormView, add_service_errors


class DecideCorrectionForm(forms.Form):
    DECISIONS = [("approve", _("同意更正（冲正原记录）")), ("reject", _("不予更正"))]
    decision = forms.ChoiceField(label=_("支委会决定"), choices=DECISIONS, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("支委会意见"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("不予更正必须说明理由"),
    )


class ConsentReopenForm(forms.Form):
    DECISIONS = [("consent", _("同意退回重新审定")), ("refuse", _("不同意"))]
    decision = forms.ChoiceField(label=_("上级党委意见"), choices=DECISIONS, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("意见 / 不同意的理由"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("退回原因"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("发现了什么错误，需要更正哪些记录"),
    )


class DecideCorrectionView(TaskFormView):
    """支委会决定更正."""

    form_class = DecideCorrectionForm
    template_name = "workflows/task_decide_correction.html"

    def correction(self):
        return self.request.activation.process.correction

    def get_context_data(self, **kwargs):
        correction = self.correction()
        entry = correction.entry
        kwargs["item_name"] = item_names(entry.ruleset_version).get(entry.item_code, entry.item_code)
        return super().get_context_data(correction=correction, entry=entry, **kwargs)

    def perform(self, data):
        corrections.correction_decide(
            correction=self.correction(),
            by=self.request.user,
            approve=data["decision"] == "approve",
            reason=data["reason"],
            activation=self.request.activation,
        )


class ConsentReopenView(TaskFormView):
    """上级党委同意退回 an archived period."""

    form_class = ConsentReopenForm
    template_name = "workflows/task_consent_reopen.html"

    def get_context_data(self, **kwargs):
        record = self.request.activation.process.reopening
        return super().get_context_data(reopening=record, review=record.review, **kwargs)

    def perform(self, data):
        reopening.reopening_consent(
            reopening=self.request.activation.process.reopening,
            by=self.request.user,
            consent=data["decision"] == "consent",
            reason=data["reason"],
            activation=self.request.activation,
        )


class ReopenedPeriodMixin:
    def period_review(self):
        return self.request.activation.process.reopening.review


class ReapprovePeriodView(ReopenedPeriodMixin, ApprovePeriodView):
    """重新审定 of a reopened period: a new round."""


class RefilingView(ReopenedPeriodMixin, FilingView):
    """备案 of a reopened period's new round."""


class ReopenPeriodView(LoginRequiredMixin, generic.FormView):
    """退回重新审定: the branch secretary's page for an approved period."""

    form_class = ReopenForm
    template_name = "workflows/reopen_period.html"

    def dispatch(self, request, *args, **kwargs):
        self.review = get_object_or_404(PeriodReview.objects.select_related("branch"), pk=kwargs["pk"])
        if request.user.is_authenticated and not access.may(
            request.user, "approve_period", self.review.branch
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(review=self.review, **kwargs)

    def form_valid(self, form):
        try:
            record = reopening.period_reopen(
                review=self.review, by=self.request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        done = (
            _("已退回重新审定。")
            if record.status == record.Status.REOPENED
            else _("已提交上级党委，同意后退回重新审定。")
        )
        messages.success(self.request, done)
        return redirect("/workflow/inbox/")
