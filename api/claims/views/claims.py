"""积分申报: submit with evidence, list, read with history, revise a returned one.

Each write is one service call (``workflows.claims``); the member's revision goes through its viewflow task
(``workflows.execution.task_carry_out``), exactly as the task page does it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, parsers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from viewflow.workflow.models import Task

from accounts import access
from api.claims.filters import ClaimFilter
from api.claims.selectors import evidence_shown_to
from api.claims.serializers.claims import (
    ClaimCreateSerializer,
    ClaimDetailSerializer,
    ClaimReviseSerializer,
    ClaimSerializer,
)
from api.errors import Conflict, not_allowed, service_errors
from api.schema import error_responses
from audit.services import audit_trail
from workflows import messages
from workflows.claims import claim_resubmit, claim_submit
from workflows.execution import OPEN, task_carry_out
from workflows.models import Claim
from workflows.selectors import claims_visible_to
from workflows.views.member import PEOPLES_STEPS

UPLOAD_PARSERS = [parsers.MultiPartParser, parsers.FormParser]
NOT_THE_CLAIMANT = _("只有申报人本人才能修改重报。")


def revise_task(claim: Claim) -> Task | None:
    """The open 补充材料 task of a returned claim (assigned by the flow to its member), if any."""
    from workflows.flows import ClaimFlow

    process = getattr(claim, "process", None)
    if process is None:
        return None
    return process.task_set.filter(flow_task=ClaimFlow.revise, status__in=OPEN).first()


def with_details(claim: Claim, user) -> Claim:
    """The claim with what its page shows: evidence (for those who may see it), steps and history."""
    claim.evidence_shown = evidence_shown_to(user, claim.evidence.all())
    process = getattr(claim, "process", None)
    steps = (
        process.task_set.filter(flow_task_type__in=PEOPLES_STEPS)
        if process is not None
        else Task.objects.none()
    )
    claim.steps = list(steps.select_related("owner__member").order_by("created", "pk"))
    claim.history = list(audit_trail(claim).select_related("actor__member"))
    task = revise_task(claim) if claim.status == Claim.Status.RETURNED else None
    claim.revisable = task is not None and task.owner_id == user.pk
    return claim


@extend_schema_view(
    list=extend_schema(
        summary="申报列表：党员看到自己的，组织委员、支委会看到所在支部的",
        responses={200: ClaimSerializer, **error_responses(400, 401, 404)},
    ),
    retrieve=extend_schema(
        summary="申报详情：状态、分值、证明材料、流程步骤与办理经过",
        responses={200: ClaimDetailSerializer, **error_responses(401, 404)},
    ),
)
class ClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """积分申报。"""

    filterset_class = ClaimFilter
    search_fields = ["member__real_name", "description", "place"]
    ordering_fields = ["occurred_on", "created_at", "id", "status"]
    ordering = ["-occurred_on", "-id"]
    parser_classes = UPLOAD_PARSERS  # every write here carries evidence files

    def get_queryset(self):
        return claims_visible_to(self.request.user).select_related("ruleset_version")

    def get_serializer_class(self):
        return ClaimSerializer if self.action == "list" else ClaimDetailSerializer

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    def _detail(self, claim: Claim, status_code: int = status.HTTP_200_OK) -> Response:
        body = ClaimDetailSerializer(
            with_details(claim, self.request.user), context=self.get_serializer_context()
        )
        return Response(body.data, status=status_code)

    @extend_schema(
        summary="申报积分（上传证明材料）",
        description=(
            "与网页“申报积分”相同的检查：项目须由党员申报、日期在积分年度内且不晚于今天、分值在区间内、"
            "不得重复、须上传材料的项目须有材料（照片或 PDF，按内容识别，大小与个数有上限）；"
            "项目已达上限时须带 cap_acknowledged=true。被拒绝时 400，字段上是中文原因，不会保存任何内容。"
        ),
        request={"multipart/form-data": ClaimCreateSerializer},
        responses={201: ClaimDetailSerializer, **error_responses(400, 401, 403)},
    )
    def create(self, request):
        member = access.own_member(request.user)
        if member is None:
            raise not_allowed(messages.NOT_A_MEMBER, code="not_a_member")
        data = ClaimCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        with service_errors():
            claim = claim_submit(
                member=member,
                item_code=given["item_code"],
                occurred_on=given["occurred_on"],
                place=given["place"],
                description=given["description"],
                points=given.get("points"),
                evidence=given["files"],
                cap_acknowledged=given["cap_acknowledged"],
                by=request.user,
            )
        return self._detail(self.get_queryset().get(pk=claim.pk), status.HTTP_201_CREATED)

    @extend_schema(
        summary="补充材料后重新提交被退回的申报",
        description=(
            "只有申报人本人可以修改重报，且申报须处于“退回补充”。未提交的字段沿用申报现有的内容；"
            "新上传的材料追加到原有材料之后。申报已不在退回状态（或任务已被处理）时 409。"
        ),
        request={"multipart/form-data": ClaimReviseSerializer},
        responses={200: ClaimDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        claim = self.get_object()
        if claim.member.user_id != request.user.pk:
            raise not_allowed(NOT_THE_CLAIMANT)
        task = revise_task(claim)
        if claim.status != Claim.Status.RETURNED or task is None:
            raise Conflict(str(messages.CLAIM_NOT_OPEN % {"status": claim.get_status_display()}))
        data = ClaimReviseSerializer(data=request.data, partial=True)  # what is left out stays as it is
        data.is_valid(raise_exception=True)
        given = data.validated_data
        with service_errors():
            task_carry_out(
                task,
                request.user,
                claim_resubmit,
                claim=claim,
                occurred_on=given.get("occurred_on", claim.occurred_on),
                place=given.get("place", claim.place),
                description=given.get("description", claim.description),
                points=given.get("points", claim.points_requested),
                evidence=given.get("files", []),
                cap_acknowledged=given.get("cap_acknowledged", claim.cap_acknowledged),
            )
        return self._detail(self.get_queryset().get(pk=claim.pk))
