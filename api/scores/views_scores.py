"""积分 over REST: mine (我的积分), a branch's for a period, an organization's across its branches.

Scores of a branch or an organization are read where the caller holds ``view_scores`` there or above;
anything else answers 404, as if it did not exist.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import access
from accounts.models import Organization
from accounts.roles import VIEW_SCORES
from api.schema import error_responses
from api.scores import present
from api.scores.frozen import branch_period_scores, organization_scores
from api.scores.params import ID_PARAMETER, PERIOD_PARAMETER, invalid, period_param
from api.scores.serializers import (
    BranchScoresSerializer,
    MyPointsSerializer,
    OrganizationScoresSerializer,
    RankingComputingSerializer,
    RankingRowSerializer,
)
from reports.rankings import ranking_rows, stored_ranking_state
from workflows import member_selectors

RANKING_COMPUTING = _("全委排名正在生成，请稍后再试")
RETRY_AFTER = 10  # seconds


def get_scored_organization(user, pk: int | str, *, branch: bool = False) -> Organization:
    """An organization (a branch, if ``branch``) where ``user`` may view scores; else 404."""
    scope = access.organizations_where(user, VIEW_SCORES)
    if branch:
        scope = scope.filter(kind=Organization.Kind.BRANCH)
    return get_object_or_404(scope, pk=pk)


def scored(read, *args):
    """The core's Chinese refusal (no rule set in force for that cycle…) as a 400 on ``period``."""
    try:
        return read(*args)
    except ValidationError as error:
        raise invalid("period", "；".join(str(m) for m in error.messages)) from None


class MyScoresView(APIView):
    @extend_schema(
        summary="我的积分：已审定的期间与年度累计、等次、排名，待审定的积分，按项目明细",
        responses={200: MyPointsSerializer, **error_responses(401, 404)},
    )
    def get(self, request):
        member = access.own_member(request.user)
        if member is None:
            raise Http404  # an account without a member record (a higher officer) has no points
        points = member_selectors.my_points(member)
        return Response(MyPointsSerializer(present.my_points(points)).data)


class BranchScoresView(APIView):
    @extend_schema(
        summary="支部某一期间的积分：已审定的（含审定人和时间）或未审定时按台账即时计算的",
        parameters=[ID_PARAMETER, PERIOD_PARAMETER],
        responses={200: BranchScoresSerializer, **error_responses(400, 401, 404)},
    )
    def get(self, request, pk: str):
        branch = get_scored_organization(request.user, pk, branch=True)
        period = period_param(request.query_params.get("period"))
        scores = scored(branch_period_scores, branch, period)
        return Response(BranchScoresSerializer(present.branch_scores(scores)).data)


class OrganizationScoresView(APIView):
    @extend_schema(
        summary="组织某一期间各支部的审定情况与积分概况",
        parameters=[ID_PARAMETER, PERIOD_PARAMETER],
        responses={200: OrganizationScoresSerializer, **error_responses(400, 401, 404)},
    )
    def get(self, request, pk: str):
        organization = get_scored_organization(request.user, pk)
        period = period_param(request.query_params.get("period"))
        scores = organization_scores(organization, period)
        return Response(OrganizationScoresSerializer(present.organization_scores(scores)).data)


class OrganizationRankingView(GenericAPIView):
    """全委排名 of 正式党员 and 预备党员, read page by page from the stored ranking
    (``reports.rankings.stored_ranking_state``), never ranked on the request: empty until every branch
    below has approved the period (the organization view says which have not, and why); 202 while it
    may be complete but is still being computed (a province's takes minutes) — ask again after
    ``Retry-After`` seconds."""

    serializer_class = RankingRowSerializer
    filter_backends: list = []

    @extend_schema(
        summary="全组织党员排名（正式党员、预备党员，竞争排名）：下属各支部均已审定该期间后形成，此前为空；"
        "正在生成时返回 202，稍后再试",
        parameters=[ID_PARAMETER, PERIOD_PARAMETER],
        responses={
            200: RankingRowSerializer(many=True),
            202: OpenApiResponse(RankingComputingSerializer, description="全委排名正在生成，稍后再试"),
            **error_responses(400, 401, 404),
        },
    )
    def get(self, request, pk: str):
        organization = get_scored_organization(request.user, pk)
        period = period_param(request.query_params.get("period"))
        state = stored_ranking_state(organization, period)
        if state.computing:
            body = {"status": "computing", "detail": RANKING_COMPUTING}
            return Response(
                RankingComputingSerializer(body).data,
                status=status.HTTP_202_ACCEPTED,
                headers={"Retry-After": str(RETRY_AFTER)},
            )
        page = self.paginate_queryset(ranking_rows(state))
        return self.get_paginated_response([RankingRowSerializer(present.ranking_row(r)).data for r in page])
