"""Jifen settings.

Everything comes from the environment through the helpers in ``config.env``. With nothing set the
service runs on the embedded default: SQLite under ``var/``, Celery tasks run eagerly in-process,
a per-installation secret key kept in ``var/secret_key``. Production sets ``DATABASE_URL``,
``REDIS_URL`` (or ``CELERY_BROKER_URL``), ``SECRET_KEY`` and ``ALLOWED_HOSTS``.
"""

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str
from config.queues import TASK_ROUTES

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("JIFEN_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

DATABASE_URL = env_str("DATABASE_URL")
EMBEDDED = not DATABASE_URL


SECRET_KEY_MIN_LENGTH = 50  # what Django's deployment check (security.W009) asks for


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if not EMBEDDED:
        # Several processes (web, worker, beat) must share one key: never invent one here.
        if not key:
            raise ImproperlyConfigured("SECRET_KEY must be set when DATABASE_URL is set.")
        if len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < 5:
            # A short key signs sessions and password-reset links that can be forged: refuse to start.
            raise ImproperlyConfigured(
                f"SECRET_KEY must be at least {SECRET_KEY_MIN_LENGTH} random characters when DATABASE_URL "
                f"is set (got {len(key)}); make one with: "
                'python -c "import secrets; print(secrets.token_urlsafe(50))"'
            )
    if key:
        return key
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "viewflow",
    "viewflow.workflow",
    "guardian",
    "treebeard",
    "axes",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "accounts",
    "audit",
    "scoring",
    "workflows",
    "yearend",
    "reports",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # Dashboards and rankings read from the replica when DATABASE_REPLICA_URL is set (config.db_router).
    "config.db_router.ReplicaReadsMiddleware",
    # Two people on one task: the loser gets a Chinese 409 page, not a bare 403 or a 500.
    "workflows.middleware.TaskConflictMiddleware",
    "workflows.middleware.WorkflowLoginMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{VAR_DIR / 'jifen.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0 if EMBEDDED else 60),
        # A kept connection is tested before a request or task reuses it: after a PostgreSQL restart every
        # one is dead, and each web and Celery worker's next request failed with a 500 (tests/faults).
        conn_health_checks=True,
    )
}
if EMBEDDED:
    VAR_DIR.mkdir(parents=True, exist_ok=True)

# --- Scaling out: read replica, connection pooler (docs/scaling.md) ---------------------------
# DATABASE_REPLICA_URL: a streaming replica of the primary. Dashboards and rankings read from it
# (config.db_router says precisely which reads); writes, and the workflow's reads, stay on the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    # Tests run against one database: the replica alias reads the test database of the primary.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]
# DATABASE_POOLER=pgbouncer: connections go through pgbouncer in transaction pooling mode, where a server
# connection is another client's after each transaction: no server-side cursors (QuerySet.iterator() opens
# one, held across transactions). Session-level state is not used: the chain locks (audit.chain) are
# pg_advisory_xact_lock, released with their transaction; psycopg's client-side cursors prepare nothing.
DATABASE_POOLER = env_str("DATABASE_POOLER")
if DATABASE_POOLER not in ("", "pgbouncer"):
    raise ImproperlyConfigured(f"DATABASE_POOLER must be empty or 'pgbouncer', got {DATABASE_POOLER!r}")
if DATABASE_POOLER:
    for _alias in DATABASES.values():
        _alias["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery -------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)

if REDIS_URL:
    # Sessions and data live in the database; the cache (viewflow's avatars, API throttles) only helps.
    # With Redis down it falls back to a per-process memory cache instead of failing every page.
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Without a broker every task runs in-process, at once: the embedded default needs no Redis.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://"
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL or "cache+memory://")
# Nothing reads a task's result: the outcome of the work is in the database (ExportJob, FilingPackage,
# Notification). Storing results also made every .delay() subscribe to the Redis result backend, which
# with Redis down retried for ~20 s, then raised RuntimeError (not a broker error): a page hung that long.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A queue per kind of work (config/queues.py): PDF, exports, notifications; workers then name theirs (-Q).
CELERY_TASK_ROUTES = TASK_ROUTES if env_bool("JIFEN_TASK_QUEUES", False) else {}
CELERY_BEAT_SCHEDULE = {
    "roles-sync-daily": {"task": "accounts.tasks.roles_sync_all", "schedule": timedelta(hours=6)},
    # Database-backed viewflow timers (publicity windows closing); never Celery ETA messages.
    "workflow-timers": {
        "task": "workflows.tasks.fire_workflow_timers",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 55},
    },
    "notifications-flush": {"task": "workflows.tasks.notifications_flush", "schedule": timedelta(minutes=5)},
    "claim-reminder-monthly": {
        "task": "workflows.tasks.claim_reminder_monthly",
        "schedule": crontab(day_of_month=1, hour=9, minute=0),
    },
    "escalate-overdue-reviews": {
        "task": "workflows.tasks.escalate_overdue_reviews",
        "schedule": crontab(hour=8, minute=30),
    },
    # 期末自动发起公示: branches whose period ended and that allow it (ReviewSettings.auto_start).
    "period-autostart": {"task": "workflows.tasks.period_autostart", "schedule": crontab(hour=1, minute=10)},
    # 自主设定项目: approved branch rules take effect on their date (the day's first minutes).
    "rule-proposals-apply": {
        "task": "scoring.tasks.rule_proposals_apply",
        "schedule": crontab(hour=0, minute=5),
    },
    # 年度总评: once a branch's last period and its 民主评议 are approved (ReviewSettings.annual_review).
    "annual-review-autostart": {
        "task": "yearend.tasks.annual_review_autostart",
        "schedule": crontab(hour=1, minute=40),
    },
    # 批量导出: re-queue exports whose worker died (stale heartbeat), remove files older than 7 days.
    "report-jobs-maintain": {
        "task": "reports.tasks.export_jobs_maintain",
        "schedule": timedelta(minutes=2),
        "options": {"expires": 110},
    },
    # 备案材料 left waiting because the broker was down when the period was approved.
    "filing-packages-resume": {
        "task": "reports.tasks.filing_packages_resume",
        "schedule": timedelta(minutes=10),
        "options": {"expires": 590},
    },
}

# --- Auth ----------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "accounts.backends.OrganizationPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 8)

GUARDIAN_RAISE_403 = True
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row; anonymous visitors have no rights

# How many reverse proxies stand in front of gunicorn, each appending to X-Forwarded-For: the client's
# address is the entry the outermost one appended (accounts.lockout.client_address, DRF's NUM_PROXIES).
# 0 (embedded, gunicorn facing the clients): REMOTE_ADDR, the header is ignored. Never more than there
# are: a client could then choose its address by writing the header itself.
TRUSTED_PROXIES = env_int("JIFEN_TRUSTED_PROXIES", 0)
if TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured(f"JIFEN_TRUSTED_PROXIES must be 0 or more, got {TRUSTED_PROXIES}")

# Lockout (accounts.lockout): an account at an address after AXES_FAILURE_LIMIT failures, an address
# over any accounts after AXES_ADDRESS_FAILURE_LIMIT; for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 30)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], ["ip_address"]]  # in this order: accounts.lockout
AXES_HANDLER = "accounts.lockout.AccountAndAddressHandler"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_address"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True

# --- REST API (/api/v1/) ------------------------------------------------------------------
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 30)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes "not authenticated" a 401, not a 403.
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Throttles count per user, or per address for anonymous callers: the address as above, never a
    # client-sent X-Forwarded-For (DRF's default, NUM_PROXIES None, would take the whole header).
    "NUM_PROXIES": TRUSTED_PROXIES,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
        "api.throttling.WritesThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "60/min"),
        "user": env_str("API_THROTTLE_USER", "600/min"),
        "writes": env_str("API_THROTTLE_WRITES", "120/min"),
        "login": env_str("API_THROTTLE_LOGIN", "10/min"),
    },
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
    "DATE_FORMAT": "iso-8601",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "党员积分管理 API",
    "DESCRIPTION": "党员积分制管理的 JSON 接口。手机端用 POST /api/v1/auth/token/ 换取令牌，"
    "之后在请求头带 Authorization: Token <key>。",
    "VERSION": "v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Swagger UI and Redoc from our own static files (drf-spectacular-sidecar): no CDN, works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.declare_common_errors",  # the errors every operation can answer with
    ],
    "ENUM_NAME_OVERRIDES": {
        "OrganizationKindEnum": "accounts.models.Organization.Kind",
        "MemberKindEnum": "accounts.models.Member.Kind",
        "MemberStatusEnum": "accounts.models.Member.Status",
        "RoleEnum": "accounts.models.RoleAssignment.Role",
    },
}

# --- i18n ----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# How dates are written on pages, PDFs and messages (2026年12月3日): config/formats/zh_Hans/formats.py.
FORMAT_MODULE_PATH = ["config.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Files ---------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = EMBEDDED or DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
ROSTER_MAX_BYTES = env_int("ROSTER_MAX_BYTES", 5 * 1024 * 1024)
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
EVIDENCE_MAX_FILES = env_int("EVIDENCE_MAX_FILES", 9)

# --- E-mail --------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)  # seconds; well inside the outbox's one-minute send lease
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "jifen@localhost")
SITE_URL = env_str("SITE_URL", "http://localhost:8000")  # links in notification e-mails

# --- Security for production ---------------------------------------------------------------
# Production (DATABASE_URL set) is HTTPS-only unless the environment says otherwise, setting by setting;
# `manage.py check --deploy --fail-level WARNING` passes with these defaults. The embedded default
# serves plain HTTP on 127.0.0.1 and keeps them off.
PRODUCTION = not EMBEDDED
# Behind nginx (or another TLS proxy) that sets X-Forwarded-Proto: without it, a proxied HTTPS request
# looks like HTTP and SECURE_SSL_REDIRECT would redirect for ever.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]  # container health checks call http://127.0.0.1:8000/healthz/
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", env_bool("SECURE_COOKIES", PRODUCTION))
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", env_bool("SECURE_COOKIES", PRODUCTION))
# The OpenAPI schema and Swagger UI describe every endpoint: public on the embedded default, behind
# login in production.
API_DOCS_PUBLIC = env_bool("API_DOCS_PUBLIC", EMBEDDED)
# `seed_demo` writes logins with a published password: only into the embedded database, unless asked.
SEED_DEMO_ALLOWED = env_bool("JIFEN_SEED_DEMO", EMBEDDED)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint and fontTools narrate every render step at INFO.
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # one line per succeeded task drowns the log (eager mode runs many while seeding the demo)
        "celery.app.trace": {"level": "WARNING"},
    },
}

# guardian's own backend answers only for the exact object; accounts.backends answers through the
# organization tree from the same guardian rows, so guardian's backend is deliberately not hooked.
SILENCED_SYSTEM_CHECKS = ["guardian.W001"]
