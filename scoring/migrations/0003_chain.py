"""Tamper evidence: the ledger chained by hash per branch; stronger append-only triggers.

The existing entries are chained in id order (the triggers are dropped for that and installed again,
now refusing DELETE on SQLite and TRUNCATE on PostgreSQL too); the rule-set versions' triggers are
installed again for the same reason.
"""

from django.db import migrations, models

from audit.append_only import allow_update_delete, forbid_update_delete
from audit.chain import rechain

CHAIN_FIELDS = (
    "member", "branch", "ruleset_version", "item_code", "occurred_on", "points", "source", "reverses",
    "reason", "created_by", "created_at", "idempotency_key",
)  # fmt: skip


def chain_existing(apps, schema_editor):
    rechain(
        apps.get_model("scoring", "LedgerEntry"), "branch_id", CHAIN_FIELDS, schema_editor.connection.alias
    )


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0002_rule_proposals"),
    ]

    operations = [
        allow_update_delete("scoring_ledgerentry"),
        migrations.AddField(
            model_name="ledgerentry",
            name="prev_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="ledgerentry",
            name="prev_hash",
            field=models.CharField(editable=False, max_length=64, unique=True),
        ),
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(fields=["branch", "id"], name="ledger_chain_head"),
        ),
        forbid_update_delete("scoring_ledgerentry"),
        forbid_update_delete("scoring_rulesetversion"),
    ]
