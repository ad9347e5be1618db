"""The Redis cache, forgiving: with Redis down the site keeps serving.

Nothing the service must keep lives in the cache (sessions and data are in the database): it holds
viewflow's avatar URLs and the API throttles' counters. Django's own ``RedisCache`` raises on every
call while Redis is away, which turned each page into a 500. This one logs the failure once, then for
``PAUSE_SECONDS`` answers from a per-process memory cache without trying Redis again (so no page waits
for a connection timeout), and goes back to Redis after that.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError)
PAUSE_SECONDS = 30.0

# Per server, shared by the per-thread cache instances Django makes.
_down_until: dict[str, float] = {}


class ForgivingRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._server = str(server)
        local = {key: params[key] for key in ("TIMEOUT", "KEY_PREFIX", "VERSION") if key in params}
        self._fallback = LocMemCache(f"redis-fallback:{self._server}", local)

    def _call(self, operation: str, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() >= _down_until.get(self._server, 0.0):
            try:
                return getattr(super(), operation)(*args, **kwargs)
            except REDIS_DOWN as error:
                _down_until[self._server] = time.monotonic() + PAUSE_SECONDS
                logger.warning(
                    "Redis cache unavailable, using a local cache for %ss: %s", PAUSE_SECONDS, error
                )
        return getattr(self._fallback, operation)(*args, **kwargs)

    def add(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("add", *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get", *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("set", *args, **kwargs)

    def touch(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("touch", *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("delete_many", *args, **kwargs)

    def clear(self) -> Any:
        return self._call("clear")
