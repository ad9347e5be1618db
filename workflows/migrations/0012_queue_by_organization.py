# 待认领 by the task's own organization (issue 12).
#
# Every task that carries a permission names the organization it holds in as the permission's object
# (viewflow's ``owner_permission_obj``; the flows' ``.Permission(…, obj=_organization)``). Indexing the open
# human tasks by (permission, organization, age) lets a queue read a branch's waiting tasks oldest first
# by one probe per permission and organization, instead of walking all ~45,000 open tasks of a province
# holding that permission to find the ~300 of one branch (EXPLAIN ANALYZE at 9.9 M tasks).
#
# The open human tasks by process (0010) served the queue this replaces; with it in place PostgreSQL
# preferred walking all of them to probing the new index (a 市/县委's queue: 268 ms → 10 ms without it).
# viewflow's own index on ``process_id`` still serves a process's tasks.
#
# Plain SQL as in 0010: viewflow's table is a third-party app's; valid on PostgreSQL and SQLite alike.

from django.db import migrations

NAME = "jifen_task_open_human_place"
DEFINITION = (
    "viewflow_task (owner_permission, owner_permission_obj_pk, created, id) "
    "WHERE status = 'NEW' AND flow_task_type = 'HUMAN'"
)

REPLACED = "jifen_task_open_human_process"
REPLACED_DEFINITION = "viewflow_task (process_id) WHERE status = 'NEW' AND flow_task_type = 'HUMAN'"


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0011_committee_meetings"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {NAME} ON {DEFINITION}",
            reverse_sql=f"DROP INDEX IF EXISTS {NAME}",
        ),
        migrations.RunSQL(
            sql=f"DROP INDEX IF EXISTS {REPLACED}",
            reverse_sql=f"CREATE INDEX IF NOT EXISTS {REPLACED} ON {REPLACED_DEFINITION}",
        ),
    ]
