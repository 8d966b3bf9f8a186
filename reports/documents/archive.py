"""The archive: the reports a person may find, and the weeks a report may be asked for."""

import datetime

from django.db.models import QuerySet

from reports.models import Report, Week
from tasks_app.access import visible_reports
from tasks_app.models import User

ARCHIVE_WEEKS = 52  # how far back a report may be asked for


def reportable_weeks(today: datetime.date | None = None) -> list[Week]:
    """Finished weeks, newest first. The current week is not over, and its figures are on
    the dashboards; a report of it would be out of date before anyone read it."""
    newest = Week.last_finished(today)
    return [Week(newest.start - datetime.timedelta(weeks=n)) for n in range(ARCHIVE_WEEKS)]


def archive(user: User, *, week: Week | None = None, kind: str = "") -> QuerySet[Report]:
    reports = visible_reports(user)
    if week is not None:
        reports = reports.filter(period_start=week.start)
    if kind:
        reports = reports.filter(kind=kind)
    return reports.order_by("-period_start", "kind", "unit__code")
