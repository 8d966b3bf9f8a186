"""Reads for greening: "why this colour" for any unit and date, and the snapshot figures
the dashboards and reports show."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Case, DateField, F, IntegerField, OuterRef, Q, Subquery, Value, When

from tasks_app.clock import end_of_day, local_today
from tasks_app.greening.counting import task_source, with_states
from tasks_app.greening.rollup import ALL
from tasks_app.greening.rules import DaysBetween, Rules, state_colour
from tasks_app.models import Colour, GreeningPolicy, GreeningSnapshot, TaskState, TaskUpdate, Unit

FLAGGED_STATES = (
    TaskState.OVERDUE,
    TaskState.BEHIND_SCHEDULE,
    TaskState.NOT_STARTED_LATE,
    TaskState.COMPLETED_LATE,
)
NOT_COUNTED_STATES = (TaskState.PAUSED, TaskState.CANCELLED)


@dataclass(frozen=True)
class TaskReason:
    """One task that pulls a unit's colour down, and by how much."""

    task_id: int
    code: str
    title: str
    state: str
    colour: str | None
    is_key: bool
    deadline: datetime.date
    progress: int
    days_late: int | None = None  # overdue: days past the deadline; completed late: days after it
    elapsed_percent: int | None = None  # share of [start, deadline] gone by
    behind_by_pp: int | None = None  # elapsed share minus progress, in percentage points
    days_since_start: int | None = None  # not started: days since the planned start
    note: str = ""  # paused or cancelled: the reason recorded with that change

    @property
    def state_label(self) -> str:
        return TaskState(self.state).label


@dataclass
class ColourExplanation:
    unit: Unit
    on_date: datetime.date
    scope: str
    rules: Rules
    snapshot: GreeningSnapshot | None
    tasks: list[TaskReason] = field(default_factory=list)
    tasks_total: int = 0
    not_counted: list[TaskReason] = field(default_factory=list)
    child_units: list[GreeningSnapshot] = field(default_factory=list)

    @property
    def colour(self) -> str:
        return self.snapshot.colour if self.snapshot else Colour.NONE


def current_policy() -> GreeningPolicy:
    """The policy in force, with its bands, in one read a page can share."""
    return GreeningPolicy.objects.prefetch_related("bands").get()


def current_rules() -> Rules:
    return Rules.from_policy(current_policy())


def explain_unit_colour(
    *,
    unit: Unit,
    on: datetime.date | None = None,
    scope: str = ALL,
    limit: int = 50,
    rules: Rules | None = None,
    with_child_units: bool = True,
) -> ColourExplanation:
    """What makes `unit` the colour it is on `on`: its red and yellow tasks (most serious
    first, with days late or how far behind), the tasks not counted and why, and its
    child units that are not green."""
    today = local_today()
    on = on or today
    rules = rules or current_rules()
    snapshot = GreeningSnapshot.objects.filter(unit=unit, on_date=on, scope=scope).first()
    explanation = ColourExplanation(unit=unit, on_date=on, scope=scope, rules=rules, snapshot=snapshot)

    source = task_source(on=on, today=today)
    cols, prefix = source.cols, source.cols.task_prefix
    rows = with_states(source, on=on, rules=rules).filter(**{cols.lead_unit: unit})
    kind, _, object_id = scope.partition(":")
    if kind == "plan":
        rows = rows.filter(**{cols.plan: int(object_id)})
    elif kind == "group":
        rows = rows.filter(**{cols.task_group: int(object_id)})
    day = Value(on, output_field=DateField())
    rows = rows.annotate(
        severity=Case(When(greening_state=TaskState.OVERDUE, then=Value(0)), default=Value(1)),
        days_after_deadline=DaysBetween(day, F(cols.deadline)),
        days_completed_after=DaysBetween(F(cols.completed_on), F(cols.deadline)),
        days_elapsed=DaysBetween(day, F(cols.start_date)),
        days_planned=DaysBetween(F(cols.deadline), F(cols.start_date)),
    )
    fields = {
        "task_id": cols.task,
        "code": f"{prefix}code",
        "title": f"{prefix}title",
        "state": "greening_state",
        "is_key": cols.is_key,
        "deadline": cols.deadline,
        "progress": cols.progress,
    }
    flagged = rows.filter(greening_state__in=FLAGGED_STATES)
    explanation.tasks_total = flagged.count()
    ordered = flagged.order_by("severity", f"-{cols.is_key}", cols.deadline, f"{prefix}code")[:limit]
    explanation.tasks = [_reason(row, fields, rules) for row in ordered.values(*_value_paths(fields))]

    reason_note = (
        TaskUpdate.objects.filter(
            task=OuterRef(cols.task), status_after=OuterRef(cols.status), created_at__lt=end_of_day(on)
        )
        .exclude(note="")
        .order_by("-version")
        .values("note")[:1]
    )
    paused = rows.filter(greening_state__in=NOT_COUNTED_STATES).annotate(reason=Subquery(reason_note))
    explanation.not_counted = [
        _reason(row, fields, rules)
        for row in paused.order_by(f"{prefix}code")[:limit].values(*_value_paths(fields), "reason")
    ]
    if not with_child_units:  # a board lists its child units itself
        return explanation
    explanation.child_units = list(
        GreeningSnapshot.objects.filter(unit__parent=unit, on_date=on, scope=scope)
        .filter(Q(colour=Colour.RED) | Q(colour=Colour.YELLOW))
        .select_related("unit")
        .annotate(
            severity=Case(
                When(colour=Colour.RED, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("severity", "rate", "unit__sort_key")
    )
    return explanation


def _value_paths(fields: dict[str, str]) -> list[str]:
    return [*fields.values(), "days_after_deadline", "days_completed_after", "days_elapsed", "days_planned"]


def _reason(row: dict, fields: dict[str, str], rules: Rules) -> TaskReason:
    values = {name: row[path] for name, path in fields.items()}
    state = values["state"]
    extra: dict = {}
    if state == TaskState.OVERDUE:
        extra["days_late"] = row["days_after_deadline"]
    elif state == TaskState.COMPLETED_LATE:
        extra["days_late"] = row["days_completed_after"]
    elif state in (TaskState.BEHIND_SCHEDULE, TaskState.NOT_STARTED_LATE):
        planned, elapsed = row["days_planned"], max(row["days_elapsed"], 0)
        elapsed_percent = 100 if planned == 0 else min(100, elapsed * 100 // planned)
        extra["elapsed_percent"] = elapsed_percent
        extra["behind_by_pp"] = max(elapsed_percent - values["progress"], 0)
        if state == TaskState.NOT_STARTED_LATE:
            extra["days_since_start"] = elapsed
    if "reason" in row:
        extra["note"] = row["reason"] or ""
    return TaskReason(**values, colour=state_colour(state, rules), **extra)
