"""The 积分流程 application: viewflow's inbox / queue / archive, process and task lists, details and
charts — scoped per organization, which viewflow does not do by itself.

viewflow matches a task's permission object exactly; our roles hold through the organization tree,
so the queue is computed here from ``accounts.access`` instead of from raw guardian rows.
"""

from __future__ import annotations

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.utils import viewprop
from viewflow.views import Action, BaseBulkActionView
from viewflow.workflow.flow import views
from viewflow.workflow.flow.viewset import FlowViewset, WorkflowAppViewset
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.models import Organization
from audit.services import audit_trail
from workflows import messages as workflow_messages
from workflows.correction_flows import CorrectionFlow, PeriodReopenFlow
from workflows.execution import review_tasks_approve
from workflows.flows import AppealFlow, ClaimFlow, PeriodReviewFlow
from workflows.models import Claim
from workflows.queue_columns import TaskRowColumns
from workflows.rule_flows import RuleProposalFlow
from workflows.selectors import (
    archive_of,
    inbox_of,
    organizations_following,
    processes_visible_to,
    queue_for,
    tasks_of,
    tasks_visible_to,
    without_own_tasks,
)
from workflows.views.meetings import BulkApproveMeetingForm
from yearend.flows import AnnualReviewFlow, EvaluationFlow

FLOWS = (
    ClaimFlow,
    PeriodReviewFlow,
    AppealFlow,
    EvaluationFlow,
    AnnualReviewFlow,
    RuleProposalFlow,
    CorrectionFlow,
    PeriodReopenFlow,
)


class WorkflowTaskFilter(django_filters.FilterSet):
    """筛选: by branch, item, member, date and claim status."""

    organization = django_filters.ModelChoiceFilter(
        label=_("支部"),
        field_name="process__branchprocess__organization",
        queryset=Organization.objects.none(),
    )
    member = django_filters.CharFilter(label=_("党员"), method="filter_member")
    item = django_filters.CharFilter(
        label=_("积分项目编码"), field_name="process__branchprocess__claim__item_code"
    )
    occurred_from = django_filters.DateFilter(
        label=_("发生日期自"), field_name="process__branchprocess__claim__occurred_on", lookup_expr="gte"
    )
    occurred_to = django_filters.DateFilter(
        label=_("发生日期至"), field_name="process__branchprocess__claim__occurred_on", lookup_expr="lte"
    )
    claim_status = django_filters.ChoiceFilter(
        label=_("申报状态"), field_name="process__branchprocess__claim__status", choices=Claim.Status.choices
    )
    created = django_filters.DateRangeFilter(label=_("创建时间"))

    class Meta:
        model = Task
        fields = ("organization", "member", "item", "occurred_from", "occurred_to", "claim_status", "created")

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["organization"].queryset = organizations_following(request.user).order_by("path")

    def filter_member(self, queryset, name, value):
        return queryset.filter(
            Q(process__branchprocess__claim__member__real_name__icontains=value)
            | Q(process__branchprocess__appeal__appellant__real_name__icontains=value)
        )


class ScopedListMixin:
    filterset_class = WorkflowTaskFilter

    # viewflow labels these columns from the method names, in English.
    def process_brief(self, task):
        return super().process_brief(task)

    process_brief.short_description = _("流程")

    def brief(self, task):
        return task.brief

    brief.short_description = _("摘要")

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["request"] = self.request
        return kwargs


class InboxView(TaskRowColumns, ScopedListMixin, views.WorkflowInboxListView):
    bulk_actions = (
        Action(name=_("批量审核通过"), viewname="tasks_approve"),
        Action(name=_("退回所选任务到待办队列"), viewname="tasks_unassign"),
    )

    @viewprop
    def queryset(self):
        return inbox_of(self.request.user, self.flow_classes)


class QueueView(TaskRowColumns, ScopedListMixin, views.WorkflowQueueListView):
    bulk_actions = (Action(name=_("领取所选任务"), viewname="tasks_assign"),)

    @viewprop
    def queryset(self):
        return queue_for(self.request.user, self.flow_classes).order_by("-created")


class ArchiveView(ScopedListMixin, views.WorkflowArchiveListView):
    @viewprop
    def queryset(self):
        return archive_of(self.request.user, self.flow_classes)


class ProcessListView(views.DashboardProcessListView):
    ordering = ("-created", "-pk")  # pages of an unordered list may skip or repeat processes

    def get_queryset(self):
        return super().get_queryset().filter(pk__in=processes_visible_to(self.request.user).values("pk"))


class TaskListView(views.DashboardTaskListView):
    @viewprop
    def queryset(self):
        return tasks_visible_to(self.request.user, [self.flow_class])


class DashboardView(views.DashboardView):
    """A flow's board — its open tasks step by step, and the last finished — of the processes the
    user may see; viewflow's own board lists every branch's."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tasks = tasks_visible_to(self.request.user, [self.flow_class]).order_by("-created")
        for column in context["columns"]:
            open_here = tasks.filter(
                Q(finished__isnull=True) | Q(status=STATUS.ERROR), flow_task=column["node"]
            )
            column["tasks"] = open_here[: self.MAX_ROWS]
        finished = tasks.filter(finished__isnull=False, flow_task__in=context["end_nodes"])
        context["finished"] = finished[: self.MAX_ROWS]
        return context


class ProcessDetailView(views.DetailProcessView):
    """viewflow's process page, with the record's own history: who did what, when, and why."""

    template_name = "workflows/process_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        process = context["process"].coerced
        record = (
            process.claim
            or process.period_review
            or process.appeal
            or process.evaluation
            or process.annual_review
        )
        context["history"] = audit_trail(record).select_related("actor") if record else []
        return context


class ChartView(views.FlowChartView):
    """The flow's diagram for anyone working in it; a process's position only for those who may see it."""

    def dispatch(self, request, *args, **kwargs):
        process_pk = kwargs.get("process_pk")
        if process_pk is not None and not processes_visible_to(request.user).filter(pk=process_pk).exists():
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class BulkAssignView(views.BulkAssignTasksActionView):
    def message_user(self):
        messages.success(self.request, _("已领取所选任务。"))

    def get_queryset(self):
        return super().get_queryset().filter(pk__in=queue_for(self.request.user, FLOWS).values("pk"))


class BulkUnassignView(views.BulkUnassignTasksActionView):
    """退回待办队列: the user's own open tasks taken from a queue. Finished tasks, and the tasks the flow
    gives to one person (a member's own revision), have no queue to go back to."""

    def message_user(self):
        messages.success(self.request, _("所选任务已退回待认领。"))

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .filter(owner=self.request.user, status=STATUS.ASSIGNED, owner_permission__isnull=False)
        )


class BulkApproveClaimsView(BaseBulkActionView):
    """批量审核通过: the committee approves the selected reviews in its inbox at their stated points.

    Each claim is its own transaction under its own lock (``review_tasks_approve``): one that cannot be
    approved as stated (a range item without points, one taken meanwhile) is reported and left, the
    others go through.
    """

    model = Task
    template_name = "workflows/tasks_approve.html"
    template_name_suffix = "s_approve"
    form_class = BulkApproveMeetingForm  # 支委会研究: the meeting that decided them is recorded with them

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_queryset(self):
        mine = tasks_of([ClaimFlow]).filter(
            owner=self.request.user, status=STATUS.ASSIGNED, flow_task=ClaimFlow.review
        )
        # One's own claim is never approved in bulk, nor at all by oneself (accounts.duties).
        mine = without_own_tasks(mine, self.request.user)
        return super().get_queryset().filter(pk__in=mine.values("pk"))

    def form_valid(self, form):
        meeting = form.cleaned_data.get("meeting")
        if meeting is None:
            form.add_error("meeting", str(workflow_messages.MEETING_CHOOSE))
            return self.form_not_confirmed(form)
        outcomes = review_tasks_approve(self.get_queryset(), self.request.user, meeting=meeting)
        approved = sum(outcome.outcome == "approved" for outcome in outcomes)
        messages.success(self.request, _("已批量审核通过 %(count)s 条。") % {"count": approved})
        for outcome in outcomes:
            if outcome.outcome != "approved":
                messages.warning(self.request, f"{outcome.task.process.coerced.claim}：{outcome.message}")
        return HttpResponseRedirect(self.get_success_url())


class ScopedFlowViewset(FlowViewset):
    dashboard_view_class = DashboardView
    process_list_view_class = ProcessListView
    task_list_view_class = TaskListView
    process_detail_view_class = ProcessDetailView
    chart_view_class = ChartView


class WorkflowApplication(WorkflowAppViewset):
    title = _("积分流程")
    icon = "assignment"
    inbox_view_class = InboxView
    queue_view_class = QueueView
    archive_view_class = ArchiveView
    tasks_assign_view_class = BulkAssignView
    tasks_unassign_view_class = BulkUnassignView

    def get_context_data(self, request):
        # The menu's counts, from the same scoped queries as the lists (viewflow's own count only the
        # permissions granted on the task's very organization, so a higher committee saw 0).
        return {
            "user_inbox": inbox_of(request.user, self.flow_classes),
            "user_queue": queue_for(request.user, self.flow_classes),
        }

    @property
    def tasks_approve_path(self):
        view = BulkApproveClaimsView.as_view(viewset=self)
        return path("inbox/approve/", view, name="tasks_approve")

    @property
    def period_reopen_path(self):
        from workflows.views.corrections import ReopenPeriodView

        return path("periods/<int:pk>/reopen/", ReopenPeriodView.as_view(), name="period_reopen")

    def __init__(self, **kwargs):
        super().__init__(
            flow_viewsets=[
                ScopedFlowViewset(ClaimFlow, icon="how_to_vote"),
                ScopedFlowViewset(PeriodReviewFlow, icon="campaign"),
                ScopedFlowViewset(AppealFlow, icon="gavel"),
                ScopedFlowViewset(EvaluationFlow, icon="how_to_reg"),
                ScopedFlowViewset(AnnualReviewFlow, icon="emoji_events"),
                ScopedFlowViewset(RuleProposalFlow, icon="rule"),
                ScopedFlowViewset(CorrectionFlow, icon="edit_note"),
                ScopedFlowViewset(PeriodReopenFlow, icon="undo"),
            ],
            **kwargs,
        )
