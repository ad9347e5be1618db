"""Which organizations may this user do X in — the one place every queryset asks.

Permissions are django-guardian object permissions on ``Organization`` rows, granted by
``RoleAssignment``. A permission held on an organization holds for every organization below it:
the tree is a materialized path, so "below" is a ``path`` prefix and needs no row per descendant.

A guardian row counts only while a role assignment granting it is in force today: the assignment's
dates are checked in the same query (``_in_force``), so a role past its 任职结束 or before its 任职开始
grants nothing even before ``roles_sync_all`` (beat, every 6 hours; none in the embedded default)
has removed or added the rows. The sync job stays as cleanup, and for ``is_staff``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from guardian.models import UserObjectPermission

from accounts.models import Member, Organization, RoleAssignment
from accounts.roles import ROLES_GRANTING
from accounts.step_memo import remembered

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    AnyUser = AbstractBaseUser | AnonymousUser


def _codename(perm: str) -> str:
    """Accept ``"review_claims"`` or ``"accounts.review_claims"``."""
    app_label, _, codename = perm.rpartition(".")
    if app_label not in ("", "accounts"):
        raise ValueError(f"not an organization permission: {perm}")
    return codename


def _in_force(rows: QuerySet[UserObjectPermission], codename: str) -> QuerySet[UserObjectPermission]:
    """The guardian rows of ``codename`` backed by a role assignment in force today: same user, same
    organization, a role granting it, today within its dates. One ``EXISTS`` in the rows' own query,
    so the number of queries does not grow with the rows."""
    day = timezone.localdate()
    backing = (
        RoleAssignment.objects.filter(
            user=OuterRef("user_id"), role__in=ROLES_GRANTING.get(codename, ()), valid_from__lte=day
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .annotate(object_pk=Cast("organization_id", CharField()))
        .filter(object_pk=OuterRef("object_pk"))
    )
    return rows.filter(Exists(backing))


def _granted_paths(user: AnyUser, perm: str) -> list[str]:
    org_ct = ContentType.objects.get_for_model(Organization)
    codename = _codename(perm)
    rows = UserObjectPermission.objects.filter(
        user=user, permission__codename=codename, permission__content_type=org_ct
    )
    granted_pks = _in_force(rows, codename).values_list("object_pk", flat=True)
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
    codename = _codename(perm)
    # Asked several times while one task is taken and done: answered once per step (accounts.step_memo).
    return remembered(("may", user.pk, codename, organization.pk), lambda: _may(user, codename, organization))


def _may(user: AnyUser, codename: str, organization: Organization) -> bool:
    step = Organization.steplen
    ancestor_paths = [organization.path[:n] for n in range(step, len(organization.path) + 1, step)]
    # The ancestors' ids as a subquery of the one query (guardian keeps object ids as text).
    ancestor_pks = Organization.objects.filter(path__in=ancestor_paths).values(
        text_pk=Cast("pk", CharField())
    )
    rows = UserObjectPermission.objects.filter(
        user=user,
        permission__codename=codename,
        permission__content_type=ContentType.objects.get_for_model(Organization),
        object_pk__in=ancestor_pks,
    )
    return _in_force(rows, codename).exists()


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
