# The taken (ASSIGNED) human tasks by age, in place of 0014's index of all open ones (issue 12).
#
# The 工作台's 超期 list reads the oldest open tasks a user chases — waiting or taken — in the secretary's
# branch or the higher committee's branches below. 0010 and 0012 index the waiting (NEW) ones; the overdue
# list now asks for each status apart, each read in its own index's order, and the taken ones get theirs
# here. 0014's index of both statuses by permission and age drew the queue's plan to it: PostgreSQL then
# read the heap of a 市/县委's every open task (10 → 200 ms), so it goes.
#
# Plain SQL as in 0010: viewflow's table is a third-party app's; valid on PostgreSQL and SQLite alike.

from django.db import migrations

NAME = "jifen_task_assigned_human_age"
DEFINITION = "viewflow_task (created, id) WHERE status = 'ASSIGNED' AND flow_task_type = 'HUMAN'"

REPLACED = "jifen_task_open_place_age"
REPLACED_DEFINITION = (
    "viewflow_task (owner_permission, owner_permission_obj_pk, created, id) "
    "WHERE status IN ('NEW', 'ASSIGNED') AND flow_task_type = 'HUMAN'"
)


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0015_notification_email_lease"),
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
