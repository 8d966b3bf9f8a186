"""The value workflow in a real browser on a 360 px phone, with and without JavaScript: the
commune officer enters a value ("74,57") and submits it, the province leader approves it
from the queue, and the colour appears on the commune's list. No page scrolls sideways."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tasks_app.indicators.figures import refresh_figures
from tasks_app.models import IndicatorValue, Membership, Role, User, ValueState
from tasks_app.selectors.greening import current_rules
from tests.e2e.conftest import PHONE_VIEWPORT
from tests.indicator_world import CLOSED, assign, make_indicator, value_url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def phone(request, browser):
    context = browser.new_context(
        viewport=PHONE_VIEWPORT,
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        java_script_enabled=request.param,
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill("mat-khau-1")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def _fits(page, *, js: bool) -> None:
    """No sideways scrolling at 360 px, and (where scripts run: axe is one) axe-core's
    WCAG 2 A/AA checks pass."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"], page.url
    if js:
        results = Axe().run(page, options=WCAG_AA)
        problems = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]]
        assert problems == [], f"{page.url}: {problems}"


def test_enter_submit_approve_on_a_phone(request, live_server, phone, nghe_an, commune, plan):
    js = request.node.callspec.params["phone"]
    for username, unit, role in (
        ("canbo.xa", commune, Role.COMMUNE_OFFICER),
        ("lanhdao.tinh", nghe_an, Role.PROVINCE_LEADER),
    ):
        user = User.objects.create_user(username, password="mat-khau-1", full_name=username)
        Membership.objects.create(user=user, unit=unit, role=role)
    province = assign(make_indicator(nghe_an, plan), nghe_an, rolls_up=True)
    mine = assign(province.indicator, commune, parent=province)
    refresh_figures(assignment_ids=[mine.pk], rules=current_rules())
    base = live_server.url

    _log_in(phone, base, "canbo.xa")
    phone.goto(f"{base}/indicators/")
    _fits(phone, js=js)
    phone.goto(f"{base}{value_url(mine)}")
    _fits(phone, js=js)
    phone.get_by_label("Giá trị (%)").fill("120")
    phone.get_by_role("button", name="Trình duyệt").click()
    phone.locator(".has-error").first.wait_for()
    _fits(phone, js=js)
    phone.get_by_label("Giá trị (%)").fill("74,57")
    phone.get_by_role("button", name="Trình duyệt").click()
    phone.wait_for_url(f"{base}/indicators/{mine.pk}/")
    _fits(phone, js=js)
    value = IndicatorValue.objects.get(assignment=mine, period_end=CLOSED.end)
    assert value.state == ValueState.SUBMITTED and str(value.value) == "74.5700"

    phone.context.clear_cookies()
    _log_in(phone, base, "lanhdao.tinh")
    phone.goto(f"{base}/indicators/approvals/")
    _fits(phone, js=js)
    phone.get_by_role("button", name="Phê duyệt").click()
    phone.wait_for_url(f"{base}/indicators/approvals/")
    value.refresh_from_db()
    assert value.state == ValueState.APPROVED
    phone.goto(f"{base}/indicators/unit/{commune.pk}/")
    _fits(phone, js=js)
    assert "Đã phê duyệt" in phone.content()
