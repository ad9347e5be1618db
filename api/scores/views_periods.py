"""期间与公示 over REST: the periods of the branches I follow, 发起公示, and the 审定 preview.

As on the clerk's 周期 page: a branch the caller does not follow answers 404; following it without
``open_publicity`` (a secretary, the higher committee) reads the periods but may not start one (403).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from accounts import access
from accounts.models import Organization
from accounts.roles import OPEN_PUBLICITY, RECORD_CLAIMS, VIEW_SCORES
from api.errors import Conflict
from api.schema import error_responses
from api.scores import present
from api.scores.params import ID_PARAMETER, invalid, period_param
from api.scores.serializers import (
    BranchPeriodsSerializer,
    PeriodPreviewSerializer,
    PeriodReviewSerializer,
    PeriodStartSerializer,
)
from scoring.core.periods import Period
from workflows import member_selectors, messages
from workflows.consequences import period_attention
from workflows.escalation import review_settings_for
from workflows.models import PeriodReview
from workflows.periods import cycle_rules, period_scores, period_start, preview_rows


class BranchFilter(filters.FilterSet):
    branch = filters.CharFilter(field_name="code", label="支部编码")

    class Meta:
        model = Organization
        fields = ["branch"]


class PeriodListView(GenericAPIView):
    """The branches I follow, each with its periods of this cycle and the last (as the 周期 page)."""

    serializer_class = BranchPeriodsSerializer
    filterset_class = BranchFilter
    filter_backends = [filters.DjangoFilterBackend]

    def get_queryset(self):
        return member_selectors.branches_followed_by(self.request.user)

    @extend_schema(
        summary="我所跟进支部的各期：起止日期、是否结束、公示审定状态、能否发起公示",
        responses={200: BranchPeriodsSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        user, today = request.user, timezone.localdate()
        # Where the user may start 公示 and record, read once for the page rather than asked per branch.
        grants = access.granted_paths(user, OPEN_PUBLICITY, RECORD_CLAIMS)
        data = [
            {
                "branch": present.branch_brief(branch),
                "period_kind": review_settings_for(branch).period_kind,
                "may_start": _holds(user, grants, OPEN_PUBLICITY, branch),
                "may_record": _holds(user, grants, RECORD_CLAIMS, branch),
                "periods": [present.period_row(row) for row in member_selectors.period_rows(branch, today)],
            }
            for branch in page
        ]
        return self.get_paginated_response(BranchPeriodsSerializer(data, many=True).data)


def _holds(user, grants: dict[str, list[str]], perm: str, branch: Organization) -> bool:
    """``access.may`` answered from ``access.granted_paths``: the permission granted there or above."""
    if user.is_superuser:
        return user.is_active
    return any(branch.path.startswith(path) for path in grants.get(perm, []))


class PeriodStartView(GenericAPIView):
    serializer_class = PeriodStartSerializer

    @extend_schema(
        summary="发起公示：该期结束、申报全部审核完毕后，把本期积分向全支部公示",
        request=PeriodStartSerializer,
        responses={201: PeriodReviewSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = request.user
        branch = get_object_or_404(
            member_selectors.branches_followed_by(user), pk=data.validated_data["branch"]
        )
        if not access.may(user, OPEN_PUBLICITY, branch):
            raise PermissionDenied
        period = period_param(data.validated_data["period"])
        _refuse_started(branch, period)
        try:
            review = period_start(branch=branch, period=period, by=user)
        except ValidationError:
            _refuse_started(branch, period)  # started meanwhile by someone else (or by beat)
            raise
        return Response(PeriodReviewSerializer(present.review(review)).data, status=status.HTTP_201_CREATED)


def _refuse_started(branch: Organization, period: Period) -> None:
    started = PeriodReview.objects.filter(
        branch=branch, cycle=period.cycle, period_kind=period.kind.value, period_index=period.index
    ).exists()
    if started:
        raise Conflict(
            str(messages.PERIOD_EXISTS % {"branch": branch.name, "period": period.label()}), code="started"
        )


class PeriodPreviewView(GenericAPIView):
    serializer_class = PeriodPreviewSerializer

    def get_queryset(self):
        branches = access.organizations_where(self.request.user, VIEW_SCORES)
        return PeriodReview.objects.filter(branch__in=branches).select_related("branch", "window")

    @extend_schema(
        summary="审定前预览：按台账即时计算的本期积分与需关注事项（与支部书记审定页相同）",
        parameters=[ID_PARAMETER],
        responses={200: PeriodPreviewSerializer, **error_responses(400, 401, 404)},
    )
    def get(self, request, pk: str):
        review = get_object_or_404(self.get_queryset(), pk=pk)
        try:
            result = period_scores(review)
            attention = period_attention(review, cycle_rules(review.branch, review.cycle), result)
        except ValidationError as error:
            raise invalid("period", "；".join(str(m) for m in error.messages)) from None
        data = {
            "review": present.review(review),
            "rows": preview_rows(result),
            "attention": [{"name": a.name, "what": a.what, "why": a.why} for a in attention],
        }
        return Response(PeriodPreviewSerializer(data).data)
