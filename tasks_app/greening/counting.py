"""Which task rows the rules read on a date, and the one aggregate that counts their
states per unit, plan and task group.

Today the rules read the tasks' own columns. For a past date they read, for each task,
the last update recorded by the end of that day (status and progress as they were then),
so a backfilled snapshot shows what a leader would have seen on that day.
"""

import datetime
from collections.abc import Collection
from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, When
from django.db.models.functions import TruncDate

from tasks_app.clock import LOCAL_TZ, end_of_day
from tasks_app.greening.rules import Rules, TaskColumns, task_state_expression
from tasks_app.indicators.recompute import latest_due_period
from tasks_app.models import (
    STATE_COUNT_FIELDS,
    Colour,
    Indicator,
    IndicatorAssignment,
    IndicatorFigure,
    Task,
    TaskState,
    TaskStatus,
    TaskUpdate,
)
from tasks_app.models.indicators import INDICATOR_PERIODICITIES

STATES = tuple(TaskState.values)

AS_OF_COLUMNS = TaskColumns(
    status="status_after",
    progress="progress_after",
    start_date="task__start_date",
    deadline="task__deadline",
    completed_on="as_of_completed_on",
    is_key="task__is_key",
    lead_unit="task__lead_unit",
    plan="task__plan",
    task_group="task__task_group",
    task="task_id",
    task_prefix="task__",
)


@dataclass(frozen=True)
class TaskSource:
    queryset: QuerySet
    cols: TaskColumns


def task_source(*, on: datetime.date, today: datetime.date) -> TaskSource:
    """The live task rows for today (or a later date); the as-of rows for a past date.

    A task withdrawn from its unit is left out from the day of its withdrawal: it is in
    no count, not even among the tasks not counted. Before that day it counts as it was."""
    if on >= today:
        return TaskSource(Task.objects.exclude(status=TaskStatus.WITHDRAWN), TaskColumns())
    cutoff = end_of_day(on)
    later_update = TaskUpdate.objects.filter(
        task=OuterRef("task"), created_at__lt=cutoff, version__gt=OuterRef("version")
    )
    queryset = (
        TaskUpdate.objects.filter(created_at__lt=cutoff)
        .filter(~Exists(later_update))
        # After choosing each task's last update: one that withdrew it drops the task.
        .exclude(status_after=TaskStatus.WITHDRAWN)
        .annotate(
            # The recorded completion date if it was on or before `on`; otherwise the task
            # was completed then and reopened or re-dated since, so the update's own date.
            as_of_completed_on=Case(
                When(task__completed_on__lte=on, then=F("task__completed_on")),
                default=TruncDate("created_at", tzinfo=LOCAL_TZ),
            )
        )
    )
    return TaskSource(queryset, AS_OF_COLUMNS)


def with_states(source: TaskSource, *, on: datetime.date, rules: Rules) -> QuerySet:
    """The source's rows annotated with `greening_state`: the rules read the columns the
    source names (a task's own, or its last update's for a past date)."""
    return source.queryset.annotate(
        greening_state=task_state_expression(on=on, rules=rules, cols=source.cols)
    )


# (unit id, plan id, task group id or None) -> counts in STATES order, then overdue key tasks.
OwnCounts = dict[tuple[int, int, int | None], tuple[int, ...]]


def fence() -> str:
    """Ends a subquery the planner must not merge into the query around it: merged,
    each reference to one of its computed columns repeats the whole expression."""
    return "LIMIT -1 OFFSET 0" if connection.vendor == "sqlite" else "OFFSET 0"


def fine_counts_sql(
    source: TaskSource, *, on: datetime.date, rules: Rules, unit_ids: Collection[int] | None = None
) -> tuple[str, list]:
    """One statement counting task states per lead unit, plan and task group: columns
    g_unit, g_plan, g_group, then n_<state> in STATES order, then n_overdue_key.

    The CASE that classifies a task is compiled from the ORM expression (the one
    definition); the pivot around it is plain SQL so each row is classified once."""
    cols = source.cols
    queryset = source.queryset
    if unit_ids is not None:
        queryset = queryset.filter(**{f"{cols.lead_unit}__in": list(unit_ids)})
    inner = queryset.values(
        g_unit=F(cols.lead_unit),
        g_plan=F(cols.plan),
        g_group=F(cols.task_group),
        g_key=F(cols.is_key),
        g_state=task_state_expression(on=on, rules=rules, cols=cols),
    ).order_by()
    inner_sql, params = inner.query.sql_with_params()
    counters = ", ".join(
        f"CAST(COUNT(*) FILTER (WHERE g_state = '{state}') AS INTEGER) AS {STATE_COUNT_FIELDS[state]}"
        for state in STATES
    )
    key_overdue = "CAST(COUNT(*) FILTER (WHERE g_state = 'overdue' AND g_key) AS INTEGER) AS n_overdue_key"
    # Fenced, or the planner would inline the CASE into each counter and classify
    # every task ten times over.
    sql = (
        f"SELECT g_unit, g_plan, g_group, {counters}, {key_overdue} "
        f"FROM ({inner_sql} {fence()}) AS classified GROUP BY g_unit, g_plan, g_group"
    )
    return sql, list(params)


def count_states(
    source: TaskSource, *, on: datetime.date, rules: Rules, unit_ids: Collection[int] | None = None
) -> OwnCounts:
    """The fine counts as a dict, for the Python reference roll-up."""
    sql, params = fine_counts_sql(source, on=on, rules=rules, unit_ids=unit_ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(row[0], row[1], row[2]): tuple(int(n) for n in row[3:]) for row in cursor.fetchall()}


# --- Indicators in the rate (docs/indicators.md §7) ------------------------------------------


def _latest_due(on: datetime.date, rules: Rules) -> list[tuple[str, datetime.date]]:
    return [
        (periodicity, latest_due_period(periodicity, on=on, rules=rules).end)
        for periodicity, _label in INDICATOR_PERIODICITIES
    ]


def indicator_counts_sql(
    *, on: datetime.date, rules: Rules, unit_ids: Collection[int] | None = None
) -> tuple[str, list]:
    """One aggregate: per unit (columns unit_id, n_ind, n_ind_green), its active
    assignments' stored figures in the latest period of their periodicity that was due
    before `on` that are coloured, and green, if the figure's own due date is before `on`
    too (as the boards choose it: reports/boards/selectors/indicators.py). An assignment
    with no figure for that period (measured from a later baseline) counts nothing."""
    latest = _latest_due(on, rules)
    ends = sorted({end for _periodicity, end in latest})
    ops = connection.ops
    which = " OR ".join("(i.periodicity = %s AND f.period_end = %s)" for _ in latest)
    params: list = [ops.adapt_datefield_value(end) for end in ends]
    for periodicity, end in latest:
        params += [periodicity, ops.adapt_datefield_value(end)]
    only = ""
    if unit_ids is not None:
        only = f" AND f.unit_id IN ({', '.join(str(int(u)) for u in sorted(unit_ids)) or 'NULL'})"
    figures = IndicatorFigure._meta.db_table
    assignments = IndicatorAssignment._meta.db_table
    indicators = Indicator._meta.db_table
    sql = (
        f"SELECT f.unit_id, CAST(SUM(CASE WHEN f.colour <> '{Colour.NONE}' THEN 1 ELSE 0 END) AS INTEGER)"
        f" AS n_ind, CAST(SUM(CASE WHEN f.colour = '{Colour.GREEN}' THEN 1 ELSE 0 END) AS INTEGER)"
        f" AS n_ind_green FROM {figures} AS f JOIN {assignments} AS a ON a.id = f.assignment_id"
        f" JOIN {indicators} AS i ON i.id = a.indicator_id"
        f" WHERE f.period_end IN ({', '.join('%s' for _ in ends)}) AND ({which}) AND f.due_date < %s"
        f" AND a.is_active AND i.is_active{only} GROUP BY f.unit_id"
    )
    return sql, [*params, ops.adapt_datefield_value(on)]


def indicator_counts(*, on: datetime.date, rules: Rules) -> dict[int, tuple[int, int]]:
    """The reference for indicator_counts_sql, through the ORM: unit -> (coloured, green)."""
    which = Q()
    for periodicity, end in _latest_due(on, rules):
        which |= Q(indicator__periodicity=periodicity, period_end=end)
    found: dict[int, list[int]] = {}
    rows = IndicatorFigure.objects.filter(
        which, due_date__lt=on, assignment__is_active=True, assignment__indicator__is_active=True
    )
    for unit_id, colour in rows.values_list("unit_id", "colour"):
        counts = found.setdefault(unit_id, [0, 0])
        counts[0] += colour != Colour.NONE
        counts[1] += colour == Colour.GREEN
    return {unit_id: (coloured, green) for unit_id, (coloured, green) in found.items() if coloured or green}
