from django.db import migrations, models
from django.db.models import Max, OuterRef, Subquery


def backfill(apps, schema_editor):
    """Each task's last update written by a member of its lead unit, from the history."""
    Task = apps.get_model("tasks_app", "Task")
    TaskUpdate = apps.get_model("tasks_app", "TaskUpdate")
    newest_own = (
        TaskUpdate.objects.filter(task=OuterRef("pk"), author__memberships__unit=OuterRef("lead_unit"))
        .order_by()
        .values("task")
        .annotate(newest=Max("created_at"))
        .values("newest")
    )
    Task.objects.update(last_own_update_at=Subquery(newest_own))


class Migration(migrations.Migration):
    dependencies = [
        ("tasks_app", "0010_task_withdrawn_and_approval_kinds"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="task",
            name="task_lead_updated_idx",
        ),
        migrations.AddField(
            model_name="task",
            name="last_own_update_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="last update by the lead unit"),
        ),
        # Before the index exists: one pass, no index upkeep per row.
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(fields=["lead_unit", "last_own_update_at"], name="task_lead_own_update_idx"),
        ),
    ]
