"""年度总评 over the API: reviews (list, read, start), the year's live figures for the committee, the 等次
it sets (支委会评定等次, through its task), the posted list, and the results that stand after 审定.

审定, 党委审批 and 备案 are task steps (``/api/v1/tasks/{id}/act/``: annual.approve, annual.ratify,
annual.file). Scope as for the 民主评议: members of the branch and those who work in it see a review; the
figures and grades are for those who may view the branch's scores (403 for members of the branch).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, parsers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts.roles import OPEN_PUBLICITY, REVIEW_CLAIMS, VIEW_SCORES
from api.errors import ApiError, Conflict, service_errors
from api.schema import error_responses
from api.scores.params import invalid
from api.yearend import present
from api.yearend.access import get_branch_to_act_in, require, results_visible_to, reviews_visible_to
from api.yearend.filters import AnnualResultFilter, AnnualReviewFilter
from api.yearend.messages import ANNUAL_NOT_POSTED
from api.yearend.serializers_annual import (
    AnnualResultSerializer,
    AnnualReviewDetailSerializer,
    AnnualReviewSerializer,
    AnnualReviewStartSerializer,
    GradeSerializer,
    GradesSetSerializer,
    StandingSerializer,
    YearEndPublicitySerializer,
)
from api.yearend.steps import carry_out_step
from yearend import messages
from yearend.annual import GradeInput, annual_grades_set, annual_review_start
from yearend.flows import AnnualReviewFlow
from yearend.models import AnnualResult, AnnualReview

NESTED = {"filter_backends": [], "detail": True}


def computed(read, *args):
    """The year computed by the rules; a refusal of the core (no rules for the year…) is a 400."""
    try:
        return read(*args)
    except DjangoValidationError as error:
        raise invalid("cycle", "；".join(str(m) for m in error.messages)) from None


@extend_schema_view(
    list=extend_schema(
        summary="年度总评：本支部的，及所任职支部的",
        responses={200: AnnualReviewSerializer(many=True), **error_responses(400, 401)},
    ),
    retrieve=extend_schema(
        summary="年度总评详情：状态、可评定的等次、公示、党委审批与备案、待办步骤",
        responses={200: AnnualReviewDetailSerializer, **error_responses(401, 404)},
    ),
)
class AnnualReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """年度总评。"""

    parser_classes = [parsers.JSONParser]

    serializer_class = AnnualReviewSerializer
    filterset_class = AnnualReviewFilter
    search_fields: list[str] = []
    ordering_fields = ["cycle", "created_at", "id"]
    ordering = ["-cycle", "branch__code", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return AnnualReview.objects.none()
        return reviews_visible_to(self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(AnnualReviewSerializer(present.with_round(page), many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    def _detail(self, review: AnnualReview, code: int = status.HTTP_200_OK) -> Response:
        review = present.review_detail(review, self.request.user, timezone.now())
        return Response(AnnualReviewDetailSerializer(review).data, status=code)

    @extend_schema(
        summary="发起年度总评（组织委员）：全年各期和民主评议均已审定后",
        description=(
            "支部不在我的工作范围内时 404；不是组织委员时 403；该支部该年度已发起时 409；"
            "尚有期间或民主评议未审定、积分年度未结束时 400（逐条中文原因）。"
        ),
        request=AnnualReviewStartSerializer,
        responses={201: AnnualReviewDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def create(self, request):
        given = AnnualReviewStartSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        cycle = given.validated_data["cycle"]
        branch = get_branch_to_act_in(request.user, given.validated_data["branch"], OPEN_PUBLICITY)

        def exists(_error=None) -> bool:
            return AnnualReview.objects.filter(branch=branch, cycle=cycle).exists()

        if exists():
            raise Conflict(
                str(messages.ANNUAL_EXISTS % {"branch": branch.name, "cycle": cycle}), code="exists"
            )
        with service_errors(conflict_when=exists, conflict_code="exists"):
            review = annual_review_start(branch=branch, cycle=cycle, by=request.user)
        return self._detail(self.get_queryset().get(pk=review.pk), status.HTTP_201_CREATED)

    @extend_schema(
        summary="全年情况（支部工作人员、上级党委）：按细则即时计算的年度积分、上年结转、民主评议、总评得分、"
        "建议等次及原因、排名、需关注事项、转正建议，以及支委会已评定的等次",
        responses={200: StandingSerializer(many=True), **error_responses(400, 401, 403, 404)},
    )
    @action(methods=["get"], **NESTED)
    def standings(self, request, pk=None):
        review = self.get_object()
        require(request.user, VIEW_SCORES, review.branch)
        page = self.paginate_queryset(computed(present.standings, review))
        return self.get_paginated_response(StandingSerializer(page, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="支委会评定的等次（支部工作人员、上级党委）：每名党员最近一次评定及理由",
        responses={200: GradeSerializer(many=True), **error_responses(401, 403, 404)},
    )
    @extend_schema(
        methods=["POST"],
        summary="支委会评定等次：本支部每名参加评定的党员的等次与理由，一次提交；首次评定后公示",
        description=(
            "即“评定等次”任务（annual.grade），与任务页面相同：未领取时自动领取，他人已领取或已办理时 409。"
            "当前不在评定等次环节时 409；缺少党员、等次不在细则中、与建议等次不同而未说明理由、"
            "一票否决的党员评定为最低等次以外时 400；不是支委会成员时 403。成功后返回年度总评详情。"
        ),
        request=GradesSetSerializer,
        responses={200: AnnualReviewDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(methods=["get", "post"], **NESTED)
    def grades(self, request, pk=None):
        review = self.get_object()
        if request.method == "GET":
            require(request.user, VIEW_SCORES, review.branch)
            page = self.paginate_queryset(present.grades(review))
            return self.get_paginated_response(GradeSerializer(page, many=True).data)
        require(request.user, REVIEW_CLAIMS, review.branch)
        given = GradesSetSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        grades = {
            row["member"]: GradeInput(grade=row["grade"], reason=row.get("reason", ""))
            for row in given.validated_data["grades"]
        }
        not_now = str(messages.ANNUAL_NOT_IN_STATUS % {"status": review.get_status_display()})
        carry_out_step(
            review,
            AnnualReviewFlow.grade,
            not_now,
            request.user,
            annual_grades_set,
            review=review,
            grades=grades,
        )
        return self._detail(self.get_queryset().get(pk=review.pk))

    @extend_schema(
        summary="年度等次公示：公示期、公示名单（姓名、等次、年度积分、评议积分、总评得分、排名、理由），我能否申诉",
        responses={200: YearEndPublicitySerializer, **error_responses(401, 404)},
    )
    @action(methods=["get"], **NESTED)
    def publicity(self, request, pk=None):
        review = self.get_object()
        window = getattr(review, "window", None)
        if window is None:
            raise ApiError(str(ANNUAL_NOT_POSTED), code="not_found", status_code=NotFound.status_code)
        body = computed(present.posted, window, request.user, timezone.now())
        return Response(YearEndPublicitySerializer(body).data)


@extend_schema_view(
    list=extend_schema(
        summary="年度总评结果（审定后，最近一轮）：本人的，及有权查看积分的支部的",
        responses={200: AnnualResultSerializer(many=True), **error_responses(400, 401)},
    ),
    retrieve=extend_schema(
        summary="年度总评结果详情",
        responses={200: AnnualResultSerializer, **error_responses(401, 404)},
    ),
)
class AnnualResultViewSet(viewsets.ReadOnlyModelViewSet):
    """年度总评结果。"""

    serializer_class = AnnualResultSerializer
    filterset_class = AnnualResultFilter
    search_fields = ["member__real_name"]
    ordering_fields = ["rank", "total", "id"]
    ordering = ["-review__cycle", "review__branch__code", "-graded", "rank", "member__real_name", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return AnnualResult.objects.none()
        return results_visible_to(self.request.user)
