"""What each human task of the flows is called over the API, which decisions it offers and which
service each decision calls — the same choices and services as the task pages (``workflows.views.tasks``,
``yearend.views.tasks``).

A kind's code (``claim.review``) names a node of ``workflows.flows``; its decisions are the task form's
choices (``workflows.forms``), with 支委会审核's "approve at other points" spelled out as ``adjust``.
Every decision is carried out through ``workflows.execution.task_carry_out``: under the process's lock,
taking the task first when it is still in the queue. A step that decides per member (支委会评定 of a
民主评议, 评定等次 of a 年度总评) takes its body at its own resource, which goes through the same function;
so does the member's revision of a returned claim (with evidence uploads).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task

from scoring import messages as scoring_messages
from scoring import proposals
from workflows import appeals, claims, corrections, messages, periods, reopening
from workflows.correction_flows import CorrectionFlow, PeriodReopenFlow
from workflows.execution import task_carry_out
from workflows.flows import AppealFlow, ClaimFlow, PeriodReviewFlow
from workflows.forms import DecideAppealForm, FilingForm, RecordClaimForm, ReviewClaimForm
from workflows.rule_flows import RuleProposalFlow
from workflows.views.rules import DecisionForm as RuleDecisionForm
from yearend import annual, evaluation
from yearend import messages as yearend_messages
from yearend.flows import AnnualReviewFlow, EvaluationFlow

REASON = "reason"
POINTS = "points"
RESULT = "result"

ADJUST_NEEDS_POINTS = _("调整分值时请填写核定分值。")
ADJUST_FIXED_ITEM = _("该项目分值固定，不能调整分值。")
DECISION_NOT_OFFERED = _("该任务可选的处理为：%(choices)s。")
REVISE_ELSEWHERE = _(
    "补充材料请通过“修改重报”提交（POST /api/v1/claims/%(claim)s/revise/，可上传证明材料）。"
)
PROPOSE_ELSEWHERE = _(
    "支委会评定请提交每名党员的评议等次（或得分）：POST /api/v1/evaluations/%(id)s/proposals/。"
)
GRADE_ELSEWHERE = _("评定等次请提交每名党员的等次：POST /api/v1/annual-reviews/%(id)s/grades/。")
REVISE_PROPOSAL_ELSEWHERE = _("修改细则请提交修改后的细则：POST /api/v1/rule-proposals/%(id)s/revise/。")


@dataclass(frozen=True)
class Act:
    """A decision as the caller sent it (``check_act`` says whether the task offers it, complete)."""

    decision: str
    reason: str = ""
    points: Decimal | None = None
    result: str = ""


@dataclass(frozen=True)
class Choice:
    decision: str
    label: str
    needs: tuple[str, ...] = ()  # fields the decision cannot do without


def _label(choices, code: str) -> str:
    return str(dict(choices)[code])


@dataclass(frozen=True)
class Elsewhere:
    """A step done at a resource of its own (the body it needs does not fit a decision)."""

    route: str  # the API route name
    record: Callable[[Task], Any]  # the record whose id the route takes
    message: Any  # what ``act`` answers, with ``%(id)s``

    def path(self, task: Task) -> str:
        return reverse(self.route, args=[self.record(task).pk])

    def refusal(self, task: Task) -> str:
        return str(self.message % {"id": self.record(task).pk, "claim": self.record(task).pk})


@dataclass(frozen=True)
class TaskKind:
    code: str
    node: Any  # the flow's node
    choices: tuple[Choice, ...]
    perform: Callable[[Task, Any, Act], Any] | None  # None: done elsewhere
    elsewhere: Elsewhere | None = None
    reason_required: Any = messages.REASON_REQUIRED  # what a missing reason is told

    @property
    def title(self) -> str:
        return str(self.node.task_title)

    @property
    def flow(self) -> str:
        return self.code.split(".")[0]

    def choice(self, decision: str) -> Choice | None:
        return next((c for c in self.choices if c.decision == decision), None)


def _claim(task: Task):
    # Read before the step only where a check must come first (调整: the item has a range).
    from workflows.models import Claim

    return Claim.objects.select_related("member__user", "branch").get(process__pk=task.process_id)


def _on_its_claim(service: Any) -> Any:
    """``service`` on the task's claim as read with the task under the process's lock
    (``workflows.execution.STEP_RELATED``): the step reads no claim before it (the service re-reads it
    under the claim's own lock)."""

    def on_claim(*, by: Any, activation: Any, **kwargs: Any) -> Any:
        return service(claim=activation.process.claim, by=by, activation=activation, **kwargs)

    return on_claim


def _review(task: Task):
    return task.process.coerced.period_review


def _appeal(task: Task):
    return task.process.coerced.appeal


def _session(task: Task):
    return task.process.coerced.evaluation


def _annual_review(task: Task):
    return task.process.coerced.annual_review


def _record(task: Task, user: Any, act: Act) -> Any:
    if act.decision == "return":
        return task_carry_out(task, user, _on_its_claim(claims.claim_return), reason=act.reason)
    return task_carry_out(task, user, _on_its_claim(claims.claim_record), note=act.reason)


def _review_claim(task: Task, user: Any, act: Act) -> Any:
    if act.decision == "reject":
        return task_carry_out(task, user, _on_its_claim(claims.claim_reject), reason=act.reason)
    if act.decision == "adjust":
        _require_range(_claim(task))
    return task_carry_out(
        task, user, _on_its_claim(claims.claim_approve), points=act.points, reason=act.reason
    )


def _require_range(claim) -> None:
    """调整 means points within the item's range: an item of fixed points has nothing to adjust."""
    from scoring.selectors import effective_ruleset

    item = effective_ruleset(claim.ruleset_version).item(claim.item_code)
    if item is None or not item.is_range:
        raise ValidationError({POINTS: [ADJUST_FIXED_ITEM]})


def _approve_review(task: Task, user: Any, act: Act, review) -> Any:
    return task_carry_out(task, user, periods.period_approve, review=review, note=act.reason)


def _file_review(task: Task, user: Any, act: Act, review) -> Any:
    if act.decision == "return":
        return task_carry_out(task, user, periods.filing_return, review=review, reason=act.reason)
    return task_carry_out(task, user, periods.filing_archive, review=review, note=act.reason)


def _approve_period(task: Task, user: Any, act: Act) -> Any:
    return _approve_review(task, user, act, _review(task))


def _file(task: Task, user: Any, act: Act) -> Any:
    return _file_review(task, user, act, _review(task))


def _yes_or_no(service: Any, subject: str, subject_of: Any, flag: str, yes: str) -> Any:
    """A step decided one way or the other with an optional reason: ``flag`` is true on ``yes``."""

    def act_on(task: Task, user: Any, act: Act) -> Any:
        kwargs = {subject: subject_of(task), flag: act.decision == yes, "reason": act.reason}
        return task_carry_out(task, user, service, **kwargs)

    return act_on


def _decide_appeal(task: Task, user: Any, act: Act) -> Any:
    appeal = _appeal(task)
    uphold = act.decision == "uphold"
    if appeal.entry_id is None:  # a year-end result (评议等次/得分, 年度等次): the corrected result
        return task_carry_out(
            task,
            user,
            appeals.appeal_decide,
            appeal=appeal,
            uphold=uphold,
            reason=act.reason,
            result=act.result,
        )
    return task_carry_out(
        task,
        user,
        appeals.appeal_decide,
        appeal=appeal,
        uphold=uphold,
        points=act.points if uphold else None,
        reason=act.reason,
    )


def _tally(task: Task, user: Any, act: Act) -> Any:
    return task_carry_out(
        task,
        user,
        evaluation.evaluation_tally_close,
        session=_session(task),
        close_voting_now=act.decision == "finish_early",
    )


def _approve_evaluation(task: Task, user: Any, act: Act) -> Any:
    return task_carry_out(task, user, evaluation.evaluation_approve, session=_session(task), note=act.reason)


def _approve_annual(task: Task, user: Any, act: Act) -> Any:
    review = _annual_review(task)
    if act.decision == "send_back":
        return task_carry_out(task, user, annual.annual_review_send_back, review=review, reason=act.reason)
    return task_carry_out(task, user, annual.annual_review_approve, review=review, note=act.reason)


def _rule_proposal(task: Task):
    return task.process.coerced.rule_proposal


def _correction(task: Task):
    return task.process.coerced.correction


def _reopening(task: Task):
    return task.process.coerced.reopening


def _reapprove_period(task: Task, user: Any, act: Act) -> Any:
    return _approve_review(task, user, act, _reopening(task).review)


def _refile(task: Task, user: Any, act: Act) -> Any:
    return _file_review(task, user, act, _reopening(task).review)


def _claim_record(task: Task):
    return task.process.branchprocess.claim


_ratify = _yes_or_no(annual.annual_review_ratify, "review", _annual_review, "approve", "approve")
_file_annual = _yes_or_no(annual.annual_review_file, "review", _annual_review, "archive", "archive")
_decide_rule_proposal = _yes_or_no(
    proposals.rule_proposal_decide, "proposal", _rule_proposal, "approve", "approve"
)
_decide_correction = _yes_or_no(
    corrections.correction_decide, "correction", _correction, "approve", "approve"
)
_consent_reopening = _yes_or_no(reopening.reopening_consent, "reopening", _reopening, "consent", "consent")

KINDS: tuple[TaskKind, ...] = (
    TaskKind(
        "claim.record",
        ClaimFlow.record,
        (
            Choice("record", _label(RecordClaimForm.ACTIONS, "record")),
            Choice("return", _label(RecordClaimForm.ACTIONS, "return"), (REASON,)),
        ),
        _record,
    ),
    TaskKind(
        "claim.review",
        ClaimFlow.review,
        (
            Choice("approve", _label(ReviewClaimForm.DECISIONS, "approve")),
            Choice("adjust", "在分值区间内调整后通过", (POINTS, REASON)),
            Choice("reject", _label(ReviewClaimForm.DECISIONS, "reject"), (REASON,)),
        ),
        _review_claim,
    ),
    TaskKind(
        "claim.revise",
        ClaimFlow.revise,
        (Choice("resubmit", "补充材料后重新提交"),),
        None,
        Elsewhere("api:claim-revise", _claim_record, REVISE_ELSEWHERE),
    ),
    TaskKind(
        "period.approve",
        PeriodReviewFlow.approve,
        (Choice("approve", "审定"),),
        _approve_period,
    ),
    TaskKind(
        "period.file",
        PeriodReviewFlow.file,
        (
            Choice("archive", _label(FilingForm.DECISIONS, "archive")),
            Choice("return", _label(FilingForm.DECISIONS, "return"), (REASON,)),
        ),
        _file,
        reason_required=messages.FILING_REASON_REQUIRED,
    ),
    TaskKind(
        "appeal.decide",
        AppealFlow.decide,
        (
            Choice("uphold", _label(DecideAppealForm.DECISIONS, "uphold"), (REASON,)),
            Choice("dismiss", _label(DecideAppealForm.DECISIONS, "dismiss"), (REASON,)),
        ),
        _decide_appeal,
    ),
    TaskKind(
        "evaluation.tally",
        EvaluationFlow.tally,
        (Choice("finish", "完成计票（投票已截止）"), Choice("finish_early", "提前结束投票并完成计票")),
        _tally,
    ),
    TaskKind(
        "evaluation.propose",
        EvaluationFlow.propose,
        (Choice("propose", "评定每名党员的评议等次（或得分）并公示"),),
        None,
        Elsewhere("api:evaluation-proposals", _session, PROPOSE_ELSEWHERE),
    ),
    TaskKind("evaluation.approve", EvaluationFlow.approve, (Choice("approve", "审定"),), _approve_evaluation),
    TaskKind(
        "annual.grade",
        AnnualReviewFlow.grade,
        (Choice("grade", "评定每名党员的等次"),),
        None,
        Elsewhere("api:annual-review-grades", _annual_review, GRADE_ELSEWHERE),
    ),
    TaskKind(
        "annual.approve",
        AnnualReviewFlow.approve,
        (Choice("approve", "审定"), Choice("send_back", "退回支委会重新评定", (REASON,))),
        _approve_annual,
        reason_required=yearend_messages.RETURN_REASON_REQUIRED,
    ),
    TaskKind(
        "annual.ratify",
        AnnualReviewFlow.ratify,
        (Choice("approve", "党委审批同意"), Choice("return", "退回重新评定", (REASON,))),
        _ratify,
        reason_required=yearend_messages.RETURN_REASON_REQUIRED,
    ),
    TaskKind(
        "annual.file",
        AnnualReviewFlow.file,
        (Choice("archive", "备案"), Choice("return", "退回重新评定", (REASON,))),
        _file_annual,
        reason_required=yearend_messages.RETURN_REASON_REQUIRED,
    ),
    TaskKind(
        "rule_proposal.decide",
        RuleProposalFlow.decide,
        (
            Choice("approve", _label(RuleDecisionForm.base_fields["decision"].choices, "approve")),
            Choice("return", _label(RuleDecisionForm.base_fields["decision"].choices, "return"), (REASON,)),
        ),
        _decide_rule_proposal,
        reason_required=scoring_messages.PROPOSAL_REASON_REQUIRED,
    ),
    TaskKind(
        "rule_proposal.revise",
        RuleProposalFlow.revise,
        (Choice("resubmit", "修改细则后重新提交"),),
        None,
        Elsewhere("api:rule-proposal-revise", _rule_proposal, REVISE_PROPOSAL_ELSEWHERE),
    ),
)

KINDS += (
    TaskKind(
        "correction.decide",
        CorrectionFlow.decide,
        (Choice("approve", "同意更正（冲正原记录）"), Choice("reject", "不予更正", (REASON,))),
        _decide_correction,
        reason_required=messages.CORRECTION_REJECT_REASON_REQUIRED,
    ),
    TaskKind(
        "reopening.consent",
        PeriodReopenFlow.consent,
        (Choice("consent", "同意退回重新审定"), Choice("refuse", "不同意", (REASON,))),
        _consent_reopening,
        reason_required=messages.REOPEN_REFUSE_REASON_REQUIRED,
    ),
    TaskKind(
        "reopening.approve", PeriodReopenFlow.approve, (Choice("approve", "重新审定"),), _reapprove_period
    ),
    TaskKind(
        "reopening.file",
        PeriodReopenFlow.file,
        (
            Choice("archive", _label(FilingForm.DECISIONS, "archive")),
            Choice("return", _label(FilingForm.DECISIONS, "return"), (REASON,)),
        ),
        _refile,
        reason_required=messages.FILING_REASON_REQUIRED,
    ),
)

BY_CODE = {kind.code: kind for kind in KINDS}
CODES = tuple(BY_CODE)
DECISIONS = tuple(dict.fromkeys(choice.decision for kind in KINDS for choice in kind.choices))
DECISION_CHOICES = [(decision, decision) for decision in DECISIONS]
KIND_CHOICES = [(kind.code, kind.title) for kind in KINDS]
FLOW_CLASSES = (
    ClaimFlow,
    PeriodReviewFlow,
    AppealFlow,
    EvaluationFlow,
    AnnualReviewFlow,
    RuleProposalFlow,
    CorrectionFlow,
    PeriodReopenFlow,
)


def kind_of(task: Task) -> TaskKind:
    for kind in KINDS:
        if task.flow_task is kind.node:
            return kind
    raise LookupError(f"no API kind for {task.flow_task}")


def nodes_of(codes) -> list[Any]:
    return [BY_CODE[code].node for code in codes]


def check_act(kind: TaskKind, act: Act) -> dict[str, list[str]]:
    """The fields missing for the decision, as Chinese field errors (empty when the act is complete)."""
    choice = kind.choice(act.decision)
    if choice is None:
        offered = "、".join(f"{c.decision}（{c.label}）" for c in kind.choices)
        return {"decision": [str(DECISION_NOT_OFFERED % {"choices": offered})]}
    errors: dict[str, list[str]] = {}
    if REASON in choice.needs and not act.reason.strip():
        errors[REASON] = [str(kind.reason_required)]
    if POINTS in choice.needs and act.points is None:
        errors[POINTS] = [str(ADJUST_NEEDS_POINTS)]
    return errors
