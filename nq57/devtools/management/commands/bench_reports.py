"""Time the weekly reports (content, PDF and stored file, as a worker makes them) on a
national-shaped dataset in a throwaway database, against the budgets: the province with
the most communes under 3 s and 300 MB, the nation under 5 s, and Monday's 35 reports
(nation and 34 provinces) under 2 minutes on two worker processes.

The updates are laid out in time order, as production's append-only table is, and the
snapshots the reports read (the week's Sunday and the eleven Sundays before it, for the
trend) are computed as the nightly job would have: set-up, not report time.
Each single report is rendered in a fresh process, so its peak memory is its own; the
process first makes a commune's summary, as a Celery worker (which lives for 200 jobs)
has made a report before, and the time of that first one (connections, templates and
WeasyPrint's first document) is printed but not counted. With
REDIS_URL set, the 35 reports run on a real Celery worker (two prefork processes);
without, on a pool of two processes.

The last line with --json is one object: province_s, province_mb, national_s, all_weekly_s.
"""

import datetime
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import override_settings

from nq57.celery import app as celery_app
from nq57.devtools.benchmarks.dataset import build_dataset, largest_province, updates_in_time_order
from nq57.devtools.benchmarks.processes import django_process_pool, peak_memory_mb
from nq57.devtools.benchmarks.snapshots import snapshot_history
from nq57.devtools.benchmarks.throwaway import throwaway_database
from nq57.devtools.benchmarks.workers import celery_worker, database_url, tasks_routed_to
from reports.documents.actions import report_generate, reports_weekly
from reports.models import Report, ReportKind, ReportStatus, Week
from tasks_app.actions.units import default_source_path, read_unit_source, units_load
from tasks_app.clock import local_today
from tasks_app.models import Unit, UnitKind

PROVINCE_BUDGET_SECONDS = 3
PROVINCE_BUDGET_MB = 300
NATIONAL_BUDGET_SECONDS = 5
ALL_WEEKLY_BUDGET_SECONDS = 120
RUNS = 3  # renders of each single report; the median time is reported
WEEKLY_PROCESSES = 2  # the production worker's concurrency on a 2-core machine
ALL_WEEKLY_TIMEOUT_SECONDS = 15 * 60
POLL_SECONDS = 0.25
PROGRESS_EVERY_SECONDS = 10

Say = Callable[[str], None]


@dataclass(frozen=True)
class Render:
    """One report rendered in a process of its own."""

    seconds: float  # report_generate: figures check, content, PDF, stored and read back
    peak_mb: float  # the process's peak memory, Django and WeasyPrint included
    import_seconds: float  # WeasyPrint's first import, paid once per process and not timed
    first_seconds: float  # the process's first report (a commune's summary), not timed
    pages: int | None
    size: int | None


class Command(BaseCommand):
    help = (
        "Time the province weekly report (largest province: seconds and peak MB), the national "
        "weekly report, and all 35 weekly reports on two worker processes, on a national-shaped "
        "dataset in a throwaway database; with REDIS_URL set, the 35 run on a real Celery worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tasks", type=int, default=1_000_000, help="How many tasks to generate.")
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="End with one JSON line of the figures."
        )

    def handle(self, *args, tasks: int, as_json: bool, **options):
        if tasks < 1:
            raise CommandError("--tasks must be at least 1")
        say: Say = self.stdout.write
        today = local_today()
        week = Week.last_finished(today)
        say(f"Database: {connection.vendor}; building a throwaway copy…")
        with throwaway_database("bench_reports"), _media_folder() as media_root:
            started = time.perf_counter()
            units_load(records=read_unit_source(default_source_path()))
            updates = build_dataset(tasks=tasks, today=today, log=say)
            say(f"Dataset: {tasks:,} tasks, {updates:,} updates in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            if updates_in_time_order():
                say(f"Updates laid out in time order, as production's: {time.perf_counter() - started:.1f} s")
            say(f"Report week: {week.start:%d/%m/%Y} – {week.end:%d/%m/%Y}")
            seconds = snapshot_history(week.end, say, last_day_label="the week's last day")
            say(f"  (the nightly job's work, {seconds:.1f} s: set-up, not report time)")

            # The processes that render read the throwaway database and write to the
            # temporary media folder, never the real ones.
            env = {"DATABASE_URL": database_url(), "MEDIA_ROOT": media_root}
            province = largest_province()
            communes = Unit.objects.filter(parent=province, kind=UnitKind.COMMUNE).count()
            renders = _renders(ReportKind.PROVINCE_WEEKLY, province, week, env)
            province_s = statistics.median(render.seconds for render in renders)
            province_mb = max(render.peak_mb for render in renders)
            say(
                f"Province report ({province.name}, {communes} communes): {province_s:.2f} s,"
                f" {province_mb:.0f} MB (budget {PROVINCE_BUDGET_SECONDS} s, {PROVINCE_BUDGET_MB} MB)"
                f"{_verdict(province_s <= PROVINCE_BUDGET_SECONDS and province_mb <= PROVINCE_BUDGET_MB)}"
            )
            _say_runs(renders, say)

            nation = Unit.objects.get(kind=UnitKind.CENTRAL)
            renders = _renders(ReportKind.NATIONAL_WEEKLY, nation, week, env)
            national_s = statistics.median(render.seconds for render in renders)
            say(
                f"National report: {national_s:.2f} s (budget {NATIONAL_BUDGET_SECONDS} s)"
                f"{_verdict(national_s <= NATIONAL_BUDGET_SECONDS)}"
            )
            _say_runs(renders, say)

            all_weekly_s = _all_weekly(today, week, env, say)
            say(
                f"All weekly reports: {all_weekly_s:.1f} s (budget {ALL_WEEKLY_BUDGET_SECONDS} s)"
                f"{_verdict(all_weekly_s <= ALL_WEEKLY_BUDGET_SECONDS)}"
            )
        if as_json:
            say(
                json.dumps(
                    {
                        "province_s": round(province_s, 3),
                        "province_mb": round(province_mb, 1),
                        "national_s": round(national_s, 3),
                        "all_weekly_s": round(all_weekly_s, 3),
                    }
                )
            )


@contextmanager
def _media_folder() -> Iterator[str]:
    """A temporary MEDIA_ROOT for this run, removed afterwards."""
    with (
        tempfile.TemporaryDirectory(prefix="nq57_bench_reports_media_") as folder,
        override_settings(MEDIA_ROOT=folder),
    ):
        yield folder


def _verdict(within: bool) -> str:
    return "" if within else "  OVER BUDGET"


def _say_runs(renders: list[Render], say: Say) -> None:
    last = renders[-1]
    say(
        f"  runs: {', '.join(f'{render.seconds:.2f}' for render in renders)} s, each in a fresh process"
        f" (its WeasyPrint import, {last.import_seconds:.2f} s, and a first report, a commune's"
        f" summary, {last.first_seconds:.2f} s, not counted);"
        f" peak {', '.join(f'{render.peak_mb:.0f}' for render in renders)} MB;"
        f" {last.pages} pages, {last.size or 0:,} bytes"
    )


# --- One report, in a process of its own ---------------------------------------------------------


def _renders(kind: str, unit: Unit, week: Week, env: dict[str, str]) -> list[Render]:
    """The report rendered RUNS times, each time in a fresh process."""
    # Created here, not through report_request: that queues the job, and without Redis
    # runs it at once, in this process.
    report = Report.objects.create(kind=kind, unit=unit, period_start=week.start)
    commune = Unit.objects.filter(kind=UnitKind.COMMUNE, is_active=True).order_by("code").first()
    first, _ = Report.objects.get_or_create(
        kind=ReportKind.COMMUNE_SUMMARY, unit=commune, period_start=week.start
    )
    _requeue(first.pk)
    renders = []
    for run in range(RUNS):
        if run:
            _requeue(report.pk)
            _requeue(first.pk)
        with django_process_pool(max_workers=1, env=env) as pool:
            future = pool.submit(_render, report.pk, first.pk)
            try:
                renders.append(future.result())
            except Exception as error:
                raise CommandError(f"{report}: the render failed: {error!r}") from error
    return renders


def _render(report_id: int, first_id: int | None = None) -> Render:
    """Runs in the child process: the first report (if any), then the one timed."""
    started = time.perf_counter()
    # Loading Pango and the fonts happens once per worker process, before its first report.
    import weasyprint  # noqa: F401

    import_seconds = time.perf_counter() - started
    started = time.perf_counter()
    if first_id is not None:
        report_generate(first_id)
    first_seconds = time.perf_counter() - started
    started = time.perf_counter()
    report = report_generate(report_id)
    seconds = time.perf_counter() - started
    if report.status != ReportStatus.READY:
        raise RuntimeError(f"{report} is {report.status}: {report.error}")
    return Render(
        seconds=seconds,
        peak_mb=peak_memory_mb(),
        import_seconds=import_seconds,
        first_seconds=first_seconds,
        pages=report.pages,
        size=report.size,
    )


def _requeue(report_id: int) -> None:
    """Back to a report nobody has rendered, for the next run."""
    Report.objects.filter(pk=report_id).update(
        status=ReportStatus.QUEUED,
        file="",
        size=None,
        sha256="",
        pages=None,
        figures_on=None,
        started_at=None,
        generated_at=None,
        duration_ms=None,
        error="",
    )


# --- Monday's batch ----------------------------------------------------------------------------


def _all_weekly(today: datetime.date, week: Week, env: dict[str, str], say: Say) -> float:
    """Seconds from queueing Monday's batch until all its reports are ready."""
    # The single reports' rows of this week would be found ready and not rendered again.
    Report.objects.filter(period_start=week.start).delete()
    if settings.REDIS_URL:
        return _all_weekly_on_worker(today, env, say)
    return _all_weekly_in_pool(today, env, say)


def _all_weekly_on_worker(today: datetime.date, env: dict[str, str], say: Say) -> float:
    queue = f"bench_reports_{os.getpid()}"
    with (
        tasks_routed_to(queue, "reports.generate"),
        celery_worker(queue, say, label="bench_reports", concurrency=WEEKLY_PROCESSES, env=env),
    ):
        started = time.perf_counter()
        ids = [requested.report.pk for requested in reports_weekly(today=today)]
        say(f"  {len(ids)} reports queued on the Celery worker ({WEEKLY_PROCESSES} prefork processes)")
        _wait_until_ready(ids, started, say)
        seconds = time.perf_counter() - started
    _say_durations(ids, say)
    return seconds


def _wait_until_ready(ids: list[int], started: float, say: Say) -> None:
    reported = started
    while True:
        statuses = dict(Report.objects.filter(pk__in=ids).values_list("pk", "status"))
        failed = [pk for pk, status in statuses.items() if status == ReportStatus.FAILED]
        if failed:
            report = Report.objects.get(pk=failed[0])
            raise CommandError(f"{len(failed)} report(s) failed; {report}: {report.error}")
        ready = sum(status == ReportStatus.READY for status in statuses.values())
        if ready == len(ids):
            return
        now = time.perf_counter()
        if now - started > ALL_WEEKLY_TIMEOUT_SECONDS:
            raise CommandError(f"Only {ready} of {len(ids)} reports ready after {now - started:.0f} s")
        if now - reported >= PROGRESS_EVERY_SECONDS:
            say(f"  {ready}/{len(ids)} ready after {now - started:.0f} s")
            reported = now
        time.sleep(POLL_SECONDS)


def _all_weekly_in_pool(today: datetime.date, env: dict[str, str], say: Say) -> float:
    with _jobs_held():
        ids = [requested.report.pk for requested in reports_weekly(today=today)]
    say(
        f"  {len(ids)} reports on a pool of {WEEKLY_PROCESSES} processes: the process-pool fallback,"
        " as REDIS_URL is not set (the time includes starting the pool)"
    )
    started = time.perf_counter()
    with django_process_pool(max_workers=WEEKLY_PROCESSES, env=env) as pool:
        try:
            renders = list(pool.map(_render, ids))
        except Exception as error:
            raise CommandError(f"A weekly report failed: {error!r}") from error
    seconds = time.perf_counter() - started
    say(f"  peak memory of a pool process: {max(render.peak_mb for render in renders):.0f} MB")
    _say_durations(ids, say)
    return seconds


@contextmanager
def _jobs_held() -> Iterator[None]:
    """Without Redis, a queued job runs at once in the caller. Held, it goes to the
    in-memory broker instead, which nothing reads: the batch is queued exactly as on
    Monday, and the pool renders the queued rows."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = eager


def _say_durations(ids: list[int], say: Say) -> None:
    """Each report's own rendering time, as the report row records it."""
    rows = list(Report.objects.filter(pk__in=ids).select_related("unit").order_by("-duration_ms"))
    durations = [_seconds(row) for row in rows]
    slowest = ", ".join(f"{row.unit.name} {_seconds(row):.1f} s" for row in rows[:3])
    say(
        f"  per report: median {statistics.median(durations):.2f} s, total {sum(durations):.1f} s;"
        f" slowest: {slowest}"
    )


def _seconds(report: Report) -> float:
    assert report.duration_ms is not None, report.pk  # the batch was rendered
    return report.duration_ms / 1000
