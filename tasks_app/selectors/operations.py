"""Reads for the operators' page: what is stuck, what failed, how far behind the figures
are. A fixed number of queries, whatever the number of rows (each list is capped)."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Max, Min
from django.utils import timezone

from reports.documents.actions import report_stuck_condition
from reports.models import Report, ReportStatus
from tasks_app.models import GreeningBacklog, GreeningRun, GreeningSnapshot, JobRun, JobState
from tasks_app.models.greening import ALL_SCOPE

ROWS_SHOWN = 50
JOBS_SHOWN_DAYS = 7
# The nightly job recomputes every unit at midnight, and changes refresh their units within
# seconds: figures computed longer ago than a day and an hour mean the jobs are not running.
SNAPSHOT_EXPECTED_WITHIN = datetime.timedelta(hours=25)


@dataclass(frozen=True)
class Greening:
    backlog: int
    backlog_oldest_at: datetime.datetime | None
    newest_snapshot_at: datetime.datetime | None  # when the newest date's figures last changed
    newest_snapshot_on: datetime.date | None
    # When a recompute of that date last ran, whether or not it changed anything.
    newest_run_at: datetime.datetime | None = None

    @property
    def checked_at(self) -> datetime.datetime | None:
        times = [at for at in (self.newest_snapshot_at, self.newest_run_at) if at is not None]
        return max(times, default=None)

    @property
    def snapshot_late(self) -> bool:
        if self.checked_at is None:
            return True
        return timezone.now() - self.checked_at > SNAPSHOT_EXPECTED_WITHIN


@dataclass(frozen=True)
class Operations:
    greening: Greening
    stuck_reports: list[Report]
    failed_reports: list[Report]
    jobs: list[JobRun]


def greening_health() -> Greening:
    backlog = GreeningBacklog.objects.aggregate(n=Count("pk"), oldest=Min("queued_at"))
    # The newest date first (the (on_date, scope) index), then the newest write on it: an
    # incremental refresh rewrites only some units, so the date alone would not say when.
    newest_on = (
        GreeningSnapshot.objects.filter(scope=ALL_SCOPE)
        .order_by("-on_date")
        .values_list("on_date", flat=True)[:1]
    )
    newest = GreeningSnapshot.objects.filter(on_date__in=newest_on, scope=ALL_SCOPE).aggregate(
        at=Max("computed_at"), on=Max("on_date")
    )
    run = GreeningRun.objects.filter(on_date=newest["on"]).values_list("last_run_at", flat=True).first()
    return Greening(
        backlog=backlog["n"],
        backlog_oldest_at=backlog["oldest"],
        newest_snapshot_at=newest["at"],
        newest_snapshot_on=newest["on"],
        newest_run_at=run,
    )


def operations_overview() -> Operations:
    reports = Report.objects.select_related("unit", "requested_by")
    since = timezone.now() - datetime.timedelta(days=JOBS_SHOWN_DAYS)
    jobs = (
        JobRun.objects.filter(last_seen_at__gte=since)
        .exclude(state=JobState.SUCCEEDED, sent_by__isnull=True)  # retried, then fine: nothing to do
        .select_related("sent_by", "retried_by")
        .order_by("-last_seen_at")
    )
    return Operations(
        greening=greening_health(),
        stuck_reports=list(reports.filter(report_stuck_condition()).order_by("requested_at")[:ROWS_SHOWN]),
        failed_reports=list(
            reports.filter(status=ReportStatus.FAILED).order_by("-requested_at")[:ROWS_SHOWN]
        ),
        jobs=list(jobs[:ROWS_SHOWN]),
    )
