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
from django.db.models import Case, Exists, F, OuterRef, QuerySet, When
from django.db.models.functions import TruncDate

from tasks_app.clock import LOCAL_TZ, end_of_day
from tasks_app.greening.rules import Rules, TaskColumns, task_state_expression
from tasks_app.models import STATE_COUNT_FIELDS, Task, TaskState, TaskStatus, TaskUpdate

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
