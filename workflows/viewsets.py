"""The 积分流程 application: viewflow's inbox / queue / archive, process and task lists, details and
charts — scoped per organization, which viewflow does not do by itself.

viewflow matches a task's permission object exactly; our roles hold through the organization tree,
so the queue is computed here from ``accounts.access`` instead of from raw guardian rows.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from viewflow.utils import viewprop
from viewflow.views import Action, BaseBulkActionView
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.flow import views
from viewflow.workflow.flow.viewset import FlowViewset, WorkflowAppViewset
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from audit.services import audit_trail
from workflows import messages as workflow_messages
from workflows.correction_flows import CorrectionFlow, PeriodReopenFlow
from workflows.execution import review_tasks_approve
from workflows.flows import AppealFlow, ClaimFlow, PeriodReviewFlow
from workflows.models import Claim
from workflows.pagination import UncountedPaginator
from workflows.queue_columns import TaskRowColumns
from workflows.rule_flows import RuleProposalFlow
from workflows.selectors import (
    PROCESS_ROW_RELATED,
    QUEUE_ORDER,
    TASK_ORGANIZATION_PATH,
    archive_of,
    inbox_of,
    process_visibility,
    processes_visible_to,
    queue_for,
    remember_visible,
    tasks_of,
    tasks_visible_to,
    without_own_tasks,
)
from workflows.views.bulk_selection import ChineseNothingSelectedMixin
from workflows.views.meetings import BulkApproveMeetingForm
from workflows.views.organizations import OrganizationPickView, scoped_organization
from workflows.views.process_columns import ChineseProcessColumnsMixin, ChineseTaskColumnsMixin
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


class OrganizationPickerInput(forms.TextInput):
    """A text box for an organization code, completed as one types from ``organization_pick`` (at most 20
    organizations of the user's scope; ``workflows/static/workflows/org_picker.js``)."""

    def __init__(self, attrs=None):
        url = reverse_lazy("workflow:organization_pick")
        super().__init__({"data-org-picker-url": url, "autocomplete": "off", **(attrs or {})})


class WorkflowTaskFilter(django_filters.FilterSet):
    """筛选: by organization (a branch, or a committee and everything below), item, member, date and claim
    status. The organization is typed (code or picked by name), not chosen from a list of them all."""

    organization = django_filters.CharFilter(
        label=_("组织"),
        method="filter_organization",
        widget=OrganizationPickerInput(),
        help_text=_("输入组织名称或编码后从提示中选择"),
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

    def filter_organization(self, queryset, name, value):
        # Only an organization of the user's own scope narrows the list; any other code finds nothing.
        organization = scoped_organization(self.request.user, value) if self.request else None
        if organization is None:
            return queryset.none()
        return queryset.filter(**{f"{TASK_ORGANIZATION_PATH}__startswith": organization.path})

    def filter_member(self, queryset, name, value):
        return queryset.filter(
            Q(process__branchprocess__claim__member__real_name__icontains=value)
            | Q(process__branchprocess__appeal__appellant__real_name__icontains=value)
        )


class ScopedListMixin:
    filterset_class = WorkflowTaskFilter
    paginator_class = UncountedPaginator  # "更多" instead of counting every row (workflows.pagination)

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
        # The rows' claims, members and evidence come in one batch per page (workflows.queue_rows): the
        # list's own query joins only the process, so PostgreSQL may start from the user's organizations
        # (more than 8 joins and it keeps the written order, from every open task: 481 → 9 ms measured).
        tasks = queue_for(self.request.user, self.flow_classes).select_related(None).select_related("process")
        return tasks.order_by(*QUEUE_ORDER)


class ArchiveView(ScopedListMixin, views.WorkflowArchiveListView):
    @viewprop
    def queryset(self):
        return archive_of(self.request.user, self.flow_classes)


class ProcessListView(ChineseProcessColumnsMixin, views.DashboardProcessListView):
    ordering = ("-created", "-pk")  # pages of an unordered list may skip or repeat processes
    paginator_class = UncountedPaginator

    def get_queryset(self):
        # viewflow's own annotates ``COUNT(task)`` over a join, grouping the whole flow before the first
        # page; the visibility is a condition on the rows' own joins, the count a subquery per shown row.
        queryset = super(views.DashboardProcessListView, self).get_queryset()
        active = (
            Task.objects.filter(process=OuterRef("pk"), finished__isnull=True)
            .order_by()
            .values("process")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            queryset.filter(flow_class=self.flow_class)
            .filter(process_visibility(self.request.user))
            .select_related(*PROCESS_ROW_RELATED)
            .annotate(active_tasks_count=Coalesce(Subquery(active), 0))
        )

    def get_page_data(self, page):
        remember_visible(self.request.user, [process.pk for process in page])
        return super().get_page_data(page)


class FlowTaskFilter(views.filters.DashboardTaskListViewFilter):
    """viewflow's filter of a flow's tasks, with the step choices from the flow's nodes instead of a
    ``DISTINCT`` over every task of the flow."""

    def __init__(self, *args, **kwargs):
        super(views.filters.DashboardTaskListViewFilter, self).__init__(*args, **kwargs)
        flow_class = getattr(self.queryset, "_jifen_flow_class", None)
        nodes = flow_class.instance.nodes() if flow_class is not None else ()
        self.filters["flow_task"].field.choices = [
            (get_task_ref(node), f"{flow_class.process_title}/{node.task_title or node.name}")
            for node in nodes
            if getattr(node, "task_type", None) == "HUMAN"
        ]


class TaskListView(ChineseTaskColumnsMixin, views.DashboardTaskListView):
    paginator_class = UncountedPaginator
    filterset_class = FlowTaskFilter

    @viewprop
    def queryset(self):
        tasks = tasks_visible_to(self.request.user, [self.flow_class]).select_related("owner")
        tasks._jifen_flow_class = self.flow_class  # for FlowTaskFilter's step choices
        return tasks

    def get_page_data(self, page):
        remember_visible(self.request.user, [task.process_id for task in page])
        return super().get_page_data(page)


class DashboardView(views.DashboardView):
    """A flow's board — its open tasks step by step, and the last finished — of the processes the
    user may see; viewflow's own board lists every branch's."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        tasks = tasks_visible_to(user, [self.flow_class]).select_related("owner").order_by("-created")
        for column in context["columns"]:
            open_here = tasks.filter(
                Q(finished__isnull=True) | Q(status=STATUS.ERROR), flow_task=column["node"]
            )
            column["tasks"] = list(open_here[: self.MAX_ROWS])
            remember_visible(user, [task.process_id for task in column["tasks"]])
        finished = tasks.filter(finished__isnull=False, flow_task__in=context["end_nodes"])
        context["finished"] = list(finished[: self.MAX_ROWS])
        remember_visible(user, [task.process_id for task in context["finished"]])
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


class BulkAssignView(ChineseNothingSelectedMixin, views.BulkAssignTasksActionView):
    def message_user(self):
        messages.success(self.request, _("已领取所选任务。"))

    def get_queryset(self):
        return super().get_queryset().filter(pk__in=queue_for(self.request.user, FLOWS).values("pk"))


class BulkUnassignView(ChineseNothingSelectedMixin, views.BulkUnassignTasksActionView):
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


class BulkApproveClaimsView(ChineseNothingSelectedMixin, BaseBulkActionView):
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


class MenuCount:
    """A menu badge's number: how many rows, read up to ``CAP`` (shown as "99+" beyond)."""

    CAP = 99

    def __init__(self, queryset):
        self.queryset = queryset

    def count(self) -> str:
        found = len(self.queryset.order_by().values_list("pk", flat=True)[: self.CAP + 1])
        return f"{self.CAP}+" if found > self.CAP else str(found)


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
        # permissions granted on the task's very organization, so a higher committee saw 0) — counted
        # up to ``MenuCount.CAP`` only, so a province's queue costs no more than a branch's.
        return {
            "user_inbox": MenuCount(inbox_of(request.user, self.flow_classes)),
            "user_queue": MenuCount(queue_for(request.user, self.flow_classes)),
        }

    @property
    def organization_pick_path(self):
        return path("organizations/", OrganizationPickView.as_view(), name="organization_pick")

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
