"""The province generator (``benchmarks/province.py``) at a tiny scale, so that it keeps working.

It runs as its own process (its Django points at the generated database) into a throwaway database made
from the migrated test database, checks itself through the app's selectors (``--check``: ``queue_for``,
``inbox_of``, ``organizations_where``, ``rules_on``), and the test reads the result back with SQL.
PostgreSQL only: the generator writes with PostgreSQL's own SQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.db import connection, connections

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql://"))
SCALE = 0.0005

pytestmark = [
    pytest.mark.postgres,
    # Marked so that pytest-django creates the migrated test database, the generator's template.
    pytest.mark.django_db,
    pytest.mark.skipif(not ON_POSTGRES, reason="the generator writes with PostgreSQL's SQL"),
]


def _server_url(name: str) -> str:
    return urlunsplit(urlsplit(DATABASE_URL)._replace(path=f"/{name}"))


@pytest.fixture(scope="module")
def province(django_db_setup, django_db_blocker, tmp_path_factory):
    """The generator's report (its personas, row counts and self-check) and a connection to its database."""
    with django_db_blocker.unblock():
        template = connection.settings_dict["NAME"]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM accounts_organization UNION ALL SELECT 1 FROM auth_user)"
            )
            empty = not cursor.fetchone()[0]
        connections.close_all()  # a template database must have no other session
    name = f"{template}_province"
    personas = tmp_path_factory.mktemp("province") / "personas.json"
    server = _server_url("postgres")
    command = [
        sys.executable, str(ROOT / "benchmarks" / "province.py"),
        "--server", server, "--database", name, "--drop",
        "--scale", str(SCALE), "--check", "--personas", str(personas),
    ]  # fmt: skip
    if empty:  # the migrated test database saves the generator its own migrate
        command += ["--template", template]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    try:
        run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        report = json.loads(personas.read_text(encoding="utf-8"))
        with psycopg.connect(_server_url(name)) as conn:
            yield report, conn
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _one(conn, query: str, *params):
    return conn.execute(query, params).fetchone()[0]


def test_the_tree_has_a_province_committees_general_branches_and_branches(province):
    report, conn = province
    shape = report["shape"]
    kinds = dict(conn.execute("SELECT kind, count(*) FROM accounts_organization GROUP BY kind").fetchall())
    assert kinds == {
        "committee": 1 + shape["committees"],
        "general_branch": shape["general_branches"],
        "branch": shape["branches"],
    }
    assert _one(conn, "SELECT count(*) FROM accounts_organization WHERE depth = 1") == 1
    # treebeard's bookkeeping: each node's numchild is its number of children.
    wrong = _one(
        conn,
        """SELECT count(*) FROM accounts_organization o WHERE o.numchild <> (
               SELECT count(*) FROM accounts_organization c
               WHERE c.depth = o.depth + 1 AND c.path LIKE o.path || '%%')""",
    )
    assert wrong == 0


def test_every_member_is_a_user_in_a_branch_with_one_open_membership(province):
    report, conn = province
    members = report["shape"]["members"]
    assert report["rows"]["accounts_member"] == members
    assert (
        _one(conn, "SELECT count(*) FROM accounts_member m JOIN auth_user u ON u.id = m.user_id") == members
    )
    assert (
        _one(
            conn,
            """SELECT count(*) FROM accounts_member m JOIN accounts_organization o ON o.id = m.branch_id
               JOIN accounts_branchmembership s ON s.member_id = m.id AND s.branch_id = m.branch_id
               WHERE o.kind = 'branch' AND s."end" IS NULL""",
        )
        == members
    )


def test_every_branch_has_a_secretary_a_clerk_and_two_committee_members_with_their_permissions(province):
    report, conn = province
    branches = report["shape"]["branches"]
    complete = _one(
        conn,
        """SELECT count(*) FROM (
               SELECT organization_id FROM accounts_roleassignment GROUP BY organization_id
               HAVING count(*) FILTER (WHERE role = 'secretary') = 1
                  AND count(*) FILTER (WHERE role = 'clerk') = 1
                  AND count(*) FILTER (WHERE role = 'committee') = 2) b""",
    )
    assert complete == branches
    # Branch officers are members of their own branch.
    outside = _one(
        conn,
        """SELECT count(*) FROM accounts_roleassignment r
           JOIN accounts_organization o ON o.id = r.organization_id
           LEFT JOIN accounts_member m ON m.user_id = r.user_id AND m.branch_id = r.organization_id
           WHERE o.kind = 'branch' AND m.id IS NULL""",
    )
    assert outside == 0
    # Each role's guardian rows, as accounts.services.permissions_sync grants them.
    per_role = dict(
        conn.execute(
            """SELECT r.role, count(*) / count(DISTINCT r.id) FROM accounts_roleassignment r
               JOIN guardian_userobjectpermission g ON g.user_id = r.user_id
                    AND g.object_pk = r.organization_id::text
               GROUP BY r.role"""
        ).fetchall()
    )
    assert per_role == {"secretary": 6, "committee": 5, "clerk": 7, "higher": 6}


def test_about_one_task_in_a_hundred_is_open_and_each_open_process_has_one(province):
    report, conn = province
    tasks = report["rows"]["viewflow_task"]
    open_tasks = sum(report["open_tasks"].values())
    assert 0.005 < open_tasks / tasks < 0.05  # the large branch weighs more at a tiny scale
    assert report["check"]["open_tasks"] == open_tasks
    assert (
        _one(
            conn,
            """SELECT count(*) FROM viewflow_process p WHERE p.status = 'NEW' AND (
                   SELECT count(*) FROM viewflow_task t WHERE t.process_id = p.id
                   AND t.status IN ('NEW', 'ASSIGNED')) <> 1""",
        )
        == 0
    )
    # Every process is a branch's, and every claim has its process.
    assert _one(
        conn, "SELECT count(*) FROM viewflow_process p LEFT JOIN workflows_branchprocess b "
        "ON b.process_ptr_id = p.id WHERE b.process_ptr_id IS NULL"
    ) == 0  # fmt: skip
    assert _one(
        conn, "SELECT count(*) FROM workflows_claim c LEFT JOIN workflows_branchprocess b "
        "ON b.claim_id = c.id WHERE b.process_ptr_id IS NULL"
    ) == 0  # fmt: skip


def test_approved_claims_have_their_ledger_entry_and_approved_quarters_their_frozen_scores(province):
    report, conn = province
    shape = report["shape"]
    assert (
        _one(
            conn,
            """SELECT count(*) FROM workflows_claim c
               LEFT JOIN scoring_ledgerentry e ON e.id = c.ledger_entry_id
               WHERE c.status = 'approved' AND (e.id IS NULL OR e.member_id <> c.member_id)""",
        )
        == 0
    )
    assert report["rows"]["workflows_frozenscore"] == shape["members"] * shape["approved_quarters"]
    assert report["rows"]["workflows_periodapproval"] == shape["branches"] * shape["approved_quarters"]


def test_the_busiest_users_find_their_work_through_the_apps_selectors(province):
    report, _conn = province
    found = report["check"]
    assert found["large_branch_committee_member_queue"] >= report["shape"]["large_branch_members"] - 4
    assert found["large_branch_committee_member_inbox"] > 0
    assert found["large_branch_clerk_queue"] > 0
    assert found["province_officer_queue"] > 0
    assert {"province_officer", "large_branch_committee_member", "branch_member"} <= report["personas"].keys()
    assert all(p["password"] == report["password"] for p in report["personas"].values())


def test_new_rows_written_by_the_app_continue_after_the_generated_ids(province):
    _report, conn = province
    for table in ("auth_user", "workflows_claim", "viewflow_task", "scoring_ledgerentry"):
        last = _one(conn, f"SELECT max(id) FROM {table}")
        assert (
            _one(conn, f"SELECT last_value FROM pg_sequences WHERE sequencename = '{table}_id_seq'") == last
        )
