"""The one writer of spreadsheet cells and CSV rows. Every workbook and CSV file the app
gives people is written here, so user text can never become a live formula in a
leader's Excel (formula or "CSV" injection, issue 15).

The rule (OWASP, CSV Injection): text that begins with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return gets a single quote in front, so "=cmd|' /C calc'!A0" is stored as
the text "'=cmd|' /C calc'!A0". In a workbook the cell is also typed as a string
(openpyxl otherwise stores any text starting with "=" as a formula). Numbers, dates and
times are written as real numbers and dates, so they can still be sorted and summed:
only text is ever neutralised.

The quote is part of the stored text, not openpyxl's ``quotePrefix`` style: a style only
hides the quote in Excel, and the bare "=..." comes back as a formula as soon as someone
saves the sheet as CSV or pastes it elsewhere. A visible quote also tells the reader the
text was typed that way.

Control characters that XML forbids (all below 0x20 but tab, line feed and carriage
return) are removed from text: openpyxl refuses them, and a note pasted from a PDF with a
stray form feed must not fail the whole export.

Nothing else in the app imports openpyxl or the csv module for files that people open
(tests/test_spreadsheet_safety.py checks). The benchmark dataset's csv
(nq57/devtools/benchmarks/dataset.py) feeds PostgreSQL's COPY, not a reader, and is exempt.
"""

import csv
import datetime
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO

from django.utils import timezone
from django.utils.functional import Promise

from tasks_app import colours

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE (a test keeps them equal), here so that CSV
# rows are cleaned the same way without loading openpyxl.
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")

DATE_FORMAT, DATETIME_FORMAT, PERCENT_FORMAT = "dd/mm/yyyy", "dd/mm/yyyy hh:mm", "0.0%"


def safe_text(text: str | Promise) -> str:
    """`text` as a spreadsheet must hold it: without the control characters XML forbids,
    and with a quote in front when it would otherwise start a formula. Stripping comes
    first, so "\\x01=1" cannot hide its "=" from the check."""
    text = ILLEGAL_CHARACTERS_RE.sub("", str(text))
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def plain_value(value: object) -> object:
    """`value` as a cell holds it: text made safe; numbers as numbers (a float that is not
    finite, which Excel cannot store, as empty); an aware date and time in Vietnam's time
    without its zone (Excel has none); dates as dates; None as empty."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str | Promise):
        return safe_text(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int | Decimal):
        return value
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, datetime.date):
        return value
    raise TypeError(f"no spreadsheet cell for a {type(value).__name__}: pass text, a number or a date")


# --- Excel -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Styled:
    """A value with how it looks: a number format (dates and times get theirs by
    default), bold, or a state colour of the palette (its fill and its text colour)."""

    value: object
    number_format: str | None = None
    colour: str | None = None  # green/yellow/red/none, tasks_app.colours
    bold: bool = False


class WorkbookWriter:
    """A workbook written row by row (openpyxl's write-only mode: thousands of rows cost
    neither a long list in memory nor a workbook of cells). Rows go in only through
    `add_sheet`, so every value passes `xlsx_cell`."""

    def __init__(self) -> None:
        # Imported here: openpyxl is needed only when a workbook is written.
        from openpyxl import Workbook

        self._book = Workbook(write_only=True)
        self._styles: dict[tuple, dict] = {}

    def add_sheet(self, title: str, columns: Sequence[tuple[str, int]], rows: Iterable[Iterable]) -> None:
        """A sheet with a bold, frozen header row. `columns`: (header, width in
        characters); widths are set up front, as a write-only sheet cannot be measured
        after its rows are written. Each row's values are plain or `Styled`."""
        from openpyxl.utils import get_column_letter

        ws = self._book.create_sheet(title[:31])  # Excel's longest sheet name
        for index, (_header, width) in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        ws.freeze_panes = "A2"
        ws.append([self._cell(ws, Styled(header, bold=True)) for header, _width in columns])
        for row in rows:
            ws.append([self._cell(ws, value) for value in row])

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self._book.save(buffer)
        return buffer.getvalue()

    def _cell(self, ws, value: object):
        styled = value if isinstance(value, Styled) else Styled(value)
        cell = xlsx_cell(ws, styled.value, number_format=styled.number_format)
        if styled.colour or styled.bold:
            style = self._style(styled.colour, styled.bold)
            for name, attribute in style.items():
                setattr(cell, name, attribute)
        return cell

    def _style(self, colour: str | None, bold: bool) -> dict:
        # One Font and PatternFill per look, shared by its cells (openpyxl stores each
        # distinct style once either way; this saves building them per cell).
        key = (colour, bold)
        if key not in self._styles:
            from openpyxl.styles import Font, PatternFill

            style: dict = {"font": Font(bold=bold)}
            if colour:
                swatch = colours.swatch(colour)
                rgb = colours.excel_rgb(swatch.fill)
                style["fill"] = PatternFill("solid", start_color=rgb, end_color=rgb)
                style["font"] = Font(bold=bold, color=colours.excel_rgb(swatch.text))
            self._styles[key] = style
        return self._styles[key]


def xlsx_cell(ws, value: object, *, number_format: str | None = None):
    """The write-only cell for `value` (see `plain_value`). Text is typed "s" whatever it
    holds, so openpyxl never writes it as a formula; a date or time without a format gets
    the report's day/month/year format."""
    from openpyxl.cell import WriteOnlyCell

    value = plain_value(value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    if number_format is None and isinstance(value, datetime.date):
        number_format = DATETIME_FORMAT if isinstance(value, datetime.datetime) else DATE_FORMAT
    if number_format:
        cell.number_format = number_format
    return cell


# --- CSV ---------------------------------------------------------------------------------------


def csv_value(value: object) -> object:
    """`value` as a CSV field: text made safe, numbers as numbers, dates and times as ISO
    text (local time), None as empty."""
    value = plain_value(value.value if isinstance(value, Styled) else value)
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def write_csv(stream: IO[str], rows: Iterable[Iterable]) -> None:
    """Rows (the header first) to `stream`. Every field that is not a number is quoted,
    as OWASP advises, so a separator inside user text cannot start a new cell."""
    writer = csv.writer(stream, quoting=csv.QUOTE_NONNUMERIC)
    for row in rows:
        writer.writerow([csv_value(value) for value in row])


CSV_MEDIA_TYPE = "text/csv"
UTF8_BOM = "\ufeff"  # Excel reads a CSV file as UTF-8 only when it starts with one


def csv_file(rows: Iterable[Iterable]) -> bytes:
    """Rows (the header first) as a whole CSV file people open in Excel: UTF-8 with a BOM,
    every field through write_csv."""
    stream = io.StringIO()
    stream.write(UTF8_BOM)
    write_csv(stream, rows)
    return stream.getvalue().encode("utf-8")
