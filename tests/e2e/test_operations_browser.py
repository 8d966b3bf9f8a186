"""The operators' page on a 360 px phone, in Vietnamese: nothing wider than the screen
(a long error line included), axe-core's WCAG A/AA checks pass, and the retry button works
as a plain form."""

import datetime
from unittest import mock

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from reports.models import Report, ReportKind, ReportStatus, Week
from reports.tasks import generate_report
from tasks_app.models import JobRun, JobState, Unit, UnitKind, User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
LONG_ERROR = "OSError: " + "/srv/media/reports/2026/" + "x" * 180 + ".pdf could not be written"


def test_the_page_fits_a_phone_and_its_retry_button_works(live_server, page):
    User.objects.create_user("van_phong", password="mat-khau-vp", full_name="Văn Phòng", is_staff=True)
    week = Week.last_finished().start
    nghe_an = Unit.objects.get(code="40")
    commune = Unit.objects.filter(province=nghe_an, kind=UnitKind.COMMUNE).order_by("code").first()
    Report.objects.create(
        kind=ReportKind.PROVINCE_WEEKLY,
        unit=nghe_an,
        period_start=week,
        status=ReportStatus.RENDERING,
        started_at=timezone.now() - datetime.timedelta(hours=1),
    )
    failed = Report.objects.create(
        kind=ReportKind.COMMUNE_SUMMARY,
        unit=commune,
        period_start=week,
        status=ReportStatus.FAILED,
        error=LONG_ERROR,
    )
    JobRun.objects.create(
        task_name="greening.recompute_date",
        task_id="j1",
        arguments={"args": ["2026-11-30"], "kwargs": {}},
        state=JobState.FAILED,
        attempts=7,
        error=LONG_ERROR,
    )

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill("van_phong")
    page.get_by_label("Mật khẩu").fill("mat-khau-vp")
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(live_server.url + "/operations/")
    page.get_by_role("heading", name="Tác vụ chạy nền", level=1).wait_for()

    results = Axe().run(page, options=WCAG_AA)
    assert [v["id"] for v in results.response["violations"]] == []
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at 360px"
    too_wide = page.evaluate(
        "() => [...document.querySelectorAll('table')].filter("
        "t => t.scrollWidth > t.parentElement.clientWidth + 0.5).length"
    )
    assert too_wide == 0

    with mock.patch.object(generate_report, "apply_async"):
        page.locator(f"form[action='/operations/reports/{failed.pk}/retry/'] button").click()
        page.get_by_text("Báo cáo đã được đưa lại vào hàng đợi").wait_for()
    failed.refresh_from_db()
    assert failed.status == ReportStatus.QUEUED
