"""Connection pooling: pgbouncer in transaction mode between Django and PostgreSQL (docker-compose.yml).

The compose file is checked for its shape (Docker is not installed here). Where pgbouncer is installed
(Debian's ``pgbouncer``) and the tests run on PostgreSQL, a real pgbouncer in transaction mode, with one
server connection for every client, shows what the settings rely on: the chain locks of ``audit.chain``
(``pg_advisory_xact_lock``) end with their transaction, so the next client sharing the server connection
is not blocked, and ``QuerySet.iterator()`` works with server-side cursors off.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
import yaml
from django.db import connections, transaction
from django.db.utils import load_backend

from accounts.models import Organization
from audit.chain import LOCK_NAMESPACE, lock_chain

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql://"))
PGBOUNCER = shutil.which("pgbouncer") or (
    "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_web_worker_and_beat_connect_through_pgbouncer_in_transaction_mode(compose):
    services = compose["services"]
    pgbouncer = services["pgbouncer"]
    assert pgbouncer["environment"]["POOL_MODE"] == "transaction"
    assert pgbouncer["environment"]["DB_HOST"] == "db"
    assert pgbouncer["depends_on"]["db"]["condition"] == "service_healthy"
    assert pgbouncer["healthcheck"]["test"]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert "@pgbouncer:5432/" in env["DATABASE_URL"], name
        assert env["DATABASE_POOLER"] == "pgbouncer", name
    assert services["web"]["depends_on"]["pgbouncer"]["condition"] == "service_healthy"


def test_migrations_go_straight_to_postgresql(compose):
    web = compose["services"]["web"]
    assert "@db:5432/" in web["environment"]["DATABASE_DIRECT_URL"]
    migrate = web["command"].split("&&")[0]
    assert "DATABASE_URL=$$DATABASE_DIRECT_URL" in migrate and "migrate --noinput" in migrate


# --- a real pgbouncer (optional) -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def pgbouncer(tmp_path, transactional_db):
    """pgbouncer in transaction mode with ONE server connection, in front of the test database."""
    if not (ON_POSTGRES and PGBOUNCER):
        pytest.skip("needs PostgreSQL and Debian's pgbouncer")
    settings = connections["default"].settings_dict
    port = _free_port()
    ini = tmp_path / "pgbouncer.ini"
    ini.write_text(
        "[databases]\n"
        f"* = host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} "
        f"user={settings['USER'] or 'postgres'}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        "auth_type = any\npool_mode = transaction\ndefault_pool_size = 1\nmax_client_conn = 10\n"
        # pgbouncer refuses to run as root: as root (a container, CI) it drops to the postgres user.
        + ("user = postgres\n" if os.geteuid() == 0 else "")
        + "ignore_startup_parameters = extra_float_digits,options\n"
    )
    process = subprocess.Popen([PGBOUNCER, str(ini)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("pgbouncer did not start")
    # A connection of its own, registered for this test only (not in DATABASES: Django's test case would
    # refuse an alias it was not told about).
    alias = "pooled"
    pooled = {**settings, "HOST": "127.0.0.1", "PORT": port, "DISABLE_SERVER_SIDE_CURSORS": True}
    connections[alias] = load_backend(settings["ENGINE"]).DatabaseWrapper(pooled, alias)
    try:
        yield {"alias": alias, "port": port, "name": settings["NAME"], "user": settings["USER"] or "postgres"}
    finally:
        connections[alias].close()
        del connections[alias]
        process.terminate()
        process.wait(timeout=10)


def _client(pool) -> psycopg.Connection:
    return psycopg.connect(
        host="127.0.0.1", port=pool["port"], dbname=pool["name"], user=pool["user"], autocommit=True
    )


def _may_take(conn: psycopg.Connection, key: int) -> bool:
    with conn.transaction():
        row = conn.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, key]).fetchone()
    return bool(row[0])


@pytest.mark.postgres
def test_a_chain_lock_ends_with_its_transaction_so_the_next_client_on_the_same_server_connection_may_take_it(
    pgbouncer,
):
    alias = pgbouncer["alias"]
    with _client(pgbouncer) as other:
        with transaction.atomic(using=alias):
            lock_chain(alias, 42)
        # Same server connection (pool size 1), next transaction: the lock is gone.
        assert _may_take(other, 42)


@pytest.mark.postgres
def test_a_session_lock_would_leak_to_the_next_client_which_is_why_the_chain_locks_are_per_transaction(
    pgbouncer,
):
    with _client(pgbouncer) as first, _client(pgbouncer) as second:
        first.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, 7])
        # The second client runs on the very server connection that holds the session lock: it "has" it too.
        held = second.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        ).fetchone()[0]
        second.execute("SELECT pg_advisory_unlock_all()")
    assert held == 1


@pytest.mark.postgres
def test_iterating_a_queryset_through_pgbouncer_works_with_server_side_cursors_off(pgbouncer, world):
    codes = [org.code for org in Organization.objects.using(pgbouncer["alias"]).order_by("code").iterator()]
    assert codes == sorted(Organization.objects.values_list("code", flat=True))


# --- Celery queues per kind of work (config/queues.py) ----------------------------------------------------


def test_the_compose_worker_serves_every_queue_the_tasks_are_routed_to(compose):
    from config.queues import QUEUES, TASK_ROUTES

    env = compose["services"]["worker"]["environment"]
    assert env["JIFEN_TASK_QUEUES"] == "true"
    command = compose["services"]["worker"]["command"]
    served = command.split("-Q ")[1].split()[0].removeprefix("${CELERY_QUEUES:-").removesuffix("}").split(",")
    assert set(served) == set(QUEUES)
    assert {route["queue"] for route in TASK_ROUTES.values()} <= set(served)


def test_pdf_exports_and_notifications_have_queues_of_their_own():
    from config.queues import TASK_ROUTES

    assert TASK_ROUTES["reports.tasks.filing_package_generate"]["queue"] == "pdf"
    assert TASK_ROUTES["reports.tasks.export_job_run"]["queue"] == "exports"
    assert TASK_ROUTES["workflows.tasks.send_notification_email"]["queue"] == "notifications"


def test_task_routing_is_off_unless_asked_for(settings):
    # The embedded service, the tests and a worker started without -Q all use the one default queue.
    assert settings.CELERY_TASK_ROUTES == {}


def test_jifen_task_queues_turns_the_routes_on(tmp_path):
    code = "import json; from django.conf import settings; print(json.dumps(settings.CELERY_TASK_ROUTES))"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings", JIFEN_VAR_DIR=str(tmp_path), JIFEN_TASK_QUEUES="true"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    routes = json.loads(out.stdout.strip().splitlines()[-1])
    assert routes["reports.tasks.export_job_run"] == {"queue": "exports"}
