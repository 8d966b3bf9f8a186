"""The dashboards in a real browser: screenshots of the national and a province board
(kept for CI), the htmx sorting that swaps only the table, the refresh that keeps the
URL's filters, and axe's WCAG AA checks on a phone."""

import datetime
import os
import tempfile
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from tasks_app.actions.greening import greening_recompute
from tasks_app.clock import local_today
from tasks_app.models import Membership, Plan, Role, Task, TaskStatus, Unit, UnitKind, User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
SCREENSHOTS = Path(os.environ.get("NQ57_SCREENSHOT_DIR") or Path(tempfile.gettempdir()) / "nq57-screenshots")
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def boards():
    """Tasks in three communes of Nghệ An and one of Quảng Trị, with figures for today
    and the week before; a central viewer and a Nghệ An leader who can log in."""
    today = local_today()
    nghe_an = Unit.objects.get(code="40")
    quang_tri = Unit.objects.get(code="44")
    communes = list(Unit.objects.filter(province=nghe_an, kind=UnitKind.COMMUNE).order_by("code")[:3])
    far = Unit.objects.filter(province=quang_tri, kind=UnitKind.COMMUNE).order_by("code").first()
    plans = {
        province: Plan.objects.create(
            issuing_unit=province, code=f"{province.code}/KH", title="Kế hoạch 2026", issue_date=today
        )
        for province in (nghe_an, quang_tri)
    }
    specs = [  # (unit, days since start, days to deadline, progress)
        (communes[0], 90, -20, 30),  # overdue
        (communes[0], 10, 200, 10),
        (communes[1], 10, 200, 10),
        (communes[2], 100, 3, 10),  # behind, due in 3 days
        (far, 10, 100, 10),
        (nghe_an, 10, 100, 10),
    ]
    for number, (unit, started, due, progress) in enumerate(specs):
        Task.objects.create(
            plan=plans[nghe_an if unit.province_id == nghe_an.pk else quang_tri],
            code=f"E2E-{number}",
            title="Triển khai nền tảng số cấp xã",
            lead_unit=unit,
            responsible_name="Lê Văn Hùng",
            approving_authority="UBND tỉnh",
            start_date=today - datetime.timedelta(days=started),
            deadline=today + datetime.timedelta(days=due),
            expected_product="Báo cáo",
            status=TaskStatus.IN_PROGRESS,
            progress=progress,
        )
    greening_recompute(on=today - datetime.timedelta(weeks=1))
    greening_recompute(on=today)
    viewer = User.objects.create_user("tw.e2e", password="mat-khau-tw", full_name="Trần Minh Đức")
    Membership.objects.create(
        user=viewer, unit=Unit.objects.get(kind=UnitKind.CENTRAL), role=Role.CENTRAL_VIEWER
    )
    leader = User.objects.create_user("tinh.e2e", password="mat-khau-tinh", full_name="Phạm Thu Hà")
    Membership.objects.create(user=leader, unit=nghe_an, role=Role.PROVINCE_LEADER)
    return {"nghe_an": nghe_an, "communes": communes}


def _log_in(page, base: str, username: str, password: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)  # each role's own start page


def _screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def test_screenshots_of_the_national_and_a_province_board(live_server, browser, boards):
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    try:
        _log_in(page, live_server.url, "tw.e2e", "mat-khau-tw")
        page.get_by_role("link", name="Bảng điều hành").click()
        page.wait_for_url("**/dashboard/national/")
        page.get_by_role("heading", name="Bảng điều hành toàn quốc").wait_for()
        assert page.locator("section.map-section svg a").count() == 34  # every province, linked
        national = _screenshot(page, "dashboard-national")
        page.locator("section.map-section svg a[aria-label^='Nghệ An']").click()
        page.wait_for_url(f"**/dashboard/province/{boards['nghe_an'].pk}/**")
        page.get_by_role("heading", name="Nghệ An", exact=True).wait_for()
        assert page.locator("#communes tbody tr").count() >= 3
        province = _screenshot(page, "dashboard-province")
    finally:
        context.close()
    for shot in (national, province):
        assert shot.stat().st_size > 20_000  # a rendered page, not a blank one


def test_sorting_swaps_the_table_and_the_refresh_keeps_it(live_server, page, boards):
    overdue_commune = boards["communes"][0]
    _log_in(page, live_server.url, "tinh.e2e", "mat-khau-tinh")
    page.goto(f"{live_server.url}/dashboard/province/{boards['nghe_an'].pk}/")
    page.evaluate("window.notReloaded = true")
    page.locator("#sort-overdue").click()
    page.wait_for_url("**sort=-overdue**")
    first_row = page.locator("#communes tbody tr").first
    assert first_row.get_attribute("id") == f"unit-{overdue_commune.pk}"
    assert page.evaluate("window.notReloaded") is True  # htmx swapped the table only
    with page.expect_request(lambda r: "sort=-overdue" in r.url and r.headers.get("hx-request") == "true"):
        page.evaluate("document.body.dispatchEvent(new Event('nq57:refresh'))")
    page.wait_for_load_state("networkidle")
    assert page.locator("#communes tbody tr").first.get_attribute("id") == f"unit-{overdue_commune.pk}"
    assert page.evaluate("window.notReloaded") is True


def _check(page, name: str) -> None:
    results = Axe().run(page, options=WCAG_AA)
    problems = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]]
    assert problems == [], f"{name}: {problems}"
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at 360px"


def test_the_boards_pass_wcag_aa_checks_on_a_phone(live_server, page, boards):
    _log_in(page, live_server.url, "tw.e2e", "mat-khau-tw")
    page.goto(live_server.url + "/dashboard/national/")
    _check(page, "national board")
    page.goto(f"{live_server.url}/dashboard/province/{boards['nghe_an'].pk}/")
    _check(page, "province board")
    page.goto(f"{live_server.url}/dashboard/commune/{boards['communes'][0].pk}/")
    _check(page, "commune board")
