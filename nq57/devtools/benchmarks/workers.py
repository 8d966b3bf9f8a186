"""Jobs timed where production runs them: a real Celery worker started for one benchmark
run, on the throwaway database, consuming a queue of its own that the measured jobs are
routed to."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import IO
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection
from kombu import Exchange, Queue

from nq57.celery import app as celery_app

WORKER_READY_SECONDS = 30
WORKER_STOP_SECONDS = 20
WORKER_LOG_TAIL = 3000


def database_url() -> str:
    """The URL of the database the default connection uses now (the throwaway one), in the
    form the settings parse from DATABASE_URL, for the processes a benchmark starts."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    if connection.vendor != "postgresql":
        raise CommandError(f"No DATABASE_URL form known for {connection.vendor}")
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = quote(db["HOST"] or "", safe="")  # a socket directory is a path: escape its slashes
    port = f":{db['PORT']}" if db.get("PORT") else ""
    # Plain connection options (sslmode, …) travel as the query string.
    options = {k: v for k, v in (db.get("OPTIONS") or {}).items() if isinstance(v, str | int)}
    query = f"?{urlencode(options)}" if options else ""
    return f"postgres://{auth}@{host}{port}/{quote(db['NAME'], safe='')}{query}"


@contextmanager
def tasks_routed_to(queue: str, *task_names: str) -> Iterator[None]:
    """Send the named jobs to `queue` while inside. A queue of its own keeps a worker of the
    test suite or of a dev server on the same Redis from taking a job (it would run it on
    its own database), and ours from taking theirs."""
    previous = celery_app.conf.task_routes
    celery_app.conf.task_routes = {name: {"queue": queue} for name in task_names}
    _reload_routes()
    try:
        yield
    finally:
        celery_app.conf.task_routes = previous
        _reload_routes()


def _reload_routes() -> None:
    # Celery builds its router once, from the settings of the time; rebuild it.
    celery_app.amqp.flush_routes()
    celery_app.amqp.router = celery_app.amqp.Router()


@contextmanager
def celery_worker(
    queue: str,
    say: Callable[[str], None],
    *,
    label: str,
    concurrency: int = 1,
    env: Mapping[str, str] | None = None,
) -> Iterator[None]:
    """A real worker on the throwaway database, consuming `queue`, stopped on the way out
    (before the database is dropped: it holds a connection to it). One process runs the
    jobs in the worker itself; more run them in forked children, as production does. `env`
    adds to the worker's environment (a media folder, say)."""
    node = f"{label}_{os.getpid()}@{socket.gethostname()}"
    worker_env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        **(env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "nq57",
        "worker",
        "--pool=solo" if concurrency == 1 else "--pool=prefork",
        f"--concurrency={concurrency}",
        "--loglevel=WARNING",
        f"--queues={queue}",
        f"--hostname={node}",
        # Keep to itself: no syncing with other workers on the same broker.
        "--without-gossip",
        "--without-mingle",
    ]
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as log:
        worker = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=worker_env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            started = time.perf_counter()
            _wait_until_ready(worker, node, log)
            say(
                f"  Celery worker {node} ({concurrency} process{'es' if concurrency > 1 else ''})"
                f" ready in {time.perf_counter() - started:.1f} s"
            )
            yield
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=WORKER_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
            _delete_queue(queue)


def _delete_queue(queue: str) -> None:
    """Remove the run's queue and its routing entries from Redis, or each run leaves some."""
    with celery_app.connection_for_write() as conn:
        # Declared in this channel first: a channel only deletes the bindings it knows of.
        bound = Queue(queue, Exchange(queue, type="direct"), routing_key=queue)(conn.default_channel)
        bound.declare()
        bound.delete()


def _wait_until_ready(worker: subprocess.Popen, node: str, log: IO[str]) -> None:
    deadline = time.perf_counter() + WORKER_READY_SECONDS
    while time.perf_counter() < deadline:
        if worker.poll() is not None:
            raise CommandError(f"The Celery worker exited ({worker.returncode}):\n{_tail(log)}")
        if celery_app.control.ping(destination=[node], timeout=0.5):
            return
    raise CommandError(f"The Celery worker did not answer a ping in {WORKER_READY_SECONDS} s:\n{_tail(log)}")


def _tail(log: IO[str]) -> str:
    log.flush()
    log.seek(0)
    return log.read()[-WORKER_LOG_TAIL:]
