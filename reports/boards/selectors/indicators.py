"""The boards' and reports' indicator sections (docs/indicators.md §8, "Where indicators are
shown"): a unit's own indicators, and for a province or the nation each indicator counted
over the units below, worst first.

Which period a board shows. On a board for date D (its as-of date; a report's is its
week's last day), each periodicity has a **latest due period**: the latest period whose due
date, its close plus the policy's due working days (tasks_app.periods), is before D. An
assignment shows its IndicatorFigure for that period, provided the figure's own due_date is
before D too (due_date < D: on the due day itself the period is not due yet). Without such
a figure it shows nothing: an older figure is not its state now. Its trend is that figure
and the ones before it, up to TREND_PERIODS of them.

Figures are read as the recompute left them: a colour is the one it judged on its last
run (docs/indicators.md §4); a board never judges again.

Each section costs a fixed number of queries whatever the number of units. The latest due
figures are read by (unit, period_end) for the few closes that can be latest (the figures'
index), and the counts per indicator are a GROUP BY over them.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db.models import Count, F, Max, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _

from tasks_app.indicators.words import (
    COLOUR_LABELS,
    child_kind_of,
    colour_label,
    figure_why,
    indicator_number,
    percent_2,
    reported_words,
    with_unit,
)
from tasks_app.models import Colour, Unit, UnitKind
from tasks_app.models.indicators import (
    INDICATOR_PERIODICITIES,
    Indicator,
    IndicatorAssignment,
    IndicatorFigure,
    ValueState,
)
from tasks_app.periods import period_containing, period_ending

TREND_PERIODS = 6  # the periods a row's sparkline draws, its latest due one included
WORST_UNITS = 3  # the units a summary row names, worst first, each linking to its board
BOARD_SUMMARY_ROWS = 50  # the summaries a board lists (worst first); the Excel file has all

COLOUR_RANK = {colour: rank for rank, colour in enumerate(COLOUR_LABELS)}  # red first


def period_label(periodicity: str, period_end: datetime.date) -> str:
    try:
        return period_ending(periodicity, period_end).label
    except ValueError:  # a close off the calendar: name the date rather than fail the board
        return period_end.strftime("%d/%m/%Y")


# --- One assignment's latest due figure --------------------------------------------------------


@dataclass(frozen=True)
class TrendValue:
    """One period of a row's trend."""

    period_end: datetime.date
    label: str
    value: Decimal | None
    milestone: Decimal | None
    progress: Decimal | None
    colour: str


@dataclass
class IndicatorRow:
    """An assignment of the board's unit with its latest due figure. Its words are worked
    out once (cached): a board, its PDF and its workbook read each several times."""

    assignment_id: int
    indicator_id: int
    code: str
    name: str
    unit_of_measure: str
    value_type: str
    periodicity: str
    baseline: Decimal
    target_date: datetime.date
    rolls_up: bool
    rollup: str
    period_end: datetime.date
    due_date: datetime.date
    value: Decimal | None
    value_state: str
    milestone: Decimal | None
    progress: Decimal | None
    colour: str
    reason: str
    children_counted: int
    children_total: int
    child_kind: str  # what the children are called: "commune" or "province"
    trend: list[TrendValue] = field(default_factory=list)  # oldest first, the latest due last

    @property
    def colour_label(self) -> str:
        return colour_label(self.colour)

    @cached_property
    def period(self) -> str:
        return period_label(self.periodicity, self.period_end)

    @cached_property
    def value_text(self) -> str:
        return with_unit(indicator_number(self.value, self.value_type), self.value_type, self.unit_of_measure)

    @cached_property
    def milestone_text(self) -> str:
        return with_unit(
            indicator_number(self.milestone, self.value_type), self.value_type, self.unit_of_measure
        )

    @cached_property
    def progress_text(self) -> str:
        return percent_2(self.progress)

    @property
    def awaiting_approval(self) -> bool:
        return self.value is not None and self.value_state == ValueState.SUBMITTED

    @cached_property
    def reported(self) -> str:
        """ "3 of 4 communes reported" for a rolled-up figure; empty otherwise."""
        if not self.rolls_up:
            return ""
        return reported_words(self.children_counted, self.children_total, self.child_kind, rollup=self.rollup)

    @cached_property
    def why(self) -> str:
        """Why the figure is its colour: the rule that gave it, with its numbers."""
        return figure_why(
            reason=self.reason,
            colour=self.colour,
            value=self.value,
            milestone=self.milestone,
            baseline=self.baseline,
            progress=self.progress,
            due_date=self.due_date,
            target_date=self.target_date,
            value_type=self.value_type,
            value_state=self.value_state,
        )

    @property
    def sort_key(self) -> tuple:
        # Worst first: red before yellow before green before not coloured; inside a colour,
        # no value first, then the least progress; then by code.
        return (
            COLOUR_RANK.get(self.colour, len(COLOUR_RANK)),
            self.value is not None,
            self.progress if self.progress is not None else Decimal(0),
            self.code,
            self.assignment_id,
        )


_ROW_FIELDS = (
    "assignment_id",
    "indicator_id",
    "indicator__code",
    "indicator__name",
    "indicator__unit_of_measure",
    "indicator__value_type",
    "indicator__periodicity",
    "assignment__baseline_value",
    "assignment__target_date",
    "assignment__rolls_up",
    "indicator__rollup",
    "period_end",
    "due_date",
    "value",
    "value_state",
    "milestone",
    "progress",
    "colour",
    "reason",
    "children_counted",
    "children_total",
)


def latest_due_closes(on: datetime.date, *, delay: int) -> dict[str, datetime.date]:
    """For each periodicity, the close of its latest due period on `on`: the latest period
    whose due date (its close plus `delay` working days, tasks_app.periods) is before `on`."""
    closes = {}
    for periodicity, _label in INDICATOR_PERIODICITIES:
        period = period_containing(periodicity, on)
        while period.due_date(delay) >= on:
            period = period.previous()
        closes[periodicity] = period.end
    return closes


def _latest_due(
    *, units: list[int], on: datetime.date, closes: dict[str, datetime.date]
) -> QuerySet[IndicatorFigure]:
    """The latest due figures of `units` (see the module's docstring): of active
    assignments of active indicators, each at its periodicity's latest due close, and due
    before `on` by its own due date.

    The bare list of closes lets the read probe the (unit, period_end) index for those few
    days only. Each close then keeps the assignments of its periodicity (a monthly
    indicator also has a figure at a quarter's close): a subquery PostgreSQL hashes once,
    rather than a lookup of the indicator for every figure."""
    active = IndicatorAssignment.objects.filter(unit__in=units, is_active=True, indicator__is_active=True)
    of_periodicity = Q()
    for periodicity, close in closes.items():
        assignments = active.filter(indicator__periodicity=periodicity).values("pk")
        of_periodicity |= Q(period_end=close, assignment__in=assignments)
    return IndicatorFigure.objects.filter(
        unit__in=units, period_end__in=sorted(set(closes.values())), due_date__lt=on
    ).filter(of_periodicity)


def own_indicator_rows(unit: Unit, *, on: datetime.date, delay: int) -> list[IndicatorRow]:
    """The unit's own assignments, each with its latest due figure and the trend up to it,
    worst first. One query."""
    child_kind = child_kind_of(unit.kind)
    closes = latest_due_closes(on, delay=delay)
    # A unit has a few dozen assignments: its figures up to each latest due close are few,
    # read by the (unit, period_end) index.
    up_to_latest = Q()
    for periodicity, close in closes.items():
        up_to_latest |= Q(indicator__periodicity=periodicity, period_end__lte=close)
    counted = IndicatorFigure.objects.filter(
        up_to_latest,
        unit=unit,
        due_date__lt=on,
        assignment__is_active=True,
        indicator__is_active=True,
    )
    figures = (
        counted.annotate(
            recent=Window(RowNumber(), partition_by=[F("assignment_id")], order_by=F("period_end").desc())
        )
        .filter(recent__lte=TREND_PERIODS)
        .values(*_ROW_FIELDS)
        .order_by()
    )
    rows: dict[int, IndicatorRow] = {}
    trends: dict[int, list[TrendValue]] = {}
    for figure in sorted(figures, key=lambda f: (f["assignment_id"], f["period_end"])):
        trends.setdefault(figure["assignment_id"], []).append(
            TrendValue(
                period_end=figure["period_end"],
                label=period_label(figure["indicator__periodicity"], figure["period_end"]),
                value=figure["value"],
                milestone=figure["milestone"],
                progress=figure["progress"],
                colour=figure["colour"],
            )
        )
        # Sorted oldest first: the last one seen is the latest due figure.
        rows[figure["assignment_id"]] = IndicatorRow(
            assignment_id=figure["assignment_id"],
            indicator_id=figure["indicator_id"],
            code=figure["indicator__code"],
            name=figure["indicator__name"],
            unit_of_measure=figure["indicator__unit_of_measure"],
            value_type=figure["indicator__value_type"],
            periodicity=figure["indicator__periodicity"],
            baseline=figure["assignment__baseline_value"],
            target_date=figure["assignment__target_date"],
            rolls_up=figure["assignment__rolls_up"],
            rollup=figure["indicator__rollup"],
            period_end=figure["period_end"],
            due_date=figure["due_date"],
            value=figure["value"],
            value_state=figure["value_state"],
            milestone=figure["milestone"],
            progress=figure["progress"],
            colour=figure["colour"],
            reason=figure["reason"],
            children_counted=figure["children_counted"],
            children_total=figure["children_total"],
            child_kind=child_kind,
        )
    for assignment_id, row in rows.items():
        row.trend = trends[assignment_id]
    # Without a figure for its latest due period, an assignment shows nothing (its older
    # figures are not its state now).
    return sorted(
        (row for row in rows.values() if row.period_end == closes[row.periodicity]),
        key=lambda row: row.sort_key,
    )


# --- One indicator over the units below ------------------------------------------------------


@dataclass(frozen=True)
class WorstUnit:
    """A unit named on a summary row: one of its worst for the indicator."""

    unit_id: int
    name: str
    kind: str
    colour: str
    value_text: str
    progress: Decimal | None

    @property
    def colour_label(self) -> str:
        return colour_label(self.colour)


@dataclass
class IndicatorSummary:
    """One indicator over the units below the board's: how many are each colour in their
    latest due period."""

    indicator_id: int
    code: str
    name: str
    periodicity: str
    period_end: datetime.date  # the indicator's latest due period
    red: int
    yellow: int
    green: int
    none: int
    missing: int  # red for want of a value (counted in red too)
    total: int
    child_kind: str
    worst: list[WorstUnit] = field(default_factory=list)

    @cached_property
    def period(self) -> str:
        return period_label(self.periodicity, self.period_end)

    @property
    def colour(self) -> str:
        """The summary's own mark: its worst colour present."""
        for colour in (Colour.RED, Colour.YELLOW, Colour.GREEN):
            if getattr(self, colour.value):
                return colour.value
        return Colour.NONE.value

    @property
    def colour_label(self) -> str:
        return colour_label(self.colour)

    @cached_property
    def counts_text(self) -> str:
        """ "Red 5 (2 with no value), yellow 3, green 80, not coloured 0 of 88 communes"."""
        values = {
            "red": self.red,
            "missing": self.missing,
            "yellow": self.yellow,
            "green": self.green,
            "none": self.none,
            "total": self.total,
        }
        if self.child_kind == UnitKind.PROVINCE:
            return (
                _(
                    "Of %(total)s provinces: red %(red)s (%(missing)s with no value), yellow %(yellow)s,"
                    " green %(green)s, not coloured %(none)s."
                )
                % values
            )
        return (
            _(
                "Of %(total)s communes: red %(red)s (%(missing)s with no value), yellow %(yellow)s,"
                " green %(green)s, not coloured %(none)s."
            )
            % values
        )

    @property
    def sort_key(self) -> tuple:
        # Worst first: the largest share red, then yellow; then the smallest share green.
        total = self.total or 1
        return (-self.red / total, -self.yellow / total, self.green / total, self.code, self.indicator_id)


def indicator_summaries(
    units: list[int], *, on: datetime.date, delay: int, child_kind: str
) -> list[IndicatorSummary]:
    """Per indicator, the colours of `units`' latest due figures, counted in the database
    (GROUP BY); worst first, each naming its WORST_UNITS worst units. Four queries: the
    counts, the indicators' names, the worst units and their names, each read on its own
    so that no join runs once per figure."""
    latest = _latest_due(units=units, on=on, closes=latest_due_closes(on, delay=delay))
    groups = list(
        latest.values("indicator_id")
        .annotate(
            total=Count("pk"),
            red=Count("pk", filter=Q(colour=Colour.RED)),
            yellow=Count("pk", filter=Q(colour=Colour.YELLOW)),
            green=Count("pk", filter=Q(colour=Colour.GREEN)),
            missing=Count("pk", filter=Q(colour=Colour.RED, value__isnull=True)),
            last=Max("period_end"),
        )
        .order_by()
    )
    if not groups:
        return []
    indicators = {
        row["pk"]: row
        for row in Indicator.objects.filter(pk__in=[g["indicator_id"] for g in groups]).values(
            "pk", "code", "name", "periodicity", "value_type", "unit_of_measure"
        )
    }
    summaries = {}
    for group in groups:
        indicator = indicators[group["indicator_id"]]
        summaries[group["indicator_id"]] = IndicatorSummary(
            indicator_id=group["indicator_id"],
            code=indicator["code"],
            name=indicator["name"],
            periodicity=indicator["periodicity"],
            period_end=group["last"],
            red=group["red"],
            yellow=group["yellow"],
            green=group["green"],
            none=group["total"] - group["red"] - group["yellow"] - group["green"],
            missing=group["missing"],
            total=group["total"],
            child_kind=child_kind,
        )
    worst = list(
        latest.filter(colour__in=[Colour.RED, Colour.YELLOW])
        .annotate(
            place=Window(
                RowNumber(),
                partition_by=[F("indicator_id")],
                # Red before yellow (as their names sort), no value first, then the least
                # progress; the unit's id keeps ties in a stable order.
                order_by=[F("colour").asc(), F("progress").asc(nulls_first=True), F("unit_id").asc()],
            )
        )
        .filter(place__lte=WORST_UNITS)
        .values("indicator_id", "unit_id", "colour", "value", "progress", "place")
        .order_by()
    )
    names = {
        row["pk"]: row
        for row in Unit.objects.filter(pk__in={w["unit_id"] for w in worst}).values("pk", "name", "kind")
    }
    for row in sorted(worst, key=lambda r: (r["indicator_id"], r["place"])):
        indicator = indicators[row["indicator_id"]]
        value_type = indicator["value_type"]
        text = indicator_number(row["value"], value_type)
        summaries[row["indicator_id"]].worst.append(
            WorstUnit(
                unit_id=row["unit_id"],
                name=names[row["unit_id"]]["name"],
                kind=names[row["unit_id"]]["kind"],
                colour=row["colour"],
                value_text=_("no value")
                if row["value"] is None
                else with_unit(text, value_type, indicator["unit_of_measure"]),
                progress=row["progress"],
            )
        )
    return sorted(summaries.values(), key=lambda summary: summary.sort_key)


# --- A board's section ----------------------------------------------------------------------


@dataclass
class IndicatorSection:
    """What a board or report shows of indicators on date `on`."""

    unit: Unit
    on: datetime.date
    own: list[IndicatorRow]
    children: list[IndicatorSummary]
    child_kind: str  # UnitKind of the units the summaries count, "" for a commune

    @property
    def is_empty(self) -> bool:
        return not self.own and not self.children

    @property
    def children_shown(self) -> list[IndicatorSummary]:
        """The summaries a board lists: the worst BOARD_SUMMARY_ROWS (nationally, every
        province's own indicators are summarised, a thousand of them)."""
        return self.children[:BOARD_SUMMARY_ROWS]

    def own_counts(self) -> dict[str, int]:
        """The own indicators per colour, worst first (for a short line above the table)."""
        counts = dict.fromkeys(COLOUR_LABELS, 0)
        for row in self.own:
            counts[row.colour] = counts.get(row.colour, 0) + 1
        return counts


def indicator_section(unit: Unit, *, on: datetime.date, delay: int) -> IndicatorSection:
    """The indicator section of `unit`'s board on `on`: its own indicators; for a province
    each indicator over its active communes, for the nation over the active provinces.
    A commune's section has its own indicators only: a commune never sees another's.

    The caller has checked that the viewer may see `unit` (get_unit_for_dashboard); every
    figure read here is of `unit` or of a unit directly below it."""
    own = own_indicator_rows(unit, on=on, delay=delay)
    if unit.kind == UnitKind.PROVINCE:
        child_kind = UnitKind.COMMUNE.value
    elif unit.kind == UnitKind.CENTRAL:
        child_kind = UnitKind.PROVINCE.value
    else:
        return IndicatorSection(unit=unit, on=on, own=own, children=[], child_kind="")
    # The ids themselves, not a subquery: the planner then knows how many units there are
    # (it guesses one for "the active communes of this province", and loops accordingly).
    units = list(
        Unit.objects.filter(parent=unit, kind=child_kind, is_active=True).values_list("pk", flat=True)
    )
    return IndicatorSection(
        unit=unit,
        on=on,
        own=own,
        children=indicator_summaries(units, on=on, delay=delay, child_kind=child_kind),
        child_kind=child_kind,
    )
