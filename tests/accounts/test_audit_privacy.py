"""The audit trail keeps no member's full phone or ID number (audit.privacy): the audit admin is read
by officers who may not see them, and the trail is kept for ever."""

import datetime
import importlib

from django.apps import apps
from django.urls import reverse

from accounts.roster_services import roster_import
from audit.models import AuditRecord
from audit.privacy import masked
from audit.services import audit_record
from tests.accounts.data.rosters import csv_file, person

A = "C01-G1-A"
OLD_PHONE, NEW_PHONE = "13900000001", "13711112222"


def _import(user, rows, on):
    result = roster_import(file=csv_file(rows), uploaded_by=user, on=on)
    assert result.errors == [], [str(e) for e in result.errors]


def _phone_changed_by_roster(world):
    _import(world.clerk_a, [person(1, A, 登录名="wang01")], datetime.date(2025, 1, 1))
    _import(world.clerk_a, [person(1, A, 登录名="wang01", 手机号=NEW_PHONE)], datetime.date(2025, 6, 1))
    return AuditRecord.objects.get(action="member.update")


def test_the_audit_log_holds_no_full_phone_number(world, client):
    update = _phone_changed_by_roster(world)

    for record in AuditRecord.objects.all():
        stored = f"{record.summary} {record.reason} {record.data}"
        assert OLD_PHONE not in stored and NEW_PHONE not in stored, record.action
    assert update.data == {"before": {"phone": "139****0001"}, "after": {"phone": "137****2222"}}

    # 上级党委 reads the branch's audit records but may not see members' private data.
    client.force_login(world.higher)
    page = client.get(reverse("admin:audit_auditrecord_change", args=[update.pk]))
    assert page.status_code == 200
    assert NEW_PHONE not in page.content.decode() and OLD_PHONE not in page.content.decode()
    assert "137****2222" in page.content.decode()


def test_an_id_number_recorded_by_any_service_is_masked(world):
    record = audit_record(
        actor=None,
        action="test.private",
        summary="测试",
        data={"changes": [{"id_number": "110105198503150011", "phone": "", "kind": "正式党员"}]},
    )
    record.refresh_from_db()
    assert record.data == {"changes": [{"id_number": "110***********0011", "phone": "", "kind": "正式党员"}]}


def test_field_names_alone_are_kept_as_they_are():
    assert masked({"fields": ["phone", "id_number"]}) == {"fields": ["phone", "id_number"]}


def test_the_migration_masks_the_phone_numbers_recorded_before(world):
    """Records written before audit.privacy held the values in full; migration 0003 masks them and
    chains the trail again (the triggers are off while it runs, as in the migration)."""
    from django.db import connection

    from audit.append_only import allow_update_delete, forbid_update_delete
    from audit.chain import payload, row_hash

    update = _phone_changed_by_roster(world)
    unmasked = {"before": {"phone": OLD_PHONE}, "after": {"phone": NEW_PHONE}}
    migration = importlib.import_module("audit.migrations.0003_mask_private_values")
    editor = _StatementRunner(connection)  # the migration's operations only run statements
    allow_update_delete("audit_auditrecord").code(apps, editor)
    try:
        AuditRecord._base_manager.filter(pk=update.pk).update(data=unmasked)  # as it was written then
        migration.mask_private_values(apps, editor)
    finally:
        forbid_update_delete("audit_auditrecord").code(apps, editor)

    update.refresh_from_db()
    assert update.data == {"before": {"phone": "139****0001"}, "after": {"phone": "137****2222"}}
    # The chain holds again over the rewritten record and those after it.
    fields = AuditRecord.sealed_fields()
    for record in AuditRecord.objects.filter(organization=update.organization).order_by("pk"):
        assert record.hash == row_hash(
            record.prev_hash, payload(fields, [getattr(record, f.attname) for f in fields])
        )


class _StatementRunner:
    """Enough of a schema editor for RunPython operations that execute SQL (SQLite allows no real one
    inside a test's transaction)."""

    def __init__(self, connection):
        self.connection = connection

    def execute(self, sql, params=()):
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
