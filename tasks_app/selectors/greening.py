"""Reads for greening: "why this colour" for any unit and date, and the snapshot figures
the dashboards and reports show."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, OuterRef, Q, Subquery, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tasks_app.clock import end_of_day, local_today
from tasks_app.greening.counting import task_source, with_states
from tasks_app.greening.rules import Rule, Rules, state_colour, task_verdict
from tasks_app.models import (
    OPEN_STATUSES,
    Colour,
    GreeningPolicy,
    GreeningSnapshot,
    TaskState,
    TaskUpdate,
    Unit,
    group_scope_ids,
    plan_scope_ids,
)
from tasks_app.models.greening import ALL_SCOPE

FLAGGED_STATES = (
    TaskState.OVERDUE,
    TaskState.BEHIND_SCHEDULE,
    TaskState.NOT_STARTED_LATE,
    TaskState.COMPLETED_LATE,
)
NOT_COUNTED_STATES = (TaskState.PAUSED, TaskState.CANCELLED)


@dataclass(frozen=True)
class TaskReason:
    """A task's state on a date, the rule that decided it, and the figures that rule
    compared: what the task page, the boards and the reports say about it."""

    task_id: int
    code: str
    title: str
    state: str
    rule: Rule
    colour: str | None
    is_key: bool
    start_date: datetime.date
    deadline: datetime.date
    progress: int
    rules: Rules
    days_late: int | None = None  # overdue: days past the deadline; completed late: days after it
    days_since_start: int = 0  # days from the planned start to the date (negative: ahead)
    days_left: int | None = None  # open and not overdue: days until the deadline
    elapsed_percent: int | None = None  # share of [start, deadline] gone by
    behind_by_pp: int | None = None  # elapsed share minus progress, in percentage points
    note: str = ""  # paused or cancelled: the reason recorded with that change

    @property
    def state_label(self) -> str:
        return str(TaskState(self.state).label)

    @property
    def sentence(self) -> str:
        """The reason in one sentence, naming the rule that decided the state."""
        return _RULE_SENTENCES[self.rule](self)


def task_reason(
    *,
    task_id: int,
    code: str,
    title: str,
    is_key: bool,
    status: str,
    progress: int,
    start_date: datetime.date,
    deadline: datetime.date,
    completed_on: datetime.date | None,
    on: datetime.date,
    rules: Rules,
    note: str = "",
) -> TaskReason:
    """A task's reason on `on`: the rules' verdict with the figures it rests on."""
    verdict = task_verdict(
        status=status,
        progress=progress,
        start_date=start_date,
        deadline=deadline,
        completed_on=completed_on,
        on=on,
        rules=rules,
    )
    planned = (deadline - start_date).days
    elapsed = (on - start_date).days
    elapsed_percent = 100 if planned == 0 else min(100, max(elapsed, 0) * 100 // planned)
    is_open = status in OPEN_STATUSES
    days_late = None
    if verdict.state == TaskState.OVERDUE:
        days_late = (on - deadline).days
    elif verdict.state == TaskState.COMPLETED_LATE and completed_on is not None:
        days_late = (completed_on - deadline).days
    return TaskReason(
        task_id=task_id,
        code=code,
        title=title,
        state=verdict.state,
        rule=verdict.rule,
        colour=state_colour(verdict.state, rules),
        is_key=is_key,
        start_date=start_date,
        deadline=deadline,
        progress=progress,
        rules=rules,
        days_late=days_late,
        days_since_start=elapsed,
        days_left=(deadline - on).days if is_open and on <= deadline else None,
        elapsed_percent=elapsed_percent if is_open else None,
        behind_by_pp=max(elapsed_percent - progress, 0) if is_open else None,
        note=note,
    )


def _not_started_on_time(r: TaskReason) -> str:
    if r.days_since_start < 0:
        return _("Not started yet: it is planned to start on %(start)s.") % {"start": _day(r.start_date)}
    return ngettext(
        "Not started yet, %(days)s day after its start date: within the %(grace)s days allowed to start.",
        "Not started yet, %(days)s days after its start date: within the %(grace)s days allowed to start.",
        r.days_since_start,
    ) % {"days": r.days_since_start, "grace": r.rules.not_started_grace_days}


def _behind_sentence(r: TaskReason) -> str:
    figures = {"elapsed": r.elapsed_percent, "progress": r.progress, "tolerance": r.rules.behind_tolerance_pp}
    if r.behind_by_pp is not None and r.behind_by_pp > r.rules.behind_tolerance_pp:
        # The real gap, not only the tolerance it passed: "20 points" read as the gap when it was 65.
        return _(
            "%(elapsed)s%% of the time has passed but progress is %(progress)s%%: %(gap)s points "
            "behind, more than the %(tolerance)s allowed."
        ) % {**figures, "gap": r.behind_by_pp}
    # The shown percentages are rounded down, so the gap they show can equal the tolerance
    # that the exact figures passed: then say only that it was passed.
    return (
        _(
            "%(elapsed)s%% of the time has passed but progress is %(progress)s%%: more than %(tolerance)s "
            "points behind."
        )
        % figures
    )


def _day(value: datetime.date) -> str:
    return value.strftime("%d/%m/%Y")


_RULE_SENTENCES = {
    Rule.PAUSED: lambda r: _("Paused: not counted in the unit's figures.") + (f" {r.note}" if r.note else ""),
    Rule.CANCELLED: lambda r: (
        _("Cancelled: not counted in the unit's figures.") + (f" {r.note}" if r.note else "")
    ),
    Rule.COMPLETED_BY_DEADLINE: lambda r: _("Completed by the deadline."),
    Rule.COMPLETED_AFTER_DEADLINE: lambda r: (
        ngettext(
            "Completed %(days)s day after the deadline.",
            "Completed %(days)s days after the deadline.",
            r.days_late,
        )
        % {"days": r.days_late}
    ),
    Rule.PAST_DEADLINE: lambda r: (
        ngettext(
            "Overdue by %(days)s day: the deadline was %(deadline)s.",
            "Overdue by %(days)s days: the deadline was %(deadline)s.",
            r.days_late,
        )
        % {"days": r.days_late, "deadline": _day(r.deadline)}
    ),
    Rule.NOT_STARTED_PAST_GRACE: lambda r: (
        ngettext(
            "Not started %(days)s day after its start date: more than the %(grace)s days allowed to start.",
            "Not started %(days)s days after its start date: more than the %(grace)s days allowed to start.",
            r.days_since_start,
        )
        % {"days": r.days_since_start, "grace": r.rules.not_started_grace_days}
    ),
    Rule.NOT_STARTED_TIME_AHEAD: lambda r: (
        _(
            "Not started although %(elapsed)s%% of the time has passed: more than %(tolerance)s points "
            "ahead of its progress (%(progress)s%%)."
        )
        % {"elapsed": r.elapsed_percent, "tolerance": r.rules.behind_tolerance_pp, "progress": r.progress}
    ),
    Rule.NOT_STARTED_NEAR_DEADLINE: lambda r: (
        ngettext(
            "Not started with %(days)s day left before the deadline.",
            "Not started with %(days)s days left before the deadline.",
            r.days_left,
        )
        % {"days": r.days_left}
    ),
    Rule.NOT_STARTED_WITHIN_GRACE: _not_started_on_time,
    Rule.TIME_AHEAD_OF_PROGRESS: lambda r: _behind_sentence(r),
    Rule.NEAR_DEADLINE_LOW_PROGRESS: lambda r: (
        ngettext(
            "%(days)s day left before the deadline and progress is %(progress)s%%, below the %(minimum)s%% "
            "expected by then.",
            "%(days)s days left before the deadline and progress is %(progress)s%%, below the %(minimum)s%% "
            "expected by then.",
            r.days_left,
        )
        % {"days": r.days_left, "progress": r.progress, "minimum": r.rules.near_deadline_min_progress}
    ),
    Rule.ON_SCHEDULE: lambda r: (
        _("On track: %(elapsed)s%% of the time has passed and progress is %(progress)s%%.")
        % {"elapsed": r.elapsed_percent, "progress": r.progress}
    ),
}


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
    scope: str = ALL_SCOPE,
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
    kind, _sep, object_id = scope.partition(":")
    if kind == "plan":  # the plan and the plans that implement it, as its snapshots count
        rows = rows.filter(**{f"{cols.plan}__in": plan_scope_ids(int(object_id))})
    elif kind == "group":  # likewise the group and the groups that implement it
        rows = rows.filter(**{f"{cols.task_group}__in": group_scope_ids(int(object_id))})
    rows = rows.annotate(
        severity=Case(When(greening_state=TaskState.OVERDUE, then=Value(0)), default=Value(1)),
    )
    # The rules' inputs: each reason is the reference's verdict on them (task_reason), which
    # the property tests hold to the SQL state these rows were chosen by.
    fields = {
        "task_id": cols.task,
        "code": f"{prefix}code",
        "title": f"{prefix}title",
        "is_key": cols.is_key,
        "status": cols.status,
        "progress": cols.progress,
        "start_date": cols.start_date,
        "deadline": cols.deadline,
        "completed_on": cols.completed_on,
    }
    flagged = rows.filter(greening_state__in=FLAGGED_STATES)
    explanation.tasks_total = flagged.count()
    ordered = flagged.order_by("severity", f"-{cols.is_key}", cols.deadline, f"{prefix}code")[:limit]
    explanation.tasks = [_reason(row, fields, rules, on) for row in ordered.values(*_value_paths(fields))]

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
        _reason(row, fields, rules, on)
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
    return list(fields.values())


def _reason(row: dict, fields: dict[str, str], rules: Rules, on: datetime.date) -> TaskReason:
    values = {name: row[path] for name, path in fields.items()}
    return task_reason(**values, on=on, rules=rules, note=row.get("reason") or "")
