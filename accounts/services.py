"""Writes of the accounts domain. Each runs in one transaction and leaves an audit record."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from guardian.models import UserObjectPermission

from accounts import messages
from accounts.access import may
from accounts.models import BranchMembership, Member, Organization, RoleAssignment
from accounts.roles import ROLE_PERMISSIONS, STAFF_ROLES
from audit.services import audit_record
from config.formats import day_text

User = get_user_model()


def active_assignments(*, user: Any, on: datetime.date | None = None):
    day = on or timezone.localdate()
    return RoleAssignment.objects.filter(user=user, valid_from__lte=day).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=day)
    )


@transaction.atomic
def permissions_sync(*, user: Any, on: datetime.date | None = None) -> None:
    """Make the user's guardian rows on organizations match their active role assignments."""
    org_ct = ContentType.objects.get_for_model(Organization)
    perms = {p.codename: p for p in Permission.objects.filter(content_type=org_ct)}
    assignments = list(active_assignments(user=user, on=on))
    wanted = {
        (str(a.organization_id), codename) for a in assignments for codename in ROLE_PERMISSIONS[a.role]
    }
    existing = {
        (row.object_pk, row.permission.codename): row
        for row in UserObjectPermission.objects.filter(user=user, content_type=org_ct).select_related(
            "permission"
        )
    }
    stale = [row.pk for key, row in existing.items() if key not in wanted]
    if stale:
        UserObjectPermission.objects.filter(pk__in=stale).delete()
    UserObjectPermission.objects.bulk_create(
        [
            UserObjectPermission(user=user, permission=perms[codename], content_type=org_ct, object_pk=org_pk)
            for org_pk, codename in wanted - existing.keys()
        ]
    )
    is_staff = user.is_superuser or any(a.role in STAFF_ROLES for a in assignments)
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])


@transaction.atomic
def role_grant(
    *,
    user: Any,
    organization: Organization,
    role: str,
    valid_from: datetime.date,
    valid_until: datetime.date | None = None,
    granted_by: Any | None,
    reason: str = "",
) -> RoleAssignment:
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError({"valid_until": messages.ROLE_UNTIL_BEFORE_FROM})
    assignment = RoleAssignment.objects.create(
        user=user,
        organization=organization,
        role=role,
        valid_from=valid_from,
        valid_until=valid_until,
        granted_by=granted_by,
        reason=reason,
    )
    permissions_sync(user=user)
    audit_record(
        actor=granted_by,
        action="role.grant",
        summary=f"任命 {user} 为 {organization} {assignment.get_role_display()}",
        target=assignment,
        organization=organization,
        reason=reason,
        data={"role": role, "valid_from": valid_from, "valid_until": valid_until},
    )
    return assignment


@transaction.atomic
def role_end(
    *, assignment: RoleAssignment, on: datetime.date, ended_by: Any | None, reason: str
) -> RoleAssignment:
    """End a role on ``on`` (inclusive). The assignment row stays as history."""
    if on < assignment.valid_from:
        raise ValidationError({"valid_until": messages.ROLE_UNTIL_BEFORE_FROM})
    previous = assignment.valid_until
    assignment.valid_until = on
    assignment.save(update_fields=["valid_until"])
    permissions_sync(user=assignment.user)
    audit_record(
        actor=ended_by,
        action="role.end",
        summary=f"免去 {assignment.user} 的 {assignment.organization} {assignment.get_role_display()}",
        target=assignment,
        organization=assignment.organization,
        reason=reason,
        data={"valid_until": on, "previous_valid_until": previous},
    )
    return assignment


@transaction.atomic
def member_create(
    *,
    user: Any,
    real_name: str,
    branch: Organization,
    id_number: str,
    since: datetime.date,
    created_by: Any | None,
    reason: str = "",
    **fields: Any,
) -> Member:
    if not branch.is_branch:
        raise ValidationError({"branch": messages.MEMBER_BRANCH_REQUIRED})
    member = Member.objects.create(
        user=user, real_name=real_name, branch=branch, id_number=id_number, **fields
    )
    BranchMembership.objects.create(
        member=member, branch=branch, start=since, reason=reason, recorded_by=created_by
    )
    audit_record(
        actor=created_by,
        action="member.create",
        summary=f"新增党员 {real_name}（{branch}）",
        target=member,
        organization=branch,
        reason=reason,
    )
    return member


@transaction.atomic
def member_transfer(
    *, member: Member, to_branch: Organization, on: datetime.date, by: Any | None, reason: str
) -> BranchMembership:
    """转接组织关系: close the current spell the day before ``on`` and open one in ``to_branch``."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if not to_branch.is_branch:
        raise ValidationError({"branch": messages.TRANSFER_NOT_A_BRANCH % {"name": to_branch.name}})
    if to_branch.pk == member.branch_id:
        raise ValidationError({"branch": messages.TRANSFER_SAME_BRANCH})
    current = member.memberships.filter(end__isnull=True).first()
    if current is not None:
        if on <= current.start:
            raise ValidationError(
                {"start": messages.TRANSFER_BEFORE_CURRENT % {"start": day_text(current.start)}}
            )
        current.end = on
        current.save(update_fields=["end"])
    from_branch = member.branch
    spell = BranchMembership.objects.create(
        member=member, branch=to_branch, start=on, reason=reason, recorded_by=by
    )
    member.branch = to_branch
    member.save(update_fields=["branch"])
    audit_record(
        actor=by,
        action="member.transfer",
        summary=f"{member.real_name} 由 {from_branch} 转入 {to_branch}",
        target=member,
        organization=to_branch,
        reason=reason,
        data={"from": from_branch.code, "to": to_branch.code, "on": on},
    )
    return spell


def roles_sync_all(*, on: datetime.date | None = None) -> int:
    """Re-sync every user holding or having held a role: starts and ends take effect by date."""
    user_ids = RoleAssignment.objects.values_list("user_id", flat=True).distinct()
    count = 0
    for user in User.objects.filter(pk__in=user_ids):
        permissions_sync(user=user, on=on)
        count += 1
    return count


RANKINGS_SHOWN_LABELS = {None: "沿用上级组织设置", True: "显示排名", False: "不显示排名"}


@transaction.atomic
def organization_rankings_switch(*, organization: Organization, shown: bool | None, by: Any) -> Organization:
    """党员端排名显示: show or hide ranks on the members' own pages of this organization and everything
    below it that has no setting of its own; None follows the organization above. Committees keep
    seeing rankings either way. Only those who manage the rules there may switch it."""
    if not may(by, "manage_rules", organization):
        raise ValidationError(messages.RANKINGS_SWITCH_NOT_ALLOWED % {"name": organization.name})
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    before = organization.members_see_rankings
    if before == shown:
        return organization
    organization.members_see_rankings = shown
    organization.save(update_fields=["members_see_rankings"])
    in_force, source = organization.members_see_rankings_setting()
    audit_record(
        actor=by,
        action="organization.rankings_switch",
        summary=f"{organization.name} 党员端排名显示：{RANKINGS_SHOWN_LABELS[shown]}",
        target=organization,
        organization=organization,
        data={
            "before": before,
            "after": shown,
            "in_force": in_force,
            "set_at": source.code if source else None,
        },
    )
    return organization
