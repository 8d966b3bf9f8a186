import datetime
import itertools
import json
import logging
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
import vietnam_provinces
from django.utils import translation

from reports.boards.charts import (
    ICON_PATHS,
    PALETTE,
    PROVINCE_GRID,
    BandZone,
    BarItem,
    MapTile,
    TrendPoint,
    colour_label,
    colour_share_bar,
    icon,
    map_key,
    percent_text,
    state_bars,
    tile_map,
    trend_chart,
)

NS = "{http://www.w3.org/2000/svg}"
DAY = datetime.date(2025, 3, 1)
BANDS = [
    BandZone("red", Decimal(0), Decimal(50)),
    BandZone("yellow", Decimal(50), Decimal(80)),
    BandZone("green", Decimal(80), Decimal(100)),
]


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{NS}text")]


def points(rates, colour="yellow") -> list[TrendPoint]:
    return [
        TrendPoint(DAY + datetime.timedelta(days=i), None if r is None else Decimal(str(r)), colour)
        for i, r in enumerate(rates)
    ]


def polylines(root: ET.Element) -> list[list[tuple[float, float]]]:
    return [
        [tuple(map(float, pair.split(","))) for pair in line.get("points").split()]
        for line in root.iter(f"{NS}polyline")
    ]


def tile(code, colour="green", href=None, description=None) -> MapTile:
    return MapTile(code, f"Province {code}", colour, "72%", href, description or f"Province {code}: {colour}")


def map_tiles(root: ET.Element) -> list[ET.Element]:
    return [el for el in root.iter() if el.tag == f"{NS}a" or el.get("role") == "img"]


ALL_CHARTS = {
    "trend": lambda: trend_chart(points([40, 60, 82.5]), bands=BANDS, title="Tỉ lệ"),
    "trend-empty": lambda: trend_chart([], bands=BANDS, title="Tỉ lệ"),
    "bars": lambda: state_bars([BarItem("Quá hạn", 3, "red")], title="Trạng thái"),
    "bars-empty": lambda: state_bars([], title="Trạng thái"),
    "share": lambda: colour_share_bar({"red": 1, "green": 2}, title="Màu"),
    "share-empty": lambda: colour_share_bar({"red": 0}, title="Màu"),
    "map": lambda: tile_map([tile("40")], title="Bản đồ"),
}


@pytest.mark.parametrize("make", ALL_CHARTS.values(), ids=ALL_CHARTS.keys())
def test_every_chart_is_one_accessible_self_contained_svg(make):
    with translation.override("vi"):
        svg = make()
    root = parse(svg)
    # Drawn at its own size; the page's stylesheet shrinks it. No style attribute: the
    # Content-Security-Policy refuses inline styles.
    view_box = root.get("viewBox").split()
    assert [root.get("width"), root.get("height")] == view_box[2:]
    assert root.get("style") is None and "style=" not in svg
    # Numbers in geometry never take the Vietnamese decimal comma.
    assert [float(v) for v in root.get("viewBox").split()][:2] == [0, 0]
    assert root.get("role") in {"img", "group"}
    first = root[0]
    assert first.tag == f"{NS}title" and first.get("id") == root.get("aria-labelledby")
    assert "foreignObject" not in svg and "class=" not in svg and "url(" not in svg


def test_titles_are_escaped_and_ids_unique_unless_given():
    a, b = trend_chart([], bands=[], title="<b>&"), trend_chart([], bands=[], title="x")
    assert parse(a)[0].text == "<b>&"
    assert parse(a).get("aria-labelledby") != parse(b).get("aria-labelledby")
    given = parse(state_bars([BarItem("x", 1, "red")], title="t", chart_id="overdue"))
    assert given.get("aria-labelledby") == "overdue-title"


@pytest.mark.parametrize(
    ("rate", "vi", "en"),
    [
        (Decimal("82.5"), "82,5%", "82.5%"),
        (Decimal("82.46"), "82,5%", "82.5%"),  # rounded, not truncated as number_format does
        (Decimal("100"), "100%", "100%"),
        (Decimal("99.96"), "100%", "100%"),
        (0, "0%", "0%"),
        (None, "—", "—"),
    ],
)
def test_percent_text(rate, vi, en):
    with translation.override("vi"):
        assert percent_text(rate) == vi
    with translation.override("en"):
        assert percent_text(rate) == en


def test_trend_draws_a_higher_rate_higher():
    (line,) = polylines(parse(trend_chart(points([50, 100]), bands=BANDS, title="t")))
    (x50, y50), (x100, y100) = line
    assert x100 > x50 and y100 < y50


def test_trend_missing_rate_breaks_the_line():
    lines = polylines(parse(trend_chart(points([50, 60, None, 70, 80]), bands=BANDS, title="t")))
    assert [len(line) for line in lines] == [2, 2]
    assert lines[0][-1][0] < lines[1][0][0]


def test_trend_geometry_stays_numeric_in_vietnamese():
    with translation.override("vi"):
        root = parse(trend_chart(points([12.34, 56.78]), bands=BANDS, title="t"))
    assert len(polylines(root)[0]) == 2  # float() would have failed on "12,3"


def test_trend_labels_dates_and_thins_them():
    root = parse(trend_chart(points([50, 60, 70]), bands=BANDS, title="t"))
    assert {"01/03", "02/03", "03/03"} <= set(texts(root))
    long = texts(parse(trend_chart(points([50] * 60), bands=BANDS, title="t")))
    dates = [t for t in long if t.count("/") == 1]
    assert 4 <= len(dates) <= 8
    assert "29/04" in dates  # the latest day is always labelled


def test_trend_writes_the_last_value_and_band_limits():
    for lang, expected in (("vi", "82,5%"), ("en", "82.5%")):
        with translation.override(lang):
            labels = texts(parse(trend_chart(points([40, 60, 82.5]), bands=BANDS, title="t")))
        assert expected in labels
    assert {"0%", "50%", "80%", "100%"} <= set(labels)
    root = parse(trend_chart(points([40, None]), bands=BANDS, title="t"))
    assert "40%" in texts(root)  # the last day with a rate
    fills = {r.get("fill") for r in root.iter(f"{NS}rect")}
    assert {PALETTE[c].fill for c in ("red", "yellow", "green")} <= fills


def test_trend_marks_each_point_with_its_shape():
    root = parse(trend_chart(points([40, 90], colour="red"), bands=BANDS, title="t"))
    assert [p.get("d") for p in root.iter(f"{NS}path")] == [ICON_PATHS["red"]] * 2


def test_trend_description_names_first_and_last_day():
    with translation.override("en"):
        root = parse(trend_chart(points([40, 60, 82.5]), bands=BANDS, title="t"))
    desc = root.find(f"{NS}desc").text
    assert "01/03/2025" in desc and "03/03/2025" in desc and "40%" in desc and "82.5%" in desc


@pytest.mark.parametrize("rates", [[], [None, None]])
def test_trend_without_data(rates):
    with translation.override("en"):
        root = parse(trend_chart(points(rates), bands=BANDS, title="Rate"))
    assert texts(root) == ["No data yet"]
    assert root[0].text == "Rate"


def _bars(root: ET.Element) -> list[float]:
    return [float(r.get("width")) for r in root.iter(f"{NS}rect")]


def test_bars_are_proportional_and_zero_is_shown():
    items = [BarItem("A", 10, "green"), BarItem("B", 5, "yellow"), BarItem("C", 0, "red")]
    root = parse(state_bars(items, title="t"))
    ten, five, zero = _bars(root)
    assert ten == pytest.approx(2 * five) and zero == 0
    assert texts(root) == ["A", "10", "B", "5", "C", "0"]
    assert [p.get("d") for p in root.iter(f"{NS}path")] == [ICON_PATHS[c] for c in ("green", "yellow", "red")]


def test_bars_grow_with_rows_and_group_thousands():
    one = parse(state_bars([BarItem("A", 1, "red")], title="t"))
    three = parse(state_bars([BarItem("A", 1, "red")] * 3, title="t"))
    assert float(three.get("viewBox").split()[3]) > float(one.get("viewBox").split()[3])
    with translation.override("vi"):
        assert "12.345" in texts(parse(state_bars([BarItem("A", 12345, "red")], title="t")))
    with translation.override("en"):
        assert "12,345" in texts(parse(state_bars([BarItem("A", 12345, "red")], title="t")))


def test_bar_labels_are_escaped():
    svg = state_bars([BarItem("<script>alert(1)</script>", 1, "red")], title="t")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "<script>alert(1)</script>" in texts(parse(svg))


def test_bars_truncate_very_long_labels_but_keep_the_full_text():
    label = "Quá hạn " * 40
    root = parse(state_bars([BarItem(label, 1, "red")], title="t", width=320))
    assert texts(root)[0].endswith("…") and len(texts(root)[0]) < len(label)
    assert label in [t.text for t in root.iter(f"{NS}title")]


def test_bars_without_items():
    with translation.override("en"):
        assert texts(parse(state_bars([], title="t"))) == ["No data yet"]


def test_share_bar_segments_fill_the_bar_worst_first():
    root = parse(colour_share_bar({"green": 1, "yellow": 1, "red": 1, "none": 0}, title="t", width=300))
    rects = list(root.iter(f"{NS}rect"))
    assert [r.get("fill") for r in rects] == [PALETTE[c].fill for c in ("red", "yellow", "green")]
    assert sum(float(r.get("width")) for r in rects) == pytest.approx(300 - 2 * 8)
    assert float(rects[0].get("x")) == 8


def test_share_bar_legend():
    with translation.override("en"):
        labels = texts(parse(colour_share_bar({"green": 2, "red": 1, "yellow": 1}, title="t")))
    assert labels == ["Red: 1 (25%)", "Yellow: 1 (25%)", "Green: 2 (50%)"]
    with translation.override("vi"):
        labels = texts(parse(colour_share_bar({"green": 1, "red": 2}, title="t")))
    assert labels[1].endswith(": 1 (33,3%)") and labels[0].endswith(": 2 (66,7%)")


def test_share_bar_empty_and_unknown_colours():
    with translation.override("en"):
        assert texts(parse(colour_share_bar({"red": 0, "green": 0}, title="t"))) == ["No data yet"]
        assert texts(parse(colour_share_bar({}, title="t"))) == ["No data yet"]
    with pytest.raises(ValueError, match="blue"):
        colour_share_bar({"blue": 3}, title="t")


def test_grid_places_every_province_once():
    positions = [(col, row) for col, row, _label in PROVINCE_GRID.values()]
    assert len(PROVINCE_GRID) == 34 and len(set(positions)) == 34
    assert all(0 <= col < 6 and 0 <= row < 18 for col, row in positions)
    # The codes are those of the province list the units are loaded from.
    with open(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH, encoding="utf-8") as f:
        codes = {str(p["code"]).zfill(2) for p in json.load(f)}
    assert set(PROVINCE_GRID) == codes


def test_map_tiles_link_with_an_accessible_name():
    description = 'Nghệ An: vàng, 72% xã "xanh", hạng 5/34'
    root = parse(tile_map([tile("40", "yellow", "/p/40/?a=1&b=2", description)], title="t"))
    assert root.get("role") == "group"
    (link,) = root.iter(f"{NS}a")
    assert link.get("href") == "/p/40/?a=1&b=2"
    assert link.get("aria-label") == description
    assert link.find(f"{NS}title").text == description
    assert {"NA", "72%"} <= set(texts(link))


def test_map_tile_without_link_is_still_named():
    root = parse(tile_map([tile("01", "red")], title="t"))
    assert not list(root.iter(f"{NS}a"))
    (only,) = map_tiles(root)
    assert only.get("aria-label") == "Province 01: red"


def test_map_tiles_carry_their_shape_and_fill():
    colours = ["green", "yellow", "red", "none"]
    root = parse(
        tile_map(
            [tile(code, c, f"/{code}") for code, c in zip(["01", "40", "79", "96"], colours, strict=True)],
            title="t",
        )
    )
    for element, colour in zip(map_tiles(root), colours, strict=True):
        assert [p.get("d") for p in element.iter(f"{NS}path")] == [ICON_PATHS[colour]]
        assert PALETTE[colour].fill in {r.get("fill") for r in element.iter(f"{NS}rect")}


def test_map_keeps_unknown_and_duplicate_codes_below_the_grid():
    tiles = [tile(code) for code in PROVINCE_GRID] + [tile("99"), tile("40", description="again")]
    root = parse(tile_map(tiles, title="t", cell=40))
    drawn = map_tiles(root)
    assert len(drawn) == 36
    bottom_of_grid = 4 + 18 * 40

    def top(el):
        return float(el.find(f"{NS}rect").get("y"))

    assert all(top(el) < bottom_of_grid for el in drawn[:34])
    assert all(top(el) > bottom_of_grid for el in drawn[34:])
    assert "99" in texts(drawn[34])
    grid_tops = {(el.find(f"{NS}rect").get("x"), top(el)) for el in drawn}
    assert len(grid_tops) == 36  # no tile hides another


def test_map_legend_names_every_colour():
    with translation.override("en"):
        labels = texts(parse(tile_map([], title="t")))
    assert labels == ["Green", "Yellow", "Red", "No counted tasks"]


def test_palette_and_icons():
    assert set(PALETTE) == set(ICON_PATHS) == {"green", "yellow", "red", "none"}
    assert len({c.fill for c in PALETTE.values()}) == 4
    assert len(set(ICON_PATHS.values())) == 4
    for colour, spec in PALETTE.items():
        fragment = ET.fromstring(f'<svg xmlns="http://www.w3.org/2000/svg">{icon(colour, 3, 4, 12)}</svg>')
        assert fragment.find(f".//{NS}path").get("d") == ICON_PATHS[colour]
        assert fragment.find(f".//{NS}circle").get("fill") == spec.fill
    with pytest.raises(ValueError):
        icon("blue", 0, 0, 12)
    with translation.override("en"):
        assert colour_label("red") == "Red"


def test_charts_render_to_pdf_with_weasyprint(caplog):
    from weasyprint import HTML  # installed in the venv; an ImportError here is a real failure

    tiles = [tile(code, "yellow", f"/p/{code}/") for code in PROVINCE_GRID]
    with translation.override("vi"):
        charts = [
            trend_chart(points([40, None, 60, 82.5]), bands=BANDS, title="Tỉ lệ"),
            tile_map(tiles, title="Bản đồ"),
            state_bars([BarItem("Quá hạn", 3, "red")], title="t"),
            colour_share_bar({"red": 1}, title="t"),
        ]
    # The PDF's stylesheet (reports/pdf/base.html) lets a chart shrink to its column.
    style = "<style>body { width: 16cm } svg { max-width: 100%; height: auto; }</style>"
    html = f'<!doctype html><html lang="vi"><head>{style}</head><body>{"".join(charts)}</body></html>'
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        document = HTML(string=html).render()
        pdf = document.write_pdf()
    assert pdf.startswith(b"%PDF")
    assert not caplog.records, [r.getMessage() for r in caplog.records]
    # A PDF is produced even when an svg collapses to nothing (WeasyPrint does that with
    # width="100%" plus height:auto and no CSS width), so check the laid-out boxes too.
    boxes = [
        box
        for page in document.pages
        for box in page._page_box.descendants()
        if getattr(box, "element_tag", None) == f"{NS}svg"
    ]
    assert len(boxes) == len(charts)
    for box, svg in zip(boxes, charts, strict=True):
        *_origin, width, height = map(float, parse(svg).get("viewBox").split())
        # Full size, or shrunk to the 16cm body with the aspect ratio kept.
        assert box.width == pytest.approx(min(width, 16 / 2.54 * 96))
        assert box.height / box.width == pytest.approx(height / width)


def _smallest_text_on(svg: str, available: float) -> float:
    """The smallest text in px once the svg is laid out in `available` px (it never grows
    beyond its own width, and shrinks to fit)."""
    root = parse(svg)
    width = float(root.get("viewBox").split()[2])
    scale = min(1.0, available / width)
    return min(float(t.get("font-size")) for t in root.iter(f"{NS}text")) * scale


def test_the_boards_charts_keep_their_text_at_11px_on_a_phone_and_a_laptop():
    from reports.templatetags.dashboards import PHONE_WIDTH

    def drawn(width):
        return [
            trend_chart(points([40 + i for i in range(84)]), bands=BANDS, title="t", width=width),
            state_bars([BarItem("Chưa triển khai, còn trong hạn", 3, "green")], title="t", width=width),
            colour_share_bar({"red": 3, "green": 1, "none": 30}, title="t", width=width),
        ]

    for svg in drawn(PHONE_WIDTH):  # a 360 px phone leaves 336 px
        assert _smallest_text_on(svg, 336) >= 11
    for svg in drawn(640):  # the wide drawing is shown in a column of 600 px or more
        assert _smallest_text_on(svg, 600) >= 11
    tiles = [tile(code, "yellow", f"/p/{code}/") for code in PROVINCE_GRID]
    assert _smallest_text_on(tile_map(tiles, title="t"), 336) >= 11


def test_the_phone_trend_has_fewer_date_labels_that_do_not_touch():
    root = parse(trend_chart(points([50] * 84), bands=BANDS, title="t", width=340))
    dates = [t for t in root.iter(f"{NS}text") if "/" in (t.text or "")]
    xs = sorted(float(t.get("x")) for t in dates)
    assert 2 <= len(xs) <= 4
    assert min(b - a for a, b in itertools.pairwise(xs)) >= 45  # "dd/mm" at 12 px is ~33 px


def test_the_map_key_spells_out_each_abbreviation():
    tiles = [MapTile("12", "Lai Châu", "green", "", None, "Lai Châu"),
             MapTile("75", "Đồng Nai", "red", "", None, "Đồng Nai"),
             MapTile("80", "Tây Ninh", "red", "", None, "Tây Ninh"),
             MapTile("99", "Nowhere", "red", "", None, "Nowhere")]  # fmt: skip
    assert map_key(tiles) == [("LCh", "Lai Châu"), ("TNi", "Tây Ninh"), ("ĐNa", "Đồng Nai")]
