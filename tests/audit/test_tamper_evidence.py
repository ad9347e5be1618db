"""Tamper evidence: the audit trail and the ledger are hash chains, the append-only tables refuse changes
in the database itself, and ``manage.py verify_ledger`` finds what was changed behind their back — a
superuser can drop or disable the triggers, but not make the chains and the frozen scores agree again."""

import io
from contextlib import contextmanager

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from accounts.demo import MAIN_BRANCH_CODE, demo_seed
from accounts.models import Organization
from audit.chain import payload, row_hash
from audit.models import AuditRecord
from scoring.models import LedgerEntry
from workflows.models import FrozenScore


def verify() -> tuple[int, str, str]:
    """Run ``manage.py verify_ledger``: its exit code, its output and its report of breaks."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_ledger", stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@contextmanager
def triggers_off(table: str):
    """What a database superuser can do: the table's append-only triggers out of the way (PostgreSQL: the
    session as a replica, whose triggers do not fire; SQLite: the triggers dropped). The test's
    transaction is rolled back afterwards, and the triggers come back with it."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
            yield cursor
            cursor.execute("SET LOCAL session_replication_role = origin")
            return
        cursor.execute(f"SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = '{table}'")
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP TRIGGER "{name}"')
        yield cursor


@pytest.fixture(scope="module")
def _demo(django_db_setup, django_db_blocker):
    """The demo seeded once for the module, and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo_seed()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(_demo, db):
    return Organization.objects.get(code=MAIN_BRANCH_CODE)


# --- verify_ledger -------------------------------------------------------------------------------------


def test_verify_ledger_is_clean_on_the_demo(demo):
    code, out, err = verify()
    assert (code, err) == (0, "")
    assert "audit_auditrecord" in out and "scoring_ledgerentry" in out and "workflows_frozenscore" in out
    assert out.rstrip().endswith("完整性校验通过。 (clean)")


def test_a_changed_ledger_entry_breaks_the_chain(demo):
    entry = LedgerEntry.objects.filter(branch=demo).order_by("pk")[10]
    with triggers_off("scoring_ledgerentry") as cursor:
        cursor.execute("UPDATE scoring_ledgerentry SET points = points + 5 WHERE id = %s", [entry.pk])
    code, _, err = verify()
    assert code == 1
    assert f"scoring_ledgerentry #{entry.pk}：内容与其哈希不符" in err
    assert "(content does not match its hash: the row was altered)" in err


def test_a_changed_entry_given_a_new_hash_breaks_the_chain_at_the_entry_after_it(demo):
    changed, following = LedgerEntry.objects.filter(branch=demo).order_by("pk")[10:12]
    with triggers_off("scoring_ledgerentry") as cursor:
        cursor.execute("UPDATE scoring_ledgerentry SET points = points + 5 WHERE id = %s", [changed.pk])
        changed.refresh_from_db()
        fields = LedgerEntry.sealed_fields()
        rehashed = row_hash(changed.prev_hash, payload(fields, [getattr(changed, f.attname) for f in fields]))
        cursor.execute("UPDATE scoring_ledgerentry SET hash = %s WHERE id = %s", [rehashed, changed.pk])
    code, _, err = verify()
    assert code == 1
    assert f"scoring_ledgerentry #{following.pk}：与链上前一条记录的哈希接不上" in err
    assert f"#{changed.pk}：" not in err


def test_a_deleted_audit_record_is_found(demo):
    removed, following = AuditRecord.objects.filter(organization=demo).order_by("pk")[5:7]
    with triggers_off("audit_auditrecord") as cursor:
        cursor.execute("DELETE FROM audit_auditrecord WHERE id = %s", [removed.pk])
    code, _, err = verify()
    assert code == 1
    assert f"audit_auditrecord #{following.pk}：与链上前一条记录的哈希接不上" in err
    assert "a row before it was deleted or altered" in err


def test_frozen_scores_that_disagree_with_the_ledger_are_reported(demo):
    score = FrozenScore.objects.filter(approval__review__branch=demo).order_by("pk").first()
    with triggers_off("workflows_frozenscore") as cursor:
        cursor.execute(
            "UPDATE workflows_frozenscore SET period_total = period_total + 10 WHERE id = %s", [score.pk]
        )
    code, _, err = verify()
    assert code == 1
    assert f"workflows_frozenscore #{score.pk}（{score.member.real_name}，" in err
    assert "(the approved score differs from the ledger as it stood at approval)" in err


def an_entry_behind_a_frozen_score(branch: Organization) -> LedgerEntry:
    """An entry counted in an approved period's score that nothing else names (the database's own
    foreign keys would notice those)."""
    named = {
        pk
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.related_model is LedgerEntry
        for pk in model._base_manager.values_list(field.attname, flat=True)
    }
    for score in FrozenScore.objects.filter(approval__review__branch=branch).exclude(period_total=0):
        entry = (
            LedgerEntry.objects.filter(member=score.member, branch=branch)
            .exclude(pk__in=named)
            .filter(ruleset_version__ruleset__cycle=score.approval.review.cycle)
            .filter(created_at__lte=score.approval.approved_at)
            .exclude(points=0)
            .first()
        )
        if entry is not None:
            return entry
    raise AssertionError("the demo has no such entry")


def test_an_entry_of_an_approved_period_removed_shows_in_its_frozen_scores(demo):
    entry = an_entry_behind_a_frozen_score(demo)
    with triggers_off("scoring_ledgerentry") as cursor:
        cursor.execute("DELETE FROM scoring_ledgerentry WHERE id = %s", [entry.pk])
    code, _, err = verify()
    assert code == 1
    assert "workflows_frozenscore #" in err and "scoring_ledgerentry #" in err
