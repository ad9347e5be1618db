"""The service's footing: which database and broker it really talks to, the health endpoint, the
embedded default (eager Celery, no broker), and the deployment files."""

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import yaml
from celery import Celery, shared_task
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connection, connections

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")

needs_redis = pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set")


# --- database ------------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(not DATABASE_URL.startswith(("postgres://", "postgresql://")), reason="not on PostgreSQL")
def test_database_url_postgres_means_postgresql(db):
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        assert int(cursor.fetchone()[0]) >= 150000


@pytest.mark.postgres
@pytest.mark.skipif(not DATABASE_URL.startswith(("postgres://", "postgresql://")), reason="not on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_kept_connection_postgresql_has_closed_is_replaced_when_the_next_request_starts():
    # What a PostgreSQL restart does to every connection a worker keeps (CONN_MAX_AGE): the server ends it.
    assert connection.settings_dict["CONN_MAX_AGE"] > 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        kept = cursor.fetchone()[0]
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [kept])
    other.close()
    close_old_connections()  # what Django does as a request (or a Celery task) starts
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != kept


@pytest.mark.skipif(bool(DATABASE_URL), reason="DATABASE_URL is set")
def test_embedded_default_is_sqlite(db):
    assert connection.vendor == "sqlite"


# --- Redis ---------------------------------------------------------------------------------------


@pytest.mark.redis
@needs_redis
def test_redis_answers_and_keeps_a_value():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    assert client.ping()
    key = f"jifen-test:{uuid.uuid4()}"
    try:
        client.set(key, "党员积分", ex=60)
        assert client.get(key).decode() == "党员积分"
    finally:
        client.delete(key)


@pytest.mark.redis
@needs_redis
def test_a_real_worker_runs_tasks_through_redis(tmp_path):
    """The production path: a task sent to the Redis broker is run by a `celery -A config worker`."""
    queue = f"jifen-test-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": REDIS_URL,
        "SECRET_KEY": "worker-test",
        "JIFEN_VAR_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)  # the worker needs no database for this task
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "--pool", "solo"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # Not the current app: tasks defined with @shared_task elsewhere must keep using config.celery.
    client = Celery(broker=REDIS_URL, backend=REDIS_URL, set_as_current=False)
    try:
        # The project stores no task results (CELERY_TASK_IGNORE_RESULT); this one asks for its own.
        result = client.send_task("celery.accumulate", args=(2, 3), queue=queue, ignore_result=False)
        assert result.get(timeout=60) == [2, 3]
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        result.forget()
        client.close()


# --- Celery in the embedded default --------------------------------------------------------------


@shared_task
def multiply(x: int, y: int) -> int:
    return x * y


def test_delay_runs_in_process_under_test_settings():
    assert multiply.delay(6, 7).get(timeout=1) == 42


def _embedded_settings(tmp_path, **extra: str) -> dict:
    """Load config.settings in a fresh interpreter with only ``extra`` configured."""
    configured = {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "SECRET_KEY"}
    env = {k: v for k, v in os.environ.items() if k not in configured}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", JIFEN_VAR_DIR=str(tmp_path), **extra)
    code = """
import json, django
django.setup()
from django.conf import settings
from config.celery import app

@app.task
def add(x, y):
    return x + y

print(json.dumps({
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "engine": settings.DATABASES["default"]["ENGINE"],
    "result": add.delay(2, 3).get(timeout=1) if settings.CELERY_TASK_ALWAYS_EAGER else None,
}))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_embedded_default_runs_tasks_eagerly_without_a_broker(tmp_path):
    loaded = _embedded_settings(tmp_path)
    assert loaded == {
        "eager": True,
        "broker": "memory://",
        "engine": "django.db.backends.sqlite3",
        "result": 5,
    }
    assert (tmp_path / "secret_key").exists()  # a per-installation key, kept out of the repository


def test_a_configured_broker_turns_eager_mode_off(tmp_path):
    loaded = _embedded_settings(tmp_path, CELERY_BROKER_URL="redis://127.0.0.1:6379/15")
    assert loaded["eager"] is False
    assert loaded["broker"] == "redis://127.0.0.1:6379/15"


# --- /healthz/ ------------------------------------------------------------------------------------


def test_healthz_is_public_and_reports_each_dependency(client, db, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "not configured"}


def test_healthz_answers_503_when_redis_is_down(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    started = time.monotonic()
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json() == {"status": "down", "database": "ok", "redis": "down"}
    assert time.monotonic() - started < 5


@pytest.mark.redis
@needs_redis
def test_healthz_sees_the_real_redis(client, db, settings):
    settings.REDIS_URL = REDIS_URL
    assert client.get("/healthz/").json()["redis"] == "ok"


# --- deployment files ----------------------------------------------------------------------------
# Docker is not installed on the machines this is built on: these check the files' shape only.


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_every_service_with_a_health_check(compose):
    services = compose["services"]
    assert set(services) == {"proxy", "web", "worker", "beat", "db", "pgbouncer", "redis"}
    for name, service in services.items():
        assert service["healthcheck"]["test"], name
    assert services["db"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"


def test_compose_commands_and_volumes(compose):
    services = compose["services"]
    assert "migrate --noinput" in services["web"]["command"]
    assert "gunicorn config.wsgi:application" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A config worker")
    assert "django_celery_beat.schedulers:DatabaseScheduler" in services["beat"]["command"]
    assert "/healthz/" in " ".join(services["web"]["healthcheck"]["test"])
    assert set(compose["volumes"]) == {"postgres-data", "redis-data", "media"}
    assert "postgres-data:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert "redis-data:/data" in services["redis"]["volumes"]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://jifen:")
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert "media:/var/lib/jifen/media" in services[name]["volumes"]


def test_dockerfile_has_the_pdf_prerequisites_and_runs_unprivileged():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim-bookworm" in dockerfile
    for package in ("fonts-noto-cjk", "libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0"):
        assert package in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert "\nUSER jifen\n" in dockerfile


def test_scripts_are_executable_bash_without_syntax_errors():
    for script in ("scripts/run", "scripts/test", ".ci/run"):
        path = ROOT / script
        assert os.access(path, os.X_OK), script
        subprocess.run(["bash", "-n", str(path)], check=True)
    subprocess.run(["bash", "-n", str(ROOT / "scripts/_setup.sh")], check=True)


# --- production settings (DATABASE_URL set) ------------------------------------------------------

PRODUCTION_KEY = "a-production-key-k3Y7Qw9zXr2Lp8Vn5Tb1Hc6Jd4Mf0GsA7eW2qR9uY5iO3"  # over 50 characters
PRODUCTION_ENV = {  # the README's production environment (docker-compose.yml gives the same)
    "DATABASE_URL": "postgres://jifen:secret@127.0.0.1:5432/jifen",  # never connected to by these tests
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "SECRET_KEY": PRODUCTION_KEY,
    "ALLOWED_HOSTS": "jifen.example.org",
    "BEHIND_TLS_PROXY": "true",
}
SECURITY_SETTINGS = (
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_PROXY_SSL_HEADER",
    "API_DOCS_PUBLIC",
    "SEED_DEMO_ALLOWED",
)
_CONFIGURED = {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "SECRET_KEY"}


def _environment(tmp_path, **extra: str) -> dict:
    """The environment of a fresh process on config.settings, configured by ``extra`` alone."""
    env = {k: v for k, v in os.environ.items() if k not in _CONFIGURED and not k.startswith("SECURE_")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", JIFEN_VAR_DIR=str(tmp_path), **extra)
    return env


def _security_settings(tmp_path, **extra: str) -> dict:
    code = f"""
import json
from django.conf import settings
print(json.dumps({{name: getattr(settings, name) for name in {SECURITY_SETTINGS!r}}}))
"""
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_environment(tmp_path, **extra),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _check_deploy(tmp_path, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_environment(tmp_path, **extra),
        capture_output=True,
        text=True,
    )


def test_production_is_https_only_with_secure_cookies_by_default(tmp_path):
    assert _security_settings(tmp_path, **PRODUCTION_ENV) == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "API_DOCS_PUBLIC": False,
        "SEED_DEMO_ALLOWED": False,
    }


def test_each_production_default_can_be_overridden_by_the_environment(tmp_path):
    overrides = {
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "3600",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "false",
        "SECURE_HSTS_PRELOAD": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "BEHIND_TLS_PROXY": "false",
        "API_DOCS_PUBLIC": "true",
        "JIFEN_SEED_DEMO": "true",
    }
    assert _security_settings(tmp_path, **{**PRODUCTION_ENV, **overrides}) == {
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 3600,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_PROXY_SSL_HEADER": None,
        "API_DOCS_PUBLIC": True,
        "SEED_DEMO_ALLOWED": True,
    }
    # SECURE_COOKIES, the older switch, still sets both cookies
    both = _security_settings(tmp_path, **PRODUCTION_ENV, SECURE_COOKIES="false")
    assert (both["SESSION_COOKIE_SECURE"], both["CSRF_COOKIE_SECURE"]) == (False, False)


def test_the_embedded_default_serves_plain_http_with_public_docs_and_the_demo(tmp_path):
    loaded = _security_settings(tmp_path)
    assert loaded["SECURE_SSL_REDIRECT"] is False and loaded["SECURE_HSTS_SECONDS"] == 0
    assert loaded["SESSION_COOKIE_SECURE"] is False and loaded["CSRF_COOKIE_SECURE"] is False
    assert loaded["API_DOCS_PUBLIC"] is True and loaded["SEED_DEMO_ALLOWED"] is True


def test_check_deploy_passes_with_the_documented_production_environment(tmp_path):
    done = _check_deploy(tmp_path, **PRODUCTION_ENV)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


@pytest.mark.parametrize("key", ["ci-1764729600-not-a-secret", "change-me", "x" * 60])
def test_production_refuses_a_short_or_repetitive_secret_key(tmp_path, key):
    done = _check_deploy(tmp_path, **{**PRODUCTION_ENV, "SECRET_KEY": key})
    assert done.returncode != 0
    assert "SECRET_KEY must be at least 50 random characters" in done.stderr


def test_the_health_check_is_not_redirected_to_https(client, db, settings):
    """Container health checks call http://127.0.0.1:8000/healthz/ inside the container."""
    settings.SECURE_SSL_REDIRECT = True
    settings.REDIS_URL = ""
    assert client.get("/healthz/").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


def test_compose_gives_production_a_required_secret_key_and_no_insecure_switches(compose):
    env = compose["x-app"]["environment"]
    assert env["SECRET_KEY"] == "${SECRET_KEY:?set SECRET_KEY in .env}"
    switches = ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "BEHIND_TLS_PROXY")
    for name in (*switches, "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD"):
        assert env[name] == f"${{{name}:-true}}", name
    assert env["SECURE_HSTS_SECONDS"] == "${SECURE_HSTS_SECONDS:-31536000}"
    assert env["API_DOCS_PUBLIC"] == "${API_DOCS_PUBLIC:-false}"
    assert "SECURE_COOKIES" not in env  # its old default, false, turned secure cookies off


# --- the API schema and docs ---------------------------------------------------------------------


def test_the_api_schema_and_docs_require_login_in_production(client, world, settings):
    settings.API_DOCS_PUBLIC = False
    assert client.get("/api/v1/schema/?format=json").status_code == 401
    response = client.get("/api/v1/docs/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")

    client.force_login(world.member_a.user)
    assert client.get("/api/v1/schema/?format=json").status_code == 200
    assert client.get("/api/v1/docs/").status_code == 200


def test_the_api_schema_is_public_on_the_embedded_default(client, db, settings):
    settings.API_DOCS_PUBLIC = True
    assert client.get("/api/v1/schema/?format=json").status_code == 200
    assert client.get("/api/v1/docs/").status_code == 200


# --- seeding the demo ----------------------------------------------------------------------------


@pytest.fixture
def seeding(monkeypatch) -> list[str]:
    """``seed_demo``'s writing replaced by a record of it (the demo itself is tested in tests/accounts)."""
    from accounts.management.commands import seed_demo

    seeded: list[str] = []
    monkeypatch.setattr(seed_demo, "demo_seed", lambda: seeded.append("demo") or "seeded")
    monkeypatch.setattr(seed_demo, "demo_logins_present", lambda: [])
    return seeded


def test_seed_demo_writes_no_demo_logins_into_a_production_database(db, settings, seeding):
    from io import StringIO

    from django.core.management import call_command

    settings.SEED_DEMO_ALLOWED = False  # what DATABASE_URL without JIFEN_SEED_DEMO=1 gives
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert seeding == []
    assert "未写入演示数据" in out.getvalue() and "--allow-production" in out.getvalue()


def test_seed_demo_seeds_a_production_database_only_when_explicitly_allowed(db, settings, seeding):
    from io import StringIO

    from django.core.management import call_command

    settings.SEED_DEMO_ALLOWED = False
    out = StringIO()
    call_command("seed_demo", "--allow-production", stdout=out)
    assert seeding == ["demo"] and "已写入演示数据。" in out.getvalue()


def test_seed_demo_seeds_the_embedded_database(db, settings, seeding):
    from io import StringIO

    from django.core.management import call_command

    settings.SEED_DEMO_ALLOWED = True  # DATABASE_URL unset (or JIFEN_SEED_DEMO=1)
    call_command("seed_demo", stdout=StringIO())
    assert seeding == ["demo"]


# --- the embedded scheduler ----------------------------------------------------------------------


class FakeClock:
    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, **delta):
        from datetime import timedelta

        self.now += timedelta(**delta)


def test_the_embedded_scheduler_runs_a_due_job_once_and_a_job_not_yet_due_not_at_all(tmp_path):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from celery.schedules import crontab

    from config.celery import app
    from config.scheduler import EmbeddedScheduler

    clock = FakeClock(datetime(2026, 3, 2, 0, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai")))
    ran: list[str] = []
    beat = {
        "every-minute": {"task": "minute", "schedule": timedelta(minutes=1)},
        "daily-at-1-10": {"task": "daily", "schedule": crontab(hour=1, minute=10)},
    }
    scheduler = EmbeddedScheduler(beat, app=app, clock=clock, run=ran.append, state_path=tmp_path / "s.json")

    assert scheduler.tick() <= 60 and ran == []  # just started: nothing is due yet
    clock.advance(seconds=61)
    scheduler.tick()
    scheduler.tick()
    assert ran == ["minute"]  # due once, run once
    clock.advance(hours=1, minutes=10)  # past 01:10
    scheduler.tick()
    assert ran == ["minute", "minute", "daily"]

    # a restart remembers: the daily job already ran today and is not run again
    restarted = EmbeddedScheduler(beat, app=app, clock=clock, run=ran.append, state_path=tmp_path / "s.json")
    restarted.tick()
    assert ran == ["minute", "minute", "daily"]
    clock.advance(days=1)  # the machine was off over the next 01:10: run once at start
    restarted.tick()
    restarted.tick()
    assert ran.count("daily") == 2


def test_a_failing_scheduled_job_does_not_stop_the_others(tmp_path):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from config.celery import app
    from config.scheduler import EmbeddedScheduler

    clock = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    ran: list[str] = []

    def run(task: str) -> None:
        if task == "broken":
            raise RuntimeError("boom")
        ran.append(task)

    beat = {name: {"task": name, "schedule": timedelta(minutes=5)} for name in ("broken", "fine")}
    scheduler = EmbeddedScheduler(beat, app=app, clock=clock, run=run)
    clock.advance(minutes=5)
    scheduler.tick()
    assert ran == ["fine"]


def test_the_embedded_scheduler_runs_the_real_beat_jobs_in_process(tmp_path, db, settings):
    from datetime import timedelta

    from config.celery import app
    from config.scheduler import EmbeddedScheduler

    app.loader.import_default_modules()
    clock = FakeClock(app.now())
    scheduler = EmbeddedScheduler(settings.CELERY_BEAT_SCHEDULE, app=app, clock=clock)
    assert {job.task for job in scheduler.jobs} >= {
        "workflows.tasks.fire_workflow_timers",  # 公示 windows close
        "workflows.tasks.notifications_flush",
        "accounts.tasks.roles_sync_all",
    }
    clock.advance(days=40)
    scheduler.tick()  # every job due and run for real: none raises on an empty database
    assert all(job.last_run_at == clock.now for job in scheduler.jobs)
    assert all(timedelta(0) == clock.now - job.last_run_at for job in scheduler.jobs)


def test_the_scheduler_command_leaves_the_jobs_to_celery_beat_when_a_broker_is_configured(tmp_path):
    done = subprocess.run(
        [sys.executable, "manage.py", "run_scheduler"],
        cwd=ROOT,
        env=_environment(tmp_path, CELERY_BROKER_URL="redis://127.0.0.1:1/0"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "celery beat" in done.stdout


def test_scripts_run_starts_the_scheduler_beside_gunicorn_and_stops_it_with_it():
    script = (ROOT / "scripts/run").read_text()
    scheduler = script.index("manage.py run_scheduler &")
    gunicorn = script.index('"$JIFEN_VENV/bin/gunicorn" config.wsgi:application')
    assert scheduler < gunicorn
    assert (
        "trap stop_all EXIT" in script
        and 'kill -TERM ${gunicorn_pid:+"$gunicorn_pid"} "$scheduler_pid"' in script
    )
    assert (
        "exec " not in script.split("manage.py run_scheduler")[1]
    )  # no exec: the trap must outlive gunicorn


# --- Redis down ----------------------------------------------------------------------------------

REDIS_CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": REDIS_CLOSED,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    from config import cache

    cache._down_until.clear()
    yield
    cache._down_until.clear()


def test_pages_and_the_api_answer_while_redis_is_down(client, world, redis_down, settings):
    from rest_framework.test import APIClient

    started = time.monotonic()
    client.force_login(world.member_a.user)
    assert client.get("/").status_code in (200, 302)
    assert client.get("/accounts/login/").status_code in (200, 302)
    api = APIClient()
    api.force_authenticate(world.member_a.user)
    assert api.get("/api/v1/me/").status_code == 200  # the throttles count in a local cache meanwhile
    assert time.monotonic() - started < 10


def test_the_cache_answers_from_local_memory_while_redis_is_down(redis_down):
    from django.core.cache import cache

    assert cache.get("k") is None
    cache.set("k", "党员积分")
    assert cache.get("k") == "党员积分"
    assert cache.add("n", 1) and cache.incr("n") == 2  # what the API throttles and axes need


def test_with_redis_down_a_task_send_fails_at_once_and_is_left_for_the_outbox(tmp_path):
    """The real settings, the real Celery app, a broker on a closed port: a page that queues an e-mail
    must not hang on reconnecting (it did for ~20 s, to the result backend) and must not raise."""
    code = """
import json, time, django
django.setup()
from workflows.notifications import notification_enqueue
started = time.monotonic()
queued = notification_enqueue(1)
print(json.dumps({"queued": queued, "seconds": time.monotonic() - started}))
"""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_environment(tmp_path, REDIS_URL=REDIS_CLOSED),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["queued"] is False  # notifications_flush sends it once the broker is back
    assert outcome["seconds"] < 5
