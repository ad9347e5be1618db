import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api.services import token_issue

PASSWORD = "Jifen-test-2026"


@pytest.fixture(autouse=True)
def _fresh_throttles_and_lockouts(db):
    """Throttle counters live in the cache, axes attempts in the database: start each test clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def as_user(api):
    """``as_user(user)``: a client that sends a freshly issued token for ``user``."""

    def _as(user):
        _, key = token_issue(user=user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return _as
