from rest_framework.throttling import UserRateThrottle


class WritesThrottle(UserRateThrottle):
    """Unsafe methods (POST, PUT, PATCH, DELETE) per user, or per address for anonymous callers."""

    scope = "writes"

    def allow_request(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return super().allow_request(request, view)
