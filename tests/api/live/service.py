"""A live Jifen service for contract tests: its own database, migrated and seeded with the demo, served
by gunicorn on a free port — the way a phone app meets it, over real HTTP."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dj_database_url
import psycopg

ROOT = Path(__file__).resolve().parents[3]
SETTINGS = "tests.api.live.settings"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _database(workdir: Path) -> Iterator[str]:
    """A fresh database on the backend the suite runs on (PostgreSQL in CI, SQLite otherwise)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{workdir / 'live.sqlite3'}"
        return
    config = dj_database_url.parse(url)
    name = f"{config['NAME']}_live_{os.getpid()}"
    admin = dict(
        host=config["HOST"] or None, port=config["PORT"] or None, user=config["USER"], dbname="postgres"
    )
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the live service exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz/", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the live service did not come up")


@contextmanager
def live_service(**extra_env: str) -> Iterator[str]:
    """Yield the base URL of a seeded live service; everything is removed afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix="jifen-live-"))
    try:
        with _database(workdir) as database_url:
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": SETTINGS,
                "DATABASE_URL": database_url,
                "JIFEN_LIVE_MEDIA": str(workdir / "media"),
                "SECRET_KEY": "live-contract-tests",
                **extra_env,
            }
            env.pop("REDIS_URL", None)  # Celery runs eagerly inside the service
            manage = [sys.executable, str(ROOT / "manage.py")]
            subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True)
            subprocess.run([*manage, "seed_demo"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
            port = _free_port()
            gunicorn = [
                sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
                "--workers", "1", "--threads", "4", "--log-level", "warning",
            ]  # fmt: skip
            process = subprocess.Popen(gunicorn, env=env, cwd=ROOT)
            url = f"http://127.0.0.1:{port}"
            try:
                _wait_until_up(url, process)
                yield url
            finally:
                process.terminate()
                process.wait(timeout=30)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
