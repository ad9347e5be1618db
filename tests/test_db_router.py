"""The read-replica router (config.db_router): dashboards and rankings read from the replica; writes, the
workflow and anything after a write read from the primary; without DATABASE_REPLICA_URL there is no replica.

The test settings give a ``replica`` alias mirroring the test database (TEST MIRROR), as a streaming replica
mirrors the primary; each test here installs the router, as DATABASE_REPLICA_URL does in production.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Organization
from config.db_router import ReplicaRouter, primary_reads, replica_reads
from workflows.models import Notification

ROOT = Path(__file__).resolve().parent.parent
BOTH = ["default", "replica"]


@pytest.fixture
def routed(settings):
    settings.DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]


def queries_on(alias: str) -> CaptureQueriesContext:
    return CaptureQueriesContext(connections[alias])


# --- the rule, asked of the router -----------------------------------------------------------------


def test_reads_outside_a_replica_scope_go_to_the_primary():
    assert ReplicaRouter().db_for_read(Organization) == "default"


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_reads_in_a_replica_scope_go_to_the_replica():
    with replica_reads():
        assert ReplicaRouter().db_for_read(Organization) == "replica"


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_logins_sessions_and_tokens_are_always_read_from_the_primary():
    from api.models import ApiToken

    with replica_reads():
        for model in (Session, get_user_model(), ApiToken):
            assert ReplicaRouter().db_for_read(model) == "default", model


def test_writes_always_go_to_the_primary():
    router = ReplicaRouter()
    assert router.db_for_write(Organization) == "default"
    with replica_reads():
        assert router.db_for_write(Organization) == "default"


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_after_a_write_the_scope_reads_from_the_primary():
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_read(Notification) == "replica"
        router.db_for_write(Notification)
        assert router.db_for_read(Organization) == "default"
    with replica_reads():  # a new scope starts clean
        assert router.db_for_read(Organization) == "replica"


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_inside_a_transaction_on_the_primary_reads_stay_on_the_primary():
    router = ReplicaRouter()
    with replica_reads():
        with transaction.atomic():
            assert router.db_for_read(Organization) == "default"
        assert router.db_for_read(Organization) == "replica"


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_primary_reads_leave_a_replica_scope_for_a_while():
    router = ReplicaRouter()
    with replica_reads():
        with primary_reads():
            assert router.db_for_read(Organization) == "default"
        assert router.db_for_read(Organization) == "replica"


def test_only_the_primary_is_migrated():
    router = ReplicaRouter()
    assert router.allow_migrate("default", "scoring")
    assert not router.allow_migrate("replica", "scoring")


# --- real queries: which connection runs them ---------------------------------------------------------


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_report_read_runs_on_the_replica_connection_and_sees_committed_rows(world, routed):
    with queries_on("replica") as replica, queries_on("default") as primary, replica_reads():
        count = Organization.objects.count()
    assert count == 4  # the committee, its general branch, branches A and B
    assert len(replica) == 1 and len(primary) == 0


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_the_branch_dashboard_reads_from_the_replica(client, world, routed):
    client.force_login(world.secretary_a)
    url = reverse("reports:dashboards:branch", args=[world.branch_a.pk])
    with queries_on("replica") as replica, queries_on("default") as primary:
        response = client.get(url)
    assert response.status_code == 200
    assert len(replica) > 0
    # What stays on the primary: the session and the user (a login a moment ago must be seen).
    tables = " ".join(q["sql"] for q in primary.captured_queries)
    assert "django_session" in tables
    assert "accounts_organization" not in tables


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_the_organization_ranking_over_the_api_reads_from_the_replica(client, world, routed):
    client.force_login(world.higher)
    url = f"/api/v1/scores/organizations/{world.committee.pk}/ranking/?period=2026-H1"
    with queries_on("replica") as replica:
        response = client.get(url)
    assert response.status_code in (200, 400, 409), response.content  # an empty year may not rank yet
    assert len(replica) > 0


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_the_workflow_pages_and_the_api_task_lists_read_from_the_primary_only(client, world, routed):
    client.force_login(world.committee_a)
    with queries_on("replica") as replica:
        for url in ("/api/v1/tasks/", "/api/v1/tasks/queue/", "/api/v1/claims/", "/api/v1/scores/me/"):
            assert client.get(url).status_code == 200, url
    assert len(replica) == 0


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_post_to_a_dashboard_is_not_scoped_to_the_replica(client, world, routed):
    client.force_login(world.secretary_a)
    url = reverse("reports:dashboards:branch", args=[world.branch_a.pk])
    with queries_on("replica") as replica:
        client.post(url)
    assert len(replica) == 0


# --- settings: the replica exists only with DATABASE_REPLICA_URL ----------------------------------------


def _database_settings(tmp_path, **extra: str) -> dict:
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps({'aliases': sorted(settings.DATABASES), 'routers': settings.DATABASE_ROUTERS, "
        "'replica': settings.DATABASES.get('replica', {}).get('HOST'), "
        "'mirror': settings.DATABASES.get('replica', {}).get('TEST', {}).get('MIRROR'), "
        "'cursors': [d.get('DISABLE_SERVER_SIDE_CURSORS', False) for d in settings.DATABASES.values()]}))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "SECRET_KEY"))}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", JIFEN_VAR_DIR=str(tmp_path), **extra)
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_without_a_replica_url_there_is_one_database_and_no_router(tmp_path):
    found = _database_settings(tmp_path)
    assert found["aliases"] == ["default"]
    assert found["routers"] == []


def test_a_replica_url_adds_the_replica_alias_and_the_router(tmp_path):
    found = _database_settings(
        tmp_path,
        DATABASE_URL="postgres://jifen:x@primary:5432/jifen",
        DATABASE_REPLICA_URL="postgres://jifen:x@replica:5432/jifen",
        SECRET_KEY="settings-test-only-" + "0123456789abcdefghijklmnopqrstuvwxyz",
    )
    assert found["aliases"] == ["default", "replica"]
    assert found["routers"] == ["config.db_router.ReplicaRouter"]
    assert found["replica"] == "replica"
    assert found["mirror"] == "default"
    assert found["cursors"] == [False, False]


def test_pgbouncer_turns_server_side_cursors_off_for_every_alias(tmp_path):
    found = _database_settings(
        tmp_path,
        DATABASE_URL="postgres://jifen:x@pgbouncer:6432/jifen",
        DATABASE_REPLICA_URL="postgres://jifen:x@replica:5432/jifen",
        DATABASE_POOLER="pgbouncer",
        SECRET_KEY="settings-test-only-" + "0123456789abcdefghijklmnopqrstuvwxyz",
    )
    assert found["cursors"] == [True, True]
