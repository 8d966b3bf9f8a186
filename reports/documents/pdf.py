"""A report's PDF, laid out by WeasyPrint from the report's content (content.py) and the
dashboards' SVG charts. The Excel workbook of the same tables is excel.py.

Reports are set in Noto Sans, shipped in static/fonts/noto-sans and embedded (subset) in
every PDF, so a reader's machine never substitutes a font without Vietnamese glyphs."""

import datetime
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from reports.documents.content import (
    COMMUNE_INDICATOR_ROWS,
    COMMUNE_REASON_ROWS,
    INDICATOR_ROWS,
    ReportContent,
)
from reports.models import ReportKind

FONT_DIR = Path(settings.BASE_DIR) / "static" / "fonts" / "noto-sans"
TEMPLATES: dict[str, str] = {  # keyed by `Report.kind`, a plain string
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
            # How many indicators each list shows (the Excel file has them all).
            "indicator_rows": f":{_indicator_rows(content.kind)}",
            # How much of each note the lists quote: a line or two on the one-page summary.
            "note_chars": 120 if content.kind == ReportKind.COMMUNE_SUMMARY else 200,
            "difficulty_chars": 120 if content.kind == ReportKind.COMMUNE_SUMMARY else 300,
        },
    )


def _indicator_rows(kind: str) -> int:
    return COMMUNE_INDICATOR_ROWS if kind == ReportKind.COMMUNE_SUMMARY else INDICATOR_ROWS


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
    only (pdf_fetcher.py), never a URL a text could name."""
    # Imported here: WeasyPrint loads Pango and fonts, which web requests never need.
    from weasyprint import HTML

    from reports.documents.pdf_fetcher import OwnFilesFetcher

    document = HTML(string=html, base_url=FONT_DIR.as_uri(), url_fetcher=OwnFilesFetcher()).render()
    return RenderedPdf(data=document.write_pdf(), pages=len(document.pages))
