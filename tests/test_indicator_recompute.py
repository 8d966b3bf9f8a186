"""The set-based indicator recompute (SQL) against the Python reference (refresh_figures
over every assignment): random indicators of every value type, direction, roll-up and
periodicity, cascades two levels deep, values in every state, set milestones, dates and
policies; every figure row must agree, column by column. Also: a rerun writes nothing,
stale rows are repaired, and the nightly subset of periods agrees too."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks_app.greening.rules import Rules
from tasks_app.indicators.figures import refresh_figures
from tasks_app.indicators.recompute import open_periods, recompute_figures, stored_figure_rows
from tasks_app.indicators.rules import ratio_value
from tasks_app.models import (
    Indicator,
    IndicatorAssignment,
    IndicatorFigure,
    IndicatorMilestone,
    IndicatorValue,
    Plan,
    Rollup,
    Unit,
    UnitKind,
    ValueState,
    ValueType,
)
from tasks_app.periods import Periodicity, period_containing

BASE_DAY = datetime.date(2026, 11, 20)
DAY = datetime.timedelta(days=1)

ROLLUPS = {
    ValueType.COUNT: [Rollup.SUM, Rollup.MEAN, Rollup.SHARE_MEETING_TARGET],
    ValueType.AMOUNT: [Rollup.SUM, Rollup.MEAN, Rollup.SHARE_MEETING_TARGET],
    ValueType.PERCENTAGE: [Rollup.MEAN, Rollup.SHARE_MEETING_TARGET, Rollup.SUM],
    ValueType.RATIO: [Rollup.RATIO, Rollup.MEAN, Rollup.SHARE_MEETING_TARGET],
    ValueType.YES_NO: [Rollup.SHARE_MEETING_TARGET],
}


def _number(value_type: str, draw_int: int, cents: int) -> Decimal:
    """A plausible value for the type from two drawn integers."""
    if value_type == ValueType.COUNT:
        return Decimal(abs(draw_int) % 5000)
    if value_type == ValueType.YES_NO:
        return Decimal(abs(draw_int) % 2)
    if value_type == ValueType.PERCENTAGE:
        return Decimal(abs(draw_int) % 100) + Decimal(abs(cents) % 100) / 100
    if value_type == ValueType.RATIO:
        return Decimal(abs(draw_int) % 100) + Decimal(abs(cents) % 10000) / 10000
    return Decimal(draw_int % 20000 - 2000) + Decimal(cents % 10000) / 10000  # an amount


indicator_specs = st.lists(
    st.fixed_dictionaries(
        {
            "value_type": st.sampled_from(ValueType.values),
            "rollup": st.integers(0, 2),
            "direction": st.sampled_from(["higher", "lower"]),
            "periodicity": st.sampled_from(
                [Periodicity.MONTHLY, Periodicity.MONTHLY, Periodicity.QUARTERLY, Periodicity.YEARLY]
            ),
            "active": st.integers(0, 9),  # 0: the indicator is withdrawn
            # Per assignment (national, two provinces, four communes): present, active,
            # cascaded, baseline and target.
            "assignments": st.lists(
                st.fixed_dictionaries(
                    {
                        "present": st.integers(0, 9),
                        "active": st.integers(0, 9),
                        "rolls_up": st.integers(0, 3),  # mostly for the nation and provinces
                        "cascade": st.integers(0, 6),
                        "baseline": st.tuples(st.integers(-3000, 3000), st.integers(0, 9999)),
                        "target": st.tuples(st.integers(-3000, 3000), st.integers(0, 9999)),
                        "baseline_day": st.integers(-500, 40) | st.integers(-200, -100),
                        "length": st.integers(1, 700),
                    }
                ),
                min_size=7,
                max_size=7,
            ),
        }
    ),
    min_size=1,
    max_size=4,
)
value_specs = st.lists(
    st.fixed_dictionaries(
        {
            "indicator": st.integers(0, 3),
            "assignment": st.integers(0, 6),
            "periods_back": st.integers(0, 14) | st.integers(1, 4),
            "state": st.sampled_from([*ValueState.values, ValueState.SUBMITTED, ValueState.APPROVED]),
            "number": st.tuples(st.integers(-5000, 5000), st.integers(0, 9999)),
            "denominator": st.integers(1, 5000),
        }
    ),
    min_size=20,
    max_size=150,
)
milestone_specs = st.lists(
    st.fixed_dictionaries(
        {
            "indicator": st.integers(0, 3),
            "assignment": st.integers(0, 6),
            "periods_back": st.integers(0, 14),
            "number": st.tuples(st.integers(-3000, 3000), st.integers(0, 99)),
        }
    ),
    max_size=8,
)
policies = st.fixed_dictionaries(
    {
        "green": st.sampled_from([95, 100, 80, 50]),
        "yellow": st.sampled_from([60, 0, 50, 95]),
        "due": st.integers(0, 12),
        "today": st.integers(-40, 40),
    }
)


def _units() -> list[Unit]:
    """The nation, two provinces, then two communes of each: index 0 is the nation, 1-2
    the provinces, 3-4 the first one's communes, 5-6 the second's."""
    provinces = list(Unit.objects.filter(kind=UnitKind.PROVINCE).order_by("code")[:2])
    communes = [
        commune
        for province in provinces
        for commune in Unit.objects.filter(parent=province, kind=UnitKind.COMMUNE).order_by("code")[:2]
    ]
    return [Unit.objects.get(kind=UnitKind.CENTRAL), *provinces, *communes]


PARENT_INDEX = {1: 0, 2: 0, 3: 1, 4: 1, 5: 2, 6: 2}


def _clear() -> None:
    IndicatorFigure.objects.all().delete()
    IndicatorMilestone.objects.all().delete()
    IndicatorValue.objects.all().delete()
    # Children before parents (PROTECT): communes, then provinces, then the rest.
    for _ in range(3):
        IndicatorAssignment.objects.filter(children__isnull=True).delete()
    Indicator.objects.all().delete()


def _build(specs, values, milestones) -> tuple[list[list[IndicatorAssignment | None]], list[Indicator]]:
    units = _units()
    plan = Plan.objects.get_or_create(
        issuing_unit=units[0], code="KH-CT", defaults={"title": "Chỉ tiêu", "issue_date": BASE_DAY}
    )[0]
    indicators, assigned = [], []
    for number, spec in enumerate(specs):
        value_type = spec["value_type"]
        rollups = ROLLUPS[value_type]
        indicator = Indicator.objects.create(
            owner_unit=units[0],
            plan=plan,
            code=f"CT-{number}",
            name=f"Chỉ tiêu {number}",
            kind="operational",
            unit_of_measure="đv",
            value_type=value_type,
            accumulation="cumulative",
            direction=spec["direction"],
            periodicity=spec["periodicity"],
            rollup=rollups[spec["rollup"] % len(rollups)],
            is_active=spec["active"] != 0,
        )
        indicators.append(indicator)
        row: list[IndicatorAssignment | None] = []
        for index, a in enumerate(spec["assignments"]):
            parent = row[PARENT_INDEX[index]] if index in PARENT_INDEX else None
            if not a["present"] and index:
                row.append(None)
                continue
            baseline_day = BASE_DAY + a["baseline_day"] * DAY
            row.append(
                IndicatorAssignment.objects.create(
                    indicator=indicator,
                    unit=units[index],
                    parent=parent if parent is not None and a["cascade"] else None,
                    rolls_up=bool(a["rolls_up"]) if index < 3 else a["rolls_up"] == 0,
                    baseline_value=_number(value_type, *a["baseline"]),
                    baseline_date=baseline_day,
                    target_value=_number(value_type, *a["target"]),
                    target_date=baseline_day + a["length"] * DAY,
                    is_active=a["active"] != 0,
                )
            )
        assigned.append(row)
    for spec in values:
        if spec["indicator"] >= len(indicators):
            continue
        indicator = indicators[spec["indicator"]]
        assignment = assigned[spec["indicator"]][spec["assignment"]]
        if assignment is None:
            continue
        period = period_containing(indicator.periodicity, BASE_DAY + 40 * DAY)
        for _ in range(spec["periods_back"]):
            period = period.previous()
        number = _number(indicator.value_type, *spec["number"])
        numerator = denominator = None
        if indicator.value_type == ValueType.RATIO:
            denominator = Decimal(spec["denominator"])
            numerator = Decimal(abs(spec["number"][0]) % (spec["denominator"] + 1))
            number = ratio_value(numerator, denominator)
        empty = spec["state"] in (ValueState.DRAFT, ValueState.RETURNED) and spec["number"][1] % 3 == 0
        IndicatorValue.objects.update_or_create(
            assignment=assignment,
            period_end=period.end,
            defaults={
                "period_start": period.start,
                "value": None if empty else number,
                "numerator": None if empty else numerator,
                "denominator": None if empty else denominator,
                "state": spec["state"],
            },
        )
    for spec in milestones:
        if spec["indicator"] >= len(indicators):
            continue
        indicator = indicators[spec["indicator"]]
        assignment = assigned[spec["indicator"]][spec["assignment"]]
        if assignment is None:
            continue
        period = period_containing(indicator.periodicity, BASE_DAY + 40 * DAY)
        for _ in range(spec["periods_back"]):
            period = period.previous()
        whole, cents = spec["number"]
        value = Decimal(whole) + Decimal(cents) / 100
        if indicator.value_type == ValueType.YES_NO:
            value = Decimal(abs(whole) % 2)
        IndicatorMilestone.objects.update_or_create(
            assignment=assignment, period_end=period.end, defaults={"value": value}
        )
    return assigned, indicators


def _reference(rules: Rules, today: datetime.date) -> dict:
    IndicatorFigure.objects.all().delete()
    refresh_figures(
        assignment_ids=IndicatorAssignment.objects.values_list("pk", flat=True), rules=rules, today=today
    )
    return stored_figure_rows()


def _disturb() -> None:
    """Leave the stored rows as a stale run might: some missing, some wrong, one extra."""
    figures = list(IndicatorFigure.objects.order_by("id"))
    for figure in figures[::3]:
        figure.delete()
    for figure in figures[1::4]:
        IndicatorFigure.objects.filter(pk=figure.pk).update(colour="green", progress=Decimal("12.34"))
    for figure in figures[2::5]:
        IndicatorFigure.objects.filter(pk=figure.pk).update(value=None, value_state="")
    if figures:
        IndicatorFigure.objects.filter(pk=figures[-1].pk).update(period_end=datetime.date(2010, 1, 14))


def _rules(policy) -> Rules:
    return Rules(
        indicator_green_from=max(policy["green"], policy["yellow"]),
        indicator_yellow_from=min(policy["green"], policy["yellow"]),
        indicator_due_working_days=policy["due"],
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=indicator_specs, values=value_specs, milestones=milestone_specs, policy=policies)
def test_the_sql_recompute_writes_the_rows_of_the_python_reference(db, specs, values, milestones, policy):
    _clear()
    _build(specs, values, milestones)
    rules, today = _rules(policy), BASE_DAY + policy["today"] * DAY
    expected = _reference(rules, today)

    _disturb()
    recompute_figures(rules=rules, today=today)
    assert stored_figure_rows() == expected

    again = recompute_figures(rules=rules, today=today)
    assert (again.written, again.removed) == (0, 0)

    # The nightly subset: only the periods that can change by themselves are recomputed,
    # and they agree with the reference as well.
    _disturb()
    disturbed = stored_figure_rows()
    subset = open_periods(today=today, rules=rules, lookback_days=40)
    recompute_figures(rules=rules, today=today, periods=subset)
    ends = {(p.periodicity, p.end) for p in subset}
    periodicity = dict(IndicatorAssignment.objects.values_list("pk", "indicator__periodicity"))
    active = set(
        IndicatorAssignment.objects.filter(is_active=True, indicator__is_active=True).values_list(
            "pk", flat=True
        )
    )

    def in_subset(key) -> bool:
        return key[0] in active and (periodicity[key[0]], key[1]) in ends

    after = stored_figure_rows()
    assert {k: v for k, v in after.items() if in_subset(k)} == {
        k: v for k, v in expected.items() if in_subset(k)
    }
    assert {k: v for k, v in after.items() if not in_subset(k)} == {
        k: v for k, v in disturbed.items() if not in_subset(k)
    }


@pytest.mark.django_db
def test_the_worked_example_and_a_rerun_that_writes_nothing(nghe_an, plan, commune):
    indicator = Indicator.objects.create(
        owner_unit=nghe_an,
        plan=plan,
        code="CT-05",
        name="Tỷ lệ hồ sơ nộp trực tuyến",
        kind="operational",
        unit_of_measure="%",
        value_type="ratio",
        accumulation="per_period",
        periodicity=Periodicity.MONTHLY,
        rollup="ratio",
    )
    province = IndicatorAssignment.objects.create(
        indicator=indicator,
        unit=nghe_an,
        rolls_up=True,
        baseline_value=Decimal(60),
        baseline_date=datetime.date(2025, 12, 31),
        target_value=Decimal(80),
        target_date=datetime.date(2026, 12, 14),
    )
    kid = IndicatorAssignment.objects.create(
        indicator=indicator,
        unit=commune,
        parent=province,
        baseline_value=Decimal(60),
        baseline_date=datetime.date(2025, 12, 31),
        target_value=Decimal(80),
        target_date=datetime.date(2026, 12, 14),
    )
    IndicatorValue.objects.create(
        assignment=kid,
        period_start=datetime.date(2026, 10, 15),
        period_end=datetime.date(2026, 11, 14),
        numerator=Decimal(7457),
        denominator=Decimal(10000),
        value=Decimal("74.57"),
        state=ValueState.SUBMITTED,
    )
    first = recompute_figures(rules=Rules(), today=BASE_DAY)
    assert first.written == 24 and first.periods == 12
    november = IndicatorFigure.objects.get(assignment=kid, period_end=datetime.date(2026, 11, 14))
    assert (november.milestone, november.progress, november.colour) == (
        Decimal("78.28"),
        Decimal("79.70"),
        "yellow",
    )
    rolled = IndicatorFigure.objects.get(assignment=province, period_end=datetime.date(2026, 11, 14))
    assert (rolled.numerator, rolled.denominator, rolled.children_counted, rolled.children_total) == (
        7457,
        10000,
        1,
        1,
    )
    assert IndicatorFigure.objects.get(assignment=kid, period_end=datetime.date(2026, 10, 14)).colour == "red"
    assert recompute_figures(rules=Rules(), today=BASE_DAY).written == 0


@pytest.mark.django_db
def test_the_nightly_job_and_recompute_one_day_write_the_figures(nghe_an, plan, commune):
    from tasks_app import tasks as jobs
    from tasks_app.actions import greening
    from tasks_app.clock import local_today
    from tasks_app.indicators.figures import figure_periods

    today = local_today()
    indicator = Indicator.objects.create(
        owner_unit=nghe_an,
        plan=plan,
        code="CT-09",
        name="Tổ công nghệ số cộng đồng",
        kind="operational",
        unit_of_measure="tổ",
        value_type="count",
        accumulation="cumulative",
        periodicity=Periodicity.MONTHLY,
        rollup="sum",
    )
    assignment = IndicatorAssignment.objects.create(
        indicator=indicator,
        unit=commune,
        baseline_value=Decimal(0),
        baseline_date=today - 200 * DAY,
        target_value=Decimal(10),
        target_date=today + 200 * DAY,
    )
    assert len(jobs.greening_nightly.apply().get()) == 2  # yesterday's and today's snapshots

    IndicatorFigure.objects.all().delete()
    tuesday = today + ((1 - today.weekday()) % 7) * DAY
    greening.greening_nightly(today=tuesday)
    nightly = set(IndicatorFigure.objects.filter(assignment=assignment).values_list("period_end", flat=True))
    # Only the open periods: those that started or fell due in the last week.
    assert nightly == {
        p.end for p in open_periods(today=tuesday, rules=Rules()) if p.periodicity == "monthly"
    }
    monday = tuesday + 6 * DAY
    greening.greening_nightly(today=monday)  # once a week: every period
    assert IndicatorFigure.objects.filter(assignment=assignment).count() == len(
        figure_periods("monthly", assignment.baseline_date, monday)
    )

    IndicatorFigure.objects.all().delete()
    result = jobs.greening_recompute_date.apply(args=[today.isoformat()]).get()
    written = set(IndicatorFigure.objects.values_list("period_end", "colour", "reason"))
    assert (
        result["indicator_figures_written"]
        == len(written)
        == len(figure_periods("monthly", assignment.baseline_date, today))
    )
    refresh_figures(assignment_ids=[assignment.pk], rules=Rules(), today=today)
    assert set(IndicatorFigure.objects.values_list("period_end", "colour", "reason")) == written
