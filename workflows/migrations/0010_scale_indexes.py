# Indexes for the queues and lists at province scale (issue 12). Filled in by the scale work.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0009_ledger_corrections_and_reopening"),
    ]

    operations = []
