"""The browser smoke tests: a real Chromium reaches the live server, logs in to the admin and
takes screenshots."""

import json

import pytest

from tasks_app.models import User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_browser_reaches_the_health_check(live_server, page):
    response = page.goto(live_server.url + "/healthz")
    assert response is not None and response.status == 200
    body = page.locator("body").inner_text()
    assert "database" in body
    assert json.loads(body)["database"] == "ok"


def test_staff_log_in_to_the_vietnamese_admin_on_a_phone(live_server, page, tmp_path):
    User.objects.create_user("canbo", password="mat-khau-thu", full_name="Trần Văn Cán", is_staff=True)

    page.goto(live_server.url + "/admin/login/")
    assert page.locator("html").get_attribute("lang") == "vi"
    page.fill("#id_username", "canbo")
    page.fill("#id_password", "mat-khau-thu")
    page.click("input[type=submit]")

    page.wait_for_url(live_server.url + "/admin/")
    assert "Quản trị nhiệm vụ Nghị quyết 57" in page.title()
    assert page.locator("#user-tools").is_visible()

    screenshot = tmp_path / "admin-index.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.read_bytes().startswith(b"\x89PNG") and screenshot.stat().st_size > 1000
