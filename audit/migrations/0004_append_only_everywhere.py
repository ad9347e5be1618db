"""Append-only in the database for every append-only table.

审定记录 and 审定积分 (``PeriodApproval``, ``FrozenScore``) were append-only in the ORM only; every other
table gets its triggers again, now refusing DELETE on SQLite and TRUNCATE on PostgreSQL too — and on
SQLite a migration that rebuilt a table (``yearend_annualresult`` when it gained ``follow_up``) had
dropped them with the old table. ``tests/audit/test_tamper_evidence.py`` checks that every append-only
model's table has them, so a later rebuild is caught.
"""

from django.db import migrations

from audit.append_only import forbid_update_delete

TABLES = (
    "audit_auditrecord",
    "scoring_rulesetversion",
    "scoring_ledgerentry",
    "workflows_periodapproval",
    "workflows_frozenscore",
    "workflows_filingdocument",
    "yearend_ballot",
    "yearend_papertally",
    "yearend_evaluationproposal",
    "yearend_evaluationresult",
    "yearend_gradeproposal",
    "yearend_annualresult",
    "yearend_annualdecision",
    "yearend_carryoverfigure",
)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_mask_private_values"),
        ("scoring", "0003_chain"),
        ("workflows", "0009_ledger_corrections_and_reopening"),
        ("yearend", "0003_annual_result_follow_up"),
    ]

    operations = [forbid_update_delete(table) for table in TABLES]
