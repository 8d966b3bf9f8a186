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
            yield name
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    finally:
        settings["TEST"] = old_test
