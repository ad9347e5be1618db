"""The year's processes, read like the regulations: 民主评议 (自评 → 互评 → 计票 → 支委会评定 → 公示 → 审定)
and 年度总评 (支委会评定等次 → 公示 → 审定 → 党委审批 → 备案).

Each human step is granted through an object permission on the branch, answered through the tree, like
the quarter's flows; the work a step does is a service call (``yearend.evaluation``, ``yearend.annual``).
Appeals during either 公示 are the quarter's own appeal process (``workflows.flows.AppealFlow``).
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from workflows.flows import ScopedFlowMixin, _organization
from workflows.nodes import If
from yearend.models import AnnualReview, AnnualReviewProcess, EvaluationProcess
from yearend.views import tasks as views


class EvaluationFlow(ScopedFlowMixin, flow.Flow):
    """民主评议"""

    process_class = EvaluationProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("民主评议")
    process_description = _("党员自评、互评投票（网上或纸质），支委会评定评议等次，公示后审定。")
    process_summary_template = "{{ process.evaluation }} · {{ process.evaluation.get_status_display }}"

    start = flow.StartHandle(this.start_session).Annotation(title=_("发起评议")).Next(this.tally)

    tally = (
        flow.View(views.TallyView.as_view())
        .Annotation(
            title=_("计票"),
            description=_("投票截止后核对网上投票，录入评议大会的纸质票，完成计票。"),
            summary_template="{{ process.evaluation }}",
        )
        .Permission("accounts.record_claims", obj=_organization)
        .Next(this.propose)
    )

    propose = (
        flow.View(views.ProposeEvaluationView.as_view())
        .Annotation(
            title=_("支委会评定"),
            description=_("根据计票结果研究确定每名党员的评议等次（或得分），并公示。"),
            summary_template="{{ process.evaluation }}",
        )
        .Permission("accounts.review_claims", obj=_organization)
        .Next(this.publicity)
    )

    publicity = (
        flow.Timer(lambda activation: activation.process.evaluation.window.closes_at)
        .Annotation(title=_("公示期"))
        .Next(this.appeals_settled)
    )

    appeals_settled = (
        flow.ConditionalCatch(this.window_settled).Annotation(title=_("申诉处理完毕")).Next(this.approve)
    )

    approve = (
        flow.View(views.ApproveEvaluationView.as_view())
        .Annotation(
            title=_("审定评议结果"),
            description=_("公示期满、申诉处理完毕后审定评议结果，计入年度总评。"),
            summary_template="{{ process.evaluation }}",
        )
        .Permission("accounts.approve_period", obj=_organization)
        .Next(this.end)
    )

    end = flow.End().Annotation(title=_("结束"))

    def start_session(self, activation, session):
        activation.process.organization = session.branch
        activation.process.evaluation = session
        return activation.process

    def window_settled(self, activation):
        from yearend.evaluation import window_settled

        return window_settled(activation.process.evaluation.window)


class AnnualReviewFlow(ScopedFlowMixin, flow.Flow):
    """年度总评"""

    process_class = AnnualReviewProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("年度总评")
    process_description = _("支委会评定年度等次，公示，审定，报党委审批后备案。")
    process_summary_template = "{{ process.annual_review }} · {{ process.annual_review.get_status_display }}"

    start = flow.StartHandle(this.start_review).Annotation(title=_("发起年度总评")).Next(this.grade)

    grade = (
        flow.View(views.GradeView.as_view())
        .Annotation(
            title=_("评定等次"),
            description=_("支委会根据年度积分、民主评议和排名评定每名党员的等次；与建议等次不同须说明理由。"),
            summary_template="{{ process.annual_review }}",
        )
        .Permission("accounts.review_claims", obj=_organization)
        .Next(this.posted)
    )

    posted = (
        If(lambda activation: activation.process.annual_review.returned)
        .Annotation(title=_("退回后重新评定？"))
        .Then(this.approve)
        .Else(this.publicity)
    )

    publicity = (
        flow.Timer(lambda activation: activation.process.annual_review.window.closes_at)
        .Annotation(title=_("公示期"))
        .Next(this.appeals_settled)
    )

    appeals_settled = (
        flow.ConditionalCatch(this.window_settled).Annotation(title=_("申诉处理完毕")).Next(this.approve)
    )

    approve = (
        flow.View(views.ApproveAnnualView.as_view())
        .Annotation(
            title=_("审定年度等次"),
            description=_("公示期满、申诉处理完毕后审定年度总评结果，报上级党委审批。"),
            summary_template="{{ process.annual_review }}",
        )
        .Permission("accounts.approve_period", obj=_organization)
        .Next(this.approved)
    )

    approved = (
        If(lambda activation: activation.process.annual_review.status == AnnualReview.Status.APPROVED)
        .Annotation(title=_("审定还是退回？"))
        .Then(this.ratify)
        .Else(this.grade)
    )

    ratify = (
        flow.View(views.RatifyView.as_view())
        .Annotation(
            title=_("党委审批"),
            description=_("上级党委审批支部的年度等次：同意，或退回重新评定。"),
            summary_template="{{ process.annual_review }}",
        )
        .Permission("accounts.review_filings", obj=_organization)
        .Next(this.ratified)
    )

    ratified = (
        If(lambda activation: activation.process.annual_review.status == AnnualReview.Status.RATIFIED)
        .Annotation(title=_("是否同意？"))
        .Then(this.file)
        .Else(this.grade)
    )

    file = (
        flow.View(views.FileAnnualView.as_view())
        .Annotation(
            title=_("备案"),
            description=_("上级党委将审批后的年度总评结果备案，或退回重新评定。"),
            summary_template="{{ process.annual_review }}",
        )
        .Permission("accounts.review_filings", obj=_organization)
        .Next(this.filed)
    )

    filed = (
        If(lambda activation: activation.process.annual_review.status == AnnualReview.Status.ARCHIVED)
        .Annotation(title=_("是否备案？"))
        .Then(this.end)
        .Else(this.grade)
    )

    end = flow.End().Annotation(title=_("结束"))

    def start_review(self, activation, review):
        activation.process.organization = review.branch
        activation.process.annual_review = review
        return activation.process

    def window_settled(self, activation):
        from yearend.evaluation import window_settled

        return window_settled(activation.process.annual_review.window)
