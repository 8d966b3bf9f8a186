"""Logins and sessions (issue 15, point 6): password rules, the old password counted as a
login, the per-address lockout, the idle timeout that polling does not renew, and the
per-user limit on report requests."""

import time
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from nq57.middleware import LAST_ACTIVITY_KEY
from reports.documents.archive import reportable_weeks
from reports.models import Report
from tasks_app.models import User
from tasks_app.passwords import DEMO_PASSWORD

STRONG = "Xanh-hoa-2026!"


def change_password(client, old: str, new: str, **headers):
    return client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
        **headers,
    )


# --- Passwords ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weak", "reason"),
    [
        ("matkhau1", "quá ngắn"),
        ("matkhau123", "quá phổ biến"),
        ("matkhau@123", "quá phổ biến"),
        ("anhyeuem123", "quá phổ biến"),
        ("Nguyen@2025", "quá phổ biến"),
        ("0912345678", "hoàn toàn là số"),  # a phone number
        (DEMO_PASSWORD, "quá ngắn"),
        ("demo-nq57-xanh", "mật khẩu demo công khai"),
    ],
)
def test_weak_passwords_are_refused(client, xa_officer, weak, reason):
    client.force_login(xa_officer)
    page = change_password(client, "pw-xa_officer", weak).content.decode()
    assert reason in page
    assert User.objects.get(pk=xa_officer.pk).check_password("pw-xa_officer")


def test_a_strong_password_is_accepted(client, xa_officer):
    client.force_login(xa_officer)
    assert change_password(client, "pw-xa_officer", STRONG)["Location"] == reverse("password_change_done")
    assert User.objects.get(pk=xa_officer.pk).check_password(STRONG)


def test_the_demo_password_is_refused_outside_the_demo_only(settings):
    settings.DEMO_MODE = False
    with pytest.raises(ValidationError) as refused:
        validate_password("DEMO-NQ57-xanh-la")
    assert [e.code for e in refused.value.error_list] == ["password_is_demo"]
    settings.DEMO_MODE = True
    validate_password("DEMO-NQ57-xanh-la")  # the demo may use it


def test_the_demo_follows_debug_unless_set(settings):
    # `make serve` runs with DEBUG=0 and sets DEMO_MODE=1; production sets neither.
    from nq57 import settings as real

    assert real.DEMO_MODE is real.DEBUG


def test_seed_demo_refuses_to_give_out_the_demo_password_outside_the_demo(db, settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="DEMO_MODE"):
        call_command("seed_demo", "--today", "21/11/2026")
    assert not User.objects.filter(username="xa.canbo").exists()


def test_the_admin_refuses_a_weak_password_for_a_new_user(client, staff_admin):
    client.force_login(staff_admin)
    page = client.post(
        reverse("admin:tasks_app_user_add"),
        {"username": "xa.moi", "full_name": "Cán bộ", "password1": "matkhau123", "password2": "matkhau123"},
    ).content.decode()
    assert "quá phổ biến" in page
    assert not User.objects.filter(username="xa.moi").exists()


# --- The old password of the change form counts as a login --------------------------------


def test_guessing_the_old_password_locks_the_account_and_ends_the_session(client, xa_officer, settings):
    client.force_login(xa_officer)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        wrong = change_password(client, "doan-sai", STRONG)
        warned = "Mật khẩu cũ không đúng. Nếu nhập sai 5 lần liên tiếp, tài khoản sẽ bị khóa trong 15 phút."
        assert wrong.status_code == 200 and warned in wrong.content.decode()
    locked = change_password(client, "doan-sai", STRONG)
    assert locked.status_code == 429 and "Đăng nhập sai quá nhiều lần" in locked.content.decode()
    # The session ended, and the right old password changes nothing now.
    assert SESSION_KEY not in client.session
    change_password(client, "pw-xa_officer", STRONG)
    assert User.objects.get(pk=xa_officer.pk).check_password("pw-xa_officer")
    # Nor can the right password log in from this address during the lockout.
    again = client.post(reverse("login"), {"username": "xa_officer", "password": "pw-xa_officer"})
    assert again.status_code == 429


# --- Per address --------------------------------------------------------------------------


def wrong_login(client, username: str, address: str = "10.1.1.1"):
    return client.post(reverse("login"), {"username": username, "password": "sai"}, REMOTE_ADDR=address)


def test_many_usernames_from_one_address_are_stopped(client, xa_officer, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    for n in range(5):
        assert wrong_login(client, f"thu{n}").status_code == 200
    blocked = wrong_login(client, "thu5")
    assert blocked.status_code == 429 and "từ mạng này" in blocked.content.decode()
    right = client.post(
        reverse("login"), {"username": "xa_officer", "password": "pw-xa_officer"}, REMOTE_ADDR="10.1.1.1"
    )
    assert right.status_code == 429
    elsewhere = client.post(
        reverse("login"), {"username": "xa_officer", "password": "pw-xa_officer"}, REMOTE_ADDR="10.2.2.2"
    )
    assert elsewhere.status_code == 302


def test_colleagues_typos_on_one_address_stay_under_the_address_limit(client, xa_officer, settings):
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT > settings.AXES_FAILURE_LIMIT
    for colleague in ("xa.a", "xa.b", "xa.c"):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert wrong_login(client, colleague).status_code == 200
    ok = client.post(
        reverse("login"), {"username": "xa_officer", "password": "pw-xa_officer"}, REMOTE_ADDR="10.1.1.1"
    )
    assert ok.status_code == 302


def test_one_username_is_still_locked_per_address(client, xa_officer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert wrong_login(client, "xa_officer").status_code == 200
    locked = wrong_login(client, "xa_officer")
    assert locked.status_code == 429 and "Tài khoản này tạm bị khóa" in locked.content.decode()
    assert wrong_login(client, "xa_officer", address="10.3.3.3").status_code == 200


def test_a_success_does_not_wipe_the_address_count(client, xa_officer, settings):
    # Someone with one valid account cannot reset the address count by logging in.
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    for n in range(5):
        wrong_login(client, f"thu{n}")
    ok = client.post(
        reverse("login"), {"username": "xa_officer", "password": "pw-xa_officer"}, REMOTE_ADDR="10.1.1.1"
    )
    assert ok.status_code == 302
    client.logout()
    assert AccessAttempt.objects.filter(ip_address="10.1.1.1").count() == 5
    assert wrong_login(client, "thu5").status_code == 429


# --- The idle timeout and polling -----------------------------------------------------------


POLL = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TRIGGER": "board", "HTTP_X_NQ57_POLL": "board"}


def set_last_activity(client, seconds_ago: int) -> None:
    session = client.session
    session[LAST_ACTIVITY_KEY] = int(time.time()) - seconds_ago
    session.save()


def last_activity(client) -> int | None:
    return client.session.get(LAST_ACTIVITY_KEY)


@pytest.fixture
def board_url(commune) -> str:
    return reverse("dashboard_commune", args=[commune.pk])


def test_the_board_and_the_report_progress_mark_their_polls(
    client, xa_leader, board_url, commune, few_reports
):
    client.force_login(xa_leader)
    page = client.get(board_url).content.decode()
    assert 'id="board"' in page and 'hx-headers=\'{"X-NQ57-Poll": "board"}\'' in page
    progress = client.get(ask(client, commune, reportable_weeks()[0])["Location"]).content.decode()
    assert 'id="report-status"' in progress
    assert 'hx-headers=\'{"X-NQ57-Poll": "report-status"}\'' in progress


def test_polling_does_not_count_as_activity(client, xa_leader, board_url, settings):
    client.force_login(xa_leader)
    assert client.get(board_url).status_code == 200
    set_last_activity(client, settings.SESSION_IDLE_SECONDS - 60)
    before, expires = last_activity(client), Session.objects.get().expire_date
    time.sleep(1.1)  # a renewal would now move both
    assert client.get(board_url, **POLL).status_code == 200
    assert last_activity(client) == before and Session.objects.get().expire_date == expires
    set_last_activity(client, settings.SESSION_IDLE_SECONDS + 1)
    expired = client.get(board_url, **POLL)
    assert expired["HX-Redirect"] == f"{reverse('login')}?next={board_url.replace('/', '%2F')}"
    assert SESSION_KEY not in client.session


def test_a_click_inside_the_board_is_activity(client, xa_leader, board_url, settings):
    # The table's sorting inherits the board's hx-headers, but it is the person's click.
    client.force_login(xa_leader)
    client.get(board_url)
    set_last_activity(client, settings.SESSION_IDLE_SECONDS - 60)
    before = last_activity(client)
    sort = {**POLL, "HTTP_HX_TRIGGER": "sort-rate"}
    assert client.get(board_url, **sort).status_code == 200
    assert last_activity(client) > before


def test_a_page_after_the_idle_time_goes_to_log_in_and_back(client, xa_officer, settings):
    client.force_login(xa_officer)
    client.get(reverse("my_tasks"))
    set_last_activity(client, settings.SESSION_IDLE_SECONDS + 1)
    response = client.get(reverse("my_tasks") + "?q=x")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/tasks/%3Fq%3Dx"


def test_an_htmx_request_without_a_session_sends_the_page_to_log_in(client, board_url):
    # The usual case: the browser already dropped the cookie (SESSION_COOKIE_AGE).
    response = client.get(board_url, HTTP_HX_CURRENT_URL=f"http://testserver{board_url}?on=x", **POLL)
    assert response["HX-Redirect"] == f"{reverse('login')}?next={board_url.replace('/', '%2F')}%3Fon%3Dx"


# --- Report requests per user per minute -----------------------------------------------------


@pytest.fixture
def few_reports(settings):
    settings.REPORT_REQUESTS_PER_MINUTE = 2
    cache.clear()
    # One clock minute for the whole test, so a minute's turn cannot reset the count.
    with mock.patch("tasks_app.rate_limits.current_minute", return_value=30_000_000):
        yield
    cache.clear()


def ask(client, unit, week, **headers):
    data = {"unit": unit.pk, "week": week.start.isoformat()}
    return client.post(reverse("report_request"), data, **headers)


def test_report_requests_are_limited_per_user_per_minute(
    client, tinh_officer, nghe_an, few_reports, django_capture_on_commit_callbacks
):
    client.force_login(tinh_officer)
    weeks = reportable_weeks()
    with django_capture_on_commit_callbacks() as queued:
        assert ask(client, nghe_an, weeks[0]).status_code == 302
        assert ask(client, nghe_an, weeks[1]).status_code == 302
        assert ask(client, nghe_an, weeks[0]).status_code == 302  # already asked: costs nothing
        refused = ask(client, nghe_an, weeks[2], HTTP_REFERER="http://testserver/dashboard/")
    assert len(queued) == 2  # the refused one queued no job
    assert refused.status_code == 302 and refused["Location"] == "http://testserver/dashboard/"
    page = client.get(reverse("report_archive")).content.decode()
    assert "Đợi một phút" in page
    assert Report.objects.count() == 2
    htmx = ask(client, nghe_an, weeks[3], HTTP_HX_REQUEST="true")
    assert htmx.status_code == 429 and "Đợi một phút" in htmx.content.decode()
    assert Report.objects.count() == 2


def test_the_limit_is_per_user(client, tinh_officer, tinh_leader, nghe_an, few_reports):
    weeks = reportable_weeks()
    client.force_login(tinh_officer)
    ask(client, nghe_an, weeks[0])
    ask(client, nghe_an, weeks[1])
    client.force_login(tinh_leader)
    assert ask(client, nghe_an, weeks[2]).status_code == 302
    assert Report.objects.count() == 3


def test_excel_downloads_have_their_own_limit_and_reason(
    client, tinh_officer, nghe_an, few_reports, settings
):
    """Asking for reports does not use up downloads (a reviewer downloading what is ready
    after six requests got the archive page instead of the file), and a refused download
    says it is about downloads."""
    settings.EXCEL_DOWNLOADS_PER_MINUTE = 2
    client.force_login(tinh_officer)
    weeks = reportable_weeks()
    ask(client, nghe_an, weeks[0])
    ask(client, nghe_an, weeks[1])
    assert ask(client, nghe_an, weeks[2]).status_code == 302  # the requests' budget is spent
    report = Report.objects.order_by("pk").first()
    excel = reverse("report_excel", args=[report.pk])
    assert client.get(excel)["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(excel)["Content-Type"].startswith("application/vnd.openxmlformats")
    refused = client.get(excel, HTTP_ACCEPT="application/json")
    assert refused.status_code == 429
    assert "tải nhiều tệp Excel" in refused.content.decode()
