"""The benchmark suite on a database made by ``benchmarks/province.py``: every list page and API list a role
opens daily, the ranking computations, the step throughput and HTTP load with concurrent clients — side by
side in one run (issue 12).

Run:  .venv/bin/python benchmarks/suite.py [--database jifen_province] [--repeat 20] [--warmup 2]
      [--parts pages rankings steps http] [--pages queue_committee …] [--timeout 300]
      [--http-users 20 --http-seconds 60 --workers 1 2] [--steps-claims 300 | --steps-json FILE]

Reads ``benchmarks/out/<database>-personas.json`` (written by the generator) for the logins, and writes the
results to ``benchmarks/out/<date>-<database>-results.md`` and ``.json`` (and the Markdown to stdout).
Pages, API lists and rankings only read the data; the HTTP load files claims of its own and records and
approves only those. ``steps`` runs ``benchmarks/steps.py --json`` (its own throwaway database).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._suite import report  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
PARTS = ("pages", "rankings", "steps", "http")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--database", default="jifen_province")
    parser.add_argument("--personas", type=Path, help="default: benchmarks/out/<database>-personas.json")
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument("--pages", nargs="+", help="only these page keys (see benchmarks/_suite/pages.py)")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per page")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=300, help="seconds for one page or ranking")
    parser.add_argument("--http-users", type=int, default=20)
    parser.add_argument("--http-seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument("--steps-claims", type=int, default=300)
    parser.add_argument(
        "--steps-json", type=Path, help="read the steps.py --json output instead of running it"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    return parser.parse_args(argv)


def database_url(server: str, database: str) -> str:
    return urlunsplit(urlsplit(server)._replace(path=f"/{database}"))


def setup_django(url: str, var_dir: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault(
        "SECRET_KEY", "benchmark-only-not-a-secret-" + "0123456789abcdefghijklmnopqrstuvwxyz"
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    # The test client speaks plain HTTP to "testserver"; production's HTTPS redirect would answer 301.
    os.environ.update(
        ALLOWED_HOSTS="testserver,localhost,127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        JIFEN_VAR_DIR=var_dir,
        CELERY_BROKER_URL="memory://",
    )
    os.environ.pop("REDIS_URL", None)
    # WhiteNoise looks for STATIC_ROOT (collectstatic's output), which the suite does not need.
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.conf import settings

    # Logins of the measured clients are signed cookies: opening pages writes no session row.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"


def data_facts(database: str, personas: dict) -> tuple[dict[str, Any], dict[str, Any]]:
    from django.db import connection
    from django.utils import timezone

    with connection.cursor() as cursor:

        def one(sql: str, params=()):
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

        committee = personas["committee_officer"]["organization_id"]
        general = personas["general_branch_officer"]["organization_id"]
        root = one("SELECT id FROM accounts_organization WHERE depth = 1 ORDER BY path LIMIT 1")
        committee_path = one("SELECT path FROM accounts_organization WHERE id = %s", [committee])
        facts = {
            "database": database,
            "scale": personas.get("scale"),
            "postgres": one("SHOW server_version"),
            "organizations": one("SELECT count(*) FROM accounts_organization"),
            "branches": one("SELECT count(*) FROM accounts_organization WHERE kind = 'branch'"),
            "members": one("SELECT count(*) FROM accounts_member"),
            "tasks": one("SELECT count(*) FROM viewflow_task"),
            "open_tasks": one("SELECT count(*) FROM viewflow_task WHERE status IN ('NEW', 'ASSIGNED')"),
            "database_mb": one("SELECT pg_database_size(current_database()) / 1048576"),
        }
        ids = {
            "database": database,
            "root": root,
            "cycle": personas.get("cycle") or timezone.localdate().year,
            "branches": facts["branches"],
            "committee_branches": one(
                "SELECT count(*) FROM accounts_organization WHERE kind = 'branch' AND path LIKE %s",
                [committee_path + "%"],
            ),
            "general_branches": one(
                "SELECT count(*) FROM accounts_organization WHERE kind = 'branch' AND path LIKE %s",
                [one("SELECT path FROM accounts_organization WHERE id = %s", [general]) + "%"],
            ),
            "today": timezone.localdate(),
        }
    return facts, ids


def machine() -> dict[str, Any]:
    return {
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_before": [round(x, 2) for x in os.getloadavg()],
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }


def run_steps(args: argparse.Namespace) -> dict[str, Any]:
    if args.steps_json:
        return json.loads(args.steps_json.read_text())
    script = ROOT / "benchmarks" / "steps.py"
    if not script.exists():
        return {"error": "benchmarks/steps.py is not in the tree"}
    command = [
        sys.executable,
        str(script),
        "--json",
        "--claims",
        str(args.steps_claims),
        "--processes",
        "1",
        "2",
    ]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        return {"error": f"steps.py failed: {done.stderr[-1500:]}"}
    try:
        return json.loads(done.stdout[done.stdout.index("{") :])
    except ValueError:
        return {"error": f"steps.py printed no JSON: {done.stdout[-500:]}"}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    personas_path = args.personas or args.out / f"{args.database}-personas.json"
    if not personas_path.exists():
        raise SystemExit(
            f"no personas file {personas_path}: run benchmarks/province.py --database {args.database}"
        )
    generated = json.loads(personas_path.read_text())
    personas = generated["personas"]
    url = database_url(args.server, args.database)
    args.out.mkdir(parents=True, exist_ok=True)
    log = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731 (stdout carries the table)

    with tempfile.TemporaryDirectory(prefix="jifen-suite-") as var_dir:
        setup_django(url, var_dir)
        result: dict[str, Any] = {"machine": machine()}
        facts, ids = data_facts(
            args.database, {**personas, "scale": generated.get("scale"), "cycle": generated.get("cycle")}
        )
        result["data"] = facts
        result["settings"] = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
        log(
            f"{args.database}: {facts['branches']:,} branches, {facts['members']:,} members, "
            f"{facts['tasks']:,} tasks"
        )
        if "pages" in args.parts:
            from benchmarks._suite.pages import run_pages

            log("pages:")
            result["pages"] = run_pages(
                personas,
                ids,
                warmup=args.warmup,
                repeat=args.repeat,
                timeout_s=args.timeout,
                only=set(args.pages) if args.pages else None,
                log=log,
            )
        if "rankings" in args.parts:
            from benchmarks._suite.rankings import run_rankings

            log("rankings:")
            result["rankings"] = run_rankings(personas, ids, timeout_s=args.timeout, log=log)
        if "steps" in args.parts:
            log("steps (benchmarks/steps.py --json) …")
            result["steps"] = run_steps(args)
        if "http" in args.parts:
            from benchmarks._suite.http_load import people_file, run_http

            log("HTTP load:")
            people = people_file({**personas, "password": generated.get("password")}, ids, args.out)
            try:
                result["http"] = run_http(
                    url,
                    people,
                    workers_list=args.workers,
                    threads=args.threads,
                    users=args.http_users,
                    seconds=args.http_seconds,
                    log=log,
                )
            except Exception as exc:  # the table still shows the other parts
                result["http"] = [{"error": f"{type(exc).__name__}: {exc}"}]
        result["machine"]["load_after"] = [round(x, 2) for x in os.getloadavg()]

    text = report.markdown(result)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d-%H%M")
    (args.out / f"{stamp}-{args.database}-results.md").write_text(text)
    (args.out / f"{stamp}-{args.database}-results.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2, default=str)
    )
    print(text)
    return result


if __name__ == "__main__":
    main()
