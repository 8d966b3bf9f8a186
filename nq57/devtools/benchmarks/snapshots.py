"""The greening snapshots a benchmark's boards and reports read, computed the way the
nightly job and a backfill would have left them, before anything is timed."""

import datetime
import time
from collections.abc import Callable

from django.db import connection

from reports.boards.selectors.figures import TREND_WEEKS
from tasks_app.actions.greening import greening_recompute


def snapshot_history(last_day: datetime.date, say: Callable[[str], None], *, last_day_label: str) -> float:
    """Compute the snapshots of `last_day` and of the same weekday in each of the weeks
    before it that a trend reads, then refresh the planner's statistics; return the
    seconds the snapshots took. `last_day` is computed from the tasks' own columns when it
    is today, from the task history when it is past."""
    total = 0.0
    for week in range(TREND_WEEKS):
        on = last_day - datetime.timedelta(weeks=week)
        started = time.perf_counter()
        result = greening_recompute(on=on)
        seconds = time.perf_counter() - started
        total += seconds
        label = last_day_label if week == 0 else f"{week} week{'s' if week > 1 else ''} before"
        say(f"  snapshots for {on:%d/%m/%Y} ({label}): {result.rows_written:,} rows in {seconds:.1f} s")
    say(f"Snapshot history ({TREND_WEEKS} weekly dates): {total:.1f} s")
    if connection.vendor == "postgresql":
        # Production's autovacuum has long since analysed the tables; right after a bulk
        # write here it may not have, and stale statistics would time bad plans.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return total
