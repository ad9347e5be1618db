"""申诉 over the API: filing one during the window, and reading its outcome (decision, reason, who, when).

One resource for both kinds of appeal: against a ledger entry of a period's 公示 (``kind`` ``entry``:
``entry`` and ``publicity`` set), and against a member's posted year-end result — a 民主评议's 评议等次 or
得分, a 年度总评's 等次 (``kind`` ``evaluation`` / ``annual``: ``subject`` and ``year_end`` set).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.claims.fields import person_name, points_field
from api.claims.serializers.claims import evidence_files
from api.claims.serializers.common import AuditHistorySerializer, EvidenceFileSerializer, MemberNameSerializer
from api.schema import enum_field
from api.serializers import OrganizationBriefSerializer
from api.yearend.briefs import YearEndWindowSerializer, year_end_window
from scoring.selectors import item_names
from workflows.models import Appeal

ID_MAX = 2**63 - 1
APPEAL_KINDS = [("entry", "积分记录"), ("evaluation", "民主评议结果"), ("annual", "年度等次")]
TARGET_REQUIRED = _(
    "请指定申诉的积分记录（entry），或民主评议、年度总评（evaluation、annual_review）及其党员（subject）。"
)
ONE_TARGET = _("一次申诉只能针对一项：积分记录（entry），或一次民主评议或年度总评中的一名党员。")
SUBJECT_REQUIRED = _("请指定被申诉结果所属的党员（subject）。")
SUBJECT_ONLY_WITH_RESULT = _("subject 只用于对民主评议或年度总评结果的申诉。")


def appeal_kind(appeal: Appeal) -> str:
    if appeal.entry_id is not None:
        return "entry"
    return "evaluation" if appeal.window.evaluation_id is not None else "annual"


class AppealCreateSerializer(serializers.Serializer):
    """申诉, sent as ``multipart/form-data``: against a 公示 entry (``entry``), or against a member's posted
    year-end result (``evaluation`` or ``annual_review``, with ``subject``) — why, and any evidence."""

    entry = serializers.IntegerField(
        min_value=1, max_value=ID_MAX, required=False, help_text="公示清单中记录的编号（entries[].id）"
    )
    evaluation = serializers.IntegerField(
        min_value=1, max_value=ID_MAX, required=False, help_text="民主评议 id（对评议等次或得分的申诉）"
    )
    annual_review = serializers.IntegerField(
        min_value=1, max_value=ID_MAX, required=False, help_text="年度总评 id（对年度等次的申诉）"
    )
    subject = serializers.IntegerField(
        min_value=1,
        max_value=ID_MAX,
        required=False,
        help_text="被申诉结果所属党员的 id（公示名单 rows[].member.id）",
    )
    reason = serializers.CharField(allow_blank=True, help_text="申诉理由")
    files = evidence_files()

    def validate(self, data):
        targets = [name for name in ("entry", "evaluation", "annual_review") if data.get(name) is not None]
        if not targets:
            raise serializers.ValidationError({"entry": [str(TARGET_REQUIRED)]})
        if len(targets) > 1:
            raise serializers.ValidationError({targets[1]: [str(ONE_TARGET)]})
        if targets[0] == "entry" and data.get("subject") is not None:
            raise serializers.ValidationError({"subject": [str(SUBJECT_ONLY_WITH_RESULT)]})
        if targets[0] != "entry" and data.get("subject") is None:
            raise serializers.ValidationError({"subject": [str(SUBJECT_REQUIRED)]})
        return data


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
    """An appeal in a list: on what, by whom, its state and outcome. ``kind`` says which fields are set:
    ``entry`` → ``entry`` and ``publicity`` (``subject``, ``year_end`` null); ``evaluation`` / ``annual``
    → ``subject`` and ``year_end`` (``entry``, ``publicity`` null), and ``corrected_result`` once upheld."""

    id = serializers.IntegerField()
    kind = serializers.SerializerMethodField(
        help_text="entry 积分记录；evaluation 民主评议结果；annual 年度等次"
    )
    publicity = serializers.SerializerMethodField(help_text="积分公示（对积分记录的申诉）；否则为 null")
    appellant = MemberNameSerializer()
    entry = AppealEntrySerializer(allow_null=True, help_text="被申诉的积分记录；对年终评议结果的申诉为 null")
    subject = MemberNameSerializer(
        allow_null=True, help_text="被申诉的评议等次（得分）或年度等次所属的党员；对积分记录的申诉为 null"
    )
    year_end = serializers.SerializerMethodField(
        help_text="民主评议或年度总评的公示（对其结果的申诉）；否则为 null"
    )
    reason = serializers.CharField(help_text="申诉理由")
    status = enum_field("AppealStatusEnum", Appeal.Status.choices)
    status_display = serializers.CharField(source="get_status_display")
    decision_reason = serializers.CharField(help_text="处理意见；处理前为空字符串")
    corrected_points = points_field(allow_null=True, help_text="申诉成立时更正后的分值（0 表示撤销）")
    corrected_result = serializers.CharField(
        help_text="对年终评议结果的申诉成立时更正后的评议等次、得分或年度等次；否则为空字符串"
    )
    decided_by = serializers.SerializerMethodField(help_text="处理人姓名；处理前为 null")
    decided_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField(help_text="申诉时间")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_decided_by(self, appeal: Appeal) -> str | None:
        return person_name(appeal.decided_by)

    @extend_schema_field(enum_field("AppealKindEnum", APPEAL_KINDS))
    def get_kind(self, appeal: Appeal) -> str:
        return appeal_kind(appeal)

    @extend_schema_field(AppealPublicitySerializer(allow_null=True))
    def get_publicity(self, appeal: Appeal) -> dict | None:
        if appeal.entry_id is None:
            return None
        return AppealPublicitySerializer(appeal).data

    @extend_schema_field(YearEndWindowSerializer(allow_null=True))
    def get_year_end(self, appeal: Appeal) -> dict | None:
        window = year_end_window(appeal.window) if appeal.entry_id is None else None
        return YearEndWindowSerializer(window).data if window is not None else None


class AppealDetailSerializer(AppealSerializer):
    evidence = EvidenceFileSerializer(
        source="evidence_shown", many=True, help_text="证明材料；无权查看材料的人看到空列表"
    )
    history = AuditHistorySerializer(many=True)
