"""积分细则 (read) and the items I may claim now."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import access
from api.claims.filters import RuleSetFilter
from api.claims.selectors import rulesets_in_force_for
from api.claims.serializers.rules import ClaimableItemsSerializer, RuleSetDetailSerializer, RuleSetSerializer
from api.errors import not_allowed
from api.schema import error_responses
from scoring.core.ruleset import Source as ItemSource
from scoring.selectors import effective_ruleset, ruleset_version_current
from workflows import member_selectors, messages

NO_ITEMS = _("现行细则中没有党员可以自行申报的项目，相关积分由支部统一登记。")


class ClaimableItemsQuery(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="发生日期（默认今天）：列出该日生效的细则中的项目")


@extend_schema_view(
    list=extend_schema(
        summary="我可以查看的组织现行的积分细则",
        responses={200: RuleSetSerializer, **error_responses(400, 401, 404)},
    ),
    retrieve=extend_schema(
        summary="积分细则详情：类别、项目、民主评议与等次",
        responses={200: RuleSetDetailSerializer, **error_responses(401, 404)},
    ),
)
class RuleSetViewSet(viewsets.ReadOnlyModelViewSet):
    """积分细则：所在组织及其上级现行的细则（含各支部的自主设定项目）。"""

    filterset_class = RuleSetFilter
    search_fields = ["name", "code"]
    ordering_fields = ["cycle", "code", "id"]
    ordering = ["-cycle", "organization__path", "code"]

    def get_queryset(self):
        return rulesets_in_force_for(self.request.user).annotate(version_number=Max("versions__number"))

    def get_serializer_class(self):
        return RuleSetDetailSerializer if self.action == "retrieve" else RuleSetSerializer

    def get_object(self):
        ruleset = super().get_object()
        ruleset.rules = effective_ruleset(ruleset_version_current(ruleset))
        return ruleset

    @extend_schema(
        summary="我现在可以申报的积分项目",
        description="所在支部在该日期生效的细则中、由党员本人申报的项目，与网页“申报积分”提供的一致。",
        parameters=[ClaimableItemsQuery],
        responses={200: ClaimableItemsSerializer, **error_responses(400, 401, 403)},
    )
    @action(detail=False, url_path="claimable-items", filter_backends=[], pagination_class=None)
    def claimable_items(self, request):
        member = access.own_member(request.user)
        if member is None:
            raise not_allowed(messages.NOT_A_MEMBER, code="not_a_member")
        query = ClaimableItemsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        day = query.validated_data.get("date") or timezone.localdate()
        body = {"date": day, "branch": member.branch, "ruleset": None, "items": [], "notice": None}
        if not member.is_scored:
            body["notice"] = str(messages.MEMBER_EXEMPT)
            return Response(ClaimableItemsSerializer(body).data)
        try:
            version, items = member_selectors.items_in_force(member.branch, day, ItemSource.MEMBER)
        except ValidationError as error:
            body["notice"] = error.messages[0]
            return Response(ClaimableItemsSerializer(body).data)
        ruleset = version.ruleset
        ruleset.version_number = version.number
        body.update(ruleset=ruleset, items=items, notice=None if items else str(NO_ITEMS))
        return Response(ClaimableItemsSerializer(body).data)
