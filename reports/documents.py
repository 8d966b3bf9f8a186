"""A report's files: the PDF (WeasyPrint, from the dashboards' selectors and SVG charts)
and the Excel workbook of the same tables (openpyxl).

Reports are set in Noto Sans, shipped in static/fonts/noto-sans and embedded (subset) in
every PDF, so a reader's machine never substitutes a font without Vietnamese glyphs."""

import datetime
import io
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from reports.models import ReportKind
from reports.selectors import ReportContent

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
            "font_dir": FONT_DIR.as_uri(),
        },
    )


def render_pdf(content: ReportContent, *, generated_at: datetime.datetime) -> RenderedPdf:
    # Imported here: WeasyPrint loads Pango and fonts, which web requests never need.
    from weasyprint import HTML

    html = report_html(content, generated_at=generated_at)
    document = HTML(string=html, base_url=FONT_DIR.as_uri()).render()
    return RenderedPdf(data=document.write_pdf(), pages=len(document.pages))


# --- Excel -------------------------------------------------------------------------------------


def report_workbook(content: ReportContent) -> bytes:
    """The report's tables in one workbook: key figures, the ranking, the bottlenecks and
    the week's notes, one sheet each, with numbers as numbers (rates as fractions shown
    as percentages) so they can be sorted and summed."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    bold = Font(bold=True)

    def sheet(title: str, header: list[str], rows: list[list], *, first: bool = False):
        ws = book.active if first else book.create_sheet()
        ws.title = title[:31]
        ws.append(header)
        for cell in ws[1]:
            cell.font = bold
        ws.freeze_panes = "A2"
        for row in rows:
            ws.append(row)
        for index, name in enumerate(header, start=1):
            longest = max([len(str(name)), *(len(str(r[index - 1] or "")) for r in rows[:200])])
            ws.column_dimensions[get_column_letter(index)].width = min(max(10, longest + 2), 60)
        return ws

    board, snapshot = content.board, content.board.snapshot
    figures = [
        [_("Unit"), content.unit.name],
        [_("Period"), content.week.label],
        [_("Figures as of"), content.on],
        [_("Colour"), snapshot.get_colour_display() if snapshot else _("No counted tasks")],
        [_("Rate"), _fraction(snapshot.rate if snapshot else None)],
        [_("Change since last week (points)"), float(board.change) if board.change is not None else None],
        [_("Rank"), snapshot.rank if snapshot else None],
        *([item.label, item.count] for item in board.states),
    ]
    ws = sheet(_("Key figures"), [_("Figure"), _("Value")], figures, first=True)
    ws["B5"].number_format = "0.0%"
    ws["B3"].number_format = "dd/mm/yyyy"

    if content.kind == ReportKind.NATIONAL_WEEKLY:
        header = [
            _("Rank"),
            _("Province"),
            _("Colour"),
            _("Greening rate"),
            _("Communes green"),
            _("Communes counted"),
            _("Overdue"),
            _("Behind"),
            _("Quiet communes"),
            _("Why"),
        ]
        rows = [
            [row.rank, row.unit.name, row.colour_label, _fraction(row.rate),
             row.snapshot.children_green if row.snapshot else None,
             row.snapshot.children_counted if row.snapshot else None,
             row.overdue, row.behind, content.quiet_by_province.get(row.unit.pk, 0), row.reason]
            for row in content.rows
        ]  # fmt: skip
        _percent_column(sheet(_("Provinces"), header, rows), "D")
    elif content.kind == ReportKind.PROVINCE_WEEKLY:
        header = [
            _("Rank"),
            _("Commune"),
            _("Colour"),
            _("Rate"),
            _("Overdue"),
            _("Behind"),
            _("Last update"),
            _("Quiet"),
            _("Why"),
        ]
        rows = [
            [row.rank, row.unit.name, row.colour_label, _fraction(row.rate), row.overdue, row.behind,
             timezone.localtime(row.last_update).replace(tzinfo=None) if row.last_update else None,
             _("yes") if row.silent else "", row.reason]
            for row in content.rows
        ]  # fmt: skip
        ws = sheet(_("Communes"), header, rows)
        _percent_column(ws, "D")
        for cell in ws["G"][1:]:
            cell.number_format = "dd/mm/yyyy hh:mm"

    found = content.bottlenecks
    if found is not None:
        header = [
            _("List"),
            _("Code"),
            _("Task"),
            _("Unit"),
            _("Key"),
            _("Deadline"),
            _("Progress (%)"),
            _("Days"),
        ]
        listed = [(_("Overdue"), t) for t in found.overdue] + [
            (_("Behind, due within 7 days"), t) for t in found.due_soon
        ]
        rows = [
            [
                heading,
                t.code,
                t.title,
                t.unit_name,
                _("yes") if t.is_key else "",
                t.deadline,
                t.progress,
                t.days,
            ]
            for heading, t in listed
        ]
        ws = sheet(_("Bottlenecks"), header, rows)
        for cell in ws["F"][1:]:
            cell.number_format = "dd/mm/yyyy"

    notes = content.notes
    header = [_("Heading"), _("Code"), _("Task"), _("Unit"), _("Date"), _("Text")]
    rows = [
        *([_("Highlights this week"), i.code, i.title, i.unit_name, i.day, i.text] for i in notes.completed),
        *(
            [_("Difficulties and obstacles"), i.code, i.title, i.unit_name, i.day, i.text]
            for i in notes.difficulties
        ),
        *([_("Tasks for next week"), i.code, i.title, i.unit_name, i.day, i.text] for i in notes.next_week),
    ]
    ws = sheet(_("This week"), header, rows)
    for cell in ws["E"][1:]:
        cell.number_format = "dd/mm/yyyy"

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _fraction(rate) -> float | None:
    return None if rate is None else float(rate) / 100


def _percent_column(ws, letter: str) -> None:
    for cell in ws[letter][1:]:
        cell.number_format = "0.0%"
