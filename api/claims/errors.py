"""Turning the workflow services' refusals into API errors, on the API's own field names.

The services speak of ``evidence`` (the files) while the API's requests call them ``files``; every other field
keeps its name. The messages are the services' own Chinese texts, unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error

from api.errors import ApiError, Conflict
from workflows import messages
from workflows.execution import TaskConflict

API_FIELD_NAMES = {"evidence": "files"}


def as_api_validation_error(error: DjangoValidationError) -> exceptions.ValidationError:
    detail = as_serializer_error(error)
    return exceptions.ValidationError(
        {API_FIELD_NAMES.get(field, field): msgs for field, msgs in detail.items()}
    )


def is_field_error(error: DjangoValidationError) -> bool:
    return hasattr(error, "error_dict")


def not_yours(message: Any, code: str = "not_allowed") -> ApiError:
    """403: the object is within the caller's sight, the action is not theirs."""
    return ApiError(str(message), code=code, status_code=status.HTTP_403_FORBIDDEN)


@contextmanager
def service_call(
    conflict_when: Callable[[DjangoValidationError], bool] | None = None, conflict_code: str = "conflict"
) -> Iterator[None]:
    """Run a service: its ``ValidationError`` → 400 on the API's fields (or 409 when ``conflict_when`` says
    the refusal is about a state that changed — a closed window); a task conflict → 409; no right → 403."""
    try:
        yield
    except TaskConflict as conflict:
        raise Conflict(conflict.message) from conflict
    except PermissionDenied as denied:
        raise not_yours(messages.NOT_ALLOWED) from denied
    except DjangoValidationError as error:
        if conflict_when is not None and conflict_when(error):
            raise Conflict(error.messages[0], code=conflict_code) from error
        raise as_api_validation_error(error) from error
