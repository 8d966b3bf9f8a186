"""The indicator rules of docs/indicators.md as pure functions: milestones, progress and
colour (§3, §4), what a value may not be and what is flagged (§5), and the roll-up (§6).

Nothing here reads the database, so each rule is tested on its own, the worked examples
of the docs included, and the recompute and the pages call the same functions.
"""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tasks_app.greening.rules import Rules
from tasks_app.models.greening import Colour
from tasks_app.models.indicators import (
    Accumulation,
    Direction,
    FigureReason,
    Rollup,
    ValueFlag,
    ValueState,
    ValueType,
)

HUNDRED = Decimal(100)
WHOLE = Decimal(1)
CENTS = Decimal("0.01")
STORED = Decimal("0.0001")  # what the value columns keep


def rounded(value: Decimal, value_type: str) -> Decimal:
    """A computed value (a milestone, a mean) rounded as its type is shown: a count to a
    whole number, anything else to two decimals."""
    step = WHOLE if value_type in (ValueType.COUNT, ValueType.YES_NO) else CENTS
    return value.quantize(step, ROUND_HALF_UP)


# --- Milestones (§3) --------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """An assignment's path: from the baseline to the final target."""

    value_type: str
    baseline_value: Decimal
    baseline_date: datetime.date
    target_value: Decimal
    target_date: datetime.date


def milestone(
    line: Line,
    period_end: datetime.date,
    *,
    period_start: datetime.date,
    set_milestones: Mapping[datetime.date, Decimal] | None = None,
) -> Decimal | None:
    """The value expected at the close of the period [period_start, period_end].

    One the assigning unit set wins. Otherwise the straight line from the baseline to the
    target, by days, rounded to the value type; the target itself once its deadline has
    passed. A yes/no indicator expects "yes" (1) from the period holding its deadline on,
    and nothing (None) before."""
    if set_milestones and period_end in set_milestones:
        return set_milestones[period_end]
    if line.value_type == ValueType.YES_NO:
        return (
            Decimal(1)
            if period_end >= line.target_date or period_start <= line.target_date <= period_end
            else None
        )
    if period_end >= line.target_date:
        return line.target_value
    if period_end <= line.baseline_date:
        return line.baseline_value
    elapsed = (period_end - line.baseline_date).days
    total = (line.target_date - line.baseline_date).days
    expected = line.baseline_value + (line.target_value - line.baseline_value) * elapsed / total
    return rounded(expected, line.value_type)


# --- Progress and colour (§4) -----------------------------------------------------------------


def is_better_or_equal(value: Decimal, than: Decimal, direction: str) -> bool:
    return value <= than if direction == Direction.LOWER else value >= than


def progress(value: Decimal, *, baseline: Decimal, milestone: Decimal, direction: str) -> Decimal:
    """The change achieved over the change needed, as a percentage (not capped). For "lower
    is better" both changes are negative, so the same division serves. When the milestone
    needs no change: 100 at the milestone or better, 0 otherwise."""
    needed = milestone - baseline
    if needed == 0:
        return HUNDRED if is_better_or_equal(value, milestone, direction) else Decimal(0)
    return ((value - baseline) * HUNDRED / needed).quantize(CENTS, ROUND_HALF_UP)


@dataclass(frozen=True)
class Judgement:
    progress: Decimal | None
    colour: str
    reason: str


def progress_colour(progress: Decimal, rules: Rules) -> str:
    if progress >= rules.indicator_green_from:
        return Colour.GREEN
    if progress >= rules.indicator_yellow_from:
        return Colour.YELLOW
    return Colour.RED


def judge(
    *,
    value: Decimal | None,
    value_type: str,
    direction: str,
    baseline: Decimal,
    milestone: Decimal | None,
    due_date: datetime.date,
    today: datetime.date,
    rules: Rules,
) -> Judgement:
    """An indicator's progress, colour and the rule that gave it, for one period. `value`
    is the counted one (submitted or approved, or rolled up), None if there is none."""
    if value is None:
        if value_type == ValueType.YES_NO and milestone is None:
            return Judgement(None, Colour.NONE, FigureReason.BEFORE_DEADLINE)
        if today > due_date:
            return Judgement(None, Colour.RED, FigureReason.MISSING)
        return Judgement(None, Colour.NONE, FigureReason.NOT_DUE)
    if value_type == ValueType.YES_NO:
        if value >= 1:
            return Judgement(HUNDRED, Colour.GREEN, FigureReason.YES)
        if milestone is None:
            return Judgement(None, Colour.NONE, FigureReason.BEFORE_DEADLINE)
        return Judgement(Decimal(0), Colour.RED, FigureReason.NO)
    if milestone is None:  # only yes/no indicators have no milestone; kept total all the same
        return Judgement(None, Colour.NONE, FigureReason.NOT_DUE)
    achieved = progress(value, baseline=baseline, milestone=milestone, direction=direction)
    reason = FigureReason.NO_CHANGE_NEEDED if milestone == baseline else FigureReason.PROGRESS
    return Judgement(achieved, progress_colour(achieved, rules), reason)


# --- Values: refused and flagged (§5) -------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    field: str  # the form field it is about ("" for the whole value)
    message: Promise
    code: str


def ratio_value(numerator: Decimal, denominator: Decimal) -> Decimal:
    """A ratio's value, the percentage every rule reads."""
    return (numerator * HUNDRED / denominator).quantize(STORED, ROUND_HALF_UP)


def refusals(
    *,
    value_type: str,
    value: Decimal | None,
    numerator: Decimal | None = None,
    denominator: Decimal | None = None,
    period_start: datetime.date,
    today: datetime.date,
) -> list[Refusal]:
    """What makes a value impossible: nothing is saved while any holds. An empty value is
    not refused here (a draft may be empty); submitting one is (submit_refusals)."""
    found: list[Refusal] = []
    if period_start > today:
        found.append(
            Refusal(
                "", _("This period has not started yet: its value cannot be entered."), "period_not_started"
            )
        )
    if value_type == ValueType.RATIO:
        if denominator is not None and denominator <= 0:
            found.append(
                Refusal("denominator", _("The denominator must be greater than 0."), "denominator_zero")
            )
        if numerator is not None and numerator < 0:
            found.append(Refusal("numerator", _("The numerator cannot be negative."), "negative"))
        if numerator is not None and denominator is not None and 0 < denominator < numerator:
            found.append(
                Refusal(
                    "numerator",
                    _("The numerator cannot be greater than the denominator."),
                    "numerator_above_denominator",
                )
            )
        if (numerator is None) != (denominator is None):
            field = "denominator" if denominator is None else "numerator"
            found.append(
                Refusal(field, _("Enter both the numerator and the denominator."), "ratio_incomplete")
            )
        return found
    if value is None:
        return found
    if value_type == ValueType.PERCENTAGE and not 0 <= value <= 100:
        found.append(Refusal("value", _("A percentage must be between 0 and 100."), "percentage_range"))
    if value_type == ValueType.COUNT and (value < 0 or value != value.to_integral_value()):
        found.append(Refusal("value", _("A count must be a whole number, 0 or more."), "count_whole"))
    if value_type == ValueType.YES_NO and value not in (0, 1):
        found.append(Refusal("value", _("Choose yes or no."), "yes_no"))
    return found


def flags(
    *,
    value: Decimal,
    accumulation: str,
    natural_min: Decimal | None,
    natural_max: Decimal | None,
    previous: Decimal | None,
    rules: Rules,
) -> list[str]:
    """Why the approver should look twice at a value (it is saved all the same), in the
    order the queue explains them. `previous` is the unit's value for the period before."""
    found = []
    if (natural_min is not None and value < natural_min) or (natural_max is not None and value > natural_max):
        found.append(ValueFlag.OUTSIDE_LIMITS.value)
    if previous is not None:
        if accumulation == Accumulation.CUMULATIVE and value < previous:
            found.append(ValueFlag.WENT_DOWN.value)
        if previous != 0 and abs(value - previous) * HUNDRED > abs(previous) * rules.indicator_jump_percent:
            found.append(ValueFlag.JUMP.value)
    return found


def needs_note(*, value: Decimal, accumulation: str, previous: Decimal | None) -> bool:
    """A cumulative total that went down must say why (a recount, a correction)."""
    return accumulation == Accumulation.CUMULATIVE and previous is not None and value < previous


# --- Roll-up (§6) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildFigure:
    """What a parent reads of one child unit's figure for the period."""

    value: Decimal | None  # the counted value, None if none
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    colour: str = Colour.NONE
    value_state: str = ""


@dataclass(frozen=True)
class RolledUp:
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    counted: int  # children whose value went into it
    total: int
    value_state: str  # approved when every counted child's value is; otherwise submitted


def roll_up(rollup: str, children: Iterable[ChildFigure]) -> RolledUp:
    """A parent's value from its children's. A child with no counted value is left out of
    sum, mean and ratio, and counts as not meeting the target in the share."""
    kids = list(children)
    counted = [kid for kid in kids if kid.value is not None]
    value: Decimal | None = None
    numerator = denominator = None
    if rollup == Rollup.SHARE_MEETING_TARGET:
        coloured = [kid for kid in kids if kid.colour != Colour.NONE]
        if coloured:
            green = sum(1 for kid in kids if kid.colour == Colour.GREEN)
            value = (Decimal(green) * HUNDRED / len(kids)).quantize(STORED, ROUND_HALF_UP)
    elif counted and rollup == Rollup.SUM:
        value = sum((kid.value for kid in counted if kid.value is not None), Decimal(0))
    elif counted and rollup == Rollup.MEAN:
        total = sum((kid.value for kid in counted if kid.value is not None), Decimal(0))
        value = (total / len(counted)).quantize(STORED, ROUND_HALF_UP)
    elif rollup == Rollup.RATIO:
        counted = [kid for kid in counted if kid.numerator is not None and kid.denominator]
        if counted:
            numerator = sum((kid.numerator for kid in counted if kid.numerator is not None), Decimal(0))
            denominator = sum((kid.denominator for kid in counted if kid.denominator is not None), Decimal(0))
            value = ratio_value(numerator, denominator)
    state = ""
    if value is not None:
        all_approved = all(kid.value_state == ValueState.APPROVED for kid in counted)
        state = ValueState.APPROVED.value if all_approved else ValueState.SUBMITTED.value
    return RolledUp(value, numerator, denominator, len(counted), len(kids), state)


# --- Indicators in the unit's rate (§7) -------------------------------------------------------


def indicator_rate(*, coloured: int, green: int) -> Decimal | None:
    """The share of a unit's coloured indicators that are green, None with none coloured."""
    if not coloured:
        return None
    return (Decimal(green) * HUNDRED / coloured).quantize(CENTS, ROUND_HALF_UP)
