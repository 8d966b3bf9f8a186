"""A national-shaped indicator dataset: each province adopts N indicators (every value
type, direction and roll-up), assigns each to itself as a roll-up and cascades it to every
one of its communes, and the communes report twelve monthly periods of values in mixed
states (approved, awaiting approval, draft, returned, or nothing at all).

Rows are written in bulk (COPY on PostgreSQL): the point is to time the recompute and the
pages, not the writes.
"""

import datetime
import random
from collections.abc import Callable, Iterator
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from nq57.devtools.benchmarks.dataset import copy_rows
from tasks_app.indicators.rules import ratio_value
from tasks_app.models import (
    Indicator,
    IndicatorAssignment,
    IndicatorMilestone,
    IndicatorValue,
    Plan,
    Rollup,
    Unit,
    UnitKind,
    ValueState,
    ValueType,
)
from tasks_app.periods import Period, Periodicity, period_containing

CODE_PREFIX = "BENCH-CT-"
PERIODS = 12
# (value type, roll-up, direction, baseline, target): a spread of every kind the rules know.
KINDS = (
    (ValueType.RATIO, Rollup.RATIO, "higher", 55, 80),
    (ValueType.COUNT, Rollup.SUM, "higher", 100, 1000),
    (ValueType.AMOUNT, Rollup.MEAN, "lower", 10, 5),
    (ValueType.PERCENTAGE, Rollup.MEAN, "higher", 40, 90),
    (ValueType.YES_NO, Rollup.SHARE_MEETING_TARGET, "higher", 0, 1),
    (ValueType.COUNT, Rollup.SHARE_MEETING_TARGET, "higher", 0, 12),
)
# Share of each state among a period's values; the rest of the periods have no value.
STATES = (
    (ValueState.APPROVED, 60),
    (ValueState.SUBMITTED, 15),
    (ValueState.DRAFT, 5),
    (ValueState.RETURNED, 5),
)
NO_VALUE = 15
VALUE_COLUMNS = (
    "assignment_id",
    "period_start",
    "period_end",
    "value",
    "numerator",
    "denominator",
    "note",
    "state",
    "flags",
    "return_reason",
    "version",
    "created_at",
    "updated_at",
    "submitted_at",
)


def bench_periods(today: datetime.date) -> list[Period]:
    """The twelve monthly periods up to the one running today."""
    periods = [period_containing(Periodicity.MONTHLY, today)]
    while len(periods) < PERIODS:
        periods.insert(0, periods[0].previous())
    return periods


def has_dataset() -> bool:
    return Indicator.objects.filter(code__startswith=CODE_PREFIX).exists()


def build_indicators(
    *,
    today: datetime.date,
    per_province: int,
    provinces: int | None = None,
    seed: int = 57,
    log: Callable[[str], None] = print,
) -> tuple[int, int]:
    """Create the indicators, assignments, cascades and values; (assignments, values)."""
    rng = random.Random(seed)
    periods = bench_periods(today)
    baseline_date = periods[0].start - datetime.timedelta(days=1)
    target_date = periods[-1].end + datetime.timedelta(days=180)
    chosen = Unit.objects.filter(kind=UnitKind.PROVINCE).order_by("code")
    if provinces is not None:
        chosen = chosen[:provinces]
    province_list = list(chosen)
    with transaction.atomic():
        province_assignments: list[IndicatorAssignment] = []
        for province in province_list:
            plan = Plan.objects.create(
                issuing_unit=province,
                code=f"BENCH-CT/{province.code}",
                title=f"Chỉ tiêu chuyển đổi số của {province.name} (benchmark)",
                issue_date=baseline_date,
            )
            indicators = Indicator.objects.bulk_create(
                Indicator(
                    owner_unit=province,
                    plan=plan,
                    code=f"{CODE_PREFIX}{number:02d}",
                    name=f"Chỉ tiêu {number:02d}",
                    kind="operational",
                    unit_of_measure="đv",
                    value_type=KINDS[number % len(KINDS)][0],
                    rollup=KINDS[number % len(KINDS)][1],
                    direction=KINDS[number % len(KINDS)][2],
                    accumulation="cumulative",
                    periodicity=Periodicity.MONTHLY,
                )
                for number in range(1, per_province + 1)
            )
            province_assignments += IndicatorAssignment.objects.bulk_create(
                IndicatorAssignment(
                    indicator=indicator,
                    unit=province,
                    rolls_up=True,
                    baseline_value=Decimal(_kind(indicator)[3]),
                    baseline_date=baseline_date,
                    target_value=Decimal(_kind(indicator)[4]),
                    target_date=target_date,
                )
                for indicator in indicators
            )
        communes_of: dict[int, list[int]] = {}
        for unit_id, province_id in Unit.objects.filter(
            kind=UnitKind.COMMUNE, province__in=province_list, is_active=True
        ).values_list("id", "province_id"):
            communes_of.setdefault(province_id, []).append(unit_id)
        kids: list[IndicatorAssignment] = []
        for parent in province_assignments:
            kind = _kind(parent.indicator)
            kids += [
                IndicatorAssignment(
                    indicator_id=parent.indicator_id,
                    unit_id=commune,
                    parent=parent,
                    baseline_value=Decimal(kind[3]),
                    baseline_date=baseline_date,
                    target_value=Decimal(kind[4]),
                    target_date=target_date,
                )
                for commune in communes_of.get(parent.unit_id, [])
            ]
        log(f"  {len(province_assignments):,} province assignments; writing {len(kids):,} cascaded ones…")
        IndicatorAssignment.objects.bulk_create(kids, batch_size=5000)
        # A few milestones set by hand, as provinces do for the months they watch.
        IndicatorMilestone.objects.bulk_create(
            IndicatorMilestone(
                assignment=assignment,
                period_end=periods[-3].end,
                value=Decimal(_kind(assignment.indicator)[4]),
            )
            for assignment in province_assignments[::7]
        )
        kinds = {a.indicator_id: _kind(a.indicator) for a in province_assignments}
        log(f"  writing about {len(kids) * PERIODS * (100 - NO_VALUE) // 100:,} values…")
        written = _write_values(_value_rows(kids, kinds, periods, today, rng))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return len(province_assignments) + len(kids), written


def _kind(indicator: Indicator) -> tuple:
    return next(
        k
        for k in KINDS
        if (k[0], k[1], k[2]) == (indicator.value_type, indicator.rollup, indicator.direction)
    )


def _value_rows(
    kids: list[IndicatorAssignment],
    kinds: dict,
    periods: list[Period],
    today: datetime.date,
    rng: random.Random,
) -> Iterator[tuple]:
    states = [state for state, _weight in STATES]
    weights = [weight for _state, weight in STATES]
    now = timezone.now()
    for kid in kids:
        value_type, _rollup, _direction, baseline, target = kinds[kid.indicator_id]
        for index, period in enumerate(periods):
            running = period.end >= today
            if rng.randrange(100) < (90 if running else NO_VALUE):
                continue
            state = rng.choices(states, weights)[0]
            expected = baseline + (target - baseline) * (index + 1) / (PERIODS + 6)
            numerator: Decimal | None = None
            denominator: Decimal | None = None
            value: Decimal | None
            if value_type == ValueType.YES_NO:
                value = Decimal(1 if rng.random() < 0.5 + index / 30 else 0)
            elif value_type == ValueType.RATIO:
                denominator = Decimal(rng.randint(50, 400))
                share = min(max(expected * rng.uniform(0.8, 1.15), 0), 100)
                numerator = Decimal(int(denominator * Decimal(share) / 100))
                value = ratio_value(numerator, denominator)
            elif value_type == ValueType.COUNT:
                value = Decimal(max(int(expected * rng.uniform(0.7, 1.2)), 0))
            else:
                value = Decimal(expected * rng.uniform(0.85, 1.15)).quantize(Decimal("0.01"))
            if state in (ValueState.DRAFT, ValueState.RETURNED) and rng.random() < 0.3:
                value = numerator = denominator = None
            yield (
                kid.pk,
                period.start,
                period.end,
                value,
                numerator,
                denominator,
                "",
                state,
                "[]",
                "",
                1,
                now,
                now,
                now if state in (ValueState.SUBMITTED, ValueState.APPROVED) else None,
            )


def _write_values(rows: Iterator[tuple]) -> int:
    return copy_rows(IndicatorValue._meta.db_table, VALUE_COLUMNS, rows)
