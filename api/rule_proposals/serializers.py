"""自主设定项目申请 as the API shows and takes it."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.schema import enum_field
from api.serializers import OrganizationBriefSerializer
from scoring.models import RuleProposal
from workflows.execution import holder_name

ID = {"min_value": 1, "max_value": 2**63 - 1}
# A proposal's dates lie within its cycle and not before today: any year a calendar can hold is asked.
CYCLE = {"min_value": 2000, "max_value": 9998}
SOURCE_MAX = 100_000
CHANGES = [("added", "本支部增加的项目"), ("refined", "细化的上级项目")]
ITEM_FIELD_CHOICES = [
    ("name", "名称"),
    ("category", "类别"),
    ("points", "分值"),
    ("points_range", "分值区间"),
    ("cap", "上限"),
    ("limit", "频次限制"),
    ("evidence", "证明材料要求"),
    ("source", "记录方式"),
    ("veto", "一票否决"),
    ("description", "说明"),
]


def proposal_status(**kwargs) -> serializers.ChoiceField:
    return enum_field("RuleProposalStatusEnum", RuleProposal.Status.choices, **kwargs)


class RuleProposalBriefSerializer(serializers.Serializer):
    """自主设定项目申请 in short (as a task's subject): whose, which year, from when, where it stands."""

    id = serializers.IntegerField()
    label = serializers.CharField(help_text="如“2026年度自主设定项目”")
    branch = OrganizationBriefSerializer(source="organization")
    cycle = serializers.IntegerField(help_text="积分年度")
    effective_from = serializers.DateField(help_text="生效日期")
    status = proposal_status()
    status_display = serializers.CharField(source="get_status_display")


def _name(user) -> str | None:
    return holder_name(user) if user is not None else None


class RuleProposalSerializer(RuleProposalBriefSerializer):
    proposed_by = serializers.SerializerMethodField(help_text="提出人")
    created_at = serializers.DateTimeField(help_text="提出时间")
    decided_by = serializers.SerializerMethodField(help_text="审批人；尚未审批时为 null")
    decided_at = serializers.DateTimeField(allow_null=True, help_text="审批时间")
    decision_reason = serializers.CharField(help_text="审批意见或退回原因；没有时为空字符串")
    ruleset = serializers.SerializerMethodField(help_text="施行后生效的细则编码；尚未施行时为 null")
    ruleset_version = serializers.SerializerMethodField(help_text="施行后生效的细则版本号；尚未施行时为 null")

    def get_proposed_by(self, proposal: RuleProposal) -> str:
        return _name(proposal.proposed_by)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_decided_by(self, proposal: RuleProposal) -> str | None:
        return _name(proposal.decided_by)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_ruleset(self, proposal: RuleProposal) -> str | None:
        return proposal.version.ruleset.code if proposal.version_id else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_ruleset_version(self, proposal: RuleProposal) -> int | None:
        return proposal.version.number if proposal.version_id else None


class ProposalChangeSerializer(serializers.Serializer):
    """One item the proposal adds, or an inherited one it refines (a lower cap, a narrower rule)."""

    code = serializers.CharField(help_text="积分项目编码")
    name = serializers.CharField()
    change = enum_field("RuleProposalChangeEnum", CHANGES, help_text="增加或细化")
    fields = serializers.ListField(
        child=enum_field("RuleProposalItemFieldEnum", ITEM_FIELD_CHOICES),
        help_text="细化时改动的字段；增加的项目为空",
    )
    points = serializers.CharField(help_text="分值（固定分值、区间或“一票否决”）")
    cap = serializers.CharField(allow_null=True, help_text="每个积分年度的上限；没有时为 null")


class ProposalStepSerializer(serializers.Serializer):
    """An open step of the proposal's process, done through ``/api/v1/tasks/{id}/``."""

    id = serializers.IntegerField(help_text="任务 id")
    kind = serializers.CharField(help_text="任务类型代码：rule_proposal.decide 或 rule_proposal.revise")
    title = serializers.CharField(help_text="任务名称")


class RuleProposalDetailSerializer(RuleProposalSerializer):
    source = serializers.CharField(help_text="本支部细则（YAML，extends 上级细则）")
    note = serializers.CharField(help_text="说明：支委会研究情况、增加项目的理由")
    changes = ProposalChangeSerializer(many=True, help_text="与继承的上级细则相比，增加和细化的项目")
    check_errors = serializers.ListField(
        child=serializers.CharField(),
        help_text="按现行上级细则检查不通过的中文原因（如上级细则已修改）；通过时为空",
    )
    open_tasks = ProposalStepSerializer(many=True, help_text="待办理的步骤：上级党委审批或修改细则")


class RuleProposalCreateSerializer(serializers.Serializer):
    """支委会提出: the branch's local rules for the cycle, from a date."""

    branch = serializers.IntegerField(**ID, help_text="支部 id")
    cycle = serializers.IntegerField(**CYCLE, required=False, help_text="积分年度（默认今年）")
    source = serializers.CharField(
        max_length=SOURCE_MAX,
        trim_whitespace=False,
        help_text="本支部细则（YAML）：extends 上级细则，只写本支部增加或细化的项目",
    )
    effective_from = serializers.DateField(help_text="生效日期：本积分年度内，不早于今天")
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="说明：支委会研究情况和理由"
    )


class RuleProposalReviseSerializer(serializers.Serializer):
    """修改后重新提交: what is left out stays as it was."""

    source = serializers.CharField(
        required=False, max_length=SOURCE_MAX, trim_whitespace=False, help_text="修改后的本支部细则（YAML）"
    )
    effective_from = serializers.DateField(required=False, help_text="生效日期")
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="说明：按退回意见作了哪些修改"
    )
