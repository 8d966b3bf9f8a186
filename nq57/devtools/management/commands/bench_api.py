"""Time the REST API (/api/v1/) through the whole Django stack on a national-shaped dataset
in a throwaway database, against the budgets of issue 18:

- a page of 100 tasks for a province officer of the largest province: p95 under 100 ms,
  with the same number of SQL queries on page 2 (followed by its `next` cursor) as on page 1;
- an incremental sync after a cascade changed --changed of the province's tasks (500 of
  them share each timestamp, as a cascade stamps them): the whole `updated_since` pull, 500
  a page, following `next` to the end, under 5 s;
- a commune officer's update (progress +1 and a note, with If-Match and an
  Idempotency-Key, no file): p95 under 100 ms.

Every request carries an API token in its Authorization header, as a machine client's
does (token lookup, throttling and all). A trivial API read (the officer's own unit) and
/healthz are timed in the same run for scale.

The last line with --json is one object: tasks_page_province, sync_changed, task_update,
trivial and healthz, with over_budget naming the figures that miss their budget.
"""

import contextlib
import datetime
import gc
import json
import math
import statistics
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count, Max
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from nq57.celery import app as celery_app
from nq57.devtools.benchmarks.dataset import build_dataset, largest_province
from nq57.devtools.benchmarks.http import Figures, Page, client_for, get_ok, measure, percentile
from nq57.devtools.benchmarks.throwaway import throwaway_database
from nq57.devtools.benchmarks.workers import tasks_routed_to
from tasks_app.access import visible_tasks
from tasks_app.actions.tokens import token_create
from tasks_app.actions.units import default_source_path, read_unit_source, units_load
from tasks_app.api.throttling import PerTokenThrottle, PerUserThrottle
from tasks_app.clock import local_today
from tasks_app.models import (
    ApiToken,
    ApiTokenPurpose,
    Membership,
    Role,
    Task,
    TaskStatus,
    Unit,
    UnitKind,
    User,
)

PROVINCE_USER = "bench.api.tinh"
COMMUNE_USER = "bench.api.xa"
TASKS_PAGE_SIZE = 100
SYNC_PAGE_SIZE = 500  # the most a page may hold
CASCADE_BATCH = 500  # tasks a cascade stamps with one instant
SYNC_PULLS = 3  # whole pulls timed; the slowest is held against the budget
TASKS_PAGE_BUDGET_MS = 100
SYNC_BUDGET_SECONDS = 5
UPDATE_BUDGET_MS = 100
# An update may take progress this high (100 % in progress is a task that should be closed).
MAX_PROGRESS = 99

Say = Callable[[str], None]


@dataclass(frozen=True)
class Caller:
    """A benchmark account with its API token: the headers a machine client sends."""

    user: User
    token: ApiToken
    secret: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}"}


@dataclass(frozen=True)
class Pull:
    seconds: float
    pages: int
    task_ids: list[int]
    queries: list[int]


class Command(BaseCommand):
    help = (
        "Time the REST API with token authentication (a province's page of tasks and its page 2, "
        "an incremental sync after a cascade, a commune officer's update, a trivial read) on a "
        "national-shaped dataset in a throwaway database, against issue 18's budgets."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tasks", type=int, default=1_000_000, help="How many tasks to generate.")
        parser.add_argument(
            "--runs", type=int, default=30, help="Timed requests per figure, after one warm-up request."
        )
        parser.add_argument(
            "--changed",
            type=int,
            default=10_000,
            help="Tasks of the province a cascade changes before the sync (at most all of them).",
        )
        parser.add_argument(
            "--sync-page-size",
            type=int,
            default=SYNC_PAGE_SIZE,
            help="page_size of the sync's requests (the API allows 1 to 500).",
        )
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="End with one JSON line of the figures."
        )

    def handle(
        self, *args, tasks: int, runs: int, changed: int, sync_page_size: int, as_json: bool, **options
    ):
        if runs < 1:
            raise CommandError("--runs must be at least 1")
        if tasks < 1:
            raise CommandError("--tasks must be at least 1")
        if changed < 1:
            raise CommandError("--changed must be at least 1")
        if not 1 <= sync_page_size <= SYNC_PAGE_SIZE:
            raise CommandError(f"--sync-page-size must be from 1 to {SYNC_PAGE_SIZE}")
        say: Say = self.stdout.write
        today = local_today()
        say(f"Database: {connection.vendor}; building a throwaway copy…")
        with throwaway_database("bench_api"), _jobs_parked():
            started = time.perf_counter()
            units_load(records=read_unit_source(default_source_path()))
            updates = build_dataset(tasks=tasks, today=today, log=say)
            say(f"Dataset: {tasks:,} tasks, {updates:,} updates in {time.perf_counter() - started:.1f} s")

            province = largest_province()
            officer = _caller(PROVINCE_USER, province, Role.PROVINCE_OFFICER)
            province_tasks = visible_tasks(officer.user).count()
            say(f"Province: {province} ({province.pk}), {province_tasks:,} tasks; a province officer's token")

            report: dict[str, Any] = {"database": connection.vendor, "tasks": tasks, "runs": runs}
            report["tasks_page_province"] = _tasks_page(officer, runs, say)
            report["sync_changed"] = _sync(officer, province, changed, sync_page_size, say)
            report["task_update"] = _task_update(province, runs, say)
            own_unit = Page("trivial", None, f"/api/v1/units/{province.pk}/", officer.headers)
            say(f"trivial: GET {own_unit.path}")
            report["trivial"] = _figures(_measured(own_unit, runs, officer), say)
            say("healthz: GET /healthz")
            report["healthz"] = _figures(_measured(Page("healthz", None, "/healthz"), runs, None), say)
        report["over_budget"] = _over_budget(report)
        say(
            "Budgets: all met"
            if not report["over_budget"]
            else f"Budgets: OVER BUDGET: {', '.join(report['over_budget'])}"
        )
        if as_json:
            say(json.dumps(report))


# --- the callers ---------------------------------------------------------------------------


def _caller(username: str, unit: Unit, role: Role) -> Caller:
    user = User.objects.create_user(username, full_name=f"Benchmark {role.label}")
    Membership.objects.create(user=user, unit=unit, role=role)
    issued = token_create(
        user=user,
        name="bench_api",
        purpose=ApiTokenPurpose.SCRIPTS,
        read_only=False,
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    return Caller(user=user, token=issued.token, secret=issued.secret)


def _before_figure(caller: Caller | None) -> None:
    """Before a figure: forget the requests the caller made so far, so that one figure's
    requests are not throttled for the earlier ones' sake (the counts live in the shared
    cache, where an earlier run's token of the same id may have left some too); and collect
    the garbage of the set-up (the dataset build leaves cycles a serving worker would not
    have), so that the collector's pass on it does not land on a timed request."""
    gc.collect()
    if caller is None:
        return
    keys = [
        PerTokenThrottle.cache_format % {"scope": PerTokenThrottle.scope, "ident": caller.token.pk},
        PerUserThrottle.cache_format % {"scope": PerUserThrottle.scope, "ident": caller.user.pk},
    ]
    with contextlib.suppress(Exception):  # no cache: the throttles let requests through too
        cache.delete_many(keys)


def _measured(page: Page, runs: int, caller: Caller | None) -> Figures:
    _before_figure(caller)
    return measure(page, runs)


def _figures(figures: Figures, say: Say, *, budget_ms: float | None = None) -> dict:
    line = (
        f"p50 {figures['p50_ms']:7.1f} ms  p95 {figures['p95_ms']:7.1f} ms  {figures['queries']:3d} queries"
        f" ({figures['sql_p50_ms']:.0f} ms SQL)  {figures['bytes']:>9,} bytes"
    )
    if budget_ms is not None:
        line += f"  (budget p95 < {budget_ms:g} ms){_verdict(figures['p95_ms'] < budget_ms)}"
    say(f"  {line}")
    return {
        "p50_ms": figures["p50_ms"],
        "p95_ms": figures["p95_ms"],
        "queries": figures["queries"],
        "bytes": figures["bytes"],
    }


def _verdict(within: bool) -> str:
    return "" if within else "  OVER BUDGET"


def _local(url: str | None) -> str | None:
    """The path and query of a `next` link (the test client is the server's own host)."""
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


# --- 1. a page of tasks --------------------------------------------------------------------


def _tasks_page(officer: Caller, runs: int, say: Say) -> dict:
    """Page 1 of the officer's tasks, then page 2 from its `next` link: the same queries."""
    path = f"/api/v1/tasks/?page_size={TASKS_PAGE_SIZE}"
    _before_figure(officer)
    first = get_ok(client_for(None), path, "tasks_page_province", officer.headers).json()
    second_path = _local(first.get("next"))
    if second_path is None:
        raise CommandError(f"The province has at most {TASKS_PAGE_SIZE} tasks: no page 2; use more --tasks.")
    say(f"tasks_page_province: GET {path}")
    page_1 = _figures(
        _measured(Page("tasks_page_province", None, path, officer.headers), runs, officer),
        say,
        budget_ms=TASKS_PAGE_BUDGET_MS,
    )
    say(f"tasks_page_province, page 2: GET {second_path}")
    page_2 = _figures(
        _measured(Page("tasks_page_province_2", None, second_path, officer.headers), runs, officer),
        say,
        budget_ms=TASKS_PAGE_BUDGET_MS,
    )
    if page_1["queries"] != page_2["queries"]:
        say(f"  page 1 ran {page_1['queries']} queries and page 2 {page_2['queries']}: not a fixed number")
    return {
        **page_1,
        "page_size": TASKS_PAGE_SIZE,
        "queries_page_2": page_2["queries"],
        "p50_ms_page_2": page_2["p50_ms"],
        "p95_ms_page_2": page_2["p95_ms"],
        "bytes_page_2": page_2["bytes"],
    }


# --- 2. an incremental sync after a cascade ---------------------------------------------------


def _sync(officer: Caller, province: Unit, changed: int, page_size: int, say: Say) -> dict:
    since, marked = _cascade(officer, changed, say)
    query = urlencode({"updated_since": since.isoformat(), "page_size": page_size})
    path = f"/api/v1/tasks/?{query}"
    say(f"sync_changed: GET {path}, following `next` to the end")
    pulls = []
    for _ in range(SYNC_PULLS):
        _before_figure(officer)
        pull = _pull(officer, path)
        if sorted(pull.task_ids) != marked:
            raise CommandError(
                f"sync_changed: the pull received {len(pull.task_ids):,} tasks"
                f" ({len(set(pull.task_ids)):,} different), not the {len(marked):,} changed"
            )
        pulls.append(pull)
    slowest = max(pull.seconds for pull in pulls)
    pages = pulls[0].pages
    queries = max(max(pull.queries) for pull in pulls)
    say(
        f"  {len(marked):,} tasks in {pages} pages of {page_size}: {slowest:.2f} s"
        f" (slowest of {SYNC_PULLS} pulls: {', '.join(f'{pull.seconds:.2f}' for pull in pulls)} s),"
        f" {queries} queries a page (budget < {SYNC_BUDGET_SECONDS} s)"
        f"{_verdict(slowest < SYNC_BUDGET_SECONDS)}"
    )
    per_page = [pull.seconds / pull.pages * 1000 for pull in pulls]
    return {
        "seconds": round(slowest, 3),
        "seconds_p50": round(statistics.median(pull.seconds for pull in pulls), 3),
        "pulls": SYNC_PULLS,
        "changed": len(marked),
        "tasks": len(pulls[0].task_ids),
        "pages": pages,
        "page_size": page_size,
        "ms_per_page": round(statistics.median(per_page), 2),
        "queries_per_page": queries,
        "queries_per_page_min": min(min(pull.queries) for pull in pulls),
    }


def _cascade(officer: Caller, changed: int, say: Say) -> tuple[datetime.datetime, list[int]]:
    """Stamp `changed` of the province's tasks, spread over the table, as changed after T:
    CASCADE_BATCH of them to each instant, one second apart. Returns T and their ids."""
    ids = list(visible_tasks(officer.user).order_by("pk").values_list("pk", flat=True))
    if changed > len(ids):
        say(f"  --changed {changed:,}: the province has {len(ids):,} tasks, all of them changed")
        changed = len(ids)
    step = len(ids) / changed
    marked = [ids[math.floor(n * step)] for n in range(changed)]
    latest = Task.objects.aggregate(latest=Max("updated_at"))["latest"] or timezone.now()
    since = (max(latest, timezone.now()) + datetime.timedelta(minutes=1)).replace(microsecond=0)
    for number, start in enumerate(range(0, changed, CASCADE_BATCH)):
        Task.objects.filter(pk__in=marked[start : start + CASCADE_BATCH]).update(
            updated_at=since + datetime.timedelta(seconds=number)
        )
    say(
        f"  a cascade changed {changed:,} tasks of the province,"
        f" {min(changed, CASCADE_BATCH)} to each timestamp from {since.isoformat()}"
    )
    return since, marked


def _pull(caller: Caller, path: str) -> Pull:
    """A client's whole pull: each page read and parsed, then the next one asked for."""
    client = client_for(None)
    task_ids: list[int] = []
    queries: list[int] = []
    next_path: str | None = path
    started = time.perf_counter()
    while next_path is not None:
        with CaptureQueriesContext(connection) as captured:
            body = get_ok(client, next_path, "sync_changed", caller.headers).json()
        queries.append(len(captured))
        task_ids.extend(row["id"] for row in body["results"])
        next_path = _local(body.get("next"))
    return Pull(seconds=time.perf_counter() - started, pages=len(queries), task_ids=task_ids, queries=queries)


# --- 3. an update ----------------------------------------------------------------------------


def _task_update(province: Unit, runs: int, say: Say) -> dict:
    """A commune officer reports progress +1 with a note on the commune's tasks in turn
    (one warm-up, then `runs` timed), each with the ETag the previous answer gave."""
    commune, plan = _update_plan(province, runs + 1)
    officer = _caller(COMMUNE_USER, commune, Role.COMMUNE_OFFICER)
    client = client_for(None)
    _before_figure(officer)
    etags: dict[int, str] = {}
    progress: dict[int, int] = {}
    for pk in dict.fromkeys(plan):  # a fresh read of each task gives its ETag, as a client's would
        response = get_ok(client, f"/api/v1/tasks/{pk}/", "task_update", officer.headers)
        etags[pk], progress[pk] = response["ETag"], response.json()["progress"]
    say(f"task_update: POST /api/v1/tasks/{{id}}/updates/ by a commune officer of {commune} ({commune.pk}),")
    say(f"  progress +1 and a note on {len(etags)} tasks in turn")
    times: list[float] = []
    queries: list[int] = []
    size = 0
    for number, pk in enumerate(plan):
        progress[pk] += 1
        body = {"progress": progress[pk], "note": f"Benchmark: tiến độ {progress[pk]}%"}
        headers = {**officer.headers, "If-Match": etags[pk], "Idempotency-Key": str(uuid.uuid4())}
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.post(
                f"/api/v1/tasks/{pk}/updates/",
                data=json.dumps(body),
                content_type="application/json",
                headers=headers,
            )
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 201:
            raise CommandError(
                f"task_update: POST /api/v1/tasks/{pk}/updates/ answered {response.status_code}, not 201:"
                f" {response.content[:500]!r}"
            )
        etags[pk] = response["ETag"]
        if number == 0:
            continue  # the warm-up
        times.append(elapsed)
        queries.append(len(captured))
        size = len(response.content)
    p95 = percentile(times, 95)
    figures = {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(p95, 2),
        "queries": max(queries),
        "bytes": size,
        "tasks": len(etags),
    }
    say(
        f"  p50 {figures['p50_ms']:7.1f} ms  p95 {figures['p95_ms']:7.1f} ms  {figures['queries']:3d} queries"
        f"  {size:>9,} bytes  (budget p95 < {UPDATE_BUDGET_MS} ms){_verdict(p95 < UPDATE_BUDGET_MS)}"
    )
    return figures


def _update_plan(province: Unit, count: int) -> tuple[Unit, list[int]]:
    """The commune with the most tasks in progress (one of the province's if it has one),
    and `count` of its tasks to update in turn, none taken past MAX_PROGRESS."""
    in_progress = Task.objects.filter(
        lead_unit__kind=UnitKind.COMMUNE, status=TaskStatus.IN_PROGRESS, progress__lt=MAX_PROGRESS
    )
    busiest = None
    for tasks in (in_progress.filter(lead_unit__parent=province), in_progress):
        busiest = tasks.values("lead_unit").annotate(n=Count("id")).order_by("-n", "lead_unit").first()
        if busiest is not None:
            break
    if busiest is None:
        raise CommandError("task_update: no commune has a task in progress; use more --tasks.")
    commune = Unit.objects.get(pk=busiest["lead_unit"])
    room = dict(
        in_progress.filter(lead_unit=commune).order_by("progress", "pk").values_list("pk", "progress")
    )
    left = {pk: MAX_PROGRESS - progress for pk, progress in room.items()}
    plan: list[int] = []
    while len(plan) < count:
        ready = [pk for pk in left if left[pk] > 0]
        if not ready:
            raise CommandError(
                f"task_update: {commune}'s tasks cannot take {count} updates; use fewer --runs."
            )
        for pk in ready[: count - len(plan)]:
            plan.append(pk)
            left[pk] -= 1
    return commune, plan


# --- budgets and jobs ------------------------------------------------------------------------


def _over_budget(report: Mapping[str, Any]) -> list[str]:
    over = []
    page = report["tasks_page_province"]
    if max(page["p95_ms"], page["p95_ms_page_2"]) >= TASKS_PAGE_BUDGET_MS:
        over.append("tasks_page_province")
    if report["sync_changed"]["seconds"] >= SYNC_BUDGET_SECONDS:
        over.append("sync_changed")
    if report["task_update"]["p95_ms"] >= UPDATE_BUDGET_MS:
        over.append("task_update")
    return over


@contextmanager
def _jobs_parked() -> Iterator[None]:
    """An update queues the greening refresh. With Redis, send it to a queue of this run's
    own, emptied at the end: no worker of a dev server or of the tests may run it on its own
    database (without Redis, the throwaway database's in-memory broker keeps it here)."""
    if not settings.REDIS_URL:
        yield
        return
    queue = f"bench_api_{uuid.uuid4().hex[:12]}"
    with tasks_routed_to(queue, "greening.refresh_stale"):
        try:
            yield
        finally:
            try:
                with celery_app.connection_for_write() as conn:
                    conn.default_channel.queue_delete(queue)
            except Exception:  # Redis gone: the queue holds at most one stray job
                pass
