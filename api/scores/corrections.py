"""台账更正 and 退回重新审定 over REST.

``POST ledger/{id}/reverse/`` no longer reverses: it asks the 支委会 to correct the entry (a correction
request, decided in its queue — the task kind ``correction.decide``). ``POST periods/reviews/{id}/reopen/``
is the secretary's 退回重新审定 of an approved period (the higher committee consents through
``reopening.consent`` when it was 备案). Both records are read at ``corrections/`` and ``reopenings/``,
scoped to the branches whose scores the caller may see.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from accounts import access
from accounts.roles import VIEW_SCORES
from api.errors import ApiError, Conflict, as_api_validation_error
from api.schema import enum_field, error_responses
from api.scores.params import ID_PARAMETER
from scoring.models import LedgerEntry
from workflows.corrections import REQUEST_PERMS, correction_request
from workflows.models import LedgerCorrection, PeriodReopening, PeriodReview
from workflows.reopening import period_reopen

# The services' refusals that are about the record's state, not the request: answered 409 with their code.
CONFLICT_CODES = {"reversed", "correction_open", "period_approved", "not_approved", "reopening_awaiting"}


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


class CorrectionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    entry = serializers.IntegerField(source="entry_id", help_text="更正的台账记录 id")
    branch = serializers.CharField(source="branch.code", help_text="支部编码")
    status = enum_field("LedgerCorrectionStatusEnum", LedgerCorrection.Status.choices)
    status_display = serializers.CharField(source="get_status_display")
    reason = serializers.CharField(help_text="更正理由")
    evidence_note = serializers.CharField(help_text="依据")
    requested_by = serializers.SerializerMethodField(help_text="提出人（登录名）")
    created_at = serializers.DateTimeField()
    decision_reason = serializers.CharField(help_text="支委会意见")
    decided_by = serializers.SerializerMethodField(help_text="决定人（登录名）")
    decided_at = serializers.DateTimeField(allow_null=True)
    reversal = serializers.IntegerField(
        source="reversal_id", allow_null=True, help_text="同意后生成的冲正记录 id"
    )
    process_id = serializers.SerializerMethodField(help_text="台账更正流程 id")

    def get_requested_by(self, correction) -> str:
        return correction.requested_by.get_username()

    def get_decided_by(self, correction) -> str | None:
        return _username(correction.decided_by)

    def get_process_id(self, correction) -> int | None:
        process = getattr(correction, "process", None)
        return process.pk if process is not None else None


class CorrectionRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=1000, allow_blank=True, required=False, default="", help_text="更正理由（必填）"
    )
    evidence_note = serializers.CharField(
        max_length=1000, allow_blank=True, required=False, default="", help_text="依据（如会议记录、签到表）"
    )


class ReopeningSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    review = serializers.IntegerField(source="review_id", help_text="期间审定 id")
    branch = serializers.CharField(source="review.branch.code", help_text="支部编码")
    period = serializers.CharField(source="review.label", help_text="期间")
    review_status = enum_field("PeriodReviewStatusEnum", PeriodReview.Status.choices, source="review.status")
    round = serializers.IntegerField(help_text="退回的审定轮次")
    reason = serializers.CharField(help_text="退回原因")
    was_filed = serializers.BooleanField(help_text="是否已备案（已备案的须经上级党委同意）")
    status = enum_field("PeriodReopeningStatusEnum", PeriodReopening.Status.choices)
    status_display = serializers.CharField(source="get_status_display")
    requested_by = serializers.SerializerMethodField(help_text="提出人（登录名）")
    created_at = serializers.DateTimeField()
    decided_by = serializers.SerializerMethodField(help_text="上级党委决定人（登录名）")
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_reason = serializers.CharField(help_text="上级党委意见")
    process_id = serializers.SerializerMethodField(help_text="退回重新审定流程 id")

    def get_requested_by(self, reopening) -> str:
        return reopening.requested_by.get_username()

    def get_decided_by(self, reopening) -> str | None:
        return _username(reopening.decided_by)

    def get_process_id(self, reopening) -> int | None:
        process = getattr(reopening, "process", None)
        return process.pk if process is not None else None


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=1000, allow_blank=True, required=False, default="", help_text="退回原因（必填）"
    )


def refusal(error: DjangoValidationError) -> Exception:
    """A service's refusal as the API's error: one's own points 403, a state that forbids it 409, else 400."""
    code = next((e.code for e in getattr(error, "error_list", []) if e.code), None)
    if code == "own_points":
        return ApiError(error.messages[0], code=code, status_code=status.HTTP_403_FORBIDDEN)
    if code in CONFLICT_CODES:
        return Conflict(error.messages[0], code=code)
    return as_api_validation_error(error)


def correction_start(request, entry: LedgerEntry) -> Response:
    """The body of ``POST ledger/{id}/reverse/``: a correction request for the 支委会."""
    if not any(access.may(request.user, perm, entry.branch) for perm in REQUEST_PERMS):
        raise PermissionDenied
    data = CorrectionRequestSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        correction = correction_request(entry=entry, by=request.user, **data.validated_data)
    except DjangoValidationError as error:
        raise refusal(error) from None
    return Response(CorrectionSerializer(correction).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="台账更正：我可以查看积分的支部的更正申请及支委会决定"),
    retrieve=extend_schema(
        summary="一件台账更正",
        responses={200: CorrectionSerializer, **error_responses(401, 404)},
    ),
)
class CorrectionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CorrectionSerializer

    def get_queryset(self):
        branches = access.organizations_where(self.request.user, VIEW_SCORES)
        return (
            LedgerCorrection.objects.filter(branch__in=branches)
            .select_related("branch", "requested_by", "decided_by", "process")
            .order_by("-created_at", "-id")
        )


@extend_schema_view(
    list=extend_schema(summary="退回重新审定：我可以查看积分的支部的退回申请及上级党委意见"),
    retrieve=extend_schema(
        summary="一件退回重新审定",
        responses={200: ReopeningSerializer, **error_responses(401, 404)},
    ),
)
class ReopeningViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ReopeningSerializer

    def get_queryset(self):
        branches = access.organizations_where(self.request.user, VIEW_SCORES)
        return (
            PeriodReopening.objects.filter(review__branch__in=branches)
            .select_related("review__branch", "requested_by", "decided_by", "process")
            .order_by("-created_at", "-id")
        )


class PeriodReopenView(GenericAPIView):
    serializer_class = ReopenSerializer

    def get_queryset(self):
        branches = access.organizations_where(self.request.user, VIEW_SCORES)
        return PeriodReview.objects.filter(branch__in=branches).select_related("branch")

    @extend_schema(
        summary="退回重新审定：支部书记说明原因退回已审定的期间（已备案的须经上级党委同意）",
        parameters=[ID_PARAMETER],
        request=ReopenSerializer,
        responses={201: ReopeningSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: str):
        review = get_object_or_404(self.get_queryset(), pk=pk)
        if not access.may(request.user, "approve_period", review.branch):
            raise PermissionDenied
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            reopening = period_reopen(review=review, by=request.user, reason=data.validated_data["reason"])
        except DjangoValidationError as error:
            raise refusal(error) from None
        return Response(ReopeningSerializer(reopening).data, status=status.HTTP_201_CREATED)
