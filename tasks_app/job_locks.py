"""One run at a time for the scheduled jobs, however many beats send them.

Two beats started by mistake send every scheduled job twice. Each job is idempotent (a
second weekly run finds last week's reports and queues none; a second recompute upserts
the same rows), and each run also takes a lock, so two copies arriving together do the
work once: the second finds the lock taken and returns at once.

The lock lives in the database, not in Redis: it must hold while Redis is down or hung,
and it is released by the database when the process holding it dies (no expiry to
guess). PostgreSQL: a session advisory lock. SQLite (one machine, the embedded mode):
an flock on a file named after the database, which the kernel releases on exit."""

import fcntl
import functools
import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connection

log = logging.getLogger(__name__)


def _key(name: str) -> int:
    """A stable signed 64-bit key for pg_try_advisory_lock (Python's hash() is salted)."""
    return int.from_bytes(hashlib.sha256(f"nq57:{name}".encode()).digest()[:8], "big", signed=True)


@contextmanager
def job_lock(name: str) -> Iterator[bool]:
    """Yield True while this process holds the lock called `name`, False (at once, without
    waiting) when another run holds it."""
    if connection.vendor == "postgresql":
        with _advisory_lock(_key(name)) as held:
            yield held
    else:
        with _file_lock(name) as held:
            yield held


@contextmanager
def _advisory_lock(key: int) -> Iterator[bool]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
            except Exception:
                # The connection broke during the job: the server ended its session, and
                # with it the lock. Close it so the next job opens a fresh one.
                log.warning("Could not release job lock %s; closing the connection", key, exc_info=True)
                connection.close()


@contextmanager
def _file_lock(name: str) -> Iterator[bool]:
    # Only SQLite's wrapper has is_in_memory_db, and only SQLite comes here (PostgreSQL
    # takes an advisory lock); the stubs type `connection` as the base wrapper.
    if connection.is_in_memory_db():  # type: ignore[attr-defined]
        database = f"memory:{os.getpid()}"  # no other process can open it: nothing to share
    else:
        database = str(Path(connection.settings_dict["NAME"]).resolve())
    slug = hashlib.sha256(f"{database}:{name}".encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"nq57-job-{slug}.lock"
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def runs_alone(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Run the decorated job only when no other run of `name` is in progress; a run that
    finds one returns None and leaves the work to it."""

    def decorate(job: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(job)
        def alone(*args: Any, **kwargs: Any) -> Any:
            with job_lock(name) as held:
                if not held:
                    log.info("Job %s is already running elsewhere; this run does nothing", name)
                    return None
                return job(*args, **kwargs)

        return alone

    return decorate
