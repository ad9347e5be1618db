"""公示 over the API: the window, the posted list and, once approved, the frozen result.

What a row shows is what the branch's notice board shows (``member_selectors.publicity_rows`` and
``frozen_result``): names, items, points and reasons — never a phone, an ID number or a member's record.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.claims.fields import points_field
from api.schema import enum_field
from api.serializers import OrganizationBriefSerializer
from scoring.models import LedgerEntry
from workflows.member_selectors import PublicityRow
from workflows.models import PeriodReview, ReviewSettings


class PublicitySerializer(serializers.Serializer):
    """One branch's 公示 of one period: its dates, its state and whether appeals are still possible."""

    id = serializers.IntegerField()
    branch = OrganizationBriefSerializer()
    label = serializers.CharField(help_text="期间名称，如“2026年度第1季度”")
    cycle = serializers.IntegerField(help_text="积分年度")
    period_kind = enum_field("PublicityPeriodKindEnum", ReviewSettings.PeriodKind.choices)
    period_index = serializers.IntegerField(help_text="期次")
    starts_on = serializers.DateField(help_text="期间起始日期")
    ends_on = serializers.DateField(help_text="期间截止日期")
    status = enum_field("PublicityStatusEnum", PeriodReview.Status.choices)
    status_display = serializers.CharField(source="get_status_display")
    opens_at = serializers.DateTimeField(source="window.opens_at", help_text="公示开始")
    closes_at = serializers.DateTimeField(source="window.closes_at", help_text="公示截止")
    window_open = serializers.SerializerMethodField(help_text="公示期是否尚未结束")
    appeals_possible = serializers.SerializerMethodField(help_text="我现在能否对本公示提出申诉")

    def get_window_open(self, review: PeriodReview) -> bool:
        return review.window.is_open(self.context.get("now"))

    def get_appeals_possible(self, review: PeriodReview) -> bool:
        return self.get_window_open(review) and review.pk in self.context.get("appealable_review_ids", ())


class PublicityEntrySerializer(serializers.Serializer):
    """公示清单 row: one ledger entry of the period."""

    id = serializers.IntegerField(source="entry.pk", help_text="台账记录编号（申诉时提交）")
    member_name = serializers.CharField(source="entry.member.real_name", help_text="姓名")
    item_code = serializers.CharField(source="entry.item_code")
    item_name = serializers.CharField()
    occurred_on = serializers.DateField(source="entry.occurred_on")
    points = points_field(source="entry.points")
    source = enum_field("LedgerEntrySourceEnum", LedgerEntry.Source.choices, source="entry.source")
    source_display = serializers.CharField(source="entry.get_source_display")
    reason = serializers.CharField(source="entry.reason", help_text="事由")
    corrected = serializers.BooleanField(help_text="已被更正（申诉成立或冲正）")
    is_reversal = serializers.BooleanField(help_text="本条是对另一条的更正（撤销）")
    appealable = serializers.SerializerMethodField(help_text="我现在能否对本条提出申诉")

    def get_appealable(self, row: PublicityRow) -> bool:
        return bool(self.context.get("appeals_possible")) and row.appealable


class PublicityRankSerializer(serializers.Serializer):
    label = serializers.CharField(help_text="排名，或发展对象、入党积极分子的参考排名")
    value = serializers.IntegerField()
    reference = serializers.BooleanField(help_text="仅供参考（不参加党员排名）")


class PublicityResultRowSerializer(serializers.Serializer):
    """审定结果 row: the member's frozen score of the period."""

    name = serializers.CharField(help_text="姓名")
    period_total = points_field(help_text="本期积分")
    period_rank = PublicityRankSerializer(allow_null=True)
    cycle_total = points_field(help_text="年度累计积分")
    cycle_rank = PublicityRankSerializer(allow_null=True)
    grade = serializers.CharField(help_text="等次；没有时为空字符串")


class PublicityDetailSerializer(PublicitySerializer):
    entries = serializers.SerializerMethodField(help_text="公示清单：本期的积分记录")
    result = serializers.SerializerMethodField(help_text="审定结果；审定前为 null")

    @extend_schema_field(PublicityEntrySerializer(many=True))
    def get_entries(self, review: PeriodReview):
        context = {**self.context, "appeals_possible": self.get_appeals_possible(review)}
        return PublicityEntrySerializer(review.rows, many=True, context=context).data

    @extend_schema_field(PublicityResultRowSerializer(many=True, allow_null=True))
    def get_result(self, review: PeriodReview):
        if review.result is None:
            return None
        return PublicityResultRowSerializer(review.result, many=True).data
