"""Task views of the year-end flows: each shows what the step decides on, takes a Django form and calls
a service. viewflow wraps each POST in the process's lock and one transaction; a service's refusal
(``ValidationError``) shows on the form and changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect

from scoring.core.annual import grade_choices
from workflows.periods import cycle_rules
from workflows.views.tasks import TaskFormView, add_service_errors
from yearend import annual, evaluation
from yearend.forms import (
    ApproveAnnualForm,
    GradeForm,
    HigherDecisionForm,
    NoteForm,
    ProposeEvaluationForm,
    TallyForm,
)
from yearend.posted import posted_rows
from yearend.standings import branch_year, members_by_pk, year_inputs
from yearend.tallies import session_tallies


class EvaluationTaskMixin:
    def session(self):
        return self.request.activation.process.evaluation

    def get_context_data(self, **kwargs):
        session = self.session()
        window = getattr(session, "window", None)
        kwargs.setdefault("session", session)
        kwargs.setdefault("window", window)
        kwargs.setdefault("appeals", window.appeals.select_related("appellant", "subject") if window else [])
        return super().get_context_data(**kwargs)


class TallyView(EvaluationTaskMixin, TaskFormView):
    """计票 by the clerk: online votes counted, paper ballots entered, voting ended."""

    form_class = TallyForm
    template_name = "yearend/task_tally.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(session=self.session(), tallies=session_tallies(self.session()))
        return kwargs

    def form_valid(self, form):
        session, user = self.session(), self.request.user
        try:
            with transaction.atomic():
                for member, ballots, counts, score in form.paper_entries():
                    evaluation.paper_tally_enter(
                        session=session, subject=member, ballots=ballots, counts=counts, score=score, by=user
                    )
                if form.cleaned_data["action"] == "finish":
                    evaluation.evaluation_tally_close(
                        session=session,
                        by=user,
                        activation=self.request.activation,
                        close_voting_now=form.cleaned_data["close_voting_now"],
                    )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        if form.cleaned_data["action"] == "save":
            messages.success(self.request, "纸质票已保存。")
            return HttpResponseRedirect(self.request.get_full_path())
        messages.success(self.request, "计票已完成，已提交支委会评定。")
        return HttpResponseRedirect(self.get_success_url())


class ProposeEvaluationView(EvaluationTaskMixin, TaskFormView):
    """支委会评定 of each member's 评议等次 or 得分, then 公示."""

    form_class = ProposeEvaluationForm
    template_name = "yearend/task_propose_evaluation.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(session=self.session(), tallies=session_tallies(self.session()))
        return kwargs

    def perform(self, data):
        form = self.get_form()
        form.cleaned_data = data
        proposals = {}
        for tally in form.tallies:
            result = form.value_of("result", tally.member.pk)
            reason = form.value_of("reason", tally.member.pk) or ""
            if self.session().kind == "levels":
                proposals[tally.member.pk] = evaluation.ProposalInput(level=result, reason=reason)
            else:
                proposals[tally.member.pk] = evaluation.ProposalInput(score=result, reason=reason)
        evaluation.evaluation_propose(
            session=self.session(),
            by=self.request.user,
            activation=self.request.activation,
            proposals=proposals,
        )


class ApproveEvaluationView(EvaluationTaskMixin, TaskFormView):
    """审定 of the 民主评议 after its 公示."""

    form_class = NoteForm
    template_name = "yearend/task_approve_evaluation.html"

    def get_context_data(self, **kwargs):
        window = self.session().window
        kwargs["rows"] = posted_rows(window)
        return super().get_context_data(**kwargs)

    def perform(self, data):
        evaluation.evaluation_approve(
            session=self.session(),
            by=self.request.user,
            activation=self.request.activation,
            note=data["note"],
        )


@dataclass(frozen=True)
class GradeRow:
    """One member on the committee's 等次 page: the year's figures, the suggestion and its reasons."""

    member: object
    standing: object
    carry_over_source: str
    initial: str
    reason: str


class AnnualTaskMixin:
    def review(self):
        return self.request.activation.process.annual_review

    def get_context_data(self, **kwargs):
        review = self.review()
        window = getattr(review, "window", None)
        kwargs.setdefault("review", review)
        kwargs.setdefault("window", window)
        kwargs.setdefault("appeals", window.appeals.select_related("appellant", "subject") if window else [])
        kwargs.setdefault("decisions", review.decisions.select_related("decided_by").order_by("decided_at"))
        return super().get_context_data(**kwargs)


class GradeView(AnnualTaskMixin, TaskFormView):
    """支委会评定等次: the year's figures computed by the core, the suggestion, the committee's 等次."""

    form_class = GradeForm
    template_name = "yearend/task_grade.html"

    def rows(self) -> list[GradeRow]:
        if not hasattr(self, "_rows"):
            review = self.review()
            inputs = year_inputs(review.branch, review.cycle)
            result = branch_year(review.branch, review.cycle, inputs)
            members = members_by_pk(result)
            earlier = annual.latest_grades(review)
            self._rows = [
                GradeRow(
                    member=members[s.member],
                    standing=s,
                    carry_over_source=inputs.carry_over_sources.get(s.member, ""),
                    initial=earlier[int(s.member)].grade
                    if int(s.member) in earlier
                    else (s.suggested_grade or ""),
                    reason=earlier[int(s.member)].reason if int(s.member) in earlier else "",
                )
                for s in annual.graded_here(review, result.standings)
            ]
            self._others = [s for s in result.standings if s not in {r.standing for r in self._rows}]
            self._members = members
            self._rules = inputs.rules
        return self._rows

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        review = self.review()
        kwargs.update(rows=self.rows(), choices=list(grade_choices(cycle_rules(review.branch, review.cycle))))
        return kwargs

    def get_context_data(self, **kwargs):
        self.rows()
        kwargs["others"] = [(self._members[s.member], s) for s in self._others]
        kwargs["rules"] = self._rules
        return super().get_context_data(**kwargs)

    def perform(self, data):
        grades = {
            row.member.pk: annual.GradeInput(
                grade=data.get(f"grade_{row.member.pk}") or "",
                reason=data.get(f"reason_{row.member.pk}") or "",
            )
            for row in self.rows()
        }
        annual.annual_grades_set(
            review=self.review(), by=self.request.user, activation=self.request.activation, grades=grades
        )


class ApproveAnnualView(AnnualTaskMixin, TaskFormView):
    """审定 of the year after its 公示: the figures and 等次 are frozen."""

    form_class = ApproveAnnualForm
    template_name = "yearend/task_approve_annual.html"

    def get_context_data(self, **kwargs):
        review = self.review()
        if getattr(review, "window", None) is not None:
            kwargs["rows"] = posted_rows(review.window)
        return super().get_context_data(**kwargs)

    def perform(self, data):
        args = {"review": self.review(), "by": self.request.user, "activation": self.request.activation}
        if data["decision"] == "send_back":
            annual.annual_review_send_back(**args, reason=data["note"])
        else:
            annual.annual_review_approve(**args, note=data["note"])


class HigherDecisionView(AnnualTaskMixin, TaskFormView):
    form_class = HigherDecisionForm
    template_name = "yearend/task_higher_decision.html"
    agree_label = ""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "agree_label": self.agree_label}

    def get_context_data(self, **kwargs):
        kwargs["results"] = annual.results_of(self.review())
        return super().get_context_data(**kwargs)


class RatifyView(HigherDecisionView):
    """党委审批 of the branch's 等次."""

    agree_label = "同意"

    def perform(self, data):
        annual.annual_review_ratify(
            review=self.review(),
            by=self.request.user,
            activation=self.request.activation,
            approve=data["decision"] == "agree",
            reason=data["reason"],
        )


class FileAnnualView(HigherDecisionView):
    """备案 of the approved year."""

    agree_label = "备案"

    def perform(self, data):
        annual.annual_review_file(
            review=self.review(),
            by=self.request.user,
            activation=self.request.activation,
            archive=data["decision"] == "agree",
            reason=data["reason"],
        )
