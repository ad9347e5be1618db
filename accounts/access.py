"""Which organizations may this user do X in — the one place every queryset asks.

Permissions are django-guardian object permissions on ``Organization`` rows, granted by
``RoleAssignment``. A permission held on an organization holds for every organization below it:
the tree is a materialized path, so "below" is a ``path`` prefix and needs no row per descendant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from guardian.models import UserObjectPermission

from accounts.models import Member, Organization

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    AnyUser = AbstractBaseUser | AnonymousUser


def _codename(perm: str) -> str:
    """Accept ``"review_claims"`` or ``"accounts.review_claims"``."""
    app_label, _, codename = perm.rpartition(".")
    if app_label not in ("", "accounts"):
        raise ValueError(f"not an organization permission: {perm}")
    return codename


def _granted_paths(user: AnyUser, perm: str) -> list[str]:
    org_ct = ContentType.objects.get_for_model(Organization)
    granted_pks = UserObjectPermission.objects.filter(
        user=user, permission__codename=_codename(perm), permission__content_type=org_ct
    ).values_list("object_pk", flat=True)
    pks = [int(pk) for pk in granted_pks]
    return list(Organization.objects.filter(pk__in=pks).values_list("path", flat=True))


def organizations_where(user: AnyUser, perm: str) -> QuerySet[Organization]:
    """Organizations in which ``user`` holds ``perm``, directly or through an organization above."""
    if not user.is_authenticated or not user.is_active:
        return Organization.objects.none()
    if user.is_superuser:
        return Organization.objects.all()
    paths = _granted_paths(user, perm)
    if not paths:
        return Organization.objects.none()
    below_any = Q()
    for path in _outermost(paths):
        below_any |= Q(path__startswith=path)
    return Organization.objects.filter(below_any)


def _outermost(paths: list[str]) -> list[str]:
    """Drop paths that lie below another granted path: they add nothing to the prefix query."""
    kept: list[str] = []
    for path in sorted(paths, key=len):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def may(user: AnyUser, perm: str, organization: Organization) -> bool:
    """Whether ``user`` holds ``perm`` in ``organization`` (granted there or anywhere above it)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    step = Organization.steplen
    ancestor_paths = [organization.path[:n] for n in range(step, len(organization.path) + 1, step)]
    ancestor_pks = Organization.objects.filter(path__in=ancestor_paths).values_list("pk", flat=True)
    return UserObjectPermission.objects.filter(
        user=user,
        permission__codename=_codename(perm),
        permission__content_type=ContentType.objects.get_for_model(Organization),
        object_pk__in=[str(pk) for pk in ancestor_pks],
    ).exists()


def own_member(user: AnyUser) -> Member | None:
    if not user.is_authenticated:
        return None
    return Member.objects.filter(user=user).select_related("branch").first()


def members_visible_to(user: AnyUser) -> QuerySet[Member]:
    """Members whose profile ``user`` may see: those of branches they may view, and themselves."""
    if not user.is_authenticated:
        return Member.objects.none()
    return Member.objects.filter(
        Q(branch__in=organizations_where(user, "view_members")) | Q(user=user)
    ).select_related("branch", "user")


def sees_private_data(viewer: AnyUser, member: Member) -> bool:
    """Phone and ID number in full only for the member and the clerk of the member's branch."""
    if viewer.is_authenticated and member.user_id == viewer.pk:
        return True
    return may(viewer, "view_private_data", member.branch)


def role_holders(organization: Organization, *roles: str, on=None) -> list:
    """Active users holding one of ``roles`` in this very organization on ``on`` (default today)."""
    from django.utils import timezone

    from accounts.models import RoleAssignment

    day = on or timezone.localdate()
    assignments = (
        RoleAssignment.objects.filter(
            organization=organization, role__in=roles, valid_from__lte=day, user__is_active=True
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .select_related("user")
        .order_by("user_id")
    )
    return list({a.user_id: a.user for a in assignments}.values())
