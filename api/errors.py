"""One error shape for every API response: ``{"code": ..., "message": "<Chinese>", "fields": {...}}``."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

MESSAGES = {
    status.HTTP_400_BAD_REQUEST: "提交的数据有误",
    status.HTTP_401_UNAUTHORIZED: "未登录或令牌已失效",
    status.HTTP_403_FORBIDDEN: "没有权限",
    status.HTTP_404_NOT_FOUND: "不存在或不在您的权限范围内",
    status.HTTP_405_METHOD_NOT_ALLOWED: "不支持该请求方法",
    status.HTTP_406_NOT_ACCEPTABLE: "不支持所请求的格式",
    status.HTTP_409_CONFLICT: "操作冲突，数据已被他人更改",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "不支持的数据格式",
    status.HTTP_429_TOO_MANY_REQUESTS: "请求过于频繁，请稍后再试",
}


class ApiError(exceptions.APIException):
    """An error whose Chinese message is its own, not the status code's generic one."""

    def __init__(self, message: str, *, code: str | None = None, status_code: int | None = None, fields=None):
        super().__init__(detail=message, code=code or self.default_code)
        if status_code is not None:
            self.status_code = status_code
        self.message = message
        self.fields = fields or {}


class Conflict(ApiError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def _code(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    if isinstance(codes, str):
        return codes
    return exc.default_code if isinstance(exc.default_code, str) else "error"


def _one_message(fields) -> str | None:
    """The only message of a refusal with one (a phone shows it as it is), else None."""
    messages = [m for ms in fields.values() for m in (ms if isinstance(ms, list) else [ms])]
    return str(messages[0]) if len(messages) == 1 and isinstance(messages[0], str) else None


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    code_status = response.status_code
    if isinstance(exc, ApiError):
        body = {"code": _code(exc), "message": exc.message, "fields": exc.fields}
    elif isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body = {"code": "invalid", "message": _one_message(fields) or MESSAGES[400], "fields": fields}
    else:
        message = MESSAGES.get(code_status) or ("服务器内部错误" if code_status >= 500 else "请求有误")
        body = {"code": _code(exc), "message": message, "fields": {}}
    response.data = body
    return response


# --- The workflow services' refusals as API errors --------------------------------------------------

# The services call the uploaded files ``evidence``; the API's requests call them ``files``.
API_FIELD_NAMES = {"evidence": "files"}


def not_allowed(message=None, code: str = "not_allowed") -> ApiError:
    """403: the object is within the caller's sight, the action is not theirs."""
    from workflows import messages

    return ApiError(str(message or messages.NOT_ALLOWED), code=code, status_code=status.HTTP_403_FORBIDDEN)


def as_api_validation_error(error: DjangoValidationError) -> exceptions.ValidationError:
    detail = as_serializer_error(error)
    renamed = {API_FIELD_NAMES.get(field, field): msgs for field, msgs in detail.items()}
    return exceptions.ValidationError(renamed)


def is_field_error(error: DjangoValidationError) -> bool:
    return hasattr(error, "error_dict")


@contextmanager
def service_errors(
    conflict_when: Callable[[DjangoValidationError], bool] | None = None, conflict_code: str = "conflict"
) -> Iterator[None]:
    """Around a workflow service or task: its ``ValidationError`` → 400 on the API's field names (or 409
    when ``conflict_when`` says the refusal is about a state that changed, e.g. a closed window); a task
    someone else took or finished → 409 with the Chinese reason; no right → 403 (with the service's own
    message when it is one meant for users)."""
    from accounts.duties import OwnPointsDenied
    from workflows import messages
    from workflows.execution import TaskConflict

    try:
        yield
    except TaskConflict as conflict:
        raise Conflict(conflict.message) from conflict
    except OwnPointsDenied as denied:
        raise not_allowed(str(denied), code="own_points") from denied
    except DjangoPermissionDenied as denied:
        detail = str(denied)
        told = detail in {str(messages.TASK_NOT_RELEASABLE)}
        raise not_allowed(detail if told else None) from denied
    except DjangoValidationError as error:
        if conflict_when is not None and conflict_when(error):
            raise Conflict(error.messages[0], code=conflict_code) from error
        raise as_api_validation_error(error) from error
