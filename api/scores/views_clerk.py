"""支部登记 over REST: one branch-observed item for one member (单项登记), and a meeting's sign-in list
(活动签到登记) — through ``workflows.claims.branch_record`` / ``attendance_record``, which make every
check (the roster, a gain for attendance and deductions for absence and leave).

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
from scoring.selectors import item_names
from workflows import claims, member_selectors, messages


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
            raise invalid("member", str(messages.ATTENDANCE_NOT_ON_ROSTER % {"names": member.real_name}))
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
    """The members marked present and on leave; a member of no branch the caller records for is 404."""
    in_branch = {m.pk: m for m in Member.objects.filter(branch=branch, pk__in={*present_ids, *leave_ids})}
    if {*present_ids, *leave_ids} - in_branch.keys():
        raise Http404
    present = [in_branch[pk] for pk in dict.fromkeys(present_ids)]
    return present, [in_branch[pk] for pk in dict.fromkeys(leave_ids)]
