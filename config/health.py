"""``/healthz/``: is this process able to serve? Used by the container health checks and load balancers."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # any failure means "not healthy"; the details belong in the logs, not here
        return False


def _redis_ok() -> bool | None:
    if not settings.REDIS_URL:
        return None  # embedded default: no Redis to check
    import redis

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database_ok(), "redis": _redis_ok()}
    healthy = all(ok is not False for ok in checks.values())
    body = {name: {True: "ok", False: "down", None: "not configured"}[ok] for name, ok in checks.items()}
    return JsonResponse({"status": "ok" if healthy else "down", **body}, status=200 if healthy else 503)
