"""自主设定项目 as a process: the branch committee proposes its local rules, the higher committee approves
or returns them in its queue, a return goes back to the proposer to revise. The work is in
``scoring.proposals``."""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from scoring.models import RuleProposal
from workflows.flows import OwnTask, ScopedFlowMixin, _organization
from workflows.models import RuleProposalProcess
from workflows.nodes import If
from workflows.views import rules as views


def _proposer(activation):
    return activation.process.rule_proposal.proposed_by


class ProposerTask(OwnTask):
    """The proposer's revision after a return: given to them, never released."""

    def can_assign(self, user, task):
        return flow.View.can_assign(self, user, task) and _proposer_id(task.process) == user.pk


def _proposer_id(process) -> int | None:
    process = process if hasattr(process, "rule_proposal") else process.coerced
    proposal = process.rule_proposal
    return proposal.proposed_by_id if proposal else None


class RuleProposalFlow(ScopedFlowMixin, flow.Flow):
    """自主设定项目审批"""

    process_class = RuleProposalProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("自主设定项目审批")
    process_description = _("支委会提出本支部的积分细则（增加或细化项目），上级党委审批后按日期施行。")
    process_summary_template = "{{ process.rule_proposal }} · {{ process.rule_proposal.get_status_display }}"

    submit = flow.StartHandle(this.start_proposal).Annotation(title=_("提出")).Next(this.decide)

    decide = (
        flow.View(views.DecideRuleProposalView.as_view())
        .Annotation(
            title=_("上级党委审批"),
            description=_("审核支部增加、细化的项目：同意则按生效日期施行，不同意则说明理由退回。"),
            summary_template="{{ process.rule_proposal }}",
        )
        .Permission("accounts.manage_rules", obj=_organization)
        .Next(this.decided)
    )

    decided = (
        If(lambda activation: activation.process.rule_proposal.status != RuleProposal.Status.RETURNED)
        .Annotation(title=_("是否同意？"))
        .Then(this.end)
        .Else(this.revise)
    )

    revise = (
        ProposerTask(views.ReviseRuleProposalView.as_view())
        .Annotation(title=_("修改细则"), description=_("按退回意见修改后重新提交。"))
        .Assign(_proposer)
        .Next(this.decide)
    )

    end = flow.End().Annotation(title=_("结束"))

    def start_proposal(self, activation, proposal):
        activation.process.organization = proposal.organization
        activation.process.rule_proposal = proposal
        return activation.process
