"""Landing pages in a real browser on a 360 px phone, with and without JavaScript: each
role lands where its work is, and the menu offers only what the role can open."""

import pytest

from tasks_app.models import Membership, Role, Unit, UnitKind, User
from tests.e2e.conftest import PHONE_VIEWPORT

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


@pytest.fixture
def people():
    nghe_an = Unit.objects.get(code="40", kind=UnitKind.PROVINCE)
    root = Unit.objects.get(kind=UnitKind.CENTRAL)
    for username, unit, role in (
        ("lanhdao.tinh", nghe_an, Role.PROVINCE_LEADER),
        ("theodoi.tw", root, Role.CENTRAL_VIEWER),
    ):
        user = User.objects.create_user(username, password="mat-khau-1", full_name=username)
        Membership.objects.create(user=user, unit=unit, role=role)
    return nghe_an


def _log_in(page, base: str, username: str) -> None:
    page.goto(base + "/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill("mat-khau-1")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_a_province_leader_lands_on_the_province_board(live_server, phone, people):
    _log_in(phone, live_server.url, "lanhdao.tinh")
    assert phone.url.endswith(f"/dashboard/province/{people.pk}/")
    menu = phone.get_by_role("navigation", name="Menu chính")
    assert menu.get_by_role("link").all_inner_texts() == [
        "Nhiệm vụ của tôi",
        "Bảng điều hành",
        "Báo cáo",
        "Chỉ tiêu",
        "Chờ phê duyệt",
    ]
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]


def test_a_central_viewer_lands_on_the_national_board_not_an_empty_list(live_server, phone, people):
    _log_in(phone, live_server.url, "theodoi.tw")
    assert phone.url.endswith("/dashboard/national/")
    menu = phone.get_by_role("navigation", name="Menu chính")
    assert menu.get_by_role("link").all_inner_texts() == ["Bảng điều hành", "Báo cáo", "Chỉ tiêu"]
