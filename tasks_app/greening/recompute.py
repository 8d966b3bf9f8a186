"""The recompute, set-based: a handful of SQL statements whatever the number of tasks.

1. One pass over the tasks classifies each one with the rules' CASE (compiled from the
   ORM expression, the one definition) and counts states per unit, plan and task group.
2. The rest works on those counts (tens of thousands of rows, never one per task):
   scopes (all tasks, each plan, each group), then bottom-up per level of the hierarchy
   (communes and ministries, then provinces, then the nation) the counts including
   units below, the share of child units that are green, the rate, the colour, and
   finally the rank of each unit among its siblings.
3. The same statement compares the results with the stored rows and keeps, in a
   temporary table, only what differs: rows to update or insert, and stored rows of
   scopes that no longer exist. Three short statements then apply those changes, so a
   rerun on unchanged data writes nothing.

Every rate is computed from integer counts as an exact fraction: colours compare the
fraction with the band limits by cross-multiplying, and stored percentages round half
up from it, so PostgreSQL and SQLite agree to the last digit. `rollup.py` is the plain
Python reference for the same roll-up, and the tests hold the two to agreement.

An incremental run (after a task change) recomputes only the given units and the units
above them; the figures of their other children come from the stored rows, and the
stored siblings are re-ranked around the recomputed ones.
"""

import datetime
from collections.abc import Collection
from dataclasses import dataclass

from django.db import connection

from tasks_app.greening.counting import STATES, TaskSource, fence, fine_counts_sql, indicator_counts_sql
from tasks_app.greening.rules import Rules, state_colour
from tasks_app.models import (
    ALL_SCOPE,
    STATE_COUNT_FIELDS,
    SUBTREE_COUNT_FIELDS,
    Colour,
    GreeningSnapshot,
    Plan,
    SnapshotScope,
    TaskGroup,
    UnitKind,
    scope_prefix,
)

SNAPSHOTS = GreeningSnapshot._meta.db_table
UNITS = "tasks_app_unit"
PLANS = Plan._meta.db_table
GROUPS = TaskGroup._meta.db_table
CHANGES = "greening_changes"
ALL, PLAN, GROUP = 0, 1, 2  # scope kinds as small integers while computing

COUNTS = [STATE_COUNT_FIELDS[state] for state in STATES]
SUBTREE = [SUBTREE_COUNT_FIELDS[state] for state in STATES]
# Bottom-up. The weight of a unit's own tasks in its rate, in percent; None means the
# unit is judged on its children's share alone (the nation). The kind whose green
# share counts for the unit. A weight named by a string is read from the rules.
LEVELS: tuple[tuple[tuple[str, ...], int | str | None, str | None], ...] = (
    ((UnitKind.COMMUNE, UnitKind.MINISTRY), 100, None),
    ((UnitKind.PROVINCE,), "own_tasks_weight", UnitKind.COMMUNE),
    ((UnitKind.CENTRAL,), None, UnitKind.PROVINCE),
)
# What the temporary table holds per (unit, scope), and which of it a snapshot stores.
VALUE_COLUMNS = (
    "scope_kind",
    "plan_id",
    "task_group_id",
    "policy_version",
    *COUNTS,
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
    *SUBTREE,
    "n_indicators_counted",
    "n_indicators_green",
    "indicator_rate",
)
DECIMAL_COLUMNS = {"own_rate", "children_green_share", "rate", "indicator_rate"}
TEXT_COLUMNS = {"scope_kind": 8, "colour": 8}


@dataclass(frozen=True)
class WriteCounts:
    written: int
    removed: int


def recompute_snapshots(
    *,
    source: TaskSource,
    on: datetime.date,
    rules: Rules,
    stamp: datetime.datetime,
    targets: Collection[int] | None = None,
) -> WriteCounts:
    """Recompute the snapshots of `on` for every active unit, or only for `targets`
    (which must include the ancestors of every unit in it), and write what changed."""
    with connection.cursor() as cursor:
        _prepare(cursor)
        sql, params = _changes_sql(source=source, on=on, rules=rules, targets=targets)
        cursor.execute(sql, params)
        if not cursor.rowcount:
            return WriteCounts(written=0, removed=0)
        return _apply_changes(cursor, on=on, stamp=stamp)


def _prepare(cursor) -> None:
    """Create the temporary table of changes once per connection and empty it; on
    PostgreSQL, keep the aggregates in memory and skip JIT compilation, which costs
    more than it saves on a statement this short (both settings end with the
    transaction)."""
    columns = [
        "stored_id BIGINT",  # NULL: a new row
        "stale BOOLEAN NOT NULL",  # TRUE: delete the stored row
        "unit_id BIGINT NOT NULL",
        "scope VARCHAR(32) NOT NULL",
        *(_column_type(name) for name in VALUE_COLUMNS),
    ]
    statements = [
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {CHANGES} ({', '.join(columns)})",
        f"DELETE FROM {CHANGES}",
    ]
    if connection.vendor == "postgresql":
        statements = [
            "SET LOCAL client_min_messages = warning",
            "SET LOCAL work_mem = '64MB'",
            "SET LOCAL jit = off",
            *statements,
        ]
        cursor.execute("; ".join(statements))  # one round trip
    else:
        for statement in statements:
            cursor.execute(statement)


def _column_type(name: str) -> str:
    if name in DECIMAL_COLUMNS:
        return f"{name} NUMERIC(5, 2)"
    if name in TEXT_COLUMNS:
        return f"{name} VARCHAR({TEXT_COLUMNS[name]})"
    if name == "red_by_key_task":
        return f"{name} BOOLEAN"
    return f"{name} BIGINT"


# --- Computing ------------------------------------------------------------------------


def _changes_sql(
    *, source: TaskSource, on: datetime.date, rules: Rules, targets: Collection[int] | None
) -> tuple[str, list]:
    fine_sql, params = fine_counts_sql(source, on=on, rules=rules, unit_ids=targets)
    # The units' own indicators in the latest due period (docs/indicators.md §7); with a
    # weight of 0 they are not read at all, and every figure is as on tasks alone.
    if rules.indicator_weight:
        indicator_sql, indicator_params = indicator_counts_sql(on=on, rules=rules, unit_ids=targets)
        params += indicator_params
    else:
        indicator_sql = "SELECT CAST(NULL AS BIGINT) AS unit_id, 0 AS n_ind, 0 AS n_ind_green WHERE 1 = 0"
    target_list = ", ".join(str(int(unit_id)) for unit_id in sorted(targets)) if targets is not None else ""
    only_targets = f" AND u.id IN ({target_list})" if targets is not None else ""
    ctes = [
        f"fine AS ({fine_sql})",
        "plan_scopes (plan_id, scope_plan) AS"
        f" ({_implemented_sql(PLANS, 'plan_scopes', 'plan_id', 'scope_plan')})",
        "group_scopes (group_id, scope_group) AS"
        f" ({_implemented_sql(GROUPS, 'group_scopes', 'group_id', 'scope_group')})",
        f"own AS ({_own_sql()})",
        f"ind AS ({indicator_sql})",
        f"units AS (SELECT u.id, u.parent_id, u.kind, {_kind_code('u')} AS kind_code, p.kind AS parent_kind"
        f" FROM {UNITS} AS u LEFT JOIN {UNITS} AS p ON p.id = u.parent_id"
        f" WHERE u.is_active{only_targets})",
    ]
    if targets is not None:
        # The stored figures of the other children of the recomputed units: they feed
        # the roll-up and are re-ranked around the recomputed units.
        ctes.append(f"stored AS ({_stored_sql(target_list)})")
        params.append(connection.ops.adapt_datefield_value(on))
    lower_levels: list[str] = []
    for number, (kinds, weight, share_kind) in enumerate(LEVELS, start=1):
        name = f"level{number}"
        children = [f"SELECT * FROM {lower}" for lower in lower_levels]
        if targets is not None and lower_levels:
            children.append("SELECT * FROM stored")
        ctes += _level_ctes(
            name,
            kinds=kinds,
            weight=getattr(rules, weight) if isinstance(weight, str) else weight,
            share_kind=share_kind,
            children=" UNION ALL ".join(children),
            rules=rules,
        )
        lower_levels.append(name)
    everything = [f"SELECT *, 1 AS computed FROM {level}" for level in lower_levels]
    if targets is not None:
        everything.append("SELECT *, 0 AS computed FROM stored")
    ctes.append(f"figures AS ({' UNION ALL '.join(everything)})")
    ctes.append(f"final AS ({_ranked_select(rules.version)})")
    # The stored rows the results are compared with; in an incremental run, those of
    # the recomputed units and of their children.
    day = connection.ops.adapt_datefield_value(on)
    if targets is None:
        current = f"SELECT * FROM {SNAPSHOTS} WHERE on_date = %s"
        params.append(day)
    else:
        # Two parts, so each can use the index on (unit, date, scope).
        current = (
            f"SELECT s.* FROM {SNAPSHOTS} AS s WHERE s.on_date = %s AND s.unit_id IN ({target_list})"
            f" UNION ALL SELECT s.* FROM {SNAPSHOTS} AS s JOIN {UNITS} AS u ON u.id = s.unit_id"
            f" WHERE s.on_date = %s AND u.parent_id IN ({target_list}) AND u.id NOT IN ({target_list})"
        )
        params += [day, day]
    ctes.append(f"current_rows AS ({current})")
    stored_values = ", ".join(f"s.{c}" for c in VALUE_COLUMNS)
    final_values = ", ".join(f"f.{c}" for c in VALUE_COLUMNS)
    differs = "IS NOT" if connection.vendor == "sqlite" else "IS DISTINCT FROM"
    # Only the recomputed units' rows can be stale: the others' are all in `final`.
    stale_scope = f" AND s.unit_id IN ({target_list})" if targets is not None else ""
    columns = ", ".join(("stored_id", "stale", "unit_id", "scope", *VALUE_COLUMNS))
    sql = (
        f"WITH RECURSIVE {', '.join(ctes)} INSERT INTO {CHANGES} ({columns})"
        f" SELECT s.id, FALSE, f.unit_id, f.scope, {final_values} FROM final AS f"
        " LEFT JOIN current_rows AS s ON s.unit_id = f.unit_id AND s.scope = f.scope"
        f" WHERE s.id IS NULL OR ({stored_values}) {differs} ({final_values})"
        f" UNION ALL SELECT s.id, TRUE, s.unit_id, s.scope, {stored_values} FROM current_rows AS s"
        " WHERE NOT EXISTS (SELECT 1 FROM final AS f WHERE f.unit_id = s.unit_id AND f.scope = s.scope)"
        f"{stale_scope}"
    )
    return sql, params


def _implemented_sql(table: str, name: str, item: str, scope: str) -> str:
    """The body of the recursive CTE `name` (item, scope): each plan (or task group) of
    `table` with every one it implements, directly or through others, itself included
    (UNION, not UNION ALL, so a loop of `implements` ends)."""
    return (
        f"SELECT id, id FROM {table}"
        f" UNION SELECT s.{item}, t.implements_id FROM {name} AS s"
        f" JOIN {table} AS t ON t.id = s.{scope} WHERE t.implements_id IS NOT NULL"
    )


def _own_sql() -> str:
    """The fine counts summed per unit and scope: all tasks, each plan (a task counts in
    its plan and in every plan that plan implements), each group (likewise: in its group
    and every group that group implements)."""
    sums = ", ".join(f"CAST(SUM({c}) AS INTEGER) AS {c}" for c in (*COUNTS, "n_overdue_key"))
    return (
        f"SELECT g_unit AS unit_id, {ALL} AS skind, 0 AS sobj, {sums} FROM fine GROUP BY g_unit"
        f" UNION ALL SELECT g_unit, {PLAN}, ps.scope_plan, {sums} FROM fine"
        " JOIN plan_scopes AS ps ON ps.plan_id = fine.g_plan GROUP BY g_unit, ps.scope_plan"
        f" UNION ALL SELECT g_unit, {GROUP}, gs.scope_group, {sums} FROM fine"
        " JOIN group_scopes AS gs ON gs.group_id = fine.g_group GROUP BY g_unit, gs.scope_group"
    )


def _stored_sql(target_list: str) -> str:
    """Stored rows of units that are not recomputed but whose parent is, in the shape
    of a computed level (see _figures_select)."""
    skind = f"CASE s.scope_kind WHEN 'all' THEN {ALL} WHEN 'plan' THEN {PLAN} ELSE {GROUP} END"
    sobj = "CASE s.scope_kind WHEN 'plan' THEN s.plan_id WHEN 'group' THEN s.task_group_id ELSE 0 END"
    rate_h = "CAST(ROUND(s.rate * 100) AS BIGINT)"
    kept = ", ".join(f"s.{c}" for c in (*COUNTS, "n_overdue_key", *SUBTREE))
    return (
        f"SELECT s.unit_id, u.parent_id, u.kind, {_kind_code('u')} AS kind_code, p.kind AS parent_kind,"
        f" {skind} AS skind, {sobj} AS sobj,"
        f" {kept}, s.children_counted, s.children_green, s.n_counted, s.n_green, s.own_rate,"
        f" s.children_green_share, s.rate, {rate_h} AS rate_h, s.colour, s.red_by_key_task,"
        " s.policy_version, s.n_indicators_counted, s.n_indicators_green, s.indicator_rate"
        f" FROM {SNAPSHOTS} AS s JOIN {UNITS} AS u ON u.id = s.unit_id"
        " JOIN units AS p ON p.id = u.parent_id"  # the parent is recomputed, so in `units`
        f" WHERE s.on_date = %s AND u.is_active AND u.parent_id IN ({target_list})"
        f" AND u.id NOT IN ({target_list})"
    )


def _level_ctes(
    name: str,
    *,
    kinds: tuple[str, ...],
    weight: int | None,
    share_kind: str | None,
    children: str,
    rules: Rules,
) -> list[str]:
    """The figures of one level's units, in every scope found in them or below them."""
    kind_list = ", ".join(f"'{kind}'" for kind in kinds)
    ctes = [f"{name}_units AS (SELECT * FROM units WHERE kind IN ({kind_list}))"]
    unit_columns = "u.parent_id, u.kind, u.kind_code, u.parent_kind"
    if not children:
        # Leaves: their own scopes; a unit without tasks still gets its "all" row.
        own_counts = ", ".join(f"COALESCE(o.{c}, 0) AS {c}" for c in (*COUNTS, "n_overdue_key"))
        subtree = ", ".join(
            f"COALESCE(o.{own}, 0) AS {sub}" for own, sub in zip(COUNTS, SUBTREE, strict=True)
        )
        ctes.append(
            f"{name}_raw AS (SELECT u.id AS unit_id, {unit_columns}, COALESCE(o.skind, {ALL}) AS skind,"
            f" COALESCE(o.sobj, 0) AS sobj, {own_counts}, {subtree}, 0 AS children_counted,"
            f" 0 AS children_green, {_indicators('COALESCE(o.skind, 0)')}"
            f" FROM {name}_units AS u LEFT JOIN own AS o ON o.unit_id = u.id"
            " LEFT JOIN ind AS i ON i.unit_id = u.id)"
        )
    else:
        # One aggregate over the unit's own rows, its children's rows and a zero "all"
        # row: a row per scope found in the unit or below it, whatever the estimates.
        zeros = ", ".join("0" for _ in (*COUNTS, "n_overdue_key"))
        own_parts = ", ".join(f"o.{c}" for c in (*COUNTS, "n_overdue_key"))
        counted_child = f"c.kind = '{share_kind}' AND c.colour <> '{Colour.NONE}'"
        green_child = f"c.kind = '{share_kind}' AND c.colour = '{Colour.GREEN}'"
        child_parts = ", ".join(f"c.{column}" for column in SUBTREE)
        own_as_subtree = ", ".join(f"o.{column}" for column in COUNTS)
        zero_subtree = ", ".join("0" for _ in SUBTREE)
        sums = ", ".join(
            f"CAST(SUM({column}) AS INTEGER) AS {column}"
            for column in (*COUNTS, "n_overdue_key", *SUBTREE, "children_counted", "children_green")
        )
        parts = ", ".join(
            (
                "unit_id",
                "skind",
                "sobj",
                *COUNTS,
                "n_overdue_key",
                *SUBTREE,
                "children_counted",
                "children_green",
            )
        )
        ctes.append(
            f"{name}_parts ({parts}) AS"
            f" (SELECT o.unit_id, o.skind, o.sobj, {own_parts}, {own_as_subtree}, 0, 0"
            f" FROM own AS o WHERE o.unit_id IN (SELECT id FROM {name}_units)"
            f" UNION ALL SELECT c.parent_id, c.skind, c.sobj, {zeros}, {child_parts},"
            f" CASE WHEN {counted_child} THEN 1 ELSE 0 END, CASE WHEN {green_child} THEN 1 ELSE 0 END"
            f" FROM ({children}) AS c WHERE c.parent_kind IN ({kind_list})"
            f" UNION ALL SELECT id, {ALL}, 0, {zeros}, {zero_subtree}, 0, 0 FROM {name}_units)"
        )
        ctes.append(
            f"{name}_sums AS (SELECT unit_id, skind, sobj, {sums} FROM {name}_parts"
            " GROUP BY unit_id, skind, sobj)"
        )
        ctes.append(
            f"{name}_raw AS (SELECT r.unit_id, {unit_columns}, r.skind, r.sobj,"
            f" {', '.join(f'r.{c}' for c in (*COUNTS, 'n_overdue_key', *SUBTREE))},"
            f" r.children_counted, r.children_green, {_indicators('r.skind')}"
            f" FROM {name}_sums AS r JOIN {name}_units AS u ON u.id = r.unit_id"
            " LEFT JOIN ind AS i ON i.unit_id = r.unit_id)"
        )
    ctes += _figures_ctes(name, weight=weight, rules=rules)
    return ctes


def _indicators(skind: str) -> str:
    """The unit's own coloured and green indicators (from `ind`, joined as i), in the
    "all" scope only: plan and group scopes are judged on tasks alone."""
    return (
        f"CASE WHEN {skind} = {ALL} THEN COALESCE(i.n_ind, 0) ELSE 0 END AS n_indicators_counted,"
        f" CASE WHEN {skind} = {ALL} THEN COALESCE(i.n_ind_green, 0) ELSE 0 END AS n_indicators_green"
    )


def _figures_ctes(name: str, *, weight: int | None, rules: Rules) -> list[str]:
    """From counts to rates and colours, as exact fractions of integers.

    The rate, in percent, is rate_num / rate_den (undefined when rate_den is 0):
    own tasks alone 100·green / counted; children alone 100·green / counted children;
    both, weighted W% to own tasks: (green·W·cc + cg·(100−W)·counted) / (counted·cc).
    Products are taken in BIGINT: a count times a count times 100 outgrows INTEGER."""
    counted = " + ".join(f"r.{STATE_COUNT_FIELDS[s]}" for s in STATES if state_colour(s, rules) is not None)
    green = " + ".join(f"r.{STATE_COUNT_FIELDS[s]}" for s in STATES if state_colour(s, rules) == Colour.GREEN)
    own = ("100 * n_green", "n_counted")
    share = ("100 * children_green", "children_counted")
    if weight is None:  # the nation: its children's share when it has one, else its own rate
        num = f"CASE WHEN children_counted > 0 THEN {share[0]} ELSE {own[0]} END"
        den = f"CASE WHEN children_counted > 0 THEN {share[1]} ELSE {own[1]} END"
    else:
        both = "n_counted > 0 AND children_counted > 0"
        num = (
            f"CASE WHEN {both} THEN CAST(n_green AS BIGINT) * {weight} * children_counted"
            f" + CAST(children_green AS BIGINT) * {100 - weight} * n_counted"
            f" WHEN children_counted > 0 THEN {share[0]} ELSE {own[0]} END"
        )
        den = (
            f"CASE WHEN {both} THEN CAST(n_counted AS BIGINT) * children_counted"
            f" WHEN children_counted > 0 THEN {share[1]} ELSE {own[1]} END"
        )
    # Indicators weigh W% (docs/indicators.md §7): with tasks' rate t = tn/td and the
    # indicators' i = 100·ig/ic, ((100−W)·tn·ic + W·100·ig·td) / (100·td·ic). A part with
    # nothing to count drops out. W = 0 leaves the task rate as it is.
    task_num, task_den = num, den
    indicator_weight = rules.indicator_weight
    if indicator_weight:
        both = f"({task_den}) > 0 AND n_indicators_counted > 0"
        num = (
            f"CASE WHEN {both} THEN {100 - indicator_weight} * CAST({task_num} AS BIGINT)"
            " * n_indicators_counted"
            f" + {indicator_weight * 100} * CAST(n_indicators_green AS BIGINT) * ({task_den})"
            f" WHEN ({task_den}) > 0 THEN {task_num} ELSE 100 * n_indicators_green END"
        )
        den = (
            f"CASE WHEN {both} THEN 100 * CAST({task_den} AS BIGINT) * n_indicators_counted"
            f" WHEN ({task_den}) > 0 THEN {task_den} ELSE n_indicators_counted END"
        )
    band = _band_colour_sql("rate_num", "rate_den", rules)
    key_rule = (
        f"rate_den > 0 AND n_overdue_key > 0 AND band_colour <> '{Colour.RED}'"
        if rules.overdue_key_task_makes_red
        else "1 = 0"
    )
    # Each step is fenced (see counting.fence) so that what it computes is computed once.
    return [
        f"{name}_counted AS (SELECT r.*, {counted} AS n_counted, {green} AS n_green"
        f" FROM {name}_raw AS r {fence()})",
        f"{name}_fraction AS (SELECT t.*, CAST({num} AS BIGINT) AS rate_num,"
        f" CAST({den} AS BIGINT) AS rate_den"
        f" FROM {name}_counted AS t {fence()})",
        f"{name}_banded AS (SELECT t.*, CASE WHEN rate_den > 0 THEN {_hundredths('rate_num', 'rate_den')} END"
        f" AS rate_h, {band} AS band_colour FROM {name}_fraction AS t {fence()})",
        f"{name} AS (SELECT {', '.join(_figures_select(key_rule))} FROM {name}_banded)",
    ]


def _figures_select(key_rule: str) -> list[str]:
    """The columns every level (and the stored rows) provides, in one order."""
    return [
        "unit_id",
        "parent_id",
        "kind",
        "kind_code",
        "parent_kind",
        "skind",
        "sobj",
        *COUNTS,
        "n_overdue_key",
        *SUBTREE,
        "children_counted",
        "children_green",
        "n_counted",
        "n_green",
        f"CASE WHEN n_counted > 0 THEN {_hundredths('100 * n_green', 'n_counted')} / 100.0 END AS own_rate",
        "CASE WHEN children_counted > 0 THEN"
        f" {_hundredths('100 * children_green', 'children_counted')} / 100.0 END AS children_green_share",
        "rate_h / 100.0 AS rate",
        "rate_h",
        f"CASE WHEN rate_den = 0 THEN '{Colour.NONE}' WHEN {key_rule} THEN '{Colour.RED}'"
        " ELSE band_colour END"
        " AS colour",
        f"CASE WHEN {key_rule} THEN TRUE ELSE FALSE END AS red_by_key_task",
        "CAST(NULL AS BIGINT) AS policy_version",
        "n_indicators_counted",
        "n_indicators_green",
        "CASE WHEN n_indicators_counted > 0 THEN"
        f" {_hundredths('100 * n_indicators_green', 'n_indicators_counted')} / 100.0 END AS indicator_rate",
    ]


def _hundredths(num: str, den: str) -> str:
    """num/den in hundredths, rounded half up, in integer arithmetic."""
    return f"((200 * ({num}) + ({den})) / (2 * ({den})))"


def _band_colour_sql(num: str, den: str, rules: Rules) -> str:
    """The colour of the band holding num/den percent: the highest band whose lower
    limit it reaches, compared without division."""
    cases = " ".join(
        f"WHEN 100 * {num} >= {int(band.lower * 100)} * {den} THEN '{band.colour}'"
        for band in sorted(rules.bands, key=lambda b: b.lower, reverse=True)[:-1]
    )
    lowest = min(rules.bands, key=lambda b: b.lower).colour
    return f"(CASE {cases} ELSE '{lowest}' END)" if cases else f"'{lowest}'"


def _kind_code(alias: str) -> str:
    codes = " ".join(f"WHEN '{kind}' THEN {code}" for code, kind in enumerate(UnitKind.values))
    return f"CASE {alias}.kind {codes} END"


def _ranked_select(policy_version: int) -> str:
    """The final rows: scope keys, and competition ranks ("1, 2, 2, 4") by rounded rate
    among the siblings of the same kind in the same scope. Units without a rate, and the
    root, are not ranked."""
    # By a kind code, not the kind: sorting text would go through the collation.
    siblings = "PARTITION BY parent_id, kind_code, skind, sobj"
    scope = (
        f"CASE skind WHEN {ALL} THEN '{ALL_SCOPE}'"
        f" WHEN {PLAN} THEN '{scope_prefix(SnapshotScope.PLAN)}' || CAST(sobj AS VARCHAR(20))"
        f" ELSE '{scope_prefix(SnapshotScope.GROUP)}' || CAST(sobj AS VARCHAR(20)) END"
    )
    values = [
        f"CASE skind WHEN {ALL} THEN '{SnapshotScope.ALL.value}'"
        f" WHEN {PLAN} THEN '{SnapshotScope.PLAN.value}' ELSE '{SnapshotScope.GROUP.value}' END",
        f"CASE WHEN skind = {PLAN} THEN sobj END",
        f"CASE WHEN skind = {GROUP} THEN sobj END",
        f"CASE WHEN computed = 1 THEN {int(policy_version)} ELSE policy_version END",
        *COUNTS,
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
        f"CASE WHEN rate_h IS NOT NULL AND parent_id IS NOT NULL THEN"
        f" RANK() OVER ({siblings} ORDER BY rate_h DESC NULLS LAST) END",
        f"CASE WHEN rate_h IS NOT NULL AND parent_id IS NOT NULL THEN COUNT(rate_h) OVER ({siblings}) END",
        *SUBTREE,
        "n_indicators_counted",
        "n_indicators_green",
        "indicator_rate",
    ]
    named = ", ".join(f"{value} AS {name}" for value, name in zip(values, VALUE_COLUMNS, strict=True))
    return f"SELECT unit_id, {scope} AS scope, {named} FROM figures"


# --- Writing -----------------------------------------------------------------------------


def _apply_changes(cursor, *, on: datetime.date, stamp: datetime.datetime) -> WriteCounts:
    """Apply the changes found: update changed rows, insert new ones, delete stale ones."""
    ops = connection.ops
    day, now = ops.adapt_datefield_value(on), ops.adapt_datetimefield_value(stamp)
    assignments = ", ".join(f"{c} = c.{c}" for c in VALUE_COLUMNS)
    cursor.execute(
        f"UPDATE {SNAPSHOTS} SET {assignments}, computed_at = %s FROM {CHANGES} AS c"
        f" WHERE {SNAPSHOTS}.id = c.stored_id AND NOT c.stale",
        [now],
    )
    written = cursor.rowcount
    # VALUE_COLUMNS holds the indicator counts too (docs/indicators.md §7): a new row states them.
    columns = ", ".join(("unit_id", "on_date", "scope", *VALUE_COLUMNS, "computed_at"))
    values = ", ".join(f"c.{c}" for c in VALUE_COLUMNS)
    cursor.execute(
        f"INSERT INTO {SNAPSHOTS} ({columns}) SELECT c.unit_id, %s, c.scope, {values}, %s"
        f" FROM {CHANGES} AS c WHERE c.stored_id IS NULL",
        [day, now],
    )
    written += cursor.rowcount
    cursor.execute(f"DELETE FROM {SNAPSHOTS} WHERE id IN (SELECT stored_id FROM {CHANGES} WHERE stale)")
    return WriteCounts(written=written, removed=cursor.rowcount)
