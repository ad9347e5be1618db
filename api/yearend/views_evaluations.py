"""民主评议 over the API: sessions (list, read, open), my 自评 and my ballots, the officers' tallies, the
clerk's paper count, the committee's proposals (支委会评定, through its task), results, the posted list.

Scope as on the phone pages: the members of the branch and those who work in it see a session, others get
404. Within sight, what is not the caller's to do is 403: a 自评 is written by a member evaluated, ballots
are cast and read by their voter only (secret), tallies are for the branch's officers, the paper count
for its clerk, the proposals for its committee. 计票 and 审定 are task steps (``/api/v1/tasks/{id}/act/``).
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, parsers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from accounts.duties import may_do
from accounts.models import Member
from accounts.roles import OPEN_PUBLICITY, RECORD_CLAIMS, REVIEW_CLAIMS
from api.errors import ApiError, Conflict, not_allowed, service_errors
from api.schema import error_responses
from api.yearend import present
from api.yearend.access import (
    get_branch_to_act_in,
    participant_of,
    require,
    require_officer,
    sessions_visible_to,
)
from api.yearend.filters import EvaluationFilter
from api.yearend.messages import EVALUATION_NOT_POSTED
from api.yearend.serializers_annual import YearEndPublicitySerializer
from api.yearend.serializers_evaluation import (
    BallotsCastResultSerializer,
    BallotsCastSerializer,
    BallotSerializer,
    EvaluationDetailSerializer,
    EvaluationOpenSerializer,
    EvaluationResultSerializer,
    EvaluationSerializer,
    PaperTallySerializer,
    PaperTallyWriteSerializer,
    ProposalSerializer,
    ProposalsSetSerializer,
    SelfAssessmentSerializer,
    SelfAssessmentWriteSerializer,
    TallySerializer,
)
from api.yearend.steps import carry_out_step, conflicts, refusal_is
from yearend import messages
from yearend.evaluation import (
    ProposalInput,
    ballots_cast,
    evaluation_open,
    evaluation_propose,
    paper_tally_enter,
    self_assessment_submit,
)
from yearend.flows import EvaluationFlow
from yearend.models import Ballot, EvaluationSession

NESTED = {"filter_backends": [], "detail": True}


@extend_schema_view(
    list=extend_schema(
        summary="民主评议：本支部的，及所任职支部的",
        responses={200: EvaluationSerializer(many=True), **error_responses(400, 401)},
    ),
    retrieve=extend_schema(
        summary="民主评议详情：评议方式、投票时间、参评名单、我的自评与投票情况、公示、待办步骤",
        responses={200: EvaluationDetailSerializer, **error_responses(401, 404)},
    ),
)
class EvaluationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """民主评议。"""

    parser_classes = [parsers.JSONParser]

    serializer_class = EvaluationSerializer
    filterset_class = EvaluationFilter
    search_fields: list[str] = []
    ordering_fields = ["cycle", "meeting_on", "id"]
    ordering = ["-cycle", "branch__code", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return EvaluationSession.objects.none()
        return sessions_visible_to(self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    def _detail(self, session: EvaluationSession, code: int = status.HTTP_200_OK) -> Response:
        user, now = self.request.user, timezone.now()
        session = present.evaluation_detail(session, user, participant_of(user, session), now)
        context = {**self.get_serializer_context(), "now": now}
        return Response(EvaluationDetailSerializer(session, context=context).data, status=code)

    @extend_schema(
        summary="发起民主评议（组织委员）：评议大会日期、投票时间、投票方式；支部名册成为参评名单",
        description=(
            "支部不在我的工作范围内时 404；没有发起权限（不是组织委员）时 403；"
            "该支部该年度已发起过时 409；细则没有民主评议、日期不在范围内等为 400（中文原因）。"
        ),
        request=EvaluationOpenSerializer,
        responses={201: EvaluationDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def create(self, request):
        given = EvaluationOpenSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        branch = get_branch_to_act_in(request.user, data["branch"], OPEN_PUBLICITY)

        def exists(_error=None) -> bool:
            return EvaluationSession.objects.filter(branch=branch, cycle=data["cycle"]).exists()

        if exists():
            raise Conflict(
                str(messages.EVALUATION_EXISTS % {"branch": branch.name, "cycle": data["cycle"]}),
                code="exists",
            )
        with service_errors(conflict_when=exists, conflict_code="exists"):
            session = evaluation_open(
                branch=branch,
                cycle=data["cycle"],
                meeting_on=data["meeting_on"],
                voting_opens_at=data["voting_opens_at"],
                voting_closes_at=data["voting_closes_at"],
                mode=data["mode"],
                by=request.user,
            )
        return self._detail(self.get_queryset().get(pk=session.pk), status.HTTP_201_CREATED)

    # ---------------------------------------------------------------- 自评

    def _evaluated(self, session: EvaluationSession) -> Member:
        participant = participant_of(self.request.user, session)
        if participant is None or not participant.evaluated:
            member = participant.member if participant else None
            raise not_allowed(messages.NOT_EVALUATED % {"name": member.real_name} if member else None)
        return participant.member

    @extend_schema(
        methods=["GET"],
        summary="我的自评（参加评议的党员本人）",
        responses={200: SelfAssessmentSerializer, **error_responses(401, 403, 404)},
    )
    @extend_schema(
        methods=["PUT"],
        summary="填写或修改我的自评：投票截止前可以修改",
        description="投票已截止或评议已进入下一环节时 409；内容为空、过长、等次不对时 400。",
        request=SelfAssessmentWriteSerializer,
        responses={200: SelfAssessmentSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(methods=["get", "put"], url_path="self-assessment", **NESTED)
    def self_assessment(self, request, pk=None):
        session = self.get_object()
        member = self._evaluated(session)
        if request.method == "PUT":
            given = SelfAssessmentWriteSerializer(data=request.data)
            given.is_valid(raise_exception=True)
            now = timezone.now()
            shut = refusal_is(messages.VOTING_CLOSED, messages.SESSION_NOT_VOTING)
            with service_errors(conflict_when=shut, conflict_code="window_closed"):
                self_assessment_submit(
                    session=session,
                    member=member,
                    text=given.validated_data["text"],
                    level=given.validated_data.get("level", ""),
                    by=request.user,
                    now=now,
                )
        body = present.self_assessment(session, member, timezone.now())
        return Response(SelfAssessmentSerializer(body).data)

    # ---------------------------------------------------------------- 互评

    def _voter(self, session: EvaluationSession) -> Member:
        participant = participant_of(self.request.user, session)
        if participant is None or not participant.votes:
            member = participant.member if participant else None
            raise not_allowed(messages.NOT_A_VOTER % {"name": member.real_name} if member else None)
        return participant.member

    def _my_ballots(self, session: EvaluationSession, voter: Member):
        return (
            Ballot.objects.filter(session=session, voter=voter)
            .select_related("subject")
            .order_by("subject__real_name", "subject_id")
        )

    @extend_schema(
        methods=["GET"],
        summary="我的投票（只有投票人本人能看到）",
        responses={200: BallotSerializer(many=True), **error_responses(401, 403, 404)},
    )
    @extend_schema(
        methods=["POST"],
        summary="互评投票：一次提交对各党员的评议，每人只能投一次、不能更改",
        description=(
            "ballots 中每项为一名党员及其评议等次（level）或得分（score）。不在投票时间内、"
            "评议已进入下一环节或已对其中某人投过票时 409（中文原因），不记录任何一票；"
            "等次不对、得分超出范围、对自己投票或对不参评的人投票时 400；没有表决权时 403。"
        ),
        request=BallotsCastSerializer,
        responses={201: BallotsCastResultSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(methods=["get", "post"], **NESTED)
    def ballots(self, request, pk=None):
        session = self.get_object()
        voter = self._voter(session)
        if request.method == "GET":
            page = self.paginate_queryset(self._my_ballots(session, voter))
            return self.get_paginated_response(BallotSerializer(page, many=True).data)
        given = BallotsCastSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        choices = {
            row["member"]: {"level": row.get("level", ""), "score": row.get("score")}
            for row in given.validated_data["ballots"]
        }
        now = timezone.now()
        shut = refusal_is(messages.VOTING_CLOSED, messages.VOTING_NOT_OPEN, messages.SESSION_NOT_VOTING)
        twice = refusal_is(messages.BALLOT_TWICE)
        with service_errors(), conflicts((shut, "voting_closed"), (twice, "already_voted")):
            ballots_cast(session=session, voter=voter, choices=choices, by=request.user, now=now)
        body = {"ballots": self._my_ballots(session, voter)}
        return Response(BallotsCastResultSerializer(body).data, status=status.HTTP_201_CREATED)

    # ---------------------------------------------------------------- 计票 and the paper count

    @extend_schema(
        summary="计票（支部工作人员）：每名参评党员的票数、各等次票数或平均得分、计票建议和自评——不含投票人",
        responses={200: TallySerializer(many=True), **error_responses(401, 403, 404)},
    )
    @action(methods=["get"], **NESTED)
    def tallies(self, request, pk=None):
        session = self.get_object()
        require_officer(request.user, session.branch)
        page = self.paginate_queryset(present.tally_rows(session))
        return self.get_paginated_response(TallySerializer(page, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="纸质票录入记录（支部工作人员）：每次录入，最近一次为准",
        responses={200: PaperTallySerializer(many=True), **error_responses(401, 403, 404)},
    )
    @extend_schema(
        methods=["POST"],
        summary="录入纸质票（组织委员）：一名党员的纸质有效票数及各等次票数或投票得分；再次录入即更正",
        description=(
            "各等次票数合计不能超过有效票数，有效票数不能超过未在网上投票的有表决权党员人数（400）；"
            "评议已完成计票时 409；不是组织委员时 403。"
        ),
        request=PaperTallyWriteSerializer,
        responses={201: PaperTallySerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(methods=["get", "post"], url_path="paper-tallies", **NESTED)
    def paper_tallies(self, request, pk=None):
        session = self.get_object()
        if request.method == "GET":
            require_officer(request.user, session.branch)
            page = self.paginate_queryset(present.paper_tallies(session))
            return self.get_paginated_response(PaperTallySerializer(page, many=True).data)
        if not self._stands_in_for_the_clerk(request, session):
            require(request.user, RECORD_CLAIMS, session.branch)
        given = PaperTallyWriteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        subject = self._evaluated_member(session, data["member"], "member")
        shut = refusal_is(messages.SESSION_NOT_VOTING)
        with service_errors(conflict_when=shut, conflict_code="tallied"):
            tally = paper_tally_enter(
                session=session,
                subject=subject,
                ballots=data["ballots"],
                counts=data.get("counts") or {},
                score=data.get("score"),
                by=request.user,
            )
        entry = next(t for t in present.paper_tallies(session) if t.pk == tally.pk)
        return Response(PaperTallySerializer(entry).data, status=status.HTTP_201_CREATED)

    @staticmethod
    def _stands_in_for_the_clerk(request, session: EvaluationSession) -> bool:
        """The secretary entering the paper count of the branch's only clerk (accounts.duties): the one
        row that is not the clerk's to enter."""
        pk = request.data.get("member") if hasattr(request.data, "get") else None
        if isinstance(pk, bool) or not isinstance(pk, int):
            return False
        subject = session.participants.filter(member_id=pk).select_related("member").first()
        return subject is not None and may_do(request.user, RECORD_CLAIMS, session.branch, [subject.member])

    @staticmethod
    def _evaluated_member(session: EvaluationSession, pk: int, field: str) -> Member:
        participant = (
            session.participants.filter(member_id=pk, evaluated=True).select_related("member").first()
        )
        if participant is None:
            name = Member.objects.filter(pk=pk).values_list("real_name", flat=True).first() or f"id {pk}"
            raise ValidationError({field: [str(messages.NOT_EVALUATED % {"name": name})]})
        return participant.member

    # ---------------------------------------------------------------- 支委会评定, results, 公示

    @extend_schema(
        methods=["GET"],
        summary="评议意见：支委会对每名党员的评议等次（或得分），公示后即为公示名单",
        responses={200: ProposalSerializer(many=True), **error_responses(401, 404)},
    )
    @extend_schema(
        methods=["POST"],
        summary="支委会评定并公示：每名参评党员的评议等次（或得分）与理由，一次提交",
        description=(
            "即“支委会评定”任务（evaluation.propose），与任务页面相同：未领取时自动领取，"
            "他人已领取或已办理时 409。"
            "计票尚未完成或已公示时 409；缺少党员、等次不对、与计票结果不同而未说明理由时 400；"
            "不是支委会成员时 403。成功后返回评议详情（公示中）。"
        ),
        request=ProposalsSetSerializer,
        responses={200: EvaluationDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(methods=["get", "post"], **NESTED)
    def proposals(self, request, pk=None):
        session = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(present.proposals(session))
            return self.get_paginated_response(ProposalSerializer(page, many=True).data)
        require(request.user, REVIEW_CLAIMS, session.branch)
        given = ProposalsSetSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        proposals = {}
        for row in given.validated_data["proposals"]:
            self._evaluated_member(session, row["member"], "proposals")
            proposals[row["member"]] = ProposalInput(
                level=row.get("level", ""), score=row.get("score"), reason=row.get("reason", "")
            )
        not_now = str(messages.SESSION_NOT_PROPOSING % {"status": session.get_status_display()})
        carry_out_step(
            session,
            EvaluationFlow.propose,
            not_now,
            request.user,
            evaluation_propose,
            session=session,
            proposals=proposals,
        )
        return self._detail(self.get_queryset().get(pk=session.pk))

    @extend_schema(
        summary="评议结果（审定后）：每名党员的评议等次或得分及评议积分",
        responses={200: EvaluationResultSerializer(many=True), **error_responses(401, 404)},
    )
    @action(methods=["get"], **NESTED)
    def results(self, request, pk=None):
        session = self.get_object()
        results = session.results.select_related("member", "approved_by").order_by("member__real_name", "pk")
        page = self.paginate_queryset(results)
        return self.get_paginated_response(EvaluationResultSerializer(page, many=True).data)

    @extend_schema(
        summary="评议结果公示：公示期、公示名单（姓名、评议等次或得分、理由），我能否申诉",
        responses={200: YearEndPublicitySerializer, **error_responses(401, 404)},
    )
    @action(methods=["get"], **NESTED)
    def publicity(self, request, pk=None):
        session = self.get_object()
        window = getattr(session, "window", None)
        if window is None:
            raise ApiError(str(EVALUATION_NOT_POSTED), code="not_found", status_code=NotFound.status_code)
        body = present.posted(window, request.user, timezone.now())
        return Response(YearEndPublicitySerializer(body).data)
