"""How fast do claims go 申报 → 登记 → 审核 through the services, and how far is that from plain SQL?

Builds a committee with branches of members (a clerk, a committee member and a secretary in each) and the
erqi-2021 rules in a throwaway PostgreSQL database, then drives claims through the entry points the pages
and the API call: ``workflows.claims.claim_submit`` (申报), then each task through the API's task kinds
(``api.tasks.kinds``: ``task_carry_out`` under the flow's lock → ``claim_record`` for 登记,
``claim_approve`` for 审核). Each worker process has its own connection and its own branches (one hash
chain per branch, as in production). The SQL queries of each step are counted (``CaptureQueriesContext``)
on a sample of claims, the first and a late one included.

The plain-SQL baseline writes the same rows per claim in psycopg, three transactions like the three steps:
the claim, its evidence row, the process and its tasks, the claim's status updates, the ledger entry and
the audit records with their hash chains (advisory lock + chain head read) and the notification.

Run:  .venv/bin/python benchmarks/steps.py [--claims 300] [--processes 1 2] [--json]
      [--server postgres://postgres@127.0.0.1:5432] [--branches 4 --members 30] [--keep]
      [--show-queries]   (print the SQL of one claim's steps)
      [--profile 200]    (where 200 claims' steps spend their Python time: cProfile, one process)
The database (jifen_steps_<pid>) is dropped at the end unless --keep is given.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STEPS = ("申报", "登记", "审核")
ITEMS = ("innovative-activity", "community-service", "adopted-proposal")
FIRST_DAY = datetime.date(2026, 1, 1)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SAMPLE_EVERY = 10  # count the queries of every n-th claim (and the first), not all: counting costs time


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--claims", type=int, default=300, help="claims per run (split over the processes)")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2], help="e.g. --processes 1 2")
    parser.add_argument("--branches", type=int, default=4)
    parser.add_argument("--members", type=int, default=30, help="members per branch")
    parser.add_argument("--warmup", type=int, default=5, help="claims per worker before timing starts")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--show-queries", action="store_true", help="print the SQL of one claim's steps")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="profile N claims in one process (cProfile) and stop",
    )
    return parser.parse_args(argv)


def admin_connection(server: str) -> psycopg.Connection:
    parts = urlsplit(server)
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)


def setup_django(database_url: str, media_root: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    # DATABASE_URL set means production settings, which refuse a key under 50 characters.
    os.environ.setdefault(
        "SECRET_KEY", "benchmark-only-not-a-secret-" + "0123456789abcdefghijklmnopqrstuvwxyz"
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["MEDIA_ROOT"] = media_root
    # A broker, as in production (e-mails are queued after commit, not sent in the step): kombu's
    # in-memory transport, so the benchmark needs no Redis and sends nothing.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


# --- Seed --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Branch:
    pk: int
    clerk: int
    committee: int
    members: tuple[int, ...]  # Member pks


def seed(branches: int, members: int) -> list[Branch]:
    from django.db import transaction

    from accounts.models import Organization, RoleAssignment
    from scoring.core.presets import preset_path
    from scoring.services import ruleset_create
    from tests.factories import UserFactory, make_member, make_organization, make_role

    Role = RoleAssignment.Role
    with transaction.atomic():
        committee = make_organization(code="C01", name="某区机关党委", kind=Organization.Kind.COMMITTEE)
        general = make_organization(
            code="C01-G1", name="第一党总支", kind=Organization.Kind.GENERAL_BRANCH, parent=committee
        )
        higher = UserFactory(username="higher")
        make_role(higher, committee, Role.HIGHER)
        ruleset_create(
            organization=committee,
            cycle=2026,
            text=preset_path("erqi-2021").read_text(encoding="utf-8"),
            by=higher,
            note="采用二七区办法",
            in_force=True,
        )
        seeded = []
        for b in range(branches):
            branch = make_organization(
                code=f"C01-G1-B{b:02d}",
                name=f"第{b + 1}党支部",
                kind=Organization.Kind.BRANCH,
                parent=general,
            )
            clerk = make_member(branch=branch, real_name=f"组织委员{b}", username=f"clerk{b}").user
            reviewer = make_member(branch=branch, real_name=f"支委{b}", username=f"committee{b}").user
            secretary = make_member(branch=branch, real_name=f"书记{b}", username=f"secretary{b}").user
            make_role(clerk, branch, Role.CLERK)
            make_role(reviewer, branch, Role.COMMITTEE)
            make_role(secretary, branch, Role.SECRETARY)
            people = [
                make_member(branch=branch, real_name=f"党员{b}-{m}", username=f"m{b}-{m}").pk
                for m in range(members)
            ]
            seeded.append(Branch(branch.pk, clerk.pk, reviewer.pk, tuple(people)))
    return seeded


def plan(branches: list[Branch], count: int, offset: int) -> list[tuple[Branch, int, str, datetime.date]]:
    """``count`` claims over the branches: (branch, member, item, day), each member's day+item unique.
    ``offset`` keeps the days of one run apart from another's."""
    claims = []
    for k in range(count):
        branch = branches[k % len(branches)]
        turn = k // len(branches)
        member = branch.members[turn % len(branch.members)]
        rank = offset + turn // len(branch.members)
        item = ITEMS[rank % len(ITEMS)]
        day = FIRST_DAY + datetime.timedelta(days=rank // len(ITEMS))
        claims.append((branch, member, item, day))
    return claims


# --- The services --------------------------------------------------------------------------------


def _photo():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("photo.png", PNG, content_type="image/png")


class Stepper:
    """One claim through the three steps, the way the pages and the API do them."""

    def __init__(self) -> None:
        from django.contrib.auth import get_user_model

        from accounts.models import Member

        self.users: dict[int, Any] = {}
        self.members: dict[int, Any] = {}
        self.User = get_user_model()
        self.Member = Member

    def user(self, pk: int):
        # A request loads its user once (the session); so does each step here.
        return self.User.objects.get(pk=pk)

    def submit(self, member_pk: int, item: str, day: datetime.date):
        from workflows.claims import claim_submit

        member = self.Member.objects.select_related("user").get(pk=member_pk)
        return claim_submit(
            member=member,
            item_code=item,
            occurred_on=day,
            evidence=[_photo()],
            cap_acknowledged=True,
            by=member.user,
        )

    @staticmethod
    def open_task(claim, node):
        from workflows.execution import open_task

        return open_task(claim.process, node)

    @staticmethod
    def act(task, user, decision: str) -> None:
        from api.tasks.kinds import Act, kind_of

        kind_of(task).perform(task, user, Act(decision))


def run_claims(todo: list[tuple[Branch, int, str, datetime.date]], *, count_every: int) -> dict[str, Any]:
    """Drive the claims; the time of each step and the queries of the sampled claims."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from workflows.flows import ClaimFlow

    stepper = Stepper()
    times: dict[str, float] = dict.fromkeys(STEPS, 0.0)
    queries: dict[str, list[int]] = {step: [] for step in STEPS}
    data_queries: dict[str, list[int]] = {step: [] for step in STEPS}
    sql: dict[str, list[str]] = {}

    def step(name: str, index: int, fn):
        counted = count_every and (index == 0 or (index + 1) % count_every == 0)
        start = time.perf_counter()
        if counted:
            with CaptureQueriesContext(connection) as captured:
                result = fn()
            queries[name].append(len(captured))
            data_queries[name].append(sum(not _control(q["sql"]) for q in captured.captured_queries))
            sql.setdefault(name, [q["sql"] for q in captured.captured_queries])
        else:
            result = fn()
        times[name] += time.perf_counter() - start
        return result

    start = time.perf_counter()
    for index, (branch, member, item, day) in enumerate(todo):
        claim = step("申报", index, lambda m=member, i=item, d=day: stepper.submit(m, i, d))
        clerk = stepper.user(branch.clerk)
        task = stepper.open_task(claim, ClaimFlow.record)
        step("登记", index, lambda task=task, clerk=clerk: stepper.act(task, clerk, "record"))
        reviewer = stepper.user(branch.committee)
        task = stepper.open_task(claim, ClaimFlow.review)
        step("审核", index, lambda task=task, reviewer=reviewer: stepper.act(task, reviewer, "approve"))
    elapsed = time.perf_counter() - start
    return {
        "claims": len(todo),
        "elapsed": elapsed,
        "times": times,
        "queries": queries,
        "data_queries": data_queries,
        "sql": sql,
    }


def profile_claims(branches: list[Branch], count: int) -> str:
    """Where a claim's steps spend their time in Python: cProfile over ``count`` claims (after 5 to warm
    up), the functions that cost most by their own time and with what they call."""
    import cProfile
    import io
    import pstats

    run_claims(plan(branches, 5, 1), count_every=0)
    profiler = cProfile.Profile()
    profiler.enable()
    run_claims(plan(branches, count, 2), count_every=0)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(60)
    return out.getvalue()


CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def _control(sql: str) -> bool:
    """Transaction control (BEGIN, SAVEPOINT, RELEASE, COMMIT): statements that touch no row."""
    return sql.lstrip().upper().startswith(CONTROL)


# --- Plain SQL ---------------------------------------------------------------------------------


class PlainSQL:
    """The same row writes as the three steps, in psycopg, one transaction per step."""

    def __init__(self, dsn: str) -> None:
        self.conn = psycopg.connect(dsn)
        with self.conn.cursor() as cur:
            cur.execute(
                "SELECT id FROM django_content_type WHERE app_label = 'workflows' AND model = 'claim'"
            )
            self.claim_type = cur.fetchone()[0]
            cur.execute("SELECT MAX(id) FROM scoring_rulesetversion")
            self.version = cur.fetchone()[0]
        self.conn.commit()

    def _audit(self, cur, org: int, actor: int, action: str, target: int, summary: str) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x4A46, org])
        cur.execute(
            "SELECT hash FROM audit_auditrecord WHERE organization_id = %s ORDER BY id DESC LIMIT 1", [org]
        )
        row = cur.fetchone()
        prev = row[0] if row else hashlib.sha256(f"audit:{org}".encode()).hexdigest()
        digest = hashlib.sha256(f"{prev}\n{action}{target}{summary}".encode()).hexdigest()
        cur.execute(
            "INSERT INTO audit_auditrecord (at, actor_id, action, organization_id, target_type_id, target_id,"
            " summary, reason, data, prev_hash, hash) VALUES (now(), %s, %s, %s, %s, %s, %s, '', %s, %s, %s)",
            [actor, action, org, self.claim_type, str(target), summary, '{"status": "x"}', prev, digest],
        )

    def claim(self, branch: Branch, member: int, member_user: int, item: str, day: datetime.date) -> None:
        conn = self.conn
        with conn.transaction(), conn.cursor() as cur:  # 申报
            cur.execute(
                "INSERT INTO workflows_claim (member_id, branch_id, ruleset_version_id, item_code,"
                " occurred_on, place, description, cap_acknowledged, source, status, created_by_id,"
                " created_at, decision_reason)"
                " VALUES (%s, %s, %s, %s, %s, '', '', true, 'member', 'submitted', %s, now(), '')"
                " RETURNING id",
                [member, branch.pk, self.version, item, day, member_user],
            )
            claim = cur.fetchone()[0]
            cur.execute(
                "INSERT INTO workflows_evidence (claim_id, file, original_name, content_type, size, sha256,"
                " uploaded_by_id, uploaded_at) VALUES (%s, %s, 'photo.png', 'image/png', 72, %s, %s, now())",
                [claim, f"evidence/{uuid.uuid4().hex}.png", "0" * 64, member_user],
            )
            self._audit(cur, branch.pk, member_user, "claim.submit", claim, "申报")
            process = self._process(cur, branch.pk, claim)
            start = self._task(cur, process, "submit", "DONE", member_user, None)
            route = self._task(cur, process, "route", "DONE", None, None, start)
            record = self._task(cur, process, "record", "NEW", None, "accounts.record_claims", route)
        with conn.transaction(), conn.cursor() as cur:  # 登记
            cur.execute("SELECT id FROM viewflow_process WHERE id = %s FOR UPDATE", [process])
            cur.execute(
                "UPDATE viewflow_task SET status = 'ASSIGNED', owner_id = %s WHERE id = %s",
                [branch.clerk, record],
            )
            cur.execute("SELECT status FROM workflows_claim WHERE id = %s FOR UPDATE", [claim])
            cur.execute("UPDATE workflows_claim SET status = 'recorded' WHERE id = %s", [claim])
            self._audit(cur, branch.pk, branch.clerk, "claim.record", claim, "登记")
            cur.execute("UPDATE viewflow_task SET status = 'DONE', finished = now() WHERE id = %s", [record])
            gate = self._task(cur, process, "recorded", "DONE", None, None, record)
            review = self._task(cur, process, "review", "NEW", None, "accounts.review_claims", gate)
        with conn.transaction(), conn.cursor() as cur:  # 审核
            cur.execute("SELECT id FROM viewflow_process WHERE id = %s FOR UPDATE", [process])
            cur.execute(
                "UPDATE viewflow_task SET status = 'ASSIGNED', owner_id = %s WHERE id = %s",
                [branch.committee, review],
            )
            cur.execute("SELECT status FROM workflows_claim WHERE id = %s FOR UPDATE", [claim])
            entry = self._ledger(cur, branch, member, item, day, claim)
            cur.execute(
                "UPDATE workflows_claim SET status = 'approved', points_approved = 2, ledger_entry_id = %s,"
                " decided_by_id = %s, decided_at = now() WHERE id = %s",
                [entry, branch.committee, claim],
            )
            self._audit(cur, branch.pk, branch.committee, "claim.approve", claim, "审核通过")
            cur.execute(
                "INSERT INTO workflows_notification (recipient_id, kind, title, body, url, created_at)"
                " VALUES (%s, 'claim_approved', '审核通过', '', '', now())",
                [member_user],
            )
            cur.execute("UPDATE viewflow_task SET status = 'DONE', finished = now() WHERE id = %s", [review])
            self._task(cur, process, "end", "DONE", None, None, review)
            cur.execute(
                "UPDATE viewflow_process SET status = 'DONE', finished = now() WHERE id = %s", [process]
            )

    def _process(self, cur, org: int, claim: int) -> int:
        cur.execute(
            "INSERT INTO viewflow_process (flow_class, status, created, data) VALUES"
            " ('workflows/flows.ClaimFlow', 'NEW', now(), '{}') RETURNING id"
        )
        process = cur.fetchone()[0]
        cur.execute(
            "INSERT INTO workflows_branchprocess (process_ptr_id, organization_id, claim_id)"
            " VALUES (%s, %s, %s)",
            [process, org, claim],
        )
        return process

    def _task(
        self, cur, process: int, node: str, status: str, owner: int | None, perm: str | None, previous=None
    ) -> int:
        cur.execute(
            "INSERT INTO viewflow_task (process_id, flow_task, flow_task_type, status, created, token,"
            " owner_id, owner_permission, owner_permission_obj_pk, data)"
            " VALUES (%s, %s, 'HUMAN', %s, now(), 'start', %s, %s, %s, '{}') RETURNING id",
            [process, f"workflows/flows.ClaimFlow.{node}", status, owner, perm, None],
        )
        task = cur.fetchone()[0]
        if previous is not None:
            cur.execute(
                "INSERT INTO viewflow_task_previous (from_task_id, to_task_id) VALUES (%s, %s)",
                [task, previous],
            )
        return task

    def _ledger(self, cur, branch: Branch, member: int, item: str, day: datetime.date, claim: int) -> int:
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x4A46, branch.pk])
        cur.execute(
            "SELECT hash FROM scoring_ledgerentry WHERE branch_id = %s ORDER BY id DESC LIMIT 1", [branch.pk]
        )
        row = cur.fetchone()
        prev = row[0] if row else hashlib.sha256(f"ledger:{branch.pk}".encode()).hexdigest()
        digest = hashlib.sha256(f"{prev}\n{member}{item}{day}".encode()).hexdigest()
        cur.execute(
            "INSERT INTO scoring_ledgerentry (member_id, branch_id, ruleset_version_id, item_code,"
            " occurred_on, points, source, created_by_id, created_at, reason, idempotency_key, prev_hash,"
            " hash)"
            " VALUES (%s, %s, %s, %s, %s, 2, 'claim', %s, now(), '', %s, %s, %s) RETURNING id",
            [member, branch.pk, self.version, item, day, branch.committee, f"plain:{claim}", prev, digest],
        )
        return cur.fetchone()[0]


def run_plain(dsn: str, todo: list[tuple[Branch, int, str, datetime.date]]) -> dict[str, Any]:
    plain = PlainSQL(dsn)
    with plain.conn.cursor() as cur:
        cur.execute("SELECT id, user_id FROM accounts_member")
        users = dict(cur.fetchall())
    plain.conn.commit()
    start = time.perf_counter()
    for branch, member, item, day in todo:
        plain.claim(branch, member, users[member], item, day)
    elapsed = time.perf_counter() - start
    plain.conn.close()
    return {"claims": len(todo), "elapsed": elapsed}


# --- Workers -------------------------------------------------------------------------------------


def _worker(kind: str, dsn: str, todo, warmup, barrier, results) -> None:
    from django.db import connections

    connections.close_all()  # the parent's connection is not ours: open our own
    if kind == "services":
        run_claims(warmup, count_every=0)
        barrier.wait()
        results.put(run_claims(todo, count_every=SAMPLE_EVERY))
    else:
        run_plain(dsn, warmup)
        barrier.wait()
        results.put(run_plain(dsn, todo))
    connections.close_all()


def run_parallel(
    kind: str, dsn: str, branches: list[Branch], count: int, processes: int, offset: int, warm: int
):
    """Each process its own branches, its own connection; the wall time is the slowest process's."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(processes)
    results = context.Queue()
    workers = []
    for p in range(processes):
        mine = branches[p::processes]
        todo = plan(mine, warm + count // processes, offset)
        proc = context.Process(target=_worker, args=(kind, dsn, todo[warm:], todo[:warm], barrier, results))
        proc.start()
        workers.append(proc)
    outcomes = [results.get() for _ in workers]
    for proc in workers:
        proc.join()
        if proc.exitcode:
            raise SystemExit(f"a {kind} worker failed (exit code {proc.exitcode})")
    return outcomes


def summarize(services: list[dict], plain: list[dict], processes: int) -> dict[str, Any]:
    claims = sum(o["claims"] for o in services)
    wall = max(o["elapsed"] for o in services)
    plain_claims = sum(o["claims"] for o in plain)
    plain_wall = max(o["elapsed"] for o in plain)
    step_ms = {step: round(1000 * sum(o["times"][step] for o in services) / claims, 2) for step in STEPS}

    def spread(kind: str) -> dict[str, dict[str, float]]:
        found = {}
        for step in STEPS:
            counts = [n for o in services for n in o[kind][step]]
            found[step] = {"min": min(counts), "max": max(counts), "median": statistics.median(counts)}
        return found

    queries, data_queries = spread("queries"), spread("data_queries")
    claims_per_s = claims / wall
    plain_per_s = plain_claims / plain_wall
    return {
        "processes": processes,
        "claims": claims,
        "seconds": round(wall, 3),
        "claims_per_s": round(claims_per_s, 2),
        # 申报, 登记 and 审核 each complete one step of a claim's process
        "step_completions_per_s": round(3 * claims_per_s, 2),
        # 登记 and 审核: the viewflow tasks done (申报 starts the process)
        "task_completions_per_s": round(2 * claims_per_s, 2),
        "step_ms": step_ms,
        "queries_per_step": queries,
        "data_queries_per_step": data_queries,
        "plain_sql": {
            "claims": plain_claims,
            "seconds": round(plain_wall, 3),
            "claims_per_s": round(plain_per_s, 2),
            "step_completions_per_s": round(3 * plain_per_s, 2),
        },
        "slower_than_plain_sql": round(plain_per_s / claims_per_s, 1),
    }


def machine() -> dict[str, Any]:
    load = os.getloadavg()
    return {
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in load],
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }


def report_text(result: dict[str, Any]) -> str:
    lines = [
        f"machine: {result['machine']['cpus']} CPUs, load {result['machine']['load_average']}, "
        f"{result['machine']['date']}",
        f"data: {result['branches']} branches × {result['members']} members, PostgreSQL {result['postgres']}",
    ]
    for run in result["runs"]:
        q, d = run["queries_per_step"], run["data_queries_per_step"]
        lines += [
            f"\n{run['processes']} process(es), {run['claims']} claims in {run['seconds']} s:",
            f"  services:  {run['claims_per_s']:8.1f} claims/s  {run['step_completions_per_s']:8.1f} step "
            f"completions/s  ({run['task_completions_per_s']:.1f} task completions/s: 登记 + 审核)",
            f"  plain SQL: {run['plain_sql']['claims_per_s']:8.1f} claims/s  "
            f"{run['plain_sql']['step_completions_per_s']:8.1f} step completions/s",
            f"  services are {run['slower_than_plain_sql']}× slower than plain SQL",
            "  per step: "
            + "  ".join(
                f"{s} {run['step_ms'][s]} ms, {q[s]['max']} queries ({d[s]['max']} w/o BEGIN/COMMIT)"
                for s in STEPS
            ),
        ]
    return "\n".join(lines)


def run(args: argparse.Namespace, dsn: str) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection, connections

    call_command("migrate", verbosity=0)
    branches = seed(args.branches, args.members)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    if args.show_queries:
        outcome = run_claims(plan(branches[:1], 1, 0), count_every=1)
        for step in STEPS:
            print(f"\n--- {step}: {len(outcome['sql'][step])} queries")
            for text in outcome["sql"][step]:
                print("  " + text[: int(os.environ.get("SHOW_QUERIES_WIDTH", "300"))])
    if args.profile:
        return {"profile": profile_claims(branches, args.profile)}
    connections.close_all()
    runs = []
    offset = 1  # the (day, item) ranks of the show-queries claim and of earlier runs stay apart
    for processes in args.processes:
        per_member = len(branches) // processes * args.members
        rank_span = (args.warmup + args.claims // processes) // per_member + 1
        services = run_parallel("services", dsn, branches, args.claims, processes, offset, args.warmup)
        offset += rank_span
        plain = run_parallel("plain", dsn, branches, args.claims, processes, offset, args.warmup)
        offset += rank_span
        runs.append(summarize(services, plain, processes))
    return {
        "benchmark": "steps",
        "machine": machine(),
        "postgres": version,
        "branches": args.branches,
        "members": args.members,
        "runs": runs,
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    name = f"jifen_steps_{os.getpid()}"
    with admin_connection(args.server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(args.server)
    dsn = urlunsplit(parts._replace(path=f"/{name}"))
    if not args.json:
        print(f"database {name} on {parts.hostname}:{parts.port or 5432}")
    media = tempfile.TemporaryDirectory(prefix="jifen-steps-")
    try:
        setup_django(dsn, media.name)
        result = run(args, dsn)
        if "profile" in result:
            print(result["profile"])
            return
        print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else report_text(result))
    finally:
        from django.db import connections

        connections.close_all()
        media.cleanup()
        if args.keep:
            print(f"\nkept database {name}", file=sys.stderr)
        else:
            with admin_connection(args.server) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
