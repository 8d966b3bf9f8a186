"""What a board shows and the figures it is built from: the plan, task group and date it is
narrowed to, the dates that have figures, one unit's snapshot on that date, and its trend.

Figures come from the greening snapshots: today's rows are kept current by the refresh
that follows every task change, so they are live within seconds; earlier rows are the
history. Units and their snapshots are read in set queries and joined here, so a board
costs a fixed number of queries whatever the number of communes.
"""

import datetime
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max, Min, Q, QuerySet

from reports.boards.charts import BandZone, BarItem, TrendPoint
from reports.boards.selectors.reasons import unit_reason_short
from tasks_app.clock import local_today
from tasks_app.greening.rules import Rules, state_colour
from tasks_app.models import (
    Colour,
    GreeningBacklog,
    GreeningPolicy,
    GreeningSnapshot,
    Plan,
    TaskGroup,
    TaskState,
    Unit,
    UnitKind,
)
from tasks_app.models.greening import (
    ALL_SCOPE,
    SnapshotScope,
    scope_key,
    snapshot_colour,
    snapshot_colour_label,
)
from tasks_app.selectors.tasks import COLOUR_ORDER

TREND_WEEKS = 12


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
            return scope_key(SnapshotScope.GROUP, self.group.pk)
        if self.plan is not None:
            return scope_key(SnapshotScope.PLAN, self.plan.pk)
        return ALL_SCOPE


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
        GreeningSnapshot.objects.filter(unit=unit, scope=ALL_SCOPE, on_date__lte=today)
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
        return GreeningSnapshot.objects.filter(unit=self.unit, scope=ALL_SCOPE, on_date=day).exists()

    def nearest(self, day: datetime.date) -> list[datetime.date]:
        """The closest dates with figures before and after `day` (each when there is one)."""
        dates = GreeningSnapshot.objects.filter(unit=self.unit, scope=ALL_SCOPE).values_list(
            "on_date", flat=True
        )
        before = dates.filter(on_date__lt=day).order_by("-on_date").first()
        after = dates.filter(on_date__gt=day).order_by("on_date").first()
        return [d for d in (before, after) if d is not None]


def figure_days(unit: Unit | None) -> FigureDays:
    """The dates with figures for `unit`'s board (None: the national board)."""
    unit = unit or Unit.objects.get(kind=UnitKind.CENTRAL)
    dates = GreeningSnapshot.objects.filter(unit=unit, scope=ALL_SCOPE).order_by()
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

    @property
    def colour(self) -> str:
        return snapshot_colour(self.snapshot)

    @property
    def reason(self) -> str:
        """Why the unit is its colour, in a table cell."""
        return unit_reason_short(self.snapshot)

    @property
    def colour_label(self) -> str:
        return snapshot_colour_label(self.snapshot)

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


def figures_of(units: Sequence[Unit], *, on: datetime.date, scope: str) -> list[UnitFigures]:
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


def snapshot_of(unit: Unit, *, on: datetime.date, scope: str) -> GreeningSnapshot | None:
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
