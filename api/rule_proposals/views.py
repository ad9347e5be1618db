"""自主设定项目申请: list, read, propose (支委会提出), and the proposer's revision after a return.

The proposal is ``scoring.proposals.rule_proposal_submit`` — the page's service; 上级党委审批 is the
process's task (``/api/v1/tasks/{id}/act/``, kind ``rule_proposal.decide``: approve / return), and the
revision after a return is its task too, done here because it carries a new file (as a claim's revision
is done at ``/claims/{id}/revise/``), through ``task_carry_out`` as the task page does it.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, parsers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import access
from accounts.roles import APPROVE_PERIOD
from api.errors import Conflict, not_allowed, service_errors
from api.rule_proposals.filters import RuleProposalFilter
from api.rule_proposals.messages import NOT_THE_PROPOSER
from api.rule_proposals.selectors import (
    branches_proposing_for,
    open_steps,
    open_task,
    proposal_changes,
    proposals_visible_to,
)
from api.rule_proposals.serializers import (
    RuleProposalCreateSerializer,
    RuleProposalDetailSerializer,
    RuleProposalReviseSerializer,
    RuleProposalSerializer,
)
from api.schema import error_responses
from api.yearend.steps import refusal_is
from scoring import messages
from scoring.models import RuleProposal
from scoring.proposals import rule_proposal_resubmit, rule_proposal_submit
from workflows.execution import task_carry_out
from workflows.rule_flows import RuleProposalFlow


@extend_schema_view(
    list=extend_schema(
        summary="自主设定项目申请：所任职支部的，上级党委看到所辖各支部的",
        responses={200: RuleProposalSerializer(many=True), **error_responses(400, 401)},
    ),
    retrieve=extend_schema(
        summary="申请详情：细则原文、增加和细化的项目、状态、提出与审批（人、时间、意见）、生效日期、待办步骤",
        responses={200: RuleProposalDetailSerializer, **error_responses(401, 404)},
    ),
)
class RuleProposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """自主设定项目申请。"""

    parser_classes = [parsers.JSONParser]
    serializer_class = RuleProposalSerializer
    filterset_class = RuleProposalFilter
    search_fields: list[str] = []
    ordering_fields = ["created_at", "effective_from", "cycle", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return RuleProposal.objects.none()
        return proposals_visible_to(self.request.user)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    def _detail(self, proposal: RuleProposal, code: int = status.HTTP_200_OK) -> Response:
        proposal = self.get_queryset().get(pk=proposal.pk)
        proposal.changes, proposal.check_errors = proposal_changes(proposal)
        proposal.open_tasks = open_steps(proposal)
        return Response(RuleProposalDetailSerializer(proposal).data, status=code)

    @extend_schema(
        summary="提出本支部的细则（支部书记）：继承上级细则，增加或细化项目，报上级党委审批",
        description=(
            "支部不在我的工作范围内时 404；不是该支部书记时 403；"
            "本支部已有待审批（或退回待修改）的申请时 409；"
            "细则无法解析、没有 extends 上级细则、放宽了上级规定的上限、"
            "生效日期不在本积分年度内或早于今天时 400，"
            "字段上是中文原因（细则的错误指出行号和字段），不会保存任何内容。"
            "提出后上级党委在待认领中看到“上级党委审批”任务（rule_proposal.decide）。"
        ),
        request=RuleProposalCreateSerializer,
        responses={201: RuleProposalDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def create(self, request):
        given = RuleProposalCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        branch = get_object_or_404(branches_proposing_for(request.user), pk=data["branch"])
        if not access.may(request.user, APPROVE_PERIOD, branch):
            raise not_allowed(messages.PROPOSAL_NOT_ALLOWED)
        pending = refusal_is(messages.PROPOSAL_PENDING)
        with service_errors(conflict_when=pending, conflict_code="pending"):
            proposal = rule_proposal_submit(
                branch=branch,
                cycle=data.get("cycle") or timezone.localdate().year,
                text=data["source"],
                effective_from=data["effective_from"],
                note=data.get("note", ""),
                by=request.user,
            )
        return self._detail(proposal, status.HTTP_201_CREATED)

    @extend_schema(
        summary="按退回意见修改后重新提交（提出人本人）",
        description=(
            "只有提出人本人可以修改，且申请须处于“退回修改”：否则 403 或 409。未提交的字段沿用原内容。"
            "与提出时相同的检查，不通过时 400（中文原因），不会改变任何数据；通过后回到上级党委审批。"
        ),
        request=RuleProposalReviseSerializer,
        responses={200: RuleProposalDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        proposal = self.get_object()
        if proposal.proposed_by_id != request.user.pk:
            raise not_allowed(NOT_THE_PROPOSER)
        task = open_task(proposal, RuleProposalFlow.revise)
        if proposal.status != RuleProposal.Status.RETURNED or task is None:
            raise Conflict(str(messages.PROPOSAL_NOT_OPEN % {"status": proposal.get_status_display()}))
        given = RuleProposalReviseSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        with service_errors():
            task_carry_out(
                task,
                request.user,
                rule_proposal_resubmit,
                proposal=proposal,
                text=data.get("source", proposal.source),
                effective_from=data.get("effective_from", proposal.effective_from),
                note=data.get("note", proposal.note),
            )
        return self._detail(proposal)
