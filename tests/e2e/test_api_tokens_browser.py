"""The API tokens page on a phone, without a line of our JavaScript: create a token, copy
its secret from the answer, see it in the list and revoke it after confirming."""

import pytest

from tasks_app.models import ApiToken, Membership, Role, Unit, UnitKind, User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_an_officer_creates_and_revokes_a_token_on_a_phone(live_server, page):
    commune = Unit.objects.filter(kind=UnitKind.COMMUNE).order_by("code").first()
    officer = User.objects.create_user("canbo.token", password="mat-khau-xa", full_name="Lê Văn Nam")
    Membership.objects.create(user=officer, unit=commune, role=Role.COMMUNE_OFFICER)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill("canbo.token")
    page.get_by_label("Mật khẩu").fill("mat-khau-xa")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    page.get_by_role("link", name="Mã truy cập API").click()
    page.get_by_label("Tên").fill("Bảng tính của xã")
    page.get_by_label("Hết hạn sau").select_option("30")
    page.get_by_role("button", name="Tạo mã").click()
    page.get_by_text("mã sẽ không được hiển thị lại").wait_for()
    secret = page.locator("#new-token-secret").input_value()
    assert secret.startswith("nq57_")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_role("link", name="Quay lại danh sách mã truy cập").click()
    row = page.get_by_role("row").filter(has_text="Bảng tính của xã")
    assert "Đang hiệu lực" in row.inner_text() and secret not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    row.get_by_text("Thu hồi…").click()
    row.get_by_role("button", name="Đồng ý, thu hồi mã này").click()
    page.get_by_text("đã bị thu hồi").wait_for()
    assert ApiToken.objects.get(user=officer).revoked_at is not None
