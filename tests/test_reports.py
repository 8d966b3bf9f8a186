"""Weekly reports: the PDF's words, figures and fonts; rendering once; failures that stay
retryable; the Monday schedule; the archive's access; downloads and the Excel tables."""

import datetime
import io
import re
from unittest import mock

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.files.storage import default_storage
from django.test import TestCase
from django.utils import timezone, translation
from openpyxl import load_workbook
from pypdf import PdfReader

from nq57.celery import app as celery_app
from reports.boards.charts import percent_text
from reports.documents import actions, pdf
from reports.documents.content import report_content
from reports.models import Report, ReportKind, ReportStatus, Week
from tasks_app.clock import LOCAL_TZ, local_today
from tasks_app.models import Task, TaskStatus, TaskUpdate, Unit, UnitKind, UpdateKind

WEEK = Week.last_finished()


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=LOCAL_TZ)


def record(task: Task, day: datetime.date, status: str, progress: int, **text) -> TaskUpdate:
    """An update recorded on `day`, as the history the past-week figures read."""
    last = task.updates.order_by("-version").first()
    version = (last.version if last else 0) + 1
    update = TaskUpdate.objects.create(
        task=task,
        created_at=at(day),
        kind=UpdateKind.CREATED if last is None else UpdateKind.PROGRESS,
        version=version,
        status_before=last.status_after if last else "",
        status_after=status,
        progress_before=last.progress_after if last else None,
        progress_after=progress,
        **text,
    )
    completed_on = day if status == TaskStatus.COMPLETED else None
    Task.objects.filter(pk=task.pk).update(
        status=status, progress=progress, version=version, updated_at=at(day), completed_on=completed_on
    )
    return update


@pytest.fixture
def week_history(make_task, commune, other_commune, nghe_an):
    """Nghệ An in the last finished week: `commune` has an overdue task that reported a
    difficulty, and one completed during the week; `other_commune` one on track."""
    start = WEEK.start - datetime.timedelta(days=60)
    late = make_task(
        code="QH-1",
        title="Số hóa hồ sơ đất đai",
        start_date=start,
        deadline=WEEK.start - datetime.timedelta(days=20),
        created_at=at(start),
    )
    record(late, start, TaskStatus.NOT_STARTED, 0)
    record(late, WEEK.start + datetime.timedelta(days=2), TaskStatus.IN_PROGRESS, 30,
           note="Đã khảo sát", difficulties="Vướng mắc: thiếu máy quét chuyên dụng")  # fmt: skip
    done = make_task(code="HT-1", title="Lắp đặt wifi tại nhà văn hóa", start_date=start,
                     deadline=WEEK.end + datetime.timedelta(days=30), created_at=at(start))  # fmt: skip
    record(done, start, TaskStatus.NOT_STARTED, 0)
    record(done, WEEK.start + datetime.timedelta(days=3), TaskStatus.COMPLETED, 100, note="Đã nghiệm thu")
    fine = make_task(code="OK-1", lead_unit=other_commune, start_date=start,
                     deadline=WEEK.end + datetime.timedelta(days=200), created_at=at(start))  # fmt: skip
    record(fine, start, TaskStatus.IN_PROGRESS, 50)
    return {"late": late, "done": done, "fine": fine}


@pytest.fixture(autouse=True)
def jobs_in_process():
    """Run the report jobs in this process even where CI points Celery at Redis."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def generate(kind: str, unit: Unit, week: Week = WEEK) -> Report:
    """Ask for a report; the job is queued at commit and, in-process, runs there."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        requested = actions.report_request(kind=kind, unit=unit, week=week)
    return Report.objects.get(pk=requested.report.pk)


def pdf_text(report: Report) -> str:
    with default_storage.open(report.file.name, "rb") as stored:
        reader = PdfReader(io.BytesIO(stored.read()))
    # Words only: a name may wrap inside a narrow table cell.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def pdf_fonts(report: Report) -> set[tuple[str, bool]]:
    """(base font name, embedded) for every font the pages use."""
    with default_storage.open(report.file.name, "rb") as stored:
        reader = PdfReader(io.BytesIO(stored.read()))
    found = set()
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            found.add((str(font["/BaseFont"]), embedded))
    return found


# --- The PDF ---------------------------------------------------------------------------------


def test_a_province_report_names_its_communes_and_shows_the_dashboards_figures(
    week_history, nghe_an, commune, tinh_leader, client
):
    report = generate(ReportKind.PROVINCE_WEEKLY, nghe_an)
    assert report.status == ReportStatus.READY, report.error
    text = pdf_text(report)
    assert "Nghệ An" in text
    assert commune.name in text  # with its diacritics, as the statistics office writes it
    assert re.search(r"Trang 1/\d+", text)
    assert "Vướng mắc: thiếu máy quét chuyên dụng" in text  # difficulties and obstacles
    assert "HT-1" in text  # completed during the week: a highlight
    assert "QH-1" in text  # overdue: a bottleneck

    # The same figures as the dashboard for the week's last day.
    client.force_login(tinh_leader)
    page = client.get(f"/dashboard/province/{nghe_an.pk}/", {"date": f"{WEEK.end:%d/%m/%Y}"})
    rate = re.search(rf'id="unit-{commune.pk}" data-rate="([^"]+)"', page.content.decode()).group(1)
    assert percent_text(rate) in text
    content = report_content(ReportKind.PROVINCE_WEEKLY, nghe_an, WEEK)
    assert content.on == WEEK.end == report.figures_on
    assert percent_text(content.board.snapshot.rate) in text


def test_the_report_embeds_its_own_font_and_no_other(week_history, nghe_an):
    report = generate(ReportKind.PROVINCE_WEEKLY, nghe_an)
    fonts = pdf_fonts(report)
    assert fonts, "no font found in the PDF"
    assert all(embedded for _, embedded in fonts), fonts
    # Subset names look like ABCDEF+Noto-Sans-Bold: a fallback (DejaVu…) would mean a
    # glyph missing from the shipped font.
    assert {name.split("+", 1)[-1] for name, _ in fonts} <= {
        "Noto-Sans",
        "Noto-Sans-Bold",
        "Noto-Sans-Italic",
    }


def test_the_national_report_lists_every_province(week_history, root):
    report = generate(ReportKind.NATIONAL_WEEKLY, root)
    assert report.status == ReportStatus.READY, report.error
    text = pdf_text(report)
    for name in Unit.objects.filter(kind=UnitKind.PROVINCE).values_list("name", flat=True):
        assert name in text


def test_a_commune_summary_fits_on_one_page(week_history, commune):
    report = generate(ReportKind.COMMUNE_SUMMARY, commune)
    assert report.status == ReportStatus.READY, report.error
    assert report.pages == 1
    assert commune.name in pdf_text(report)


# --- Rendering once, failing safely ----------------------------------------------------------


def test_asking_twice_renders_once(week_history, nghe_an):
    with mock.patch("reports.documents.actions.render_pdf", wraps=pdf.render_pdf) as render:
        first = generate(ReportKind.PROVINCE_WEEKLY, nghe_an)
        again = actions.report_request(kind=ReportKind.PROVINCE_WEEKLY, unit=nghe_an, week=WEEK)
        actions.report_generate(first.pk)  # a duplicate job finds it ready
    assert render.call_count == 1
    assert again.report.pk == first.pk and not again.queued
    assert Report.objects.count() == 1


def test_a_crash_mid_render_leaves_the_report_retryable(week_history, nghe_an):
    with mock.patch("reports.documents.actions.render_pdf", side_effect=MemoryError("worker out of memory")):
        report = generate(ReportKind.PROVINCE_WEEKLY, nghe_an)
    assert report.status == ReportStatus.FAILED
    assert "worker out of memory" in report.error
    assert not report.file

    retried = generate(ReportKind.PROVINCE_WEEKLY, nghe_an)
    assert retried.pk == report.pk
    assert retried.status == ReportStatus.READY and retried.attempts == 2


def test_a_truncated_file_is_never_marked_ready(week_history, nghe_an):
    real_save = default_storage.save

    def truncating_save(name, content, **kwargs):
        data = content.read()
        return real_save(name, io.BytesIO(data[: len(data) // 2]), **kwargs)

    with mock.patch.object(default_storage, "save", side_effect=truncating_save):
        report = generate(ReportKind.PROVINCE_WEEKLY, nghe_an)
    assert report.status == ReportStatus.FAILED and not report.file
    assert "IncompleteReportFile" in report.error


def test_a_render_whose_worker_died_is_claimed_again(week_history, nghe_an):
    stuck = Report.objects.create(
        kind=ReportKind.PROVINCE_WEEKLY,
        unit=nghe_an,
        period_start=WEEK.start,
        status=ReportStatus.RENDERING,
        started_at=timezone.now() - datetime.timedelta(hours=1),
        attempts=1,
    )
    assert actions.report_generate(stuck.pk).status == ReportStatus.READY

    busy = Report.objects.create(
        kind=ReportKind.COMMUNE_SUMMARY,
        unit=week_history["late"].lead_unit,
        period_start=WEEK.start,
        status=ReportStatus.RENDERING,
        started_at=timezone.now(),
    )
    assert actions.report_generate(busy.pk).status == ReportStatus.RENDERING  # another worker has it


# --- The schedule ----------------------------------------------------------------------------


def test_monday_seven_oclock_in_vietnam_makes_last_weeks_reports(db):
    entry = settings.CELERY_BEAT_SCHEDULE["reports-weekly"]
    assert entry["task"] == "reports.weekly"
    assert entry["schedule"] == crontab(hour=7, minute=0, day_of_week="mon")
    assert settings.CELERY_TIMEZONE == "Asia/Ho_Chi_Minh"

    monday = datetime.date(2026, 11, 16)
    with (
        mock.patch("reports.tasks.generate_report.apply_async") as send,
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        first = actions.reports_weekly(today=monday)
        second = actions.reports_weekly(today=monday)  # a beat that fires twice
    assert len(first) == 35 and all(r.queued for r in first)
    assert not any(r.queued for r in second)
    assert send.call_count == 35
    assert set(Report.objects.values_list("period_start", flat=True)) == {datetime.date(2026, 11, 9)}
    assert Report.objects.filter(kind=ReportKind.NATIONAL_WEEKLY).count() == 1


# --- Pages, access, downloads ---------------------------------------------------------------


@pytest.fixture
def ready_reports(week_history, nghe_an, far_commune, root):
    quang_tri = far_commune.province
    return {
        "nghe_an": generate(ReportKind.PROVINCE_WEEKLY, nghe_an),
        "quang_tri": Report.objects.create(
            kind=ReportKind.PROVINCE_WEEKLY, unit=quang_tri, period_start=WEEK.start
        ),
        "nation": Report.objects.create(kind=ReportKind.NATIONAL_WEEKLY, unit=root, period_start=WEEK.start),
    }


def test_the_archive_shows_each_user_only_the_reports_of_units_they_may_see(
    ready_reports, client, tinh_leader, central_viewer, outsider
):
    client.force_login(tinh_leader)
    page = client.get("/reports/").content.decode()
    assert f"/reports/{ready_reports['nghe_an'].pk}/pdf/" in page
    assert f"/reports/{ready_reports['quang_tri'].pk}/" not in page
    assert f"/reports/{ready_reports['nation'].pk}/" not in page
    for report in ("quang_tri", "nation"):
        for suffix in ("", "pdf/", "xlsx/"):
            assert client.get(f"/reports/{ready_reports[report].pk}/{suffix}").status_code == 404

    client.force_login(outsider)  # a commune officer of Quảng Trị: not its province's board either
    assert client.get(f"/reports/{ready_reports['nghe_an'].pk}/pdf/").status_code == 404
    assert client.get(f"/reports/{ready_reports['quang_tri'].pk}/").status_code == 404

    client.force_login(central_viewer)
    page = client.get("/reports/").content.decode()
    assert all(f"/reports/{r.pk}/" in page for r in ready_reports.values())


def test_the_pdf_downloads_as_an_attachment_with_a_safe_name(ready_reports, client, tinh_officer):
    client.force_login(tinh_officer)
    report = ready_reports["nghe_an"]
    response = client.get(f"/reports/{report.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="bao-cao-tuan-{WEEK.start:%G}-w{WEEK.number:02d}-nghe-an.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    body = b"".join(response.streaming_content)
    assert len(body) == report.size and body.startswith(b"%PDF-")


def test_the_report_page_folds_the_hash_away_for_auditors(ready_reports, client, tinh_officer):
    client.force_login(tinh_officer)
    report = ready_reports["nghe_an"]
    page = client.get(f"/reports/{report.pk}/").content.decode()
    details = page.index("<details")
    assert details < page.index(report.sha256) < page.index("</details>", details)
    assert page.count(report.sha256) == 1


def test_a_report_that_is_not_ready_has_no_download(ready_reports, client, central_viewer):
    client.force_login(central_viewer)
    assert client.get(f"/reports/{ready_reports['quang_tri'].pk}/pdf/").status_code == 404


def test_a_staff_user_asks_for_a_report_and_follows_its_progress(week_history, client, tinh_officer, nghe_an):
    client.force_login(tinh_officer)
    ask = {"unit": nghe_an.pk, "week": WEEK.start.isoformat()}
    with mock.patch("reports.tasks.generate_report.apply_async") as send:
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client.post("/reports/request/", ask)
        report = Report.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
        send.assert_called_once()
        assert send.call_args.args == ((report.pk,),)
        with TestCase.captureOnCommitCallbacks(execute=True):
            again = client.post("/reports/request/", ask, follow=True)  # asking again
    assert again.redirect_chain == [(f"/reports/{report.pk}/", 302)] and send.call_count == 1
    assert "không tạo lại" in again.content.decode()  # "asked for already: not rendered twice"

    queued = client.get(f"/reports/{report.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in queued and 'aria-current="step"' in queued
    assert '<meta http-equiv="refresh"' in queued  # without JavaScript, the page reloads itself

    actions.report_generate(report.pk)
    part = client.get(f"/reports/{report.pk}/", headers={"HX-Request": "true", "HX-Target": "report-status"})
    html = part.content.decode()
    assert "<html" not in html and 'id="report-status"' in html
    assert f"/reports/{report.pk}/pdf/" in html and "hx-trigger" not in html


def test_asking_for_another_provinces_report_or_an_unfinished_week_is_refused(
    db, client, tinh_officer, far_commune, nghe_an
):
    client.force_login(tinh_officer)
    with mock.patch("reports.tasks.generate_report.apply_async") as send:
        other = client.post(
            "/reports/request/", {"unit": far_commune.province_id, "week": WEEK.start.isoformat()}
        )
        this_week = local_today() - datetime.timedelta(days=local_today().weekday())
        unfinished = client.post("/reports/request/", {"unit": nghe_an.pk, "week": this_week.isoformat()})
    assert other.status_code == unfinished.status_code == 422
    assert "Hãy chọn một đơn vị trong danh sách." in other.content.decode()
    assert "Hãy chọn một tuần đã kết thúc trong danh sách." in unfinished.content.decode()
    assert not Report.objects.exists() and not send.called


def test_the_excel_export_has_the_same_tables(ready_reports, client, tinh_leader, commune):
    client.force_login(tinh_leader)
    report = ready_reports["nghe_an"]
    response = client.get(f"/reports/{report.pk}/xlsx/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    communes = book.worksheets[1]
    rows = {row[1]: row for row in communes.iter_rows(min_row=2, values_only=True)}
    content = report_content(ReportKind.PROVINCE_WEEKLY, report.unit, WEEK)
    figures = next(r for r in content.rows if r.unit.pk == commune.pk)
    assert rows[commune.name][3] == pytest.approx(float(figures.rate) / 100)
    assert rows[commune.name][4] == figures.overdue


def test_a_dashboard_asks_for_its_units_last_weekly_report(db, client, tinh_leader, nghe_an, commune):
    client.force_login(tinh_leader)
    for path, unit in (
        (f"/dashboard/province/{nghe_an.pk}/", nghe_an),
        (f"/dashboard/commune/{commune.pk}/", commune),
    ):
        page = client.get(path).content.decode()
        form = re.search(
            r'<form method="post" action="/reports/request/" class="report-button">(.*?)</form>', page, re.S
        )
        assert form, path
        assert f'name="unit" value="{unit.pk}"' in form.group(1)
        assert f'name="week" value="{WEEK.start:%Y-%m-%d}"' in form.group(1)
    with mock.patch("reports.tasks.generate_report.apply_async"):
        response = client.post("/reports/request/", {"unit": commune.pk, "week": WEEK.start.isoformat()})
    report = Report.objects.get()
    assert response["Location"] == f"/reports/{report.pk}/"
    assert (report.kind, report.unit, report.period_start) == (
        ReportKind.COMMUNE_SUMMARY,
        commune,
        WEEK.start,
    )


@pytest.fixture
def many_overdue(week_history, make_task):
    """Twelve more overdue tasks in `commune`, each of which reported a difficulty during
    the week: thirteen of each in all, more than the PDF's ten."""
    start = WEEK.start - datetime.timedelta(days=60)
    for n in range(12):
        task = make_task(
            code=f"QH-{n + 2:02d}",
            start_date=start,
            deadline=WEEK.start - datetime.timedelta(days=10),
            created_at=at(start),
        )
        record(task, start, TaskStatus.NOT_STARTED, 0)
        record(task, WEEK.start + datetime.timedelta(days=1), TaskStatus.IN_PROGRESS, 10,
               difficulties=f"Thiếu kinh phí lần {n}")  # fmt: skip


def test_the_excel_file_lists_every_row_the_pdf_shortens(many_overdue, nghe_an, client, tinh_leader):
    report = generate(ReportKind.PROVINCE_WEEKLY, nghe_an)
    client.force_login(tinh_leader)
    book = load_workbook(io.BytesIO(client.get(f"/reports/{report.pk}/xlsx/").content))
    lists = [row[0] for row in book["Điểm nghẽn"].iter_rows(min_row=2, values_only=True)]
    assert lists.count("Quá hạn") == 13
    codes = {row[1] for row in book["Điểm nghẽn"].iter_rows(min_row=2, values_only=True)}
    assert {f"QH-{n:02d}" for n in range(2, 14)} <= codes
    notes = [row for row in book["Trong tuần"].iter_rows(min_row=2, values_only=True)]
    assert sum(1 for row in notes if row[0] == "Khó khăn, vướng mắc") == 13
    # The PDF keeps ten of each and says where the rest are.
    text = pdf_text(report)
    assert "Hiển thị 10/13; danh sách đầy đủ trong tệp Excel." in text


def test_a_busy_communes_summary_keeps_to_one_page_with_its_signature(many_overdue, commune):
    # Thirteen overdue tasks with a difficulty each: the summary quotes a few, says how many
    # there are and where the rest is, and still ends with the signature on its one page.
    report = generate(ReportKind.COMMUNE_SUMMARY, commune)
    assert report.pages == 1
    text = " ".join(pdf_pages(report))
    assert "Hiển thị 3/13; danh sách đầy đủ trong tệp Excel." in text
    assert "TM. BAN CHỈ ĐẠO TRƯỞNG BAN" in text


def test_the_excel_colour_cells_are_filled_with_the_palette(ready_reports, client, tinh_leader):
    from tasks_app.colours import PALETTE

    client.force_login(tinh_leader)
    book = load_workbook(io.BytesIO(client.get(f"/reports/{ready_reports['nghe_an'].pk}/xlsx/").content))
    content = report_content(ReportKind.PROVINCE_WEEKLY, ready_reports["nghe_an"].unit, WEEK)
    colour_of = {row.unit.name: row.colour for row in content.rows}
    cells = list(book["Các xã"].iter_rows(min_row=2))
    assert cells
    for row in cells:
        expected = PALETTE[colour_of[row[1].value]].fill
        assert row[2].fill.fgColor.rgb == "FF" + expected.lstrip("#")


def pdf_pages(report: Report) -> list[str]:
    with default_storage.open(report.file.name, "rb") as stored:
        reader = PdfReader(io.BytesIO(stored.read()))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def test_a_report_is_laid_out_as_an_administrative_document(week_history, nghe_an):
    from tasks_app.models import CommitteeMember, CommitteeRole, SteeringCommittee

    committee = SteeringCommittee.objects.create(
        unit=nghe_an,
        name="Ban Chỉ đạo về phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số tỉnh Nghệ An",
        decision_number="12-QĐ/TU",
        decision_date=datetime.date(2025, 7, 1),
    )
    CommitteeMember.objects.create(
        committee=committee, full_name="Nguyễn Đức Trung", position="Bí thư Tỉnh ủy", role=CommitteeRole.HEAD
    )
    report = generate(ReportKind.PROVINCE_WEEKLY, nghe_an)
    pages = pdf_pages(report)
    first, text = pages[0], " ".join(pages)
    assert "BAN CHỈ ĐẠO VỀ PHÁT TRIỂN KHOA HỌC" in first and "TỈNH NGHỆ AN" in first
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first
    assert "Độc lập - Tự do - Hạnh phúc" in first
    assert re.search(r"Số: ?/BC-BCĐ", first)
    made = local_today()  # the day it was made: today
    month = f"{made.month:02d}" if made.month < 3 else str(made.month)
    assert f"Nghệ An, ngày {made.day:02d} tháng {month} năm {made.year}" in first
    assert "BÁO CÁO" in first
    assert "Nơi nhận:" in text and "Lưu: VT" in text
    assert "TM. BAN CHỈ ĐẠO TRƯỞNG BAN" in text and "Nguyễn Đức Trung" in text
    # The recipients and the signature close the report's body, before the ranking annex.
    assert text.index("Nguyễn Đức Trung") < text.index("Xếp hạng các xã, phường")


def test_without_a_committee_head_the_signature_is_left_blank(week_history, commune):
    report = generate(ReportKind.COMMUNE_SUMMARY, commune)
    assert report.pages == 1
    text = " ".join(pdf_pages(report))
    assert "TM. BAN CHỈ ĐẠO TRƯỞNG BAN" in text
    assert f"BAN CHỈ ĐẠO {commune.name.upper()}" in text  # no committee recorded: named after the unit


def test_the_ranking_heading_comes_before_its_column_names(week_history, nghe_an):
    report = generate(ReportKind.PROVINCE_WEEKLY, nghe_an)
    pages = pdf_pages(report)
    start = next(i for i, page in enumerate(pages) if "Xếp hạng các xã, phường" in page)
    page = pages[start]
    assert page.index("Xếp hạng các xã, phường") < page.index("Hạng Xã, phường")
    assert page.count("Hạng Xã, phường") == 1  # not also in the page's margin


def test_the_first_pages_text_and_chart_labels_print_at_8pt_or_more(week_history, nghe_an, root):
    for report in (generate(ReportKind.PROVINCE_WEEKLY, nghe_an), generate(ReportKind.NATIONAL_WEEKLY, root)):
        with default_storage.open(report.file.name, "rb") as stored:
            reader = PdfReader(io.BytesIO(stored.read()))
        sizes = []

        def visit(text, cm, tm, font, size, sizes=sizes):
            if text.strip():
                # The printed size: the font size through the text and the current matrices.
                scale_tm = (tm[0] ** 2 + tm[1] ** 2) ** 0.5
                scale_cm = (cm[0] ** 2 + cm[1] ** 2) ** 0.5
                sizes.append((size * scale_tm * scale_cm, text.strip()))

        for page in reader.pages[:2]:
            page.extract_text(visitor_text=visit)
        smallest = min(sizes)
        assert smallest[0] >= 7.9, f"{report.kind}: {smallest}"


def test_the_province_ranking_is_an_annex_after_the_signature(week_history, nghe_an):
    pages = pdf_pages(generate(ReportKind.PROVINCE_WEEKLY, nghe_an))
    signed = next(i for i, page in enumerate(pages) if "TRƯỞNG BAN" in page)
    annex = next(i for i, page in enumerate(pages) if "Xếp hạng các xã, phường" in page)
    assert signed < annex  # the annex starts on a page of its own, after the body
    page = pages[annex]
    # Its heading says it is an annex, then names it, then the column names.
    assert page.index("PHỤ LỤC") < page.index("Xếp hạng các xã, phường") < page.index("Hạng Xã, phường")
    assert "Kèm theo Báo cáo số" in page


def test_every_page_after_the_first_carries_the_unit_and_the_week(week_history, nghe_an, root):
    for report, unit in ((generate(ReportKind.PROVINCE_WEEKLY, nghe_an), nghe_an),
                         (generate(ReportKind.NATIONAL_WEEKLY, root), root)):  # fmt: skip
        pages = pdf_pages(report)
        running = f"{unit.name} · {WEEK.label}"
        assert len(pages) > 3
        assert running not in pages[0]
        missing = [number for number, page in enumerate(pages[1:], start=2) if running not in page]
        assert not missing, f"{report.kind}: pages {missing} lack '{running}'"


def test_both_weekly_reports_put_their_ranking_in_an_annex_after_the_signature(week_history, root):
    pages = pdf_pages(generate(ReportKind.NATIONAL_WEEKLY, root))
    signed = next(i for i, page in enumerate(pages) if "TRƯỞNG BAN" in page)
    annex = next(i for i, page in enumerate(pages) if "Xếp hạng các tỉnh, thành phố" in page)
    assert signed < annex
    page = pages[annex]
    assert page.index("PHỤ LỤC") < page.index("Xếp hạng các tỉnh, thành phố") < page.index("Hạng Tỉnh")
    assert not any("Xếp hạng các tỉnh, thành phố" in page for page in pages[:annex])


def test_week_lists_name_the_year_once_unless_the_week_spans_two():
    with translation.override("vi"):
        assert Week(datetime.date(2026, 11, 23)).short_label == "Tuần 48 (23/11 – 29/11/2026)"
        assert Week(datetime.date(2026, 12, 28)).short_label == "Tuần 53 (28/12/2026 – 03/01/2027)"
        assert Week(datetime.date(2026, 11, 23)).label == "Tuần 48 (23/11/2026 – 29/11/2026)"
