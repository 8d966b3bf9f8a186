"""The one palette of the green / yellow / red / grey states, for every place that draws
them: the pages' CSS (static/css/app.css), the SVG charts and map (reports.boards.charts), the
PDF reports' CSS and the Excel fills (tasks_app.spreadsheets).

The fills are the Okabe–Ito colours (bluish green, yellow, vermillion), which readers with
any common colour-vision deficiency still tell apart, plus a neutral grey for "no counted
task". A state is never told by colour alone: icons and words go with it.

Each colour has four values, all checked for WCAG AA contrast in tests/test_colours.py:
- ``fill``: badges, chips, bars, map tiles, icons and the Excel/PDF colour cells;
- ``text``: text on the fill (black on all four);
- ``tint``: a pale version of the fill for large areas (a unit's summary card, messages);
- ``ink``: a dark shade of the same hue for text and edges on white or on the tint.

app.css cannot import Python, so its custom properties are a copy of ``css_variables()``,
kept equal by a test that reads the stylesheet.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Swatch:
    fill: str
    text: str
    tint: str
    ink: str


BLACK = "#000000"

PALETTE: dict[str, Swatch] = {
    "green": Swatch(fill="#009E73", text=BLACK, tint="#C7EAE0", ink="#005F45"),
    "yellow": Swatch(fill="#F0E442", text=BLACK, tint="#FCF9D5", ink="#6C671E"),
    "red": Swatch(fill="#D55E00", text=BLACK, tint="#F6DCC7", ink="#954200"),
    "none": Swatch(fill="#BBBBBB", text=BLACK, tint="#F0F0F0", ink="#555555"),
}


def swatch(colour: str) -> Swatch:
    try:
        return PALETTE[colour]
    except KeyError:
        raise ValueError(f"unknown colour {colour!r}; expected one of {sorted(PALETTE)}") from None


def css_variables() -> str:
    """The palette as CSS custom properties (--red-fill, --red-text, --red-bg, --red-ink),
    one line per colour, as they stand in app.css's :root and the PDF's stylesheet."""
    return "\n".join(
        f"  --{name}-fill: {s.fill}; --{name}-text: {s.text}; --{name}-bg: {s.tint}; --{name}-ink: {s.ink};"
        for name, s in PALETTE.items()
    )


def excel_rgb(hex_colour: str) -> str:
    """openpyxl's ARGB form of "#RRGGBB"."""
    return "FF" + hex_colour.lstrip("#").upper()
