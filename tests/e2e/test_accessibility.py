"""The officials' pages pass axe-core's WCAG 2 A/AA checks (labels, contrast, names,
landmarks) and fit a 360 px phone without sideways scrolling."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tasks_app.models import Task

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.fixture
def overdue_task(officer_task) -> Task:
    return officer_task(
        "a11y",
        "mat-khau-a11y",
        start_days_ago=30,
        due_in_days=-2,
        code="NV-A11Y",
        title="Số hóa hồ sơ hộ tịch giai đoạn 2020-2025 cho toàn bộ các thôn, bản trên địa bàn",
        progress=40,
    )


def _check(page, name: str) -> None:
    results = Axe().run(page, options=WCAG_AA)
    problems = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]]
    assert problems == [], f"{name}: {problems}"
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at 360px"


def test_pages_pass_wcag_aa_checks_on_a_phone(live_server, page, overdue_task):
    page.goto(live_server.url + "/accounts/login/")
    _check(page, "login")
    page.get_by_label("Tên đăng nhập").fill("a11y")
    page.get_by_label("Mật khẩu").fill("mat-khau-a11y")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/tasks/")
    page.get_by_text("Bộ lọc và tìm kiếm").click()
    _check(page, "my tasks")
    page.goto(f"{live_server.url}/tasks/{overdue_task.pk}/")
    _check(page, "task page")
    page.locator("#id_status").select_option("paused")
    page.get_by_role("button", name="Lưu").click()
    page.locator(".has-error").first.wait_for()
    _check(page, "task page with errors")
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
