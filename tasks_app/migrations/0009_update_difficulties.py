"""Updates carry the difficulties and proposals a weekly report quotes.

SQLite adds a column by rebuilding the table, which drops the append-only trigger of
migration 0002; it is put back here. (PostgreSQL keeps its triggers on ALTER TABLE.)"""

from django.db import migrations, models


def restore_sqlite_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    table = "tasks_app_taskupdate"
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only;")
    schema_editor.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: rows cannot be updated'); END;"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("tasks_app", "0008_task_open_deadline_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="taskupdate",
            name="difficulties",
            field=models.TextField(blank=True, verbose_name="difficulties and proposals"),
        ),
        migrations.RunPython(restore_sqlite_trigger, migrations.RunPython.noop),
    ]
