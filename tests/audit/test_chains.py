"""The chains are written by every path that inserts, the database refuses a fork and every change to an
append-only table, and concurrent writers line up on a chain's lock (PostgreSQL)."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import DatabaseError, IntegrityError, connection, connections, transaction

from audit.append_only import AppendOnlyModel
from audit.chain import verify_chain
from audit.models import AuditRecord
from audit.services import audit_record
from scoring.models import LedgerEntry
from scoring.services import ledger_record

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's TRUNCATE and locks")
APPEND_ONLY_TABLES = sorted(
    model._meta.db_table for model in apps.get_models() if issubclass(model, AppendOnlyModel)
)


# --- the chains are written by every path ------------------------------------------------------------


def test_entries_written_one_by_one_and_in_bulk_form_one_chain_per_branch(world, rules_2026):
    for day in (5, 6):
        ledger_record(
            member=world.member_a,
            item_code="branch-meeting",
            occurred_on=datetime.date(2026, 3, day),
            source=LedgerEntry.Source.RECORD,
            by=world.clerk_a,
        )
    template = LedgerEntry.objects.filter(branch=world.branch_a).first()
    bulk = [
        LedgerEntry(
            member=member,
            branch=member.branch,
            ruleset_version=template.ruleset_version,
            item_code="branch-meeting",
            occurred_on=datetime.date(2026, 4, 1),
            points=Decimal(1),  # not "1.00": the hash is of the value as stored
            source=LedgerEntry.Source.IMPORT,
        )
        for member in (world.member_a, world.outsider, world.other_member_a)
    ]
    LedgerEntry.objects.bulk_create(bulk)
    report = verify_chain(LedgerEntry)
    assert report.breaks == []
    assert (report.rows, set(report.heads)) == (5, {world.branch_a.pk, world.branch_b.pk})
    a_rows = list(LedgerEntry.objects.filter(branch=world.branch_a).order_by("pk"))
    assert [row.prev_hash for row in a_rows[1:]] == [row.hash for row in a_rows[:-1]]


def test_a_fork_of_a_chain_is_refused_by_the_database(world):
    record = audit_record(actor=None, action="test", summary="一", organization=world.branch_a)
    twin = AuditRecord(action="test", summary="二", organization=world.branch_a)
    twin.prev_hash, twin.hash = record.prev_hash, "f" * 64
    with pytest.raises(IntegrityError), transaction.atomic():
        AppendOnlyModel.save(twin)  # inserted as is, past the chaining in ChainedModel.save


# --- the database refuses changes --------------------------------------------------------------------


@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_every_append_only_table_has_its_triggers(db, table):
    """Rebuilding a table (SQLite, for some schema changes) drops its triggers: this catches it."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [table]
            )
            expected = {f"{table}_append_only", f"{table}_append_only_truncate"}
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
            expected = {f"{table}_append_only", f"{table}_append_only_delete"}
        assert expected <= {name for (name,) in cursor.fetchall()}


def test_ledger_rows_refuse_update_and_delete_in_the_database(world, rules_2026):
    entry = ledger_record(
        member=world.member_a,
        item_code="branch-meeting",
        occurred_on=datetime.date(2026, 3, 5),
        source=LedgerEntry.Source.RECORD,
        by=world.clerk_a,
    )
    for statement in (
        "UPDATE scoring_ledgerentry SET points = 5 WHERE id = %s",
        "DELETE FROM scoring_ledgerentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [entry.pk])
    entry.refresh_from_db()
    assert entry.points == Decimal("1")
    assert verify_chain(LedgerEntry).breaks == []


@on_postgres
@pytest.mark.postgres
@pytest.mark.parametrize("table", ["audit_auditrecord", "scoring_ledgerentry", "workflows_frozenscore"])
def test_truncate_is_refused(world, table):
    audit_record(actor=None, action="test", summary="一条", organization=world.branch_a)
    with (
        pytest.raises(DatabaseError, match="TRUNCATE refused"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the record's foreign keys checked: none pending
        cursor.execute(f'TRUNCATE "{table}" CASCADE')
    assert AuditRecord.objects.exists()


# --- concurrency -------------------------------------------------------------------------------------


@on_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_records_of_one_branch_keep_one_chain(world):
    """Eight requests recording at the same moment, each holding its transaction open a while after its
    insert: the chain's lock lines them up, so none forks the chain (the database would refuse it)."""
    writers = 8
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                audit_record(actor=None, action="test", summary=f"并发 {n}", organization=world.branch_a)
                connection.cursor().execute("SELECT pg_sleep(0.05)")
        except BaseException as error:  # reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = verify_chain(AuditRecord)
    assert report.breaks == []
    assert AuditRecord.objects.filter(organization=world.branch_a, action="test").count() == writers
