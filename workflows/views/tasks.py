"""Task views of the flows: each shows the record it acts on, takes a Django form and calls a service.

viewflow wraps each POST in the process's row lock and one transaction; a service refusing the action
(``ValidationError``) rolls its own savepoint back and the form shows the reason, nothing changed.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.views import generic
from viewflow.workflow.flow.views import mixins

from scoring.selectors import item_names
from workflows import appeals, claims, periods
from workflows.consequences import period_attention
from workflows.forms import (
    ApprovePeriodForm,
    DecideAppealForm,
    DecideResultAppealForm,
    FilingForm,
    RecordClaimForm,
    ReviewClaimForm,
    ReviseClaimForm,
)
from workflows.task_records import claim_context


def add_service_errors(form, error: ValidationError) -> None:
    """Put a service's errors on the form's fields where the form has them, else on the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class TaskFormView(mixins.TaskSuccessUrlMixin, generic.FormView):
    """A task page: the record, the form, and the service that does the work."""

    success_text = _("已完成：{task}")

    def get_context_data(self, **kwargs):
        activation = self.request.activation
        kwargs.setdefault("process", activation.process)
        kwargs.setdefault("task", activation.task)
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        try:
            self.perform(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request, self.success_text.format(task=self.request.activation.task.flow_task.task_title)
        )
        return HttpResponseRedirect(self.get_success_url())

    def perform(self, data) -> None:
        raise NotImplementedError


class ClaimTaskMixin:
    def claim_context(self) -> dict:
        return claim_context(self.request.activation.process.claim, self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(**self.claim_context(), **kwargs)


class RecordClaimView(ClaimTaskMixin, TaskFormView):
    """登记 by the branch clerk."""

    form_class = RecordClaimForm
    template_name = "workflows/task_record_claim.html"

    def perform(self, data):
        claim = self.request.activation.process.claim
        if data["action"] == "return":
            claims.claim_return(
                claim=claim, by=self.request.user, reason=data["reason"], activation=self.request.activation
            )
        else:
            claims.claim_record(
                claim=claim, by=self.request.user, note=data["reason"], activation=self.request.activation
            )


class ReviseClaimView(ClaimTaskMixin, TaskFormView):
    """补充材料 by the member whose claim was returned."""

    form_class = ReviseClaimForm
    template_name = "workflows/task_revise_claim.html"

    def get_initial(self):
        claim = self.request.activation.process.claim
        return {
            "occurred_on": claim.occurred_on,
            "place": claim.place,
            "description": claim.description,
            "points": claim.points_requested,
            "cap_acknowledged": claim.cap_acknowledged,
        }

    def perform(self, data):
        claims.claim_resubmit(
            claim=self.request.activation.process.claim,
            by=self.request.user,
            activation=self.request.activation,
            occurred_on=data["occurred_on"],
            place=data["place"],
            description=data["description"],
            points=data["points"],
            evidence=data["evidence"],
            cap_acknowledged=data["cap_acknowledged"],
        )


class ReviewClaimView(ClaimTaskMixin, TaskFormView):
    """支委会审核."""

    form_class = ReviewClaimForm
    template_name = "workflows/task_review_claim.html"

    def get_initial(self):
        return {"points": self.request.activation.process.claim.points_requested}

    def perform(self, data):
        claim = self.request.activation.process.claim
        if data["decision"] == "reject":
            claims.claim_reject(
                claim=claim, by=self.request.user, reason=data["reason"], activation=self.request.activation
            )
        else:
            claims.claim_approve(
                claim=claim,
                by=self.request.user,
                points=data["points"],
                reason=data["reason"],
                activation=self.request.activation,
            )


def _attention(review):
    """需关注: the consequences the rule set attaches to these ranks (shown, never applied)."""
    try:
        return period_attention(
            review, periods.cycle_rules(review.branch, review.cycle), periods.period_scores(review)
        )
    except ValidationError:
        return []  # no rule set in force: the page already says so


class PeriodTaskMixin:
    def period_review(self):
        """The period the task is about (a 退回重新审定 process carries it on its reopening)."""
        return self.request.activation.process.period_review

    def get_context_data(self, **kwargs):
        review = self.period_review()
        approval = periods.current_approval(review)
        context = {
            "review": review,
            "window": review.window,
            "entries": periods.publicity_entries(review),
            "appeals": review.window.appeals.select_related("appellant", "entry"),
            "approval": approval,
            "frozen": approval.scores.select_related("member").order_by("period_rank", "member__real_name")
            if approval
            else None,
            "attention": _attention(review),
        }
        return super().get_context_data(**context, **kwargs)


class ApprovePeriodView(PeriodTaskMixin, TaskFormView):
    """审定 by the branch secretary: shows the scores the core computes, then freezes them."""

    form_class = ApprovePeriodForm
    template_name = "workflows/task_approve_period.html"

    def get_context_data(self, **kwargs):
        review = self.period_review()
        try:
            preview = periods.period_scores(review)
        except ValidationError as error:
            preview, kwargs["preview_error"] = None, error
        kwargs["preview"] = preview
        kwargs["rows"] = periods.preview_rows(preview) if preview else []
        return super().get_context_data(**kwargs)

    def perform(self, data):
        periods.period_approve(
            review=self.period_review(),
            by=self.request.user,
            note=data["note"],
            activation=self.request.activation,
        )


class FilingView(PeriodTaskMixin, TaskFormView):
    """备案 by the higher committee: archive, or return with a reason (which reopens 审定)."""

    form_class = FilingForm
    template_name = "workflows/task_filing.html"

    def perform(self, data):
        review = self.period_review()
        if data["decision"] == "return":
            periods.filing_return(
                review=review, by=self.request.user, reason=data["reason"], activation=self.request.activation
            )
        else:
            periods.filing_archive(
                review=review, by=self.request.user, note=data["reason"], activation=self.request.activation
            )


class DecideAppealView(TaskFormView):
    """处理申诉 by the branch committee — against a ledger entry, or against a year-end result."""

    template_name = "workflows/task_decide_appeal.html"

    def appeal(self):
        return self.request.activation.process.appeal

    def get_form_class(self):
        return DecideAppealForm if self.appeal().entry_id else DecideResultAppealForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.appeal().entry_id is None:
            kwargs["choices"] = result_choices(self.appeal().window)
        return kwargs

    def get_context_data(self, **kwargs):
        appeal = self.appeal()
        if appeal.entry_id is not None:
            names = item_names(appeal.entry.ruleset_version)
            kwargs["item_name"] = names.get(appeal.entry.item_code, appeal.entry.item_code)
        else:
            from yearend.posted import posted_rows

            kwargs["posted"] = next(
                (row for row in posted_rows(appeal.window) if row.member.pk == appeal.subject_id), None
            )
        return super().get_context_data(
            appeal=appeal, entry=appeal.entry, evidence=list(appeal.evidence.all()), **kwargs
        )

    def perform(self, data):
        appeals.appeal_decide(
            appeal=self.appeal(),
            by=self.request.user,
            uphold=data["decision"] == "uphold",
            points=data.get("points"),
            result=str(data.get("result") or ""),
            reason=data["reason"],
            activation=self.request.activation,
        )


def result_choices(window) -> list[str] | None:
    """What a year-end result may be corrected to: the session's levels or the rules' grades; None for a
    vote score (typed in)."""
    if window.evaluation_id is not None:
        session = window.evaluation
        return list(session.levels) if session.kind == "levels" else None
    from scoring.core.annual import grade_choices

    review = window.annual_review
    return list(grade_choices(periods.cycle_rules(review.branch, review.cycle)))
