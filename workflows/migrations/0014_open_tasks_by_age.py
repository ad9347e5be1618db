# The open human tasks — waiting (NEW) or taken (ASSIGNED) — by permission, organization and age (issue 12).
#
# The 工作台's 超期 list reads the oldest open tasks a user chases: the secretary's branch, the higher
# committee's branches below. 0010 and 0012 index the waiting tasks only; with the taken ones PostgreSQL
# walked every task of the province by ``created`` (9.4 s for the province's officer at 9.9 M tasks).
#
# Plain SQL as in 0010: viewflow's table is a third-party app's; valid on PostgreSQL and SQLite alike.

from django.db import migrations

OPEN = "WHERE status IN ('NEW', 'ASSIGNED') AND flow_task_type = 'HUMAN'"
INDEXES = {
    # By permission first, as 0012's index of the waiting ones: with (created) first, PostgreSQL preferred
    # it for the queue too and read the heap of every open task (0.6 s for a 市/县委's 工作台).
    "jifen_task_open_place_age": (
        f"viewflow_task (owner_permission, owner_permission_obj_pk, created, id) {OPEN}"
    ),
}


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0013_publicity_window_closes"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON {definition}",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, definition in INDEXES.items()
    ]
