"""What the targets and cascade pages read: an assignment's periods with the milestone the
straight line gives beside the one set, and its target history in words."""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from tasks_app.actions.indicators import MILESTONE_KEY
from tasks_app.forms.indicators import decimal_text
from tasks_app.indicators.rules import Line, milestone
from tasks_app.models import IndicatorAssignment, TargetChange, User
from tasks_app.periods import Period, period_ending, periods_between


def assignment_line(assignment: IndicatorAssignment) -> Line:
    return Line(
        value_type=assignment.indicator.value_type,
        baseline_value=assignment.baseline_value,
        baseline_date=assignment.baseline_date,
        target_value=assignment.target_value,
        target_date=assignment.target_date,
    )


def set_milestones(assignment: IndicatorAssignment) -> dict[datetime.date, Decimal]:
    return dict(assignment.milestones.values_list("period_end", "value"))


def target_period_ends(assignment: IndicatorAssignment) -> list[datetime.date]:
    """The closes of the periods from the baseline to the target deadline."""
    periods = periods_between(
        assignment.indicator.periodicity, assignment.baseline_date, assignment.target_date
    )
    return [period.end for period in periods]


@dataclass(frozen=True)
class PeriodRow:
    day: datetime.date
    period: Period | None  # None: a day that closes no period (a refused post)
    on_line: Decimal | None  # the milestone the straight line gives

    @property
    def label(self) -> str:
        return self.period.label if self.period else self.day.strftime("%d/%m/%Y")


def period_rows(assignment: IndicatorAssignment, days: list[datetime.date]) -> list[PeriodRow]:
    line = assignment_line(assignment)
    rows = []
    for day in days:
        try:
            period: Period | None = period_ending(assignment.indicator.periodicity, day)
        except ValueError:
            period = None
        on_line = milestone(line, day, period_start=period.start) if period else None
        rows.append(PeriodRow(day=day, period=period, on_line=on_line))
    return rows


# --- History ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangedField:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    version: int
    author: User | None
    at: datetime.datetime
    fields: list[ChangedField]
    reason: str


def _field_label(key: str, periodicity: str) -> str:
    labels = {
        "baseline_value": _("Baseline value"),
        "baseline_date": _("Baseline date"),
        "target_value": _("Final target"),
        "target_date": _("Target deadline"),
        "rolls_up": _("Rolled up from the communes"),
    }
    if key in labels:
        return labels[key]
    if key.startswith(MILESTONE_KEY):
        raw = key.removeprefix(MILESTONE_KEY)
        try:
            period = period_ending(periodicity, datetime.date.fromisoformat(raw))
        except ValueError:
            return _("Milestone for %(period)s") % {"period": raw}
        return _("Milestone for %(period)s") % {"period": period.label}
    return key


def _value_text(key: str, value: object) -> str:
    if value is None or value == "":
        return "—"
    text = str(value)
    if key == "rolls_up":
        return _("yes") if text == "True" else _("no")
    if key.endswith("_date"):
        try:
            return datetime.date.fromisoformat(text).strftime("%d/%m/%Y")
        except ValueError:
            return text
    try:
        return decimal_text(Decimal(text))
    except InvalidOperation:
        return text


def target_history(assignment: IndicatorAssignment) -> list[HistoryEntry]:
    """Every target change of the assignment, the latest first."""
    periodicity = assignment.indicator.periodicity
    changes = TargetChange.objects.filter(assignment=assignment).select_related("author").order_by("-version")
    return [history_entry(change, periodicity) for change in changes]


def history_entry(change: TargetChange, periodicity: str) -> HistoryEntry:
    fields = [
        ChangedField(
            label=_field_label(key, periodicity),
            before=_value_text(key, pair[0] if pair else None),
            after=_value_text(key, pair[1] if len(pair) > 1 else None),
        )
        for key, pair in sorted(change.changes.items(), key=lambda item: _order(item[0]))
    ]
    return HistoryEntry(
        version=change.version,
        author=change.author,
        at=change.created_at,
        fields=fields,
        reason=change.reason,
    )


def _order(key: str) -> tuple[int, str]:
    order = ["rolls_up", "baseline_value", "baseline_date", "target_value", "target_date"]
    return (order.index(key), key) if key in order else (len(order), key)
