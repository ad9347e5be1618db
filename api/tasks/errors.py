"""How a task that cannot be done answers over the API: 409 with the Chinese reason when someone
else took or finished it (``TaskConflict``), 403 when it is not the caller's to do, 400 when the
service refuses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied
from rest_framework import status

from api.errors import ApiError, Conflict
from workflows import messages
from workflows.execution import TaskConflict


def not_allowed(message=messages.NOT_ALLOWED) -> ApiError:
    return ApiError(str(message), code="not_allowed", status_code=status.HTTP_403_FORBIDDEN)


@contextmanager
def carried_out() -> Iterator[None]:
    """Around ``task_carry_out`` / ``task_take`` / ``task_release``: their refusals as API errors.
    A service's ``ValidationError`` passes through to the handler (400 with its Chinese fields)."""
    try:
        yield
    except TaskConflict as conflict:
        raise Conflict(conflict.message) from conflict
    except PermissionDenied as denied:
        detail = str(denied)
        known = detail in {str(messages.TASK_NOT_RELEASABLE)}
        raise not_allowed(detail if known else messages.NOT_ALLOWED) from denied
