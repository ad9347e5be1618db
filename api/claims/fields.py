"""Serializer fields shared by the member-facing resources.

Choice fields are named schema components of their own (``ClaimStatusEnum``, ``AppealStatusEnum``...):
several models have a ``status`` or a ``source`` with different choices, and drf-spectacular would
otherwise name them after the field and warn about the collision.
"""

from __future__ import annotations

from collections.abc import Iterable

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

POINTS = {"max_digits": 7, "decimal_places": 2}


def enum_field(component: str, choices: Iterable[tuple[str, str]], **kwargs) -> serializers.ChoiceField:
    """A choice field documented as the schema component ``component`` (values listed, labels described)."""
    choices = list(choices)
    description = "；".join(f"{value}：{label}" for value, label in choices)
    schema = {"type": "string", "enum": [value for value, _ in choices], "description": description}
    field_class = extend_schema_field(schema, component_name=component)(
        type(f"{component}Field", (serializers.ChoiceField,), {})
    )
    return field_class(choices=choices, **kwargs)


@extend_schema_field({"type": "array", "items": {"type": "string", "format": "binary"}})
class UploadedFilesField(serializers.ListField):
    """Several files under one multipart name (the name repeated), documented as binary parts."""


def points_field(**kwargs) -> serializers.DecimalField:
    """Points as the ledger keeps them, sent as a string ("2.00", "-0.50")."""
    return serializers.DecimalField(**POINTS, **kwargs)


def person_name(user) -> str | None:
    """How a person reads in a history: the member's real name, else the account's name; None is 系统."""
    if user is None:
        return None
    member = getattr(user, "member", None)
    if member is not None:
        return member.real_name
    return user.get_full_name() or user.get_username()
