"""The dashboards' charts and table helpers. The charts themselves are reports.boards.charts,
shared with the PDF reports; these tags only feed them a board's figures."""

from decimal import Decimal

from django import template
from django.http import QueryDict
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from reports.boards import charts
from tasks_app.models import Colour

register = template.Library()


# A board's charts come in two drawings: one for a column of 600 px or more, one for a
# phone (or a narrow column), each drawn for its width so that no text shrinks below
# 11 px on screen. CSS container queries show the one that fits (app.css, .chart).
PHONE_WIDTH = 340


def _two_widths(draw) -> SafeString:
    return format_html(
        '<div class="chart"><div class="chart-wide">{}</div><div class="chart-narrow">{}</div></div>',
        draw(640),
        draw(PHONE_WIDTH),
    )


@register.simple_tag
def trend_svg(board, title: str, width: int | None = None) -> SafeString:
    draw = lambda w: charts.trend_chart(board.trend, bands=board.bands, title=title, width=w)  # noqa: E731
    return draw(width) if width else _two_widths(draw)


@register.simple_tag
def states_svg(items, title: str, width: int | None = None) -> SafeString:
    draw = lambda w: charts.state_bars(items, title=title, width=w)  # noqa: E731
    return draw(width) if width else _two_widths(draw)


@register.simple_tag
def colour_share_svg(counts, title: str, width: int | None = None) -> SafeString:
    draw = lambda w: charts.colour_share_bar(counts, title=title, width=w)  # noqa: E731
    return draw(width) if width else _two_widths(draw)


def _province_tiles(board, query: str) -> list[charts.MapTile]:
    tiles = []
    for row in board.provinces:
        snapshot = row.snapshot
        share = snapshot.children_green_share if snapshot else None
        description = _("%(name)s: %(colour)s, %(share)s of communes green, rank %(rank)s") % {
            "name": row.unit.name,
            "colour": Colour(row.colour).label,
            "share": charts.percent_text(share),
            "rank": f"{row.rank}/{snapshot.rank_among}" if row.rank else "—",
        }
        href = reverse("dashboard_province", args=[row.unit.pk]) + (f"?{query}" if query else "")
        tiles.append(
            charts.MapTile(
                code=row.unit.code,
                name=row.unit.name,
                colour=row.colour,
                value_text=charts.percent_text(share),
                href=href,
                description=description,
            )
        )
    return tiles


@register.simple_tag
def province_map(board, query: str = "") -> SafeString:
    """The tile map of the provinces, each linking to its board with the same filters."""
    title = _("Map of the provinces: share of communes green")
    return charts.tile_map(_province_tiles(board, query), title=title)


@register.inclusion_tag("dashboards/_map_key.html")
def province_map_key(board) -> dict:
    """The legend of the map's abbreviations."""
    return {"key": charts.map_key(_province_tiles(board, ""))}


@register.filter
def percent(rate: Decimal | None) -> str:
    # A missing snapshot's rate reaches a template as "": shown as "no figure", like None.
    return charts.percent_text(None if rate == "" else rate)


@register.filter
def points_change(change: Decimal | None) -> str:
    """ "+3,5 điểm %" since the week before; empty when there is nothing to compare."""
    if change is None:
        return ""
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    value = number_format(abs(change).quantize(Decimal("0.1")), decimal_pos=1)
    if value.endswith((",0", ".0")):
        value = value[:-2]
    return _("%(sign)s%(value)s points") % {"sign": sign, "value": value}


@register.simple_tag
def sort_query(params: QueryDict, key: str) -> str:
    """The query string that sorts the table by `key`, or reverses it when it already is.
    Rates and ranks start worst first; counts start with the largest."""
    current = params.get("sort") or "rank"
    query = params.copy()
    query.pop("page", None)
    if current == key:
        query["sort"] = f"-{key}"
    elif current == f"-{key}":
        query["sort"] = key
    else:
        query["sort"] = f"-{key}" if key in {"overdue", "behind"} else key
    return query.urlencode()


@register.simple_tag
def aria_sort(params: QueryDict, key: str) -> str:
    current = params.get("sort") or "rank"
    if current == key:
        return "ascending"
    if current == f"-{key}":
        return "descending"
    return "none"


@register.simple_tag
def page_query(params: QueryDict, number: int) -> str:
    query = params.copy()
    query["page"] = str(number)
    return query.urlencode()


@register.simple_tag
def board_query(params: QueryDict) -> str:
    """The board's own filters (plan, group, date), to carry into a drill-down link."""
    query = QueryDict(mutable=True)
    for name in ("plan", "group", "date"):
        if value := params.get(name):
            query[name] = value
    return query.urlencode()


@register.simple_tag
def indicator_sparkline(row) -> SafeString:
    """A board row's trend (reports.boards.selectors.indicators.IndicatorRow.trend) as a
    sparkline: its values over the last periods, the milestones dashed."""
    return charts.sparkline(
        row.trend, code=row.code, value_type=row.value_type, unit_of_measure=row.unit_of_measure
    )
