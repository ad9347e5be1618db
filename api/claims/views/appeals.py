"""申诉: file one while the window is open — against a 公示 entry, or against a member's posted year-end
result (评议等次 or 得分, 年度等次); read mine (and, for officers, the branch's), both kinds in one list.

Deciding an appeal is the committee's task (the tasks resources); here appeals are only filed and read.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, parsers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts import access
from api.claims.filters import AppealFilter
from api.claims.selectors import evidence_shown_to, may_appeal_against, publicised_entries_visible_to
from api.claims.serializers.appeals import AppealCreateSerializer, AppealDetailSerializer, AppealSerializer
from api.errors import is_field_error, not_allowed, service_errors
from api.schema import error_responses
from api.yearend.access import reviews_visible_to, sessions_visible_to
from api.yearend.steps import conflicts, refusal_is
from audit.services import audit_trail
from scoring.models import LedgerEntry
from workflows import messages
from workflows.appeals import appeal_file, appeal_file_result
from workflows.models import Appeal, PublicityWindow
from workflows.selectors import appeals_visible_to, review_covering
from yearend import messages as yearend_messages


def window_shut(entry: LedgerEntry, now) -> bool:
    """Whether the 公示 window covering ``entry`` is not open at ``now`` (closed, or not yet open)."""
    review = review_covering(entry.branch, entry.occurred_on)
    window = getattr(review, "window", None) if review is not None else None
    return window is not None and not window.is_open(now)


def with_details(appeal: Appeal, user) -> Appeal:
    """The appeal with its evidence (for those who may see it) and its history (办理经过)."""
    appeal.evidence_shown = evidence_shown_to(user, appeal.evidence.all())
    appeal.history = list(audit_trail(appeal).select_related("actor__member"))
    return appeal


@extend_schema_view(
    list=extend_schema(
        summary="申诉列表：我提出的；支委会、组织委员还能看到所在支部的",
        responses={200: AppealSerializer, **error_responses(400, 401, 404)},
    ),
    retrieve=extend_schema(
        summary="申诉详情：状态与处理结果（结论、意见、处理人、时间）及办理经过",
        responses={200: AppealDetailSerializer, **error_responses(401, 404)},
    ),
)
class AppealViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """申诉。"""

    filterset_class = AppealFilter
    search_fields = ["reason", "appellant__real_name", "entry__member__real_name", "subject__real_name"]
    ordering_fields = ["created_at", "decided_at", "id"]
    ordering = ["-created_at", "-id"]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]

    def get_queryset(self):
        return appeals_visible_to(self.request.user).select_related(
            "appellant",
            "entry__member",
            "entry__ruleset_version",
            "subject",
            "window__branch",
            "window__review__branch",
            "window__evaluation",
            "window__annual_review",
            "decided_by__member",
        )

    def get_serializer_class(self):
        return AppealSerializer if self.action == "list" else AppealDetailSerializer

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    def _detail(self, appeal: Appeal, status_code: int = status.HTTP_200_OK) -> Response:
        body = AppealDetailSerializer(
            with_details(appeal, self.request.user), context=self.get_serializer_context()
        )
        return Response(body.data, status=status_code)

    @extend_schema(
        summary="提出申诉：对公示中的一条积分记录，或对民主评议、年度总评公示中一名党员的结果",
        description=(
            "本支部党员在公示期内可对本支部公示的任何一条记录或任何一名党员的结果（自己的或他人的）提出申诉："
            "entry 为积分记录；或 evaluation（民主评议 id）/ annual_review（年度总评 id）"
            "加 subject（党员 id）。"
            "公示期已结束时 409，对同一结果的申诉尚在处理中时 409；记录或公示不在我可见的范围内时 404；"
            "不是该支部党员时 403；该党员不在公示名单中时 400。"
        ),
        request={"multipart/form-data": AppealCreateSerializer},
        responses={201: AppealDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def create(self, request):
        data = AppealCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        if given.get("entry") is None:
            return self._against_result(given)
        entry = publicised_entries_visible_to(request.user).filter(pk=given["entry"]).first()
        if entry is None:
            raise NotFound()
        if not may_appeal_against(request.user, entry):
            raise not_allowed(messages.APPEAL_NOT_OWN_BRANCH_MEMBER)
        now = timezone.now()

        def window_refusal(error: ValidationError) -> bool:
            return not is_field_error(error) and window_shut(entry, now)

        with service_errors(conflict_when=window_refusal, conflict_code="window_closed"):
            appeal = appeal_file(
                appellant=access.own_member(request.user),
                entry=entry,
                reason=given["reason"],
                evidence=given["files"],
                by=request.user,
                now=now,
            )
        return self._detail(self.get_queryset().get(pk=appeal.pk), status.HTTP_201_CREATED)

    def _against_result(self, given: dict) -> Response:
        """申诉 against a member's posted 评议等次/得分 or 年度等次 (``appeal_file_result``)."""
        user = self.request.user
        if given.get("evaluation") is not None:
            owner = sessions_visible_to(user).filter(pk=given["evaluation"]).first()
        else:
            owner = reviews_visible_to(user).filter(pk=given["annual_review"]).first()
        window: PublicityWindow | None = getattr(owner, "window", None) if owner is not None else None
        if window is None:  # nothing posted (yet) that the caller may see
            raise NotFound()
        appellant = access.own_member(user)
        if appellant is None or appellant.branch_id != window.branch_id:
            raise not_allowed(messages.APPEAL_NOT_OWN_BRANCH_MEMBER)
        subject = window.branch.members.filter(pk=given["subject"]).first()
        if subject is None:
            name = f"id {given['subject']}"
            raise ValidationError({"subject": [str(yearend_messages.APPEAL_NOT_POSTED % {"name": name})]})
        now = timezone.now()
        shut = refusal_is(messages.WINDOW_CLOSED, messages.WINDOW_NOT_OPEN)
        pending = refusal_is(yearend_messages.APPEAL_DUPLICATE)
        with service_errors(), conflicts((shut, "window_closed"), (pending, "pending")):
            appeal = appeal_file_result(
                appellant=appellant,
                window=window,
                subject=subject,
                reason=given["reason"],
                evidence=given["files"],
                by=user,
                now=now,
            )
        return self._detail(self.get_queryset().get(pk=appeal.pk), status.HTTP_201_CREATED)
