"""Dates in the app's time zone (Asia/Ho_Chi_Minh): a task is overdue from local midnight,
not from midnight UTC, which falls at 07:00 in Vietnam."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

LOCAL_TZ = ZoneInfo(settings.TIME_ZONE)


def local_today() -> datetime.date:
    return timezone.localdate()


def local_date(instant: datetime.datetime) -> datetime.date:
    return timezone.localdate(instant, LOCAL_TZ)


def end_of_day(on: datetime.date) -> datetime.datetime:
    """The first instant after `on` ends, local time."""
    return datetime.datetime.combine(on + datetime.timedelta(days=1), datetime.time(), tzinfo=LOCAL_TZ)


def parse_day(raw: str) -> datetime.date:
    """A date typed by a person: dd/mm/yyyy as Vietnamese write it, or ISO yyyy-mm-dd."""
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(raw.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(raw)
