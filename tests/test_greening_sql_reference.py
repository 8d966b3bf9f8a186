"""The set-based recompute (SQL) against the plain Python reference roll-up, on random
tasks spread over provinces, communes, a ministry and the nation, under random
policies: every snapshot field of every unit in every scope must agree."""

import datetime
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks_app.actions.greening import greening_policy_update, greening_recompute
from tasks_app.clock import local_today
from tasks_app.greening.counting import STATES, count_states, task_source
from tasks_app.greening.rollup import UnitNode, roll_up, scope_counts
from tasks_app.greening.rules import Band, Rules
from tasks_app.models import (
    STATE_COUNT_FIELDS,
    SUBTREE_COUNT_FIELDS,
    Colour,
    GreeningPolicy,
    GreeningSnapshot,
    Plan,
    Task,
    TaskGroup,
    TaskStatus,
    Unit,
    UnitKind,
    groups_implemented_by,
    plans_implemented_by,
)

TODAY = local_today()
DAY = datetime.timedelta(days=1)


def _lead_units() -> list[Unit]:
    """A small corner of the real tree: three provinces with three communes each, a
    ministry and the nation."""
    provinces = list(Unit.objects.filter(kind=UnitKind.PROVINCE).order_by("code")[:3])
    communes = [
        commune
        for province in provinces
        for commune in Unit.objects.filter(parent=province, kind=UnitKind.COMMUNE).order_by("code")[:3]
    ]
    ministry = Unit.objects.filter(kind=UnitKind.MINISTRY).order_by("code").first()
    return [*provinces, *communes, ministry, Unit.objects.get(kind=UnitKind.CENTRAL)]


task_specs = st.lists(
    st.fixed_dictionaries(
        {
            "unit": st.integers(0, 13),
            "plan": st.integers(0, 2),
            "group": st.one_of(st.none(), st.integers(0, 2)),
            "status": st.sampled_from(TaskStatus.values),
            "progress": st.integers(0, 100),
            "start": st.integers(-200, 10),
            "length": st.integers(0, 300),
            "completed_shift": st.integers(-30, 30),
            "is_key": st.booleans(),
        }
    ),
    min_size=0,
    max_size=60,
)
policies = st.fixed_dictionaries(
    {
        "behind_tolerance_pp": st.integers(0, 50),
        "near_deadline_days": st.integers(0, 30),
        "near_deadline_min_progress": st.integers(0, 100),
        "not_started_grace_days": st.integers(0, 60),
        "completed_late_is_green": st.booleans(),
        "overdue_key_task_makes_red": st.booleans(),
        "own_tasks_weight": st.integers(0, 100),
    }
)
# Band limits in hundredths of a percent; round ones often, so rates land exactly on them.
cuts = st.lists(
    st.sampled_from([2500, 5000, 6000, 7500, 8000]) | st.integers(1, 9999),
    min_size=1,
    max_size=2,
    unique=True,
).map(sorted)


def _bands(cut_points: list[int]) -> list[Band]:
    limits = [Decimal(0), *(Decimal(c) / 100 for c in cut_points), Decimal(100)]
    colours = [Colour.RED, Colour.YELLOW, Colour.GREEN][-(len(limits) - 1) :]
    return [
        Band(colour, lower, upper) for colour, lower, upper in zip(colours, limits, limits[1:], strict=False)
    ]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=task_specs, policy=policies, cut_points=cuts)
def test_the_sql_recompute_agrees_with_the_python_reference(db, specs, policy, cut_points):
    Task.objects.all().delete()
    GreeningSnapshot.objects.all().delete()
    greening_policy_update(values=policy, bands=_bands(cut_points), author=None)
    units = _lead_units()
    plans = [
        Plan.objects.get_or_create(
            issuing_unit=units[0], code=f"P{n}", defaults={"title": f"Kế hoạch {n}", "issue_date": TODAY}
        )[0]
        for n in range(3)
    ]
    # P1 implements P0 and P2 implements P1: P2's tasks count in all three plans' scopes.
    Plan.objects.filter(pk=plans[1].pk).update(implements=plans[0])
    Plan.objects.filter(pk=plans[2].pk).update(implements=plans[1])
    groups = [
        [
            TaskGroup.objects.get_or_create(plan=plan, number=n, defaults={"name": f"Nhóm {n}"})[0]
            for n in range(3)
        ]
        for plan in plans
    ]
    # Likewise each group of P1 implements the same-numbered group of P0, and P2's groups
    # those of P1, except group 2 of P2, which implements nothing: its tasks count in P2's
    # group alone.
    for n in range(3):
        TaskGroup.objects.filter(pk=groups[1][n].pk).update(implements=groups[0][n])
    for n in range(2):
        TaskGroup.objects.filter(pk=groups[2][n].pk).update(implements=groups[1][n])
    tasks = []
    for number, spec in enumerate(specs):
        start = TODAY + spec["start"] * DAY
        deadline = start + spec["length"] * DAY
        completed = spec["status"] == TaskStatus.COMPLETED
        tasks.append(
            Task(
                plan=plans[spec["plan"]],
                task_group=None if spec["group"] is None else groups[spec["plan"]][spec["group"]],
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

    greening_recompute()

    rules = Rules.from_policy(GreeningPolicy.objects.get())
    nodes = [
        UnitNode(*row) for row in Unit.objects.filter(is_active=True).values_list("id", "parent_id", "kind")
    ]
    own = scope_counts(
        count_states(task_source(on=TODAY, today=TODAY), on=TODAY, rules=rules),
        plans_implemented_by(),
        groups_implemented_by(),
    )
    expected = roll_up(units=nodes, own=own, rules=rules)
    stored = {(row.unit_id, row.scope): row for row in GreeningSnapshot.objects.filter(on_date=TODAY)}
    assert set(stored) == set(expected)
    for key, figures in expected.items():
        row = stored[key]
        assert (
            (*(getattr(row, STATE_COUNT_FIELDS[state]) for state in STATES), row.n_overdue_key),
            tuple(getattr(row, SUBTREE_COUNT_FIELDS[state]) for state in STATES),
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
            row.policy_version,
        ) == (
            figures.counts,
            figures.subtree,
            figures.n_counted,
            figures.n_green,
            figures.own_rate,
            figures.children_counted,
            figures.children_green,
            figures.children_green_share,
            figures.rate,
            figures.colour,
            figures.red_by_key_task,
            figures.rank,
            figures.rank_among,
            rules.version,
        ), key
