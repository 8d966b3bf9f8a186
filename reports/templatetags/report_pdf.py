"""Tags for the PDF reports: icons that need no font glyph, and the national tile map
without links (a PDF has no dashboard to link to)."""

import base64
from functools import cache

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from reports.boards import charts
from tasks_app import colours
from tasks_app.models import Colour

register = template.Library()


@cache
def _icon_uri(colour: str) -> str:
    # One data URI per colour: WeasyPrint decodes an image once per URI, however many
    # table rows show it.
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">{charts.icon(colour, 0, 0, 16)}</svg>'
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@register.simple_tag
def pdf_icon(colour: str) -> SafeString:
    colour = colour if colour in Colour.values else Colour.NONE.value
    return format_html('<img src="{}" alt="">', _icon_uri(colour))


@register.simple_tag
def pdf_palette_css() -> SafeString:
    """The colour cells and badges of a report, in the app's one palette (tasks_app.colours):
    the same fills as the charts, the map, the pages and the Excel file."""
    rules = [
        f".badge.{name}, .colour.{name}, .c-colour.{name} {{ background: {s.fill}; color: {s.text}; }}"
        for name, s in colours.PALETTE.items()
    ]
    return mark_safe("\n".join(rules))  # built from the palette's constants only


@register.simple_tag
def quiet_count(content, unit) -> int:
    return content.quiet_by_province.get(unit.pk, 0)


def _pdf_tiles(board) -> list[charts.MapTile]:
    return [
        charts.MapTile(
            code=row.unit.code,
            name=row.unit.name,
            colour=row.colour,
            value_text=charts.percent_text(row.snapshot.children_green_share if row.snapshot else None),
            href=None,
            description=row.unit.name,
        )
        for row in board.provinces
    ]


@register.simple_tag
def pdf_province_map(board) -> SafeString:
    return charts.tile_map(_pdf_tiles(board), title=_("Map of the provinces: share of communes green"))


@register.simple_tag
def pdf_map_key(board) -> SafeString:
    """The map's abbreviations spelled out, in two columns under it."""
    items = format_html_join("", "<div><span>{}</span>{}</div>", charts.map_key(_pdf_tiles(board)))
    return format_html('<div class="map-key">{}</div>', items)
