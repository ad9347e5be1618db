# Indexes for the queues and lists at province scale (issue 12).
#
# viewflow's task and process tables are a third-party app's, so the indexes are plain SQL here. The
# statements are valid on PostgreSQL and SQLite alike (both have partial indexes and IF NOT EXISTS).
#
# - 待认领: the open human tasks (about 1 % of all tasks) by age — the queue reads its first page in
#   index order (oldest first), and by process, so "the open tasks of these branches' processes" is a
#   probe per process into a small index;
# - 待办 / 已办: a user's tasks by status and age, and their finished tasks by finishing time;
# - process lists: a flow's processes by age (newest first) without sorting the whole flow.

from django.db import migrations

INDEXES = {
    "jifen_task_open_human_age": (
        "viewflow_task (created, id) WHERE status = 'NEW' AND flow_task_type = 'HUMAN'"
    ),
    "jifen_task_open_human_process": (
        "viewflow_task (process_id) WHERE status = 'NEW' AND flow_task_type = 'HUMAN'"
    ),
    "jifen_task_owner_status_age": "viewflow_task (owner_id, status, created)",
    "jifen_task_owner_finished": "viewflow_task (owner_id, finished) WHERE finished IS NOT NULL",
    "jifen_process_flow_age": "viewflow_process (flow_class, created, id)",
}


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0009_ledger_corrections_and_reopening"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON {definition}",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, definition in INDEXES.items()
    ]
