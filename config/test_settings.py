"""Test settings: fast hashing, eager Celery that propagates errors, in-memory caches and e-mail.

The database comes from ``DATABASE_URL`` as in production (PostgreSQL in CI), or SQLite.
"""

import os

# The tests sign nothing that outlives them; CI's throwaway key ("ci-<time>-not-a-secret") is shorter
# than production accepts, so with DATABASE_URL set the settings would refuse it.
os.environ["SECRET_KEY"] = "test-only-not-a-secret-" + "0123456789abcdefghijklmnopqrstuvwxyz"

from config.settings import *  # noqa: F403
from config.settings import VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = "cache+memory://"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = VAR_DIR / "test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
AXES_FAILURE_LIMIT = 5
# The same behaviour on PostgreSQL (DATABASE_URL set) as on SQLite: the test client speaks plain HTTP,
# the tests fetch the API schema anonymously and seed the demo into their throwaway databases. The
# production defaults are tested on config.settings itself (tests/test_infrastructure.py).
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
API_DOCS_PUBLIC = True
SEED_DEMO_ALLOWED = True
# A second alias on the same test database, as production has with DATABASE_REPLICA_URL: the read-replica
# router's tests (tests/test_db_router.py) install the router; without it nothing reads through this alias.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
