"""Server-rendered SVG charts for the dashboards and the PDF reports.

Pure Python, no JavaScript: each function returns one inline ``<svg>`` element. WeasyPrint
renders the same markup into PDFs, so looks come from presentation attributes (fill=,
font-size=, ...) rather than CSS classes, nothing is referenced from outside the element,
and the state icons are paths, not Unicode glyphs a PDF font might lack.

Colours come from the app's one palette (tasks_app.colours, Okabe–Ito based), and a state
is always told by a shape too (check, exclamation mark, cross, dash), never by colour alone.

Coordinates are written with ``_n`` (a dot, always); only text a person reads goes
through Django's localised number formatting.
"""

import datetime
import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from django.utils.formats import get_format, number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from tasks_app import colours
from tasks_app.indicators import words
from tasks_app.models import Colour

SVG_NS = "http://www.w3.org/2000/svg"
INK = "#000000"  # text on white and on every fill: all four fills pass contrast with black
MUTED = "#555555"  # secondary text on white (7:1)
GRID = "#CCCCCC"
OUTLINE = "#333333"  # pale fills (yellow, grey) need an outline to stand out from white


PALETTE = colours.PALETTE  # the same fills as the badges, the PDFs and the Excel files

# Icon shapes, stroked in a 16×16 box around a filled disc centred at (8, 8).
# Noto Sans is the font the PDF reports embed (static/fonts/noto-sans), so chart text in
# a report is set in it too; a browser without it uses its own sans-serif.
FONT_FAMILY = "'Noto Sans', sans-serif"

ICON_PATHS: dict[str, str] = {
    "green": "M4.5 8.5 L7 11 L11.5 5.5",  # check mark
    "yellow": "M8 3.8 V9.2 M8 11.6 V12.2",  # exclamation mark (the dot is a short round-capped stroke)
    "red": "M5 5 L11 11 M11 5 L5 11",  # cross
    "none": "M4.5 8 H11.5",  # dash
}

# Shown in the legends, in this order: good to bad, then "no data".
_ORDER = ("green", "yellow", "red", "none")


def _palette(colour: str) -> colours.Swatch:
    return colours.swatch(colour)


def colour_label(colour: str) -> str:
    return str(Colour(colour).label)


def percent_text(rate: Decimal | float | int | None) -> str:
    """'82,5%' in Vietnamese, '82.5%' in English, '100%' (no trailing ',0'), '—' for None."""
    if rate is None:
        return "—"
    # Django's number_format truncates extra digits; round half up first so 82.46 -> 82.5.
    value = Decimal(str(rate)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    text = number_format(value, decimal_pos=1)
    zero_tail = f"{get_format('DECIMAL_SEPARATOR')}0"
    if text.endswith(zero_tail):
        text = text[: -len(zero_tail)]
    return f"{text}%"


def _count_text(count: int) -> str:
    return number_format(count, force_grouping=True)


def _n(value: float) -> str:
    """A coordinate: one decimal at most, always with a dot whatever the language."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def icon(colour: str, x: float, y: float, size: float) -> str:
    """The state icon: a disc of the colour's fill with its shape stroked in black.
    (x, y) is the top-left corner of the size×size box."""
    spec = _palette(colour)
    return (
        f'<g transform="translate({_n(x)} {_n(y)}) scale({size / 16:.4g})">'
        f'<circle cx="8" cy="8" r="7.25" fill="{spec.fill}" stroke="{INK}" stroke-width="1"/>'
        f'<path d="{ICON_PATHS[colour]}" fill="none" stroke="{spec.text}" stroke-width="2"'
        ' stroke-linecap="round" stroke-linejoin="round"/></g>'
    )


def _text(x: float, y: float, content: str, *, size: int = 12, anchor: str = "start", **attrs: str) -> str:
    """A text element; ``content`` is escaped here, so callers pass raw strings."""
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-family="{FONT_FAMILY}" font-size="{size}" '
        f'text-anchor="{anchor}" fill="{INK}"{extra}>{escape(content)}</text>'
    )


def _chart_id(chart_id: str | None) -> str:
    return escape(chart_id) if chart_id else f"chart-{uuid.uuid4().hex[:8]}"


def _svg(
    cid: str,
    width: float,
    height: float,
    title: str,
    body: Iterable[str],
    *,
    desc: str | None = None,
    role: str = "img",
) -> SafeString:
    # Drawn at its own size; the page's stylesheet lets it shrink to a narrower column
    # (max-width:100%; height:auto in app.css and the PDF's). No style attribute: the
    # Content-Security-Policy refuses inline styles in pages.
    described = f' aria-describedby="{cid}-desc"' if desc else ""
    head = (
        f'<svg xmlns="{SVG_NS}" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'width="{_n(width)}" height="{_n(height)}" role="{role}" '
        f'aria-labelledby="{cid}-title"{described} font-family="{FONT_FAMILY}">'
        f'<title id="{cid}-title">{escape(title)}</title>'
    )
    desc_el = f'<desc id="{cid}-desc">{escape(desc)}</desc>' if desc else ""
    return mark_safe(head + desc_el + "".join(body) + "</svg>")  # every piece escaped above


def _no_data(cid: str, title: str, width: int) -> SafeString:
    message = _("No data yet")
    return _svg(
        cid, width, 48, title, [_text(width / 2, 29, message, size=14, anchor="middle")], desc=message
    )


# --- Trend -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    on_date: datetime.date
    rate: Decimal | None  # 0..100, None = no counted tasks that day
    colour: str  # green/yellow/red/none


@dataclass(frozen=True)
class BandZone:  # a colour band of the policy, rate in [lower, upper)
    colour: str
    lower: Decimal
    upper: Decimal


def _clamp_rate(rate: Decimal | float) -> float:
    return min(100.0, max(0.0, float(rate)))


def trend_chart(
    points: Sequence[TrendPoint],
    *,
    bands: Sequence[BandZone],
    title: str,
    chart_id: str | None = None,
    width: int = 640,
    height: int = 220,
) -> SafeString:
    cid = _chart_id(chart_id)
    if all(p.rate is None for p in points):  # also true when there are no points
        return _no_data(cid, title, width)

    left, right, top, bottom = 48, 56, 12, 30  # right margin leaves room for the last value
    x0, x1, y0, y1 = left, width - right, top, height - bottom
    n = len(points)
    pad = 10  # keep the first and last icons inside the plot
    spacing = (x1 - x0 - 2 * pad) / (n - 1) if n > 1 else 0.0

    def x_at(i: int) -> float:
        return (x0 + x1) / 2 if n == 1 else x0 + pad + i * spacing

    def y_at(rate: Decimal | float) -> float:
        return y1 - _clamp_rate(rate) / 100 * (y1 - y0)

    body: list[str] = []
    for band in bands:
        top_y, bottom_y = y_at(band.upper), y_at(band.lower)
        if bottom_y > top_y:
            body.append(
                f'<rect x="{x0}" y="{_n(top_y)}" width="{x1 - x0}" height="{_n(bottom_y - top_y)}" '
                f'fill="{_palette(band.colour).fill}" fill-opacity="0.2"/>'
            )

    # Gridlines at 0, 50, 100 and every band limit; a label is skipped when it would touch
    # one already placed, with the fixed ends and the policy's limits placed first.
    limits = [float(v) for b in bands for v in (b.lower, b.upper) if 0 <= v <= 100]
    placed: list[float] = []
    for value in dict.fromkeys([0.0, 100.0, *limits, 50.0]):
        y = y_at(value)
        body.append(f'<line x1="{x0}" y1="{_n(y)}" x2="{x1}" y2="{_n(y)}" stroke="{GRID}" stroke-width="1"/>')
        if all(abs(y - other) >= 12 for other in placed):
            placed.append(y)
            body.append(_text(x0 - 6, y + 4, percent_text(value), size=12, anchor="end"))
    body.append(f'<line x1="{x0}" y1="{y1}" x2="{x1}" y2="{y1}" stroke="{OUTLINE}" stroke-width="1"/>')

    # Date labels: one per 60 px of plot at most (8 on a wide chart, 4 on a phone's), counted
    # back from the latest date so it is always shown.
    step = math.ceil(n / max(2, (x1 - x0) // 60))
    for i, point in enumerate(points):
        if (n - 1 - i) % step == 0:
            body.append(_text(x_at(i), y1 + 18, point.on_date.strftime("%d/%m"), size=12, anchor="middle"))

    # The line: one polyline per run of consecutive days with a rate; None leaves a gap.
    runs: list[list[str]] = [[]]
    for i, point in enumerate(points):
        if point.rate is None:
            runs.append([])
        else:
            runs[-1].append(f"{_n(x_at(i))},{_n(y_at(point.rate))}")
    for run in runs:
        if len(run) > 1:
            body.append(
                f'<polyline points="{" ".join(run)}" fill="none" stroke="{OUTLINE}" stroke-width="2" '
                'stroke-linejoin="round"/>'
            )

    size = max(6.0, min(12.0, spacing or 12.0))  # shrink icons when points crowd together
    for i, point in enumerate(points):
        if point.rate is not None:
            body.append(icon(point.colour, x_at(i) - size / 2, y_at(point.rate) - size / 2, size))
    last_index, last_rate = next(
        (i, p.rate) for i, p in reversed(list(enumerate(points))) if p.rate is not None
    )
    label_y = min(max(y_at(last_rate) + 4, y0 + 10), y1)
    body.append(_text(x_at(last_index) + size / 2 + 4, label_y, percent_text(last_rate), font_weight="bold"))

    first, final = points[0], points[-1]
    desc = _("From %(first_date)s (%(first_value)s) to %(last_date)s (%(last_value)s).") % {
        "first_date": first.on_date.strftime("%d/%m/%Y"),
        "first_value": percent_text(first.rate),
        "last_date": final.on_date.strftime("%d/%m/%Y"),
        "last_value": percent_text(final.rate),
    }
    return _svg(cid, width, height, title, body, desc=desc)


# --- Bars --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BarItem:
    label: str  # already translated, e.g. "Quá hạn"
    count: int
    colour: str  # green/yellow/red/none -> fill + icon


def state_bars(
    items: Sequence[BarItem], *, title: str, chart_id: str | None = None, width: int = 640
) -> SafeString:
    cid = _chart_id(chart_id)
    if not items:
        return _no_data(cid, title, width)
    # Each row is the icon and label on one line and the bar under it, so long Vietnamese
    # labels get the full width instead of squeezing the bars.
    row, pad, count_room = 44, 8, 64
    bar_max = width - 2 * pad - count_room
    biggest = max(max(item.count, 0) for item in items)
    max_chars = int((width - 2 * pad - 20) / 7)  # ~7px per character at 13px
    body: list[str] = []
    for i, item in enumerate(items):
        top = pad + i * row
        label = item.label if len(item.label) <= max_chars else item.label[: max_chars - 1] + "…"
        length = bar_max * max(item.count, 0) / biggest if biggest else 0.0
        body.append("<g>")
        if label != item.label:  # the full text stays available as a tooltip
            body.append(f"<title>{escape(item.label)}</title>")
        body.append(icon(item.colour, pad, top, 14))
        body.append(_text(pad + 20, top + 12, label, size=13))
        body.append(
            f'<rect x="{pad}" y="{top + 18}" width="{_n(length)}" height="16" '
            f'fill="{_palette(item.colour).fill}" stroke="{OUTLINE}" stroke-width="0.5"/>'
        )
        body.append(_text(pad + length + 6, top + 31, _count_text(item.count), size=12, font_weight="bold"))
        body.append("</g>")
    desc = "; ".join(f"{item.label}: {_count_text(item.count)}" for item in items)
    return _svg(cid, width, 2 * pad + len(items) * row - 6, title, body, desc=desc)


def colour_share_bar(
    counts: Mapping[str, int], *, title: str, chart_id: str | None = None, width: int = 640
) -> SafeString:
    cid = _chart_id(chart_id)
    for key in counts:
        _palette(key)  # reject typos rather than drop a colour silently
    # Worst first, so the eye lands on red.
    present = [(c, counts[c]) for c in ("red", "yellow", "green", "none") if counts.get(c, 0) > 0]
    total = sum(count for _c, count in present)
    if not total:
        return _no_data(cid, title, width)
    pad, bar_h = 8, 28
    bar_w = width - 2 * pad
    body: list[str] = []
    seen = 0
    for colour, count in present:
        # Edges from the running total, so the segments add up to the bar exactly.
        start = round(pad + bar_w * seen / total, 1)
        seen += count
        end = round(pad + bar_w * seen / total, 1)
        body.append(
            f'<rect x="{_n(start)}" y="{pad}" width="{_n(end - start)}" height="{bar_h}" '
            f'fill="{_palette(colour).fill}" stroke="{OUTLINE}" stroke-width="0.5"/>'
        )
        if end - start >= 22:  # room for the shape inside the segment too
            body.append(icon(colour, (start + end) / 2 - 8, pad + bar_h / 2 - 8, 16))
    legend: list[str] = []
    for i, (colour, count) in enumerate(present):
        text = f"{colour_label(colour)}: {_count_text(count)} ({percent_text(Decimal(count) * 100 / total)})"
        legend.append(text)
        top = pad + bar_h + 12 + i * 22
        body.append(icon(colour, pad, top, 14))
        body.append(_text(pad + 20, top + 12, text, size=13))
    height = pad + bar_h + 12 + len(present) * 22 + pad
    return _svg(cid, width, height, title, body, desc="; ".join(legend))


# --- Province tile map -------------------------------------------------------------------


@dataclass(frozen=True)
class MapTile:
    code: str  # province code, e.g. "40"
    name: str  # "Nghệ An"
    colour: str  # green/yellow/red/none
    value_text: str  # what to print small on the tile, e.g. "72%" (caller formats)
    href: str | None  # link to that province's dashboard, or None
    description: str  # accessible text, e.g. "Nghệ An: vàng, 72% xã xanh, hạng 5/34"


# The 34 provinces of the 2025 two-level structure: code -> (column, row, short label),
# roughly as they lie on the map from north to south.
PROVINCE_GRID: dict[str, tuple[int, int, str]] = {
    "12": (1, 0, "LCh"),  # Lai Châu
    "15": (2, 0, "LCa"),  # Lào Cai
    "08": (3, 0, "TQ"),  # Tuyên Quang
    "04": (4, 0, "CB"),  # Cao Bằng
    "11": (0, 1, "ĐB"),  # Điện Biên
    "14": (1, 1, "SL"),  # Sơn La
    "25": (2, 1, "PT"),  # Phú Thọ
    "19": (3, 1, "TN"),  # Thái Nguyên
    "20": (4, 1, "LS"),  # Lạng Sơn
    "01": (2, 2, "HN"),  # Hà Nội
    "24": (3, 2, "BN"),  # Bắc Ninh
    "22": (4, 2, "QN"),  # Quảng Ninh
    "37": (2, 3, "NB"),  # Ninh Bình
    "33": (3, 3, "HY"),  # Hưng Yên
    "31": (4, 3, "HP"),  # Hải Phòng
    "38": (2, 4, "TH"),  # Thanh Hóa
    "40": (2, 5, "NA"),  # Nghệ An
    "42": (3, 6, "HT"),  # Hà Tĩnh
    "44": (3, 7, "QT"),  # Quảng Trị
    "46": (4, 8, "Huế"),  # Huế
    "48": (4, 9, "ĐN"),  # Đà Nẵng
    "51": (4, 10, "QNg"),  # Quảng Ngãi
    "52": (4, 11, "GL"),  # Gia Lai
    "66": (4, 12, "ĐL"),  # Đắk Lắk
    "68": (3, 13, "LĐ"),  # Lâm Đồng
    "56": (4, 13, "KH"),  # Khánh Hòa
    "80": (1, 14, "TNi"),  # Tây Ninh
    "75": (2, 14, "ĐNa"),  # Đồng Nai
    "91": (0, 15, "AG"),  # An Giang
    "82": (1, 15, "ĐT"),  # Đồng Tháp
    "79": (2, 15, "HCM"),  # TP Hồ Chí Minh
    "92": (1, 16, "CT"),  # Cần Thơ
    "86": (2, 16, "VL"),  # Vĩnh Long
    "96": (1, 17, "CM"),  # Cà Mau
}
GRID_COLUMNS, GRID_ROWS = 6, 18


def map_key(tiles: Iterable[MapTile]) -> list[tuple[str, str]]:
    """(abbreviation, full name) of each province on the map, north to south: the legend
    that spells out "LCh", "ĐNa" or "TNi" (each tile also names it on hover)."""
    placed = {tile.code: tile.name for tile in tiles if tile.code in PROVINCE_GRID}
    in_grid_order = sorted(placed, key=lambda code: (PROVINCE_GRID[code][1], PROVINCE_GRID[code][0]))
    return [(PROVINCE_GRID[code][2], placed[code]) for code in in_grid_order]


def _tile(tile: MapTile, col: int, row: float, label: str, cell: int, pad: int) -> str:
    x, y, side = pad + col * cell + 1.5, pad + row * cell + 1.5, cell - 3
    icon_size = round(cell * 0.25)
    parts = [
        f"<title>{escape(tile.description)}</title>",
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{side}" height="{side}" rx="4" '
        f'fill="{_palette(tile.colour).fill}" stroke="{OUTLINE}" stroke-width="0.5"/>',
        icon(tile.colour, x + side - icon_size - 2, y + 2, icon_size),
        _text(x + side / 2, y + side * 0.58, label, size=12, anchor="middle", font_weight="bold"),
        _text(x + side / 2, y + side * 0.86, tile.value_text, size=12, anchor="middle"),
    ]
    name = escape(tile.description)
    if tile.href:
        return f'<a href="{escape(tile.href)}" aria-label="{name}">{"".join(parts)}</a>'
    # Without a link the tile is still announced on its own inside the role="group" svg.
    return f'<g role="img" aria-label="{name}">{"".join(parts)}</g>'


def tile_map(
    tiles: Sequence[MapTile], *, title: str, chart_id: str | None = None, cell: int = 44
) -> SafeString:
    cid = _chart_id(chart_id)
    pad = 4
    body: list[str] = []
    used: set[str] = set()
    extras: list[MapTile] = []
    for tile in tiles:
        if tile.code in PROVINCE_GRID and tile.code not in used:
            used.add(tile.code)
            col, row, label = PROVINCE_GRID[tile.code]
            body.append(_tile(tile, col, row, label, cell, pad))
        else:
            extras.append(tile)  # unknown code or a duplicate: shown below, never dropped
    # Extra rows start after a blank half row so they do not read as part of the country.
    extra_top = GRID_ROWS + 0.5 if extras else GRID_ROWS
    for i, tile in enumerate(extras):
        row, col = divmod(i, GRID_COLUMNS)
        body.append(_tile(tile, col, extra_top + row, tile.code, cell, pad))
    rows = extra_top + math.ceil(len(extras) / GRID_COLUMNS)

    width = GRID_COLUMNS * cell + 2 * pad
    legend_top = pad + rows * cell + 8
    for i, colour in enumerate(_ORDER):
        top = legend_top + i * 20
        body.append(icon(colour, pad, top, 14))
        body.append(_text(pad + 20, top + 12, colour_label(colour), size=12))
    height = legend_top + len(_ORDER) * 20 + pad

    tally = {c: sum(1 for t in tiles if t.colour == c) for c in _ORDER}
    desc = "; ".join(f"{colour_label(c)}: {_count_text(n)}" for c, n in tally.items() if n)
    return _svg(cid, width, height, title, body, desc=desc or None, role="group")


# --- Sparkline ---------------------------------------------------------------------------


class TrendPeriod(Protocol):
    """One period of an indicator's trend, as the boards (TrendValue) and the indicator
    pages (SparkPoint) hold it."""

    @property
    def label(self) -> str: ...  # the period, e.g. "Tháng 11/2026"

    @property
    def value(self) -> Decimal | None: ...  # None: no value counted in that period (a gap)

    @property
    def milestone(self) -> Decimal | None: ...

    @property
    def progress(self) -> Decimal | None: ...

    @property
    def colour(self) -> str: ...  # green/yellow/red/none


@dataclass(frozen=True)
class SparkPoint:
    label: str
    value: Decimal | None
    milestone: Decimal | None
    progress: Decimal | None
    colour: str


def _spark_words(point: TrendPeriod, value_type: str, unit_of_measure: str) -> str:
    """ "Tháng 11/2026: 74,57% (Vàng, tiến độ 79,70%)"."""
    value_text = words.with_unit(words.indicator_number(point.value, value_type), value_type, unit_of_measure)
    colour = words.colour_label(point.colour)
    if point.progress is not None:
        state = _("%(colour)s, progress %(progress)s") % {
            "colour": colour,
            "progress": words.percent_2(point.progress),
        }
    else:
        state = colour
    return f"{point.label}: {value_text} ({state})"


def sparkline(
    points: Sequence[TrendPeriod],
    *,
    code: str,
    value_type: str,
    unit_of_measure: str = "",
    chart_id: str | None = None,
    width: int = 112,
    height: int = 30,
) -> SafeString:
    """An indicator's trend in a table cell (a board's section, a unit's indicator list):
    its values over the last periods, oldest first, as a line, the milestones as a dashed
    line, the latest value marked with its colour's icon. No axis: the description says
    every value, with its period, colour and progress, for a screen reader and for
    whoever hovers."""
    cid = _chart_id(chart_id)
    title = _("%(code)s: the value over the last %(n)s periods") % {"code": code, "n": len(points)}
    desc = "; ".join(_spark_words(p, value_type, unit_of_measure) for p in points) or _("No data yet")
    numbers = [float(v) for p in points for v in (p.value, p.milestone) if v is not None]
    if not numbers:
        return _svg(cid, width, height, title, [], desc=desc)
    low, high = min(numbers), max(numbers)
    span = high - low or 1.0
    icon_size = 10.0
    pad = icon_size / 2 + 1  # the latest value's icon stays inside the box
    x0, x1 = 3.0, width - pad
    y0, y1 = pad, height - pad
    n = len(points)

    def x_at(i: int) -> float:
        return (x0 + x1) / 2 if n == 1 else x0 + i * (x1 - x0) / (n - 1)

    def y_at(value: Decimal) -> float:
        return y1 - (float(value) - low) / span * (y1 - y0)

    body: list[str] = []
    for dashed in (True, False):  # the milestones, then the values over them
        runs: list[list[str]] = [[]]
        for i, point in enumerate(points):
            value = point.milestone if dashed else point.value
            if value is None:
                runs.append([])
            else:
                runs[-1].append(f"{_n(x_at(i))},{_n(y_at(value))}")
        for run in runs:
            if len(run) > 1:
                dash = ' stroke-dasharray="3 2"' if dashed else ""
                stroke, weight = (MUTED, 1) if dashed else (INK, 1.5)
                body.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{stroke}" '
                    f'stroke-width="{weight}"{dash} stroke-linejoin="round"/>'
                )
    last = points[-1]
    if last.value is not None:
        x, y = x_at(n - 1), y_at(last.value)
        body.append(icon(last.colour, x - icon_size / 2, y - icon_size / 2, icon_size))
    return _svg(cid, width, height, title, body, desc=desc)
