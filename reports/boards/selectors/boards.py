"""The leaders' boards (nation, province, commune), put together from the figures, the
bottlenecks and the colour's explanation; and the commune table of a province's board.

Every board costs a fixed number of queries, whatever the number of communes: sorting,
filtering and paging the commune table (at most ~170 rows) happen in Python.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.paginator import Page, Paginator

from reports.boards.charts import BandZone, BarItem, TrendPoint
from reports.boards.selectors.bottlenecks import (
    BOTTLENECK_ROWS,
    Bottlenecks,
    bottlenecks,
    is_silent,
    last_updates,
)
from reports.boards.selectors.figures import (
    BoardFilters,
    UnitFigures,
    band_zones,
    colour_counts,
    figures_date,
    figures_of,
    figures_pending,
    snapshot_of,
    state_items,
    trend,
    week_change,
)
from reports.boards.selectors.indicators import IndicatorSection, indicator_section
from reports.boards.selectors.reasons import unit_reason
from tasks_app.clock import local_today
from tasks_app.greening.rules import Rules
from tasks_app.models import GreeningPolicy, GreeningSnapshot, Unit, UnitKind
from tasks_app.selectors.greening import ColourExplanation, explain_unit_colour
from tasks_app.text import fold

COMMUNES_PER_PAGE = 50


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
    reason: list[str]  # why the nation is its colour (reasons.unit_reason)
    indicators: IndicatorSection | None = None  # latest due figures (selectors.indicators)

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
    rows = figures_of(provinces, on=on, scope=scope)
    snapshot = snapshot_of(nation, on=on, scope=scope)
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
        reason=unit_reason(snapshot, rules=rules),
        indicators=indicator_section(nation, on=on, delay=rules.indicator_due_working_days),
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
    reason: list[str]  # why the unit is its colour (reasons.unit_reason)
    communes: list[UnitFigures] = field(default_factory=list)
    commune_colours: dict[str, int] = field(default_factory=dict)
    table: CommuneTable | None = None
    indicators: IndicatorSection | None = None  # latest due figures (selectors.indicators)

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
    rows = figures_of(communes, on=on, scope=filters.scope)
    for row, commune in zip(rows, communes, strict=True):  # one row per commune, in order
        row.last_update = commune.last_update
        row.silent = is_silent(commune, on=on)
    figures = UnitFigures(unit=province, snapshot=snapshot_of(province, on=on, scope=filters.scope))
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
        snapshot=snapshot_of(unit, on=on, scope=filters.scope),
        last_update=unit.last_update,
        silent=is_silent(unit, on=on),
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
        reason=unit_reason(figures.snapshot, rules=rules),
        # The unit's own indicators; a province's also counted over its communes. A
        # commune's section never reads another unit's figures.
        indicators=indicator_section(unit, on=on, delay=rules.indicator_due_working_days),
    )
