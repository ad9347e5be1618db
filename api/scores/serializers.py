"""Serializers of scores, ledgers, periods and the clerk's entries. Numbers are decimal strings."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from accounts.models import Member
from api.schema import enum_field
from api.scores.filters import KINDS, STATUSES
from scoring.core.members import MemberType
from scoring.models import LedgerEntry
from workflows.models import Claim, PeriodReview, ReviewSettings

POINTS = {"max_digits": 9, "decimal_places": 2, "coerce_to_string": True}
# Ids sent in a body: bounded like the database's keys, so a stray huge number is a 400, not a query.
ID = {"min_value": 1, "max_value": 2**63 - 1}


def review_status(**kwargs) -> serializers.ChoiceField:
    return enum_field("PeriodReviewStatusEnum", PeriodReview.Status.choices, **kwargs)


def points_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(**POINTS, read_only=True, **kwargs)


class ScoreBranchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class ScoreMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    real_name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Member.Kind.choices, help_text="党员类别")


class RankShownSerializer(serializers.Serializer):
    """How a rank reads: 排名, or 参考排名 for 发展对象 / 入党积极分子 (ranked among themselves).
    A member's own ranks are shown only where the organization shows members their rankings."""

    label = serializers.CharField(help_text="排名 或 参考排名")
    value = serializers.IntegerField(min_value=1)
    reference = serializers.BooleanField(help_text="仅供参考（发展对象、入党积极分子）")


class NamedPointsSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    points = points_field()


class PeriodApprovalSerializer(serializers.Serializer):
    """审定: who approved which period, when."""

    review_id = serializers.IntegerField()
    period = serializers.CharField(help_text="周期代码")
    period_label = serializers.CharField()
    status = review_status()
    round = serializers.IntegerField(help_text="审定轮次（备案退回后重新审定加一）")
    approved_by = serializers.CharField(help_text="审定人用户名")
    approved_by_name = serializers.CharField(allow_null=True, help_text="审定人姓名；无党员档案时为 null")
    approved_at = serializers.DateTimeField()
    note = serializers.CharField(allow_blank=True)


# ---------------------------------------------------------------- 我的积分


class WeightingSerializer(serializers.Serializer):
    points_percent = serializers.CharField(help_text="积分所占百分比，如 70")
    evaluation_percent = serializers.CharField(help_text="民主评议所占百分比，如 30")


class MyFrozenLineSerializer(serializers.Serializer):
    review_id = serializers.IntegerField()
    branch = ScoreBranchSerializer()
    period = serializers.CharField()
    period_label = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    status = review_status()
    approved_at = serializers.DateTimeField(allow_null=True)
    period_total = points_field()
    period_rank = RankShownSerializer(allow_null=True)
    cycle_total = points_field()
    cycle_rank = RankShownSerializer(allow_null=True)
    grade = serializers.CharField(allow_blank=True)
    veto = serializers.BooleanField(help_text="一票否决")
    items = NamedPointsSerializer(many=True)


class MyPendingLineSerializer(serializers.Serializer):
    period = serializers.CharField()
    period_label = serializers.CharField()
    total = points_field()
    review_status = review_status(allow_null=True, help_text="该期公示审定的状态；未发起为 null")
    items = NamedPointsSerializer(many=True)


class BreakdownRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    frozen = points_field(help_text="已审定")
    pending = points_field(help_text="待审定")


class MyPointsSerializer(serializers.Serializer):
    member = ScoreMemberSerializer()
    branch = ScoreBranchSerializer()
    cycle = serializers.IntegerField(allow_null=True, help_text="积分年度")
    exempt = serializers.BooleanField(help_text="经批准免于积分")
    reference_only = serializers.BooleanField(help_text="发展对象、入党积极分子：积分仅供参考")
    latest = MyFrozenLineSerializer(allow_null=True, help_text="本期：最近一个已审定的期间")
    frozen = MyFrozenLineSerializer(many=True, help_text="本年度已审定的期间，新的在前")
    pending = MyPendingLineSerializer(many=True, help_text="已审核通过、尚未审定的积分（待审定）")
    breakdown = BreakdownRowSerializer(many=True, help_text="本年度按项目：已审定与待审定")
    weighting = WeightingSerializer(allow_null=True, help_text="民主评议按权重计入年度积分时的权重")


# ---------------------------------------------------------------- branch and organization scores


class ScoreRowSerializer(serializers.Serializer):
    member = ScoreMemberSerializer()
    period_total = points_field()
    period_rank = RankShownSerializer(allow_null=True)
    cycle_total = points_field(help_text="截至期末的年度累计积分")
    cycle_rank = RankShownSerializer(allow_null=True)
    grade = serializers.CharField(allow_blank=True)
    veto = serializers.BooleanField()
    items = NamedPointsSerializer(many=True)
    categories = NamedPointsSerializer(many=True)


class BranchScoresSerializer(serializers.Serializer):
    branch = ScoreBranchSerializer()
    period = serializers.CharField()
    period_label = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    state = enum_field(
        "BranchScoresStateEnum", [("frozen", "已审定（冻结）"), ("provisional", "未审定，按台账即时计算")]
    )
    approvals = PeriodApprovalSerializer(many=True, help_text="构成该期间的各期审定；未审定时为空")
    computed_at = serializers.DateTimeField(allow_null=True, help_text="即时计算的时间；已审定时为 null")
    rows = ScoreRowSerializer(many=True)


class BranchSummarySerializer(serializers.Serializer):
    branch = ScoreBranchSerializer()
    state = enum_field("BranchSummaryStateEnum", [("frozen", "已审定"), ("pending", "尚未全部审定")])
    reason = serializers.CharField(
        allow_blank=True,
        help_text="尚未审定的原因（未施行细则、尚未发起公示、公示中、备案退回…）；已审定时为空",
    )
    members = serializers.IntegerField(allow_null=True, help_text="参加计分的人数；未审定时为 null")
    average = points_field(allow_null=True, help_text="按 ranked_by 所指的分数统计；未审定时为 null")
    highest = points_field(allow_null=True)
    lowest = points_field(allow_null=True)
    approvals = PeriodApprovalSerializer(many=True)


class OrganizationScoresSerializer(serializers.Serializer):
    organization = ScoreBranchSerializer()
    period = serializers.CharField()
    period_label = serializers.CharField()
    ranked_by = enum_field(
        "RankedByEnum",
        [("period_total", "本期积分"), ("cycle_total", "年度积分")],
        help_text="全组织排名所依据的分数：年度按年度积分，其余按本期积分",
    )
    complete = serializers.BooleanField(help_text="下属各支部均已审定该期间，全组织排名已形成")
    branches = BranchSummarySerializer(many=True)


class RankingRowSerializer(serializers.Serializer):
    rank = RankShownSerializer(allow_null=True, help_text="组织内排名（竞争排名 1, 2, 2, 4）")
    member = ScoreMemberSerializer()
    branch = ScoreBranchSerializer()
    total = points_field()


class RankingComputingSerializer(serializers.Serializer):
    """202: the organization's ranking may be complete but is not stored yet; it is being computed."""

    status = serializers.ChoiceField(choices=[("computing", "正在生成")], help_text="computing：正在生成")
    detail = serializers.CharField(help_text="如“全委排名正在生成，请稍后再试”")


def average(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"))


# ---------------------------------------------------------------- periods (期间与公示)


class ReviewWindowSerializer(serializers.Serializer):
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()


class PeriodReviewSerializer(serializers.Serializer):
    """期间审定: one branch, one period — publicity, appeals, final approval and filing."""

    id = serializers.IntegerField()
    branch = ScoreBranchSerializer()
    period = serializers.CharField()
    period_label = serializers.CharField()
    status = review_status()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    window = ReviewWindowSerializer(allow_null=True, help_text="公示期")
    started_by = serializers.CharField(allow_null=True, help_text="发起人用户名；期末自动发起时为 null")


class PeriodRowSerializer(serializers.Serializer):
    period = serializers.CharField()
    period_label = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    ended = serializers.BooleanField(help_text="该期已结束")
    can_start = serializers.BooleanField(help_text="已结束且尚未发起公示")
    open_claims = serializers.IntegerField(help_text="未审核完毕的申报数（仅对可发起的期间统计）")
    review = PeriodReviewSerializer(allow_null=True)


class BranchPeriodsSerializer(serializers.Serializer):
    branch = ScoreBranchSerializer()
    period_kind = enum_field(
        "ReviewPeriodKindEnum",
        ReviewSettings.PeriodKind.choices,
        help_text="本支部的审定周期（审定周期设置）",
    )
    may_start = serializers.BooleanField(help_text="我可以发起公示")
    may_record = serializers.BooleanField(help_text="我可以登记（签到、单项登记）")
    periods = PeriodRowSerializer(many=True, help_text="本年度和上一年度的期间，新的在前")


class PeriodStartSerializer(serializers.Serializer):
    branch = serializers.IntegerField(**ID, help_text="支部 id")
    period = serializers.CharField(max_length=16, help_text="周期代码，须与支部的审定周期一致，如 2026-Q1")


class PeriodPreviewRowSerializer(serializers.Serializer):
    name = serializers.CharField()
    member_type = enum_field("MemberTypeEnum", [(t.value, t.value) for t in MemberType])
    period_total = points_field()
    period_rank = serializers.IntegerField(allow_null=True)
    cycle_total = points_field()
    cycle_rank = serializers.IntegerField(allow_null=True)
    grade = serializers.CharField(allow_blank=True)
    veto = serializers.BooleanField()


class PeriodAttentionSerializer(serializers.Serializer):
    name = serializers.CharField()
    what = serializers.CharField()
    why = serializers.CharField()


class PeriodPreviewSerializer(serializers.Serializer):
    review = PeriodReviewSerializer()
    rows = PeriodPreviewRowSerializer(many=True, help_text="按台账即时计算的本期积分，与审定页所示相同")
    attention = PeriodAttentionSerializer(
        many=True, help_text="需关注：细则对排名等规定的后果（只提示，不自动执行）"
    )


# ---------------------------------------------------------------- the ledger (积分台账)


class AttendanceSheetBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    occurred_on = serializers.DateField()


class LedgerEntrySerializer(serializers.Serializer):
    """台账记录: one scored event of one member; corrections are reversing entries, linked both ways."""

    id = serializers.IntegerField()
    member = ScoreMemberSerializer()
    branch = ScoreBranchSerializer()
    cycle = serializers.IntegerField(help_text="积分年度（记录所依据细则的年度）")
    item_code = serializers.CharField()
    item_name = serializers.CharField()
    occurred_on = serializers.DateField()
    points = points_field()
    source = enum_field("LedgerSourceEnum", LedgerEntry.Source.choices)
    source_display = serializers.CharField()
    kind = enum_field("LedgerKindEnum", [(kind, label) for kind, (label, _) in KINDS.items()])
    status = enum_field("LedgerStatusEnum", STATUSES, help_text="所在期间已审定（frozen）或待审定（pending）")
    reason = serializers.CharField(allow_blank=True)
    author = serializers.CharField(allow_null=True, help_text="记录人用户名；系统自动记录为 null")
    author_name = serializers.CharField(allow_null=True, help_text="记录人姓名")
    created_at = serializers.DateTimeField()
    claim = serializers.IntegerField(allow_null=True, help_text="来自的申报（或支部登记）id")
    attendance_sheet = AttendanceSheetBriefSerializer(allow_null=True, help_text="来自的活动签到表")
    reverses = serializers.IntegerField(allow_null=True, help_text="本记录冲正的记录 id")
    reversed_by = serializers.IntegerField(allow_null=True, help_text="冲正本记录的记录 id")


# ---------------------------------------------------------------- the clerk's entries (支部登记)


class BranchRecordSerializer(serializers.Serializer):
    """单项登记: one branch-observed item (dues, a circular, late material) for one member."""

    member = serializers.IntegerField(**ID, help_text="党员 id（本支部、参加积分的党员）")
    item_code = serializers.CharField(max_length=64, help_text="由支部登记的积分项目编码")
    occurred_on = serializers.DateField(help_text="发生日期")
    points = serializers.DecimalField(
        max_digits=6,
        decimal_places=1,
        required=False,
        allow_null=True,
        default=None,
        help_text="仅分值区间项目填写",
    )
    description = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", help_text="事由"
    )


class AttendanceSerializer(serializers.Serializer):
    """活动签到登记: attendees get the item, those on leave the leave deduction, the rest the absence one."""

    branch = serializers.IntegerField(**ID, help_text="支部 id")
    title = serializers.CharField(max_length=100, help_text="活动名称")
    occurred_on = serializers.DateField(help_text="活动日期")
    item_present = serializers.CharField(max_length=64, help_text="出席记分项目（加分项目）")
    item_absent = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", help_text="无故缺席扣分项目；空为不扣分"
    )
    item_leave = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", help_text="请假扣分项目；空为不扣分"
    )
    present = serializers.ListField(
        child=serializers.IntegerField(**ID), required=False, default=list, help_text="出席党员 id"
    )
    on_leave = serializers.ListField(
        child=serializers.IntegerField(**ID), required=False, default=list, help_text="请假党员 id"
    )


class RecordedClaimSerializer(serializers.Serializer):
    """A claim the clerk entered: it waits for the committee's review (待审核)."""

    id = serializers.IntegerField()
    member = ScoreMemberSerializer()
    branch = ScoreBranchSerializer()
    item_code = serializers.CharField()
    item_name = serializers.CharField()
    occurred_on = serializers.DateField()
    points_requested = points_field(allow_null=True)
    status = enum_field("RecordedClaimStatusEnum", Claim.Status.choices)
    description = serializers.CharField(allow_blank=True)
    sheet = serializers.IntegerField(allow_null=True, help_text="所属活动签到表 id")


class AttendanceSheetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    branch = ScoreBranchSerializer()
    title = serializers.CharField()
    occurred_on = serializers.DateField()
    item_present = serializers.CharField()
    item_absent = serializers.CharField(allow_blank=True)
    item_leave = serializers.CharField(allow_blank=True)
    claims = RecordedClaimSerializer(many=True, help_text="据此登记的各人记录，待支委会审核")
