"""待办 over the API: my inbox, the queue I may take from, what I have done; take, release, act, bulk approve.

The lists are the web UI's (``workflows.selectors``: ``inbox_of``, ``queue_for``, ``archive_of``); a task
is reachable at all only if its process is one the caller may see (``tasks_visible_to``) or it is theirs,
so anything else is 404. Every change goes through ``workflows.execution`` — the process's lock, viewflow's
activation and the same service as the task page.
"""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from viewflow.workflow.models import Task

from api.errors import not_allowed, service_errors
from api.schema import error_responses
from api.tasks.filters import TaskFilter
from api.tasks.kinds import CODES, FLOW_CLASSES, Act, check_act, kind_of, nodes_of
from api.tasks.serializers import (
    ActResultSerializer,
    ActSerializer,
    BulkApproveSerializer,
    BulkResultSerializer,
    TaskSerializer,
)
from api.tasks.subjects import subject_of, with_subjects
from workflows.execution import review_tasks_approve, task_entitled, task_release, task_take
from workflows.models import CommitteeMeeting
from workflows.selectors import QUEUE_ORDER, archive_of, inbox_of, queue_for, tasks_of, tasks_visible_to

LIST_ERRORS = error_responses(400, 401)
NOT_IN_SCOPE = "任务不存在或不在您的权限范围内。"
MEETING_NOT_FOUND = "支委会会议不存在，或您没有出席该会议。"


def human_tasks(tasks):
    """The people's tasks of the flows the API knows (not gateways, timers or starts)."""
    return tasks.filter(flow_task_type="HUMAN", flow_task__in=nodes_of(CODES))


def tasks_reachable_by(user):
    """Tasks ``user`` may open: those of processes they may see, and their own."""
    visible = tasks_visible_to(user, FLOW_CLASSES).values("pk")
    return human_tasks(tasks_of(FLOW_CLASSES)).filter(Q(pk__in=visible) | Q(owner=user))


def _meeting_attended(user, pk: int | None):
    """The 支委会会议 named by a bulk approval: one the caller attended, else a 400 in Chinese."""
    if pk is None:
        return None
    meeting = CommitteeMeeting.objects.filter(pk=pk, attendees=user).first()
    if meeting is None:
        raise ValidationError({"meeting_id": [MEETING_NOT_FOUND]})
    return meeting


def _list_schema(summary: str):
    return extend_schema(summary=summary, responses={200: TaskSerializer(many=True), **LIST_ERRORS})


@extend_schema_view(
    list=_list_schema("我的待办：已领取、尚未办理的任务"),
    retrieve=extend_schema(
        summary="任务详情：类型、支部、状态、办理对象，以及我可选的处理",
        responses={200: TaskSerializer, **error_responses(401, 404)},
    ),
)
class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """待办任务。"""

    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    ordering_fields = ["created", "finished", "id"]
    search_fields: list[str] = []

    @property
    def ordering(self):
        # 待认领 oldest first, as on the web (the claim waiting longest on top; the open tasks' index is
        # read in that order); the inbox and the archive newest first.
        return list(QUEUE_ORDER) if getattr(self, "action", None) == "queue" else ["-created", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Task.objects.none()
        user = self.request.user
        lists = {
            "list": lambda: inbox_of(user, FLOW_CLASSES),
            "queue": lambda: queue_for(user, FLOW_CLASSES),
            "archive": lambda: archive_of(user, FLOW_CLASSES),
        }
        tasks = lists[self.action]() if self.action in lists else tasks_reachable_by(user)
        return with_subjects(human_tasks(tasks))

    def paginate_queryset(self, queryset):
        # The page's ids are read joining only what the list filters on, then its rows with their subjects
        # by primary key: with the subjects' two dozen joins PostgreSQL keeps the written join order and
        # walks every open task of the province (a committee member's queue: 2.2 s → 0.5 ms for the rows
        # on 10 M tasks, benchmarks/province.py).
        page = super().paginate_queryset(queryset.select_related(None).only("pk"))
        if page is None:
            return None
        ids = [task.pk for task in page]
        rows = {task.pk: task for task in with_subjects(Task.objects.filter(pk__in=ids))}
        return [rows[pk] for pk in ids]

    @_list_schema("待认领：我有权办理、尚无人领取的任务")
    @action(detail=False)
    def queue(self, request):
        return self.list(request)

    @_list_schema("已办：我办理完毕的任务")
    @action(detail=False)
    def archive(self, request):
        return self.list(request)

    @extend_schema(
        summary="领取任务（从待认领移到我的待办）",
        request=None,
        responses={200: TaskSerializer, **error_responses(401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        with service_errors():
            task_take(self.get_object(), request.user)
        return self._task()

    @extend_schema(
        summary="退回任务到待认领",
        request=None,
        responses={200: TaskSerializer, **error_responses(401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def unassign(self, request, pk=None):
        with service_errors():
            task_release(self.get_object(), request.user)
        return self._task()

    @extend_schema(
        summary=(
            "办理任务：登记 / 退回、审核通过 / 调整 / 不予通过、审定、备案 / 退回、申诉成立 / 不成立；"
            "民主评议的计票、审定，年度总评的审定、党委审批、备案；自主设定项目的上级党委审批"
        ),
        description=(
            "decision 须是该任务 choices 中的一项；退回、不予通过、调整、处理申诉须填写 reason，"
            "调整须填写 points；对年终评议结果的申诉成立时须填写 result（更正后的评议等次、得分或年度等次）。"
            "支委会评定（evaluation.propose）和评定等次（annual.grade）逐人提交，"
            "修改细则（rule_proposal.revise）提交修改后的细则，见任务 choices 的 action_url。"
            "待认领的任务办理时自动领取。办理后返回任务和更新后的记录。"
            "他人已领取或已办理时 409（中文原因），重复办理同一任务也是 409；无权办理 403；"
            "业务规则不允许时 400，字段上是中文原因，不会改变任何数据。"
        ),
        request=ActSerializer,
        responses={200: ActResultSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def act(self, request, pk=None):
        task = self.get_object()
        kind = kind_of(task)
        if not task_entitled(request.user, task):
            raise not_allowed()
        given = ActSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        act = Act(
            data["decision"],
            reason=data.get("reason") or data.get("note") or "",
            points=data.get("points"),
            result=data.get("result") or "",
        )
        if kind.perform is None:  # a step with a body of its own: the member's revision, per-member steps
            raise ValidationError({"decision": [kind.elsewhere.refusal(task)]})
        errors = check_act(kind, act)
        if errors:
            raise ValidationError(errors)
        with service_errors():
            kind.perform(task, request.user, act)
        task = with_subjects(Task.objects.filter(pk=task.pk)).get()
        context = self.get_serializer_context()
        body = {"task": task, "subject": subject_of(task.process.branchprocess, context)}
        return Response(ActResultSerializer(body, context=context).data)

    @extend_schema(
        summary="批量审核通过：按申报分值通过所选的支委会审核任务",
        description=(
            "与网页“批量审核通过”相同：每条各自加锁、各自提交；meeting_id 注明作出决定的支委会会议。"
            "逐条返回结果：approved 已通过；"
            "conflict 已被他人领取或办理；forbidden 无权办理；invalid 不能按申报分值通过"
            "（如分值区间项目未填分值，或不是审核任务）；not_found 不存在或不在权限范围内。"
            "部分成功时仍返回 200，逐条说明。"
        ),
        request=BulkApproveSerializer,
        responses={200: BulkResultSerializer, **error_responses(400, 401)},
    )
    @action(
        detail=False, methods=["post"], url_path="bulk-approve", filter_backends=[], pagination_class=None
    )
    def bulk_approve(self, request):
        given = BulkApproveSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        ids = given.validated_data["task_ids"]
        meeting = _meeting_attended(request.user, given.validated_data.get("meeting_id"))
        reachable = {task.pk: task for task in tasks_reachable_by(request.user).filter(pk__in=ids)}
        outcomes = {
            o.task.pk: o
            for o in review_tasks_approve(
                [reachable[i] for i in ids if i in reachable], request.user, meeting=meeting
            )
        }
        results = [
            {"task_id": i, "outcome": outcomes[i].outcome, "message": outcomes[i].message}
            if i in outcomes
            else {"task_id": i, "outcome": "not_found", "message": NOT_IN_SCOPE}
            for i in ids
        ]
        approved = sum(r["outcome"] == "approved" for r in results)
        return Response(BulkResultSerializer({"approved": approved, "results": results}).data)

    def _task(self) -> Response:
        task = with_subjects(tasks_reachable_by(self.request.user)).get(pk=self.kwargs["pk"])
        return Response(TaskSerializer(task, context=self.get_serializer_context()).data)
