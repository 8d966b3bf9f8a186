"""What to chase on a board: the longest-overdue tasks, the tasks behind schedule that are
due within a week, and the units that have gone quiet (no update by their own people).

Task lists are read from the tasks themselves, as of the board's date, each in one query
with its total counted in the same statement.
"""

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Count, Exists, F, Max, OuterRef, QuerySet, Subquery, Value, Window

from reports.boards.selectors.figures import BoardFilters, UnitFigures
from tasks_app.clock import end_of_day, local_today
from tasks_app.greening.counting import TaskSource, task_source, with_states
from tasks_app.greening.rules import DaysBetween, Rules
from tasks_app.models import (
    OPEN_STATUSES,
    Task,
    TaskState,
    TaskUpdate,
    Unit,
    group_scope_ids,
    plan_scope_ids,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

SILENT_AFTER_DAYS = 7
DUE_SOON_DAYS = 7
BOTTLENECK_ROWS = 10
# Behind schedule, or not started when it should have been: both miss their deadline
# unless someone acts this week.
BEHIND_STATES = (TaskState.BEHIND_SCHEDULE, TaskState.NOT_STARTED_LATE)


@dataclass(frozen=True)
class BottleneckTask:
    task_id: int
    code: str
    title: str
    unit_name: str
    unit_id: int
    deadline: datetime.date
    progress: int
    is_key: bool
    state: str
    days: int  # overdue: days past the deadline; due soon: days left


@dataclass
class Bottlenecks:
    overdue: list[BottleneckTask] = field(default_factory=list)
    overdue_total: int = 0
    due_soon: list[BottleneckTask] = field(default_factory=list)
    due_soon_total: int = 0
    silent: list[UnitFigures] = field(default_factory=list)
    silent_total: int = 0


def bottlenecks(
    *,
    unit_ids: list[int] | None,
    filters: BoardFilters,
    on: datetime.date,
    rules: Rules,
    silent_units: Sequence[UnitFigures] = (),
    overdue_total: int | None = None,
) -> Bottlenecks:
    """What to chase: the longest-overdue tasks, the tasks behind schedule that are due
    within a week, and the units that have gone quiet. Each list is one query, with its
    total counted in the same statement (a window over the matching rows). A board passes
    the overdue total its snapshot already holds: counting thousands of overdue rows
    again would cost more than reading the ten oldest through the index."""
    overdue, due_soon, fields = _bottleneck_queries(unit_ids=unit_ids, filters=filters, on=on, rules=rules)
    overdue = overdue.annotate(
        total=Value(overdue_total) if overdue_total is not None else Window(Count("pk"))
    ).values(*fields.values(), "days", "total")[:BOTTLENECK_ROWS]
    due_soon = due_soon.annotate(total=Window(Count("pk"))).values(
        *fields.values(), "greening_state", "days", "total"
    )[:BOTTLENECK_ROWS]
    result = Bottlenecks()
    for row in overdue:
        result.overdue_total = row["total"]
        result.overdue.append(_bottleneck(row, fields, TaskState.OVERDUE))
    for row in due_soon:
        result.due_soon_total = row["total"]
        result.due_soon.append(_bottleneck(row, fields, row["greening_state"]))
    quiet = sorted(
        (row for row in silent_units if row.silent),
        # Never reported first, then the longest quiet.
        key=lambda row: (row.last_update is not None, row.last_update or 0, row.unit.sort_key),
    )
    result.silent, result.silent_total = quiet[:BOTTLENECK_ROWS], len(quiet)
    return result


def bottleneck_tasks(
    *, unit_ids: list[int] | None, filters: BoardFilters, on: datetime.date, rules: Rules
) -> tuple[Iterator[BottleneckTask], Iterator[BottleneckTask]]:
    """Every overdue task and every task behind schedule and due within a week, in the
    boards' order: the full lists behind `bottlenecks`, for the Excel file. Rows are
    streamed from the database, so a national list of many thousands stays small."""
    overdue, due_soon, fields = _bottleneck_queries(unit_ids=unit_ids, filters=filters, on=on, rules=rules)
    overdue_rows = overdue.values(*fields.values(), "days").iterator(chunk_size=2000)
    due_soon_rows = due_soon.values(*fields.values(), "greening_state", "days").iterator(chunk_size=2000)
    return (
        (_bottleneck(row, fields, TaskState.OVERDUE) for row in overdue_rows),
        (_bottleneck(row, fields, row["greening_state"]) for row in due_soon_rows),
    )


def _bottleneck_queries(
    *, unit_ids: list[int] | None, filters: BoardFilters, on: datetime.date, rules: Rules
) -> tuple[QuerySet, QuerySet, dict[str, str]]:
    """The overdue and the due-soon tasks as two ordered querysets, not yet sliced, and the
    BottleneckTask fields they carry."""
    source = task_source(on=on, today=local_today())
    cols, prefix = source.cols, source.cols.task_prefix
    rows = source.queryset
    if unit_ids is not None:  # None: every unit (the national report)
        rows = rows.filter(**{f"{cols.lead_unit}__in": unit_ids})
    if filters.group is not None:  # with the groups implementing it, as the snapshots count
        rows = rows.filter(**{f"{cols.task_group}__in": group_scope_ids(filters.group.pk)})
    elif filters.plan is not None:  # with the plans implementing it, as the snapshots count
        rows = rows.filter(**{f"{cols.plan}__in": plan_scope_ids(filters.plan.pk)})
    day = Value(on)
    due_window = {
        f"{cols.deadline}__gte": on,
        f"{cols.deadline}__lte": on + datetime.timedelta(days=DUE_SOON_DAYS),
    }
    fields = {
        "task_id": cols.task,
        "code": f"{prefix}code",
        "title": f"{prefix}title",
        "unit_name": f"{prefix}lead_unit__name",
        "unit_id": cols.lead_unit,
        "deadline": cols.deadline,
        "progress": cols.progress,
        "is_key": cols.is_key,
    }
    # Overdue is an open status past the deadline (rule 4): no CASE needed, and both
    # conditions are indexed.
    overdue = (
        rows.filter(**{f"{cols.status}__in": OPEN_STATUSES, f"{cols.deadline}__lt": on})
        .annotate(days=DaysBetween(day, F(cols.deadline)))
        .order_by(cols.deadline, f"-{cols.is_key}", f"{prefix}code")
    )
    due_soon = (
        with_states(TaskSource(rows.filter(**due_window), cols), on=on, rules=rules)
        .filter(greening_state__in=BEHIND_STATES)
        .annotate(days=DaysBetween(F(cols.deadline), day))
        .order_by(cols.deadline, cols.progress, f"{prefix}code")
    )
    return overdue, due_soon, fields


def _bottleneck(row: dict, fields: dict[str, str], state: str) -> BottleneckTask:
    return BottleneckTask(**{name: row[path] for name, path in fields.items()}, state=state, days=row["days"])


class LastUpdates(TypedDict):
    """What `last_updates` adds to each unit."""

    last_update: datetime.datetime | None
    has_older_tasks: bool


def last_updates(
    units: QuerySet[Unit], *, on: datetime.date
) -> "QuerySet[WithAnnotations[Unit, LastUpdates]]":
    """`units` with `last_update`: when the unit's own people (its members) last changed a
    task it leads, by the end of `on`; and `has_older_tasks`: whether it was given a task
    before the quiet window, so it had something to report in it.

    A higher unit creating or cascading a task is not the unit reporting, so it does not
    count (otherwise one province cascade makes every commune look active). Today that is
    the newest Task.last_own_update_at, one index probe per unit on (lead unit, last own
    update); a past date asks the recorded updates whose author is a member of the unit."""
    # One subquery or the other: of tasks today, of recorded updates for a past date.
    newest: QuerySet[Any, Any]
    if on >= local_today():
        newest = (
            Task.objects.filter(lead_unit=OuterRef("pk"), last_own_update_at__isnull=False)
            .order_by("-last_own_update_at")
            .values("last_own_update_at")[:1]
        )
    else:
        # The newest as a MAX over the unit's tasks, not ORDER BY created_at LIMIT 1: for
        # that, PostgreSQL walks the index of every update's time backwards, looking up
        # each update's task until it finds one of the unit's (3 s for a province's 168
        # communes at 1M tasks); the MAX reads (task, created_at) per task (0.2 s).
        newest = (
            TaskUpdate.objects.filter(
                task__lead_unit=OuterRef("pk"),
                created_at__lt=end_of_day(on),
                author__memberships__unit=OuterRef("pk"),
            )
            .order_by()
            .values("task__lead_unit")
            .annotate(newest=Max("created_at"))
            .values("newest")
        )
    window_start = end_of_day(on) - datetime.timedelta(days=SILENT_AFTER_DAYS)
    older = Task.objects.filter(lead_unit=OuterRef("pk"), created_at__lt=window_start)
    return units.annotate(last_update=Subquery(newest), has_older_tasks=Exists(older))


def is_silent(unit: "WithAnnotations[Unit, LastUpdates]", *, on: datetime.date) -> bool:
    """Quiet: the unit had a task before the last 7 days up to the end of `on`, and its
    own people changed nothing in those 7 days (or ever). A unit with no task, or whose
    first task is newer than that, has had nothing to report yet."""
    window_start = end_of_day(on) - datetime.timedelta(days=SILENT_AFTER_DAYS)
    return unit.has_older_tasks and (unit.last_update is None or unit.last_update < window_start)
