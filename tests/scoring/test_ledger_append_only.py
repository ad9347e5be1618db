"""The ledger and the rule-set versions are append-only, in the ORM and in the database."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from audit.append_only import AppendOnlyError
from scoring.models import LedgerEntry, RuleSet, RuleSetVersion


@pytest.fixture
def entry(world) -> LedgerEntry:
    ruleset = RuleSet.objects.create(organization=world.committee, cycle=2026, code="plain", name="细则")
    version = RuleSetVersion.objects.create(ruleset=ruleset, number=1, source="code: plain", definition={})
    return LedgerEntry.objects.create(
        member=world.member_a,
        branch=world.branch_a,
        ruleset_version=version,
        item_code="branch-meeting",
        occurred_on=datetime.date(2026, 3, 5),
        points=Decimal("1"),
        source=LedgerEntry.Source.RECORD,
    )


def test_ledger_refuses_save_of_an_existing_entry(entry):
    entry.points = Decimal("5")
    with pytest.raises(AppendOnlyError):
        entry.save()


def test_ledger_refuses_delete_of_an_entry(entry):
    with pytest.raises(AppendOnlyError):
        entry.delete()


def test_ledger_refuses_queryset_update_and_delete(entry):
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.filter(pk=entry.pk).update(points=Decimal("5"))
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.bulk_update([entry], ["points"])


def test_ledger_refuses_updates_in_the_database(entry):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE scoring_ledgerentry SET points = 5 WHERE id = %s", [entry.pk])
    entry.refresh_from_db()
    assert entry.points == Decimal("1")


def test_ledger_refuses_deletes_in_the_database(entry):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM scoring_ledgerentry WHERE id = %s", [entry.pk])
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


def test_ruleset_versions_refuse_updates_in_the_orm_and_the_database(entry):
    version = entry.ruleset_version
    version.source = "changed"
    with pytest.raises(AppendOnlyError):
        version.save()
    with pytest.raises(AppendOnlyError):
        RuleSetVersion.objects.filter(pk=version.pk).update(source="changed")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE scoring_rulesetversion SET source = 'x' WHERE id = %s", [version.pk])


def test_ruleset_versions_refuse_deletes_in_the_database(entry):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM scoring_rulesetversion WHERE id = %s", [entry.ruleset_version_id])


def test_a_reversal_must_name_the_entry_it_reverses(entry):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            member=entry.member,
            branch=entry.branch,
            ruleset_version=entry.ruleset_version,
            item_code=entry.item_code,
            occurred_on=entry.occurred_on,
            points=-entry.points,
            source=LedgerEntry.Source.REVERSAL,
        )
