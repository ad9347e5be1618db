"""支部登记 over REST: one branch-observed item for one member (单项登记), and a meeting's sign-in list
(活动签到登记) — through ``workflows.claims.branch_record`` / ``attendance_record``, with the checks
the clerk's pages make before them: members from the branch's roster, a gain for attendance and
deductions for absence and leave.

A member or a branch the caller cannot see answers 404; one they see without ``record_claims`` 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from accounts import access
from accounts.models import Member, Organization
from accounts.roles import RECORD_CLAIMS
from api.schema import error_responses
from api.scores import present
from api.scores.params import invalid
from api.scores.serializers import (
    AttendanceSerializer,
    AttendanceSheetSerializer,
    BranchRecordSerializer,
    RecordedClaimSerializer,
)
from scoring.core.ruleset import RuleSet as CoreRuleSet
from scoring.core.ruleset import Source as ItemSource
from scoring.selectors import item_names
from workflows import claims, member_selectors, messages
from workflows.selectors import rules_on

NOT_ON_ROSTER = "%(names)s 经批准免于积分，不在登记名单中。"
PRESENT_AND_ON_LEAVE = "%(names)s 不能既出席又请假。"
NOT_A_GAIN = "“%(item)s”不是加分项目，不能作为出席记分项目。"
NOT_A_DEDUCTION = "“%(item)s”不是扣分项目，不能作为缺席或请假扣分项目。"


class BranchRecordView(GenericAPIView):
    serializer_class = BranchRecordSerializer

    @extend_schema(
        summary="单项登记：为本支部一名党员登记一项由支部登记的项目（党费、通报等），待支委会审核",
        request=BranchRecordSerializer,
        responses={201: RecordedClaimSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        user = request.user
        member = get_object_or_404(access.members_visible_to(user), pk=fields["member"])
        if not access.may(user, RECORD_CLAIMS, member.branch):
            raise PermissionDenied
        if not member_selectors.attendance_roster(member.branch).filter(pk=member.pk).exists():
            raise invalid("member", NOT_ON_ROSTER % {"names": member.real_name})
        claim = claims.branch_record(
            member=member,
            item_code=fields["item_code"],
            occurred_on=fields["occurred_on"],
            points=fields["points"],
            description=fields["description"],
            by=user,
        )
        body = present.recorded_claim(claim, item_names(claim.ruleset_version))
        return Response(RecordedClaimSerializer(body).data, status=status.HTTP_201_CREATED)


class AttendanceView(GenericAPIView):
    serializer_class = AttendanceSerializer

    @extend_schema(
        summary="活动签到登记：出席者记出席项目，请假者记请假扣分，其余参加积分的党员记缺席扣分（流动党员除外）",
        request=AttendanceSerializer,
        responses={201: AttendanceSheetSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        user = request.user
        branch = get_object_or_404(member_selectors.branches_followed_by(user), pk=fields["branch"])
        if not access.may(user, RECORD_CLAIMS, branch):
            raise PermissionDenied
        present_members, on_leave = _marked(branch, fields["present"], fields["on_leave"])
        _, rules = rules_on(branch, fields["occurred_on"])
        _require_items(rules, fields)
        sheet = claims.attendance_record(
            branch=branch,
            title=fields["title"],
            occurred_on=fields["occurred_on"],
            item_present=fields["item_present"],
            item_absent=fields["item_absent"],
            item_leave=fields["item_leave"],
            present=present_members,
            on_leave=on_leave,
            by=user,
        )
        body = present.attendance_sheet(sheet)
        return Response(AttendanceSheetSerializer(body).data, status=status.HTTP_201_CREATED)


def _marked(branch: Organization, present_ids: list[int], leave_ids: list[int]) -> tuple[list, list]:
    """The members marked present and on leave, from the branch's sign-in roster (404 for others)."""
    marked = set(present_ids) | set(leave_ids)
    in_branch = {m.pk: m for m in Member.objects.filter(branch=branch, pk__in=marked)}
    if marked - in_branch.keys():
        raise Http404
    roster = set(
        member_selectors.attendance_roster(branch).filter(pk__in=marked).values_list("pk", flat=True)
    )
    exempt = [in_branch[pk].real_name for pk in sorted(marked - roster)]
    if exempt:
        field = "present" if set(present_ids) - roster else "on_leave"
        raise invalid(field, NOT_ON_ROSTER % {"names": "、".join(exempt)})
    both = sorted(set(present_ids) & set(leave_ids))
    if both:
        raise invalid(
            "on_leave", PRESENT_AND_ON_LEAVE % {"names": "、".join(in_branch[pk].real_name for pk in both)}
        )
    return [in_branch[pk] for pk in dict.fromkeys(present_ids)], [
        in_branch[pk] for pk in dict.fromkeys(leave_ids)
    ]


def _require_items(rules: CoreRuleSet, fields: dict) -> None:
    """The page offers gains for attendance and deductions for absence and leave, all entered by the
    branch; the same items are the only ones taken here."""
    wanted = [("item_present", True), ("item_absent", False), ("item_leave", False)]
    for field, gain in wanted:
        code = fields[field]
        if not code:
            continue
        item = rules.item(code)
        if item is None:
            raise invalid(field, str(messages.ITEM_UNKNOWN))
        if item.source != ItemSource.BRANCH:
            raise invalid(field, str(messages.ITEM_NOT_RECORDABLE % {"item": item.name}))
        value = item.points
        if value is None or (value <= 0 if gain else value >= 0):
            raise invalid(field, (NOT_A_GAIN if gain else NOT_A_DEDUCTION) % {"item": item.name})
