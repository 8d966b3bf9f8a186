"""The national-scale demo, on an empty database of its own (tests/test_seed_demo.py seeds
the ordinary demo once for its whole module)."""

import pytest

from nq57.devtools.demo.seed import UNITS_WITHOUT_LOCAL_WORK
from tasks_app.models import Plan, Unit, UnitKind
from tests.test_seed_demo import seed


@pytest.mark.slow
def test_national_scale_fills_every_commune(db, settings):
    settings.DEMO_MODE = True
    seed("--scale", "national")
    assert Plan.objects.filter(issuing_unit__kind=UnitKind.PROVINCE).count() == 34
    communes_without_tasks = Unit.objects.filter(kind=UnitKind.COMMUNE, led_tasks__isnull=True)
    assert sorted(communes_without_tasks.values_list("code", flat=True)) == sorted(UNITS_WITHOUT_LOCAL_WORK)
