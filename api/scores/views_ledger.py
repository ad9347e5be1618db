"""积分台账 over REST: the entries the caller may see (``ledger_visible_to``), filtered and ordered, and
申请冲正 — for the same people the admin offers it to (those who record claims or decide appeals in the
entry's branch), with a reason: a correction request the 支委会 decides (``api.scores.corrections``);
nobody reverses an entry alone.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action

from api.schema import error_responses
from api.scores import present
from api.scores.corrections import CorrectionRequestSerializer, CorrectionSerializer, correction_start
from api.scores.filters import LedgerFilter, approved_period_covers
from api.scores.serializers import LedgerEntrySerializer
from scoring.models import RuleSetVersion
from scoring.selectors import item_names, ledger_visible_to


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
        summary="申请冲正：提出台账更正（须注明理由），由支委会决定；同意后方以一条反向记录抵销该记录",
        request=CorrectionRequestSerializer,
        responses={201: CorrectionSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def reverse(self, request, pk=None):
        return correction_start(request, self.get_object())
