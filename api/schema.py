from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse
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
