"""Reads for the officials' pages: "my tasks" with its filters and colour counts, and
everything the task page shows. Colours come from the greening rules, computed in SQL
for lists and with the Python reference for one task, so both agree by construction."""

import datetime
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Avg, Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When

from tasks_app.greening.rules import Rules, state_colour, task_state, task_state_expression
from tasks_app.models import Colour, Evidence, Plan, Task, TaskGroup, TaskState, TaskStatus, TaskUpdate, Unit
from tasks_app.selectors.greening import TaskReason

TASKS_PER_PAGE = 25
OPEN_STATUSES = (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS, TaskStatus.AWAITING_APPROVAL)
COLOUR_ORDER = (Colour.RED, Colour.YELLOW, Colour.GREEN, Colour.NONE)


def states_of_colour(colour: str, rules: Rules) -> list[str]:
    """The task states that show as `colour`; Colour.NONE means not counted."""
    wanted = None if colour == Colour.NONE else colour
    return [state for state in TaskState.values if state_colour(state, rules) == wanted]


def colour_expression(rules: Rules) -> Case:
    """The task colour as SQL, from the `greening_state` annotation."""
    return Case(
        *[
            When(greening_state__in=states_of_colour(colour, rules), then=Value(colour.value))
            for colour in (Colour.GREEN, Colour.YELLOW, Colour.RED)
        ],
        default=Value(Colour.NONE.value),
    )


def with_colours(tasks: QuerySet[Task], *, on: datetime.date, rules: Rules) -> QuerySet[Task]:
    return tasks.annotate(greening_state=task_state_expression(on=on, rules=rules)).annotate(
        colour=colour_expression(rules)
    )


@dataclass(frozen=True)
class TaskFilters:
    """The list's filters, as they travel in the URL."""

    status: str = ""
    colour: str = ""
    plan: int | None = None
    task_group: int | None = None
    due_within_days: int | None = None
    search: str = ""
    unit: int | None = None


@dataclass
class TaskList:
    page: Page
    colour_counts: dict[str, int]
    total: int


def task_list(
    tasks: QuerySet[Task],
    *,
    filters: TaskFilters,
    on: datetime.date,
    rules: Rules,
    page_number: int | str = 1,
) -> TaskList:
    """Filtered tasks, overdue first and then by deadline, with a count per colour.

    The colour counts apply every filter except the colour itself, so each count says what
    choosing that colour would show."""
    tasks = with_colours(tasks, on=on, rules=rules)
    if filters.unit:
        tasks = tasks.filter(lead_unit_id=filters.unit)
    if filters.status:
        tasks = tasks.filter(status=filters.status)
    if filters.plan:
        tasks = tasks.filter(plan_id=filters.plan)
    if filters.task_group:
        tasks = tasks.filter(task_group_id=filters.task_group)
    if filters.due_within_days is not None:
        tasks = tasks.filter(
            status__in=OPEN_STATUSES,
            deadline__gte=on,
            deadline__lte=on + datetime.timedelta(days=filters.due_within_days),
        )
    if filters.search:
        tasks = tasks.filter(Q(code__icontains=filters.search) | Q(title__icontains=filters.search))
    counts = tasks.aggregate(
        **{colour.value: Count("pk", filter=Q(colour=colour.value)) for colour in COLOUR_ORDER}
    )
    if filters.colour:
        tasks = tasks.filter(colour=filters.colour)
    ordered = (
        tasks.annotate(
            overdue_first=Case(
                When(greening_state=TaskState.OVERDUE, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .select_related("plan", "lead_unit", "task_group")
        .only(
            "code",
            "title",
            "deadline",
            "status",
            "progress",
            "is_key",
            "plan__code",
            "lead_unit__name",
            "task_group__number",
            "task_group__name",
        )
        .order_by("overdue_first", "deadline", "code", "pk")
    )
    total = counts[filters.colour] if filters.colour else sum(counts.values())
    paginator = Paginator(ordered, TASKS_PER_PAGE)
    paginator.count = total  # known from the colour counts: saves a COUNT(*)
    return TaskList(page=paginator.get_page(page_number), colour_counts=counts, total=total)


def filter_choices(tasks: QuerySet[Task]) -> tuple[list[Plan], list[TaskGroup]]:
    """The plans and task groups the user's tasks belong to, for the filter menus."""
    plans = list(Plan.objects.filter(pk__in=tasks.values("plan_id")).order_by("-issue_date", "code"))
    groups = list(
        TaskGroup.objects.filter(pk__in=tasks.values("task_group_id"))
        .select_related("plan")
        .order_by("plan__code", "number")
    )
    return plans, groups


# --- One task ---------------------------------------------------------------------------


def task_colour_reason(task: Task, *, on: datetime.date, rules: Rules) -> TaskReason:
    """The task's state and colour on `on`, with the figures that explain it."""
    state = task_state(
        status=task.status,
        progress=task.progress,
        start_date=task.start_date,
        deadline=task.deadline,
        completed_on=task.completed_on,
        on=on,
        rules=rules,
    )
    extra: dict = {}
    if state == TaskState.OVERDUE:
        extra["days_late"] = (on - task.deadline).days
    elif state == TaskState.COMPLETED_LATE and task.completed_on:
        extra["days_late"] = (task.completed_on - task.deadline).days
    elif state in (TaskState.BEHIND_SCHEDULE, TaskState.NOT_STARTED_LATE, TaskState.ON_TRACK):
        planned = (task.deadline - task.start_date).days
        elapsed = max((on - task.start_date).days, 0)
        extra["elapsed_percent"] = 100 if planned == 0 else min(100, elapsed * 100 // planned)
        extra["behind_by_pp"] = max(extra["elapsed_percent"] - task.progress, 0)
        if state == TaskState.NOT_STARTED_LATE:
            extra["days_since_start"] = elapsed
    return TaskReason(
        task_id=task.pk,
        code=task.code,
        title=task.title,
        state=state,
        colour=state_colour(state, rules),
        is_key=task.is_key,
        deadline=task.deadline,
        progress=task.progress,
        **extra,
    )


@dataclass
class ChildRollup:
    """A cascaded task's children, summed in the database."""

    total: int = 0
    completed: int = 0
    average_progress: float | None = None
    red: int = 0
    yellow: int = 0
    green: int = 0

    @property
    def completed_percent(self) -> int | None:
        return round(self.completed * 100 / self.total) if self.total else None


@dataclass
class TaskPage:
    task: Task
    colour: TaskReason
    coordinating_units: list[Unit]
    updates: list[TaskUpdate]
    days_left: int | None  # open tasks not yet overdue: whole days until the deadline
    children: list[Task] = field(default_factory=list)
    children_rollup: ChildRollup | None = None


CHILDREN_SHOWN = 200
UPDATES_SHOWN = 100


def task_page(task_id: int, *, on: datetime.date, rules: Rules) -> TaskPage:
    task = Task.objects.select_related(
        "plan", "task_group", "phase", "lead_unit", "responsible_user", "created_by", "parent"
    ).get(pk=task_id)
    updates = list(
        task.updates.select_related("author")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("id")))
        .order_by("-version")[:UPDATES_SHOWN]
    )
    page = TaskPage(
        task=task,
        colour=task_colour_reason(task, on=on, rules=rules),
        coordinating_units=list(task.coordinating_units.order_by("name")),
        updates=updates,
        days_left=(task.deadline - on).days if task.status in OPEN_STATUSES and task.deadline >= on else None,
    )
    children = with_colours(task.children.all(), on=on, rules=rules)
    rollup = children.aggregate(
        total=Count("pk"),
        completed=Count("pk", filter=Q(status=TaskStatus.COMPLETED)),
        average_progress=Avg("progress"),
        red=Count("pk", filter=Q(colour=Colour.RED)),
        yellow=Count("pk", filter=Q(colour=Colour.YELLOW)),
        green=Count("pk", filter=Q(colour=Colour.GREEN)),
    )
    if rollup["total"]:
        page.children_rollup = ChildRollup(**rollup)
        severity = Case(
            When(colour=Colour.RED, then=Value(0)),
            When(colour=Colour.YELLOW, then=Value(1)),
            When(colour=Colour.GREEN, then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        )
        page.children = list(
            children.select_related("lead_unit")
            .annotate(severity=severity)
            .order_by("severity", "lead_unit__name")[:CHILDREN_SHOWN]
        )
    return page


def updates_since(task: Task, version: int) -> list[TaskUpdate]:
    """What others recorded after `version`: the conflict message shows these."""
    return list(task.updates.filter(version__gt=version).select_related("author").order_by("version"))
