"""备案: the higher committee's queue — list, read, archive, return (the period's 备案 task)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.errors import Conflict, not_allowed, service_errors
from api.schema import error_responses
from api.tasks.filings import (
    FilingArchiveSerializer,
    FilingDetailSerializer,
    FilingReturnSerializer,
    FilingSerializer,
    filing_decide,
    filing_task,
    filing_with_scores,
    filings_visible_to,
)
from api.tasks.filters import FilingFilter
from workflows import messages
from workflows.execution import task_entitled
from workflows.models import Filing
from workflows.periods import filing_archive, filing_return


@extend_schema_view(
    list=extend_schema(
        summary="备案队列：我所在上级党委下各支部报来的审定结果",
        responses={200: FilingSerializer(many=True), **error_responses(400, 401)},
    ),
    retrieve=extend_schema(
        summary="备案详情：期间、支部、审定（人、时间、汇总）与冻结的审定积分",
        responses={200: FilingDetailSerializer, **error_responses(401, 404)},
    ),
)
class FilingViewSet(viewsets.ReadOnlyModelViewSet):
    """备案。"""

    filterset_class = FilingFilter
    ordering_fields = ["id", "approved_at", "decided_at", "ends_on", "branch"]
    ordering = ["-approved_at", "-id"]
    search_fields: list[str] = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Filing.objects.none()
        filings = filings_visible_to(self.request.user)
        return filing_with_scores(filings) if self.action != "list" else filings

    def get_serializer_class(self):
        return FilingSerializer if self.action == "list" else FilingDetailSerializer

    @extend_schema(
        summary="予以备案",
        request=FilingArchiveSerializer,
        responses={200: FilingDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        filing = self.get_object()
        given = FilingArchiveSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        return self._decide(filing, filing_archive, note=given.validated_data.get("note", ""))

    @extend_schema(
        summary="退回重新审定（须填写原因）",
        request=FilingReturnSerializer,
        responses={200: FilingDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        filing = self.get_object()
        given = FilingReturnSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        return self._decide(filing, filing_return, reason=given.validated_data["reason"])

    def _decide(self, filing: Filing, service, **kwargs) -> Response:
        task = filing_task(filing)
        if task is None:
            raise Conflict(str(messages.FILING_ALREADY_DECIDED))
        if not task_entitled(self.request.user, task):
            raise not_allowed()
        with service_errors():
            filing = filing_decide(filing, task, self.request.user, service, **kwargs)
        return Response(FilingDetailSerializer(filing, context=self.get_serializer_context()).data)
