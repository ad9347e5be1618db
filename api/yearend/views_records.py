"""What follows from the year and what it starts from: follow-ups (整改跟踪) of members graded 不合格 or
flagged, last year's figures for the carry-over, and the lists of a branch or an organization —
评先评优, 不合格/后进, 预备党员转正 — from the results that stand (审定 and after).

Read where the caller may view the branch's scores (404 elsewhere); a member reads their own follow-ups.
Opening and closing a follow-up is the committee's (review_claims), entering a figure the clerk's or the
higher committee's (manage_members): 403 within sight without it.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, parsers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from accounts.models import Member, Organization
from accounts.roles import MANAGE_MEMBERS, REVIEW_CLAIMS
from api.errors import Conflict, service_errors
from api.schema import error_responses
from api.scores.params import ID_PARAMETER, invalid
from api.yearend.access import (
    follow_ups_visible_to,
    get_scored_organization,
    latest_rounds,
    require,
    results_visible_to,
)
from api.yearend.filters import FollowUpFilter
from api.yearend.messages import CYCLE_REQUIRED
from api.yearend.present import person
from api.yearend.serializers_annual import (
    AnnualResultSerializer,
    CarryOverEnterSerializer,
    CarryOverRowSerializer,
    FollowUpCloseSerializer,
    FollowUpOpenSerializer,
    FollowUpSerializer,
    ToFollowSerializer,
)
from api.yearend.steps import conflicts, refusal_is
from yearend import messages
from yearend.models import AnnualResult, FollowUp
from yearend.records import carry_over_figure_enter, follow_up_close, follow_up_open
from yearend.selectors import carry_over_rows, follow_up_candidates

CYCLE_PARAMETER = OpenApiParameter(
    "cycle", OpenApiTypes.INT, OpenApiParameter.QUERY, required=True, description="积分年度，如 2026"
)


def cycle_param(value: str | None) -> int:
    if not value:
        raise invalid("cycle", str(CYCLE_REQUIRED))
    try:
        cycle = int(value)
    except ValueError:
        raise invalid("cycle", str(CYCLE_REQUIRED)) from None
    if not 1 <= cycle <= 32767:
        raise invalid("cycle", str(CYCLE_REQUIRED))
    return cycle


# ---------------------------------------------------------------- follow-ups


@extend_schema_view(
    list=extend_schema(
        summary="整改跟踪：有权查看积分的支部的，及本人的",
        responses={200: FollowUpSerializer(many=True), **error_responses(400, 401)},
    ),
    retrieve=extend_schema(
        summary="整改记录详情", responses={200: FollowUpSerializer, **error_responses(401, 404)}
    ),
)
class FollowUpViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """整改跟踪（分类定级积分晋位管理卡）。"""

    parser_classes = [parsers.JSONParser]

    serializer_class = FollowUpSerializer
    filterset_class = FollowUpFilter
    search_fields = ["result__member__real_name", "findings"]
    ordering_fields = ["created_at", "deadline", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return FollowUp.objects.none()
        return follow_ups_visible_to(self.request.user)

    @extend_schema(
        summary="建立整改记录（支委会）：谈话教育、限期改正（须有整改时限）或组织处置",
        description=(
            "对象须是评定为最低等次、一票否决或有需关注事项的年度总评结果，否则 400；"
            "结果不在我可查看的范围内时 404；不是支委会成员时 403。"
        ),
        request=FollowUpOpenSerializer,
        responses={201: FollowUpSerializer, **error_responses(400, 401, 403, 404)},
    )
    def create(self, request):
        given = FollowUpOpenSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        result = get_object_or_404(results_visible_to(request.user), pk=data["result"])
        require(request.user, REVIEW_CLAIMS, result.review.branch)
        with service_errors():
            follow_up = follow_up_open(
                result=result,
                kind=data["kind"],
                findings=data["findings"],
                measures=data.get("measures", ""),
                deadline=data.get("deadline"),
                by=request.user,
            )
        body = FollowUpSerializer(self.get_queryset().get(pk=follow_up.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="记录整改结果（支委会）：已整改，或未按期整改",
        description="已有结果的记录不能再修改（409）；不是支委会成员时 403。",
        request=FollowUpCloseSerializer,
        responses={200: FollowUpSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def close(self, request, pk=None):
        follow_up = self.get_object()
        require(request.user, REVIEW_CLAIMS, follow_up.result.review.branch)
        given = FollowUpCloseSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        if follow_up.status != FollowUp.Status.OPEN:
            raise Conflict(str(messages.FOLLOW_UP_CLOSED), code="closed")
        closed = refusal_is(messages.FOLLOW_UP_CLOSED)
        with service_errors(), conflicts((closed, "closed")):
            follow_up_close(follow_up=follow_up, by=request.user, **given.validated_data)
        return Response(FollowUpSerializer(self.get_queryset().get(pk=follow_up.pk)).data)


# ---------------------------------------------------------------- carry-over


def carry_over_row(row, cycle: int) -> dict:
    return {"member": person(row.member), "last_cycle": cycle - 1, "total": row.total, "source": row.source}


class CarryOverView(GenericAPIView):
    """上年考核分 of a branch: each member with last year's total and its source; the missing ones entered."""

    parser_classes = [parsers.JSONParser]

    serializer_class = CarryOverRowSerializer
    filter_backends: list = []

    def _branch(self, pk) -> Organization:
        return get_scored_organization(self.request.user, pk, branch=True)

    @extend_schema(
        summary="上年结转（支部工作人员、上级党委）：每名党员的上年考核分及来源（上年年度总评或导入）",
        parameters=[ID_PARAMETER, CYCLE_PARAMETER],
        responses={200: CarryOverRowSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request, pk: str):
        branch = self._branch(pk)
        cycle = cycle_param(request.query_params.get("cycle"))
        page = self.paginate_queryset([carry_over_row(row, cycle) for row in carry_over_rows(branch, cycle)])
        return self.get_paginated_response(CarryOverRowSerializer(page, many=True).data)

    @extend_schema(
        summary="录入上年考核分（组织委员、上级党委）：系统启用前的上年成绩，用于首年结转",
        description="该党员该年度已有考核分时 409；不是组织委员或上级党委时 403；党员不在本支部时 404。",
        parameters=[ID_PARAMETER],
        request=CarryOverEnterSerializer,
        responses={201: CarryOverRowSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: str):
        branch = self._branch(pk)
        given = CarryOverEnterSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        member = get_object_or_404(Member.objects.filter(branch=branch), pk=data["member"])
        require(request.user, MANAGE_MEMBERS, branch)
        cycle = data["cycle"]
        exists = refusal_is(messages.CARRY_OVER_EXISTS)
        with service_errors(), conflicts((exists, "exists")):
            carry_over_figure_enter(
                member=member,
                cycle=cycle - 1,
                total=data["total"],
                note=data.get("note", ""),
                by=request.user,
            )
        row = next(row for row in carry_over_rows(branch, cycle) if row.member.pk == member.pk)
        return Response(
            CarryOverRowSerializer(carry_over_row(row, cycle)).data, status=status.HTTP_201_CREATED
        )


# ---------------------------------------------------------------- 评先评优, 不合格/后进, 转正


def standing_results(organization: Organization, cycle: int):
    """The results that stand at or below ``organization`` for the cycle (latest round, 审定 and after)."""
    results = AnnualResult.objects.filter(
        review__branch__path__startswith=organization.path, review__cycle=cycle
    )
    return latest_rounds(results).select_related("member", "review__branch", "decided_by", "approved_by")


LISTS = {
    "honours": "评先评优人选：评定等次可评先评优的党员",
    "to-follow": "不合格 / 后进：评定为最低等次、一票否决或有需关注事项的党员，及其整改记录",
    "probation": "预备党员转正建议（按期 / 延期）",
}


def _listed(kind: str, organization: Organization, cycle: int):
    results = standing_results(organization, cycle)
    if kind == "honours":
        return results.filter(graded=True, honours_eligible=True)
    if kind == "to-follow":
        return follow_up_candidates(results).prefetch_related(
            "follow_ups__contact", "follow_ups__created_by", "follow_ups__closed_by"
        )
    return results.filter(member_type=Member.Kind.PROBATIONARY.label)


def _list_view(kind: str, *, branch: bool) -> type[GenericAPIView]:
    serializer = ToFollowSerializer if kind == "to-follow" else AnnualResultSerializer
    where = "支部" if branch else "组织（含下级各支部）"

    class ListView(GenericAPIView):
        serializer_class = serializer
        filter_backends: list = []

        @extend_schema(
            summary=f"{where}{LISTS[kind]}",
            parameters=[ID_PARAMETER, CYCLE_PARAMETER],
            responses={200: serializer(many=True), **error_responses(400, 401, 404)},
        )
        def get(self, request, pk: str):
            organization = get_scored_organization(request.user, pk, branch=branch)
            cycle = cycle_param(request.query_params.get("cycle"))
            results = _listed(kind, organization, cycle).order_by(
                "review__branch__path", "-graded", "rank", "member__real_name", "id"
            )
            page = self.paginate_queryset(results)
            return self.get_paginated_response(serializer(page, many=True).data)

    ListView.__name__ = f"{'Branch' if branch else 'Organization'}{kind.title().replace('-', '')}View"
    return ListView


BRANCH_LISTS = {kind: _list_view(kind, branch=True) for kind in LISTS}
ORGANIZATION_LISTS = {kind: _list_view(kind, branch=False) for kind in LISTS}
