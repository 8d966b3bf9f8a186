"""Reporting periods on the Vietnamese administrative calendar, written once.

Decree 09/2019/NĐ-CP, as provinces apply it, closes the month on the 14th: "Tháng 11/2026"
runs from 15/10/2026 to 14/11/2026. A quarter, a half-year and a year are runs of those
months, so they close on the 14th of their last month: "Quý IV/2026" is 15/09/2026 to
14/12/2026 and "Năm 2026" is 15/12/2025 to 14/12/2026. Indicators (docs/indicators.md)
measure on this calendar, and the periodic reports measure on it too.

A period is named by its periodicity and its close date, which is enough to rebuild it.
"""

import datetime
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# The last day of each month's window.
CLOSE_DAY = 14


class Periodicity(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    SIX_MONTHLY = "six_monthly", _("Six-monthly")
    YEARLY = "yearly", _("Yearly")


# How many monthly windows each period spans; periods of every kind end with a month whose
# number is a multiple of this (a quarter ends in March, June, September or December).
MONTHS_IN = {
    Periodicity.MONTHLY: 1,
    Periodicity.QUARTERLY: 3,
    Periodicity.SIX_MONTHLY: 6,
    Periodicity.YEARLY: 12,
}

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def _window_month(day: datetime.date) -> tuple[int, int]:
    """(year, month) of the monthly window holding `day`: the 15th opens the next month's."""
    if day.day <= CLOSE_DAY:
        return day.year, day.month
    if day.month == 12:
        return day.year + 1, 1
    return day.year, day.month + 1


def _month_before(year: int, month: int, count: int = 1) -> tuple[int, int]:
    index = year * 12 + (month - 1) - count
    return index // 12, index % 12 + 1


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period: [start, end], both days included. `end` is its close."""

    end: datetime.date
    periodicity: str
    start: datetime.date

    @property
    def months(self) -> int:
        return MONTHS_IN[Periodicity(self.periodicity)]

    @property
    def label(self) -> str:
        """What Vietnamese officials call it: "Tháng 11/2026", "Quý IV/2026", "6 tháng đầu
        năm 2026", "Năm 2026"."""
        year, month = self.end.year, self.end.month
        if self.periodicity == Periodicity.MONTHLY:
            return gettext("Month %(month)s/%(year)s") % {"month": month, "year": year}
        if self.periodicity == Periodicity.QUARTERLY:
            return gettext("Quarter %(quarter)s/%(year)s") % {"quarter": ROMAN[month // 3], "year": year}
        if self.periodicity == Periodicity.SIX_MONTHLY:
            if month == 6:
                return gettext("First half of %(year)s") % {"year": year}
            return gettext("Second half of %(year)s") % {"year": year}
        return gettext("Year %(year)s") % {"year": year}

    @property
    def key(self) -> str:
        """A stable name for URLs and files: the close date, ISO."""
        return self.end.isoformat()

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    def next(self) -> "Period":
        return period_containing(self.periodicity, self.end + datetime.timedelta(days=1))

    def previous(self) -> "Period":
        return period_containing(self.periodicity, self.start - datetime.timedelta(days=1))

    def due_date(self, delay_working_days: int, holidays: Collection[datetime.date] = ()) -> datetime.date:
        """The day the period's figures are due: the close plus `delay_working_days`."""
        return add_working_days(self.end, delay_working_days, holidays)


def period_containing(periodicity: str, day: datetime.date) -> Period:
    """The period of `periodicity` that holds `day`."""
    length = MONTHS_IN[Periodicity(periodicity)]
    year, month = _window_month(day)
    last_month = -(-month // length) * length  # rounded up to the period's last month
    first_year, first_month = _month_before(year, last_month, length)
    return Period(
        end=datetime.date(year, last_month, CLOSE_DAY),
        periodicity=periodicity,
        start=datetime.date(first_year, first_month, CLOSE_DAY + 1),
    )


def period_ending(periodicity: str, end: datetime.date) -> Period:
    """The period of `periodicity` that closes on `end`. ValueError if none does."""
    period = period_containing(periodicity, end)
    if period.end != end:
        raise ValueError(f"no {periodicity} period closes on {end.isoformat()}")
    return period


def periods_between(periodicity: str, first: datetime.date, last: datetime.date) -> list[Period]:
    """Every period of `periodicity` that overlaps [first, last], in order."""
    return list(iter_periods(periodicity, first, last))


def iter_periods(periodicity: str, first: datetime.date, last: datetime.date) -> Iterator[Period]:
    period = period_containing(periodicity, first)
    while period.start <= last:
        yield period
        period = period.next()


def is_working_day(day: datetime.date, holidays: Collection[datetime.date] = ()) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(
    day: datetime.date, count: int, holidays: Collection[datetime.date] = ()
) -> datetime.date:
    """The `count`-th working day after `day` (Saturdays, Sundays and `holidays` skipped);
    `day` itself when `count` is 0."""
    while count > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day, holidays):
            count -= 1
    return day
