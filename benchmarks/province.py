"""A province on PostgreSQL: 7 M members in 330,000 branches, 10 M workflow tasks (issue 12).

Creates the database (``--drop`` refills it), runs ``migrate``, loads the 通用 preset as the province's rule
set (every branch inherits it), then writes the rest server-side — ``INSERT … SELECT generate_series``, two
tables at a time — with the bulk tables' secondary indexes and unique constraints dropped during the load
and rebuilt after, then ``VACUUM ANALYZE``.

Shape at ``--scale 1`` (every count scales; minimums keep every kind present):
- 1 province (省委) → 100 committees (市/县委) → 3,300 general branches (党总支) → 330,000 branches (党支部);
- 7,000,000 members, each a user (one password for all) with a 组织关系 spell; every branch has a secretary,
  a clerk (组织委员) and two committee members, every committee and general branch an officer with the
  上级党委 role, the province too — role assignments with the guardian rows the app grants for them;
- the cycle's quarters 1–3 approved (期间审定, 公示, 审定, 备案, frozen scores for every member), 5 % of the
  branches' last one still waiting for 备案 with the province;
- claims with their viewflow processes and tasks: 10,000,000 tasks, about 1 % open (待登记, 待审核, 待备案,
  some taken into a committee member's 待办); ledger entries for the approved claims and 台账导入 entries;
- a *large branch* of 300 members whose committee members have hundreds of tasks waiting.

Generated ledger entries carry placeholder hashes (see ``benchmarks/_province/sql.py``): ``verify_ledger``
does not pass on generated data. No audit records, notifications or evidence files are generated.

Run:  .venv/bin/python benchmarks/province.py [--scale 1] [--database jifen_province] [--drop] [--check]
The busiest users' logins are printed and written to ``benchmarks/out/<database>-personas.json``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._province import sql  # noqa: E402
from benchmarks._province.shape import Shape, plan  # noqa: E402

PASSWORD = "Jifen@2026"
PRESET = "tongyong"
OUT = ROOT / "benchmarks" / "out"
_print_lock = threading.Lock()


def say(text: str) -> None:
    with _print_lock:
        print(f"[{datetime.datetime.now(datetime.UTC):%H:%M:%S}] {text}", flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--database", default="jifen_province")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--drop", action="store_true", help="drop the database first if it exists")
    parser.add_argument("--check", action="store_true", help="check the result through the app's selectors")
    parser.add_argument(
        "--check-only",
        action="store_true",
        help="only check an existing database (its personas JSON is updated)",
    )
    parser.add_argument("--periods", type=int, default=3, help="approved quarters (1–3)")
    parser.add_argument("--entries-per-member", type=int, default=2, help="台账导入 entries per member")
    parser.add_argument("--no-previous", action="store_true", help="skip viewflow_task_previous")
    parser.add_argument("--no-vacuum", action="store_true", help="ANALYZE only, no VACUUM")
    parser.add_argument("--workers", type=int, default=2, help="tables written at the same time")
    parser.add_argument("--personas", type=Path, help="where to write the personas JSON")
    parser.add_argument(
        "--template", help="create the database as a copy of this migrated one (tests: saves the migrate)"
    )
    return parser.parse_args(argv)


def database_url(server: str, name: str) -> str:
    return urlunsplit(urlsplit(server)._replace(path=f"/{name}"))


def create_database(server: str, name: str, drop: bool, template: str | None = None) -> None:
    with psycopg.connect(database_url(server, "postgres"), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not drop:
            raise SystemExit(f"database {name} exists: pass --drop to refill it")
        if exists:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        if template:
            try:
                admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                return
            except psycopg.errors.ObjectInUse:  # another session on the template: migrate from scratch
                say(f"template {template} is in use: creating {name} empty")
        admin.execute(f'CREATE DATABASE "{name}"')


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(database_url(server, "postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    # DATABASE_URL set means production settings, which refuse a key under 50 characters.
    os.environ.setdefault(
        "SECRET_KEY", "benchmark-only-not-a-secret-" + "0123456789abcdefghijklmnopqrstuvwxyz"
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def bulk_connection(url: str) -> psycopg.Connection:
    """A loader's session: foreign-key and user triggers off (``replica``), no waiting for the disk."""
    conn = psycopg.connect(url, autocommit=True)
    conn.execute("SET session_replication_role = replica")
    conn.execute("SET synchronous_commit = off")
    conn.execute("SET maintenance_work_mem = '1GB'")
    conn.execute("SET work_mem = '256MB'")
    # No parallel workers: two sessions already fill two cores, and the CPU accounting sees the session only.
    conn.execute("SET max_parallel_maintenance_workers = 0")
    conn.execute("SET TIME ZONE 'Asia/Shanghai'")
    return conn


# ---------------------------------------------------------------- the organization tree (COPY)


def build_tree(conn: psycopg.Connection, shape: Shape) -> int:
    """Province → committees → general branches → branches, with treebeard's paths, by COPY."""
    from accounts.models import Organization

    path_of = Organization._get_path
    rows: list[tuple] = []
    root = path_of(None, 1, 1)
    rows.append((1, root, 1, shape.committees, "P", "某省委", "committee"))
    generals_of = [0] * shape.committees
    branches_of = [0] * shape.general_branches
    for g in range(shape.general_branches):
        generals_of[shape.committee_of(g)] += 1
    for b in range(shape.branches):
        branches_of[shape.general_of(b)] += 1
    committee_paths, general_paths = [], []
    for c in range(shape.committees):
        path = path_of(root, 2, c + 1)
        committee_paths.append(path)
        rows.append((2 + c, path, 2, generals_of[c], f"P-C{c + 1:03d}", f"第{c + 1}市委", "committee"))
    child = [0] * shape.committees
    for g in range(shape.general_branches):
        c = shape.committee_of(g)
        child[c] += 1
        path = path_of(committee_paths[c], 3, child[c])
        general_paths.append(path)
        rows.append(
            (shape.first_general_id + g, path, 3, branches_of[g], f"P-C{c + 1:03d}-G{child[c]:03d}",
             f"第{c + 1}-{child[c]}党总支", "general_branch")
        )  # fmt: skip
    child = [0] * shape.general_branches
    for b in range(shape.branches):
        g = shape.general_of(b)
        child[g] += 1
        gcode = rows[1 + shape.committees + g][4]
        name = "第一党支部（大支部）" if b == 0 else f"第{child[g]}党支部"
        rows.append(
            (shape.first_branch_id + b, path_of(general_paths[g], 4, child[g]), 4, 0,
             f"{gcode}-B{child[g]:03d}", name, "branch")
        )  # fmt: skip
    with conn.cursor() as cursor:
        copy_sql = "COPY accounts_organization (id, path, depth, numchild, code, name, kind) FROM STDIN"
        with cursor.copy(copy_sql) as copy:
            for row in rows:
                copy.write_row(row)
    return len(rows)


# ---------------------------------------------------------------- index handling


def indexes_drop(conn: psycopg.Connection) -> list[tuple[str, str, str, str, int]]:
    """Drop the bulk tables' unique constraints and secondary indexes; return how to rebuild them."""
    tables = list(sql.BULK_TABLES)
    found = conn.execute(sql.INDEX_DEFINITIONS, [tables, tables]).fetchall()
    kept = []
    for table, kind, name, definition, size in found:
        try:
            if kind == "constraint":
                conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            else:
                conn.execute(f'DROP INDEX "{name}"')
            kept.append((table, kind, name, definition, size))
        except psycopg.errors.DependentObjectsStillExist:
            say(f"  kept {name} (another object depends on it)")
    return kept


def backend_cpu_seconds(conn: psycopg.Connection) -> float | None:
    """CPU time the session's PostgreSQL backend has used so far (server on this machine; else None).

    On a shared machine the wall time says how long it took today; the CPU time says what it costs."""
    try:
        fields = Path(f"/proc/{conn.info.backend_pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


CPU_SECONDS: dict[str, float] = {}


def run_parallel(
    url: str, workers: int, work: list[tuple[str, list[str]]], *, quiet_below: float = 0.0
) -> dict[str, float]:
    """Run each (label, statements) on one of ``workers`` sessions; the time each took (the database's
    CPU time for it goes to ``CPU_SECONDS``)."""
    timings: dict[str, float] = {}
    local = threading.local()
    connections: list[psycopg.Connection] = []

    def run(label: str, statements: list[str]) -> None:
        if not hasattr(local, "conn"):
            local.conn = bulk_connection(url)
            connections.append(local.conn)
        start, cpu_start = time.perf_counter(), backend_cpu_seconds(local.conn)
        for statement in statements:
            local.conn.execute(statement)
        timings[label] = time.perf_counter() - start
        cpu_end = backend_cpu_seconds(local.conn)
        cpu = ""
        if cpu_start is not None and cpu_end is not None:
            CPU_SECONDS[label] = cpu_end - cpu_start
            cpu = f" (database CPU {CPU_SECONDS[label]:.1f} s)"
        if timings[label] >= quiet_below:
            say(f"  {label}: {timings[label]:.1f} s{cpu}")

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for future in [pool.submit(run, label, statements) for label, statements in work]:
                future.result()
    finally:
        for conn in connections:
            conn.close()
    return timings


# ---------------------------------------------------------------- the run


def preset_items() -> sql.Items:
    import yaml

    from scoring.core.presets import preset_path

    data = yaml.safe_load(preset_path(PRESET).read_text(encoding="utf-8"))
    member, branch = [], []
    for item in data["items"]:
        points = item.get("points")
        if isinstance(points, int | float) and points > 0:
            (member if item.get("source") == "member" else branch).append((item["code"], str(points)))
    return sql.Items(member=member[:6], branch=branch[:6])


def generate(args: argparse.Namespace, url: str, shape: Shape) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import Organization
    from accounts.roles import ROLE_PERMISSIONS
    from scoring.models import RuleSet

    timings: dict[str, float] = {}
    total_start = time.perf_counter()

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    timings["migrate"] = time.perf_counter() - start
    say(f"migrate: {timings['migrate']:.1f} s")

    conn = bulk_connection(url)
    start = time.perf_counter()
    organizations = build_tree(conn, shape)
    timings["organizations (COPY)"] = time.perf_counter() - start
    say(f"organizations: {organizations:,} rows (COPY) in {timings['organizations (COPY)']:.1f} s")

    start = time.perf_counter()
    call_command("load_presets", organization="P", cycle=shape.cycle, in_force=PRESET, verbosity=0)
    ruleset = RuleSet.objects.get(organization__code="P", cycle=shape.cycle, code=PRESET)
    version_id = ruleset.current_version.pk
    timings["rule sets (load_presets)"] = time.perf_counter() - start
    say(f"rule sets: {PRESET} in force at the province, version {version_id}")

    password_hash = make_password(PASSWORD)
    org_ct = ContentType.objects.get_for_model(Organization).pk
    connection.close()

    start = time.perf_counter()
    for statement in sql.helpers(shape, preset_items()):
        conn.execute(statement)
    perm_ids = dict(
        conn.execute(
            "SELECT codename, id FROM auth_permission WHERE content_type_id = %s", [org_ct]
        ).fetchall()
    )
    with conn.cursor() as cursor, cursor.copy("COPY gen.role_perm (role, permission_id) FROM STDIN") as copy:
        for role, codenames in ROLE_PERMISSIONS.items():
            for codename in sorted(codenames):
                copy.write_row((str(role), perm_ids[codename]))
    for statement in sql.staging(shape):
        conn.execute(statement)
    timings["staging (gen.claim, gen.proc)"] = time.perf_counter() - start
    say(f"staging: {timings['staging (gen.claim, gen.proc)']:.1f} s")

    start = time.perf_counter()
    rebuild = indexes_drop(conn)
    say(f"dropped {len(rebuild)} secondary indexes and unique constraints for the load")

    jobs = sql.jobs(
        shape,
        password_hash=password_hash,
        version_id=version_id,
        org_ct=org_ct,
        previous=not args.no_previous,
    )
    say(f"loading {len(jobs)} tables, {args.workers} at a time …")
    load_start = time.perf_counter()
    timings.update(run_parallel(url, args.workers, [(job.name, list(job.statements)) for job in jobs]))
    timings["load (all tables)"] = time.perf_counter() - load_start
    load_cpu = sum(CPU_SECONDS.get(job.name, 0.0) for job in jobs)
    timings["load (database CPU)"] = load_cpu
    say(f"loaded in {timings['load (all tables)']:.0f} s (database CPU {load_cpu:.0f} s)")

    say(f"rebuilding {len(rebuild)} indexes and constraints …")
    index_start = time.perf_counter()
    # Largest tables first, so the two sessions finish together.
    sizes = {t: n for t, n in conn.execute(
        "SELECT relname, pg_relation_size(oid) FROM pg_class WHERE relname = ANY(%s)", [list(sql.BULK_TABLES)]
    ).fetchall()}  # fmt: skip
    rebuild.sort(key=lambda r: -sizes.get(r[0], 0))
    index_times = run_parallel(url, args.workers, [(f"index {r[2]}", [r[3]]) for r in rebuild], quiet_below=5)
    timings["indexes (rebuild)"] = time.perf_counter() - index_start
    timings["indexes (database CPU)"] = sum(CPU_SECONDS.get(f"index {r[2]}", 0.0) for r in rebuild)
    say(
        f"indexes rebuilt in {timings['indexes (rebuild)']:.0f} s "
        f"(database CPU {timings['indexes (database CPU)']:.0f} s)"
    )
    slowest = sorted(index_times.items(), key=lambda kv: -kv[1])[:5]
    say("slowest indexes: " + ", ".join(f"{k[6:]} {v:.0f} s" for k, v in slowest))

    for table in sql.SEQUENCED_TABLES:
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"coalesce((SELECT max(id) FROM {table}), 1))"
        )
    conn.execute(
        "SELECT setval(pg_get_serial_sequence('accounts_organization', 'id'), "
        "(SELECT max(id) FROM accounts_organization))"
    )
    conn.execute("DROP SCHEMA gen CASCADE")

    start = time.perf_counter()
    command = "ANALYZE" if args.no_vacuum else "VACUUM (ANALYZE)"
    work = [(f"{command} {t}", [f"{command} {t}"]) for t in sorted(sizes, key=lambda t: -sizes[t])]
    run_parallel(url, args.workers, work, quiet_below=5)
    conn.execute("ANALYZE")  # the small tables too
    timings[command] = time.perf_counter() - start
    timings[f"{command} (database CPU)"] = sum(CPU_SECONDS.get(label, 0.0) for label, _ in work)
    timings["total"] = time.perf_counter() - total_start
    conn.close()
    return timings


# ---------------------------------------------------------------- personas and summary


def personas(shape: Shape) -> dict:
    """The busiest users of each role, as the benchmark suite logs in."""
    from django.contrib.auth import get_user_model

    from accounts.models import Organization

    User = get_user_model()

    def person(uid: int, role: str, organization_id: int, description: str) -> dict:
        user = User.objects.get(pk=uid)
        organization = Organization.objects.get(pk=organization_id)
        return {
            "username": user.username,
            "password": PASSWORD,
            "user_id": uid,
            "name": user.first_name,
            "role": role,
            "organization_id": organization.pk,
            "organization_code": organization.code,
            "organization_name": organization.name,
            "description": description,
        }

    large = shape.first_branch_id
    typical_index = shape.branches // 2
    typical = shape.first_branch_id + typical_index
    committee = shape.first_committee_id + shape.committees // 2
    general = shape.first_general_id + shape.general_of(typical_index)
    branches_in_committee = sum(
        1 for b in range(shape.branches) if shape.committee_of(shape.general_of(b)) == shape.committees // 2
    )
    return {
        "province_officer": person(
            shape.root_officer_uid, "higher", shape.root_id,
            f"省委的上级党委角色：全省 {shape.branches:,} 个支部，待备案队列",
        ),
        "committee_officer": person(
            shape.first_committee_officer_uid + shape.committees // 2, "higher", committee,
            f"市/县委的上级党委角色：{branches_in_committee:,} 个支部（全委排名）",
        ),
        "general_branch_officer": person(
            shape.first_general_officer_uid + shape.general_of(typical_index), "higher", general,
            "党总支的上级党委角色",
        ),
        "large_branch_committee_member": person(
            shape.officer_uid(0, 2), "committee", large,
            f"大支部（{shape.large_branch_members} 名党员）的支委委员："
            f"数百条待审核，{shape.counts['large_assigned']} 条待办",
        ),
        "large_branch_secretary": person(shape.officer_uid(0, 0), "secretary", large, "大支部书记"),
        "large_branch_clerk": person(shape.officer_uid(0, 1), "clerk", large, "大支部组织委员：数百条待登记"),
        "large_branch_member": person(5, "member", large, "大支部党员（有待审核、待登记和已通过的申报）"),
        "branch_committee_member": person(
            shape.officer_uid(typical_index, 2), "committee", typical, "普通支部的支委委员"
        ),
        "branch_clerk": person(shape.officer_uid(typical_index, 1), "clerk", typical, "普通支部的组织委员"),
        "branch_member": person(
            shape.officer_uid(typical_index, 3) + (shape.branches - 1), "member", typical, "普通支部党员"
        ),
    }  # fmt: skip


COUNTED = (
    "accounts_organization", "auth_user", "accounts_member", "accounts_branchmembership",
    "accounts_roleassignment", "guardian_userobjectpermission", "scoring_ruleset",
    "scoring_rulesetversion", "workflows_claim", "viewflow_process", "workflows_branchprocess",
    "viewflow_task", "viewflow_task_previous", "scoring_ledgerentry", "workflows_periodreview",
    "workflows_publicitywindow", "workflows_periodapproval", "workflows_frozenscore", "workflows_filing",
)  # fmt: skip


def summary(url: str) -> dict:
    with psycopg.connect(url) as conn:
        rows = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED}
        open_tasks = conn.execute(
            "SELECT status, count(*) FROM viewflow_task WHERE status IN ('NEW', 'ASSIGNED') GROUP BY 1"
        ).fetchall()
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    return {"rows": rows, "open_tasks": dict(open_tasks), "database_bytes": size}


def machine_load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} cores"


def check_only(args: argparse.Namespace, url: str, shape: Shape) -> dict:
    setup_django(url)
    from benchmarks._province.check import check

    path = args.personas or OUT / f"{args.database}-personas.json"
    report = json.loads(path.read_text(encoding="utf-8"))
    start = time.perf_counter()
    report["check"] = check(shape, report["personas"])
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    say(f"check passed in {time.perf_counter() - start:.0f} s: {report['check']}")
    return report


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    cycle = datetime.date.today().year
    shape = plan(args.scale, periods=args.periods, entries_per_member=args.entries_per_member, cycle=cycle)
    url = database_url(args.server, args.database)
    say(
        f"province at scale {args.scale}: {shape.committees:,} committees, "
        f"{shape.general_branches:,} general branches, {shape.branches:,} branches, "
        f"{shape.members:,} members, ~{shape.target_tasks:,} tasks, "
        f"cycle {cycle} (quarters 1–{shape.periods} approved) → {args.database}"
    )
    say(f"machine: {machine_load()}")
    if args.check_only:
        return check_only(args, url, shape)
    create_database(args.server, args.database, args.drop, args.template)
    setup_django(url)
    timings = generate(args, url, shape)
    result = summary(url)
    people = personas(shape)
    report = {
        "database": args.database,
        "database_url": url,
        "scale": args.scale,
        "cycle": cycle,
        "generated_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "password": PASSWORD,
        "personas": people,
        "shape": {
            "committees": shape.committees,
            "general_branches": shape.general_branches,
            "branches": shape.branches,
            "members": shape.members,
            "large_branch_members": shape.large_branch_members,
            "large_branch_id": shape.first_branch_id,
            "approved_quarters": shape.periods,
            "open_quarter": shape.open_quarter,
        },
        "rows": result["rows"],
        "open_tasks": result["open_tasks"],
        "database_bytes": result["database_bytes"],
        "timings_s": {k: round(v, 1) for k, v in timings.items()},
        "machine": machine_load(),
    }
    path = args.personas or OUT / f"{args.database}-personas.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    print("\nrows per table:")
    for table, count in result["rows"].items():
        print(f"  {table:<34} {count:>12,}")
    tasks = result["rows"]["viewflow_task"] or 1
    opened = sum(result["open_tasks"].values())
    print(f"  open tasks: {opened:,} ({100 * opened / tasks:.2f} %) {result['open_tasks']}")
    size = result["database_bytes"] / 2**30
    print(f"database {args.database}: {size:.2f} GiB, total {timings['total']:.0f} s")
    cpu = {k: v for k, v in timings.items() if k.endswith("(database CPU)")}
    if cpu:
        spent = sum(cpu.values())
        print(
            "database CPU: "
            + ", ".join(f"{k.split(' (')[0]} {v:.0f} s" for k, v in cpu.items())
            + f" — {spent:.0f} s in all: {spent / args.workers:.0f} s of wall time "
            f"for {args.workers} sessions with a core each"
        )
    print(f"machine: {machine_load()}")
    print("\nbusiest users (password for all: " + PASSWORD + "):")
    for key, person in people.items():
        print(
            f"  {key:<30} {person['username']:<10} {person['organization_code']:<22} {person['description']}"
        )
    print(f"personas: {path}")

    if args.check:
        from benchmarks._province.check import check

        report["check"] = check(shape, people)
        path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        say(f"check passed: {report['check']}")
    return report


if __name__ == "__main__":
    main()
