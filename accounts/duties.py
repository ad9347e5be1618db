"""Separation of duties (不得自己办理涉及本人积分的事项).

The rule the whole system exists for (防止弄虚作假): whoever records, reviews, adjusts, decides an appeal,
reverses or corrects an entry, or sets a grade is never the member concerned. Services call
``refuse_own_points`` before they change anything; queues and bulk actions use ``concerns`` to leave such
tasks out for that person.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from accounts import messages


def concerns(actor: Any, member: Any) -> bool:
    """True when ``actor`` (a user) is the person whose points ``member`` (a Member, or its pk) are."""
    if actor is None or member is None or not getattr(actor, "is_authenticated", False):
        return False
    member_user_id = getattr(member, "user_id", None)
    if member_user_id is not None:
        return member_user_id == actor.pk
    own = getattr(actor, "member", None) if hasattr(actor, "member") else None
    return own is not None and own.pk == member


def refuse_own_points(actor: Any, member: Any, *, action: str) -> None:
    """Refuse (a ``ValidationError`` coded ``own_points``, shown like any service error) when ``actor``
    would act on their own points."""
    if concerns(actor, member):
        raise ValidationError(messages.OWN_POINTS % {"action": action}, code="own_points")
