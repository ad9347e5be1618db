# The taken (ASSIGNED) human tasks by age (issue 12).
#
# The 工作台's 超期 list reads the oldest open tasks a user chases — waiting or taken — in the secretary's
# branch or the higher committee's branches below. 0010 and 0012 index the waiting (NEW) ones; the taken
# ones had none, and PostgreSQL walked every task of the province by ``created`` (9.4 s for the province's
# officer at 9.9 M tasks). The overdue list asks for each status apart, each read in its index's order.
# (An index of both statuses by permission and age drew the queue's plan to it: PostgreSQL then read
# the heap of a 市/县委's every open task, 10 → 200 ms.)
#
# Plain SQL as in 0010: viewflow's table is a third-party app's; valid on PostgreSQL and SQLite alike.

from django.db import migrations

NAME = "jifen_task_assigned_human_age"
DEFINITION = "viewflow_task (created, id) WHERE status = 'ASSIGNED' AND flow_task_type = 'HUMAN'"


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0013_publicity_window_closes"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {NAME} ON {DEFINITION}",
            reverse_sql=f"DROP INDEX IF EXISTS {NAME}",
        ),
    ]
