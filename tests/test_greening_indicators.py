"""Indicators in a unit's greening rate (docs/indicators.md §7): the SQL recompute
against the Python reference on random tasks, indicator colours and weights; a weight of
0 leaves every snapshot as it was; and the explanation names the indicator part."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.boards.selectors.reasons import unit_reason
from tasks_app.actions.greening import greening_policy_update, greening_recompute
from tasks_app.clock import local_today
from tasks_app.greening.counting import count_states, indicator_counts, task_source
from tasks_app.greening.rollup import UnitNode, roll_up, scope_counts
from tasks_app.greening.rules import Rules
from tasks_app.indicators.recompute import latest_due_period
from tasks_app.models import (
    Colour,
    FigureReason,
    GreeningPolicy,
    GreeningSnapshot,
    Indicator,
    IndicatorAssignment,
    IndicatorFigure,
    Plan,
    Task,
    TaskGroup,
    Unit,
    groups_implemented_by,
    plans_implemented_by,
)
from tasks_app.periods import Periodicity
from tests.test_greening_sql_reference import _bands, _lead_units, cuts, policies, task_specs

TODAY = local_today()
DAY = datetime.timedelta(days=1)
SNAPSHOT_FIELDS = [
    f.attname
    for f in GreeningSnapshot._meta.concrete_fields
    if f.name not in ("id", "computed_at", "n_indicators_counted", "n_indicators_green", "indicator_rate")
]
INDICATOR_FIELDS = ("n_indicators_counted", "n_indicators_green", "indicator_rate")

figure_specs = st.lists(
    st.fixed_dictionaries(
        {
            "unit": st.integers(0, 13),
            "periodicity": st.sampled_from([Periodicity.MONTHLY, Periodicity.QUARTERLY, Periodicity.YEARLY]),
            # 0: the latest due period (the one that counts), -1 the one before, 1 the next.
            "shift": st.sampled_from([0, 0, 0, -1, 1]),
            "colour": st.sampled_from(Colour.values),
            "active": st.integers(0, 7),
        }
    ),
    max_size=40,
)


def _tasks(specs, units) -> None:
    plan = Plan.objects.get_or_create(
        issuing_unit=units[0], code="P0", defaults={"title": "Kế hoạch", "issue_date": TODAY}
    )[0]
    group = TaskGroup.objects.get_or_create(plan=plan, number=1, defaults={"name": "Nhóm 1"})[0]
    tasks = []
    for number, spec in enumerate(specs):
        start = TODAY + spec["start"] * DAY
        deadline = start + spec["length"] * DAY
        completed = spec["status"] == "completed"
        tasks.append(
            Task(
                plan=plan,
                task_group=group if spec["group"] else None,
                code=f"R-{number}",
                title="Nhiệm vụ ngẫu nhiên",
                lead_unit=units[spec["unit"]],
                responsible_name="Cán bộ",
                approving_authority="UBND",
                start_date=start,
                deadline=deadline,
                expected_product="Báo cáo",
                status=spec["status"],
                progress=100 if completed else spec["progress"],
                completed_on=min(deadline + spec["completed_shift"] * DAY, TODAY) if completed else None,
                is_key=spec["is_key"],
            )
        )
    Task.objects.bulk_create(tasks)


def _figures(specs, units, rules: Rules) -> None:
    plan = Plan.objects.get_or_create(
        issuing_unit=units[0], code="P0", defaults={"title": "Kế hoạch", "issue_date": TODAY}
    )[0]
    for number, spec in enumerate(specs):
        indicator = Indicator.objects.create(
            owner_unit=units[0],
            plan=plan,
            code=f"CT-{number}",
            name="Chỉ tiêu",
            kind="operational",
            unit_of_measure="%",
            value_type="percentage",
            accumulation="per_period",
            periodicity=spec["periodicity"],
            rollup="mean",
            is_active=spec["active"] != 1,
        )
        assignment = IndicatorAssignment.objects.create(
            indicator=indicator,
            unit=units[spec["unit"]],
            baseline_value=Decimal(0),
            baseline_date=TODAY - 800 * DAY,
            target_value=Decimal(100),
            target_date=TODAY + 400 * DAY,
            is_active=spec["active"] != 0,
        )
        period = latest_due_period(spec["periodicity"], on=TODAY, rules=rules)
        if spec["shift"] < 0:
            period = period.previous()
        elif spec["shift"] > 0:
            period = period.next()
        IndicatorFigure.objects.create(
            assignment=assignment,
            unit=assignment.unit,
            indicator=indicator,
            period_end=period.end,
            due_date=period.due_date(rules.indicator_due_working_days),
            colour=spec["colour"],
            reason=FigureReason.PROGRESS,
            computed_at=datetime.datetime.now(datetime.UTC),
        )


def _clear() -> None:
    Task.objects.all().delete()
    GreeningSnapshot.objects.all().delete()
    IndicatorFigure.objects.all().delete()
    IndicatorAssignment.objects.all().delete()
    Indicator.objects.all().delete()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    specs=task_specs,
    figures=figure_specs,
    policy=policies,
    cut_points=cuts,
    weight=st.sampled_from([0, 100, 30, 50]) | st.integers(0, 100),
    due=st.integers(0, 5),
)
def test_the_sql_recompute_agrees_with_the_python_reference(
    db, specs, figures, policy, cut_points, weight, due
):
    _clear()
    greening_policy_update(
        values={**policy, "indicator_weight": weight, "indicator_due_working_days": due},
        bands=_bands(cut_points),
        author=None,
    )
    rules = Rules.from_policy(GreeningPolicy.objects.get())
    units = _lead_units()
    for spec in specs:
        spec["group"] = spec["group"] is not None
    _tasks(specs, units)
    _figures(figures, units, rules)

    greening_recompute()

    nodes = [
        UnitNode(*row) for row in Unit.objects.filter(is_active=True).values_list("id", "parent_id", "kind")
    ]
    own = scope_counts(
        count_states(task_source(on=TODAY, today=TODAY), on=TODAY, rules=rules),
        plans_implemented_by(),
        groups_implemented_by(),
    )
    expected = roll_up(units=nodes, own=own, rules=rules, indicators=indicator_counts(on=TODAY, rules=rules))
    stored = {(row.unit_id, row.scope): row for row in GreeningSnapshot.objects.filter(on_date=TODAY)}
    assert set(stored) == set(expected)
    for key, figures_ in expected.items():
        row = stored[key]
        assert (
            row.n_counted,
            row.n_green,
            row.own_rate,
            row.children_counted,
            row.children_green,
            row.children_green_share,
            row.rate,
            row.colour,
            row.red_by_key_task,
            row.rank,
            row.rank_among,
            row.n_indicators_counted,
            row.n_indicators_green,
            row.indicator_rate,
        ) == (
            figures_.n_counted,
            figures_.n_green,
            figures_.own_rate,
            figures_.children_counted,
            figures_.children_green,
            figures_.children_green_share,
            figures_.rate,
            figures_.colour,
            figures_.red_by_key_task,
            figures_.rank,
            figures_.rank_among,
            figures_.n_indicators_counted,
            figures_.n_indicators_green,
            figures_.indicator_rate,
        ), key

    # An incremental run over one commune reads its siblings' stored rows: nothing moves.
    assert greening_recompute(unit_ids=[units[3].pk]).rows_written == 0


def _rows() -> dict:
    return {
        (row["unit_id"], row["scope"]): row
        for row in GreeningSnapshot.objects.filter(on_date=TODAY).values(*SNAPSHOT_FIELDS, *INDICATOR_FIELDS)
    }


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=task_specs, figures=figure_specs)
def test_a_weight_of_zero_leaves_every_snapshot_as_it_was(db, specs, figures):
    _clear()
    greening_policy_update(values={"indicator_weight": 0}, bands=list(Rules().bands), author=None)
    rules = Rules.from_policy(GreeningPolicy.objects.get())
    units = _lead_units()
    for spec in specs:
        spec["group"] = spec["group"] is not None
    _tasks(specs, units)
    greening_recompute()
    without = _rows()
    assert indicator_counts(on=TODAY, rules=rules) == {}
    _figures(figures, units, rules)
    greening_recompute()
    with_indicators = _rows()
    # Every field, the indicator counts included: with a weight of 0 indicators are not read.
    assert with_indicators == without
    assert all(row["n_indicators_counted"] == 0 for row in with_indicators.values())


@pytest.mark.django_db
def test_the_rate_and_its_explanation_weigh_the_indicators(make_task, commune):
    greening_policy_update(values={"indicator_weight": 40}, bands=list(Rules().bands), author=None)
    rules = Rules.from_policy(GreeningPolicy.objects.get())
    make_task(lead_unit=commune, start_date=TODAY - 10 * DAY, deadline=TODAY + 200 * DAY, progress=10)
    make_task(lead_unit=commune, start_date=TODAY - 90 * DAY, deadline=TODAY - 3 * DAY, progress=60)
    specs = [
        {"unit": 0, "periodicity": Periodicity.MONTHLY, "shift": 0, "colour": colour, "active": 5}
        for colour in (Colour.GREEN, Colour.GREEN, Colour.GREEN, Colour.RED, Colour.NONE)
    ]
    _figures(specs, [commune], rules)
    greening_recompute()
    row = GreeningSnapshot.objects.select_related("unit").get(unit=commune, on_date=TODAY, scope="all")
    # Tasks 1 of 2 green (50 %), indicators 3 of 4 coloured green (75 %): 0.6 × 50 + 0.4 × 75 = 60.
    assert (row.n_indicators_counted, row.n_indicators_green, row.indicator_rate) == (4, 3, 75)
    assert (row.own_rate, row.rate, row.colour) == (50, 60, Colour.YELLOW)
    with translation.override("en"):
        text = " ".join(unit_reason(row, rules=rules))
    assert text.startswith("Rate 60% = 60% × task rate 50% + 40% × indicators 75% (3 of 4 coloured"), text
    assert "Rate 50%: 1 of 2 counted tasks are green." in text, text
