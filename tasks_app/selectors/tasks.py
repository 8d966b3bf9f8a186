"""Reads for the officials' pages: "my tasks" with its filters and colour counts, and
everything the task page shows. Colours come from the greening rules, computed in SQL
for lists and with the Python reference for one task, so both agree by construction."""

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypedDict, TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import Avg, Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks_app.greening.counting import TaskSource, with_states
from tasks_app.greening.rules import Rules, TaskColumns, state_colour
from tasks_app.models import (
    OPEN_STATUSES,
    Colour,
    Evidence,
    Plan,
    Task,
    TaskGroup,
    TaskState,
    TaskStatus,
    TaskUpdate,
    Unit,
    group_scope_ids,
    groups_implemented_by,
    plan_scope_ids,
    plans_implemented_by,
)
from tasks_app.selectors.greening import TaskReason, task_reason


class GreeningState(TypedDict):
    greening_state: str  # a TaskState, computed by the rules in SQL


if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise, WithAnnotations

    # A task read with its state (tasks_with_states).
    StatedTask = WithAnnotations[Task, GreeningState]


class _ColouredRow(Protocol):
    """A task row with its state, to be given its colour (Task.colour)."""

    @property
    def greening_state(self) -> str: ...

    colour: str


_Row = TypeVar("_Row", bound=_ColouredRow)

TASKS_PER_PAGE = 25
COLOUR_ORDER = (Colour.RED, Colour.YELLOW, Colour.GREEN, Colour.NONE)
# A task has no colour when it is not counted (paused, cancelled). Colour.NONE's own label,
# "no counted tasks", speaks of a unit; said of a count of tasks it contradicts itself.
TASK_COLOUR_LABELS = {
    Colour.RED.value: Colour.RED.label,
    Colour.YELLOW.value: Colour.YELLOW.label,
    Colour.GREEN.value: Colour.GREEN.label,
    Colour.NONE.value: gettext_lazy("Not counted for colour"),
}


def task_colour_choices() -> "list[tuple[str, StrOrPromise]]":
    # Lazy labels: a form builds its choices once, at import, before any language is active.
    return [(colour.value, TASK_COLOUR_LABELS[colour.value]) for colour in COLOUR_ORDER]


def not_counted_explanation(rules: Rules) -> str:
    """Which tasks are not counted for colour, from the rules themselves."""
    statuses = [TaskStatus(state).label for state in states_of_colour(Colour.NONE, rules)]
    return _("Not counted for colour: %(statuses)s tasks, which count neither for nor against the unit.") % {
        "statuses": ", ".join(str(label).lower() for label in statuses)
    }


def states_of_colour(colour: str, rules: Rules) -> list[str]:
    """The task states that show as `colour`; Colour.NONE means not counted."""
    wanted = None if colour == Colour.NONE else colour
    return [state for state in TaskState.values if state_colour(state, rules) == wanted]


def tasks_with_states(tasks: QuerySet[Task], *, on: datetime.date, rules: Rules) -> "QuerySet[StatedTask]":
    """`tasks` annotated with `greening_state`, read from their own (live) columns."""
    return with_states(TaskSource(tasks, TaskColumns()), on=on, rules=rules)


def count_colours(tasks: "QuerySet[StatedTask]", rules: Rules) -> dict[str, int]:
    """Tasks per colour, from one GROUP BY over the state (the colour is a function of it)."""
    counts = dict.fromkeys((c.value for c in COLOUR_ORDER), 0)
    for row in tasks.order_by().values("greening_state").annotate(n=Count("pk")):
        counts[state_colour(row["greening_state"], rules) or Colour.NONE.value] += row["n"]
    return counts


def _set_colours(tasks: list[_Row], rules: Rules) -> list[_Row]:
    for task in tasks:
        task.colour = state_colour(task.greening_state, rules) or Colour.NONE.value
    return tasks


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
    parent: int | None = None  # a cascaded task: list its communes' copies


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
    """Filtered tasks, overdue first, then open work by deadline, then the closed ones
    (completed, paused, cancelled), with a count per colour.

    The colour counts apply every filter except the colour itself, so each count says what
    choosing that colour would show."""
    stated = tasks_with_states(tasks, on=on, rules=rules)
    if filters.unit:
        stated = stated.filter(lead_unit_id=filters.unit)
    if filters.parent:
        stated = stated.filter(parent_id=filters.parent)
    if filters.status:
        stated = stated.filter(status=filters.status)
    else:
        # Withdrawn copies are no longer the unit's work; the status filter still finds them.
        stated = stated.exclude(status=TaskStatus.WITHDRAWN)
    if filters.plan:  # with the plans that implement it, as the boards count a plan
        stated = stated.filter(plan_id__in=plan_scope_ids(filters.plan))
    if filters.task_group:  # likewise with the groups that implement it
        stated = stated.filter(task_group_id__in=group_scope_ids(filters.task_group))
    if filters.due_within_days is not None:
        stated = stated.filter(
            status__in=OPEN_STATUSES,
            deadline__gte=on,
            deadline__lte=on + datetime.timedelta(days=filters.due_within_days),
        )
    if filters.search:
        # Folded like the stored column, so case, diacritics and NFD/NFC do not matter;
        # a plain LIKE, which PostgreSQL's trigram index answers.
        stated = stated.filter(search_text__matches=filters.search)
    counts = count_colours(stated, rules)
    if filters.colour:
        # django-stubs checks an annotation's `__in` lookup as if it were `exact`.
        stated = stated.filter(greening_state__in=states_of_colour(filters.colour, rules))  # type: ignore[misc]
    ordered = (
        stated.annotate(
            # Open work first, overdue (the state "overdue", without repeating the state's
            # CASE) ahead of the rest; completed, paused and cancelled tasks at the end.
            work_order=Case(
                When(Q(status__in=OPEN_STATUSES, deadline__lt=on), then=Value(0)),
                When(status__in=OPEN_STATUSES, then=Value(1)),
                default=Value(2),
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
        .order_by("work_order", "deadline", "code", "pk")
    )
    total = counts[filters.colour] if filters.colour else sum(counts.values())
    paginator = Paginator(ordered, TASKS_PER_PAGE)
    paginator.count = total  # known from the colour counts: saves a COUNT(*)
    page = paginator.get_page(page_number)
    page.object_list = _set_colours(list(page.object_list), rules)
    return TaskList(page=page, colour_counts=counts, total=total)


def filter_choices(tasks: QuerySet[Task]) -> tuple[list[Plan], list[TaskGroup]]:
    """The plans and task groups the user's tasks belong to, for the filter menus, with
    the higher plans and groups those implement (filtering by one includes those below)."""
    plans = list(
        Plan.objects.filter(pk__in=_with_implemented(tasks, "plan_id", plans_implemented_by())).order_by(
            "-issue_date", "code"
        )
    )
    groups = list(
        TaskGroup.objects.filter(pk__in=_with_implemented(tasks, "task_group_id", groups_implemented_by()))
        .select_related("plan")
        .order_by("plan__code", "number")
    )
    return plans, groups


def _with_implemented(tasks: QuerySet[Task], column: str, implemented: dict[int, frozenset[int]]) -> set[int]:
    own = set(
        tasks.order_by().exclude(**{f"{column}__isnull": True}).values_list(column, flat=True).distinct()
    )
    return set().union(*(implemented.get(i, {i}) for i in own)) if own else set()


# --- One task ---------------------------------------------------------------------------


def task_colour_reason(task: Task, *, on: datetime.date, rules: Rules) -> TaskReason:
    """The task's state and colour on `on`, with the rule and the figures that explain it."""
    return task_reason(
        task_id=task.pk,
        code=task.code,
        title=task.title,
        is_key=task.is_key,
        status=task.status,
        progress=task.progress,
        start_date=task.start_date,
        deadline=task.deadline,
        completed_on=task.completed_on,
        on=on,
        rules=rules,
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
    children: "list[StatedTask]" = field(default_factory=list)
    children_rollup: ChildRollup | None = None
    children_withdrawn: int = 0  # copies taken back from their communes, left out above
    # Copies given to units outside the reader's scope, left out of the list and the sums.
    children_hidden: bool = False


# The rest are a link away, in the task list filtered by this parent.
CHILDREN_SHOWN = 30
UPDATES_SHOWN = 100


def task_page(
    task_id: int, *, on: datetime.date, rules: Rules, with_history: bool = True, seen: Q | None = None
) -> TaskPage:
    """Everything the task page shows. Without `with_history` (a unit reading the task its
    own copy was assigned from), only the task itself: no updates, no other units' copies.

    `seen` is the reader's scope (tasks_app.access.visible_task_condition; None: every
    task): the copies listed, summed and counted are those the reader may open."""
    task = Task.objects.select_related(
        "plan__issuing_unit",
        "task_group",
        "phase",
        "lead_unit",
        "responsible_user",
        "created_by",
        "parent__lead_unit",
    ).get(pk=task_id)
    updates = (
        list(
            task.updates.select_related("author")
            .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("id")))
            .order_by("-version")[:UPDATES_SHOWN]
        )
        if with_history
        else []
    )
    page = TaskPage(
        task=task,
        colour=task_colour_reason(task, on=on, rules=rules),
        coordinating_units=list(task.coordinating_units.order_by("sort_key", "code")),
        updates=updates,
        days_left=(task.deadline - on).days if task.status in OPEN_STATUSES and task.deadline >= on else None,
    )
    if not with_history:
        return page
    copies = task.children.all()
    if seen is not None:
        page.children_hidden = copies.exclude(seen).exists()
        copies = copies.filter(seen)
    assigned = copies.exclude(status=TaskStatus.WITHDRAWN)
    page.children_withdrawn = copies.filter(status=TaskStatus.WITHDRAWN).count()
    children = tasks_with_states(assigned, on=on, rules=rules)
    rollup = assigned.aggregate(
        total=Count("pk"),
        completed=Count("pk", filter=Q(status=TaskStatus.COMPLETED)),
        average_progress=Avg("progress"),
    )
    if rollup["total"]:
        colours = count_colours(children, rules)
        page.children_rollup = ChildRollup(
            **rollup, red=colours[Colour.RED], yellow=colours[Colour.YELLOW], green=colours[Colour.GREEN]
        )
        severity = {colour.value: rank for rank, colour in enumerate(COLOUR_ORDER)}
        rows = _set_colours(
            list(
                children.select_related("lead_unit").only(
                    "code", "status", "progress", "lead_unit__name", "lead_unit__sort_key", "parent_id"
                )
            ),
            rules,
        )
        rows.sort(key=lambda child: (severity[child.colour], child.lead_unit.sort_key))
        page.children = rows[:CHILDREN_SHOWN]
    return page
