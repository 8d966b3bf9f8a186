"""A report's tables as an Excel workbook (openpyxl, through tasks_app.spreadsheets), from
the same content as its PDF (content.py)."""

from collections.abc import Iterable
from decimal import Decimal
from itertools import chain

from django.utils.translation import gettext as _

from reports.boards.selectors.indicators import IndicatorSection
from reports.documents.content import ReportContent
from reports.models import ReportKind
from tasks_app.models import UnitKind, snapshot_colour, snapshot_colour_label
from tasks_app.models.indicators import ValueType
from tasks_app.spreadsheets import PERCENT_FORMAT, Styled, WorkbookWriter


def report_workbook(content: ReportContent) -> bytes:
    """The report's tables in one workbook: key figures, the ranking, the bottlenecks, the
    indicators and the week's notes, one sheet each, with numbers as numbers (rates as fractions shown
    as percentages) so they can be sorted and summed.

    The lists are complete (the PDF shows the first ten of each): the workbook is written
    in openpyxl's write-only mode from rows streamed out of the database, so thousands of
    overdue tasks nationwide cost neither a long list in memory nor a workbook of cells.
    Every cell goes through tasks_app.spreadsheets, which keeps user text (titles, codes,
    names, notes) as text and never as a formula."""
    book = WorkbookWriter()

    board, snapshot = content.board, content.board.snapshot
    colour = snapshot_colour(snapshot)
    colour_word = snapshot_colour_label(snapshot)
    figures: list[list[object]] = [
        [_("Unit"), content.unit.name],
        [_("Period"), content.week.label],
        [_("Figures as of"), content.on],
        [_("Colour"), Styled(colour_word, colour=colour)],
        [_("Rate"), _rate(snapshot.rate if snapshot else None)],
        [_("Change since last week (points)"), float(board.change) if board.change is not None else None],
        [_("Rank"), snapshot.rank if snapshot else None],
        *([item.label, item.count] for item in board.states),
    ]
    book.add_sheet(_("Key figures"), [(_("Figure"), 34), (_("Value"), 40)], figures)

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
        rows: Iterable[list[object]] = (
            [row.rank, row.unit.name, Styled(row.colour_label, colour=row.colour),
             _rate(row.rate), row.snapshot.children_green if row.snapshot else None,
             row.snapshot.children_counted if row.snapshot else None,
             row.overdue, row.behind, content.quiet_by_province.get(row.unit.pk, 0), row.reason]
            for row in content.rows
        )  # fmt: skip
        book.add_sheet(_("Provinces"), columns, rows)
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
            [row.rank, row.unit.name, Styled(row.colour_label, colour=row.colour),
             _rate(row.rate), row.overdue, row.behind, row.last_update,
             _("yes") if row.silent else "", row.reason]
            for row in content.rows
        )  # fmt: skip
        book.add_sheet(_("Communes"), columns, rows)

    if content.bottlenecks is not None:
        overdue, due_soon = content.bottleneck_lists()
        tasks = chain(
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
            [heading, t.code, t.title, t.unit_name, _("yes") if t.is_key else "", t.deadline,
             t.progress, t.days]
            for heading, t in tasks
        )  # fmt: skip
        book.add_sheet(_("Bottlenecks"), columns, rows)

    indicators = content.board.indicators
    if indicators is not None:
        _indicator_sheets(book, indicators)

    notes = content.note_lists()
    items = chain(
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
    rows = ([heading, i.code, i.title, i.unit_name, i.day, i.text] for heading, i in items)
    book.add_sheet(_("This week"), columns, rows)

    return book.to_bytes()


def _indicator_sheets(book: WorkbookWriter, section: IndicatorSection) -> None:
    """The unit's indicators, and for a province or the nation each indicator over the
    units below, worst first as on the board; every row (the PDF shows the first ones).
    Numbers as numbers (progress as a fraction shown as a percentage); names, which
    users type, go through the safe writer like every other text."""
    columns = [
        (_("Code"), 12),
        (_("Indicator"), 48),
        (_("Colour"), 14),
        (_("Period"), 16),
        (_("Value"), 14),
        (_("Milestone"), 14),
        (_("Unit of measure"), 14),
        (_("Progress"), 12),
        (_("Awaiting approval"), 10),
        (_("Units reported"), 22),
        (_("Why"), 60),
    ]
    rows: Iterable[list[object]] = (
        [row.code, row.name, Styled(row.colour_label, colour=row.colour), row.period,
         _figure_number(row.value, row.value_type), _figure_number(row.milestone, row.value_type),
         "%" if row.value_type in PERCENT_TYPES else row.unit_of_measure, _progress(row.progress),
         _("yes") if row.awaiting_approval else "", row.reported, row.why]
        for row in section.own
    )  # fmt: skip
    book.add_sheet(_("Indicators"), columns, rows)
    if not section.child_kind:
        return
    columns = [
        (_("Code"), 12),
        (_("Indicator"), 48),
        (_("Period"), 16),
        (_("Red"), 8),
        (_("Of which with no value"), 12),
        (_("Yellow"), 8),
        (_("Green"), 8),
        (_("Not coloured"), 10),
        (_("Total"), 8),
        (
            _("Provinces furthest behind")
            if section.child_kind == UnitKind.PROVINCE
            else _("Communes furthest behind"),
            60,
        ),
    ]
    summaries = (
        [summary.code, summary.name, summary.period, summary.red, summary.missing, summary.yellow,
         summary.green, summary.none, summary.total,
         "; ".join(f"{unit.name} ({unit.colour_label.lower()}, {unit.value_text})" for unit in summary.worst)]
        for summary in section.children
    )  # fmt: skip
    title = (
        _("Indicators by province") if section.child_kind == UnitKind.PROVINCE else _("Indicators by commune")
    )
    book.add_sheet(title, columns, summaries)


PERCENT_TYPES = (ValueType.RATIO, ValueType.PERCENTAGE)


def _figure_number(value: Decimal | None, value_type: str) -> object:
    """A value or milestone as a number to sort and sum: a percentage as a fraction shown
    as one, yes/no in words."""
    if value is None:
        return None
    if value_type == ValueType.YES_NO:
        return _("yes") if value >= 1 else _("no")
    if value_type in PERCENT_TYPES:
        return Styled(float(value) / 100, INDICATOR_PERCENT_FORMAT)
    return float(value)


def _progress(progress: Decimal | None) -> Styled:
    return Styled(None if progress is None else float(progress) / 100, INDICATOR_PERCENT_FORMAT)


INDICATOR_PERCENT_FORMAT = "0.00%"  # indicators are read to two decimals (docs/indicators.md §3)


def _rate(rate: Decimal | None) -> Styled:
    """A rate in percent as a fraction shown as a percentage: a number to sort and sum."""
    return Styled(None if rate is None else float(rate) / 100, PERCENT_FORMAT)
