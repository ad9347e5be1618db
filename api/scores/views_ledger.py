"""积分台账 over REST: the entries the caller may see (``ledger_visible_to``), filtered and ordered, and
冲正 — for the same people the admin offers it to (those who record claims or decide appeals in the
entry's branch), with a reason, through ``scoring.services.ledger_reverse``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import access
from api.errors import Conflict
from api.schema import error_responses
from api.scores import present
from api.scores.filters import LedgerFilter, approved_period_covers
from api.scores.serializers import LedgerEntrySerializer, LedgerReverseSerializer
from scoring import messages
from scoring.admin import REVERSE_PERMS
from scoring.models import LedgerEntry, RuleSetVersion
from scoring.selectors import item_names, ledger_visible_to
from scoring.services import ledger_reverse


@extend_schema_view(
    list=extend_schema(summary="我可以查看的台账记录（本人的，及有权查看积分的支部的）"),
    retrieve=extend_schema(
        summary="一条台账记录", responses={200: LedgerEntrySerializer, **error_responses(401, 404)}
    ),
)
class LedgerViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = LedgerEntrySerializer
    filterset_class = LedgerFilter
    search_fields = ["member__real_name", "item_code", "reason"]
    ordering_fields = ["occurred_on", "created_at", "points", "id"]
    ordering = ["-occurred_on", "-id"]

    def get_queryset(self):
        return (
            ledger_visible_to(self.request.user)
            .select_related("reversed_by", "claim__sheet", "created_by__member")
            .annotate(frozen=approved_period_covers())
        )

    def get_serializer(self, instance=None, *args, **kwargs):
        """Entries are presented (item names, links, status) before they are serialized."""
        if instance is None:
            return super().get_serializer(*args, **kwargs)
        many = kwargs.pop("many", False)
        entries = list(instance) if many else [instance]
        rows = [present.ledger_entry(entry, self._names(entry.ruleset_version)) for entry in entries]
        return LedgerEntrySerializer(rows if many else rows[0], many=many)

    def _names(self, version: RuleSetVersion) -> dict[str, str]:
        """Item names per rule version, once per request: versions never change."""
        cache = self.__dict__.setdefault("_item_names", {})
        if version.pk not in cache:
            cache[version.pk] = item_names(version)
        return cache[version.pk]

    @extend_schema(
        summary="冲正：以一条反向记录抵销该记录（须注明原因）",
        request=LedgerReverseSerializer,
        responses={201: LedgerEntrySerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def reverse(self, request, pk=None):
        entry = self.get_object()
        if not any(access.may(request.user, perm, entry.branch) for perm in REVERSE_PERMS):
            raise PermissionDenied
        data = LedgerReverseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if LedgerEntry.objects.filter(reverses=entry).exists():
            raise Conflict(str(messages.LEDGER_ALREADY_REVERSED), code="reversed")
        reversal = ledger_reverse(entry=entry, by=request.user, reason=data.validated_data["reason"])
        reversal = self.get_queryset().get(pk=reversal.pk)
        return Response(self.get_serializer(reversal).data, status=status.HTTP_201_CREATED)
