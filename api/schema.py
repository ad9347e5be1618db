from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers

from api.errors import MESSAGES


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Token <key>，由 POST /api/v1/auth/token/ 签发",
        }


class ErrorSerializer(serializers.Serializer):
    """The one error shape every API error has (``api.errors.api_exception_handler``)."""

    code = serializers.CharField(help_text="错误代码，如 invalid、not_found、conflict")
    message = serializers.CharField(help_text="中文说明")
    fields = serializers.DictField(help_text="逐字段的中文错误；没有时为空对象")


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """``extend_schema(responses={200: ..., **error_responses(400, 404)})``: errors in the one shape."""
    return {code: OpenApiResponse(ErrorSerializer, description=MESSAGES[code]) for code in statuses}


# Statuses any operation can answer with, whatever the view: bad input (including filters and page
# numbers), not signed in, not allowed, not found or outside the caller's scope (also a page past the
# end), throttled. Declared once here so that the schema tells the truth about every operation.
COMMON_ERRORS = (400, 401, 403, 404, 429)
BODY_ERRORS = (415,)


def _error_response(status: int) -> dict:
    return {
        "description": MESSAGES[status],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def declare_common_errors(result, generator, request, public):
    """drf-spectacular post-processing hook: every operation documents the errors it can answer with."""
    result.setdefault("components", {}).setdefault("schemas", {}).setdefault(
        "Error",
        {
            "type": "object",
            "description": "所有错误的统一格式",
            "properties": {
                "code": {"type": "string", "description": "错误代码，如 invalid、not_found、conflict"},
                "message": {"type": "string", "description": "中文说明"},
                "fields": {"type": "object", "additionalProperties": {}, "description": "逐字段的中文错误"},
            },
            "required": ["code", "message", "fields"],
        },
    )
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            responses = operation.setdefault("responses", {})
            statuses = COMMON_ERRORS + (BODY_ERRORS if "requestBody" in operation else ())
            for status in statuses:
                responses.setdefault(str(status), _error_response(status))
    return result


_ENUM_FIELDS: dict[str, type[serializers.ChoiceField]] = {}
_ENUM_CHOICES: dict[str, list[str]] = {}


def enum_field(component: str, choices, **kwargs) -> serializers.ChoiceField:
    """A choice field documented as the schema component ``component`` (values listed, labels described).

    Several models have a ``status`` (or a ``kind``) with different choices: named components keep
    drf-spectacular from naming the enums after the field and warning. One field class per component,
    so that every serializer using a component shares it (two classes of one name are a schema warning).
    """
    choices = [(value, str(label)) for value, label in choices]
    if component in _ENUM_FIELDS and _ENUM_CHOICES[component] != [value for value, _ in choices]:
        # Two enums under one name would document one of them wrongly (and its answers fail the schema).
        raise ValueError(f"schema component {component} already names other choices")
    if component not in _ENUM_FIELDS:
        _ENUM_CHOICES[component] = [value for value, _ in choices]
        description = "；".join(f"{value}：{label}" for value, label in choices)
        schema = {"type": "string", "enum": [value for value, _ in choices], "description": description}
        _ENUM_FIELDS[component] = extend_schema_field(schema, component_name=component)(
            type(f"{component}Field", (serializers.ChoiceField,), {})
        )
    return _ENUM_FIELDS[component](choices=choices, **kwargs)
