"""Time the leaders' dashboards (national, province, commune) through the whole Django stack
on a national-shaped dataset in a throwaway database, with the twelve weekly snapshot
dates their trend reads; and, with Redis, how long a commune's change takes to reach its
province's dashboard through a real Celery worker.

The last line with --json is one object, page name -> {"p50_ms", "p95_ms", "queries",
"bytes"}, ending with the "trivial" page (/healthz) timed in the same run for scale.
"""

import datetime
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Case, Count, When
from django.test import Client

from nq57.devtools.benchmarks.dataset import build_dataset, largest_province
from nq57.devtools.benchmarks.http import Figures, Page, client_for, get_ok, measure
from nq57.devtools.benchmarks.snapshots import snapshot_history
from nq57.devtools.benchmarks.throwaway import throwaway_database
from nq57.devtools.benchmarks.workers import celery_worker, tasks_routed_to
from tasks_app.actions.greening import INCREMENTAL_QUEUED_KEY
from tasks_app.actions.tasks import task_change
from tasks_app.actions.units import default_source_path, read_unit_source, units_load
from tasks_app.clock import local_today
from tasks_app.greening.counting import task_source, with_states
from tasks_app.greening.rules import Rules
from tasks_app.models import (
    GreeningPolicy,
    Membership,
    Plan,
    Role,
    Task,
    TaskState,
    TaskStatus,
    Unit,
    UnitKind,
    User,
)

if TYPE_CHECKING:
    from tasks_app.selectors.tasks import StatedTask

CENTRAL_USER = "bench.trunguong"
PROVINCE_USER = "bench.tinh"
COMMUNE_USER = "bench.xa"
FRESHNESS_TIMEOUT_SECONDS = 30
POLL_SECONDS = 0.1

Say = Callable[[str], None]


@dataclass(frozen=True)
class Target:
    """Where the dashboards are looked at: the province with the most communes, its
    commune leading the most tasks, and the province's plan and its biggest task group."""

    province: Unit
    commune: Unit
    plan_id: int
    group_id: int
    national_plan_id: int  # the plan and group the province's implement (or the same)
    national_group_id: int

    @property
    def province_path(self) -> str:
        return f"/dashboard/province/{self.province.pk}/"


class Command(BaseCommand):
    help = (
        "Time the national, province and commune dashboards (p50/p95 server time, SQL queries, "
        "HTML size) on a national-shaped dataset with twelve weeks of snapshots, in a throwaway "
        "database; with REDIS_URL set, also how long a change takes to show (real Celery worker)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tasks", type=int, default=1_000_000, help="How many tasks to generate.")
        parser.add_argument(
            "--runs", type=int, default=30, help="Timed requests per page, after one warm-up request."
        )
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="End with one JSON line of the figures."
        )

    def handle(self, *args, tasks: int, runs: int, as_json: bool, **options):
        if runs < 1:
            raise CommandError("--runs must be at least 1")
        if tasks < 1:
            raise CommandError("--tasks must be at least 1")
        say: Say = self.stdout.write
        today = local_today()
        say(f"Database: {connection.vendor}; building a throwaway copy…")
        with throwaway_database("bench_dashboard"):
            started = time.perf_counter()
            units_load(records=read_unit_source(default_source_path()))
            updates = build_dataset(tasks=tasks, today=today, log=say)
            say(f"Dataset: {tasks:,} tasks, {updates:,} updates in {time.perf_counter() - started:.1f} s")
            snapshot_history(today, say, last_day_label="today")

            target = _target()
            say(
                f"Province: {target.province} ({target.province.pk}); commune: {target.commune}"
                f" ({target.commune.pk}); plan {target.plan_id}, group {target.group_id}"
            )
            _leaders(target)
            results: dict[str, Figures] = {}
            for page in _pages(target):
                figures = results[page.name] = measure(page, runs)
                say(
                    f"{page.name:<16} p50 {figures['p50_ms']:7.1f} ms  p95 {figures['p95_ms']:7.1f} ms"
                    f"  {figures['queries']:3d} queries ({figures['sql_p50_ms']:.0f} ms SQL)"
                    f"  {figures['bytes']:>8,} bytes  {page.path}" + ("  (htmx)" if page.headers else "")
                )

            if settings.REDIS_URL:
                seconds = _freshness(target, today, say)
                say(f"Freshness: update visible on the province dashboard after {seconds:.2f} s")
            else:
                say("Freshness: skipped (REDIS_URL is not set, so jobs run in-process, not on a worker)")
        if as_json:
            say(
                json.dumps(
                    {
                        name: {
                            "p50_ms": figures["p50_ms"],
                            "p95_ms": figures["p95_ms"],
                            "queries": figures["queries"],
                            "bytes": figures["bytes"],
                        }
                        for name, figures in results.items()
                    }
                )
            )


# --- the data ----------------------------------------------------------------------------------


def _target() -> Target:
    province = largest_province()
    busiest = (
        Task.objects.filter(lead_unit__parent=province, lead_unit__kind=UnitKind.COMMUNE)
        .values("lead_unit")
        .annotate(n=Count("id"))
        .order_by("-n", "lead_unit")
        .first()
    )
    if busiest is None:
        raise CommandError(f"No commune of {province} leads a task: use more --tasks.")
    plan = Plan.objects.filter(issuing_unit=province).order_by("id").first()
    if plan is None:
        raise CommandError(f"{province} has no plan.")
    group = plan.task_groups.annotate(n=Count("tasks")).order_by("-n", "number").first()
    if group is None:
        raise CommandError(f"The plan {plan} has no task group.")
    return Target(
        province=province,
        commune=Unit.objects.get(pk=busiest["lead_unit"]),
        plan_id=plan.pk,
        group_id=group.pk,
        national_plan_id=plan.implements_id or plan.pk,
        national_group_id=group.implements_id or group.pk,
    )


def _leaders(target: Target) -> None:
    """A central viewer, the province's leader and the commune's leader."""
    _member(CENTRAL_USER, Unit.objects.get(kind=UnitKind.CENTRAL), Role.CENTRAL_VIEWER)
    _member(PROVINCE_USER, target.province, Role.PROVINCE_LEADER)
    _member(COMMUNE_USER, target.commune, Role.COMMUNE_LEADER)


def _member(username: str, unit: Unit, role: Role) -> User:
    user = User.objects.create_user(username, full_name=f"Benchmark {role.label}")
    Membership.objects.create(user=user, unit=unit, role=role)
    return user


def _pages(target: Target) -> list[Page]:
    return [
        Page("national", CENTRAL_USER, "/dashboard/national/"),
        Page(
            "national_group",
            CENTRAL_USER,
            # The central plan and group the province's carry out: every province counts.
            f"/dashboard/national/?plan={target.national_plan_id}&group={target.national_group_id}",
        ),
        Page("province", PROVINCE_USER, target.province_path),
        Page("province_sorted", PROVINCE_USER, f"{target.province_path}?sort=-overdue&colour=red"),
        # What htmx sends when the board refreshes itself: without HX-Target the view
        # answers the whole page.
        Page(
            "province_htmx", PROVINCE_USER, target.province_path, {"HX-Request": "true", "HX-Target": "board"}
        ),
        Page("commune", COMMUNE_USER, f"/dashboard/commune/{target.commune.pk}/"),
        Page("trivial", None, "/healthz"),
    ]


# --- freshness ---------------------------------------------------------------------------------


def _freshness(target: Target, today: datetime.date, say: Say) -> float:
    """Seconds from a commune leader's change until the province dashboard shows the
    commune's new rate, with the refresh job run by a real worker."""
    task = _task_to_complete(target, today)
    commune = task.lead_unit
    author = User.objects.filter(memberships__unit=commune, memberships__role=Role.COMMUNE_LEADER).first()
    if author is None:  # not the measured commune: see _task_to_complete
        author = _member(f"{COMMUNE_USER}.{commune.code}", commune, Role.COMMUNE_LEADER)
    client = client_for(PROVINCE_USER)
    # The table shows 50 communes a page, and the change moves the commune in the ranking:
    # searching for its name keeps its row on the page polled.
    path = f"{target.province_path}?{urlencode({'q': commune.name})}"
    queue = f"bench_dashboard_{os.getpid()}"
    with tasks_routed_to(queue, "greening.refresh_stale"), celery_worker(queue, say, label="bench_dashboard"):
        before = _row_rate(client, path, commune.pk)
        say(
            f"  {commune} ({commune.pk}): task {task.code} ({task.pk}, {task.greening_state})"
            f" marked completed; rate before: {before!r}"
        )
        # A flag left by an earlier change would make this one skip queueing its job.
        cache.delete(INCREMENTAL_QUEUED_KEY)
        task.status = TaskStatus.COMPLETED
        task.progress = 100
        task.completed_on = today
        started = time.perf_counter()
        # Committed when it returns (it is atomic and we are in autocommit), which queues the job.
        task_change(task=task, expected_version=task.version, author=author, note="Benchmark")
        while (after := _row_rate(client, path, commune.pk)) == before:
            if time.perf_counter() - started > FRESHNESS_TIMEOUT_SECONDS:
                raise CommandError(
                    f"Freshness: the province dashboard still shows {before!r} for commune "
                    f"{commune.pk} after {FRESHNESS_TIMEOUT_SECONDS} s"
                )
            time.sleep(POLL_SECONDS)
        seconds = time.perf_counter() - started
        say(f"  rate after: {after!r}")
    return seconds


def _task_to_complete(target: Target, today: datetime.date) -> "StatedTask":
    """An open task that completing today turns green, so that its commune's rate (the
    share of green tasks) must change: behind schedule or late to start, with the deadline
    still ahead (an overdue task completed today is completed late, green only if the
    policy says so). The measured commune's own first, in-progress ones first; another
    commune of the province only when it has none (a small --tasks)."""
    rules = Rules.from_policy(GreeningPolicy.objects.prefetch_related("bands").get())
    states = [TaskState.BEHIND_SCHEDULE, TaskState.NOT_STARTED_LATE]
    if rules.completed_late_is_green:
        states.append(TaskState.OVERDUE)
    task = (
        with_states(task_source(on=today, today=today), on=today, rules=rules)
        .filter(
            lead_unit__parent=target.province, lead_unit__kind=UnitKind.COMMUNE, greening_state__in=states
        )
        .select_related("lead_unit")
        .order_by(
            Case(When(lead_unit=target.commune, then=0), default=1),
            Case(When(status=TaskStatus.IN_PROGRESS, then=0), default=1),
            "id",
        )
        .first()
    )
    if task is None:
        raise CommandError(
            f"Freshness: no task in {target.province} would turn green if completed; use more --tasks."
        )
    return task


class _RowRate(HTMLParser):
    """The data-rate of the element with a given id (the commune's row)."""

    def __init__(self, element_id: str):
        super().__init__()
        self.element_id = element_id
        self.found = False
        self.rate: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if not self.found and values.get("id") == self.element_id:
            self.found = True
            if "data-rate" in values:  # a bare attribute parses as None: no rate
                self.rate = values["data-rate"] or ""


def _row_rate(client: Client, path: str, commune_id: int) -> str:
    """The rate the dashboard at `path` shows for the commune: its row's data-rate."""
    element_id = f"unit-{commune_id}"
    parser = _RowRate(element_id)
    parser.feed(get_ok(client, path, "freshness").content.decode("utf-8"))
    if not parser.found:
        raise CommandError(f"Freshness: {path} has no element id={element_id!r}")
    if parser.rate is None:
        raise CommandError(f"Freshness: the element id={element_id!r} on {path} has no data-rate")
    return parser.rate
