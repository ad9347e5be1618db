"""年度总评 over the API: the review, the year's live figures for the committee, the 等次 it sets, the
results that stand after 审定, the year-end 公示, follow-ups and last year's figures for the carry-over."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.claims.fields import person_name
from api.schema import enum_field
from api.yearend.briefs import (
    CYCLE,
    ID,
    YEAR_END_KINDS,
    AnnualReviewBriefSerializer,
    BranchRefSerializer,
    PersonSerializer,
    decimal_field,
    member_type_field,
    review_status,
)
from api.yearend.serializers_evaluation import OpenTaskSerializer, PublicityStateSerializer, distinct_members
from scoring.core.consequences import FlagKind
from yearend.models import AnnualDecision, FollowUp, GradeProposal

FLAG_KINDS = [(kind.value, kind.value) for kind in FlagKind]


class DecisionSerializer(serializers.Serializer):
    """党委审批 and 备案: the higher committee's decisions, in order."""

    kind = enum_field("AnnualDecisionKindEnum", AnnualDecision.Kind.choices)
    kind_display = serializers.CharField(source="get_kind_display")
    round = serializers.IntegerField(help_text="审定轮次")
    reason = serializers.CharField(help_text="意见或退回原因")
    decided_by = serializers.SerializerMethodField(help_text="办理人")
    decided_at = serializers.DateTimeField()

    def get_decided_by(self, decision) -> str:
        return person_name(decision.decided_by)


class AnnualReviewSerializer(serializers.Serializer):
    """年度总评: one branch's year, from 评定等次 to 备案."""

    id = serializers.IntegerField()
    label = serializers.CharField(help_text="如“2026年度总评”")
    branch = BranchRefSerializer()
    cycle = serializers.IntegerField(help_text="积分年度")
    status = review_status()
    status_display = serializers.CharField(source="get_status_display")
    returned = serializers.BooleanField(help_text="曾被党委退回（审批或备案）后重新评定")
    round = serializers.IntegerField(help_text="已审定的轮次（0：尚未审定）")
    started_by = serializers.SerializerMethodField(help_text="发起人；系统自动发起时为 null")
    created_at = serializers.DateTimeField(help_text="发起时间")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_started_by(self, review) -> str | None:
        return person_name(review.started_by)


class AnnualReviewDetailSerializer(AnnualReviewSerializer):
    grade_choices = serializers.ListField(
        child=serializers.CharField(), help_text="可评定的等次，从优到差（按细则）"
    )
    publicity = PublicityStateSerializer(allow_null=True, help_text="等次公示；评定等次前为 null")
    decisions = DecisionSerializer(many=True, source="decision_rows", help_text="党委审批与备案的决定")
    open_tasks = OpenTaskSerializer(many=True, help_text="待办理的步骤（仅所在支部和上级党委的工作人员可见）")


class AnnualReviewStartSerializer(serializers.Serializer):
    """发起年度总评."""

    branch = serializers.IntegerField(**ID, help_text="支部 id")
    cycle = serializers.IntegerField(**CYCLE, help_text="积分年度")


class FlagSerializer(serializers.Serializer):
    kind = enum_field("AnnualFlagKindEnum", FLAG_KINDS, help_text="需关注事项")
    reason = serializers.CharField(help_text="原因")


class StandingSerializer(serializers.Serializer):
    """One member's year as the rules compute it now (before 审定 nothing is frozen)."""

    member = PersonSerializer()
    member_type = member_type_field()
    graded = serializers.BooleanField(help_text="参加等次评定（细则 ranked_kinds）")
    graded_here = serializers.BooleanField(help_text="由本支部评定等次（年内调出的党员由新支部评定）")
    items_total = decimal_field(help_text="项目积分")
    base = decimal_field(help_text="基础分")
    carry_over = decimal_field(help_text="上年结转")
    carry_over_source = serializers.CharField(help_text="上年结转的来源，如“2025年度总评”“导入”；没有时为空")
    points = decimal_field(help_text="年度积分")
    evaluation_level = serializers.CharField(allow_null=True, help_text="民主评议等次")
    evaluation_score = decimal_field(allow_null=True, help_text="民主评议得分（投票得分）")
    evaluation = decimal_field(help_text="民主评议积分")
    total = decimal_field(help_text="总评得分")
    veto = serializers.BooleanField(help_text="一票否决")
    computed_grade = serializers.CharField(allow_null=True, help_text="按分数线的等次")
    suggested_grade = serializers.CharField(allow_null=True, help_text="建议等次")
    suggestion_reasons = serializers.ListField(child=serializers.CharField(), help_text="建议等次不同的原因")
    rank = serializers.IntegerField(allow_null=True, help_text="排名（参加等次评定的党员）")
    reference_rank = serializers.IntegerField(allow_null=True, help_text="参考排名（不参加等次评定的）")
    flags = FlagSerializer(many=True, help_text="需关注事项")
    probation_outcome = serializers.CharField(allow_null=True, help_text="预备党员转正建议")
    grade = serializers.CharField(allow_null=True, help_text="支委会已评定的等次；尚未评定时为 null")
    grade_reason = serializers.CharField(help_text="评定理由")


class GradeSerializer(serializers.Serializer):
    """支委会评定的等次 that stands for a member (the latest; an upheld appeal adds one)."""

    member = PersonSerializer()
    grade = serializers.CharField(help_text="评定等次")
    reason = serializers.CharField(help_text="理由（与建议等次不同时必填）")
    source = enum_field("GradeProposalSourceEnum", GradeProposal.Source.choices)
    proposed_by = serializers.SerializerMethodField(help_text="提出人")
    created_at = serializers.DateTimeField()

    def get_proposed_by(self, proposal) -> str:
        return person_name(proposal.proposed_by)


class GradeInputSerializer(serializers.Serializer):
    member = serializers.IntegerField(**ID, help_text="党员 id")
    grade = serializers.CharField(max_length=20, allow_blank=True, help_text="评定等次（grade_choices 之一）")
    reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, help_text="理由（与建议等次不同时必填）"
    )


class GradesSetSerializer(serializers.Serializer):
    """支委会评定等次: a grade for every member the branch grades, in one go."""

    grades = GradeInputSerializer(many=True, allow_empty=False, max_length=1000)

    def validate_grades(self, rows):
        return distinct_members(rows)


class AnnualResultSerializer(serializers.Serializer):
    """年度总评结果 as approved (审定, latest round) — never recomputed."""

    id = serializers.IntegerField()
    review = AnnualReviewBriefSerializer()
    round = serializers.IntegerField(help_text="审定轮次")
    member = PersonSerializer()
    member_type = member_type_field()
    graded = serializers.BooleanField(help_text="参加等次评定")
    items_total = decimal_field(help_text="项目积分")
    base = decimal_field(help_text="基础分")
    carry_over = decimal_field(help_text="上年结转")
    points = decimal_field(help_text="年度积分")
    evaluation_level = serializers.CharField(help_text="民主评议等次；没有时为空字符串")
    evaluation_score = decimal_field(allow_null=True, help_text="民主评议得分")
    evaluation = decimal_field(help_text="民主评议积分")
    total = decimal_field(help_text="总评得分")
    veto = serializers.BooleanField(help_text="一票否决")
    computed_grade = serializers.CharField(help_text="按分数线的等次")
    suggested_grade = serializers.CharField(help_text="建议等次")
    grade = serializers.CharField(help_text="评定等次；不参加等次评定时为空字符串")
    grade_reason = serializers.CharField(help_text="评定理由")
    rank = serializers.IntegerField(allow_null=True, help_text="排名")
    reference_rank = serializers.IntegerField(allow_null=True, help_text="参考排名")
    flags = FlagSerializer(many=True, help_text="需关注事项")
    probation_outcome = serializers.CharField(help_text="转正建议（预备党员）；其他为空字符串")
    honours_eligible = serializers.BooleanField(help_text="可评先评优")
    decided_by = serializers.SerializerMethodField(help_text="评定人（支委会）")
    approved_by = serializers.SerializerMethodField(help_text="审定人")
    approved_at = serializers.DateTimeField(help_text="审定时间")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_decided_by(self, result) -> str | None:
        return person_name(result.decided_by)

    def get_approved_by(self, result) -> str:
        return person_name(result.approved_by)


class FollowUpSerializer(serializers.Serializer):
    """整改跟踪 (分类定级积分晋位管理卡): for a member graded 不合格 or flagged."""

    id = serializers.IntegerField()
    result = serializers.IntegerField(source="result_id", help_text="年度总评结果 id")
    member = PersonSerializer(source="result.member")
    branch = BranchRefSerializer(source="result.review.branch")
    cycle = serializers.IntegerField(source="result.review.cycle", help_text="积分年度")
    grade = serializers.CharField(source="result.grade", help_text="评定等次")
    kind = enum_field("FollowUpKindEnum", FollowUp.Kind.choices)
    kind_display = serializers.CharField(source="get_kind_display")
    findings = serializers.CharField(help_text="存在问题")
    measures = serializers.CharField(help_text="整改措施")
    deadline = serializers.DateField(allow_null=True, help_text="整改时限（限期改正必填）")
    contact = serializers.SerializerMethodField(help_text="联系人")
    status = enum_field("FollowUpStatusEnum", FollowUp.Status.choices)
    status_display = serializers.CharField(source="get_status_display")
    outcome = serializers.CharField(help_text="整改结果；未记录时为空字符串")
    created_by = serializers.SerializerMethodField(help_text="建档人")
    created_at = serializers.DateTimeField()
    closed_by = serializers.SerializerMethodField(help_text="记录结果的人；未记录时为 null")
    closed_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_contact(self, follow_up) -> str | None:
        return person_name(follow_up.contact)

    def get_created_by(self, follow_up) -> str:
        return person_name(follow_up.created_by)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_closed_by(self, follow_up) -> str | None:
        return person_name(follow_up.closed_by)


class FollowUpOpenSerializer(serializers.Serializer):
    result = serializers.IntegerField(**ID, help_text="年度总评结果 id（不合格或有需关注事项的党员）")
    kind = enum_field("FollowUpKindEnum", FollowUp.Kind.choices, help_text="方式")
    findings = serializers.CharField(max_length=2000, allow_blank=True, help_text="存在问题")
    measures = serializers.CharField(max_length=2000, required=False, allow_blank=True, help_text="整改措施")
    deadline = serializers.DateField(required=False, allow_null=True, help_text="整改时限（限期改正必填）")


CLOSING = [(FollowUp.Status.DONE.value, FollowUp.Status.DONE.label)]
CLOSING += [(FollowUp.Status.NOT_DONE.value, FollowUp.Status.NOT_DONE.label)]


class FollowUpCloseSerializer(serializers.Serializer):
    status = enum_field("FollowUpClosingEnum", CLOSING, help_text="done 已整改；not_done 未按期整改")
    outcome = serializers.CharField(max_length=2000, allow_blank=True, help_text="整改结果")


class ToFollowSerializer(AnnualResultSerializer):
    """不合格 / 后进: a result that calls for a follow-up, with the follow-ups opened so far."""

    follow_ups = FollowUpSerializer(many=True, help_text="已建立的整改记录")


class CarryOverRowSerializer(serializers.Serializer):
    """One member of the branch with last year's total and where it comes from."""

    member = PersonSerializer()
    last_cycle = serializers.IntegerField(help_text="上一积分年度")
    total = decimal_field(allow_null=True, help_text="上年考核分；没有时为 null（不结转）")
    source = serializers.CharField(help_text="来源：“2025年度总评”或“导入：…”；没有时为空字符串")


class CarryOverEnterSerializer(serializers.Serializer):
    """上年考核分: last year's total of a member from before the system (the first year's carry-over)."""

    cycle = serializers.IntegerField(
        **CYCLE, help_text="结转到的积分年度；录入的是上一年度（cycle−1）的考核分"
    )
    member = serializers.IntegerField(**ID, help_text="党员 id")
    total = serializers.DecimalField(max_digits=7, decimal_places=2, help_text="上年考核分")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="来源说明")


class PostedRowSerializer(serializers.Serializer):
    """One member on a year-end 公示."""

    member = PersonSerializer()
    result = serializers.CharField(help_text="评议等次或得分（民主评议），或年度等次（年度总评）")
    reason = serializers.CharField(help_text="支委会的理由；没有时为空字符串")
    points = decimal_field(allow_null=True, help_text="年度积分（年度总评）")
    evaluation = decimal_field(allow_null=True, help_text="评议积分")
    total = decimal_field(allow_null=True, help_text="总评得分（年度总评）")
    rank = serializers.IntegerField(allow_null=True, help_text="排名（年度总评）")
    appealable = serializers.BooleanField(help_text="我现在能否对本条提出申诉")


class YearEndPublicitySerializer(serializers.Serializer):
    """The posted list of a 民主评议 or a 年度总评 — as members see it on their phones."""

    kind = enum_field(
        "YearEndPublicityKindEnum", YEAR_END_KINDS, help_text="evaluation 民主评议；annual 年度总评"
    )
    id = serializers.IntegerField(help_text="民主评议或年度总评的 id（申诉时提交）")
    label = serializers.CharField()
    branch = BranchRefSerializer()
    opens_at = serializers.DateTimeField(help_text="公示开始")
    closes_at = serializers.DateTimeField(help_text="公示截止")
    window_open = serializers.BooleanField(help_text="公示期是否尚未结束")
    appeals_possible = serializers.BooleanField(help_text="我现在能否提出申诉（本支部党员、公示期内）")
    open_appeals = serializers.IntegerField(help_text="未处理的申诉件数")
    rows = PostedRowSerializer(many=True, help_text="公示名单")
