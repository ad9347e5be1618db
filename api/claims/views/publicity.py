"""公示: my branch's current window, any window I may see, and its list — as the notice board shows it."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts import access
from api.claims.filters import PublicityFilter
from api.claims.selectors import publicity_visible_to
from api.claims.serializers.publicity import PublicityDetailSerializer, PublicitySerializer
from api.errors import ApiError
from api.schema import error_responses
from workflows import member_selectors
from workflows.models import PeriodReview

NO_PUBLICITY = _("目前还没有积分公示。")


@extend_schema_view(
    list=extend_schema(
        summary="我可以查看的公示（本支部的，及所任职支部的），含往期",
        responses={200: PublicitySerializer, **error_responses(400, 401, 404)},
    ),
    retrieve=extend_schema(
        summary="公示详情：公示期、公示清单（姓名、项目、分值、事由）、审定结果",
        responses={200: PublicityDetailSerializer, **error_responses(401, 404)},
    ),
)
class PublicityViewSet(viewsets.ReadOnlyModelViewSet):
    """积分公示。"""

    filterset_class = PublicityFilter
    search_fields = ["branch__name", "branch__code"]
    ordering_fields = ["ends_on", "id"]
    ordering = ["-ends_on", "branch__code", "-id"]

    def get_queryset(self):
        return publicity_visible_to(self.request.user)

    def get_serializer_class(self):
        return PublicityDetailSerializer if self.action in ("retrieve", "current") else PublicitySerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["now"] = timezone.now()
        # 申诉 is for members of the posting branch only, as on the notice board.
        context["appealable_review_ids"] = set(
            member_selectors.reviews_open_to_appeal_by(self.request.user).values_list("pk", flat=True)
        )
        return context

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    def _detail(self, review: PeriodReview) -> Response:
        review.rows = member_selectors.publicity_rows(review)
        review.result = member_selectors.frozen_result(review)
        return Response(PublicityDetailSerializer(review, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="本支部当前的公示（最近一期：公示中，或最近一次的结果）",
        responses={200: PublicityDetailSerializer, **error_responses(401, 404)},
    )
    @action(detail=False, filter_backends=[], pagination_class=None)
    def current(self, request):
        member = access.own_member(request.user)
        review = member_selectors.current_review(member.branch) if member is not None else None
        if review is None or not hasattr(review, "window"):
            raise ApiError(str(NO_PUBLICITY), code="not_found", status_code=NotFound.status_code)
        return self._detail(self.get_queryset().get(pk=review.pk))
