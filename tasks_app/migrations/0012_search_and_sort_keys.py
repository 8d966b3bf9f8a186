"""Search that ignores case and diacritics, and units in Vietnamese order.

Tasks get their code and title folded (search_text), units their folded name
(search_name) and a Vietnamese sort key (sort_key), filled here for the rows that exist;
the models keep them current from then on (tasks_app.models.derived). The folding and
the key are tasks_app.text's, the one definition the app itself uses.

On PostgreSQL a trigram index on search_text lets "contains" read a few index pages
instead of every task. It is created here and not in Meta.indexes because SQLite has
no such index (a plain "contains" there reads the user's few hundred tasks)."""

from django.db import migrations, models

import tasks_app.models.derived

from tasks_app.text import fold, task_search_text, unit_sort_key

BATCH = 5000


def fill_units(apps, schema_editor):
    Unit = apps.get_model("tasks_app", "Unit")
    units = list(Unit.objects.using(schema_editor.connection.alias).only("name", "division_type"))
    for unit in units:
        unit.search_name = fold(unit.name)
        unit.sort_key = unit_sort_key(unit.name, unit.division_type)
    Unit.objects.using(schema_editor.connection.alias).bulk_update(
        units, ["search_name", "sort_key"], batch_size=1000
    )


def fill_tasks(apps, schema_editor):
    Task = apps.get_model("tasks_app", "Task")
    tasks = Task.objects.using(schema_editor.connection.alias).order_by("pk")
    last = 0
    with schema_editor.connection.cursor() as cursor:
        while True:
            rows = list(tasks.filter(pk__gt=last).values_list("pk", "code", "title")[:BATCH])
            if not rows:
                break
            cursor.executemany(
                "UPDATE tasks_app_task SET search_text = %s WHERE id = %s",
                [(task_search_text(code, title), pk) for pk, code, title in rows],
            )
            last = rows[-1][0]


def add_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm;")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS task_search_trgm_idx ON tasks_app_task USING gin (search_text gin_trgm_ops);"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS task_search_trgm_idx;")


class Migration(migrations.Migration):
    dependencies = [
        ("tasks_app", "0011_task_last_own_update"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="unit",
            options={"ordering": ["sort_key", "code"], "verbose_name": "unit", "verbose_name_plural": "units"},
        ),
        migrations.AddField(
            model_name="task",
            name="search_text",
            field=tasks_app.models.derived.FoldedTextField(default="", editable=False, verbose_name="search text"),
        ),
        migrations.AddField(
            model_name="unit",
            name="search_name",
            field=tasks_app.models.derived.FoldedTextField(
                default="", editable=False, verbose_name="name, folded for search"
            ),
        ),
        migrations.AddField(
            model_name="unit",
            name="sort_key",
            field=models.CharField(default="", editable=False, max_length=800, verbose_name="sort key"),
        ),
        migrations.RunPython(fill_units, migrations.RunPython.noop),
        migrations.RunPython(fill_tasks, migrations.RunPython.noop),
        migrations.RunPython(add_trigram_index, drop_trigram_index),
    ]
