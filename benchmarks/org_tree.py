"""How fast is "this organization and everything below it" on a province-size tree?

Builds ~100,000 organizations (1 province → 100 committees → 10 general branches each → 100 branches
each) in a throwaway PostgreSQL database, grants roles at three levels, and times
``accounts.access.organizations_where`` and ``accounts.access.may``, then prints the query plans.

Run:  .venv/bin/python benchmarks/org_tree.py [--server postgres://postgres@127.0.0.1:5432]
      [--committees 100 --general 10 --branches 100] [--keep]
The database (jifen_bench_<pid>) is dropped at the end unless --keep is given.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--committees", type=int, default=100)
    parser.add_argument("--general", type=int, default=10, help="general branches per committee")
    parser.add_argument("--branches", type=int, default=100, help="branches per general branch")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args()


def admin_connection(server: str) -> psycopg.Connection:
    parts = urlsplit(server)
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    # DATABASE_URL set means production settings, which refuse a key under 50 characters.
    os.environ.setdefault(
        "SECRET_KEY", "benchmark-only-not-a-secret-" + "0123456789abcdefghijklmnopqrstuvwxyz"
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def build_tree(committees: int, general: int, branches: int) -> int:
    from django.db import transaction

    from accounts.models import Organization

    Kind = Organization.Kind
    path_of = Organization._get_path
    batch: list[Organization] = []
    total = 0

    def add(path: str, code: str, name: str, kind: str, numchild: int) -> None:
        nonlocal total
        depth = len(path) // Organization.steplen
        batch.append(Organization(path=path, depth=depth, numchild=numchild, code=code, name=name, kind=kind))
        total += 1
        if len(batch) >= 5000:
            Organization.objects.bulk_create(batch)
            batch.clear()

    with transaction.atomic():
        root = path_of(None, 1, 1)
        add(root, "P", "某省委", Kind.COMMITTEE, committees)
        for c in range(1, committees + 1):
            c_path = path_of(root, 2, c)
            add(c_path, f"P-C{c:03d}", f"第{c}市委", Kind.COMMITTEE, general)
            for g in range(1, general + 1):
                g_path = path_of(c_path, 3, g)
                add(g_path, f"P-C{c:03d}-G{g:02d}", f"第{c}-{g}党总支", Kind.GENERAL_BRANCH, branches)
                for b in range(1, branches + 1):
                    add(
                        path_of(g_path, 4, b), f"P-C{c:03d}-G{g:02d}-B{b:03d}", f"第{b}党支部", Kind.BRANCH, 0
                    )
        Organization.objects.bulk_create(batch)
    return total


def timed(label: str, fn: Callable[[], object], repeat: int) -> object:
    fn()  # warm the connection and the plan cache
    samples = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    print(
        f"  {label:<58} {statistics.median(samples):8.2f} ms median "
        f"({min(samples):.2f}–{max(samples):.2f} ms, n={repeat})  → {result}"
    )
    return result


def run(args: argparse.Namespace) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from accounts.access import may, organizations_where
    from accounts.models import Organization
    from accounts.services import role_grant

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrate: {time.perf_counter() - start:.1f} s")

    start = time.perf_counter()
    total = build_tree(args.committees, args.general, args.branches)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"built {total:,} organizations in {time.perf_counter() - start:.1f} s")

    User = get_user_model()
    root = Organization.objects.get(depth=1)
    committee = Organization.objects.get(code=f"P-C{args.committees // 2:03d}")
    general = Organization.objects.get(code=f"P-C{args.committees // 2:03d}-G01")
    leaf = Organization.objects.filter(depth=4).order_by("-path").first()
    leaf_in_committee = Organization.objects.filter(path__startswith=committee.path, depth=4).last()
    since = datetime.date(2020, 1, 1)
    province = User.objects.create(username="province")
    city = User.objects.create(username="city")
    clerk = User.objects.create(username="clerk")
    role_grant(user=province, organization=root, role="higher", valid_from=since, granted_by=None)
    role_grant(user=city, organization=committee, role="higher", valid_from=since, granted_by=None)
    role_grant(user=clerk, organization=leaf_in_committee, role="clerk", valid_from=since, granted_by=None)

    def count_below(user):
        return lambda: organizations_where(user, "view_members").count()

    print("\norganizations_where(user, 'view_members').count() — the organization and everything below:")
    timed("province officer (role on the root, whole tree)", count_below(province), args.repeat)
    timed(f"city officer (role on a committee, {committee.code})", count_below(city), args.repeat)
    timed("branch clerk (role on one branch)", count_below(clerk), args.repeat)
    timed(
        "city officer: list the pks below (fetch, not count)",
        lambda: len(list(organizations_where(city, "view_members").values_list("pk", flat=True))),
        args.repeat,
    )
    timed(
        "treebeard objects.get_descendant_count(committee)",
        lambda: Organization.objects.get_descendant_count(Organization.objects.get(pk=committee.pk)),
        args.repeat,
    )

    print("\nmay(user, perm, organization):")
    timed(
        "city officer on a branch of their committee (granted above)",
        lambda: may(city, "view_members", leaf_in_committee),
        args.repeat,
    )
    timed("city officer on a branch elsewhere (denied)", lambda: may(city, "view_members", leaf), args.repeat)
    timed(
        "province officer on a branch 4 levels down", lambda: may(province, "view_members", leaf), args.repeat
    )
    timed(
        "clerk on a general branch above them (denied)",
        lambda: may(clerk, "manage_members", general),
        args.repeat,
    )

    print("\nindexes on accounts_organization:")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'accounts_organization'")
        for name, definition in cursor.fetchall():
            print(f"  {name}: {definition}")

    def explain(label: str, queryset) -> None:
        print(f"\nEXPLAIN ANALYZE — {label}:\n  {queryset.query}")
        print("  " + queryset.explain(analyze=True).replace("\n", "\n  "))

    explain(
        f"city officer's organizations ({committee.code})",
        organizations_where(city, "view_members").values("pk"),
    )
    explain(
        "province officer's organizations (the whole tree)",
        organizations_where(province, "view_members").values("pk"),
    )
    step = Organization.steplen
    ancestors = [leaf.path[:n] for n in range(step, len(leaf.path) + 1, step)]
    explain("may(): ancestors of a branch", Organization.objects.filter(path__in=ancestors).values("pk"))


def main() -> None:
    args = parse_args()
    name = f"jifen_bench_{os.getpid()}"
    with admin_connection(args.server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(args.server)
    print(f"database {name} on {parts.hostname}:{parts.port or 5432}")
    try:
        setup_django(urlunsplit(parts._replace(path=f"/{name}")))
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"\nkept database {name}")
        else:
            with admin_connection(args.server) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
