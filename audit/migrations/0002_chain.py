"""Tamper evidence: the audit trail chained by hash per organization; stronger append-only triggers.

The existing records are chained in id order (the triggers are dropped for that and installed again,
now refusing DELETE on SQLite and TRUNCATE on PostgreSQL too). A later migration that rewrites audit
records (masking old values, say) must chain the table again (``audit.chain.rechain``).
"""

from django.db import migrations, models

from audit.append_only import allow_update_delete, forbid_update_delete
from audit.chain import rechain

CHAIN_FIELDS = ("at", "actor", "action", "organization", "target_type", "target_id", "summary", "reason", "data")


def chain_existing(apps, schema_editor):
    rechain(apps.get_model("audit", "AuditRecord"), "organization_id", CHAIN_FIELDS, schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("audit", "0001_initial"),
    ]

    operations = [
        allow_update_delete("audit_auditrecord"),
        migrations.AddField(
            model_name="auditrecord",
            name="prev_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditrecord",
            name="hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditrecord",
            name="prev_hash",
            field=models.CharField(editable=False, max_length=64, unique=True),
        ),
        migrations.AddIndex(
            model_name="auditrecord",
            index=models.Index(fields=["organization", "id"], name="audit_chain_head"),
        ),
        forbid_update_delete("audit_auditrecord"),
    ]
