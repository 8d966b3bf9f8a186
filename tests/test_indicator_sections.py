"""The indicator sections of the boards and the weekly reports: each board shows its unit's
latest due figures worst first, a province's and the nation's count each indicator over
the units below; who sees what; a fixed number of queries; the PDF and Excel sections.

Figures are written here directly, as the recompute would leave them."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from reports.boards.selectors.indicators import indicator_section, latest_due_closes
from reports.documents.content import report_content
from reports.documents.excel import report_workbook
from reports.documents.pdf import render_pdf
from reports.models import ReportKind, Week
from tasks_app.clock import local_today
from tasks_app.greening.rules import Rules
from tasks_app.indicators.figures import refresh_figures
from tasks_app.indicators.words import indicator_number
from tasks_app.models import Colour, Plan, Unit, UnitKind
from tasks_app.models.indicators import (
    Accumulation,
    FigureReason,
    Indicator,
    IndicatorAssignment,
    IndicatorFigure,
    IndicatorKind,
    IndicatorValue,
    Rollup,
    ValueState,
    ValueType,
)
from tasks_app.periods import Period, Periodicity, period_ending
from tasks_app.selectors.greening import current_policy

WEEK = Week.last_finished()
DELAY = 2  # the default policy's working days between a period's close and its due date
FORMULA_NAME = '=HYPERLINK("http://evil.example","Bấm vào đây")'


def latest_due(on: datetime.date) -> Period:
    """The latest monthly period due on `on`: what a board or report for `on` shows."""
    return period_ending(Periodicity.MONTHLY, latest_due_closes(on, delay=DELAY)[Periodicity.MONTHLY])


class Maker:
    """Indicators, assignments and figures, as the recompute would leave them, around the
    latest monthly period due on `on`."""

    def __init__(self, on: datetime.date) -> None:
        self.plans: dict[int, Plan] = {}
        self.on = on
        self.latest = latest_due(on)

    def periods_back(self, count: int) -> list[Period]:
        """The `count` monthly periods up to the latest due one, oldest first."""
        found = [self.latest]
        while len(found) < count:
            found.append(found[-1].previous())
        return list(reversed(found))

    def indicator(self, owner: Unit, code: str, name: str, value_type=ValueType.COUNT, **fields) -> Indicator:
        plan = self.plans.get(owner.pk)
        if plan is None:
            plan = self.plans[owner.pk] = Plan.objects.create(
                issuing_unit=owner,
                code=f"KH-{owner.code}",
                title="Kế hoạch chỉ tiêu",
                issue_date=datetime.date(2026, 1, 2),
            )
        defaults = {
            "kind": IndicatorKind.STRATEGIC,
            "unit_of_measure": "%" if value_type in (ValueType.RATIO, ValueType.PERCENTAGE) else "chữ ký số",
            "accumulation": Accumulation.CUMULATIVE,
            "periodicity": Periodicity.MONTHLY,
            "rollup": {
                ValueType.RATIO: Rollup.RATIO,
                ValueType.YES_NO: Rollup.SHARE_MEETING_TARGET,
            }.get(value_type, Rollup.SUM),
        }
        return Indicator.objects.create(
            owner_unit=owner, plan=plan, code=code, name=name, value_type=value_type, **{**defaults, **fields}
        )

    def assign(
        self, indicator: Indicator, unit: Unit, parent=None, rolls_up=False, **fields
    ) -> IndicatorAssignment:
        values = {
            "baseline_value": Decimal(60),
            "baseline_date": datetime.date(2025, 12, 31),
            "target_value": Decimal(80),
            "target_date": datetime.date(2026, 12, 14),
            **fields,
        }
        return IndicatorAssignment.objects.create(
            indicator=indicator, unit=unit, parent=parent, rolls_up=rolls_up, **values
        )

    def figure(self, assignment: IndicatorAssignment, period=None, *, colour, reason=FigureReason.PROGRESS,
               value=None, milestone=None, progress=None, **fields) -> IndicatorFigure:  # fmt: skip
        period = period or self.latest
        return IndicatorFigure.objects.create(
            assignment=assignment,
            unit=assignment.unit,
            indicator=assignment.indicator,
            period_end=period.end,
            due_date=period.due_date(DELAY),
            value=value,
            value_state=fields.pop("value_state", ValueState.APPROVED if value is not None else ""),
            milestone=milestone,
            progress=progress,
            colour=colour,
            reason=reason,
            computed_at=timezone.now(),
            **fields,
        )


@pytest.fixture
def third_commune(commune, other_commune) -> Unit:
    return (
        Unit.objects.filter(province=commune.province, kind=UnitKind.COMMUNE)
        .exclude(pk__in=[commune.pk, other_commune.pk])
        .order_by("code")
        .first()
    )


@pytest.fixture
def quang_tri(far_commune) -> Unit:
    return far_commune.province


@pytest.fixture
def build(db, root, nghe_an, commune, other_commune, third_commune, quang_tri, far_commune):
    """Nghệ An's indicators in their latest due period on a day (make.latest):
    - CT-01 (ratio, rolled up from three communes): commune yellow 74,57%, other_commune red
      with no value, third_commune green; the province yellow, 2 of 3 communes reported.
      `commune` has seven periods (the trend keeps six) and a green figure for a period not
      yet due, which no board shows.
    - CT-02 (count, rolled up): commune and other_commune green, third_commune red.
    - CT-03 (count, the province's own), named like a formula: red, 42,2%.
    - CT-04 (yes/no, the province's own): not coloured before its deadline.
    Quảng Trị has its own indicator (QT-01) with far_commune red and a value 777.777.
    The centre has TW-01, rolled up from both provinces: Nghệ An green, Quảng Trị red."""
    return lambda on: _build(
        Maker(on), root, nghe_an, commune, other_commune, third_commune, quang_tri, far_commune
    )


@pytest.fixture
def indicators(build) -> Maker:
    """The figures around the latest period due today, as the boards show them."""
    return build(local_today())


@pytest.fixture
def week_indicators(build) -> Maker:
    """The figures around the latest period due on the last finished week's last day, as
    its reports show them."""
    return build(WEEK.end)


def _build(make, root, nghe_an, commune, other_commune, third_commune, quang_tri, far_commune) -> Maker:
    ct1 = make.indicator(nghe_an, "CT-01", "Tỷ lệ hồ sơ nộp trực tuyến", ValueType.RATIO)
    province1 = make.assign(ct1, nghe_an, rolls_up=True)
    make.figure(province1, colour=Colour.YELLOW, value=Decimal("70.5"), milestone=Decimal("78.28"),
                progress=Decimal("65.10"), children_counted=2, children_total=3)  # fmt: skip
    mine = make.assign(ct1, commune, parent=province1, baseline_value=Decimal(55))
    for n, period in enumerate(make.periods_back(7)[:-1]):
        make.figure(
            mine,
            period,
            colour=Colour.RED,
            value=Decimal(56 + n),
            milestone=Decimal(70),
            progress=Decimal(10 * n),
        )
    make.figure(mine, colour=Colour.YELLOW, value=Decimal("74.57"), milestone=Decimal("78.28"),
                progress=Decimal("79.70"), value_state=ValueState.SUBMITTED)  # fmt: skip
    make.figure(mine, make.latest.next(), colour=Colour.GREEN, value=Decimal(99), milestone=Decimal(80),
                progress=Decimal(150))  # fmt: skip
    theirs = make.assign(ct1, other_commune, parent=province1)
    make.figure(theirs, colour=Colour.RED, reason=FigureReason.MISSING, milestone=Decimal("78.28"))
    make.figure(make.assign(ct1, third_commune, parent=province1), colour=Colour.GREEN, value=Decimal(81),
                milestone=Decimal("78.28"), progress=Decimal("116.30"))  # fmt: skip

    ct2 = make.indicator(nghe_an, "CT-02", "Chữ ký số cấp mới")
    province2 = make.assign(
        ct2, nghe_an, rolls_up=True, baseline_value=Decimal(12000), target_value=Decimal(50000)
    )
    make.figure(province2, colour=Colour.GREEN, value=Decimal(39000), milestone=Decimal(40063),
                progress=Decimal("96.20"), children_counted=3, children_total=3)  # fmt: skip
    for unit, colour, value in (
        (commune, Colour.GREEN, 12345),
        (other_commune, Colour.GREEN, 23456),
        (third_commune, Colour.RED, 3000),
    ):
        assignment = make.assign(
            ct2, unit, parent=province2, baseline_value=Decimal(0), target_value=Decimal(20000)
        )
        make.figure(assignment, colour=colour, value=Decimal(value), milestone=Decimal(13000),
                    progress=Decimal(value * 100 // 13000))  # fmt: skip

    ct3 = make.indicator(nghe_an, "CT-03", FORMULA_NAME, ValueType.AMOUNT, unit_of_measure="ngày")
    own = make.assign(ct3, nghe_an, baseline_value=Decimal(10), target_value=Decimal(5))
    make.figure(
        own, colour=Colour.RED, value=Decimal(9), milestone=Decimal("7.63"), progress=Decimal("42.20")
    )

    ct4 = make.indicator(nghe_an, "CT-04", "Nền tảng chia sẻ dữ liệu đã kết nối", ValueType.YES_NO)
    yes_no = make.assign(ct4, nghe_an, baseline_value=Decimal(0), target_value=Decimal(1))
    make.figure(yes_no, colour=Colour.NONE, reason=FigureReason.BEFORE_DEADLINE, value=Decimal(0))

    qt = make.indicator(quang_tri, "QT-01", "Chỉ tiêu của Quảng Trị")
    qt_province = make.assign(qt, quang_tri, rolls_up=True)
    make.figure(make.assign(qt, far_commune, parent=qt_province), colour=Colour.RED, value=Decimal(777777),
                milestone=Decimal(900000), progress=Decimal("5.00"))  # fmt: skip

    tw = make.indicator(root, "TW-01", "Doanh nghiệp số trên 1.000 dân")
    nation = make.assign(tw, root, rolls_up=True)
    make.figure(nation, colour=Colour.RED, value=Decimal(1), milestone=Decimal(2), progress=Decimal(50),
                children_counted=2, children_total=2)  # fmt: skip
    make.figure(make.assign(tw, nghe_an, parent=nation), colour=Colour.GREEN, value=Decimal(2),
                milestone=Decimal(2), progress=Decimal(100))  # fmt: skip
    make.figure(make.assign(tw, quang_tri, parent=nation), colour=Colour.RED, value=Decimal(0),
                milestone=Decimal(2), progress=Decimal(0))  # fmt: skip
    return make


# --- The selector ----------------------------------------------------------------------------


def test_a_province_shows_its_own_indicators_worst_first(indicators, nghe_an):
    section = indicator_section(nghe_an, on=local_today(), delay=DELAY)
    # Red, yellow, green (the least progress first), then not coloured.
    assert [row.code for row in section.own] == ["CT-03", "CT-01", "CT-02", "TW-01", "CT-04"]
    assert [row.colour for row in section.own] == ["red", "yellow", "green", "green", "none"]
    rolled = section.own[1]
    assert rolled.reported == "2 trên 3 xã đã báo cáo"
    assert section.own[0].reported == ""  # entered by the province itself
    assert rolled.period == indicators.latest.label


def test_the_latest_due_figure_is_shown_with_the_trend_up_to_it(indicators, commune):
    section = indicator_section(commune, on=local_today(), delay=DELAY)
    assert [row.code for row in section.own] == ["CT-01", "CT-02"]
    row = section.own[0]
    assert row.period_end == indicators.latest.end  # not the green figure that is not due yet
    assert (row.colour_label, row.value_text, row.milestone_text, row.progress_text) == (
        "Vàng",
        "74,57%",
        "78,28%",
        "79,70%",
    )
    assert row.awaiting_approval
    assert len(row.trend) == 6 and row.trend[-1].period_end == indicators.latest.end
    assert [point.period_end for point in row.trend] == sorted(point.period_end for point in row.trend)
    assert section.children == []


def test_a_figure_is_due_only_once_its_due_date_has_passed(indicators, commune):
    latest = indicators.latest
    due = latest.due_date(DELAY)
    # On its due date the period is not due yet: the board shows the one before.
    row = indicator_section(commune, on=due, delay=DELAY).own[0]
    assert (row.code, row.period_end) == ("CT-01", latest.previous().end)
    assert len(row.trend) == 6 and row.trend[-1].period_end == latest.previous().end
    row = indicator_section(commune, on=due + datetime.timedelta(days=1), delay=DELAY).own[0]
    assert row.period_end == latest.end
    # Nothing is due before the first figure; and a period with no figure shows nothing
    # (CT-02 has none for the period before the latest).
    assert indicator_section(commune, on=datetime.date(2020, 1, 1), delay=DELAY).own == []
    assert [r.code for r in indicator_section(commune, on=due, delay=DELAY).own] == ["CT-01"]


def test_a_province_counts_each_indicator_over_its_communes_worst_first(indicators, nghe_an, third_commune):
    section = indicator_section(nghe_an, on=local_today(), delay=DELAY)
    assert [s.code for s in section.children] == ["CT-01", "CT-02"]  # Quảng Trị's is not counted
    ct1, ct2 = section.children
    assert (ct1.red, ct1.missing, ct1.yellow, ct1.green, ct1.none, ct1.total) == (1, 1, 1, 1, 0, 3)
    assert (ct2.red, ct2.yellow, ct2.green, ct2.total) == (1, 0, 2, 3)
    assert [w.colour for w in ct1.worst] == ["red", "yellow"]  # the missing value first
    assert [w.name for w in ct2.worst] == [third_commune.name]
    assert ct1.counts_text == "Trong 3 xã: đỏ 1 (1 chưa có giá trị), vàng 1, xanh 1, chưa xếp màu 0."


def test_the_nation_counts_each_indicator_over_the_provinces(indicators, root, nghe_an, quang_tri):
    section = indicator_section(root, on=local_today(), delay=DELAY)
    assert [row.code for row in section.own] == ["TW-01"]
    assert section.own[0].reported == "2 trên 2 tỉnh, thành phố đã báo cáo"
    # Every indicator the provinces have, worst first: a province's own count one province.
    assert [s.code for s in section.children] == ["CT-03", "TW-01", "CT-01", "CT-04", "CT-02"]
    tw = section.children[1]
    assert (tw.code, tw.red, tw.green, tw.total) == ("TW-01", 1, 1, 2)
    assert [w.unit_id for w in tw.worst] == [quang_tri.pk]


def test_numbers_are_written_the_vietnamese_way():
    assert indicator_number(Decimal("12000"), ValueType.COUNT) == "12.000"
    assert indicator_number(Decimal("7.5000"), ValueType.AMOUNT) == "7,5"
    assert indicator_number(Decimal("10.0000"), ValueType.AMOUNT) == "10"
    assert indicator_number(Decimal("74.565"), ValueType.RATIO) == "74,57%"
    assert indicator_number(Decimal("1"), ValueType.YES_NO) == "Có"
    assert indicator_number(None, ValueType.COUNT) == "—"


def test_the_sections_read_the_figures_the_recompute_writes(
    nghe_an, commune, other_commune, client, tinh_leader
):
    """From values to the board: the figures written by tasks_app.indicators.figures."""
    today = local_today()
    latest = latest_due(today)
    make = Maker(today)
    online = make.indicator(nghe_an, "CT-09", "Hồ sơ trực tuyến", ValueType.RATIO)
    fields = {
        "baseline_date": latest.start - datetime.timedelta(days=200),
        "target_date": latest.end + datetime.timedelta(days=200),
    }
    province = make.assign(online, nghe_an, rolls_up=True, **fields)
    mine = make.assign(online, commune, parent=province, **fields)
    make.assign(online, other_commune, parent=province, **fields)
    IndicatorValue.objects.create(
        assignment=mine, period_start=latest.start, period_end=latest.end, numerator=Decimal(90),
        denominator=Decimal(100), value=Decimal(90), state=ValueState.APPROVED,
    )  # fmt: skip
    refresh_figures(
        assignment_ids=IndicatorAssignment.objects.filter(parent=province).values_list("pk", flat=True),
        rules=Rules.from_policy(current_policy()),
        today=today,
    )
    client.force_login(tinh_leader)
    html = section_html(client.get(f"/dashboard/province/{nghe_an.pk}/"))
    assert "1 trên 2 xã đã báo cáo" in html and latest.label in html
    (summary,) = indicator_section(nghe_an, on=today, delay=DELAY).children
    assert (summary.red, summary.missing, summary.green, summary.total) == (1, 1, 1, 2)


# --- The boards, through HTTP ----------------------------------------------------------------


def section_html(response) -> str:
    assert response.status_code == 200
    found = re.search(r'<section id="indicators".*?</section>', response.content.decode(), re.S)
    assert found, "no indicator section"
    return found.group(0)


def row_ids(html: str, prefix: str) -> list[str]:
    return re.findall(rf'<tr id="{prefix}-(\d+)"', html)


def test_the_commune_board_shows_its_own_indicators_and_no_other_communes(
    client, xa_leader, commune, other_commune, indicators
):
    client.force_login(xa_leader)
    html = section_html(client.get(f"/dashboard/commune/{commune.pk}/"))
    assert '<h2 id="indicators-title">Chỉ tiêu</h2>' in html
    own = IndicatorAssignment.objects.get(unit=commune, indicator__code="CT-01")
    row = re.search(rf'<tr id="indicator-{own.pk}".*?</tr>', html, re.S).group(0)
    for text in ("Tỷ lệ hồ sơ nộp trực tuyến", "Vàng", "74,57%", "78,28%", "79,70%", "chờ duyệt", "<svg"):
        assert text in row, text
    assert 'class="badge yellow"' in row and 'aria-hidden="true">!</span>' in row  # shape and word too
    # The sparkline says its six periods in words, the latest last.
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", row).group(1)
    assert desc.count(";") == 5 and desc.endswith(f"{indicators.latest.label}: 74,57% (Vàng, tiến độ 79,70%)")
    # CT-02 is green (12.345), after the yellow one.
    assert row_ids(html, "indicator") == [
        str(own.pk),
        str(IndicatorAssignment.objects.get(unit=commune, indicator__code="CT-02").pk),
    ]
    # Not a value of the other communes, nor a count over them.
    for text in ("23.456", "777.777", "indicator-summary"):
        assert text not in html, text
    assert not re.search(r"(?<![\d.])3\.000", html)  # third_commune's CT-02


def test_the_province_board_lists_its_indicators_worst_first_and_counts_its_communes(
    client, tinh_leader, nghe_an, commune, other_commune, indicators
):
    client.force_login(tinh_leader)
    html = section_html(client.get(f"/dashboard/province/{nghe_an.pk}/"))
    codes = re.findall(r'<th scope="row" class="name">([A-Z]{2}-\d\d) ·', html)
    assert codes == ["CT-03", "CT-01", "CT-02", "TW-01", "CT-04", "CT-01", "CT-02"]  # own, then over communes
    for text in (
        "Đỏ",
        "Vàng",
        "Xanh",
        "Chưa xếp màu",
        "2 trên 3 xã đã báo cáo",
        "39.000 chữ ký số",
        "42,20%",
    ):
        assert text in html, text
    # The user's text is escaped, never markup.
    assert "=HYPERLINK(&quot;http://evil.example&quot;,&quot;Bấm vào đây&quot;)" in html
    assert "QT-01" not in html and "777.777" not in html  # another province's
    summary = re.search(r'<tr id="indicator-summary-\d+".*?</tr>', html, re.S).group(0)
    assert "CT-01" in summary and "(1 chưa có giá trị)" in summary
    assert f'href="/dashboard/commune/{other_commune.pk}/"' in summary  # the red one first
    assert summary.index(f"/dashboard/commune/{other_commune.pk}/") < summary.index(
        f"/dashboard/commune/{commune.pk}/"
    )


def test_the_national_board_counts_each_indicator_over_the_provinces(
    client, central_viewer, quang_tri, indicators
):
    client.force_login(central_viewer)
    html = section_html(client.get("/dashboard/national/"))
    assert "2 trên 2 tỉnh, thành phố đã báo cáo" in html
    assert "Chỉ tiêu theo tỉnh, thành phố" in html
    assert f'href="/dashboard/province/{quang_tri.pk}/"' in html


def test_a_long_list_shows_the_worst_and_says_where_the_rest_is(
    client, central_viewer, indicators, monkeypatch
):
    monkeypatch.setattr("reports.boards.selectors.indicators.BOARD_SUMMARY_ROWS", 2)
    client.force_login(central_viewer)
    html = section_html(client.get("/dashboard/national/"))
    assert len(row_ids(html, "indicator-summary")) == 2
    assert "Hiển thị 2 chỉ tiêu kém nhất trong 5; tệp Excel của báo cáo tuần có đầy đủ." in html


def test_an_empty_section_says_so(client, xa_leader, commune):
    client.force_login(xa_leader)
    html = section_html(client.get(f"/dashboard/commune/{commune.pk}/"))
    assert "Đơn vị chưa có chỉ tiêu nào đến hạn vào ngày này." in html


def test_nobody_sees_the_indicators_of_a_board_they_may_not_open(
    client, outsider, neighbour_officer, nghe_an, commune, indicators
):
    client.force_login(outsider)
    assert client.get(f"/dashboard/province/{nghe_an.pk}/").status_code == 404
    client.force_login(neighbour_officer)
    assert client.get(f"/dashboard/commune/{commune.pk}/").status_code == 404


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_sections_cost_a_fixed_number_of_queries(
    client, central_viewer, nghe_an, indicators, django_assert_max_num_queries
):
    client.force_login(central_viewer)
    urls = (f"/dashboard/province/{nghe_an.pk}/", "/dashboard/national/")
    for url in urls:
        _queries(client, url)  # warm the caches (sessions, content types)
    before = {url: _queries(client, url) for url in urls}
    # Forty more communes with a figure for each of the province's two cascaded indicators.
    communes = Unit.objects.filter(province=nghe_an, kind=UnitKind.COMMUNE).order_by("code")[5:45]
    for parent in IndicatorAssignment.objects.filter(unit=nghe_an, rolls_up=True):
        for number, unit in enumerate(communes):
            child = indicators.assign(parent.indicator, unit, parent=parent)
            indicators.figure(child, colour=[Colour.RED, Colour.GREEN][number % 2], value=Decimal(number),
                              milestone=Decimal(10), progress=Decimal(number * 10))  # fmt: skip
    for url in urls:
        with django_assert_max_num_queries(before[url]):
            assert client.get(url).status_code == 200
    summary = indicator_section(nghe_an, on=local_today(), delay=DELAY).children[0]
    assert summary.total == 43


# --- The weekly reports ----------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_province_report_has_the_indicator_section(week_indicators, nghe_an, other_commune):
    content = report_content(ReportKind.PROVINCE_WEEKLY, nghe_an, WEEK)
    assert content.board.indicators.on == WEEK.end
    text = pdf_text(render_pdf(content, generated_at=timezone.now()).data)
    section = text[text.index("Mỗi chỉ tiêu trong kỳ đến hạn gần nhất") :]
    # Plain text, as typed (a narrow cell may wrap it).
    assert FORMULA_NAME.replace(" ", "") in section.replace(" ", "")
    for words in (
        "CT-03",
        "Đỏ",
        "42,20%",
        "2 trên 3 xã đã báo cáo",
        "Chỉ tiêu theo xã",
        other_commune.name,
        week_indicators.latest.label,
    ):
        assert words in section, words
    assert section.index("CT-03") < section.index("CT-01") < section.index("CT-02")


def test_the_commune_summary_keeps_to_one_page_with_its_indicators(week_indicators, commune):
    from reports.documents.pdf import render_pdf as render

    rendered = render(report_content(ReportKind.COMMUNE_SUMMARY, commune, WEEK), generated_at=timezone.now())
    assert rendered.pages == 1
    text = pdf_text(rendered.data)
    assert "CT-01" in text and "74,57%" in text and "23.456" not in text


def test_the_national_report_counts_the_provinces(week_indicators, root, quang_tri):
    text = pdf_text(
        render_pdf(report_content(ReportKind.NATIONAL_WEEKLY, root, WEEK), generated_at=timezone.now()).data
    )
    assert "TW-01" in text and quang_tri.name in text


def test_the_excel_file_lists_the_indicators_as_text_and_numbers(week_indicators, nghe_an):
    book = load_workbook(
        io.BytesIO(report_workbook(report_content(ReportKind.PROVINCE_WEEKLY, nghe_an, WEEK)))
    )
    sheet = book["Chỉ tiêu"]
    rows = list(sheet.iter_rows(min_row=2))
    assert [row[0].value for row in rows] == ["CT-03", "CT-01", "CT-02", "TW-01", "CT-04"]
    formula = rows[0][1]
    assert formula.data_type == "s" and formula.value == "'" + FORMULA_NAME  # text, never a formula
    assert [rows[0][2].value, rows[0][4].value, rows[0][5].value, rows[0][6].value] == ["Đỏ", 9, 7.63, "ngày"]
    assert rows[0][7].value == pytest.approx(0.422)
    assert rows[1][9].value == "2 trên 3 xã đã báo cáo"
    summaries = [[cell.value for cell in row] for row in book["Chỉ tiêu theo xã"].iter_rows(min_row=2)]
    assert [row[:9] for row in summaries] == [
        ["CT-01", "Tỷ lệ hồ sơ nộp trực tuyến", week_indicators.latest.label, 1, 1, 1, 1, 0, 3],
        ["CT-02", "Chữ ký số cấp mới", week_indicators.latest.label, 1, 0, 0, 2, 0, 3],
    ]
