"""Timing pages through the whole Django stack (middleware, views, templates) with the test
client, as the page benchmarks do: one warm-up request, then `runs` timed ones, each
required to answer 200, with the SQL each one ran."""

import math
import statistics
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tasks_app.models import User

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

HOST = "127.0.0.1"  # in ALLOWED_HOSTS with DEBUG=1


@dataclass
class Page:
    name: str
    username: str | None  # None: an anonymous visitor
    path: str
    # Extra request headers, e.g. {"HX-Request": "true"} for an htmx partial.
    headers: Mapping[str, str] = field(default_factory=dict)


class Figures(TypedDict):
    p50_ms: float
    p95_ms: float
    sql_p50_ms: float
    queries: int
    bytes: int


def client_for(username: str | None) -> Client:
    """A test client logged in as `username` (anonymous for None)."""
    client = Client(HTTP_HOST=HOST)
    if username:
        client.force_login(User.objects.get(username=username))
    return client


def get_ok(
    client: Client, path: str, name: str, headers: Mapping[str, str] | None = None
) -> "_MonkeyPatchedWSGIResponse":
    """GET `path`; anything but a 200 fails the benchmark, since timing an error page or a
    redirect to the login would measure the wrong thing."""
    response = client.get(path, headers=dict(headers or {}))
    if response.status_code != 200:
        raise CommandError(
            f"{name}: GET {path} answered {response.status_code}, not 200"
            + (f" (redirect to {response['Location']})" if response.has_header("Location") else "")
        )
    return response


def measure(page: Page, runs: int) -> Figures:
    """Server time of `runs` requests after one warm-up, with the queries they ran."""
    client = client_for(page.username)
    get_ok(client, page.path, page.name, page.headers)  # warm-up: caches, compiled templates, connection
    times: list[float] = []
    sql_times: list[float] = []
    queries: list[int] = []
    size = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = get_ok(client, page.path, page.name, page.headers)
            times.append((time.perf_counter() - started) * 1000)
        queries.append(len(captured))
        # Django logs each query's time to the millisecond: a rough split of server time.
        sql_times.append(sum(float(query["time"]) for query in captured.captured_queries) * 1000)
        size = len(response.content)
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 95), 2),
        "sql_p50_ms": round(statistics.median(sql_times), 1),
        "queries": max(queries),
        "bytes": size,
    }


def percentile(values: list[float], pct: int) -> float:
    """Nearest-rank percentile: the smallest value at least pct % of the values do not exceed."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]
