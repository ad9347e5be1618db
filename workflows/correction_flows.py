"""台账更正 and 退回重新审定 as processes.

更正: the clerk's (or a committee member's) request goes to the 支委会's queue; the decision is a service
call (``workflows.corrections``). 退回重新审定: the branch's request goes to the higher committee's queue
when the period is already 备案; once reopened, the period is approved again (a new round) and filed here
(``workflows.reopening``, ``workflows.periods``).
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from accounts.duties import concerns
from workflows.flows import DutyView, ScopedFlowMixin, _organization
from workflows.models import (
    BranchProcess,
    CorrectionProcess,
    PeriodReopening,
    PeriodReopenProcess,
    PeriodReview,
)
from workflows.nodes import If
from workflows.views import corrections as views


def _correction(process):
    return (process if isinstance(process, BranchProcess) else process.coerced).correction


class CommitteeDecision(DutyView):
    """支委会决定更正: never taken by the one who asked, nor (``DutyView``) by the member whose entry it is —
    with the secretary or the higher committee standing in when the whole committee is concerned."""

    def can_assign(self, user, task):
        correction = _correction(task.process)
        if correction is not None and user.pk == correction.requested_by_id:
            return False
        if correction is not None and concerns(user, correction.entry.member):
            return False  # also when the selectors do not yet list a correction's member
        return super().can_assign(user, task)


class CorrectionFlow(ScopedFlowMixin, flow.Flow):
    """台账更正"""

    process_class = CorrectionProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("台账更正")
    process_description = _("组织委员提出更正台账记录的理由，支委会决定；同意则以冲正记录抵销原记录。")
    process_summary_template = "{{ process.correction }} · {{ process.correction.get_status_display }}"

    start = flow.StartHandle(this.start_correction).Annotation(title=_("提出更正")).Next(this.decide)

    decide = (
        CommitteeDecision(views.DecideCorrectionView.as_view())
        .Annotation(
            title=_("支委会决定更正"),
            description=_("核实更正理由：同意则冲正原记录，不同意则说明理由。"),
            summary_template="{{ process.correction }}",
        )
        .Permission("accounts.decide_appeals", obj=_organization)
        .Next(this.end)
    )

    end = flow.End().Annotation(title=_("结束"))

    def start_correction(self, activation, correction):
        activation.process.organization = correction.branch
        activation.process.correction = correction
        return activation.process


def _reopening(activation) -> PeriodReopening:
    return activation.process.reopening


class PeriodReopenFlow(ScopedFlowMixin, flow.Flow):
    """退回重新审定"""

    process_class = PeriodReopenProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("退回重新审定")
    process_description = _(
        "支部书记说明原因退回已审定的期间（已备案的须经上级党委同意），更正后重新审定、备案。"
    )
    process_summary_template = "{{ process.reopening }} · {{ process.reopening.get_status_display }}"

    start = flow.StartHandle(this.start_reopening).Annotation(title=_("申请退回")).Next(this.filed_before)

    filed_before = (
        If(lambda activation: _reopening(activation).status == PeriodReopening.Status.AWAITING)
        .Annotation(title=_("已备案？"))
        .Then(this.consent)
        .Else(this.end)  # withdrawn from its pending filing: the period's own process approves it again
    )

    consent = (
        flow.View(views.ConsentReopenView.as_view())
        .Annotation(
            title=_("上级党委同意退回"),
            description=_("已备案的期间退回重新审定须经上级党委同意：同意或说明理由不同意。"),
            summary_template="{{ process.reopening }}",
        )
        .Permission("accounts.review_filings", obj=_organization)
        .Next(this.consented)
    )

    consented = (
        If(lambda activation: _reopening(activation).status == PeriodReopening.Status.REOPENED)
        .Annotation(title=_("是否同意？"))
        .Then(this.approve)
        .Else(this.end)
    )

    approve = (
        flow.View(views.ReapprovePeriodView.as_view())
        .Annotation(
            title=_("重新审定"),
            description=_("台账更正决定后，重新审定本期积分（新一轮审定，原审定记录保留）。"),
            summary_template="{{ process.reopening.review }}",
        )
        .Permission("accounts.approve_period", obj=_organization)
        .Next(this.file)
    )

    file = (
        flow.View(views.RefilingView.as_view())
        .Annotation(
            title=_("备案"),
            description=_("上级党委审阅重新审定的结果，予以备案或退回重新审定。"),
            summary_template="{{ process.reopening.review }}",
        )
        .Permission("accounts.review_filings", obj=_organization)
        .Next(this.filed)
    )

    filed = (
        If(lambda activation: _reopening(activation).review.status == PeriodReview.Status.ARCHIVED)
        .Annotation(title=_("是否备案？"))
        .Then(this.end)
        .Else(this.approve)
    )

    end = flow.End().Annotation(title=_("结束"))

    def start_reopening(self, activation, reopening):
        activation.process.organization = reopening.review.branch
        activation.process.reopening = reopening
        return activation.process
