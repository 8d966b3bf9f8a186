"""The greening rules, defined once (docs/greening.md explains them in plain words).

`task_state()` is the reference: plain Python, one task at a time, kept small so a
reader can check it against the documentation. `task_state_expression()` states the same
rules as one SQL CASE, which the recompute, the selectors and the dashboards use. A
property test proves the two agree. Both use whole-day integer arithmetic only (no
division), so there is no rounding for them to disagree on.
"""

import datetime
import itertools
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db.models import Case, DateField, F, Func, IntegerField, Q, Value, When
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext as _

from tasks_app.models import Colour, GreeningPolicy, TaskState, TaskStatus

COUNTED_STATES = tuple(s for s in TaskState.values if s not in (TaskState.PAUSED, TaskState.CANCELLED))
# Colour severity, for "a higher band may not be a worse colour" and for sorting.
SEVERITY: dict[str, int] = {Colour.GREEN: 0, Colour.YELLOW: 1, Colour.RED: 2}


@dataclass(frozen=True)
class Band:
    colour: str
    lower: Decimal
    upper: Decimal


@dataclass(frozen=True)
class Rules:
    """The policy's values, detached from the database row so rules are pure functions."""

    behind_tolerance_pp: int = 20
    near_deadline_days: int = 7
    near_deadline_min_progress: int = 50
    not_started_grace_days: int = 14
    completed_late_is_green: bool = False
    overdue_key_task_makes_red: bool = True
    own_tasks_weight: int = 50
    # Indicators (docs/indicators.md §4, §5, §7).
    indicator_green_from: int = 95
    indicator_yellow_from: int = 60
    indicator_jump_percent: int = 50
    indicator_due_working_days: int = 2
    indicator_weight: int = 0
    bands: tuple[Band, ...] = (
        Band(Colour.RED, Decimal(0), Decimal(50)),
        Band(Colour.YELLOW, Decimal(50), Decimal(80)),
        Band(Colour.GREEN, Decimal(80), Decimal(100)),
    )
    version: int = 0

    @classmethod
    def from_policy(cls, policy: GreeningPolicy) -> "Rules":
        return cls(
            behind_tolerance_pp=policy.behind_tolerance_pp,
            near_deadline_days=policy.near_deadline_days,
            near_deadline_min_progress=policy.near_deadline_min_progress,
            not_started_grace_days=policy.not_started_grace_days,
            completed_late_is_green=policy.completed_late_is_green,
            overdue_key_task_makes_red=policy.overdue_key_task_makes_red,
            own_tasks_weight=policy.own_tasks_weight,
            indicator_green_from=policy.indicator_green_from,
            indicator_yellow_from=policy.indicator_yellow_from,
            indicator_jump_percent=policy.indicator_jump_percent,
            indicator_due_working_days=policy.indicator_due_working_days,
            indicator_weight=policy.indicator_weight,
            # Sorted here, not by the database, so a prefetched set of bands costs no query.
            bands=tuple(
                Band(b.colour, b.lower, b.upper) for b in sorted(policy.bands.all(), key=lambda b: b.lower)
            ),
            version=policy.version,
        )


# --- Task state ---------------------------------------------------------------------


class Rule(StrEnum):
    """Which rule decided a task's state: its sentence says this rule, and no other."""

    PAUSED = "paused"
    CANCELLED = "cancelled"
    COMPLETED_BY_DEADLINE = "completed_by_deadline"
    COMPLETED_AFTER_DEADLINE = "completed_after_deadline"
    PAST_DEADLINE = "past_deadline"
    NOT_STARTED_PAST_GRACE = "not_started_past_grace"
    NOT_STARTED_TIME_AHEAD = "not_started_time_ahead"
    NOT_STARTED_NEAR_DEADLINE = "not_started_near_deadline"
    NOT_STARTED_WITHIN_GRACE = "not_started_within_grace"
    TIME_AHEAD_OF_PROGRESS = "time_ahead_of_progress"
    NEAR_DEADLINE_LOW_PROGRESS = "near_deadline_low_progress"
    ON_SCHEDULE = "on_schedule"


@dataclass(frozen=True)
class Verdict:
    state: TaskState
    rule: Rule


def _behind_rule(
    *, progress: int, start: datetime.date, deadline: datetime.date, on: datetime.date, rules: Rules
) -> str | None:
    """Why an open task is behind on `on` (<= deadline): "time" when the time elapsed runs
    ahead of progress by more than the tolerance, "near" when the deadline is near and
    progress is low, None when it is not behind."""
    span = (deadline - start).days
    elapsed = (on - start).days
    # elapsed/span*100 - progress > tolerance, multiplied out to stay in integers.
    if elapsed * 100 > (progress + rules.behind_tolerance_pp) * span:
        return "time"
    if (deadline - on).days <= rules.near_deadline_days and progress < rules.near_deadline_min_progress:
        return "near"
    return None


def task_verdict(
    *,
    status: str,
    progress: int,
    start_date: datetime.date,
    deadline: datetime.date,
    completed_on: datetime.date | None,
    on: datetime.date,
    rules: Rules,
) -> Verdict:
    """The reference implementation: the task's state and the rule that decided it. The
    first rule that matches wins (docs/greening.md, section 1)."""
    if status == TaskStatus.PAUSED:
        return Verdict(TaskState.PAUSED, Rule.PAUSED)
    if status in (TaskStatus.CANCELLED, TaskStatus.WITHDRAWN):
        # A withdrawn copy is never read by the counts (task_source leaves it out); if
        # asked, it is not counted, as a cancelled task is.
        return Verdict(TaskState.CANCELLED, Rule.CANCELLED)
    if status == TaskStatus.COMPLETED:
        if completed_on is not None and completed_on <= deadline:
            return Verdict(TaskState.COMPLETED_ON_TIME, Rule.COMPLETED_BY_DEADLINE)
        return Verdict(TaskState.COMPLETED_LATE, Rule.COMPLETED_AFTER_DEADLINE)
    if on > deadline:
        return Verdict(TaskState.OVERDUE, Rule.PAST_DEADLINE)
    behind = _behind_rule(progress=progress, start=start_date, deadline=deadline, on=on, rules=rules)
    if status == TaskStatus.NOT_STARTED:
        if (on - start_date).days > rules.not_started_grace_days:
            return Verdict(TaskState.NOT_STARTED_LATE, Rule.NOT_STARTED_PAST_GRACE)
        if behind == "time":
            return Verdict(TaskState.NOT_STARTED_LATE, Rule.NOT_STARTED_TIME_AHEAD)
        if behind == "near":
            return Verdict(TaskState.NOT_STARTED_LATE, Rule.NOT_STARTED_NEAR_DEADLINE)
        return Verdict(TaskState.NOT_STARTED_ON_TIME, Rule.NOT_STARTED_WITHIN_GRACE)
    if behind == "time":
        return Verdict(TaskState.BEHIND_SCHEDULE, Rule.TIME_AHEAD_OF_PROGRESS)
    if behind == "near":
        return Verdict(TaskState.BEHIND_SCHEDULE, Rule.NEAR_DEADLINE_LOW_PROGRESS)
    return Verdict(TaskState.ON_TRACK, Rule.ON_SCHEDULE)


def task_state(
    *,
    status: str,
    progress: int,
    start_date: datetime.date,
    deadline: datetime.date,
    completed_on: datetime.date | None,
    on: datetime.date,
    rules: Rules,
) -> TaskState:
    """The task's state: the verdict without its reason."""
    return task_verdict(
        status=status,
        progress=progress,
        start_date=start_date,
        deadline=deadline,
        completed_on=completed_on,
        on=on,
        rules=rules,
    ).state


def state_colour(state: str, rules: Rules) -> str | None:
    """A task's colour; None for paused and cancelled tasks, which are not counted."""
    if state in (TaskState.COMPLETED_ON_TIME, TaskState.ON_TRACK, TaskState.NOT_STARTED_ON_TIME):
        return Colour.GREEN
    if state == TaskState.COMPLETED_LATE:
        return Colour.GREEN if rules.completed_late_is_green else Colour.YELLOW
    if state in (TaskState.BEHIND_SCHEDULE, TaskState.NOT_STARTED_LATE):
        return Colour.YELLOW
    if state == TaskState.OVERDUE:
        return Colour.RED
    return None


# --- The same rules in SQL --------------------------------------------------------------


class DaysBetween(Func):
    """`later - earlier` in whole days, for two DATE expressions."""

    output_field = IntegerField()
    arg_joiner = " - "
    template = "(%(expressions)s)"

    def __init__(self, later, earlier):
        super().__init__(later, earlier)

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


@dataclass(frozen=True)
class TaskColumns:
    """Where the inputs of the rules live in a queryset: the task's own columns (live),
    or the columns of the last update recorded by a date (as of a past date)."""

    status: str = "status"
    progress: str = "progress"
    start_date: str = "start_date"
    deadline: str = "deadline"
    completed_on: str = "completed_on"
    is_key: str = "is_key"
    lead_unit: str = "lead_unit"
    plan: str = "plan"
    task_group: str = "task_group"
    task: str = "id"
    # How to reach the task's other fields (code, title, …) from a row.
    task_prefix: str = ""


def task_state_expression(*, on: datetime.date, rules: Rules, cols: TaskColumns = TaskColumns()) -> Case:
    """task_state() as a CASE over a queryset's columns."""
    day = Value(on, output_field=DateField())
    progress = F(cols.progress)
    start, deadline = F(cols.start_date), F(cols.deadline)
    by_time: GreaterThan[int] = GreaterThan(
        DaysBetween(day, start) * Value(100),
        (progress + Value(rules.behind_tolerance_pp)) * DaysBetween(deadline, start),
    )
    near = Q(**{f"{cols.deadline}__lte": on + datetime.timedelta(days=rules.near_deadline_days)}) & Q(
        **{f"{cols.progress}__lt": rules.near_deadline_min_progress}
    )
    behind = Q(by_time) | near
    grace_passed = Q(**{f"{cols.start_date}__lt": on - datetime.timedelta(days=rules.not_started_grace_days)})
    completed = Q(**{cols.status: TaskStatus.COMPLETED})
    not_started = Q(**{cols.status: TaskStatus.NOT_STARTED})
    return Case(
        When(Q(**{cols.status: TaskStatus.PAUSED}), then=Value(TaskState.PAUSED.value)),
        When(
            Q(**{f"{cols.status}__in": (TaskStatus.CANCELLED, TaskStatus.WITHDRAWN)}),
            then=Value(TaskState.CANCELLED.value),
        ),
        When(
            completed & Q(**{f"{cols.completed_on}__lte": deadline}),
            then=Value(TaskState.COMPLETED_ON_TIME.value),
        ),
        When(completed, then=Value(TaskState.COMPLETED_LATE.value)),
        When(Q(**{f"{cols.deadline}__lt": on}), then=Value(TaskState.OVERDUE.value)),
        When(not_started & (grace_passed | behind), then=Value(TaskState.NOT_STARTED_LATE.value)),
        When(not_started, then=Value(TaskState.NOT_STARTED_ON_TIME.value)),
        When(behind, then=Value(TaskState.BEHIND_SCHEDULE.value)),
        default=Value(TaskState.ON_TRACK.value),
    )


# --- Unit colour ------------------------------------------------------------------------


def band_colour(rate: Fraction, rules: Rules) -> str:
    """The colour of the band holding `rate` (a percentage): [lower, upper), top band closed."""
    for band in rules.bands:
        if Fraction(band.lower) <= rate < Fraction(band.upper):
            return band.colour
    return rules.bands[-1].colour  # rate == 100


def unit_rate(
    *,
    own_counted: int,
    own_green: int,
    children_counted: int,
    children_green: int,
    own_weight_percent: int | None,
) -> tuple[Fraction | None, Fraction | None, Fraction | None]:
    """(own rate, children's green share, combined rate), as exact percentages.

    `own_weight_percent` None means the unit is judged on its children alone (the nation).
    A part with nothing to count drops out and the other part takes its whole weight."""
    own = Fraction(own_green * 100, own_counted) if own_counted else None
    share = Fraction(children_green * 100, children_counted) if children_counted else None
    if own_weight_percent is None:
        return own, share, share if share is not None else own
    if own is None:
        return own, share, share
    if share is None:
        return own, share, own
    weight = Fraction(own_weight_percent, 100)
    return own, share, own * weight + share * (1 - weight)


def blend_indicators(
    task_rate: Fraction | None, *, coloured: int, green: int, weight_percent: int
) -> tuple[Fraction | None, Fraction | None]:
    """(indicator rate, the unit's rate) with its own indicators weighed in
    (docs/indicators.md §7): (1 − w) × task rate + w × indicator rate. A unit with no
    coloured indicator keeps its task rate whole; one with indicators and nothing counted
    on tasks is judged on its indicators alone. With w = 0 the rate is the task rate."""
    indicators = Fraction(green * 100, coloured) if coloured else None
    if weight_percent == 0 or indicators is None:
        return indicators, task_rate
    if task_rate is None:
        return indicators, indicators
    weight = Fraction(weight_percent, 100)
    return indicators, task_rate * (1 - weight) + indicators * weight


def unit_colour(*, rate: Fraction | None, overdue_key: int, rules: Rules) -> tuple[str, bool]:
    """(colour, whether the key-task rule made it red)."""
    if rate is None:
        return Colour.NONE, False
    colour = band_colour(rate, rules)
    if rules.overdue_key_task_makes_red and overdue_key and colour != Colour.RED:
        return Colour.RED, True
    return colour, False


def validate_bands(bands: list[Band]) -> None:
    """Bands must cover 0-100% exactly: no gap, no overlap, and a higher band may not
    be a worse colour than a lower one. Raises ValidationError listing what is wrong."""
    if not bands:
        raise ValidationError(_("Define at least one colour band."), code="no_bands")
    ordered = sorted(bands, key=lambda b: b.lower)
    errors = []
    if ordered[0].lower != 0:
        errors.append(
            _("The lowest band must start at 0%%; it starts at %(lower)s%%.") % {"lower": ordered[0].lower}
        )
    if ordered[-1].upper != 100:
        errors.append(
            _("The highest band must end at 100%%; it ends at %(upper)s%%.") % {"upper": ordered[-1].upper}
        )
    for band in ordered:
        if band.colour not in SEVERITY:
            errors.append(_("A band's colour must be green, yellow or red."))
        if not 0 <= band.lower < band.upper <= 100:
            errors.append(
                _("The band %(lower)s–%(upper)s%% is empty or outside 0–100%%.")
                % {"lower": band.lower, "upper": band.upper}
            )
    for below, above in itertools.pairwise(ordered):
        if above.lower > below.upper:
            errors.append(
                _("Gap: no band covers %(from)s–%(to)s%%.") % {"from": below.upper, "to": above.lower}
            )
        elif above.lower < below.upper:
            errors.append(
                _("Overlap: %(from)s–%(to)s%% is in two bands.")
                % {"from": above.lower, "to": min(below.upper, above.upper)}
            )
        if SEVERITY.get(above.colour, 0) > SEVERITY.get(below.colour, 0):
            errors.append(
                _("A higher rate cannot get a worse colour: %(upper)s is above %(lower)s.")
                % {"upper": Colour(above.colour).label, "lower": Colour(below.colour).label}
            )
    if errors:
        raise ValidationError(errors, code="bad_bands")
