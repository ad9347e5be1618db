"""The OpenAPI schema and its Swagger UI: public on the embedded default, behind login in production.

Decided per request from ``settings.API_DOCS_PUBLIC`` (env ``API_DOCS_PUBLIC``, default: only when
``DATABASE_URL`` is unset), so a deployment can open them again without a code change.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated


def _docs_permissions() -> list[BasePermission]:
    return [AllowAny()] if settings.API_DOCS_PUBLIC else [IsAuthenticated()]


class SchemaView(SpectacularAPIView):
    """The schema: a session or an API token when it is not public (a phone app's developer has a token)."""

    def get_permissions(self) -> list[BasePermission]:
        return _docs_permissions()


class DocsView(SpectacularSwaggerView):
    """Swagger UI, a page for a browser: an anonymous visitor is sent to the login page."""

    def get_permissions(self) -> list[BasePermission]:
        return _docs_permissions()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.API_DOCS_PUBLIC and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)
