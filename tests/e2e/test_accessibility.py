"""The officials' pages pass axe-core's WCAG 2 A/AA checks (labels, contrast, names,
landmarks) and fit a 360 px phone without sideways scrolling."""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe

from tasks_app.clock import local_today
from tasks_app.models import Membership, Plan, Role, Task, TaskStatus, Unit, UnitKind, User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.fixture
def officer_task() -> Task:
    commune = Unit.objects.filter(province__code="40", kind=UnitKind.COMMUNE).order_by("code").first()
    officer = User.objects.create_user("a11y", password="mat-khau-a11y", full_name="Nguyễn Văn Kiểm")
    Membership.objects.create(user=officer, unit=commune, role=Role.COMMUNE_OFFICER)
    plan = Plan.objects.create(
        issuing_unit=commune.province,
        code="9/KH-UBND",
        title="Kế hoạch",
        issue_date=datetime.date(2026, 1, 1),
    )
    today = local_today()
    return Task.objects.create(
        plan=plan,
        code="NV-A11Y",
        title="Số hóa hồ sơ hộ tịch giai đoạn 2020-2025 cho toàn bộ các thôn, bản trên địa bàn",
        lead_unit=commune,
        responsible_name="Lê Văn Hùng",
        approving_authority="UBND tỉnh",
        start_date=today - datetime.timedelta(days=30),
        deadline=today - datetime.timedelta(days=2),
        expected_product="Cơ sở dữ liệu hộ tịch",
        status=TaskStatus.IN_PROGRESS,
        progress=40,
    )


def _check(page, name: str) -> None:
    results = Axe().run(page, options=WCAG_AA)
    problems = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]]
    assert problems == [], f"{name}: {problems}"
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at 360px"


def test_pages_pass_wcag_aa_checks_on_a_phone(live_server, page, officer_task):
    page.goto(live_server.url + "/accounts/login/")
    _check(page, "login")
    page.get_by_label("Tên đăng nhập").fill("a11y")
    page.get_by_label("Mật khẩu").fill("mat-khau-a11y")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/tasks/")
    page.get_by_text("Bộ lọc và tìm kiếm").click()
    _check(page, "my tasks")
    page.goto(f"{live_server.url}/tasks/{officer_task.pk}/")
    _check(page, "task page")
    page.locator("#id_status").select_option("paused")
    page.get_by_role("button", name="Lưu").click()
    page.locator(".has-error").first.wait_for()
    _check(page, "task page with errors")
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
