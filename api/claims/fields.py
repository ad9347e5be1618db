"""Serializer fields shared by the member-facing resources.

Choice fields are named schema components made by ``api.schema.enum_field``.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

POINTS = {"max_digits": 7, "decimal_places": 2}


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
