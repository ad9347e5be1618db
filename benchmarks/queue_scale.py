"""How fast are the lists a role opens daily (待认领, 待办, 已办, 积分申报 process list, API task lists) on a
province-size tree with about a million viewflow tasks — server time, queries per page, page size.

Builds (once, into a database it keeps) ~100,000 organizations (``benchmarks/org_tree.py``'s tree),
300,000 members and 350,000 claim processes with three tasks each (1 % still waiting for 审核), written
in plain SQL. Then, as a committee member of a large branch (3,000 claims), a city committee and the
province's officer, it times the pages through Django's test client and prints EXPLAIN ANALYZE of the
queue query.

Run:  .venv/bin/python benchmarks/queue_scale.py [--database jifen_scaleq] [--claims 350000] [--repeat 10]
      [--explain]
The data is built only when the database holds no task yet; drop the database to rebuild.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.org_tree import admin_connection, build_tree, setup_django  # noqa: E402

BIG_BRANCH = "P-C050-G01-B001"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--database", default="jifen_scaleq")
    parser.add_argument("--claims", type=int, default=350_000)
    parser.add_argument("--members", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--explain", action="store_true", help="print the queue's query plans")
    parser.add_argument("--personas", default="committee,city,province", help="whose pages to time")
    return parser.parse_args()


def ensure_database(server: str, name: str) -> None:
    with admin_connection(server) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def fill(claims: int, members: int) -> None:
    """Users, members, claims, processes and tasks in plain SQL (foreign keys to the rule set are not
    checked: ``session_replication_role = replica``)."""
    from django.db import connection
    from viewflow.workflow.fields import get_flow_ref, get_task_ref

    from workflows.flows import ClaimFlow, PeriodReviewFlow

    flow_ref = get_flow_ref(ClaimFlow)
    period_ref = get_flow_ref(PeriodReviewFlow)
    filing = next(
        get_task_ref(node)
        for node in PeriodReviewFlow.instance.nodes()
        if getattr(node, "_owner_permission", None) == "accounts.review_filings"
    )
    submit, record, review = (get_task_ref(n) for n in (ClaimFlow.submit, ClaimFlow.record, ClaimFlow.review))
    with connection.cursor() as c:
        c.execute("SET session_replication_role = replica")
        for table in ("viewflow_task", "workflows_branchprocess", "viewflow_process", "workflows_claim"):
            c.execute(f"DELETE FROM {table}")  # a run stopped halfway
        c.execute("DELETE FROM accounts_member WHERE user_id > 100000")
        c.execute("DELETE FROM auth_user WHERE id > 100000")
        c.execute("SELECT id FROM accounts_organization WHERE code = %s", [BIG_BRANCH])
        big = c.fetchone()[0]
        c.execute(
            "CREATE TEMP TABLE branches AS SELECT row_number() OVER (ORDER BY path) - 1 AS n, id "
            "FROM accounts_organization WHERE depth = 4"
        )
        c.execute("CREATE INDEX ON branches (n)")
        c.execute("SELECT count(*) FROM branches")
        nbranches = c.fetchone()[0]
        c.execute(
            "INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email, "
            "is_staff, is_active, date_joined) SELECT 100000 + i, '!', false, 'm' || i, '', '', '', false, "
            "true, now() FROM generate_series(1, %s) i",
            [members],
        )
        # 1 % of the members in the big branch, the rest spread over every branch.
        c.execute(
            "INSERT INTO accounts_member (id, real_name, kind, status, phone, id_number, user_id, branch_id) "
            "SELECT i, '党员' || i, 'full', 'active', '', 'ID' || i, 100000 + i, "
            "CASE WHEN i %% 100 = 0 THEN %s ELSE b.id END "
            "FROM generate_series(1, %s) i JOIN branches b ON b.n = i %% %s",
            [big, members, nbranches],
        )
        c.execute(
            "INSERT INTO workflows_claim (id, item_code, occurred_on, place, description, points_requested, "
            "source, status, cap_acknowledged, decision_reason, created_at, branch_id, created_by_id, "
            "member_id, ruleset_version_id) "
            "SELECT i, 'A' || (i %% 20) || '-' || i, DATE '2026-01-01' + (i %% 300), '', '', 2, 'member', "
            "CASE WHEN i %% 100 = 0 THEN 'recorded' ELSE 'approved' END, false, '', "
            "TIMESTAMPTZ '2026-01-01' + i * INTERVAL '40 seconds', m.branch_id, m.user_id, m.id, 1 "
            "FROM generate_series(1, %s) i JOIN accounts_member m ON m.id = 1 + (i::bigint * 7919) %% %s",
            [claims, members],
        )
        c.execute(
            "INSERT INTO viewflow_process (id, flow_class, status, created, finished, data) "
            "SELECT id, %s, CASE WHEN status = 'recorded' THEN 'NEW' ELSE 'DONE' END, created_at, "
            "CASE WHEN status = 'recorded' THEN NULL ELSE created_at + INTERVAL '3 days' END, '{}' "
            "FROM workflows_claim",
            [flow_ref],
        )
        c.execute(
            "INSERT INTO workflows_branchprocess (process_ptr_id, organization_id, claim_id) "
            "SELECT id, branch_id, id FROM workflows_claim"
        )
        for k, (node, kind, perm) in enumerate(
            [
                (submit, "HUMAN_START", None),
                (record, "HUMAN", "accounts.record_claims"),
                (review, "HUMAN", "accounts.review_claims"),
            ]
        ):
            c.execute(
                "INSERT INTO viewflow_task (id, flow_task, flow_task_type, status, created, started, "
                "finished, token, owner_permission, owner_id, process_id, data) "
                "SELECT 3 * p.id + %s, %s, %s, "
                "CASE WHEN p.finished IS NULL AND %s = 2 THEN 'NEW' ELSE 'DONE' END, "
                "p.created + %s * INTERVAL '1 day', NULL, "
                "CASE WHEN p.finished IS NULL AND %s = 2 THEN NULL "
                "ELSE p.created + (%s + 1) * INTERVAL '1 day' END, "
                "'start', %s, CASE WHEN p.finished IS NULL AND %s = 2 THEN NULL ELSE cl.created_by_id END, "
                "p.id, '{}' FROM viewflow_process p JOIN workflows_claim cl ON cl.id = p.id",
                [k, node, kind, k, k, k, k, perm, k],
            )
        # 60 of the open claims belong to the big branch, so its committee has a queue to work.
        c.execute(
            "UPDATE workflows_branchprocess SET organization_id = %s WHERE process_ptr_id IN (SELECT id FROM "
            "viewflow_process WHERE status = 'NEW' ORDER BY id LIMIT 60)",
            [big],
        )
        c.execute(
            "UPDATE workflows_claim SET branch_id = %s WHERE id IN "
            "(SELECT claim_id FROM workflows_branchprocess WHERE organization_id = %s)",
            [big, big],
        )
        # 300 periods waiting for 备案 (the higher committee's queue), one per branch of the first ones.
        c.execute(
            "INSERT INTO viewflow_process (id, flow_class, status, created, data) SELECT 2000000 + b.n, %s, "
            "'NEW', TIMESTAMPTZ '2026-06-01' + b.n * INTERVAL '1 hour', '{}' FROM branches b WHERE b.n < 300",
            [period_ref],
        )
        c.execute(
            "INSERT INTO workflows_branchprocess (process_ptr_id, organization_id) "
            "SELECT 2000000 + n, id FROM branches WHERE n < 300"
        )
        c.execute(
            "INSERT INTO viewflow_task (id, flow_task, flow_task_type, status, created, token, "
            "owner_permission, process_id, data) SELECT 3 * (2000000 + n), %s, 'HUMAN', 'NEW', "
            "TIMESTAMPTZ '2026-06-01' + n * INTERVAL '1 hour', 'start', 'accounts.review_filings', "
            "2000000 + n, '{}' FROM branches WHERE n < 300",
            [filing],
        )
        # As the flows do (``.Permission(…, obj=_organization)``): a task names the organization its
        # permission holds in — the queue matches it there (workflows.selectors.queue_for).
        c.execute(
            """UPDATE viewflow_task t
               SET owner_permission_content_type_id = (
                       SELECT id FROM django_content_type
                       WHERE app_label = 'accounts' AND model = 'organization'),
                   owner_permission_obj_pk = bp.organization_id::text
               FROM workflows_branchprocess bp
               WHERE bp.process_ptr_id = t.process_id AND t.owner_permission IS NOT NULL"""
        )
        for table in ("auth_user", "accounts_member", "workflows_claim", "viewflow_process", "viewflow_task"):
            c.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        c.execute("SET session_replication_role = DEFAULT")
        c.execute("ANALYZE")


def personas():
    """The busiest users of each role: a committee member of the big branch (a member there too), a city
    committee's officer, the province's officer."""
    import datetime

    from django.contrib.auth import get_user_model

    from accounts.models import Member, Organization, RoleAssignment
    from accounts.services import role_grant

    User = get_user_model()
    since = datetime.date(2020, 1, 1)
    big = Organization.objects.get(code=BIG_BRANCH)
    wanted = {
        "committee": (big, RoleAssignment.Role.COMMITTEE),
        "city": (Organization.objects.get(code="P-C050"), RoleAssignment.Role.HIGHER),
        "province": (Organization.objects.get(depth=1), RoleAssignment.Role.HIGHER),
    }
    users = {}
    for name, (organization, role) in wanted.items():
        user, created = User.objects.get_or_create(username=f"bench-{name}")
        if created:
            if name == "committee":
                Member.objects.create(user=user, real_name="委员", branch=big, id_number="BENCH-COMMITTEE")
            role_grant(user=user, organization=organization, role=role, valid_from=since, granted_by=None)
        users[name] = user
    return users


def ensure_rules(by) -> None:
    """The province's rules for 2026 (the erqi-2021 preset), which every generated claim points to."""
    from django.db import connection

    from accounts.models import Organization
    from scoring.core.presets import preset_path
    from scoring.models import RuleSetVersion
    from scoring.services import ruleset_create

    version = RuleSetVersion.objects.order_by("pk").first()
    if version is None:
        root = Organization.objects.get(depth=1)
        text = preset_path("erqi-2021").read_text(encoding="utf-8")
        ruleset_create(organization=root, cycle=2026, text=text, by=by, note="基准数据", in_force=True)
        version = RuleSetVersion.objects.order_by("pk").first()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE workflows_claim SET ruleset_version_id = %s, item_code = "
            "CASE WHEN id > 300000 THEN 'community-service' ELSE 'innovative-activity' END "
            "WHERE ruleset_version_id <> %s",
            [version.pk, version.pk],
        )


def timed(label: str, fn, repeat: int) -> None:
    from django.db import connection, reset_queries

    fn()  # warm the connection and caches
    samples, queries, size, status = [], 0, 0, 0
    for _ in range(repeat):
        reset_queries()
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
        queries = len(connection.queries)
        size = len(getattr(result, "content", b""))
        status = getattr(result, "status_code", 0)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    print(
        f"  {label:<48} median {statistics.median(samples):8.1f} ms  p95 {p95:8.1f} ms  "
        f"max {samples[-1]:8.1f} ms  {queries:3d} queries  {size / 1024:9.1f} KB  HTTP {status}"
    )


def run(args: argparse.Namespace) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from accounts.models import Organization
    from workflows.selectors import queue_for
    from workflows.viewsets import FLOWS

    call_command("migrate", verbosity=0)
    if not Organization.objects.exists():
        start = time.perf_counter()
        print(f"organizations: {build_tree(100, 10, 100):,} in {time.perf_counter() - start:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM viewflow_task")
        tasks = cursor.fetchone()[0]
    if not tasks:
        start = time.perf_counter()
        fill(args.claims, args.members)
        print(f"filled in {time.perf_counter() - start:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM viewflow_task), "
            "(SELECT count(*) FROM viewflow_task WHERE status = 'NEW'), "
            "(SELECT count(*) FROM accounts_organization)"
        )
        print("tasks {}, open {}, organizations {}".format(*cursor.fetchone()))
    users = personas()
    ensure_rules(users["province"])
    settings.DEBUG = True  # count queries
    pages = [
        ("待认领 queue", "/workflow/queue/"),
        ("待办 inbox", "/workflow/inbox/"),
        ("已办 archive", "/workflow/archive/"),
        ("积分申报 board", "/workflow/flows/claim/"),
        ("积分申报 process list", "/workflow/flows/claim/flows/"),
        ("积分申报 task list", "/workflow/flows/claim/tasks/"),
        ("API tasks/queue/", "/api/v1/tasks/queue/"),
        ("API tasks/ (inbox)", "/api/v1/tasks/"),
        ("API tasks/archive/", "/api/v1/tasks/archive/"),
    ]
    for name, user in users.items():
        if name not in args.personas.split(","):
            continue
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        print(f"\n{name} ({user.username}):")
        for label, url in pages:
            timed(f"{label} {url}", lambda url=url, c=client: c.get(url, secure=True), args.repeat)
    if args.explain:
        for name in ("committee", "province"):
            qs = queue_for(users[name], FLOWS).order_by("created")[:25]
            print(f"\nEXPLAIN ANALYZE — queue of {name}:\n{qs.query}\n")
            print(qs.explain(analyze=True))


def main() -> None:
    args = parse_args()
    ensure_database(args.server, args.database)
    setup_django(f"{args.server.rstrip('/')}/{args.database}")
    run(args)


if __name__ == "__main__":
    try:
        main()
    except psycopg.Error as error:
        sys.exit(f"PostgreSQL: {error}")
