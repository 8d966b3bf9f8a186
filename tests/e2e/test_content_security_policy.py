"""The Content-Security-Policy in a real browser: the officials' pages, their htmx
interactions and Django's admin run without a single violation (no inline script or
style, no eval). Chromium reports each violation on the console; any one fails the test."""

import datetime

import pytest

from tasks_app.actions.greening import greening_recompute
from tasks_app.clock import local_today
from tasks_app.models import Membership, Role, Unit, User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def csp_page(browser):
    """A desktop page that records every Content-Security-Policy violation and script error."""
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.violations = []

    # Chromium logs each violation as a console error; htmx logs an expression it was not
    # allowed to evaluate (allowEval is off) as one too. No page of ours logs any other, but
    # for the admin's missing /favicon.ico (its pages name no icon, so the browser asks).
    def record(message) -> None:
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            page.violations.append(f"{page.url}: {message.text}")

    page.on("console", record)
    page.on("pageerror", lambda error: page.violations.append(f"{page.url}: {error}"))
    yield page
    context.close()


@pytest.fixture
def people(officer_task):
    """A commune officer with a task, the province's leader, and a system administrator."""
    task = officer_task(
        "canbo.csp",
        "mat-khau-xa",
        start_days_ago=80,
        due_in_days=20,
        code="CSP-1",
        title="Trang bị chữ ký số cho bộ phận một cửa",
        progress=10,
    )
    leader = User.objects.create_user("tinh.csp", password="mat-khau-tinh", full_name="Phạm Thu Hà")
    Membership.objects.create(user=leader, unit=task.lead_unit.province, role=Role.PROVINCE_LEADER)
    User.objects.create_superuser("admin.csp", password="mat-khau-admin", full_name="Quản trị viên")
    greening_recompute(on=local_today() - datetime.timedelta(weeks=1))
    greening_recompute(on=local_today())
    return {"task": task, "province": task.lead_unit.province}


def _log_in(page, base: str, username: str, password: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _settle(page) -> None:
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # deferred scripts and htmx's own start-up run and report


def test_the_policy_is_enforced_and_a_violation_is_seen(live_server, csp_page):
    """The check itself can fail: an inline style added to one of our pages is refused and reported."""
    response = csp_page.goto(live_server.url + "/accounts/login/")
    assert "style-src 'self'" in response.headers["content-security-policy"]
    csp_page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<p id=probe style=\"color: red\">x</p>')"
    )
    csp_page.wait_for_timeout(200)
    assert csp_page.locator("#probe").evaluate("el => el.style.color") == ""
    assert any("Content Security Policy" in v for v in csp_page.violations), csp_page.violations


def test_an_officer_updates_a_task_with_htmx_without_violations(live_server, csp_page, people):
    page, task = csp_page, people["task"]
    _log_in(page, live_server.url, "canbo.csp", "mat-khau-xa")
    _settle(page)
    page.goto(f"{live_server.url}/tasks/?colour=yellow")
    _settle(page)
    page.goto(f"{live_server.url}/tasks/{task.pk}/")
    _settle(page)
    page.get_by_label("Tiến độ (%)").fill("90")
    page.get_by_label("Ghi chú").fill("Đã bàn giao 9/10 bộ thiết bị")
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Lưu").click()
    page.get_by_text("Đã lưu").wait_for()
    assert page.evaluate("window.notReloaded") is True  # htmx swapped it in: scripts ran
    _settle(page)
    page.goto(f"{live_server.url}/accounts/password/")
    _settle(page)
    assert page.violations == []


def test_a_leader_sorts_and_filters_a_board_without_violations(live_server, csp_page, people, settings):
    page = csp_page
    settings.DASHBOARD_REFRESH_SECONDS = settings.DASHBOARD_PENDING_REFRESH_SECONDS = 600  # no polling
    _log_in(page, live_server.url, "tinh.csp", "mat-khau-tinh")
    page.goto(f"{live_server.url}/dashboard/province/{people['province'].pk}/")
    _settle(page)
    page.evaluate("window.notReloaded = true")
    page.locator("#sort-overdue").click()
    page.wait_for_url("**sort=-overdue**")
    _settle(page)
    # The tab coming back into view refreshes the board (static/js/board.js, no eval).
    with page.expect_request(lambda r: r.headers.get("hx-request") == "true"):
        page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    _settle(page)
    assert page.evaluate("window.notReloaded") is True
    page.goto(f"{live_server.url}/dashboard/commune/{people['task'].lead_unit.pk}/")
    _settle(page)
    page.goto(f"{live_server.url}/reports/")
    _settle(page)
    assert page.violations == []


def test_the_admin_works_without_violations(live_server, csp_page, people):
    page, task = csp_page, people["task"]
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "admin.csp")
    page.fill("#id_password", "mat-khau-admin")
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")
    _settle(page)
    page.goto(live_server.url + "/admin/tasks_app/task/?q=CSP")
    _settle(page)
    page.goto(f"{live_server.url}/admin/tasks_app/task/{task.pk}/change/")
    _settle(page)
    # The date widget's calendar and an autocomplete (select2, loaded from the admin's files).
    page.locator("#id_deadline").locator("xpath=..").locator("a", has=page.locator(".date-icon")).click()
    page.locator(".calendarbox:visible").wait_for()
    page.keyboard.press("Escape")
    page.locator("#id_lead_unit").locator("xpath=..").locator(".select2-selection").click()
    page.locator("input[aria-controls=select2-id_lead_unit-results]").fill("Nghệ")
    page.locator(".select2-results__option", has_text="Nghệ An").first.wait_for()
    page.keyboard.press("Escape")
    _settle(page)
    page.goto(live_server.url + "/admin/tasks_app/plan/add/")
    _settle(page)
    page.goto(live_server.url + "/admin/tasks_app/unit/")
    _settle(page)
    assert Unit.objects.exists()
    assert page.violations == []
