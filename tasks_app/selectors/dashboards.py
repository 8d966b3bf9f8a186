"""Reads for the leaders' dashboards (nation, province, commune) and the weekly reports.

Figures come from the greening snapshots: today's rows are kept current by the refresh
that follows every task change, so they are live within seconds; earlier rows are the
history. Task lists (bottlenecks) are read from the tasks themselves, as of the board's
date. Every board costs a fixed number of queries, whatever the number of communes:
units and their snapshots are read in two set queries and joined here, and sorting,
filtering and paging the commune table (at most ~170 rows) happen in Python.
"""

import datetime
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, QuerySet, Subquery, Value, Window
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from tasks_app.charts import BandZone, BarItem, TrendPoint, percent_text
from tasks_app.clock import end_of_day, local_today
from tasks_app.greening.counting import TaskSource, task_source, with_states
from tasks_app.greening.rollup import ALL, SHARE_CHILD_KIND
from tasks_app.greening.rules import DaysBetween, Rules, state_colour
from tasks_app.models import (
    OPEN_STATUSES,
    Colour,
    GreeningBacklog,
    GreeningPolicy,
    GreeningSnapshot,
    Plan,
    Task,
    TaskGroup,
    TaskState,
    TaskUpdate,
    Unit,
    UnitKind,
    group_scope_ids,
    plan_scope_ids,
)
from tasks_app.selectors.greening import ColourExplanation, explain_unit_colour
from tasks_app.selectors.tasks import COLOUR_ORDER
from tasks_app.text import fold

TREND_WEEKS = 12
SILENT_AFTER_DAYS = 7
DUE_SOON_DAYS = 7
BOTTLENECK_ROWS = 10
COMMUNES_PER_PAGE = 50
# Behind schedule, or not started when it should have been: both miss their deadline
# unless someone acts this week.
BEHIND_STATES = (TaskState.BEHIND_SCHEDULE, TaskState.NOT_STARTED_LATE)


# --- What a board shows: scope and date -----------------------------------------------------


@dataclass(frozen=True)
class BoardFilters:
    """The plan or task group a board is narrowed to, and the date it shows (None: the
    latest figures)."""

    plan: Plan | None = None
    group: TaskGroup | None = None
    on: datetime.date | None = None

    @property
    def scope(self) -> str:
        if self.group is not None:
            return f"group:{self.group.pk}"
        if self.plan is not None:
            return f"plan:{self.plan.pk}"
        return ALL


def board_plans(unit: Unit | None) -> QuerySet[Plan]:
    """The plans a board can be narrowed to: all of them nationally; for a province or a
    commune, its province's plans and the central ones whose tasks may reach it."""
    plans = Plan.objects.filter(is_active=True).select_related("issuing_unit")
    if unit is not None:
        plans = plans.filter(
            Q(issuing_unit_id=unit.province_id)
            | Q(issuing_unit__kind__in=[UnitKind.CENTRAL, UnitKind.MINISTRY])
        )
    return plans.order_by("issuing_unit__kind", "issuing_unit__code", "code")


def board_groups(plan: Plan | None) -> QuerySet[TaskGroup]:
    if plan is None:
        return TaskGroup.objects.none()
    return TaskGroup.objects.filter(plan=plan).order_by("number")


def figures_date(unit: Unit, requested: datetime.date | None) -> datetime.date:
    """The requested date, or the latest one with figures for `unit` (today once the
    nightly run has started it; the day before if it has not yet)."""
    if requested is not None:
        return requested
    today = local_today()
    latest = (
        GreeningSnapshot.objects.filter(unit=unit, scope=ALL, on_date__lte=today)
        .order_by("-on_date")
        .values_list("on_date", flat=True)
        .first()
    )
    return latest or today


@dataclass(frozen=True)
class FigureDays:
    """The dates a unit's board has figures for (snapshots of all its tasks): the date
    picker offers first to last, and a date in a gap is refused naming its neighbours."""

    unit: Unit
    first: datetime.date | None
    last: datetime.date | None

    def has(self, day: datetime.date) -> bool:
        return GreeningSnapshot.objects.filter(unit=self.unit, scope=ALL, on_date=day).exists()

    def nearest(self, day: datetime.date) -> list[datetime.date]:
        """The closest dates with figures before and after `day` (each when there is one)."""
        dates = GreeningSnapshot.objects.filter(unit=self.unit, scope=ALL).values_list("on_date", flat=True)
        before = dates.filter(on_date__lt=day).order_by("-on_date").first()
        after = dates.filter(on_date__gt=day).order_by("on_date").first()
        return [d for d in (before, after) if d is not None]


def figure_days(unit: Unit | None) -> FigureDays:
    """The dates with figures for `unit`'s board (None: the national board)."""
    unit = unit or Unit.objects.get(kind=UnitKind.CENTRAL)
    dates = GreeningSnapshot.objects.filter(unit=unit, scope=ALL).order_by()
    span = dates.aggregate(first=Min("on_date"), last=Max("on_date"))
    return FigureDays(unit=unit, first=span["first"], last=span["last"])


def figures_pending(unit: Unit) -> bool:
    """Whether a task change under `unit` is waiting for the refresh: the board then
    polls again within seconds instead of a minute."""
    backlog = GreeningBacklog.objects.all()
    if unit.kind == UnitKind.PROVINCE:
        backlog = backlog.filter(unit__province=unit)
    elif unit.kind == UnitKind.COMMUNE:
        backlog = backlog.filter(unit=unit)
    return backlog.exists()


def band_zones(policy: GreeningPolicy) -> list[BandZone]:
    return [BandZone(colour=b.colour, lower=b.lower, upper=b.upper) for b in policy.bands.all()]


# --- One unit's figures --------------------------------------------------------------------


@dataclass
class UnitFigures:
    """A unit and its snapshot on the board's date (None: nothing computed for it in
    this scope, shown as "no counted tasks")."""

    unit: Unit
    snapshot: GreeningSnapshot | None
    last_update: datetime.datetime | None = None
    silent: bool = False
    reason: str = ""  # unit_reason_short, for the rows on show

    @property
    def colour(self) -> str:
        return self.snapshot.colour if self.snapshot else Colour.NONE.value

    @property
    def colour_label(self) -> str:
        return self.snapshot.get_colour_display() if self.snapshot else _("No counted tasks")

    @property
    def rate(self) -> Decimal | None:
        return self.snapshot.rate if self.snapshot else None

    @property
    def rank(self) -> int | None:
        return self.snapshot.rank if self.snapshot else None

    @property
    def overdue(self) -> int:
        """Overdue tasks of the unit and every unit below it."""
        return self.snapshot.subtree_overdue if self.snapshot else 0

    @property
    def behind(self) -> int:
        """Behind schedule or late to start, in the unit and below it."""
        if not self.snapshot:
            return 0
        return self.snapshot.subtree_behind_schedule + self.snapshot.subtree_not_started_late


def _figures_of(units: list[Unit], *, on: datetime.date, scope: str) -> list[UnitFigures]:
    """The units with their snapshots, read in one query and joined here."""
    found = {
        row.unit_id: row
        for row in GreeningSnapshot.objects.filter(
            on_date=on, scope=scope, unit__in=[u.pk for u in units]
        ).order_by()
    }
    rows = []
    for unit in units:
        snapshot = found.get(unit.pk)
        if snapshot is not None:
            snapshot.unit = unit  # already loaded: no query when a reason reads its kind
        rows.append(UnitFigures(unit=unit, snapshot=snapshot))
    return rows


def _snapshot(unit: Unit, *, on: datetime.date, scope: str) -> GreeningSnapshot | None:
    snapshot = GreeningSnapshot.objects.filter(unit=unit, on_date=on, scope=scope).first()
    if snapshot is not None:
        snapshot.unit = unit
    return snapshot


def trend(unit: Unit, *, on: datetime.date, scope: str, weeks: int = TREND_WEEKS) -> list[TrendPoint]:
    """The unit's rate on `on` and on the same weekday of each of the weeks before,
    oldest first; a week with no snapshot is a gap (rate None)."""
    dates = [on - datetime.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    found = {
        row["on_date"]: row
        for row in GreeningSnapshot.objects.filter(unit=unit, scope=scope, on_date__in=dates).values(
            "on_date", "rate", "colour"
        )
    }
    return [
        TrendPoint(
            on_date=day,
            rate=found[day]["rate"] if day in found else None,
            colour=found[day]["colour"] if day in found else Colour.NONE.value,
        )
        for day in dates
    ]


def week_change(points: list[TrendPoint]) -> Decimal | None:
    """Change of the rate since the week before, in percentage points."""
    if len(points) < 2 or points[-1].rate is None or points[-2].rate is None:
        return None
    return points[-1].rate - points[-2].rate


def state_items(snapshot: GreeningSnapshot | None, rules: Rules, *, subtree: bool) -> list[BarItem]:
    """Tasks per state, in the order documents list them, coloured as the rules say."""
    items = []
    for state in TaskState:
        if snapshot is None:
            count = 0
        elif subtree:
            count = getattr(snapshot, f"subtree_{state.value}")
        else:
            count = getattr(snapshot, f"n_{state.value}")
        items.append(
            BarItem(label=str(state.label), count=count, colour=state_colour(state, rules) or "none")
        )
    return items


def colour_counts(rows: list[UnitFigures]) -> dict[str, int]:
    counts = Counter(row.colour for row in rows)
    return {colour.value: counts.get(colour.value, 0) for colour in COLOUR_ORDER}


# --- Bottlenecks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BottleneckTask:
    task_id: int
    code: str
    title: str
    unit_name: str
    unit_id: int
    deadline: datetime.date
    progress: int
    is_key: bool
    state: str
    days: int  # overdue: days past the deadline; due soon: days left


@dataclass
class Bottlenecks:
    overdue: list[BottleneckTask] = field(default_factory=list)
    overdue_total: int = 0
    due_soon: list[BottleneckTask] = field(default_factory=list)
    due_soon_total: int = 0
    silent: list[UnitFigures] = field(default_factory=list)
    silent_total: int = 0


def bottlenecks(
    *,
    unit_ids: list[int] | None,
    filters: BoardFilters,
    on: datetime.date,
    rules: Rules,
    silent_units: list[UnitFigures] = (),
    overdue_total: int | None = None,
) -> Bottlenecks:
    """What to chase: the longest-overdue tasks, the tasks behind schedule that are due
    within a week, and the units that have gone quiet. Each list is one query, with its
    total counted in the same statement (a window over the matching rows). A board passes
    the overdue total its snapshot already holds: counting thousands of overdue rows
    again would cost more than reading the ten oldest through the index."""
    overdue, due_soon, fields = _bottleneck_queries(unit_ids=unit_ids, filters=filters, on=on, rules=rules)
    overdue = overdue.annotate(
        total=Value(overdue_total) if overdue_total is not None else Window(Count("pk"))
    ).values(*fields.values(), "days", "total")[:BOTTLENECK_ROWS]
    due_soon = due_soon.annotate(total=Window(Count("pk"))).values(
        *fields.values(), "greening_state", "days", "total"
    )[:BOTTLENECK_ROWS]
    result = Bottlenecks()
    for row in overdue:
        result.overdue_total = row["total"]
        result.overdue.append(_bottleneck(row, fields, TaskState.OVERDUE))
    for row in due_soon:
        result.due_soon_total = row["total"]
        result.due_soon.append(_bottleneck(row, fields, row["greening_state"]))
    quiet = sorted(
        (row for row in silent_units if row.silent),
        # Never reported first, then the longest quiet.
        key=lambda row: (row.last_update is not None, row.last_update or 0, row.unit.sort_key),
    )
    result.silent, result.silent_total = quiet[:BOTTLENECK_ROWS], len(quiet)
    return result


def bottleneck_tasks(
    *, unit_ids: list[int] | None, filters: BoardFilters, on: datetime.date, rules: Rules
) -> tuple[Iterator[BottleneckTask], Iterator[BottleneckTask]]:
    """Every overdue task and every task behind schedule and due within a week, in the
    boards' order: the full lists behind `bottlenecks`, for the Excel file. Rows are
    streamed from the database, so a national list of many thousands stays small."""
    overdue, due_soon, fields = _bottleneck_queries(unit_ids=unit_ids, filters=filters, on=on, rules=rules)
    overdue_rows = overdue.values(*fields.values(), "days").iterator(chunk_size=2000)
    due_soon_rows = due_soon.values(*fields.values(), "greening_state", "days").iterator(chunk_size=2000)
    return (
        (_bottleneck(row, fields, TaskState.OVERDUE) for row in overdue_rows),
        (_bottleneck(row, fields, row["greening_state"]) for row in due_soon_rows),
    )


def _bottleneck_queries(
    *, unit_ids: list[int] | None, filters: BoardFilters, on: datetime.date, rules: Rules
) -> tuple[QuerySet, QuerySet, dict[str, str]]:
    """The overdue and the due-soon tasks as two ordered querysets, not yet sliced, and the
    BottleneckTask fields they carry."""
    source = task_source(on=on, today=local_today())
    cols, prefix = source.cols, source.cols.task_prefix
    rows = source.queryset
    if unit_ids is not None:  # None: every unit (the national report)
        rows = rows.filter(**{f"{cols.lead_unit}__in": unit_ids})
    if filters.group is not None:  # with the groups implementing it, as the snapshots count
        rows = rows.filter(**{f"{cols.task_group}__in": group_scope_ids(filters.group.pk)})
    elif filters.plan is not None:  # with the plans implementing it, as the snapshots count
        rows = rows.filter(**{f"{cols.plan}__in": plan_scope_ids(filters.plan.pk)})
    day = Value(on)
    due_window = {
        f"{cols.deadline}__gte": on,
        f"{cols.deadline}__lte": on + datetime.timedelta(days=DUE_SOON_DAYS),
    }
    fields = {
        "task_id": cols.task,
        "code": f"{prefix}code",
        "title": f"{prefix}title",
        "unit_name": f"{prefix}lead_unit__name",
        "unit_id": cols.lead_unit,
        "deadline": cols.deadline,
        "progress": cols.progress,
        "is_key": cols.is_key,
    }
    # Overdue is an open status past the deadline (rule 4): no CASE needed, and both
    # conditions are indexed.
    overdue = (
        rows.filter(**{f"{cols.status}__in": OPEN_STATUSES, f"{cols.deadline}__lt": on})
        .annotate(days=DaysBetween(day, F(cols.deadline)))
        .order_by(cols.deadline, f"-{cols.is_key}", f"{prefix}code")
    )
    due_soon = (
        with_states(TaskSource(rows.filter(**due_window), cols), on=on, rules=rules)
        .filter(greening_state__in=BEHIND_STATES)
        .annotate(days=DaysBetween(F(cols.deadline), day))
        .order_by(cols.deadline, cols.progress, f"{prefix}code")
    )
    return overdue, due_soon, fields


def _bottleneck(row: dict, fields: dict[str, str], state: str) -> BottleneckTask:
    return BottleneckTask(**{name: row[path] for name, path in fields.items()}, state=state, days=row["days"])


def last_updates(units: QuerySet[Unit], *, on: datetime.date) -> QuerySet[Unit]:
    """`units` with `last_update`: when the unit's own people (its members) last changed a
    task it leads, by the end of `on`; and `has_older_tasks`: whether it was given a task
    before the quiet window, so it had something to report in it.

    A higher unit creating or cascading a task is not the unit reporting, so it does not
    count (otherwise one province cascade makes every commune look active). Today that is
    the newest Task.last_own_update_at, one index probe per unit on (lead unit, last own
    update); a past date asks the recorded updates whose author is a member of the unit."""
    if on >= local_today():
        newest = (
            Task.objects.filter(lead_unit=OuterRef("pk"), last_own_update_at__isnull=False)
            .order_by("-last_own_update_at")
            .values("last_own_update_at")[:1]
        )
    else:
        # The newest as a MAX over the unit's tasks, not ORDER BY created_at LIMIT 1: for
        # that, PostgreSQL walks the index of every update's time backwards, looking up
        # each update's task until it finds one of the unit's (3 s for a province's 168
        # communes at 1M tasks); the MAX reads (task, created_at) per task (0.2 s).
        newest = (
            TaskUpdate.objects.filter(
                task__lead_unit=OuterRef("pk"),
                created_at__lt=end_of_day(on),
                author__memberships__unit=OuterRef("pk"),
            )
            .order_by()
            .values("task__lead_unit")
            .annotate(newest=Max("created_at"))
            .values("newest")
        )
    window_start = end_of_day(on) - datetime.timedelta(days=SILENT_AFTER_DAYS)
    older = Task.objects.filter(lead_unit=OuterRef("pk"), created_at__lt=window_start)
    return units.annotate(last_update=Subquery(newest), has_older_tasks=Exists(older))


def _is_silent(unit: Unit, *, on: datetime.date) -> bool:
    """Quiet: the unit had a task before the last 7 days up to the end of `on`, and its
    own people changed nothing in those 7 days (or ever). A unit with no task, or whose
    first task is newer than that, has had nothing to report yet."""
    window_start = end_of_day(on) - datetime.timedelta(days=SILENT_AFTER_DAYS)
    return unit.has_older_tasks and (unit.last_update is None or unit.last_update < window_start)


# --- The boards ------------------------------------------------------------------------------


@dataclass
class NationalBoard:
    nation: Unit
    on: datetime.date
    filters: BoardFilters
    snapshot: GreeningSnapshot | None
    provinces: list[UnitFigures]
    province_colours: dict[str, int]
    states: list[BarItem]
    trend: list[TrendPoint]
    change: Decimal | None
    bands: list[BandZone]
    pending: bool

    @property
    def ranking(self) -> list[UnitFigures]:
        """Ranked provinces first, best first; the unranked after them by name."""
        return sorted(self.provinces, key=lambda row: (row.rank is None, row.rank or 0, row.unit.sort_key))


def national_board(filters: BoardFilters, *, policy: GreeningPolicy) -> NationalBoard:
    rules = Rules.from_policy(policy)
    nation = Unit.objects.get(kind=UnitKind.CENTRAL)
    on = figures_date(nation, filters.on)
    scope = filters.scope
    provinces = list(Unit.objects.filter(kind=UnitKind.PROVINCE, is_active=True).order_by("code"))
    rows = _figures_of(provinces, on=on, scope=scope)
    snapshot = _snapshot(nation, on=on, scope=scope)
    points = trend(nation, on=on, scope=scope)
    return NationalBoard(
        nation=nation,
        on=on,
        filters=filters,
        snapshot=snapshot,
        provinces=rows,
        province_colours=colour_counts(rows),
        states=state_items(snapshot, rules, subtree=True),
        trend=points,
        change=week_change(points),
        bands=band_zones(policy),
        pending=figures_pending(nation),
    )


@dataclass(frozen=True)
class CommuneTableQuery:
    """How the commune table is sorted, filtered and paged, as it travels in the URL."""

    sort: str = "rank"
    colour: str = ""
    search: str = ""
    silent_only: bool = False
    page: int | str = 1


SORT_KEYS = {
    "rank": lambda row: row.rank,
    "name": lambda row: row.unit.sort_key,
    "rate": lambda row: row.rate,
    "overdue": lambda row: row.overdue,
    "behind": lambda row: row.behind,
    "updated": lambda row: row.last_update,
}


def sort_rows(rows: list[UnitFigures], sort: str) -> list[UnitFigures]:
    """Sorted by a SORT_KEYS name, "-name" for descending; rows without a value last."""
    descending = sort.startswith("-")
    key = SORT_KEYS.get(sort.lstrip("-"), SORT_KEYS["rank"])
    valued = [row for row in rows if key(row) is not None]
    missing = [row for row in rows if key(row) is None]
    valued.sort(key=lambda row: (key(row), row.unit.sort_key), reverse=descending)
    missing.sort(key=lambda row: row.unit.sort_key)
    return valued + missing


@dataclass
class CommuneTable:
    page: Page
    total: int
    shown: int
    query: CommuneTableQuery


def commune_table(rows: list[UnitFigures], query: CommuneTableQuery) -> CommuneTable:
    chosen = rows
    if query.colour:
        chosen = [row for row in chosen if row.colour == query.colour]
    if query.search:
        needle = fold(query.search)
        chosen = [row for row in chosen if needle in row.unit.search_name]
    if query.silent_only:
        chosen = [row for row in chosen if row.silent]
    chosen = sort_rows(chosen, query.sort)
    page = Paginator(chosen, COMMUNES_PER_PAGE).get_page(query.page)
    return CommuneTable(page=page, total=len(rows), shown=len(chosen), query=query)


@dataclass
class UnitBoard:
    """A province's or a commune's board."""

    unit: Unit
    on: datetime.date
    filters: BoardFilters
    figures: UnitFigures
    parent_snapshot_rank_among: int | None
    states: list[BarItem]
    trend: list[TrendPoint]
    change: Decimal | None
    bands: list[BandZone]
    bottlenecks: Bottlenecks
    explanation: ColourExplanation
    pending: bool
    communes: list[UnitFigures] = field(default_factory=list)
    commune_colours: dict[str, int] = field(default_factory=dict)
    table: CommuneTable | None = None

    @property
    def snapshot(self) -> GreeningSnapshot | None:
        return self.figures.snapshot

    @property
    def is_today(self) -> bool:
        return self.on == local_today()


def province_board(
    province: Unit, filters: BoardFilters, *, policy: GreeningPolicy, table: CommuneTableQuery
) -> UnitBoard:
    on = figures_date(province, filters.on)
    communes = list(
        last_updates(Unit.objects.filter(parent=province, kind=UnitKind.COMMUNE, is_active=True), on=on)
    )
    rows = _figures_of(communes, on=on, scope=filters.scope)
    for row in rows:
        row.last_update = row.unit.last_update
        row.silent = _is_silent(row.unit, on=on)
    figures = UnitFigures(unit=province, snapshot=_snapshot(province, on=on, scope=filters.scope))
    board = _unit_board(
        figures, filters, policy=policy, on=on, quiet_candidates=rows, reasons_shown=BOTTLENECK_ROWS
    )
    board.communes, board.commune_colours, board.table = rows, colour_counts(rows), commune_table(rows, table)
    return board


def commune_board(commune: Unit, filters: BoardFilters, *, policy: GreeningPolicy) -> UnitBoard:
    on = figures_date(commune, filters.on)
    unit = last_updates(Unit.objects.filter(pk=commune.pk), on=on).select_related("parent").get()
    figures = UnitFigures(
        unit=unit,
        snapshot=_snapshot(unit, on=on, scope=filters.scope),
        last_update=unit.last_update,
        silent=_is_silent(unit, on=on),
    )
    return _unit_board(figures, filters, policy=policy, on=on, quiet_candidates=[figures], reasons_shown=20)


def _unit_board(
    figures: UnitFigures,
    filters: BoardFilters,
    *,
    policy: GreeningPolicy,
    on: datetime.date,
    quiet_candidates: list[UnitFigures],
    reasons_shown: int,
) -> UnitBoard:
    """What a province's and a commune's boards share: the unit's own figures, trend,
    bottlenecks over the unit and `quiet_candidates` (the communes, or the commune itself),
    and why it is its colour."""
    rules = Rules.from_policy(policy)
    unit, scope = figures.unit, filters.scope
    points = trend(unit, on=on, scope=scope)
    unit_ids = list(dict.fromkeys([unit.pk, *(row.unit.pk for row in quiet_candidates)]))
    return UnitBoard(
        unit=unit,
        on=on,
        filters=filters,
        figures=figures,
        parent_snapshot_rank_among=figures.snapshot.rank_among if figures.snapshot else None,
        states=state_items(figures.snapshot, rules, subtree=False),
        trend=points,
        change=week_change(points),
        bands=band_zones(policy),
        bottlenecks=bottlenecks(
            unit_ids=unit_ids,
            filters=filters,
            on=on,
            rules=rules,
            silent_units=quiet_candidates,
            overdue_total=figures.overdue,
        ),
        explanation=explain_unit_colour(
            unit=unit, on=on, scope=scope, limit=reasons_shown, rules=rules, with_child_units=False
        ),
        pending=figures_pending(unit),
    )


def computed_at(snapshot: GreeningSnapshot | None) -> datetime.datetime | None:
    return timezone.localtime(snapshot.computed_at) if snapshot else None


# --- Why a unit is its colour, in a sentence -------------------------------------------------


def unit_reason(snapshot: GreeningSnapshot | None, *, rules: Rules) -> list[str]:
    """One or two sentences a leader can repeat: how the rate is made, which band it
    falls in, and the tasks that pull it down. The same words on every board and report."""
    if snapshot is None or snapshot.colour == Colour.NONE:
        return [_("No counted tasks: nothing to judge yet.")]
    sentences = []
    rate = percent_text(snapshot.rate)
    # The share of green child units counts only those with counted tasks: name them, and
    # how many are left out, so "0/3" is not read as three units in all.
    left_out = _children_left_out(snapshot)
    if snapshot.unit.kind == UnitKind.PROVINCE and snapshot.children_counted and snapshot.n_counted:
        sentences.append(
            _(
                "Rate %(rate)s = %(own_weight)s%% × own tasks %(own_rate)s (%(green)s of %(counted)s green)"
                " + %(child_weight)s%% × communes green %(share)s"
                " (%(cg)s/%(cc)s communes with counted tasks are green)."
            )
            % {
                "rate": rate,
                "own_weight": rules.own_tasks_weight,
                "own_rate": percent_text(snapshot.own_rate),
                "green": snapshot.n_green,
                "counted": snapshot.n_counted,
                "child_weight": 100 - rules.own_tasks_weight,
                "share": percent_text(snapshot.children_green_share),
                "cg": snapshot.children_green,
                "cc": snapshot.children_counted,
            }
        )
        if left_out:
            sentences.append(
                _("%(n)s communes have no counted tasks yet and are left out of the share.") % {"n": left_out}
            )
    elif snapshot.children_counted and not snapshot.n_counted:
        values = {"rate": rate, "cg": snapshot.children_green, "cc": snapshot.children_counted, "n": left_out}
        if snapshot.unit.kind == UnitKind.PROVINCE:
            sentence = (
                _(
                    "Rate %(rate)s: %(cg)s/%(cc)s communes with counted tasks are green"
                    " (%(n)s communes have no counted tasks yet)."
                )
                if left_out
                else _("Rate %(rate)s: %(cg)s/%(cc)s communes with counted tasks are green.")
            )
        else:
            sentence = (
                _(
                    "Rate %(rate)s: %(cg)s/%(cc)s provinces with counted tasks are green"
                    " (%(n)s provinces have no counted tasks yet)."
                )
                if left_out
                else _("Rate %(rate)s: %(cg)s/%(cc)s provinces with counted tasks are green.")
            )
        sentences.append(sentence % values)
    else:
        sentences.append(
            _("Rate %(rate)s: %(green)s of %(counted)s counted tasks are green.")
            % {"rate": rate, "green": snapshot.n_green, "counted": snapshot.n_counted}
        )
    band = next((b for b in rules.bands if b.colour == snapshot.colour), None)
    if snapshot.red_by_key_task:
        sentences.append(
            _("Red because %(n)s key task(s) are overdue, whatever the rate.") % {"n": snapshot.n_overdue_key}
        )
    elif band is not None:
        sentences.append(
            _("%(colour)s: the rate is in the band %(lower)s–%(upper)s%%.")
            % {
                "colour": Colour(snapshot.colour).label,
                "lower": number_format(band.lower.normalize(), use_l10n=True),
                "upper": number_format(band.upper.normalize(), use_l10n=True),
            }
        )
    attention = _attention(snapshot)
    if attention:
        sentences.append(_("Tasks needing attention: %(parts)s.") % {"parts": attention})
    return sentences


def _children_left_out(snapshot: GreeningSnapshot) -> int:
    """How many of the unit's provinces (for the nation) or communes (for a province) have
    no counted tasks in the snapshot's scope and so are left out of its green share."""
    share_kind = SHARE_CHILD_KIND.get(snapshot.unit.kind)
    if share_kind is None or not snapshot.children_counted:
        return 0
    children = Unit.objects.filter(parent_id=snapshot.unit_id, kind=share_kind, is_active=True).count()
    return max(children - snapshot.children_counted, 0)


def unit_reason_short(snapshot: GreeningSnapshot | None) -> str:
    """The reason in a table cell: green of counted, the tasks pulling it down, and a
    red forced by an overdue key task."""
    if snapshot is None or snapshot.colour == Colour.NONE:
        return _("No counted tasks")
    parts = []
    if snapshot.red_by_key_task:
        parts.append(_("%(n)s key task(s) overdue") % {"n": snapshot.n_overdue_key})
    if snapshot.n_counted:
        parts.append(
            _("%(green)s/%(counted)s tasks green")
            % {"green": snapshot.n_green, "counted": snapshot.n_counted}
        )
    attention = _attention(snapshot)
    if attention:
        parts.append(attention)
    return "; ".join(parts)


def _attention(snapshot: GreeningSnapshot) -> str:
    pulling = [
        (snapshot.subtree_overdue, _("overdue")),
        (snapshot.subtree_behind_schedule, _("behind schedule")),
        (snapshot.subtree_not_started_late, _("not started, late")),
        (snapshot.subtree_completed_late, _("completed late")),
    ]
    return ", ".join(f"{n} {label}" for n, label in pulling if n)
