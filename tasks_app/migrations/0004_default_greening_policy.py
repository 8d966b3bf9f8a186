from decimal import Decimal

from django.db import migrations

# The starting policy that docs/greening.md describes; staff may change it in the admin.
DEFAULTS = {
    "behind_tolerance_pp": 20,
    "near_deadline_days": 7,
    "near_deadline_min_progress": 50,
    "not_started_grace_days": 14,
    "completed_late_is_green": False,
    "overdue_key_task_makes_red": True,
    "own_tasks_weight": 50,
}
BANDS = [("red", "0", "50"), ("yellow", "50", "80"), ("green", "80", "100")]


def create_policy(apps, schema_editor):
    Policy = apps.get_model("tasks_app", "GreeningPolicy")
    Band = apps.get_model("tasks_app", "GreeningBand")
    Change = apps.get_model("tasks_app", "GreeningPolicyChange")
    if Policy.objects.exists():
        return
    policy = Policy.objects.create(version=1, **DEFAULTS)
    Band.objects.bulk_create(
        [Band(policy=policy, colour=c, lower=Decimal(lo), upper=Decimal(hi)) for c, lo, hi in BANDS]
    )
    Change.objects.create(
        policy_version=1,
        changes={},
        settings_after={**DEFAULTS, "bands": [list(b) for b in BANDS]},
        note="Chính sách ban đầu (initial policy)",
    )


class Migration(migrations.Migration):
    dependencies = [("tasks_app", "0003_greening")]

    operations = [migrations.RunPython(create_policy, migrations.RunPython.noop)]
