"""No full phone or ID number in the audit records written before ``audit.privacy``.

Until then a roster import recorded a member's changed fields with their before and after values
(``member.update``), a changed phone number in full; the audit admin showed it to officers who may not
see members' private data. Those values are masked as new records are (``audit.privacy.masked``); the
rewritten rows are chained again (``audit.chain.rechain``), which ``verify_ledger`` then checks as any
other. Only ``member.update`` ever recorded values of private fields.
"""

from django.db import migrations

from audit.append_only import allow_update_delete, forbid_update_delete
from audit.chain import rechain
from audit.privacy import masked

# The fields the chain covers, as of 0002_chain.
CHAIN_FIELDS = ("at", "actor", "action", "organization", "target_type", "target_id", "summary", "reason", "data")


def mask_private_values(apps, schema_editor):
    AuditRecord = apps.get_model("audit", "AuditRecord")
    using = schema_editor.connection.alias
    rows = AuditRecord._base_manager.using(using).filter(action="member.update").order_by("pk")
    rewritten = []
    for record in rows.iterator(chunk_size=2000):
        data = masked(record.data)
        if data != record.data:
            record.data = data
            rewritten.append(record)
    if not rewritten:
        return  # nothing held a private value: the chains stand as they are
    AuditRecord._base_manager.using(using).bulk_update(rewritten, ["data"], batch_size=500)
    rechain(AuditRecord, "organization_id", CHAIN_FIELDS, using)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_chain")]

    operations = [
        allow_update_delete("audit_auditrecord"),
        migrations.RunPython(mask_private_values, migrations.RunPython.noop),
        forbid_update_delete("audit_auditrecord"),
    ]
