"""The commune officer's whole errand in a real browser on a phone: log in, open a task
that is behind schedule, report progress with an evidence file, and see the colour change."""

import io

import pytest
from PIL import Image

from tasks_app.models import Evidence, Task

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


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
    live_server, page, behind_task, settings, tmp_path
):
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
    page.get_by_role("button", name="Lưu").click()

    page.locator(".colour-card.green").wait_for()  # swapped in by htmx, no reload
    assert page.url.endswith(f"/tasks/{behind_task.pk}/")
    assert page.get_by_text("Đã lưu").is_visible()
    assert page.get_by_role("link", name="ảnh_bàn_giao.png").is_visible()
    page.screenshot(path=str(tmp_path / "after-save.png"), full_page=True)

    behind_task.refresh_from_db()
    assert (behind_task.progress, behind_task.version) == (90, 2)
    evidence = Evidence.objects.get(update__task=behind_task)
    assert evidence.content_type == "image/png" and evidence.size == len(buffer.getvalue())
