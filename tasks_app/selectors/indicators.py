"""Reads for the indicator pages: a unit's indicators with their latest figures, one
assignment's periods and history, and the approver's queue. Each runs a fixed number of
queries whatever the number of rows (tests/test_indicator_pages.py counts them).

The figures are what tasks_app.indicators.figures.refresh_figures wrote; their numbers,
colours and "why" are put in words by tasks_app.indicators.words, as on the boards.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from tasks_app.indicators.figures import figure_periods
from tasks_app.indicators.words import (
    child_kind_of,
    colour_label,
    figure_why,
    indicator_number,
    percent_2,
    reported_words,
)
from tasks_app.models import (
    COUNTED_VALUE_STATES,
    Indicator,
    IndicatorAssignment,
    IndicatorEvidence,
    IndicatorFigure,
    IndicatorValue,
    Unit,
    ValueEvent,
    ValueFlag,
    ValueState,
    ValueType,
)
from tasks_app.periods import Period, period_containing, period_ending

TREND_PERIODS = 6


def state_words(state: str) -> str:
    if not state:
        return _("Not entered")
    try:
        return str(ValueState(state).label)
    except ValueError:
        return state


@dataclass(frozen=True)
class FigureView:
    period: Period
    figure: IndicatorFigure
    value: str
    milestone: str
    progress: str
    colour: str
    colour_label: str
    why: str


def figure_view(figure: IndicatorFigure, assignment: IndicatorAssignment) -> FigureView:
    indicator = assignment.indicator
    why = figure_why(
        reason=figure.reason,
        colour=figure.colour,
        value=figure.value,
        milestone=figure.milestone,
        baseline=assignment.baseline_value,
        progress=figure.progress,
        due_date=figure.due_date,
        target_date=assignment.target_date,
        value_type=indicator.value_type,
        value_state=figure.value_state,
    )
    if reported := reported_words(
        figure.children_counted,
        figure.children_total,
        child_kind_of(assignment.unit.kind),
        rollup=indicator.rollup,
    ):
        why = f"{why} {reported}."
    return FigureView(
        period=period_ending(indicator.periodicity, figure.period_end),
        figure=figure,
        value=indicator_number(figure.value, indicator.value_type),
        milestone=indicator_number(figure.milestone, indicator.value_type),
        progress=percent_2(figure.progress),
        colour=figure.colour,
        colour_label=colour_label(figure.colour),
        why=why,
    )


@dataclass(frozen=True)
class ToEnter:
    """A period whose value the unit still owes (none, a draft, or returned)."""

    period: Period
    state: str  # "" when nothing was entered
    return_reason: str = ""
    more: int = 0  # other periods still owed

    @property
    def state_words(self) -> str:
        return state_words(self.state)


@dataclass(frozen=True)
class IndicatorRow:
    assignment: IndicatorAssignment
    indicator: Indicator
    current: FigureView | None  # the period running today
    latest_due: FigureView | None  # the latest period whose due date has passed
    shown: FigureView | None  # what the list leads with: the latest due, else the current
    value_state: str  # the state of the shown period's entered value
    trend: list[FigureView]
    to_enter: ToEnter | None

    @property
    def value_state_words(self) -> str:
        return state_words(self.value_state)


def _owed(
    assignment: IndicatorAssignment,
    values: dict[datetime.date, IndicatorValue],
    today: datetime.date,
) -> ToEnter | None:
    """What needs entering now: a returned value first (the approver is waiting for it),
    else the earliest closed period since the baseline without a counted value (it is red
    once due), else nothing. `more` counts the other periods still owed."""
    if assignment.rolls_up:
        return None
    periodicity = assignment.indicator.periodicity
    closed = [
        period
        for period in figure_periods(periodicity, assignment.baseline_date, today)
        if period.end < today
    ]
    owed = [
        period
        for period in closed
        if period.end not in values or values[period.end].state not in COUNTED_VALUE_STATES
    ]
    if not owed:
        return None
    returned = [
        period for period in owed if period.end in values and values[period.end].state == ValueState.RETURNED
    ]
    first = returned[0] if returned else owed[0]
    entered = values.get(first.end)
    return ToEnter(
        first,
        entered.state if entered else "",
        entered.return_reason if entered and entered.state == ValueState.RETURNED else "",
        more=len(owed) - 1,
    )


def unit_indicators(unit: Unit, *, today: datetime.date) -> list[IndicatorRow]:
    """The unit's active indicators, each with its figures and what it owes. Three queries."""
    assignments = list(
        IndicatorAssignment.objects.filter(unit=unit, is_active=True, indicator__is_active=True)
        .select_related("indicator", "unit")
        .order_by("indicator__code", "pk")
    )
    ids = [a.pk for a in assignments]
    figures: dict[int, list[IndicatorFigure]] = defaultdict(list)
    for figure in IndicatorFigure.objects.filter(
        assignment__in=ids, period_end__lte=_horizon(today)
    ).order_by("period_end"):
        figures[figure.assignment_id].append(figure)
    values: dict[int, dict[datetime.date, IndicatorValue]] = defaultdict(dict)
    for value in IndicatorValue.objects.filter(assignment__in=ids).only(
        "assignment_id", "period_end", "state", "return_reason"
    ):
        values[value.assignment_id][value.period_end] = value
    rows = []
    for assignment in assignments:
        current_end = period_containing(assignment.indicator.periodicity, today).end
        mine = [f for f in figures[assignment.pk] if f.period_end <= current_end]
        # Figures run without gaps to the current period, so the latest due is among these.
        trend = [figure_view(f, assignment) for f in mine[-TREND_PERIODS:]]
        current = next((v for v in trend if v.figure.period_end == current_end), None)
        due = [v for v in trend if v.figure.due_date < today]
        latest = due[-1] if due else None
        shown = latest or current
        if shown is None:
            state = ""
        elif assignment.rolls_up:
            state = shown.figure.value_state
        else:
            entered = values[assignment.pk].get(shown.figure.period_end)
            state = entered.state if entered else ""
        rows.append(
            IndicatorRow(
                assignment=assignment,
                indicator=assignment.indicator,
                current=current,
                latest_due=latest,
                shown=shown,
                value_state=state,
                trend=trend,
                to_enter=_owed(assignment, values[assignment.pk], today),
            )
        )
    return rows


def _horizon(today: datetime.date) -> datetime.date:
    # Figures run to the period holding today; a yearly one closes at most a year on.
    return today + datetime.timedelta(days=370)


# --- One assignment --------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodRow:
    period: Period
    figure: FigureView | None
    value: IndicatorValue | None
    value_text: str
    state: str

    @property
    def state_words(self) -> str:
        return state_words(self.state)


@dataclass(frozen=True)
class AssignmentPage:
    assignment: IndicatorAssignment
    periods: list[PeriodRow]  # newest first
    events: list[ValueEvent]  # newest first, with value, author and evidence
    children: list[tuple[IndicatorAssignment, FigureView | None]] = field(default_factory=list)


def entered_value_text(value: IndicatorValue | None, indicator: Indicator) -> str:
    if value is None or value.value is None:
        return "—"
    text = indicator_number(value.value, indicator.value_type)
    if (
        indicator.value_type == ValueType.RATIO
        and value.numerator is not None
        and value.denominator is not None
    ):
        text += (
            " ("
            + _("%(numerator)s of %(denominator)s")
            % {
                "numerator": number_format(value.numerator.normalize(), use_l10n=True, force_grouping=True),
                "denominator": number_format(
                    value.denominator.normalize(), use_l10n=True, force_grouping=True
                ),
            }
            + ")"
        )
    return text


def assignment_page(
    assignment: IndicatorAssignment, *, today: datetime.date, due_working_days: int
) -> AssignmentPage:
    """The periods table (figures, values and states, newest first), the value history and,
    for a rolled-up assignment, its child units' latest due figures. Five queries."""
    indicator = assignment.indicator
    figures = {f.period_end: f for f in IndicatorFigure.objects.filter(assignment=assignment)}
    values = {v.period_end: v for v in IndicatorValue.objects.filter(assignment=assignment)}
    periods = figure_periods(indicator.periodicity, assignment.baseline_date, today)
    rows = []
    for period in reversed(periods):
        figure = figures.get(period.end)
        value = values.get(period.end)
        rows.append(
            PeriodRow(
                period=period,
                figure=figure_view(figure, assignment) if figure else None,
                value=value,
                value_text=entered_value_text(value, indicator),
                state=value.state
                if value
                else (figure.value_state if figure and assignment.rolls_up else ""),
            )
        )
    events = list(
        ValueEvent.objects.filter(value__assignment=assignment)
        .select_related("author", "value")
        .prefetch_related(Prefetch("evidence", queryset=IndicatorEvidence.objects.order_by("id")))
        .order_by("-created_at", "-pk")
    )
    children: list[tuple[IndicatorAssignment, FigureView | None]] = []
    if assignment.rolls_up:
        kids = list(
            assignment.children.filter(is_active=True)
            .select_related("indicator", "unit")
            .order_by("unit__sort_key", "unit__code")
        )
        latest = {}
        for figure in IndicatorFigure.objects.filter(assignment__in=kids, due_date__lt=today).order_by(
            "period_end"
        ):
            latest[figure.assignment_id] = figure
        children = [(kid, figure_view(latest[kid.pk], kid) if kid.pk in latest else None) for kid in kids]
    return AssignmentPage(assignment=assignment, periods=rows, events=events, children=children)


# --- The approver's queue --------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    value: IndicatorValue
    indicator: Indicator
    unit: Unit
    period: Period
    value_text: str
    previous_text: str
    flags: list[str]  # each flag explained in words
    evidence: list[IndicatorEvidence]


def flag_words(
    flag: str, value: IndicatorValue, indicator: Indicator, previous: Decimal | None, jump: int
) -> str:
    if flag == ValueFlag.OUTSIDE_LIMITS:
        return _("Outside the plausible range (%(least)s to %(most)s).") % {
            "least": indicator_number(indicator.natural_min, indicator.value_type),
            "most": indicator_number(indicator.natural_max, indicator.value_type),
        }
    if flag == ValueFlag.WENT_DOWN:
        return _(
            "Lower than the previous period (%(previous)s), for a total that only grows: see the note."
        ) % {"previous": indicator_number(previous, indicator.value_type)}
    if flag == ValueFlag.JUMP:
        return _("More than %(jump)s%% away from the previous value (%(previous)s).") % {
            "jump": jump,
            "previous": indicator_number(previous, indicator.value_type),
        }
    try:
        return str(ValueFlag(flag).label)
    except ValueError:
        return flag


def approval_queue(values: QuerySet[IndicatorValue], *, jump_percent: int) -> QuerySet[IndicatorValue]:
    """The values awaiting decision, oldest submission first, with what each row shows
    (the previous counted value as a subquery; the evidence prefetched)."""
    previous = (
        IndicatorValue.objects.filter(
            assignment=OuterRef("assignment"),
            period_end__lt=OuterRef("period_end"),
            state__in=COUNTED_VALUE_STATES,
        )
        .exclude(value__isnull=True)
        .order_by("-period_end")
        .values("value")[:1]
    )
    return (
        values.select_related("assignment__indicator", "assignment__unit", "updated_by")
        .annotate(previous_value=Subquery(previous))
        .prefetch_related(
            Prefetch("events", queryset=ValueEvent.objects.prefetch_related("evidence").order_by("version"))
        )
        .order_by("submitted_at", "pk")
    )


def queue_rows(values: Iterable[IndicatorValue], *, jump_percent: int) -> list[QueueRow]:
    rows = []
    for value in values:
        indicator = value.assignment.indicator
        previous = getattr(value, "previous_value", None)
        rows.append(
            QueueRow(
                value=value,
                indicator=indicator,
                unit=value.assignment.unit,
                period=period_ending(indicator.periodicity, value.period_end),
                value_text=entered_value_text(value, indicator),
                previous_text=indicator_number(previous, indicator.value_type),
                flags=[flag_words(f, value, indicator, previous, jump_percent) for f in value.flags or []],
                evidence=[item for event in value.events.all() for item in event.evidence.all()],
            )
        )
    return rows


def previous_value_of(assignment: IndicatorAssignment, period_end: datetime.date) -> IndicatorValue | None:
    """The unit's latest counted value for an earlier period: what a new one is compared to
    (the flags and the note a lower total needs, docs/indicators.md §5)."""
    return (
        IndicatorValue.objects.filter(
            assignment=assignment, period_end__lt=period_end, state__in=COUNTED_VALUE_STATES
        )
        .exclude(value__isnull=True)
        .order_by("-period_end")
        .first()
    )


def value_evidence(value: IndicatorValue | None) -> Sequence[IndicatorEvidence]:
    if value is None:
        return []
    return list(IndicatorEvidence.objects.filter(event__value=value).order_by("id"))
