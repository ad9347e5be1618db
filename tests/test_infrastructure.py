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
from django.db import connection

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
        result = client.send_task("celery.accumulate", args=(2, 3), queue=queue)
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
    assert set(services) == {"web", "worker", "beat", "db", "redis"}
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
