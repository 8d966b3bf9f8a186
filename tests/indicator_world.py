"""Indicators for the value workflow tests: a province's indicator cascaded to two of its
communes, another province's to one of its communes, made directly with the ORM (the
definition pages are built and tested elsewhere). Dates follow today's real calendar."""

import datetime
from decimal import Decimal

from tasks_app.clock import local_today
from tasks_app.models import Indicator, IndicatorAssignment, Plan, Unit
from tasks_app.periods import Periodicity, period_containing

TODAY = local_today()
CURRENT = period_containing(Periodicity.MONTHLY, TODAY)
CLOSED = CURRENT.previous()  # the latest closed month: its value is owed now
EARLIER = CLOSED.previous()
NEXT = CURRENT.next()  # not started: nothing may be entered for it
BASELINE_DATE = EARLIER.previous().previous().end  # a few months back


def make_indicator(owner: Unit, plan: Plan, **overrides) -> Indicator:
    fields = {
        "owner_unit": owner,
        "plan": plan,
        "code": "CT-05",
        "name": "Tỷ lệ hồ sơ nộp trực tuyến",
        "kind": "operational",
        "unit_of_measure": "%",
        "value_type": "percentage",
        "accumulation": "per_period",
        "periodicity": Periodicity.MONTHLY,
        "rollup": "mean",
    }
    fields.update(overrides)
    return Indicator.objects.create(**fields)


def assign(indicator, unit, *, parent=None, rolls_up=False, baseline=60, target=80) -> IndicatorAssignment:
    return IndicatorAssignment.objects.create(
        indicator=indicator,
        unit=unit,
        parent=parent,
        rolls_up=rolls_up,
        baseline_value=Decimal(baseline),
        baseline_date=BASELINE_DATE,
        target_value=Decimal(target),
        target_date=BASELINE_DATE + datetime.timedelta(days=400),
    )


def value_url(assignment, period=CLOSED) -> str:
    return f"/indicators/{assignment.pk}/{period.key}/"
