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
    return granted_paths(user, perm).get(_codename(perm), [])


def granted_paths(user: AnyUser, *perms: str) -> dict[str, list[str]]:
    """For each of ``perms`` (codenames) the user holds, the outermost organization paths where it is
    granted by a role in force today — for all of them together in two queries, however many there are.

    A guardian row counts only with an assignment in force of a role granting its codename on the same
    organization (see ``_in_force``); the assignments' rows bring the paths along."""
    if not user.is_authenticated or not user.is_active:
        return {}
    codenames = {_codename(perm) for perm in perms}
    org_ct = ContentType.objects.get_for_model(Organization)
    rows = UserObjectPermission.objects.filter(
        user=user, permission__codename__in=codenames, permission__content_type=org_ct
    ).values_list("permission__codename", "object_pk")
    granted: dict[str, set[int]] = {}
    for codename, object_pk in rows:
        granted.setdefault(codename, set()).add(int(object_pk))
    if not granted:
        return {}
    day = timezone.localdate()
    assignments = (
        RoleAssignment.objects.filter(user=user, valid_from__lte=day)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .filter(organization_id__in=set().union(*granted.values()))
        .values_list("role", "organization_id", "organization__path")
    )
    paths: dict[str, list[str]] = {}
    for role, organization_id, path in assignments:
        for codename, organizations in granted.items():
            if organization_id in organizations and role in ROLES_GRANTING.get(codename, ()):
                paths.setdefault(codename, []).append(path)
    return {codename: _outermost(found) for codename, found in paths.items()}


def below_any(paths: list[str], field: str = "path") -> Q:
    """Rows whose organization path (``field``) lies at or below one of ``paths``: ``LIKE 'p%'`` on the
    path's pattern index, no subquery. Matches nothing for no paths."""
    if not paths:
        return Q(pk__in=[])
    condition = Q()
    for path in _outermost(list(paths)):
        condition |= Q(**{f"{field}__startswith": path})
    return condition


def organizations_where(user: AnyUser, perm: str) -> QuerySet[Organization]:
    """Organizations in which ``user`` holds ``perm``, directly or through an organization above."""
    if not user.is_authenticated or not user.is_active:
        return Organization.objects.none()
    if user.is_superuser:
        return Organization.objects.all()
    paths = _granted_paths(user, perm)
    if not paths:
        return Organization.objects.none()
    return Organization.objects.filter(below_any(paths))


def _outermost(paths: list[str]) -> list[str]:
    """Drop paths that lie below another granted path: they add nothing to the prefix query."""
    kept: list[str] = []
    for path in sorted(set(paths), key=len):
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
