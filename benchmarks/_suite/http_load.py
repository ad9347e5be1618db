"""HTTP load: a gunicorn of the suite's own (1, then 2 worker processes × 2 threads) on the province database,
and Locust headless (``benchmarks/locustfile.py``) with concurrent clients claiming, recording, approving
and reading over the REST API. Reported per endpoint: requests/s, p50/p95/p99, failures.
"""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def people_file(personas: dict, ids: dict, out: Path, members: int = 60) -> Path:
    """Who the Locust clients sign in as: members of the large branch (no office), its clerk and committee
    member, two officers."""
    from accounts.models import Member, RoleAssignment

    large = personas["large_branch_committee_member"]
    officers_ids = RoleAssignment.objects.values_list("user_id", flat=True)
    claimers = (
        Member.objects.filter(branch_id=large["organization_id"], user__is_active=True)
        .exclude(user_id__in=officers_ids)
        .select_related("user")
        .order_by("pk")[:members]
    )
    day = ids["today"]

    data = {
        "password": personas.get("password", "Jifen@2026"),
        "members": [{"username": m.user.username, "member_id": m.pk} for m in claimers],
        "clerk": personas["large_branch_clerk"]["username"],
        "committee": large["username"],
        "officers": [
            {**personas["general_branch_officer"], "rank": True},
            {**personas["committee_officer"], "rank": False},
        ],
        "occurred_on": day.isoformat(),
        "ranking_period": f"{ids['cycle']}-H1",
    }
    path = out / f"{ids['database']}-locust-people.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2))
    return path


def server_environment(database_url: str, var_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url,
        SECRET_KEY=os.environ.get(
            "SECRET_KEY", "benchmark-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz"
        ),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        JIFEN_VAR_DIR=var_dir,
        MEDIA_ROOT=str(Path(var_dir) / "media"),
        # a broker as in production (e-mails queued after commit, never sent here); no Redis needed
        CELERY_BROKER_URL="memory://",
        LOG_LEVEL="WARNING",
        # the load is the point: throttles off
        API_THROTTLE_USER="1000000/min",
        API_THROTTLE_WRITES="1000000/min",
        API_THROTTLE_LOGIN="1000000/min",
        API_THROTTLE_ANON="1000000/min",
    )
    env.pop("REDIS_URL", None)
    return env


def start_gunicorn(env: dict[str, str], workers: int, threads: int, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn ended: {process.stderr.read().decode()[-2000:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/", timeout=5)
            return process
        except urllib.error.HTTPError:
            return process  # it answers (503 without Redis is still an answer)
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("gunicorn did not answer within 60 s")


def read_stats(prefix: str) -> list[dict[str, Any]]:
    rows = []
    with open(f"{prefix}_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            rows.append(
                {
                    "name": row["Name"] if row["Type"] else "Aggregated",
                    "method": row["Type"],
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "rps": round(float(row["Requests/s"]), 1),
                    "p50_ms": _ms(row["50%"]),
                    "p95_ms": _ms(row["95%"]),
                    "p99_ms": _ms(row["99%"]),
                }
            )
    return rows


def _ms(value: str) -> float | None:
    return None if value in ("", "N/A") else float(value)


def run_http(
    database_url: str,
    people: Path,
    *,
    workers_list: list[int],
    threads: int,
    users: int,
    seconds: int,
    log=print,
) -> list[dict[str, Any]]:
    runs = []
    for workers in workers_list:
        with tempfile.TemporaryDirectory(prefix="jifen-suite-") as var_dir:
            env = server_environment(database_url, var_dir)
            port = free_port()
            server = start_gunicorn(env, workers, threads, port)
            try:
                prefix = str(Path(var_dir) / "locust")
                locust_env = {**os.environ, "JIFEN_LOCUST_PEOPLE": str(people)}
                started = time.monotonic()
                done = subprocess.run(
                    [
                        str(VENV_BIN / "locust"),
                        "-f",
                        str(ROOT / "benchmarks" / "locustfile.py"),
                        "--headless",
                        "--users",
                        str(users),
                        "--spawn-rate",
                        str(max(users // 4, 1)),
                        "--run-time",
                        f"{seconds}s",
                        "--host",
                        f"http://127.0.0.1:{port}",
                        "--csv",
                        prefix,
                        "--only-summary",
                        "--loglevel",
                        "WARNING",
                        "--exit-code-on-error",
                        "0",
                    ],
                    cwd=ROOT,
                    env=locust_env,
                    capture_output=True,
                    text=True,
                    timeout=seconds + 120,
                )
                if done.returncode != 0:
                    raise RuntimeError(done.stderr[-2000:])
                stats = read_stats(prefix)
                failures_file = Path(f"{prefix}_failures.csv")
                failures = failures_file.read_text()[:3000] if failures_file.exists() else ""
            finally:
                server.terminate()
                try:
                    server.wait(20)
                except subprocess.TimeoutExpired:
                    server.kill()
            runs.append(
                {
                    "workers": workers,
                    "threads": threads,
                    "users": users,
                    "seconds": round(time.monotonic() - started, 1),
                    "endpoints": stats,
                    "failures": failures,
                }
            )
            total = next((r for r in stats if r["name"] == "Aggregated"), None)
            if total:
                log(
                    f"  gunicorn {workers}×{threads}: {total['rps']} req/s, p50 {total['p50_ms']} ms, "
                    f"p99 {total['p99_ms']} ms, {total['failures']} failures of {total['requests']}"
                )
    return runs
