"""The commune officer's errand on a 360 px phone with JavaScript off: every step is a
plain link or a plain HTML form (htmx only enhances), so it must work the same."""

import io

import pytest
from PIL import Image

from tasks_app.models import Evidence, Task
from tests.e2e.conftest import PHONE_VIEWPORT

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def page_without_js(browser):
    context = browser.new_context(
        viewport=PHONE_VIEWPORT, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", java_script_enabled=False
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def behind_task(officer_task) -> Task:
    return officer_task(
        "canbo.xa",
        "mat-khau-xa",
        start_days_ago=80,
        due_in_days=20,
        code="NV-008/NOJS",
        title="Trang bị chữ ký số cho bộ phận một cửa",
        progress=10,
    )


def test_commune_officer_reports_progress_with_a_file_and_javascript_off(
    live_server, page_without_js, behind_task, settings, tmp_path
):
    page = page_without_js
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = tmp_path / "ảnh bàn giao.png"
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), "navy").save(buffer, "PNG")
    photo.write_bytes(buffer.getvalue())

    page.goto(live_server.url + "/")
    page.get_by_label("Tên đăng nhập").fill("canbo.xa")
    page.get_by_label("Mật khẩu").fill("mat-khau-xa")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/tasks/")

    page.get_by_text("NV-008/NOJS").click()
    page.wait_for_url(f"**/tasks/{behind_task.pk}/")
    assert "yellow" in page.locator(".colour-card").get_attribute("class")

    page.get_by_label("Tiến độ (%)").fill("90")
    page.get_by_label("Ghi chú").fill("Đã bàn giao 9/10 bộ thiết bị")
    page.get_by_label("Tệp minh chứng").set_input_files(str(photo))
    with page.expect_navigation():  # a real form post, answered by a redirect to the task page
        page.get_by_role("button", name="Lưu").click()

    assert page.url.endswith(f"/tasks/{behind_task.pk}/")
    assert "403" not in page.title()
    assert page.get_by_text("Đã lưu").is_visible()
    assert "green" in page.locator(".colour-card").get_attribute("class")
    assert page.get_by_role("link", name="ảnh_bàn_giao.png").is_visible()
    # Nothing scrolls sideways on the phone (Playwright can still measure with page scripts off).
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
    page.screenshot(path=str(tmp_path / "no-js-after-save.png"), full_page=True)

    behind_task.refresh_from_db()
    assert (behind_task.progress, behind_task.version) == (90, 2)
    evidence = Evidence.objects.get(update__task=behind_task)
    assert evidence.content_type == "image/png" and evidence.size == len(buffer.getvalue())
