"""Make the task history append-only in the database itself.

An UPDATE of a task_update or evidence row is refused by a trigger, so not even a
stray ORM call or a manual SQL session can rewrite who did what and when.
"""

from django.db import migrations

APPEND_ONLY_TABLES = ("tasks_app_taskupdate", "tasks_app_evidence")


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            """
            CREATE OR REPLACE FUNCTION nq57_refuse_update() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION USING
                    MESSAGE = 'append-only table ' || TG_TABLE_NAME || ': rows cannot be updated',
                    ERRCODE = 'integrity_constraint_violation';
            END;
            $$ LANGUAGE plpgsql;
            """
        )
    for table in APPEND_ONLY_TABLES:
        if vendor == "postgresql":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION nq57_refuse_update();"
            )
        elif vendor == "sqlite":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: rows cannot be updated'); END;"
            )


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in APPEND_ONLY_TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only;")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS nq57_refuse_update();")


class Migration(migrations.Migration):
    dependencies = [("tasks_app", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
