"""Indicator figures: each assignment's counted value, milestone, progress and colour in
each period, as docs/indicators.md §3, §4 and §6 define them, written to IndicatorFigure.

`compute_figures` is the rule in plain Python over rows already loaded; `refresh_figures`
loads the rows for a few assignments, computes them and the assignments above them, and
writes the result. A value saved by a commune refreshes that commune's figures and its
province's roll-up in the same transaction, so the pages never show a stale colour.
"""

import datetime
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tasks_app.clock import local_today
from tasks_app.greening.rules import Rules
from tasks_app.indicators.rules import ChildFigure, Line, judge, milestone, roll_up
from tasks_app.models import (
    COUNTED_VALUE_STATES,
    IndicatorAssignment,
    IndicatorFigure,
    IndicatorMilestone,
    IndicatorValue,
)
from tasks_app.periods import Period, period_containing


@dataclass(frozen=True)
class Subject:
    """What the rules need of one assignment and its indicator."""

    id: int
    parent_id: int | None
    unit_id: int
    indicator_id: int
    rolls_up: bool
    periodicity: str
    direction: str
    rollup: str
    line: Line


@dataclass(frozen=True)
class Counted:
    """A counted value (submitted or approved) of an entered assignment."""

    value: Decimal
    numerator: Decimal | None
    denominator: Decimal | None
    state: str


@dataclass(frozen=True)
class Figure:
    """One IndicatorFigure row, before it is written."""

    period_end: datetime.date
    due_date: datetime.date
    value: Decimal | None
    value_state: str
    numerator: Decimal | None
    denominator: Decimal | None
    milestone: Decimal | None
    progress: Decimal | None
    colour: str
    reason: str
    children_counted: int = 0
    children_total: int = 0

    def as_child(self) -> ChildFigure:
        return ChildFigure(self.value, self.numerator, self.denominator, self.colour, self.value_state)


def figure_periods(periodicity: str, baseline_date: datetime.date, today: datetime.date) -> list[Period]:
    """The periods an assignment has figures for: from the first that closes after its
    baseline to the one running today."""
    period = period_containing(periodicity, baseline_date + datetime.timedelta(days=1))
    last = period_containing(periodicity, today)
    periods = []
    while period.end <= last.end:
        periods.append(period)
        period = period.next()
    return periods


def compute_figures(
    subject: Subject,
    *,
    values: Mapping[datetime.date, Counted],
    children: Iterable[Mapping[datetime.date, ChildFigure]] = (),
    set_milestones: Mapping[datetime.date, Decimal] | None = None,
    rules: Rules,
    today: datetime.date,
) -> list[Figure]:
    """An assignment's figure in each of its periods. An entered assignment reads its own
    counted `values` by period close; a rolled-up one, its `children`'s figures."""
    kids = list(children)
    figures = []
    for period in figure_periods(subject.periodicity, subject.line.baseline_date, today):
        due = period.due_date(rules.indicator_due_working_days)
        expected = milestone(
            subject.line, period.end, period_start=period.start, set_milestones=set_milestones
        )
        counted_kids = total_kids = 0
        if subject.rolls_up:
            rolled = roll_up(subject.rollup, [kid.get(period.end, ChildFigure(None)) for kid in kids])
            value, numerator, denominator, state = (
                rolled.value,
                rolled.numerator,
                rolled.denominator,
                rolled.value_state,
            )
            counted_kids, total_kids = rolled.counted, rolled.total
        else:
            own = values.get(period.end)
            value = own.value if own else None
            numerator, denominator = (own.numerator, own.denominator) if own else (None, None)
            state = own.state if own else ""
        verdict = judge(
            value=value,
            value_type=subject.line.value_type,
            direction=subject.direction,
            baseline=subject.line.baseline_value,
            milestone=expected,
            due_date=due,
            today=today,
            rules=rules,
        )
        figures.append(
            Figure(
                period_end=period.end,
                due_date=due,
                value=value,
                value_state=state,
                numerator=numerator,
                denominator=denominator,
                milestone=expected,
                progress=verdict.progress,
                colour=verdict.colour,
                reason=verdict.reason,
                children_counted=counted_kids,
                children_total=total_kids,
            )
        )
    return figures


# --- Loading and writing ------------------------------------------------------------------


def load_subjects(ids: Collection[int]) -> dict[int, Subject]:
    rows = IndicatorAssignment.objects.filter(pk__in=ids, is_active=True, indicator__is_active=True).values(
        "pk",
        "parent_id",
        "unit_id",
        "indicator_id",
        "rolls_up",
        "baseline_value",
        "baseline_date",
        "target_value",
        "target_date",
        "indicator__periodicity",
        "indicator__direction",
        "indicator__rollup",
        "indicator__value_type",
    )
    return {
        row["pk"]: Subject(
            id=row["pk"],
            parent_id=row["parent_id"],
            unit_id=row["unit_id"],
            indicator_id=row["indicator_id"],
            rolls_up=row["rolls_up"],
            periodicity=row["indicator__periodicity"],
            direction=row["indicator__direction"],
            rollup=row["indicator__rollup"],
            line=Line(
                value_type=row["indicator__value_type"],
                baseline_value=row["baseline_value"],
                baseline_date=row["baseline_date"],
                target_value=row["target_value"],
                target_date=row["target_date"],
            ),
        )
        for row in rows
    }


def _with_ancestors(ids: Collection[int]) -> dict[int, Subject]:
    """The assignments `ids` and every assignment above them (a cascade is at most a few
    levels deep: one query per level)."""
    subjects = load_subjects(ids)
    frontier = {s.parent_id for s in subjects.values() if s.parent_id is not None} - set(subjects)
    while frontier:
        found = load_subjects(frontier)
        subjects.update(found)
        frontier = {s.parent_id for s in found.values() if s.parent_id is not None} - set(subjects)
    return subjects


def _depth(subject: Subject, subjects: Mapping[int, Subject]) -> int:
    depth, parent = 0, subject.parent_id
    while parent is not None and parent in subjects:
        depth, parent = depth + 1, subjects[parent].parent_id
    return depth


def _counted_values(ids: Collection[int]) -> dict[int, dict[datetime.date, Counted]]:
    found: dict[int, dict[datetime.date, Counted]] = defaultdict(dict)
    rows = IndicatorValue.objects.filter(assignment__in=ids, state__in=COUNTED_VALUE_STATES).values_list(
        "assignment_id", "period_end", "value", "numerator", "denominator", "state"
    )
    for assignment_id, period_end, value, numerator, denominator, state in rows:
        if value is None:  # a counted value always has one (value_counted_has_value)
            continue
        found[assignment_id][period_end] = Counted(value, numerator, denominator, state)
    return found


def _set_milestones(ids: Collection[int]) -> dict[int, dict[datetime.date, Decimal]]:
    found: dict[int, dict[datetime.date, Decimal]] = defaultdict(dict)
    for assignment_id, period_end, value in IndicatorMilestone.objects.filter(assignment__in=ids).values_list(
        "assignment_id", "period_end", "value"
    ):
        found[assignment_id][period_end] = value
    return found


ChildFigures = dict[datetime.date, ChildFigure]


def _stored_children(
    parent_ids: Collection[int], skip: Collection[int]
) -> dict[int, dict[int, ChildFigures]]:
    """The stored figures of the active children of `parent_ids`, except those in `skip`
    (computed in this run): {parent: {child: {period_end: ChildFigure}}}."""
    found: dict[int, dict[int, ChildFigures]] = defaultdict(dict)
    children = IndicatorAssignment.objects.filter(
        parent__in=parent_ids, is_active=True, indicator__is_active=True
    ).values_list("pk", "parent_id")
    parent_of = {child: parent for child, parent in children}
    for child, parent in parent_of.items():
        found[parent][child] = {}  # a child with no figures yet still counts in the total
    stored = IndicatorFigure.objects.filter(assignment__in=set(parent_of) - set(skip)).values_list(
        "assignment_id", "period_end", "value", "numerator", "denominator", "colour", "value_state"
    )
    for child, period_end, value, numerator, denominator, colour, state in stored:
        found[parent_of[child]][child][period_end] = ChildFigure(value, numerator, denominator, colour, state)
    return found


def refresh_figures(
    *, assignment_ids: Iterable[int], rules: Rules, today: datetime.date | None = None
) -> int:
    """Recompute and write the figures of `assignment_ids` and of every assignment above
    them, reading the other children's stored figures. Returns the rows written.

    Each roll-up is computed with its assignment's row locked, so two communes saving at
    once take turns on their province's figure, and the second sees the first's value."""
    today = today or local_today()
    with transaction.atomic():
        subjects = _with_ancestors(set(assignment_ids))
        if not subjects:
            return 0
        order = sorted(subjects.values(), key=lambda s: -_depth(s, subjects))
        rolled_ids = [s.id for s in order if s.rolls_up]
        if rolled_ids:
            list(IndicatorAssignment.objects.select_for_update().filter(pk__in=rolled_ids).values_list("pk"))
        values = _counted_values([s.id for s in order if not s.rolls_up])
        set_milestones = _set_milestones(list(subjects))
        stored_children = _stored_children(rolled_ids, skip=subjects) if rolled_ids else {}
        computed: dict[int, list[Figure]] = {}
        for subject in order:
            children: list[Mapping[datetime.date, ChildFigure]] = []
            if subject.rolls_up:
                for child_id, stored in stored_children.get(subject.id, {}).items():
                    mine = computed.get(child_id)
                    children.append(
                        {f.period_end: f.as_child() for f in mine} if mine is not None else stored
                    )
            computed[subject.id] = compute_figures(
                subject,
                values=values.get(subject.id, {}),
                children=children,
                set_milestones=set_milestones.get(subject.id),
                rules=rules,
                today=today,
            )
        return write_figures(subjects, computed)


def write_figures(subjects: Mapping[int, Subject], computed: Mapping[int, list[Figure]]) -> int:
    """Replace the stored figures of the computed assignments with `computed`."""
    stamp = timezone.now()
    rows = [
        IndicatorFigure(
            assignment_id=assignment_id,
            unit_id=subjects[assignment_id].unit_id,
            indicator_id=subjects[assignment_id].indicator_id,
            period_end=f.period_end,
            due_date=f.due_date,
            value=f.value,
            value_state=f.value_state,
            numerator=f.numerator,
            denominator=f.denominator,
            milestone=f.milestone,
            progress=f.progress,
            colour=f.colour,
            reason=f.reason,
            children_counted=f.children_counted,
            children_total=f.children_total,
            computed_at=stamp,
        )
        for assignment_id, figures in computed.items()
        for f in figures
    ]
    IndicatorFigure.objects.filter(assignment__in=list(computed)).delete()
    IndicatorFigure.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
