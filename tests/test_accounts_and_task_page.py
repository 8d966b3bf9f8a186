"""Logging in and out, changing the password, the idle timeout, the language switch, and
what the task page shows."""

import datetime
import uuid

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from tasks_app.actions.tasks import task_change
from tasks_app.clock import local_today
from tasks_app.models import Task, User

pytestmark = pytest.mark.django_db


def test_log_in_and_out(client, xa_officer):
    page = client.get(reverse("login")).content.decode()
    assert 'lang="vi"' in page and "Đăng nhập" in page
    response = client.post(reverse("login"), {"username": "xa_officer", "password": "pw-xa_officer"})
    assert response.status_code == 302 and response["Location"] == reverse("my_tasks")
    assert client.get(reverse("my_tasks")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("my_tasks")).status_code == 302


def test_wrong_password_gets_a_clear_message(client, xa_officer):
    response = client.post(reverse("login"), {"username": "xa_officer", "password": "nope"})
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()


def test_login_keeps_where_the_user_was_going(client, xa_officer, make_task):
    task = make_task()
    target = reverse("task_detail", args=[task.pk])
    response = client.post(
        reverse("login"), {"username": "xa_officer", "password": "pw-xa_officer", "next": target}
    )
    assert response["Location"] == target


def test_change_password(client, xa_officer):
    client.force_login(xa_officer)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "pw-xa_officer",
            "new_password1": "Xanh-hoa-2026!",
            "new_password2": "Xanh-hoa-2026!",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    assert User.objects.get(pk=xa_officer.pk).check_password("Xanh-hoa-2026!")
    weak = client.post(
        reverse("password_change"),
        {"old_password": "Xanh-hoa-2026!", "new_password1": "123", "new_password2": "123"},
    )
    assert weak.status_code == 200 and 'class="error"' in weak.content.decode()


def test_sessions_expire_after_the_idle_time(client, xa_officer, settings):
    # Each real request changes the session (its last activity), which saves it and
    # renews its expiry; polls do not (tests/test_login_rules.py).
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_SECONDS
    client.force_login(xa_officer)
    assert client.get(reverse("my_tasks")).status_code == 200
    session = Session.objects.get()
    expected = timezone.now() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert abs((session.expire_date - expected).total_seconds()) < 60  # renewed on each request
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(reverse("my_tasks"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_switch_to_english_and_back(client, xa_officer):
    client.force_login(xa_officer)
    assert "Nhiệm vụ của tôi" in client.get(reverse("my_tasks")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": reverse("my_tasks")})
    page = client.get(reverse("my_tasks"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'lang="en"' in page and "My tasks" in page
    client.post(reverse("set_language"), {"language": "vi", "next": reverse("my_tasks")})
    assert "Nhiệm vụ của tôi" in client.get(reverse("my_tasks")).content.decode()


def test_home_sends_people_to_their_tasks(client, xa_officer):
    assert client.get("/")["Location"].startswith(reverse("login"))
    client.force_login(xa_officer)
    assert client.get("/")["Location"] == reverse("my_tasks")


# --- The task page ------------------------------------------------------------------------------


def test_task_page_shows_6_ro_colour_reason_relations_and_timeline(
    client, xa_officer, make_task, nghe_an, commune, other_commune, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    today = local_today()
    parent = make_task(code="NV-1", lead_unit=nghe_an, title="Chỉ đạo số hóa toàn tỉnh")
    task = make_task(
        code="NV-1/x",
        parent=parent,
        start_date=today - datetime.timedelta(days=40),
        deadline=today - datetime.timedelta(days=3),
        responsible_name="Lê Thị Hoa",
        responsible_position="Phó Chủ tịch UBND xã",
        approving_authority="UBND tỉnh Nghệ An",
        expected_product="Báo cáo kết quả số hóa",
        is_key=True,
    )
    task.coordinating_units.add(other_commune)
    client.force_login(xa_officer)
    client.post(
        reverse("task_update", args=[task.pk]),
        {
            "version": 1,
            "submission_key": str(uuid.uuid4()),
            "status": "in_progress",
            "progress": 70,
            "note": "Còn 300 hồ sơ",
            "evidence": [_png_upload()],
        },
    )
    page = client.get(reverse("task_detail", args=[task.pk])).content.decode()
    for text in (
        "Lê Thị Hoa (Phó Chủ tịch UBND xã)",  # clear person
        "UBND tỉnh Nghệ An",  # clear authority
        "Báo cáo kết quả số hóa",  # clear product
        commune.name,  # lead
        other_commune.name,  # coordinating
        "Chỉ đạo số hóa toàn tỉnh",  # parent
        "Còn 300 hồ sơ",
        "40% → <strong>70%</strong>",
        "tien-do.png",
    ):
        assert text in page, text
    assert "colour-card red" in page and "3 ngày" in page  # overdue by 3 days
    evidence = Task.objects.get(pk=task.pk).updates.get(version=2).evidence.get()
    assert reverse("evidence_download", args=[task.pk, evidence.pk]) in page
    assert xa_officer.full_name in page


def _png_upload():
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "green").save(buffer, "PNG")
    return SimpleUploadedFile("tien-do.png", buffer.getvalue(), content_type="image/png")


def test_task_page_lists_updates_newest_first_with_system_changes(client, xa_officer, make_task):
    task = make_task()
    task_change(task=Task.objects.get(pk=task.pk), expected_version=1, author=None, note="Nhập từ tệp")
    later = Task.objects.get(pk=task.pk)
    later.progress = 45
    task_change(task=later, expected_version=2, author=xa_officer, note="Cập nhật tuần")
    client.force_login(xa_officer)
    page = client.get(reverse("task_detail", args=[task.pk])).content.decode()
    assert page.index('id="update-3"') < page.index('id="update-2"')
    system_entry = page[page.index('id="update-2"') :]
    assert "Hệ thống" in system_entry[:300] and "Nhập từ tệp" in system_entry


def test_read_only_viewers_get_no_form(client, tinh_leader, make_task):
    task = make_task()
    client.force_login(tinh_leader)
    page = client.get(reverse("task_detail", args=[task.pk])).content.decode()
    assert 'id="update-form"' not in page


def test_repeated_wrong_passwords_lock_that_username_from_that_address(client, xa_officer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(reverse("login"), {"username": "xa_officer", "password": "sai"}).status_code == 200
    locked = client.post(reverse("login"), {"username": "xa_officer", "password": "sai"})
    assert locked.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in locked.content.decode()
    # Even the right password is refused during the lockout.
    right = client.post(reverse("login"), {"username": "xa_officer", "password": "pw-xa_officer"})
    assert right.status_code == 429
    assert client.get(reverse("my_tasks")).status_code == 302
    # Another address is not locked out.
    other = client.post(
        reverse("login"), {"username": "xa_officer", "password": "pw-xa_officer"}, REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 302 and other["Location"] == reverse("my_tasks")
