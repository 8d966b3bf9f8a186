"""On a phone with JavaScript, a save that meets a lost database connection shows the
"try again" page (htmx would otherwise swap nothing and the person would see no answer
at all), and the update is not half saved (issue 16, "Database faults")."""

from unittest import mock

import pytest
from django.db import OperationalError

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _connection_lost(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


def test_a_save_that_loses_the_database_shows_the_try_again_page(live_server, page, officer_task):
    task = officer_task(
        "canbo.xa",
        "mat-khau-xa",
        start_days_ago=30,
        due_in_days=60,
        code="NV-503",
        title="Lắp đặt camera ở bộ phận một cửa",
        progress=20,
    )
    page.goto(live_server.url + "/")
    page.get_by_label("Tên đăng nhập").fill("canbo.xa")
    page.get_by_label("Mật khẩu").fill("mat-khau-xa")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/tasks/")
    page.goto(f"{live_server.url}/tasks/{task.pk}/")

    page.get_by_label("Tiến độ (%)").fill("60")
    page.get_by_label("Ghi chú").fill("Đã lắp đặt xong")
    # Between the task row and its history row, as a dropped connection would.
    with mock.patch("tasks_app.actions.tasks.greening_mark_stale", side_effect=_connection_lost):
        page.get_by_role("button", name="Lưu").click()
        page.get_by_role("heading", name="Hệ thống tạm thời gián đoạn").wait_for()
    assert page.get_by_text("không có gì bị lưu dở dang").is_visible()
    assert page.url.endswith(f"/tasks/{task.pk}/")

    task.refresh_from_db()
    assert (task.version, task.progress) == (1, 20) and not task.updates.exists()
