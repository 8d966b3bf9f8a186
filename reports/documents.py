"""A report's files: the PDF (WeasyPrint, from the dashboards' selectors and SVG charts)
and the Excel workbook of the same tables (openpyxl).

Reports are set in Noto Sans, shipped in static/fonts/noto-sans and embedded (subset) in
every PDF, so a reader's machine never substitutes a font without Vietnamese glyphs."""

import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from reports.models import ReportKind
from reports.selectors import COMMUNE_REASON_ROWS, ReportContent
from tasks_app import colours

FONT_DIR = Path(settings.BASE_DIR) / "static" / "fonts" / "noto-sans"
TEMPLATES = {
    ReportKind.NATIONAL_WEEKLY: "reports/pdf/national.html",
    ReportKind.PROVINCE_WEEKLY: "reports/pdf/province.html",
    ReportKind.COMMUNE_SUMMARY: "reports/pdf/commune.html",
}


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int


def report_html(content: ReportContent, *, generated_at: datetime.datetime) -> str:
    return render_to_string(
        TEMPLATES[content.kind],
        {
            "c": content,
            "board": content.board,
            "generated_at": timezone.localtime(generated_at),
            "issued": _issue_date(timezone.localdate(generated_at)),
            "font_dir": FONT_DIR.as_uri(),
            "reason_rows": f":{COMMUNE_REASON_ROWS}",  # the one-page commune summary's list
            # How much of each note the lists quote: a line or two on the one-page summary.
            "note_chars": 120 if content.kind == ReportKind.COMMUNE_SUMMARY else 200,
            "difficulty_chars": 120 if content.kind == ReportKind.COMMUNE_SUMMARY else 300,
        },
    )


def _issue_date(day: datetime.date) -> dict[str, str]:
    """Day, month and year as an administrative document writes its date (Decree
    30/2020/NĐ-CP): days below 10 and the months January and February with a leading
    zero ("ngày 05 tháng 02 năm 2026", "ngày 15 tháng 3 năm 2026")."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return {"day": f"{day.day:02d}", "month": month, "year": str(day.year)}


def render_pdf(content: ReportContent, *, generated_at: datetime.datetime) -> RenderedPdf:
    return pdf_from_html(report_html(content, generated_at=generated_at))


def pdf_from_html(html: str) -> RenderedPdf:
    """Every PDF goes through here: WeasyPrint may load the app's static files and media
    only (reports/pdf_files.py), never a URL a text could name."""
    # Imported here: WeasyPrint loads Pango and fonts, which web requests never need.
    from weasyprint import HTML

    from reports.pdf_files import OwnFilesFetcher

    document = HTML(string=html, base_url=FONT_DIR.as_uri(), url_fetcher=OwnFilesFetcher()).render()
    return RenderedPdf(data=document.write_pdf(), pages=len(document.pages))


# --- Excel -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cell:
    """A value with its number format or state colour, for the sheet writer."""

    value: object
    number_format: str | None = None
    colour: str | None = None  # green/yellow/red/none: filled with the palette's fill


PERCENT, DATE, DATETIME = "0.0%", "dd/mm/yyyy", "dd/mm/yyyy hh:mm"


def report_workbook(content: ReportContent) -> bytes:
    """The report's tables in one workbook: key figures, the ranking, the bottlenecks and
    the week's notes, one sheet each, with numbers as numbers (rates as fractions shown
    as percentages) so they can be sorted and summed.

    The lists are complete (the PDF shows the first ten of each): the workbook is written
    in openpyxl's write-only mode from rows streamed out of the database, so thousands of
    overdue tasks nationwide cost neither a long list in memory nor a workbook of cells."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    fills = {
        name: PatternFill("solid", start_color=colours.excel_rgb(s.fill), end_color=colours.excel_rgb(s.fill))
        for name, s in colours.PALETTE.items()
    }
    fonts = {name: Font(color=colours.excel_rgb(s.text)) for name, s in colours.PALETTE.items()}

    def sheet(title: str, columns: list[tuple[str, int]], rows: Iterable[list]) -> None:
        """`columns`: (header, width in characters). Widths are set up front: a
        write-only sheet cannot be measured after its rows are written."""
        ws = book.create_sheet(title[:31])
        for index, (_header, width) in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        ws.freeze_panes = "A2"
        header = []
        for name, _width in columns:
            cell = WriteOnlyCell(ws, value=name)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        for row in rows:
            ws.append([_excel_cell(ws, value, WriteOnlyCell, fills, fonts) for value in row])

    board, snapshot = content.board, content.board.snapshot
    colour = (snapshot.colour if snapshot else None) or "none"
    colour_word = snapshot.get_colour_display() if snapshot else _("No counted tasks")
    figures = [
        [_("Unit"), content.unit.name],
        [_("Period"), content.week.label],
        [_("Figures as of"), _Cell(content.on, DATE)],
        [_("Colour"), _Cell(colour_word, None, colour)],
        [_("Rate"), _Cell(_fraction(snapshot.rate if snapshot else None), PERCENT)],
        [_("Change since last week (points)"), float(board.change) if board.change is not None else None],
        [_("Rank"), snapshot.rank if snapshot else None],
        *([item.label, item.count] for item in board.states),
    ]
    sheet(_("Key figures"), [(_("Figure"), 34), (_("Value"), 40)], figures)

    if content.kind == ReportKind.NATIONAL_WEEKLY:
        columns = [
            (_("Rank"), 8),
            (_("Province"), 26),
            (_("Colour"), 24),
            (_("Greening rate"), 12),
            (_("Communes green"), 12),
            (_("Communes counted"), 12),
            (_("Overdue"), 10),
            (_("Behind"), 10),
            (_("Quiet communes"), 12),
            (_("Why"), 60),
        ]
        rows = (
            [row.rank, row.unit.name, _Cell(row.colour_label, None, row.colour),
             _Cell(_fraction(row.rate), PERCENT), row.snapshot.children_green if row.snapshot else None,
             row.snapshot.children_counted if row.snapshot else None,
             row.overdue, row.behind, content.quiet_by_province.get(row.unit.pk, 0), row.reason]
            for row in content.rows
        )  # fmt: skip
        sheet(_("Provinces"), columns, rows)
    elif content.kind == ReportKind.PROVINCE_WEEKLY:
        columns = [
            (_("Rank"), 8),
            (_("Commune"), 26),
            (_("Colour"), 24),
            (_("Rate"), 10),
            (_("Overdue"), 10),
            (_("Behind"), 10),
            (_("Last update"), 17),
            (_("Quiet"), 8),
            (_("Why"), 60),
        ]
        rows = (
            [row.rank, row.unit.name, _Cell(row.colour_label, None, row.colour),
             _Cell(_fraction(row.rate), PERCENT), row.overdue, row.behind,
             _Cell(timezone.localtime(row.last_update).replace(tzinfo=None), DATETIME)
             if row.last_update else None,
             _("yes") if row.silent else "", row.reason]
            for row in content.rows
        )  # fmt: skip
        sheet(_("Communes"), columns, rows)

    if content.bottlenecks is not None:
        overdue, due_soon = content.bottleneck_lists()
        listed = chain(
            ((_("Overdue"), t) for t in overdue),
            ((_("Behind, due within 7 days"), t) for t in due_soon),
        )
        columns = [
            (_("List"), 24),
            (_("Code"), 14),
            (_("Task"), 60),
            (_("Unit"), 26),
            (_("Key"), 8),
            (_("Deadline"), 12),
            (_("Progress (%)"), 12),
            (_("Days"), 8),
        ]
        rows = (
            [heading, t.code, t.title, t.unit_name, _("yes") if t.is_key else "", _Cell(t.deadline, DATE),
             t.progress, t.days]
            for heading, t in listed
        )  # fmt: skip
        sheet(_("Bottlenecks"), columns, rows)

    notes = content.note_lists()
    listed = chain(
        ((_("Highlights this week"), i) for i in notes.completed),
        ((_("Difficulties and obstacles"), i) for i in notes.difficulties),
        ((_("Tasks for next week"), i) for i in notes.next_week),
    )
    columns = [
        (_("Heading"), 24),
        (_("Code"), 14),
        (_("Task"), 50),
        (_("Unit"), 26),
        (_("Date"), 12),
        (_("Text"), 60),
    ]
    rows = ([heading, i.code, i.title, i.unit_name, _Cell(i.day, DATE), i.text] for heading, i in listed)
    sheet(_("This week"), columns, rows)

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _excel_cell(ws, value, cell_class, fills, fonts):
    if not isinstance(value, _Cell):
        return value
    cell = cell_class(ws, value=value.value)
    if value.number_format:
        cell.number_format = value.number_format
    if value.colour:
        cell.fill, cell.font = fills[value.colour], fonts[value.colour]
    return cell


def _fraction(rate) -> float | None:
    return None if rate is None else float(rate) / 100
