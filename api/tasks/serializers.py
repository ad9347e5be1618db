"""Tasks (待办) over the API: what each task is, what it is about, and what the caller may do with it."""

from __future__ import annotations

from django.db import models
from django.db.models import Count
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.access import granted_paths
from accounts.models import Organization
from api.schema import enum_field
from api.serializers import OrganizationBriefSerializer
from api.tasks.kinds import DECISION_CHOICES, KIND_CHOICES, TaskKind, kind_of
from api.tasks.subjects import SubjectSerializer, points_range, result_choices, subject_of
from workflows import messages
from workflows.execution import holder_name, task_conflict_reason, task_entitled
from workflows.models import Appeal

ID_MAX = 2**63 - 1  # ids are 64-bit: larger numbers name no task (and SQLite cannot even compare them)
FLOWS = [
    ("claim", "积分申报"),
    ("period", "公示审定"),
    ("appeal", "申诉"),
    ("evaluation", "民主评议"),
    ("annual", "年度总评"),
    ("rule_proposal", "自主设定项目审批"),
    ("correction", "台账更正"),
    ("reopening", "退回重新审定"),
]
NEEDS = [("reason", "原因 / 意见"), ("points", "分值"), ("result", "更正后的评议等次、得分或年度等次")]
TASK_STATUS = [(value, str(label)) for value, label in STATUS.choices]  # viewflow's, in the project's Chinese


class OwnerSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField(help_text="姓名")


class PointsRangeSerializer(serializers.Serializer):
    low = serializers.DecimalField(max_digits=7, decimal_places=2)
    high = serializers.DecimalField(max_digits=7, decimal_places=2)


class ChoiceSerializer(serializers.Serializer):
    decision = enum_field("TaskDecisionEnum", DECISION_CHOICES, help_text="提交时的 decision 值")
    label = serializers.CharField(help_text="网页上的选项文字")
    needs = serializers.ListField(child=enum_field("TaskNeedsEnum", NEEDS), help_text="该处理必须填写的字段")
    action_url = serializers.CharField(help_text="提交该处理的接口地址")


class TaskListSerializer(serializers.ListSerializer):
    """A page of tasks: where the caller holds each task's permission, and the open appeals of the
    periods the page's tasks are about, are read once for the page (``granted_paths`` and one count),
    not per branch and per period — a province's 备案 queue has a task in every branch."""

    def to_representation(self, data):
        tasks = list(data.all() if isinstance(data, models.manager.BaseManager) else data)
        request = self.context.get("request")
        if request is not None:
            perms = {task.owner_permission for task in tasks if task.owner_permission}
            self.context["_grants"] = granted_paths(request.user, *perms) if perms else {}
        reviews = {
            task.process.branchprocess.period_review_id
            for task in tasks
            if task.process.branchprocess.period_review_id is not None
        }
        if reviews:
            counts = dict(
                Appeal.objects.filter(window__review__in=reviews, status=Appeal.Status.OPEN)
                .values("window__review")
                .annotate(n=Count("pk"))
                .values_list("window__review", "n")
            )
            self.context.setdefault("open_appeals_by_review", {}).update(
                {review_id: counts.get(review_id, 0) for review_id in reviews}
            )
        return super().to_representation(tasks)


class TaskSerializer(serializers.Serializer):
    """One human task: its kind, branch, state, subject, and the choices open to the caller."""

    class Meta:
        list_serializer_class = TaskListSerializer

    id = serializers.IntegerField()
    process_id = serializers.IntegerField(help_text="流程 id")
    kind = serializers.SerializerMethodField(help_text="任务类型代码")
    flow = serializers.SerializerMethodField(help_text="所属流程")
    title = serializers.SerializerMethodField(help_text="任务名称")
    branch = serializers.SerializerMethodField(help_text="所属支部")
    status = enum_field("TaskStatusEnum", TASK_STATUS, help_text="NEW 待认领，ASSIGNED 已认领，DONE 已完成")
    status_display = serializers.SerializerMethodField()
    created = serializers.DateTimeField(help_text="任务创建时间")
    finished = serializers.DateTimeField(allow_null=True, help_text="办结时间")
    owner = serializers.SerializerMethodField(help_text="办理人；待认领时为 null")
    subject = serializers.SerializerMethodField(help_text="任务所办理的申报、期间审定或申诉")
    choices = serializers.SerializerMethodField(help_text="我可以选择的处理（无权办理时为空）")
    can_act = serializers.SerializerMethodField(help_text="我现在能否办理（含领取）")
    blocked_reason = serializers.SerializerMethodField(help_text="不能办理的中文原因；能办理时为 null")
    points_range = serializers.SerializerMethodField(
        help_text="积分项目的分值区间（审核时可在区间内调整）；固定分值项目和期间任务为 null"
    )
    result_choices = serializers.SerializerMethodField(
        help_text="对年终评议结果的申诉：成立时可选的更正结果（评议等次或年度等次）；"
        "评议得分的申诉和其他任务为 null"
    )

    def _kind(self, task: Task) -> TaskKind:
        return kind_of(task)

    @extend_schema_field(enum_field("TaskKindEnum", KIND_CHOICES))
    def get_kind(self, task: Task) -> str:
        return self._kind(task).code

    @extend_schema_field(enum_field("TaskFlowEnum", FLOWS))
    def get_flow(self, task: Task) -> str:
        return self._kind(task).flow

    def get_title(self, task: Task) -> str:
        return self._kind(task).title

    @extend_schema_field(OrganizationBriefSerializer)
    def get_branch(self, task: Task) -> dict:
        organization: Organization = task.process.branchprocess.organization
        return OrganizationBriefSerializer(organization).data

    def get_status_display(self, task: Task) -> str:
        return str(STATUS(task.status).label)

    @extend_schema_field(OwnerSerializer(allow_null=True))
    def get_owner(self, task: Task) -> dict | None:
        if task.owner_id is None:
            return None
        # Once per owner within a response: a page of one's inbox is all one owner.
        names = self.context.setdefault("_owner_names", {})
        if task.owner_id not in names:
            names[task.owner_id] = holder_name(task.owner)
        return {"username": task.owner.get_username(), "name": names[task.owner_id]}

    @extend_schema_field(SubjectSerializer)
    def get_subject(self, task: Task) -> dict:
        return SubjectSerializer(
            subject_of(task.process.branchprocess, self.context), context=self.context
        ).data

    @extend_schema_field(ChoiceSerializer(many=True))
    def get_choices(self, task: Task) -> list[dict]:
        if not self._entitled(task) or task.status not in (STATUS.NEW, STATUS.ASSIGNED):
            return []
        kind = self._kind(task)
        url = self._action_url(task, kind)
        return [
            {"decision": c.decision, "label": c.label, "needs": self._needs(task, c), "action_url": url}
            for c in kind.choices
            if c.decision != "adjust" or self._adjustable(task)
        ]

    @staticmethod
    def _needs(task: Task, choice) -> list[str]:
        appeal = task.process.branchprocess.appeal
        if choice.decision == "uphold" and appeal is not None and appeal.entry_id is None:
            return [*choice.needs, "result"]  # a year-end result is corrected to another result
        return list(choice.needs)

    def get_can_act(self, task: Task) -> bool:
        return self.get_blocked_reason(task) is None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_blocked_reason(self, task: Task) -> str | None:
        if not self._entitled(task):
            return str(messages.NOT_ALLOWED)
        return task_conflict_reason(self.context["request"].user, task)

    def _entitled(self, task: Task) -> bool:
        """``task_entitled``, asked once per (permission, branch, owner) within one response."""
        memo = self.context.setdefault("_entitled", {})
        key = (task.owner_permission, task.process.branchprocess.organization_id, task.owner_id)
        if key not in memo:
            memo[key] = self._entitled_now(task)
        return memo[key]

    def _entitled_now(self, task: Task) -> bool:
        user, grants = self.context["request"].user, self.context.get("_grants")
        if grants is None or not task.owner_permission or not user.is_authenticated or user.is_superuser:
            return task_entitled(user, task)
        # As ``access.may``: the permission granted in the task's branch or above it (the page's grants).
        organization: Organization = task.process.branchprocess.organization
        codename = task.owner_permission.rpartition(".")[2]
        return user.is_active and any(organization.path.startswith(path) for path in grants.get(codename, []))

    def _adjustable(self, task: Task) -> bool:
        return self.get_points_range(task) is not None

    @extend_schema_field(PointsRangeSerializer(allow_null=True))
    def get_points_range(self, task: Task) -> dict | None:
        process = task.process.branchprocess
        record = process.claim or (process.appeal.entry if process.appeal else None)
        bounds = points_range(record.ruleset_version, record.item_code) if record else None
        return PointsRangeSerializer({"low": bounds[0], "high": bounds[1]}).data if bounds else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), allow_null=True))
    def get_result_choices(self, task: Task) -> list[str] | None:
        appeal = task.process.branchprocess.appeal
        if appeal is None or appeal.entry_id is not None:
            return None
        return result_choices(appeal)

    def _action_url(self, task: Task, kind: TaskKind) -> str:
        if kind.elsewhere is not None:  # a resource of its own: the revision, a per-member step
            path = kind.elsewhere.path(task)
        else:
            path = reverse("api:task-act", args=[task.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class ActSerializer(serializers.Serializer):
    """办理: the decision and what it needs. Which decisions a task offers: its ``choices``."""

    decision = enum_field("TaskDecisionEnum", DECISION_CHOICES, help_text="处理结论")
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="原因 / 意见（退回、不予通过、调整、申诉处理必填）",
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="意见；与 reason 同义（审定意见、登记意见）",
    )
    points = serializers.DecimalField(
        max_digits=6,
        decimal_places=1,
        required=False,
        allow_null=True,
        help_text="核定分值（调整时必填）；申诉成立时为更正后分值，留空表示撤销该条积分",
    )
    result = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text="对年终评议结果的申诉成立时必填：更正后的评议等次、评议得分或年度等次",
    )

    def validate(self, data):
        if data.get("reason") and data.get("note") and data["reason"] != data["note"]:
            raise serializers.ValidationError({"note": ["reason 与 note 同义，请只填写其中一个。"]})
        return data


class ActResultSerializer(serializers.Serializer):
    task = TaskSerializer()
    subject = SubjectSerializer(help_text="办理后的记录")


class BulkApproveSerializer(serializers.Serializer):
    task_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX),
        min_length=1,
        max_length=100,
        help_text="支委会审核任务的 id，最多 100 个",
    )
    meeting_id = serializers.IntegerField(
        min_value=1,
        max_value=ID_MAX,
        required=False,
        help_text="作出决定的支委会会议 id（须是本人出席的会议），记入每条申报；本支部规定须会议审核时必填",
    )

    def validate_task_ids(self, ids: list[int]) -> list[int]:
        return list(dict.fromkeys(ids))  # each task once, in the order given


BULK_OUTCOMES = [
    ("approved", "已审核通过"),
    ("conflict", "已被他人领取或办理"),
    ("forbidden", "无权办理"),
    ("invalid", "不能按申报分值通过"),
    ("not_found", "不存在或不在权限范围内"),
]


class BulkItemSerializer(serializers.Serializer):
    task_id = serializers.IntegerField()
    outcome = enum_field("BulkApproveOutcomeEnum", BULK_OUTCOMES)
    message = serializers.CharField(help_text="中文说明；通过时为空字符串")


class BulkResultSerializer(serializers.Serializer):
    approved = serializers.IntegerField(help_text="审核通过的条数")
    results = BulkItemSerializer(many=True, help_text="逐条结果，与提交的顺序相同")
