"""The indicator recompute, set-based: every active assignment's figure in every period
(or in the periods asked for), in one SQL statement whatever the number of assignments.

It gives exactly the rows `figures.refresh_figures` would write for every active
assignment (the Python reference; tests/test_indicator_recompute.py holds the two to
agreement on random indicators, cascades, values, milestones and policies):

1. a small calendar of periods (close, start, due date), built in Python from
   tasks_app/periods.py, is joined to the assignments: one slot per assignment and period,
   from the first period closing after its baseline to the one running today;
2. each entered assignment's slot reads its counted value (submitted or approved) and its
   set milestone, or the straight line's, and is judged (docs/indicators.md §3, §4);
3. cascaded assignments are rolled up level by level from their children's figures of
   the same period (§6): first those whose children are all entered, then those above;
4. the result is compared with the stored figures and only the differences are kept in a
   temporary table, then written: a rerun on unchanged data writes nothing.

All arithmetic is on integers in ten-thousandths (the value columns' 4 decimals), with
rounding half away from zero written out (`_round_half`), so the figures are exact and
PostgreSQL (NUMERIC) and SQLite (64-bit integers) agree with Python's Decimal to the last
digit. On SQLite a value is exact up to about 10^11 (ratios: numerators up to 10^8); the
demo's and the tests' data stay far below.

A figure changes by itself only when a due date passes (a missing value turns red) or a
new period starts; values, milestones and targets are refreshed by the actions as they
change. `open_periods` names the periods a nightly run must revisit for that.
"""

import datetime
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from tasks_app.greening.rules import Rules
from tasks_app.models import (
    Colour,
    FigureReason,
    Indicator,
    IndicatorAssignment,
    IndicatorFigure,
    IndicatorMilestone,
    IndicatorValue,
    Rollup,
    ValueState,
    ValueType,
)
from tasks_app.models.indicators import INDICATOR_PERIODICITIES
from tasks_app.periods import Period, period_containing

FIGURES = IndicatorFigure._meta.db_table
ASSIGNMENTS = IndicatorAssignment._meta.db_table
INDICATORS = Indicator._meta.db_table
VALUES = IndicatorValue._meta.db_table
MILESTONES = IndicatorMilestone._meta.db_table
CHANGES = "indicator_figure_changes"

SCALE = 10_000  # the value columns keep 4 decimals: values are computed in ten-thousandths
# What a figure row holds, beside its assignment and period close; compared and written.
FIGURE_COLUMNS = (
    "unit_id",
    "indicator_id",
    "due_date",
    "value",
    "value_state",
    "numerator",
    "denominator",
    "milestone",
    "progress",
    "colour",
    "reason",
    "children_counted",
    "children_total",
)
COUNTED = (ValueState.SUBMITTED.value, ValueState.APPROVED.value)


@dataclass(frozen=True)
class FigureCounts:
    written: int  # rows inserted or updated
    removed: int  # stored rows of active assignments no longer computed
    periods: int  # calendar periods covered (all periodicities)


# --- Periods -------------------------------------------------------------------------------


# How far back a nightly run looks for periods that started or fell due: a week of missed
# nights is caught up; longer, the operators' full recompute is there.
LOOKBACK_DAYS = 7


def open_periods(*, today: datetime.date, rules: Rules, lookback_days: int = LOOKBACK_DAYS) -> list[Period]:
    """The periods whose figures can change without anyone saving anything: for each
    periodicity, one that fell due in the last `lookback_days` (its missing values turn
    red the day after) and one that started in them (its figures are new). Every other
    figure changes only when a value, milestone or target changes, and the actions
    refresh those as they are saved. Most nights there is none; around the 15th-20th of a
    month, the month just closed and the new one."""
    since = today - datetime.timedelta(days=lookback_days)
    found = []
    for periodicity, _label in INDICATOR_PERIODICITIES:
        period = period_containing(periodicity, today)
        # A period falls due at most a few months after it closes (the policy allows 60
        # working days): look back far enough for that, and no further.
        while period.end >= since - datetime.timedelta(days=100):
            due = period.due_date(rules.indicator_due_working_days)
            if since <= period.start <= today or since <= due + datetime.timedelta(days=1) <= today:
                found.append(period)
            period = period.previous()
    return found


def latest_due_period(periodicity: str, *, on: datetime.date, rules: Rules) -> Period:
    """The latest period of `periodicity` whose due date is before `on`: the period whose
    colours count in a unit's greening rate on `on` (docs/indicators.md §7)."""
    period = period_containing(periodicity, on)
    while period.due_date(rules.indicator_due_working_days) >= on:
        period = period.previous()
    return period


def _calendar(
    *, today: datetime.date, rules: Rules, periods: Iterable[Period] | None
) -> list[tuple[str, datetime.date, datetime.date, datetime.date]]:
    """(periodicity, start, close, due date) of every period some active assignment has a
    figure for, from the earliest baseline to today; only those in `periods` if given."""
    firsts = (
        IndicatorAssignment.objects.filter(is_active=True, indicator__is_active=True)
        .values("indicator__periodicity")
        .annotate(first=Min("baseline_date"))
        .order_by()
    )
    wanted = None if periods is None else {(p.periodicity, p.end) for p in periods}
    rows = []
    for row in firsts:
        periodicity = row["indicator__periodicity"]
        period = period_containing(periodicity, row["first"] + datetime.timedelta(days=1))
        last = period_containing(periodicity, today)
        while period.end <= last.end:
            if wanted is None or (periodicity, period.end) in wanted:
                rows.append(
                    (periodicity, period.start, period.end, period.due_date(rules.indicator_due_working_days))
                )
            period = period.next()
    return rows


def _heights() -> list[list[int]]:
    """The active cascaded assignments by level: first those whose children are all
    entered, then those whose cascaded children are in the first level, and so on."""
    rows = IndicatorAssignment.objects.filter(
        is_active=True, indicator__is_active=True, rolls_up=True
    ).values_list("pk", "parent_id")
    parent_of = dict(rows)
    children: dict[int, list[int]] = defaultdict(list)
    for child, parent in parent_of.items():
        if parent in parent_of:
            children[parent].append(child)
    height: dict[int, int] = {}
    # Bottom-up, a level at a time; a loop of parents (which the forms never make) is
    # left out, as the reference would never finish it either.
    pending = set(parent_of)
    level = 1
    while pending:
        ready = {a for a in pending if all(height.get(c, 0) and height[c] < level for c in children[a])}
        if not ready:
            break
        for assignment in ready:
            height[assignment] = level
        pending -= ready
        level += 1
    levels: dict[int, list[int]] = defaultdict(list)
    for assignment, h in height.items():
        levels[h].append(assignment)
    return [sorted(levels[h]) for h in sorted(levels)]


# --- SQL by vendor -------------------------------------------------------------------------


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _scaled(column: str) -> str:
    """A stored decimal in ten-thousandths, as an exact integer."""
    if _pg():
        return f"({column} * {SCALE})"
    return f"CAST(ROUND({column} * {SCALE}) AS INTEGER)"


def _unscaled(expression: str) -> str:
    return f"(({expression}) / {SCALE}.0)"


def _div(numerator: str, denominator: str) -> str:
    """Integer division of non-negative integers."""
    if _pg():
        return f"DIV({numerator}, {denominator})"
    return f"(({numerator}) / ({denominator}))"


def _round_half(numerator: str, denominator: str) -> str:
    """numerator / denominator rounded half away from zero, as Decimal's ROUND_HALF_UP
    does (denominator not 0)."""
    sign = (
        f"(CASE WHEN ({numerator}) < 0 THEN -1 ELSE 1 END * CASE WHEN ({denominator}) < 0 THEN -1 ELSE 1 END)"
    )
    quotient = _div(f"2 * ABS({numerator}) + ABS({denominator})", f"2 * ABS({denominator})")
    return f"({sign} * {quotient})"


def _date(day: datetime.date) -> str:
    """A date literal (from a date object, so nothing to escape)."""
    text = day.isoformat()
    return f"DATE '{text}'" if _pg() else f"'{text}'"


def _days(later: str, earlier: str) -> str:
    if _pg():
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def _fence() -> str:
    return "LIMIT -1 OFFSET 0" if connection.vendor == "sqlite" else "OFFSET 0"


# --- The statement -------------------------------------------------------------------------

SUBJECT_COLUMNS = (
    "a.id, a.parent_id, a.unit_id, a.indicator_id, a.rolls_up, a.baseline_value, a.baseline_date,"
    " a.target_value, a.target_date, i.periodicity, i.value_type, i.direction, i.rollup"
)


def _subjects() -> str:
    """The active assignments of active indicators, with what the rules read of both.
    Written out at each use rather than as a shared CTE, so the planner sees the tables'
    statistics (a materialised CTE hides them, and its guesses chose nested loops)."""
    return (
        f"(SELECT {SUBJECT_COLUMNS} FROM {ASSIGNMENTS} AS a"
        f" JOIN {INDICATORS} AS i ON i.id = a.indicator_id WHERE a.is_active AND i.is_active)"
    )


LINE_COLUMNS = ("value_type", "periodicity", "baseline_value", "baseline_date", "target_value", "target_date")


def _points_sql() -> str:
    """The straight line's milestone (rules.milestone without a set one) in ten-thousandths
    (m4) and as stored (milestone), with the baseline (b4), for each distinct line and each
    period of the calendar after its baseline. Communes given one line by their province
    share it, so this is computed once per line and period, not once per assignment."""
    step = f"CASE WHEN s.value_type IN ('{ValueType.COUNT}', '{ValueType.YES_NO}') THEN {SCALE} ELSE 100 END"
    total = _days("s.target_date", "s.baseline_date")
    elapsed = _days("c.period_end", "s.baseline_date")
    b4, t4 = _scaled("s.baseline_value"), _scaled("s.target_value")
    line = f"({b4} * {total} + ({t4} - {b4}) * {elapsed})"
    # line / (total × step), rounded half away from zero; total × step is positive.
    line_sign = f"CASE WHEN {line} < 0 THEN -1 ELSE 1 END"
    line_steps = f"{line_sign} * {_div(f'2 * ABS({line}) + {total} * ({step})', f'2 * {total} * ({step})')}"
    milestone = (
        f"CASE WHEN s.value_type = '{ValueType.YES_NO}' THEN"
        f" CASE WHEN c.period_end >= s.target_date THEN {SCALE} END"
        f" WHEN c.period_end >= s.target_date THEN {t4}"
        f" WHEN c.period_end <= s.baseline_date THEN {b4}"
        f" ELSE ({line_steps}) * ({step}) END"
    )
    distinct = ", ".join(f"s.{c}" for c in LINE_COLUMNS)
    return (
        f"SELECT l.*, {_unscaled('l.m4')} AS milestone FROM (SELECT {distinct}, c.period_end, c.due_date,"
        f" {b4} AS b4, {milestone} AS m4"
        f" FROM (SELECT DISTINCT {distinct} FROM {_subjects()} AS s) AS s"
        f" JOIN cal AS c ON c.periodicity = s.periodicity AND c.period_end > s.baseline_date {_fence()}) AS l"
    )


def _slots_sql(where: str) -> str:
    """One row per assignment and period with its milestone (m4 in ten-thousandths, and as
    stored) and its baseline (b4): a set milestone first, else the line's."""
    same_line = " AND ".join(f"lp.{c} = s.{c}" for c in LINE_COLUMNS)
    return (
        "SELECT s.id, s.parent_id, s.unit_id, s.indicator_id, s.value_type, s.direction, s.rollup,"
        f" lp.period_end, lp.due_date, lp.b4,"
        f" CASE WHEN ms.value IS NULL THEN lp.m4 ELSE {_scaled('ms.value')} END AS m4,"
        " CASE WHEN ms.value IS NULL THEN lp.milestone ELSE ms.value END AS milestone"
        f" FROM {_subjects()} AS s JOIN points AS lp ON {same_line}"
        f" LEFT JOIN {MILESTONES} AS ms ON ms.assignment_id = s.id AND ms.period_end = lp.period_end"
        f" WHERE {where}"
    )


def _judged_sql(source: str, rules: Rules, today: str) -> str:
    """From a slot with its value (v4 in ten-thousandths, with value, value_state,
    numerator, denominator as stored) to the figure: progress in hundredths of a percent,
    colour and reason, as rules.judge. Columns: assignment_id, period_end, FIGURE_COLUMNS,
    then v4 for the level above."""
    yes_no = f"t.value_type = '{ValueType.YES_NO}'"
    better = (
        "CASE WHEN t.direction = 'lower' THEN CASE WHEN t.v4 <= t.m4 THEN 1 ELSE 0 END"
        " ELSE CASE WHEN t.v4 >= t.m4 THEN 1 ELSE 0 END END"
    )
    cents = (
        f"CASE WHEN t.v4 IS NULL THEN NULL"
        f" WHEN {yes_no} THEN CASE WHEN t.v4 >= {SCALE} THEN 10000 WHEN t.m4 IS NULL THEN NULL ELSE 0 END"
        " WHEN t.m4 IS NULL THEN NULL"
        f" WHEN t.m4 = t.b4 THEN {better} * 10000"
        f" ELSE {_round_half('(t.v4 - t.b4) * 10000', '(t.m4 - t.b4)')} END"
    )
    green, yellow = rules.indicator_green_from * 100, rules.indicator_yellow_from * 100
    colour = (
        "CASE WHEN p.v4 IS NULL THEN"
        f" CASE WHEN p.value_type = '{ValueType.YES_NO}' AND p.m4 IS NULL THEN '{Colour.NONE}'"
        f" WHEN p.due_date < {today} THEN '{Colour.RED}' ELSE '{Colour.NONE}' END"
        f" WHEN p.value_type = '{ValueType.YES_NO}' THEN"
        f" CASE WHEN p.v4 >= {SCALE} THEN '{Colour.GREEN}' WHEN p.m4 IS NULL THEN '{Colour.NONE}'"
        f" ELSE '{Colour.RED}' END"
        f" WHEN p.m4 IS NULL THEN '{Colour.NONE}'"
        f" WHEN p.cents >= {green} THEN '{Colour.GREEN}' WHEN p.cents >= {yellow} THEN '{Colour.YELLOW}'"
        f" ELSE '{Colour.RED}' END"
    )
    reason = (
        "CASE WHEN p.v4 IS NULL THEN"
        f" CASE WHEN p.value_type = '{ValueType.YES_NO}' AND p.m4 IS NULL"
        f" THEN '{FigureReason.BEFORE_DEADLINE}'"
        f" WHEN p.due_date < {today} THEN '{FigureReason.MISSING}' ELSE '{FigureReason.NOT_DUE}' END"
        f" WHEN p.value_type = '{ValueType.YES_NO}' THEN"
        f" CASE WHEN p.v4 >= {SCALE} THEN '{FigureReason.YES}' WHEN p.m4 IS NULL"
        f" THEN '{FigureReason.BEFORE_DEADLINE}' ELSE '{FigureReason.NO}' END"
        f" WHEN p.m4 IS NULL THEN '{FigureReason.NOT_DUE}'"
        f" WHEN p.m4 = p.b4 THEN '{FigureReason.NO_CHANGE_NEEDED}' ELSE '{FigureReason.PROGRESS}' END"
    )
    return (
        "SELECT p.id AS assignment_id, p.period_end, p.parent_id, p.unit_id, p.indicator_id, p.due_date,"
        " p.value,"
        " p.value_state, p.numerator, p.denominator, p.milestone,"
        f" p.cents / 100.0 AS progress, {colour} AS colour, {reason} AS reason,"
        " p.children_counted, p.children_total, p.v4"
        f" FROM (SELECT t.*, {cents} AS cents FROM ({source}) AS t {_fence()}) AS p"
    )


def _entered_sql(rules: Rules, today: str, ends: str) -> str:
    source = (
        f"SELECT sl.*, v.value, COALESCE(v.state, '') AS value_state, v.numerator, v.denominator,"
        f" {_scaled('v.value')} AS v4, 0 AS children_counted, 0 AS children_total"
        f" FROM ({_slots_sql('NOT s.rolls_up')}) AS sl"
        f" LEFT JOIN {VALUES} AS v ON v.assignment_id = sl.id AND v.period_end = sl.period_end"
        f" AND v.state IN ('{COUNTED[0]}', '{COUNTED[1]}') AND v.value IS NOT NULL"
        f" AND v.period_end IN ({ends})"
    )
    return _judged_sql(source, rules, today)


def _rolled_ctes(number: int, ids: list[int], below: str, rules: Rules, today: str) -> list[str]:
    """CTEs kids<n>, totals<n> and level<n>: the cascaded assignments `ids` rolled up from
    their children's figures in `below` (rules.roll_up). A child without a figure in the
    period counts in the total only."""
    id_list = ", ".join(str(int(i)) for i in ids)
    valued = "f.v4 IS NOT NULL"
    in_ratio = f"{valued} AND f.numerator IS NOT NULL AND f.denominator IS NOT NULL AND f.denominator <> 0"
    unapproved = f"f.value_state <> '{ValueState.APPROVED}'"
    aggregates = ", ".join(
        (
            f"SUM(CASE WHEN {valued} THEN 1 ELSE 0 END) AS n_valued",
            f"SUM(CASE WHEN {valued} THEN f.v4 END) AS sum_v4",
            f"SUM(CASE WHEN {valued} AND {unapproved} THEN 1 ELSE 0 END) AS n_valued_pending",
            f"SUM(CASE WHEN {in_ratio} THEN 1 ELSE 0 END) AS n_ratio",
            f"SUM(CASE WHEN {in_ratio} THEN {_scaled('f.numerator')} END) AS sum_n4",
            f"SUM(CASE WHEN {in_ratio} THEN {_scaled('f.denominator')} END) AS sum_d4",
            f"SUM(CASE WHEN {in_ratio} AND {unapproved} THEN 1 ELSE 0 END) AS n_ratio_pending",
            f"SUM(CASE WHEN f.colour = '{Colour.GREEN}' THEN 1 ELSE 0 END) AS n_green",
            f"SUM(CASE WHEN f.colour <> '{Colour.NONE}' THEN 1 ELSE 0 END) AS n_coloured",
        )
    )
    kids = (
        f"kids{number} AS (SELECT f.parent_id, f.period_end, {aggregates} FROM ({below}) AS f"
        f" WHERE f.parent_id IN ({id_list}) GROUP BY f.parent_id, f.period_end)"
    )
    totals = (
        f"totals{number} AS (SELECT parent_id, COUNT(*) AS n FROM {_subjects()} AS k"
        f" WHERE parent_id IN ({id_list})"
        " GROUP BY parent_id)"
    )
    ratio, share, mean = (
        f"sl.rollup = '{r}'" for r in (Rollup.RATIO, Rollup.SHARE_MEETING_TARGET, Rollup.MEAN)
    )
    total = "COALESCE(kt.n, 0)"
    value4 = (
        f"CASE WHEN {ratio} THEN CASE WHEN g.n_ratio > 0 THEN"
        f" {_round_half('g.sum_n4 * 1000000', 'g.sum_d4')} END"
        f" WHEN {share} THEN CASE WHEN g.n_coloured > 0 THEN"
        f" {_round_half(f'g.n_green * {100 * SCALE}', total)} END"
        f" WHEN g.n_valued > 0 THEN CASE WHEN {mean} THEN {_round_half('g.sum_v4', 'g.n_valued')}"
        " ELSE g.sum_v4 END END"
    )
    counted = f"COALESCE(CASE WHEN {ratio} THEN g.n_ratio ELSE g.n_valued END, 0)"
    pending = f"CASE WHEN {ratio} THEN g.n_ratio_pending ELSE g.n_valued_pending END"
    source = (
        f"SELECT sl.*, {value4} AS v4, CASE WHEN {ratio} AND g.n_ratio > 0 THEN g.sum_n4 END AS n4,"
        f" CASE WHEN {ratio} AND g.n_ratio > 0 THEN g.sum_d4 END AS d4, {pending} AS pending,"
        f" {counted} AS children_counted, {total} AS children_total"
        f" FROM ({_slots_sql(f's.id IN ({id_list})')}) AS sl"
        f" LEFT JOIN kids{number} AS g ON g.parent_id = sl.id AND g.period_end = sl.period_end"
        f" LEFT JOIN totals{number} AS kt ON kt.parent_id = sl.id"
    )
    state = (
        f"CASE WHEN r.v4 IS NULL THEN '' WHEN COALESCE(r.pending, 0) = 0 THEN '{ValueState.APPROVED}'"
        f" ELSE '{ValueState.SUBMITTED}' END"
    )
    with_values = (
        f"SELECT r.*, {_unscaled('r.v4')} AS value, {state} AS value_state, {_unscaled('r.n4')} AS numerator,"
        f" {_unscaled('r.d4')} AS denominator FROM ({source}) AS r {_fence()}"
    )
    return [kids, totals, f"level{number} AS ({_judged_sql(with_values, rules, today)})"]


def _changes_sql(
    *,
    calendar: list[tuple[str, datetime.date, datetime.date, datetime.date]],
    levels: list[list[int]],
    rules: Rules,
    today: datetime.date,
    partial: bool,
) -> str:
    # Dates are written into the statement (made here from date objects, never from
    # input): the planner then sees the periods it filters on.
    rows = ", ".join(
        f"('{periodicity}', {_date(start)}, {_date(end)}, {_date(due)})"
        for periodicity, start, end, due in calendar
    )
    ends = ", ".join(sorted({_date(end) for _periodicity, _start, end, _due in calendar}))
    ctes = [
        f"cal (periodicity, period_start, period_end, due_date) AS (VALUES {rows})",
        f"points AS ({_points_sql()})",
        f"level0 AS ({_entered_sql(rules, _date(today), ends)})",
    ]
    names = ["level0"]
    for number, ids in enumerate(levels, start=1):
        below = " UNION ALL ".join(f"SELECT * FROM {name}" for name in names)
        ctes += _rolled_ctes(number, ids, below, rules, _date(today))
        names.append(f"level{number}")
    ctes.append(f"final AS ({' UNION ALL '.join(f'SELECT * FROM {name}' for name in names)})")
    # The stored rows compared with the result: all, or in a partial run those of the
    # periods recomputed. Of the rows the result does not hold, only those of an active
    # assignment in one of its recomputed periods are stale (`in_scope`): the others
    # (inactive assignments, another periodicity's period) are left as they are.
    current = f"SELECT * FROM {FIGURES}" + (f" WHERE period_end IN ({ends})" if partial else "")
    in_scope = f"s.assignment_id IN (SELECT sc.id FROM {_subjects()} AS sc" + (
        " JOIN cal AS c ON c.periodicity = sc.periodicity"
        " WHERE c.period_end = s.period_end AND sc.id = s.assignment_id)"
        if partial
        else ")"
    )
    ctes.append(f"current_rows AS ({current})")
    stored = ", ".join(f"s.{c}" for c in FIGURE_COLUMNS)
    computed = ", ".join(f"f.{c}" for c in FIGURE_COLUMNS)
    differs = "IS DISTINCT FROM" if _pg() else "IS NOT"
    columns = ", ".join(("stored_id", "stale", "assignment_id", "period_end", *FIGURE_COLUMNS))
    if _pg():
        body = (
            f" SELECT s.id, f.assignment_id IS NULL, COALESCE(f.assignment_id, s.assignment_id),"
            f" COALESCE(f.period_end, s.period_end), {computed}"
            " FROM final AS f FULL JOIN current_rows AS s"
            " ON s.assignment_id = f.assignment_id AND s.period_end = f.period_end"
            f" WHERE s.id IS NULL OR (f.assignment_id IS NULL AND {in_scope})"
            f" OR (f.assignment_id IS NOT NULL AND ({stored}) {differs} ({computed}))"
        )
    else:
        body = (
            f" SELECT s.id, FALSE, f.assignment_id, f.period_end, {computed} FROM final AS f"
            " LEFT JOIN current_rows AS s"
            " ON s.assignment_id = f.assignment_id AND s.period_end = f.period_end"
            f" WHERE s.id IS NULL OR ({stored}) {differs} ({computed})"
            f" UNION ALL SELECT s.id, TRUE, s.assignment_id, s.period_end, {stored} FROM current_rows AS s"
            " WHERE NOT EXISTS (SELECT 1 FROM final AS f"
            f" WHERE f.assignment_id = s.assignment_id AND f.period_end = s.period_end) AND {in_scope}"
        )
    return f"WITH {', '.join(ctes)} INSERT INTO {CHANGES} ({columns}){body}"


def _prepare(cursor) -> None:
    columns = (
        "stored_id BIGINT, stale BOOLEAN NOT NULL, assignment_id BIGINT NOT NULL, period_end DATE NOT NULL,"
        " unit_id BIGINT, indicator_id BIGINT, due_date DATE, value NUMERIC(18, 4), value_state VARCHAR(10),"
        " numerator NUMERIC(18, 4), denominator NUMERIC(18, 4), milestone NUMERIC(18, 4),"
        " progress NUMERIC(12, 2), colour VARCHAR(8), reason VARCHAR(20), children_counted BIGINT,"
        " children_total BIGINT"
    )
    statements = [f"CREATE TEMPORARY TABLE IF NOT EXISTS {CHANGES} ({columns})", f"DELETE FROM {CHANGES}"]
    if _pg():
        statements = [
            "SET LOCAL client_min_messages = warning",
            "SET LOCAL work_mem = '256MB'",
            "SET LOCAL jit = off",
            # Every join here is between whole sets: a nested loop, chosen on a guess about
            # the calendar join, costs minutes at national scale.
            "SET LOCAL enable_nestloop = off",
            *statements,
        ]
        cursor.execute("; ".join(statements))
    else:
        for statement in statements:
            cursor.execute(statement)


def _apply(cursor, stamp: datetime.datetime) -> tuple[int, int]:
    """Update the changed rows, insert the new ones, delete the stale ones. A row a value's
    refresh rewrote meanwhile (refresh_figures deletes and inserts) is left as it wrote it."""
    now = connection.ops.adapt_datetimefield_value(stamp)
    assignments = ", ".join(f"{c} = c.{c}" for c in FIGURE_COLUMNS)
    cursor.execute(
        f"UPDATE {FIGURES} SET {assignments}, computed_at = %s FROM {CHANGES} AS c"
        f" WHERE {FIGURES}.id = c.stored_id AND NOT c.stale",
        [now],
    )
    written = cursor.rowcount
    columns = ", ".join(("assignment_id", "period_end", *FIGURE_COLUMNS, "computed_at"))
    values = ", ".join(f"c.{c}" for c in ("assignment_id", "period_end", *FIGURE_COLUMNS))
    cursor.execute(
        f"INSERT INTO {FIGURES} ({columns}) SELECT {values}, %s FROM {CHANGES} AS c"
        " WHERE c.stored_id IS NULL ON CONFLICT (assignment_id, period_end) DO NOTHING",
        [now],
    )
    written += cursor.rowcount
    cursor.execute(f"DELETE FROM {FIGURES} WHERE id IN (SELECT stored_id FROM {CHANGES} WHERE stale)")
    return written, cursor.rowcount


def recompute_figures(
    *,
    rules: Rules,
    today: datetime.date,
    periods: Iterable[Period] | None = None,
    stamp: datetime.datetime | None = None,
) -> FigureCounts:
    """Recompute the figures of every active assignment in every period (or only in
    `periods`, e.g. `open_periods(...)`) and write what changed. The rows are those
    refresh_figures writes for the same assignments; figures of inactive assignments are
    left as they are, as refresh_figures leaves them."""
    partial = periods is not None
    with transaction.atomic():
        calendar = _calendar(today=today, rules=rules, periods=periods)
        if not calendar:
            return FigureCounts(written=0, removed=0, periods=0)
        levels = _heights()
        with connection.cursor() as cursor:
            _prepare(cursor)
            cursor.execute(
                _changes_sql(calendar=calendar, levels=levels, rules=rules, today=today, partial=partial)
            )
            if not cursor.rowcount:
                written = removed = 0
            else:
                if _pg():
                    # The writes touch a few rows of a big table: by their ids, through the
                    # primary key, not by hashing the whole table (the planner's guess).
                    cursor.execute(
                        "SET LOCAL enable_nestloop = on; SET LOCAL enable_hashjoin = off;"
                        " SET LOCAL enable_mergejoin = off"
                    )
                written, removed = _apply(cursor, stamp or timezone.now())
    return FigureCounts(written=written, removed=removed, periods=len(calendar))


def stored_figure_rows(
    assignment_ids: Collection[int] | None = None,
) -> dict[tuple[int, datetime.date], tuple]:
    """The stored figures, (assignment, close) -> FIGURE_COLUMNS: what the tests and the
    benchmark compare."""
    rows = IndicatorFigure.objects.all()
    if assignment_ids is not None:
        rows = rows.filter(assignment_id__in=assignment_ids)
    return {
        (row[0], row[1]): tuple(row[2:])
        for row in rows.values_list("assignment_id", "period_end", *FIGURE_COLUMNS)
    }
