"""A database made for one benchmark run and dropped after it, on the same server (or,
for SQLite, in a temporary file), so benchmarks never touch real data."""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection


@contextmanager
def throwaway_database(label: str) -> Iterator[str]:
    """Create and migrate a fresh database, point the default connection at it, yield
    its name, and drop it afterwards (also on error or Ctrl-C)."""
    settings = connection.settings_dict
    old_name = settings["NAME"]
    old_test = dict(settings.get("TEST") or {})
    if connection.vendor == "sqlite":
        name = str(Path(tempfile.gettempdir()) / f"nq57_{label}_{os.getpid()}.sqlite3")
    else:
        name = f"nq57_{label}_{os.getpid()}"
    settings["TEST"] = {**old_test, "NAME": name}
    try:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            with _jobs_kept_apart():
                yield name
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    finally:
        settings["TEST"] = old_test


@contextmanager
def _jobs_kept_apart() -> Iterator[None]:
    """Without Redis, queued jobs wait in a folder that the demo's worker (manage.py
    serve) reads: a job queued for the throwaway database must not reach it, where its
    ids mean other rows. Such jobs go to an in-memory broker, which only this process sees."""
    from nq57.celery import app

    previous = app.conf.broker_url
    if not str(previous).startswith("filesystem://"):
        yield
        return
    app.conf.broker_url = "memory://"
    app._pool, app.amqp._producer_pool = None, None  # pools are kept per broker
    try:
        yield
    finally:
        app.conf.broker_url = previous
        app._pool, app.amqp._producer_pool = None, None
