"""Writing snapshot rows fast. A full recompute writes tens of thousands of rows, so this
bypasses model instances: one multi-row upsert per page, and on PostgreSQL rows whose
figures did not change are left untouched (no write, no dead tuple)."""

import datetime
import json

from django.db import connection

from tasks_app.greening.counting import STATES
from tasks_app.greening.rollup import Figures
from tasks_app.models import STATE_COUNT_FIELDS, GreeningSnapshot, SnapshotScope

KEY_COLUMNS = ("unit_id", "on_date", "scope")
VALUE_COLUMNS = (
    "scope_kind",
    "plan_id",
    "task_group_id",
    "policy_version",
    *STATE_COUNT_FIELDS.values(),
    "n_overdue_key",
    "n_counted",
    "n_green",
    "own_rate",
    "children_counted",
    "children_green",
    "children_green_share",
    "rate",
    "colour",
    "red_by_key_task",
    "rank",
    "rank_among",
    "subtree_counts",
)
COLUMNS = (*KEY_COLUMNS, *VALUE_COLUMNS, "computed_at")
TABLE = GreeningSnapshot._meta.db_table


def _row(unit_id: int, scope: str, f: Figures, on, stamp, policy_version: int) -> tuple:
    kind, _, object_id = scope.partition(":")
    ops = connection.ops
    subtree = json.dumps({state: n for state, n in zip(STATES, f.subtree, strict=True) if n})
    return (
        unit_id,
        ops.adapt_datefield_value(on),
        scope,
        kind,
        int(object_id) if kind == SnapshotScope.PLAN else None,
        int(object_id) if kind == SnapshotScope.GROUP else None,
        policy_version,
        *f.counts,  # the per-state counts, then overdue key tasks
        f.n_counted,
        f.n_green,
        ops.adapt_decimalfield_value(f.own_rate, 5, 2),
        f.children_counted,
        f.children_green,
        ops.adapt_decimalfield_value(f.children_green_share, 5, 2),
        ops.adapt_decimalfield_value(f.rate, 5, 2),
        f.colour,
        f.red_by_key_task,
        f.rank,
        f.rank_among,
        subtree,
        ops.adapt_datetimefield_value(stamp),
    )


def upsert_snapshots(
    figures: dict[tuple[int, str], Figures],
    *,
    on: datetime.date,
    stamp: datetime.datetime,
    policy_version: int,
) -> int:
    """Insert or update one row per (unit, scope) for `on`; returns how many rows changed."""
    rows = [_row(unit_id, scope, f, on, stamp, policy_version) for (unit_id, scope), f in figures.items()]
    columns = ", ".join(COLUMNS)
    assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in (*VALUE_COLUMNS, "computed_at"))
    conflict = f"ON CONFLICT ({', '.join(KEY_COLUMNS)}) DO UPDATE SET {assignments}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg2.extras import execute_values

            current = ", ".join(f"{TABLE}.{c}" for c in VALUE_COLUMNS)
            proposed = ", ".join(f"EXCLUDED.{c}" for c in VALUE_COLUMNS)
            sql = (
                f"INSERT INTO {TABLE} ({columns}) VALUES %s {conflict} "
                f"WHERE ({current}) IS DISTINCT FROM ({proposed}) RETURNING 1"
            )
            template = "(" + ", ".join("%s::jsonb" if c == "subtree_counts" else "%s" for c in COLUMNS) + ")"
            return len(
                execute_values(cursor.cursor, sql, rows, template=template, page_size=5000, fetch=True)
            )
        marks = ", ".join(["%s"] * len(COLUMNS))
        cursor.executemany(f"INSERT INTO {TABLE} ({columns}) VALUES ({marks}) {conflict}", rows)
        return len(rows)


def remove_snapshots_except(
    keep: set[tuple[int, str]], *, on: datetime.date, unit_ids: set[int] | None
) -> int:
    """Delete rows of `on` (for `unit_ids`, or all units) whose scope no longer exists,
    such as a task group that lost its last task."""
    rows = GreeningSnapshot.objects.filter(on_date=on)
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=unit_ids)
    gone = [
        pk
        for pk, unit_id, scope in rows.values_list("id", "unit_id", "scope")
        if (unit_id, scope) not in keep
    ]
    if gone:
        GreeningSnapshot.objects.filter(id__in=gone).delete()
    return len(gone)
