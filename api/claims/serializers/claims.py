"""积分申报 over the API: what a member sends to claim or revise, and how a claim reads back.

The request serializers only check the shape of the input (types, lengths); every rule — item claimable,
date in the cycle, points in range, duplicates, evidence, caps, file types — is checked by the services of
``workflows.claims`` and ``workflows.evidence``, whose Chinese messages come back on these same fields.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from viewflow.workflow.models import Task

from api.claims.fields import UploadedFilesField, person_name, points_field
from api.claims.serializers.common import AuditHistorySerializer, EvidenceFileSerializer, MemberNameSerializer
from api.schema import enum_field
from api.serializers import OrganizationBriefSerializer
from scoring.selectors import item_names
from workflows.models import Claim

PLACE_MAX = Claim._meta.get_field("place").max_length
ITEM_CODE_MAX = Claim._meta.get_field("item_code").max_length


def evidence_files(**kwargs) -> serializers.ListField:
    # Empty or odd files are let through to workflows.evidence, which refuses them with its own message.
    return UploadedFilesField(
        child=serializers.FileField(allow_empty_file=True, use_url=False),
        required=False,
        default=list,
        help_text="证明材料：照片、扫描件或 PDF，可多个（同名字段重复提交）",
        **kwargs,
    )


def claim_points(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=6,
        decimal_places=1,
        required=False,
        allow_null=True,
        help_text="申报分值：仅分值区间项目填写，最终以支委会审核为准",
        **kwargs,
    )


class ClaimCreateSerializer(serializers.Serializer):
    """申报表: what, when, where, the evidence — sent as ``multipart/form-data``."""

    item_code = serializers.CharField(max_length=ITEM_CODE_MAX, help_text="积分项目编码（见可申报项目）")
    occurred_on = serializers.DateField(help_text="发生日期")
    place = serializers.CharField(max_length=PLACE_MAX, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="", help_text="事项说明")
    points = claim_points()
    files = evidence_files()
    cap_acknowledged = serializers.BooleanField(
        required=False,
        default=False,
        help_text="已知悉该项目已达上限、本次不再加分（服务端在 cap_acknowledged 字段上提示时才需要）",
    )


class ClaimReviseSerializer(serializers.Serializer):
    """修改重报 of a returned claim; its item stays. Fields left out keep the claim's current values."""

    occurred_on = serializers.DateField(required=False, help_text="发生日期")
    place = serializers.CharField(max_length=PLACE_MAX, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, help_text="事项说明")
    points = claim_points()
    files = evidence_files()
    cap_acknowledged = serializers.BooleanField(required=False, help_text="已知悉不再加分")


CLAIM_STATUS = Claim.Status.choices
CLAIM_SOURCE = Claim.Source.choices


class ClaimSerializer(serializers.Serializer):
    """A claim in a list: what, when, whose, its state and points."""

    id = serializers.IntegerField()
    member = MemberNameSerializer()
    branch = OrganizationBriefSerializer()
    item_code = serializers.CharField()
    item_name = serializers.SerializerMethodField(help_text="积分项目名称（按申报时的细则版本）")
    occurred_on = serializers.DateField()
    place = serializers.CharField()
    description = serializers.CharField()
    points_requested = points_field(allow_null=True, help_text="申报分值（仅分值区间项目）")
    points_approved = points_field(allow_null=True, help_text="核定分值；审核通过前为 null")
    source = enum_field("ClaimSourceEnum", CLAIM_SOURCE, help_text="党员申报或支部登记")
    status = enum_field("ClaimStatusEnum", CLAIM_STATUS, help_text="状态")
    status_display = serializers.CharField(source="get_status_display", help_text="状态的中文名称")
    cap_acknowledged = serializers.BooleanField(help_text="党员已确认该项目达到上限、本次不再加分")
    decision_reason = serializers.CharField(help_text="退回原因或审核意见；没有时为空字符串")
    decided_at = serializers.DateTimeField(allow_null=True, help_text="审核时间")
    created_at = serializers.DateTimeField(help_text="申报时间")
    ruleset_version = serializers.IntegerField(source="ruleset_version.number", help_text="细则版本号")

    @extend_schema_field(serializers.CharField())
    def get_item_name(self, claim: Claim) -> str:
        # One look-up per rule-set version for the whole page, not one per row.
        names = self.context.setdefault("item_names", {})
        if claim.ruleset_version_id not in names:
            names[claim.ruleset_version_id] = item_names(claim.ruleset_version)
        return names[claim.ruleset_version_id].get(claim.item_code, claim.item_code)


class ClaimStepSerializer(serializers.Serializer):
    """流程步骤: a step people take (申报, 登记, 补充材料, 审核), who holds it and whether it is done."""

    name = serializers.SerializerMethodField(help_text="步骤名称")
    assignee = serializers.SerializerMethodField(help_text="办理人姓名；尚未有人领取时为 null")
    created = serializers.DateTimeField(help_text="开始时间")
    finished = serializers.DateTimeField(allow_null=True, help_text="完成时间；进行中为 null")

    @extend_schema_field(serializers.CharField())
    def get_name(self, task: Task) -> str:
        return str(task.flow_task.task_title or task.flow_task)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_assignee(self, task: Task) -> str | None:
        return person_name(task.owner)


class ClaimDetailSerializer(ClaimSerializer):
    """One claim: the list fields, its evidence, its steps and its history (办理经过)."""

    revisable = serializers.BooleanField(help_text="是否等待我补充材料后重新提交（POST …/revise/）")
    evidence = EvidenceFileSerializer(
        source="evidence_shown", many=True, help_text="证明材料；无权查看材料的人看到空列表"
    )
    steps = ClaimStepSerializer(many=True)
    history = AuditHistorySerializer(many=True)
