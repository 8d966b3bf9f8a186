"""The update form checks the chosen files against the upload limits before anything is
sent: a phone does not upload for minutes only to be refused, and the typed text stays."""

import pytest

from tasks_app.models import TaskUpdate

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_file_over_the_limit_is_refused_in_the_page_before_sending(
    live_server, page, officer_task, settings
):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    task = officer_task(
        "canbo.gioihan",
        "mat-khau-xa",
        start_days_ago=10,
        due_in_days=20,
        code="NV-413/E2E",
        title="Số hóa hồ sơ một cửa",
    )
    page.goto(live_server.url + "/")
    page.get_by_label("Tên đăng nhập").fill("canbo.gioihan")
    page.get_by_label("Mật khẩu").fill("mat-khau-xa")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/tasks/")
    page.goto(f"{live_server.url}/tasks/{task.pk}/")

    page.get_by_label("Ghi chú").fill("Biên bản nghiệm thu đợt 1")
    big = {"name": "ban-scan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7\n" + b"0" * 2_000_000}
    page.get_by_label("Tệp minh chứng").set_input_files(big)
    alert = page.get_by_role("alert").filter(has_text="“ban-scan.pdf” lớn hơn 1 MB")
    alert.wait_for()
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_timeout(500)

    assert page.url.endswith(f"/tasks/{task.pk}/")
    assert page.get_by_label("Ghi chú").input_value() == "Biên bản nghiệm thu đợt 1"
    assert not TaskUpdate.objects.filter(task=task).exists()
