"""Indicators in words: their numbers, their colours, and why a figure has its colour.

One home for what the indicator pages (tasks_app) and the boards' and reports' indicator
sections (reports.boards) say, so that a value, a colour or a reason reads the same
wherever it is shown. Plain values in, text out: no queries, and nothing from reports.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks_app.models import Colour, UnitKind
from tasks_app.models.indicators import FigureReason, Rollup, ValueState, ValueType

NO_NUMBER = "—"
HUNDREDTH = Decimal("0.01")

# An indicator's colour in words, worst first (its order ranks rows). "Not coloured" is
# not Colour.NONE's "no counted tasks", which speaks of a unit's tasks: an indicator
# without a colour is not due yet, or not expected.
COLOUR_LABELS = {
    Colour.RED.value: gettext_lazy("Red"),
    Colour.YELLOW.value: gettext_lazy("Yellow"),
    Colour.GREEN.value: gettext_lazy("Green"),
    Colour.NONE.value: gettext_lazy("Not coloured"),
}


def colour_label(colour: str) -> str:
    """ "Vàng"; an unknown or empty colour reads as not coloured."""
    return str(COLOUR_LABELS.get(colour, COLOUR_LABELS[Colour.NONE.value]))


# --- Numbers as people read them -------------------------------------------------------------


def decimal_text(value: Decimal, places: int) -> str:
    """`value` with `places` decimals, grouped the language's way ("12.000,50")."""
    # number_format truncates; round half up first, as the rules do.
    return number_format(
        value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP), places, force_grouping=True
    )


def percent_2(value: Decimal | None) -> str:
    """A percentage with two decimals, Vietnamese style: "79,70%"; "—" for none. Progress is
    always written this way."""
    return NO_NUMBER if value is None else f"{decimal_text(value, 2)}%"


def indicator_number(value: Decimal | None, value_type: str) -> str:
    """A value or milestone as its type is read: a count whole and grouped ("12.000"), an
    amount with up to two decimals ("7,5"), a ratio or percentage with two ("74,57%"),
    yes/no in words; "—" for none."""
    if value is None:
        return NO_NUMBER
    if value_type == ValueType.YES_NO:
        return _("Yes") if value >= 1 else _("No")
    if value_type in (ValueType.RATIO, ValueType.PERCENTAGE):
        return percent_2(value)
    if value_type == ValueType.COUNT:
        return decimal_text(value, 0)
    shown = value.quantize(HUNDREDTH, ROUND_HALF_UP).normalize()
    return decimal_text(shown, max(0, -shown.as_tuple().exponent))  # type: ignore[operator]


def with_unit(text: str, value_type: str, unit_of_measure: str) -> str:
    """A number with its unit of measure ("39.000 chữ ký số"); a percentage already says
    "%", and yes/no has none."""
    if text == NO_NUMBER or value_type in (ValueType.YES_NO, ValueType.RATIO, ValueType.PERCENTAGE):
        return text
    return f"{text} {unit_of_measure}".strip()


# --- Why a figure has its colour ---------------------------------------------------------------


def figure_why(
    *,
    reason: str,
    colour: str,
    value: Decimal | None,
    milestone: Decimal | None,
    baseline: Decimal,
    progress: Decimal | None,
    due_date: datetime.date,
    target_date: datetime.date,
    value_type: str,
    value_state: str,
) -> str:
    """Why a figure is its colour, in one sentence: the rule that gave it, with its
    numbers (docs/indicators.md §4). A value awaiting approval is said to be one."""
    number = lambda amount: indicator_number(amount, value_type)  # noqa: E731
    due = due_date.strftime("%d/%m/%Y")
    deadline = target_date.strftime("%d/%m/%Y")
    if reason == FigureReason.PROGRESS:
        sentence = _(
            "%(progress)s of the change from the baseline %(baseline)s to the milestone %(milestone)s."
        ) % {
            "progress": percent_2(progress),
            "baseline": number(baseline),
            "milestone": number(milestone),
        }
    elif reason == FigureReason.NO_CHANGE_NEEDED:
        if colour == Colour.GREEN:
            sentence = _("The milestone is the baseline (%(milestone)s) and the value is at it or better.")
        else:
            sentence = _("The milestone is the baseline (%(milestone)s) and the value is worse.")
        sentence %= {"milestone": number(milestone)}
    elif reason == FigureReason.MISSING:
        sentence = _("No value counted by the due date, %(due)s.") % {"due": due}
    elif reason == FigureReason.NOT_DUE:
        sentence = _("No value yet; due %(due)s.") % {"due": due}
    elif reason == FigureReason.YES:
        sentence = _("Done.")
    elif reason == FigureReason.NO:
        sentence = _("Not done, and its deadline (%(deadline)s) has come.") % {"deadline": deadline}
    elif reason == FigureReason.BEFORE_DEADLINE:
        sentence = _("Not expected before the period of its deadline, %(deadline)s.") % {"deadline": deadline}
    else:
        sentence = ""
    if value is not None and value_state == ValueState.SUBMITTED:
        sentence = f"{sentence} {_('The value awaits approval.')}".strip()
    return sentence


def reported_words(counted: int, total: int, child_kind: str, *, rollup: str = "") -> str:
    """ "3 of 4 communes reported" for a rolled-up figure (provinces when the children are
    provinces); empty when there are no children to count. A share-meeting-target roll-up
    also says what its value is: a share of units, not the indicator's own measure, which a
    leader would otherwise read as one ("40%" of services, when 40% of communes are green)."""
    if not total:
        return ""
    values = {"n": counted, "m": total}
    provinces = child_kind == UnitKind.PROVINCE
    if rollup == Rollup.SHARE_MEETING_TARGET:
        if provinces:
            return _("The value is the share of the %(m)s provinces that meet their own target") % values
        return _("The value is the share of the %(m)s communes that meet their own target") % values
    if provinces:
        return _("%(n)s of %(m)s provinces reported") % values
    return _("%(n)s of %(m)s communes reported") % values


def child_kind_of(unit_kind: str) -> str:
    """What the units below a unit of `unit_kind` are called: the nation's are provinces,
    a province's communes."""
    return UnitKind.PROVINCE.value if unit_kind == UnitKind.CENTRAL else UnitKind.COMMUNE.value
