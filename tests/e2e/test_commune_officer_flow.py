"""The commune officer's whole errand in a real browser on a phone, with JavaScript on and
off: log in, open a task that is behind schedule, report progress with an evidence file, and
see the colour change. With JavaScript, htmx swaps the task card in place; without it, the
same form is a plain post answered by a redirect to the task page."""

import io

import pytest
from PIL import Image

from tasks_app.models import Evidence, Task
from tests.e2e.conftest import PHONE_VIEWPORT

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(params=[True, False], ids=["javascript", "no-javascript"])
def javascript(request) -> bool:
    return request.param


@pytest.fixture
def phone_page(browser, javascript):
    context = browser.new_context(
        viewport=PHONE_VIEWPORT,
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        java_script_enabled=javascript,
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
        code="NV-008/E2E",
        title="Trang bị chữ ký số cho bộ phận một cửa",
        progress=10,
    )


def test_commune_officer_updates_a_task_with_evidence_and_sees_it_turn_green(
    live_server, phone_page, javascript, behind_task, settings, tmp_path
):
    page = phone_page
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
    assert page.get_by_role("heading", name="Nhiệm vụ của tôi").is_visible()

    page.get_by_text("NV-008/E2E").click()
    page.wait_for_url(f"**/tasks/{behind_task.pk}/")
    assert "yellow" in page.locator(".colour-card").get_attribute("class")

    page.get_by_label("Tiến độ (%)").fill("90")
    page.get_by_label("Ghi chú").fill("Đã bàn giao 9/10 bộ thiết bị")
    page.get_by_label("Tệp minh chứng").set_input_files(str(photo))
    if javascript:
        page.get_by_role("button", name="Lưu").click()
        page.locator(".colour-card.green").wait_for()  # swapped in by htmx, no reload
    else:
        with page.expect_navigation():  # a real form post, answered by a redirect to the task page
            page.get_by_role("button", name="Lưu").click()

    assert page.url.endswith(f"/tasks/{behind_task.pk}/")
    assert "403" not in page.title()
    assert page.get_by_text("Đã lưu").is_visible()
    assert "green" in page.locator(".colour-card").get_attribute("class")
    assert page.get_by_role("link", name="ảnh_bàn_giao.png").is_visible()
    # Nothing scrolls sideways on the phone (Playwright can still measure with page scripts off).
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
    page.screenshot(path=str(tmp_path / "after-save.png"), full_page=True)

    behind_task.refresh_from_db()
    assert (behind_task.progress, behind_task.version) == (90, 2)
    evidence = Evidence.objects.get(update__task=behind_task)
    assert evidence.content_type == "image/png" and evidence.size == len(buffer.getvalue())
