"""民主评议 over the API: the session, the member's 自评 and ballots, the officers' tallies, the clerk's
paper count, the committee's proposals, the approved results and the posted list.

A ballot is secret: it is shown to its voter and to nobody else; tallies are counts, never voters.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.claims.fields import person_name
from api.schema import enum_field
from api.yearend.briefs import (
    CYCLE,
    ID,
    BranchRefSerializer,
    PersonSerializer,
    decimal_field,
    session_status,
)
from api.yearend.messages import DUPLICATE_MEMBER, LEVEL_TOO_LONG
from yearend.evaluation import SELF_ASSESSMENT_MAX
from yearend.models import EvaluationProposal, EvaluationSession

LEVEL = {"max_length": 20}
LEVEL_HELP = "评议等次，须是本次评议的等次之一（levels）"
SCORE_HELP = "评议得分，0 至本次评议满分（max_score）"


class OpenTaskSerializer(serializers.Serializer):
    """An open step of the process, to act on through ``/api/v1/tasks/{id}/``."""

    id = serializers.IntegerField(help_text="任务 id")
    kind = serializers.CharField(help_text="任务类型代码，如 evaluation.tally")
    title = serializers.CharField(help_text="任务名称")


class ParticipantSerializer(serializers.Serializer):
    member = PersonSerializer()
    evaluated = serializers.BooleanField(help_text="参加评议（被评议）")
    votes = serializers.BooleanField(help_text="有表决权（参加互评投票）")
    note = serializers.CharField(help_text="说明，如“预备党员，参加评议，没有表决权”")


class MyPartSerializer(serializers.Serializer):
    """What the session asks of the caller as a participant."""

    evaluated = serializers.BooleanField(help_text="我参加评议（需填写自评）")
    votes = serializers.BooleanField(help_text="我有表决权")
    self_assessed = serializers.BooleanField(help_text="我已填写自评")
    voted = serializers.BooleanField(help_text="我已投票")
    may_assess = serializers.BooleanField(help_text="我现在能否填写或修改自评")
    may_vote = serializers.BooleanField(help_text="我现在能否网上投票")


class PublicityStateSerializer(serializers.Serializer):
    opens_at = serializers.DateTimeField(help_text="公示开始")
    closes_at = serializers.DateTimeField(help_text="公示截止")
    window_open = serializers.BooleanField(help_text="公示期是否尚未结束")
    appeals_possible = serializers.BooleanField(help_text="我现在能否对公示结果提出申诉")


class EvaluationSerializer(serializers.Serializer):
    """民主评议: one branch's democratic evaluation of one cycle."""

    id = serializers.IntegerField()
    label = serializers.CharField(help_text="如“2026年度民主评议”")
    branch = BranchRefSerializer()
    cycle = serializers.IntegerField(help_text="积分年度")
    kind = enum_field("EvaluationKindEnum", EvaluationSession.Kind.choices)
    kind_display = serializers.CharField(source="get_kind_display")
    levels = serializers.ListField(
        child=serializers.CharField(), help_text="评议等次，从优到差；投票得分时为空"
    )
    max_score = decimal_field(help_text="评议满分（评议积分的上限）")
    mode = enum_field("EvaluationVotingModeEnum", EvaluationSession.Mode.choices)
    mode_display = serializers.CharField(source="get_mode_display")
    meeting_on = serializers.DateField(help_text="评议大会日期")
    voting_opens_at = serializers.DateTimeField(help_text="投票开始")
    voting_closes_at = serializers.DateTimeField(help_text="投票截止")
    voting_open = serializers.SerializerMethodField(help_text="现在是否在投票时间内")
    status = session_status()
    status_display = serializers.CharField(source="get_status_display")
    opened_by = serializers.SerializerMethodField(help_text="发起人")
    created_at = serializers.DateTimeField(help_text="发起时间")
    tallied_at = serializers.DateTimeField(allow_null=True, help_text="计票完成时间")
    approved_by = serializers.SerializerMethodField(help_text="审定人；审定前为 null")
    approved_at = serializers.DateTimeField(allow_null=True, help_text="审定时间")

    def get_voting_open(self, session: EvaluationSession) -> bool:
        return session.voting_open(self.context.get("now"))

    def get_opened_by(self, session: EvaluationSession) -> str:
        return person_name(session.opened_by)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_approved_by(self, session: EvaluationSession) -> str | None:
        return person_name(session.approved_by)


class EvaluationDetailSerializer(EvaluationSerializer):
    participants = ParticipantSerializer(many=True, source="participant_rows", help_text="参评名单")
    me = MyPartSerializer(allow_null=True, help_text="我在本次评议中的情况；不在名单中时为 null")
    publicity = PublicityStateSerializer(allow_null=True, help_text="结果公示；支委会评定前为 null")
    open_tasks = OpenTaskSerializer(many=True, help_text="待办理的步骤（仅所在支部和上级党委的工作人员可见）")


class EvaluationOpenSerializer(serializers.Serializer):
    """发起民主评议."""

    branch = serializers.IntegerField(**ID, help_text="支部 id")
    cycle = serializers.IntegerField(**CYCLE, help_text="积分年度")
    meeting_on = serializers.DateField(help_text="评议大会日期（积分年度最后一个季度至次年二月）")
    voting_opens_at = serializers.DateTimeField(help_text="投票开始")
    voting_closes_at = serializers.DateTimeField(help_text="投票截止")
    mode = enum_field("EvaluationVotingModeEnum", EvaluationSession.Mode.choices, help_text="投票方式")


class SelfAssessmentSerializer(serializers.Serializer):
    """我的自评: written (and rewritten) until voting closes."""

    text = serializers.CharField(help_text="自评内容；未填写时为空字符串")
    level = serializers.CharField(help_text="自评等次；未选时为空字符串")
    submitted_at = serializers.DateTimeField(allow_null=True, help_text="首次提交时间；未填写时为 null")
    updated_at = serializers.DateTimeField(allow_null=True, help_text="最近修改时间")
    may_edit = serializers.BooleanField(help_text="现在能否修改")


class SelfAssessmentWriteSerializer(serializers.Serializer):
    text = serializers.CharField(
        max_length=SELF_ASSESSMENT_MAX, allow_blank=True, trim_whitespace=False, help_text="自评内容"
    )
    level = serializers.CharField(
        **LEVEL, required=False, allow_blank=True, help_text="自评等次（可不选）；投票得分的评议不填"
    )


class BallotSerializer(serializers.Serializer):
    """One of my own ballots: on whom, what, when."""

    member = PersonSerializer(source="subject", help_text="被评议的党员")
    level = serializers.CharField(help_text="评议等次；投票得分时为空字符串")
    score = decimal_field(allow_null=True, help_text="评议得分；按等次评议时为 null")
    cast_at = serializers.DateTimeField(help_text="投票时间")


class BallotChoiceSerializer(serializers.Serializer):
    member = serializers.IntegerField(**ID, help_text="被评议党员的 id")
    level = serializers.CharField(**LEVEL, required=False, allow_blank=True, help_text=LEVEL_HELP)
    score = serializers.DecimalField(
        max_digits=7, decimal_places=2, required=False, allow_null=True, help_text=SCORE_HELP
    )


def distinct_members(rows: list[dict]) -> list[dict]:
    seen: set[int] = set()
    for row in rows:
        if row["member"] in seen:
            raise serializers.ValidationError(str(DUPLICATE_MEMBER % {"id": row["member"]}))
        seen.add(row["member"])
    return rows


class BallotsCastSerializer(serializers.Serializer):
    """互评: all my votes at once — each member once, and never again."""

    ballots = BallotChoiceSerializer(many=True, allow_empty=False, max_length=1000)

    def validate_ballots(self, rows):
        return distinct_members(rows)


class BallotsCastResultSerializer(serializers.Serializer):
    ballots = BallotSerializer(many=True, help_text="我的全部投票")


class LevelCountSerializer(serializers.Serializer):
    level = serializers.CharField()
    votes = serializers.IntegerField()


class TallySerializer(serializers.Serializer):
    """计票: one member's count — how many ballots and what they said, never who voted what."""

    member = PersonSerializer()
    online_ballots = serializers.IntegerField(help_text="网上投票数")
    paper_ballots = serializers.IntegerField(help_text="纸质有效票数（最近一次录入）")
    ballots = serializers.IntegerField(help_text="合计票数")
    online_counts = LevelCountSerializer(many=True, help_text="网上各等次票数（按等次评议）")
    paper_counts = LevelCountSerializer(many=True, help_text="纸质票各等次票数（按等次评议）")
    counts = LevelCountSerializer(many=True, help_text="合计各等次票数（按等次评议）")
    score = decimal_field(
        allow_null=True, help_text="平均得分（投票得分评议，纸质票按票数加权）；没有票时为 null"
    )
    suggestion = serializers.CharField(allow_null=True, help_text="计票结果建议的等次或得分；没有票时为 null")
    self_assessment = serializers.CharField(help_text="自评内容")
    self_level = serializers.CharField(help_text="自评等次")


class PaperTallySerializer(serializers.Serializer):
    """纸质票录入: one entry of the meeting's count for a member (a later entry corrects it)."""

    id = serializers.IntegerField()
    member = PersonSerializer(source="subject")
    ballots = serializers.IntegerField(help_text="有效票数")
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="各等次票数（按等次评议）")
    score = decimal_field(allow_null=True, help_text="投票得分（投票得分评议）")
    entered_by = serializers.SerializerMethodField(help_text="录入人")
    entered_at = serializers.DateTimeField()
    current = serializers.BooleanField(help_text="是否为该党员最近一次录入（计票以此为准）")

    def get_entered_by(self, tally) -> str:
        return person_name(tally.entered_by)


class PaperTallyWriteSerializer(serializers.Serializer):
    member = serializers.IntegerField(**ID, help_text="被评议党员的 id")
    ballots = serializers.IntegerField(min_value=1, max_value=32767, help_text="该党员的纸质有效票数")
    counts = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=32767),
        required=False,
        help_text='各等次票数，如 {"优秀": 2, "合格": 1}（按等次评议）',
    )
    score = serializers.DecimalField(
        max_digits=7, decimal_places=2, required=False, allow_null=True, help_text="投票得分（投票得分评议）"
    )

    def validate_counts(self, counts):
        too_long = [level for level in counts if len(level) > LEVEL["max_length"]]
        if too_long:
            raise serializers.ValidationError(str(LEVEL_TOO_LONG % {"level": too_long[0][:20]}))
        return counts


class ProposalSerializer(serializers.Serializer):
    """支委会评议意见 that stands for a member (the latest; an upheld appeal adds one)."""

    member = PersonSerializer()
    level = serializers.CharField(help_text="评议等次；投票得分时为空字符串")
    score = decimal_field(allow_null=True, help_text="评议得分；按等次评议时为 null")
    value = decimal_field(help_text="折合的评议积分")
    reason = serializers.CharField(help_text="理由（与计票结果不同时必填）")
    source = enum_field("EvaluationProposalSourceEnum", EvaluationProposal.Source.choices)
    proposed_by = serializers.SerializerMethodField(help_text="提出人")
    created_at = serializers.DateTimeField()

    def get_proposed_by(self, proposal) -> str:
        return person_name(proposal.proposed_by)


class ProposalInputSerializer(serializers.Serializer):
    member = serializers.IntegerField(**ID, help_text="党员 id")
    level = serializers.CharField(**LEVEL, required=False, allow_blank=True, help_text=LEVEL_HELP)
    score = serializers.DecimalField(
        max_digits=7, decimal_places=2, required=False, allow_null=True, help_text=SCORE_HELP
    )
    reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, help_text="理由（与计票结果不同时必填）"
    )


class ProposalsSetSerializer(serializers.Serializer):
    """支委会评定: a 评议等次 (or 得分) for every member evaluated, in one go."""

    proposals = ProposalInputSerializer(many=True, allow_empty=False, max_length=1000)

    def validate_proposals(self, rows):
        return distinct_members(rows)


class EvaluationResultSerializer(serializers.Serializer):
    """评议结果 as approved (审定): what the year's review reads."""

    member = PersonSerializer()
    level = serializers.CharField(help_text="评议等次；投票得分时为空字符串")
    score = decimal_field(allow_null=True, help_text="评议得分；按等次评议时为 null")
    value = decimal_field(help_text="评议积分")
    approved_by = serializers.SerializerMethodField(help_text="审定人")
    approved_at = serializers.DateTimeField()

    def get_approved_by(self, result) -> str:
        return person_name(result.approved_by)
