import datetime
import json
import statistics
import time

from django.core.cache import cache
from django.core.management.base import BaseCommand
from django.db import connection

from nq57.devtools.benchmarks.dataset import build_dataset
from nq57.devtools.benchmarks.throwaway import throwaway_database
from tasks_app.actions.greening import INCREMENTAL_QUEUED_KEY, greening_recompute, greening_refresh_backlog
from tasks_app.actions.tasks import task_change
from tasks_app.actions.units import default_source_path, read_unit_source, units_load
from tasks_app.clock import local_today
from tasks_app.greening.rules import Rules
from tasks_app.models import ALL_SCOPE, GreeningPolicy, GreeningSnapshot, Task, TaskStatus, UnitKind

# The floor: the least work any implementation must do, one hand-written aggregate that
# classifies every task with the same rules and counts states per lead unit.
FLOOR_SQL = """
SELECT lead_unit_id, state, COUNT(*) FROM (
  SELECT lead_unit_id, CASE
    WHEN status = 'paused' THEN 'paused'
    WHEN status = 'cancelled' THEN 'cancelled'
    WHEN status = 'completed' AND completed_on <= deadline THEN 'completed_on_time'
    WHEN status = 'completed' THEN 'completed_late'
    WHEN deadline < %(on)s THEN 'overdue'
    WHEN status = 'not_started' AND (start_date < %(grace)s OR {behind}) THEN 'not_started_late'
    WHEN status = 'not_started' THEN 'not_started_on_time'
    WHEN {behind} THEN 'behind_schedule'
    ELSE 'on_track' END AS state
  FROM tasks_app_task
) AS classified GROUP BY lead_unit_id, state
"""
BEHIND = {
    "postgresql": "((%(on)s - start_date) * 100 > (progress + %(tol)s) * (deadline - start_date)"
    " OR (deadline <= %(near)s AND progress < %(min_progress)s))",
    "sqlite": "((CAST(julianday(%(on)s) - julianday(start_date) AS INTEGER)) * 100 > (progress + %(tol)s)"
    " * (CAST(julianday(deadline) - julianday(start_date) AS INTEGER))"
    " OR (deadline <= %(near)s AND progress < %(min_progress)s))",
}


class Command(BaseCommand):
    help = (
        "Time the full greening recompute against a hand-written SQL floor, and the incremental "
        "recompute after one update, on a national-shaped dataset in a throwaway database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tasks", type=int, default=300_000, help="How many tasks to generate.")
        parser.add_argument(
            "--runs", type=int, default=5, help="Runs per measurement; the median is reported."
        )
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="End with one JSON line of the figures."
        )

    def handle(self, *args, tasks: int, runs: int, as_json: bool, **options):
        say = self.stdout.write
        today = local_today()
        say(f"Database: {connection.vendor}; building a throwaway copy…")
        with throwaway_database("bench_greening"):
            started = time.perf_counter()
            units_load(records=read_unit_source(default_source_path()))
            updates = build_dataset(tasks=tasks, today=today, log=say)
            say(f"Dataset: {tasks:,} tasks, {updates:,} updates in {time.perf_counter() - started:.1f} s")

            times = _each_timed(runs, lambda: greening_recompute(on=today))
            recompute, cold = statistics.median(times), times[0]
            rows = GreeningSnapshot.objects.filter(on_date=today).count()
            say(f"Full recompute, first run (writes all {rows:,} snapshot rows): {cold:.3f} s")
            say(
                f"Full recompute: median {recompute:.3f} s over {runs} runs"
                " (later runs find nothing to write)"
            )
            floor, floor_counts = _floor(runs, today)
            say(f"SQL floor (state counts per unit, one aggregate): median {floor:.3f} s")
            agree = _agrees_with_floor(floor_counts, today)
            say(f"Recompute and floor agree on every unit's counts: {'yes' if agree else 'NO'}")
            incremental = _incremental(runs)
            say(f"Incremental recompute after one update: median {incremental * 1000:.1f} ms")
        figures = {
            "tasks": tasks,
            "recompute_s": round(recompute, 4),
            "recompute_first_s": round(cold, 4),
            "floor_s": round(floor, 4),
            "ratio": round(recompute / floor, 2),
            "incremental_ms": round(incremental * 1000, 1),
            "agree": agree,
        }
        say(f"Ratio recompute/floor: {figures['ratio']}")
        if as_json:
            say(json.dumps(figures))


def _each_timed(runs: int, work) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return times


def _timed(runs: int, work) -> float:
    return statistics.median(_each_timed(runs, work))


def _floor(runs: int, on: datetime.date) -> tuple[float, dict]:
    rules = Rules.from_policy(GreeningPolicy.objects.get())
    params: dict[str, datetime.date | int] = {
        "on": on,
        "grace": on - datetime.timedelta(days=rules.not_started_grace_days),
        "tol": rules.behind_tolerance_pp,
        "near": on + datetime.timedelta(days=rules.near_deadline_days),
        "min_progress": rules.near_deadline_min_progress,
    }
    sql = FLOOR_SQL.format(behind=BEHIND[connection.vendor])
    result = {}

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            result["rows"] = cursor.fetchall()

    seconds = _timed(runs, run)
    counts: dict[int, dict[str, int]] = {}
    for unit_id, state, n in result["rows"]:
        counts.setdefault(unit_id, {})[state] = n
    return seconds, counts


def _agrees_with_floor(floor_counts: dict, on: datetime.date) -> bool:
    stored = {
        row.unit_id: {state: n for state, n in row.state_counts.items() if n}
        for row in GreeningSnapshot.objects.filter(on_date=on, scope=ALL_SCOPE)
        if any(row.state_counts.values())
    }
    return stored == floor_counts


def _incremental(runs: int) -> float:
    tasks = Task.objects.filter(
        lead_unit__kind=UnitKind.COMMUNE, status=TaskStatus.IN_PROGRESS, progress__lt=90
    )
    times = []
    for task in tasks.order_by("id")[:runs]:
        # Pretend a refresh is already queued, so the change adds to the backlog without
        # enqueueing a job; the refresh is then run and timed here.
        cache.set(INCREMENTAL_QUEUED_KEY, 1, timeout=60)
        task.progress += 5
        task_change(task=task, expected_version=task.version, author=None, note="Benchmark")
        started = time.perf_counter()
        greening_refresh_backlog()
        times.append(time.perf_counter() - started)
    return statistics.median(times)
