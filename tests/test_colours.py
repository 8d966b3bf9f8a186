"""The one palette (tasks_app.colours): safe and readable, and the very same values in the
pages' CSS, the SVG charts and map, the PDF reports and the Excel files."""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.conf import settings

from reports.boards import charts
from reports.templatetags.report_pdf import pdf_palette_css
from tasks_app.colours import PALETTE, css_variables, excel_rgb

APP_CSS = Path(settings.BASE_DIR) / "static" / "css" / "app.css"
HEX = re.compile(r"#[0-9a-fA-F]{6}\b")


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_fills_are_okabe_ito_and_every_text_meets_wcag_aa():
    # Okabe–Ito's bluish green, yellow and vermillion.
    okabe_ito = {"green": "#009E73", "yellow": "#F0E442", "red": "#D55E00"}
    assert {name: PALETTE[name].fill for name in okabe_ito} == okabe_ito
    for name, swatch in PALETTE.items():
        assert contrast(swatch.text, swatch.fill) >= 4.5, name  # badges, chips, map tiles
        assert contrast(swatch.ink, "#FFFFFF") >= 4.5, name  # error text, edges on white
        assert contrast(swatch.ink, swatch.tint) >= 4.5, name  # text on the summary card
    assert len({s.fill for s in PALETTE.values()}) == 4


def css_root_variables(css: str) -> dict[str, str]:
    root = re.search(r":root\s*\{(.*?)\}", css, re.S).group(1)
    return {name: value.strip() for name, value in re.findall(r"--([\w-]+)\s*:\s*([^;]+);", root)}


def test_the_stylesheet_declares_exactly_the_palette():
    declared = css_root_variables(APP_CSS.read_text())
    expected = css_root_variables(":root {" + css_variables() + "}")
    states = {k: v for k, v in declared.items() if k.split("-")[0] in PALETTE}
    assert states == expected, "copy tasks_app.colours.css_variables() into app.css's :root"
    for name, swatch in PALETTE.items():
        assert declared[f"{name}-fill"] == swatch.fill and declared[f"{name}-bg"] == swatch.tint


def test_badges_and_chips_use_the_fill_and_no_state_colour_is_written_twice():
    css = APP_CSS.read_text()
    badge = re.search(r"\.chip, \.badge \{([^}]*)\}", css).group(1)
    assert "background: var(--fillc" in badge and "color: var(--textc" in badge
    for name in PALETTE:
        rule = re.search(rf"^\.{name} \{{([^}}]*)\}}", css, re.M).group(1)
        assert f"--fillc: var(--{name}-fill)" in rule and f"--bgc: var(--{name}-bg)" in rule
    # Outside :root the stylesheet names no hex colour that could drift from the palette.
    body = re.sub(r":root\s*\{.*?\}", "", css, count=1, flags=re.S)
    palette_values = {v.upper() for s in PALETTE.values() for v in (s.fill, s.tint, s.ink)}
    assert not {h.upper() for h in HEX.findall(body)} & palette_values


def test_charts_and_the_map_draw_the_palettes_fills():
    svg = charts.colour_share_bar({"red": 1, "yellow": 1, "green": 1, "none": 1}, title="t")
    rects = ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}rect")
    assert [r.get("fill") for r in rects] == [PALETTE[c].fill for c in ("red", "yellow", "green", "none")]
    assert charts.PALETTE is PALETTE


def test_the_pdf_colours_its_badges_and_cells_with_the_palette():
    css = str(pdf_palette_css())
    for name, swatch in PALETTE.items():
        rule = re.search(rf"\.badge\.{name}[^{{]*\{{([^}}]*)\}}", css).group(1)
        assert f"background: {swatch.fill}" in rule and f"color: {swatch.text}" in rule
        assert f".colour.{name}" in css and f".c-colour.{name}" in css
    pdf_templates = Path(settings.BASE_DIR) / "templates" / "reports" / "pdf"
    for template in pdf_templates.glob("*.html"):
        text = template.read_text()
        for selector in re.findall(r"[^{}]*\.(?:green|yellow|red|none)\b[^{}]*\{[^}]*background", text):
            pytest.fail(f"{template.name} sets a state colour of its own: {selector.strip()}")


def test_excel_rgb():
    assert excel_rgb("#D55E00") == "FFD55E00"
