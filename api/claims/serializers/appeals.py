"""申诉 over the API: filing one during the window, and reading its outcome (decision, reason, who, when)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.claims.fields import person_name, points_field
from api.claims.serializers.claims import evidence_files
from api.claims.serializers.common import AuditHistorySerializer, EvidenceFileSerializer, MemberNameSerializer
from api.schema import enum_field
from api.serializers import OrganizationBriefSerializer
from scoring.selectors import item_names
from workflows.models import Appeal


class AppealCreateSerializer(serializers.Serializer):
    """申诉: the 公示 entry disputed, why, and any evidence — sent as ``multipart/form-data``."""

    entry = serializers.IntegerField(min_value=1, help_text="公示清单中记录的编号（entries[].id）")
    reason = serializers.CharField(allow_blank=True, help_text="申诉理由")
    files = evidence_files()


class AppealEntrySerializer(serializers.Serializer):
    """The disputed entry as the 公示 showed it."""

    id = serializers.IntegerField()
    member_name = serializers.CharField(source="member.real_name", help_text="姓名")
    item_code = serializers.CharField()
    item_name = serializers.SerializerMethodField()
    occurred_on = serializers.DateField()
    points = points_field()

    @extend_schema_field(serializers.CharField())
    def get_item_name(self, entry) -> str:
        names = self.context.setdefault("item_names", {})
        if entry.ruleset_version_id not in names:
            names[entry.ruleset_version_id] = item_names(entry.ruleset_version)
        return names[entry.ruleset_version_id].get(entry.item_code, entry.item_code)


class AppealPublicitySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="window.review.pk", help_text="公示编号")
    label = serializers.CharField(source="window.review.label")
    branch = OrganizationBriefSerializer(source="window.review.branch")
    closes_at = serializers.DateTimeField(source="window.closes_at", help_text="公示截止")


class AppealSerializer(serializers.Serializer):
    """An appeal in a list: on which entry, by whom, its state and outcome."""

    id = serializers.IntegerField()
    publicity = AppealPublicitySerializer(source="*")
    appellant = MemberNameSerializer()
    entry = AppealEntrySerializer()
    reason = serializers.CharField(help_text="申诉理由")
    status = enum_field("AppealStatusEnum", Appeal.Status.choices)
    status_display = serializers.CharField(source="get_status_display")
    decision_reason = serializers.CharField(help_text="处理意见；处理前为空字符串")
    corrected_points = points_field(allow_null=True, help_text="申诉成立时更正后的分值（0 表示撤销）")
    decided_by = serializers.SerializerMethodField(help_text="处理人姓名；处理前为 null")
    decided_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField(help_text="申诉时间")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_decided_by(self, appeal: Appeal) -> str | None:
        return person_name(appeal.decided_by)


class AppealDetailSerializer(AppealSerializer):
    evidence = EvidenceFileSerializer(
        source="evidence_shown", many=True, help_text="证明材料；无权查看材料的人看到空列表"
    )
    history = AuditHistorySerializer(many=True)
