"""Separation of duties (不得自己办理涉及本人积分的事项).

The rule the whole system exists for (防止弄虚作假): whoever records, reviews, adjusts, decides an appeal,
reverses or corrects an entry, or sets a grade is never the member concerned. Services call
``refuse_own_points`` (or ``require_duty``, which also says who stands in) before they change anything;
queues and bulk actions use ``excluding_own`` to leave such tasks out for that person, in the query.

代办: when the only holders of the needed role in the branch are the members concerned (the branch's only
组织委员 claims points, its only reviewer is the appellant), the task goes to the branch secretary — or,
when the secretary is concerned too or there is none, to the higher committee (上级党委). ``duty_permission``
names that permission; the flows give it to the task and the services accept it, so the task never
dead-ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet

from accounts import messages

# Who stands in, in order: the branch secretary (支部书记: 审定), then the higher committee (上级党委: 备案).
SECRETARY_STANDS_IN = "approve_period"
HIGHER_STANDS_IN = "review_filings"
STAND_INS = (SECRETARY_STANDS_IN, HIGHER_STANDS_IN)


class OwnPointsDenied(PermissionDenied):
    """A task refused to the member it concerns; its message is the Chinese ``OWN_POINTS``."""


def concerns(actor: Any, member: Any) -> bool:
    """True when ``actor`` (a user) is the person whose points ``member`` (a Member, or its pk) are."""
    if actor is None or member is None or not getattr(actor, "is_authenticated", False):
        return False
    member_user_id = getattr(member, "user_id", None)
    if member_user_id is not None:
        return member_user_id == actor.pk
    if hasattr(member, "pk"):
        return False  # a member without a login is nobody's own
    own = getattr(actor, "member", None) if hasattr(actor, "member") else None
    return own is not None and own.pk == member


def own_points_message(action: str) -> str:
    return str(messages.OWN_POINTS % {"action": action})


def refuse_own_points(actor: Any, member: Any, *, action: str) -> None:
    """Refuse (a ``ValidationError`` coded ``own_points``, shown like any service error) when ``actor``
    would act on their own points."""
    if concerns(actor, member):
        raise ValidationError(own_points_message(action), code="own_points")


def excluding_own(queryset: QuerySet, user: Any, *member_paths: str) -> QuerySet:
    """``queryset`` without the rows whose member at any of ``member_paths`` is ``user`` — one query,
    no per-row check (e.g. the 待认领 queue without the tasks of one's own claims and appeals)."""
    from accounts.models import Member

    if not getattr(user, "is_authenticated", False) or not member_paths:
        return queryset
    member_pk = Member.objects.filter(user=user).values_list("pk", flat=True).first()
    if member_pk is None:
        return queryset  # an officer who is no member (the higher committee's staff) has no points here
    own = Q()
    for path in member_paths:
        own |= Q(**{path: member_pk})  # compares the foreign key: no join to the member's table
    return queryset.exclude(own)


def _concerned_user_ids(members: Iterable[Any]) -> set[int]:
    return {m.user_id for m in members if m is not None and getattr(m, "user_id", None)}


def holders_of(perm: str, organization: Any) -> QuerySet:
    """Active users whose role in force today grants ``perm`` in ``organization`` (held there or above):
    who could take a task of that permission there. Superusers hold everything and are not counted."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from accounts.models import Organization, RoleAssignment
    from accounts.roles import ROLE_PERMISSIONS

    codename = perm.rpartition(".")[2]
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if codename in perms]
    step = Organization.steplen
    paths = [organization.path[:n] for n in range(step, len(organization.path) + 1, step)]
    day = timezone.localdate()
    in_force = RoleAssignment.objects.filter(
        role__in=roles, organization__path__in=paths, valid_from__lte=day
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
    return get_user_model().objects.filter(pk__in=in_force.values("user_id"), is_active=True)


def duty_permission(perm: str, organization: Any, members: Iterable[Any]) -> str:
    """The permission a task about ``members`` needs in ``organization``: ``perm`` itself, unless every
    holder of it there is one of the members concerned — then the secretary's, or failing another
    secretary, the higher committee's (代办). A role nobody holds at all keeps ``perm``: the task waits
    for the appointment, and the overdue reminder goes to the secretary."""
    from accounts.step_memo import remembered

    concerned = _concerned_user_ids(members)
    if not concerned:
        return perm
    key = ("duty_permission", perm, organization.pk, frozenset(concerned))
    return remembered(key, lambda: _duty_permission(perm, organization, concerned))


def _duty_permission(perm: str, organization: Any, concerned: set[int]) -> str:
    prefix, _, codename = perm.rpartition(".")
    holders = holders_of(codename, organization)
    # Someone not concerned holds it (the usual case): one query.
    if holders.exclude(pk__in=concerned).exists() or not holders.exists():
        return perm
    if holders_of(SECRETARY_STANDS_IN, organization).exclude(pk__in=concerned).exists():
        chosen = SECRETARY_STANDS_IN
    else:
        chosen = HIGHER_STANDS_IN
    return f"{prefix}.{chosen}" if prefix else chosen


def may_do(user: Any, perm: str, organization: Any, members: Iterable[Any]) -> bool:
    """Whether ``user`` may do a task of ``perm`` about ``members``: not their own, and they hold the
    permission — or the one standing in for it (``duty_permission``)."""
    from accounts.access import may

    members = list(members)
    if any(concerns(user, member) for member in members):
        return False
    if may(user, perm, organization):
        return True
    routed = duty_permission(perm, organization, members)
    return routed != perm and may(user, routed, organization)


def require_duty(
    actor: Any, perm: str, organization: Any, members: Iterable[Any], *, action: str, denied: Any
) -> None:
    """The services' check: never one's own points (``own_points``), else the permission or its stand-in,
    else ``denied`` (the service's own message)."""
    from accounts.access import may

    members = list(members)
    if any(concerns(actor, member) for member in members):
        officer = any(may(actor, p, organization) for p in (perm, *STAND_INS))
        # An officer hears why; anyone else is simply not entitled.
        raise (
            ValidationError(own_points_message(action), code="own_points")
            if officer
            else ValidationError(denied)
        )
    if not may_do(actor, perm, organization, members):
        raise ValidationError(denied)
