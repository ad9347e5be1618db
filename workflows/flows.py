"""The regulation's flow as viewflow processes: 申报 → 登记 → 支委会审核 → 公示 → 申诉 → 审定 → 备案.

Each human step is granted through an object permission on the process's organization, which
``accounts.backends`` answers through the organization tree. The work a step does is a service call
(``workflows.claims``, ``workflows.periods``, ``workflows.appeals``); these classes only say who does
what, in which order. Every flow serializes concurrent actions on a process with a row lock.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from accounts.duties import concerns, duty_permission
from workflows.models import (
    AppealProcess,
    BranchProcess,
    Claim,
    ClaimProcess,
    PeriodReview,
    PeriodReviewProcess,
)
from workflows.nodes import If
from workflows.views import tasks as views


def _organization(process):
    # viewflow hands over the bare Process row in some checks and the flow's own class in others.
    from workflows.execution import process_organization

    return process_organization(process.pk, process)


class ScopedFlowMixin:
    """Who may look at a process: those working in its organization, and its own member."""

    def has_view_permission(self, user, obj=None):
        from workflows.selectors import known_visible, processes_visible_to

        if not user.is_authenticated:
            return False
        if obj is None or known_visible(user, obj.pk):  # a scoped list's own rows (remember_visible)
            return True
        return processes_visible_to(user).filter(pk=obj.pk).exists()

    def has_manage_permission(self, user, obj=None):
        # Cancelling, undoing or reviving steps bypasses the regulation's flow: administrators only.
        return user.is_authenticated and user.is_superuser


class OwnTask(flow.View):
    """A step the flow gives to one person — the member revising their own returned claim.

    It holds no permission, so viewflow would let anyone take it once released; it is never released,
    and only that person could take it back.
    """

    def can_assign(self, user, task):
        return super().can_assign(user, task) and _member_user_id(task.process) == user.pk

    def can_unassign(self, user, task):
        return False


class DutyView(flow.View):
    """A step about one member's points (登记, 支委会审核, 处理申诉): never offered to, nor taken by, the
    member concerned; when every holder of its permission is concerned, the task is created with the
    permission of the one standing in — the secretary, else the higher committee (``accounts.duties``)."""

    routes_own_points = True  # ``workflows.selectors.task_permissions`` lists the stand-ins' permissions

    def calc_owner_permission(self, activation):
        from workflows.selectors import members_concerned

        perm = super().calc_owner_permission(activation)
        if not perm:
            return perm
        process = activation.process
        return duty_permission(perm, _organization(process), members_concerned(process))

    def can_assign(self, user, task):
        from workflows.selectors import members_concerned

        if any(concerns(user, member) for member in members_concerned(task.process)):
            return False
        return super().can_assign(user, task)


def _member_user_id(process) -> int | None:
    claim = (process if isinstance(process, BranchProcess) else process.coerced).claim
    return claim.member.user_id if claim else None


class ClaimFlow(ScopedFlowMixin, flow.Flow):
    """积分申报"""

    process_class = ClaimProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("积分申报")
    process_description = _("党员申报积分，组织委员登记，支委会审核。")
    process_summary_template = (
        "{{ process.claim.member }} · {{ process.claim.occurred_on }} · "
        "{{ process.claim.get_status_display }}"
    )

    submit = flow.StartHandle(this.start_claim).Annotation(title=_("申报")).Next(this.route)

    route = (
        If(lambda activation: activation.process.claim.status == Claim.Status.RECORDED)
        .Annotation(title=_("支部直接登记？"))
        .Then(this.review)
        .Else(this.record)
    )

    record = (
        DutyView(views.RecordClaimView.as_view())
        .Annotation(
            title=_("登记"),
            description=_("核对申报材料是否齐全，登记入台账或退回补充。"),
            summary_template="{{ process.claim.member }} · {{ process.claim.occurred_on }}",
        )
        .Permission("accounts.record_claims", obj=_organization)
        .Next(this.recorded)
    )

    recorded = (
        If(lambda activation: activation.process.claim.status == Claim.Status.RETURNED)
        .Annotation(title=_("是否退回？"))
        .Then(this.revise)
        .Else(this.review)
    )

    revise = (
        OwnTask(views.ReviseClaimView.as_view())
        .Annotation(title=_("补充材料"), description=_("按退回意见补充材料后重新提交。"))
        .Assign(lambda activation: activation.process.claim.member.user)
        .Next(this.record)
    )

    review = (
        DutyView(views.ReviewClaimView.as_view())
        .Annotation(
            title=_("支委会审核"),
            description=_("审核通过、在分值区间内调整，或说明理由不予通过。"),
            summary_template="{{ process.claim.member }} · {{ process.claim.occurred_on }}",
        )
        .Permission("accounts.review_claims", obj=_organization)
        .Next(this.end)
    )

    end = flow.End().Annotation(title=_("结束"))

    def start_claim(self, activation, claim):
        activation.process.organization = claim.branch
        activation.process.claim = claim
        return activation.process


class PeriodReviewFlow(ScopedFlowMixin, flow.Flow):
    """公示审定"""

    process_class = PeriodReviewProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("公示审定")
    process_description = _("支部积分公示，受理申诉，支委会审定，报上级党委备案。")
    process_summary_template = "{{ process.period_review }} · {{ process.period_review.get_status_display }}"

    start = flow.StartHandle(this.start_review).Annotation(title=_("发起公示")).Next(this.publicity)

    publicity = (
        flow.Timer(lambda activation: activation.process.period_review.window.closes_at)
        .Annotation(title=_("公示期"))
        .Next(this.appeals_settled)
    )

    appeals_settled = (
        flow.ConditionalCatch(this.no_open_appeals).Annotation(title=_("申诉处理完毕")).Next(this.approve)
    )

    approve = (
        flow.View(views.ApprovePeriodView.as_view())
        .Annotation(
            title=_("审定"),
            description=_("公示期满、申诉处理完毕后，审定本期积分；审定后积分方才生效。"),
            summary_template="{{ process.period_review }}",
        )
        .Permission("accounts.approve_period", obj=_organization)
        .Next(this.file)
    )

    file = (
        flow.View(views.FilingView.as_view())
        .Annotation(
            title=_("备案"),
            description=_("上级党委审阅审定结果，予以备案或退回重新审定。"),
            summary_template="{{ process.period_review }}",
        )
        .Permission("accounts.review_filings", obj=_organization)
        .Next(this.filed)
    )

    filed = (
        If(lambda activation: activation.process.period_review.status == PeriodReview.Status.ARCHIVED)
        .Annotation(title=_("是否备案？"))
        .Then(this.end)
        .Else(this.approve)
    )

    end = flow.End().Annotation(title=_("结束"))

    def start_review(self, activation, review):
        activation.process.organization = review.branch
        activation.process.period_review = review
        return activation.process

    def no_open_appeals(self, activation):
        from workflows.periods import period_ready_for_approval

        return period_ready_for_approval(activation.process.period_review)


class AppealFlow(ScopedFlowMixin, flow.Flow):
    """申诉"""

    process_class = AppealProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("申诉")
    process_description = _("公示期间党员对积分记录提出申诉，支委会核实后更正或驳回。")
    process_summary_template = "{{ process.appeal }} · {{ process.appeal.get_status_display }}"

    start = flow.StartHandle(this.start_appeal).Annotation(title=_("提出申诉")).Next(this.decide)

    decide = (
        DutyView(views.DecideAppealView.as_view())
        .Annotation(
            title=_("处理申诉"),
            description=_("核实申诉：成立则更正积分并说明理由，不成立则说明理由。"),
            summary_template="{{ process.appeal }}",
        )
        .Permission("accounts.decide_appeals", obj=_organization)
        .Next(this.end)
    )

    end = flow.End().Annotation(title=_("结束"))

    def start_appeal(self, activation, appeal):
        activation.process.organization = appeal.window.branch
        activation.process.appeal = appeal
        return activation.process
