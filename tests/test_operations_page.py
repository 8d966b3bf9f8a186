"""The operators' page (/operations/): who may open it, what it shows (stuck and failed
reports, failed jobs, the greening backlog, the age of the newest figures), the retry
buttons as plain forms, and the record the worker's signals write."""

import datetime
import os
import re
import subprocess
import sys
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from nq57.celery import app as celery_app
from reports.models import Report, ReportKind, ReportStatus, Week
from reports.tasks import generate_report
from tasks_app import tasks as greening_jobs
from tasks_app.access import may_operate, user_reach
from tasks_app.actions import operations as ops_actions
from tasks_app.models import (
    ALL_SCOPE,
    Colour,
    GreeningBacklog,
    GreeningRun,
    GreeningSnapshot,
    JobRun,
    JobState,
    Unit,
    UnitKind,
    User,
)
from tasks_app.models.operations import JOB_LABELS
from tests.forms_html import parse_page

PAGE = "/operations/"
WEEK = Week.last_finished()


@pytest.fixture
def office_staff(db) -> User:
    """Staff of the steering committee office: runs the admin, holds no unit role."""
    return User.objects.create_user(
        "van_phong", password="pw-van_phong", full_name="Văn Phòng", is_staff=True
    )


def _report(unit: Unit, weeks_back: int, **fields) -> Report:
    return Report.objects.create(
        kind=ReportKind.PROVINCE_WEEKLY if unit.kind == UnitKind.PROVINCE else ReportKind.COMMUNE_SUMMARY,
        unit=unit,
        period_start=WEEK.start - datetime.timedelta(weeks=weeks_back),
        **fields,
    )


def _stuck(unit: Unit, weeks_back: int = 0) -> Report:
    """A render whose worker was killed an hour ago: still "rendering", past every limit."""
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    return _report(unit, weeks_back, status=ReportStatus.RENDERING, started_at=an_hour_ago, attempts=1)


def _failed(unit: Unit, weeks_back: int = 0, error: str = "OSError: font not found", **fields) -> Report:
    return _report(unit, weeks_back, status=ReportStatus.FAILED, attempts=4, error=error, **fields)


def _failed_job(n: int = 0, error: str = "OperationalError: server closed the connection") -> JobRun:
    return JobRun.objects.create(
        task_name="greening.recompute_date",
        task_id=f"job-{n}",
        arguments={"args": [f"2026-11-{n + 1:02d}"], "kwargs": {}},
        state=JobState.FAILED,
        attempts=7,
        error=error,
    )


def _snapshot(unit: Unit, on: datetime.date, computed_at: datetime.datetime) -> GreeningSnapshot:
    return GreeningSnapshot.objects.create(
        unit=unit, on_date=on, scope=ALL_SCOPE, scope_kind="all", policy_version=1, colour=Colour.GREEN,
        computed_at=computed_at,
    )  # fmt: skip


# --- Access ------------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_log_in(client, db):
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_it_refuses_unit_roles_even_nationwide(client, xa_officer, tinh_leader, central_viewer):
    for user in (xa_officer, tinh_leader, central_viewer):
        client.force_login(user)
        assert client.get(PAGE).status_code == 403, user
        assert client.post("/operations/greening/", {"what": "backlog"}).status_code == 403, user
    assert not JobRun.objects.exists()


def test_it_opens_for_office_staff_and_superusers(client, office_staff, staff_admin):
    for user in (office_staff, staff_admin):
        client.force_login(user)
        assert client.get(PAGE).status_code == 200


def test_may_operate_is_staff_or_superuser_and_active(office_staff, staff_admin, central_viewer, xa_officer):
    assert may_operate(office_staff) and may_operate(staff_admin)
    assert not may_operate(central_viewer) and not may_operate(xa_officer)
    office_staff.is_active = False
    assert not may_operate(office_staff)


def test_the_menu_links_the_page_for_staff_only(client, office_staff, xa_officer):
    assert user_reach(office_staff).operations and not user_reach(xa_officer).operations
    client.force_login(xa_officer)
    assert f'href="{PAGE}"' not in client.get("/tasks/").content.decode()
    client.force_login(office_staff)
    assert f'href="{PAGE}"' in client.get(PAGE).content.decode()
    assert f'href="{PAGE}"' in client.get("/admin/").content.decode()


# --- Content -----------------------------------------------------------------------------


def test_it_shows_what_is_stuck_failed_and_behind(
    client, office_staff, nghe_an, commune, other_commune, root
):
    stuck = _stuck(nghe_an)
    failed = _failed(commune, error="WeasyPrintError: ảnh bản đồ hỏng")
    fine = _report(other_commune, 0, status=ReportStatus.QUEUED)  # just asked for: not stuck
    job = _failed_job(error="OperationalError: máy chủ CSDL đóng kết nối")
    GreeningBacklog.objects.create(unit=commune, queued_at=timezone.now() - datetime.timedelta(minutes=30))
    GreeningBacklog.objects.create(unit=other_commune)
    three_days_ago = timezone.now() - datetime.timedelta(days=3)
    _snapshot(root, three_days_ago.date(), three_days_ago)

    client.force_login(office_staff)
    html = client.get(PAGE).content.decode()

    assert "Tác vụ chạy nền" in html  # Vietnamese first
    assert f"/reports/{stuck.pk}/" in html and f"/operations/reports/{stuck.pk}/retry/" in html
    assert f"/operations/reports/{failed.pk}/retry/" in html and "ảnh bản đồ hỏng" in html
    assert f"/reports/{fine.pk}/" not in html
    assert f"/operations/jobs/{job.pk}/retry/" in html and "máy chủ CSDL đóng kết nối" in html
    assert "Tính lại số liệu của một ngày" in html and "greening.recompute_date" in html
    facts = re.sub(r"\s+", " ", html.split('class="ops-facts"')[1].split("</dl>")[0])
    assert "<dd>2 · " in facts and "30 phút" in facts  # the backlog: two units, the oldest for 30 minutes
    assert three_days_ago.astimezone(timezone.get_current_timezone()).strftime("%d/%m/%Y %H:%M") in facts
    assert "3 ngày" in facts and "Cũ hơn một ngày" in facts


def test_fresh_figures_are_not_flagged(client, office_staff, root):
    _snapshot(root, timezone.localdate(), timezone.now() - datetime.timedelta(minutes=5))
    client.force_login(office_staff)
    html = client.get(PAGE).content.decode()
    assert "Cũ hơn một ngày" not in html and "Không có báo cáo nào bị treo" in html


def test_a_recompute_that_changes_nothing_still_moves_the_recomputed_time(client, office_staff, make_task):
    """A quiet day is not a stopped job: the card says when the figures were last
    recomputed, and separately when they last changed."""
    from tasks_app.actions.greening import greening_recompute

    make_task()
    assert greening_recompute().rows_written > 0
    two_days_ago = timezone.now() - datetime.timedelta(days=2)
    GreeningSnapshot.objects.update(computed_at=two_days_ago)
    GreeningRun.objects.update(last_run_at=two_days_ago, last_full_run_at=two_days_ago)
    client.force_login(office_staff)
    assert "Cũ hơn một ngày" in client.get(PAGE).content.decode()

    assert greening_recompute().rows_written == 0
    facts = re.sub(r"\s+", " ", client.get(PAGE).content.decode().split('class="ops-facts"')[1])
    local = timezone.get_current_timezone()
    changed = two_days_ago.astimezone(local).strftime("%d/%m/%Y %H:%M")
    assert "tính lại lúc " + timezone.localtime().strftime("%d/%m/%Y") in facts
    assert "Cũ hơn một ngày" not in facts
    assert f"Số liệu thay đổi lần cuối lúc {changed}" in facts


def test_without_figures_it_says_none_yet_and_a_foreign_job_has_no_button(client, office_staff):
    other = JobRun.objects.create(task_name="celery.backend_cleanup", task_id="x", state=JobState.FAILED)
    client.force_login(office_staff)
    html = client.get(PAGE).content.decode()
    assert "chưa có" in html and "Cũ hơn một ngày" not in html
    assert "celery.backend_cleanup" in html and f"/operations/jobs/{other.pk}/retry/" not in html
    response = client.post(f"/operations/jobs/{other.pk}/retry/", follow=True)
    assert "Không thể gửi lại tác vụ này" in response.content.decode()


def test_error_text_is_escaped(client, office_staff, commune):
    _failed(commune, error='<script>alert("x")</script>')
    _failed_job(error="<img src=x onerror=alert(1)>")
    client.force_login(office_staff)
    html = client.get(PAGE).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert" in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_query_count_does_not_grow_with_the_rows(client, office_staff, nghe_an):
    communes = list(Unit.objects.filter(province=nghe_an, kind=UnitKind.COMMUNE).order_by("code")[:12])
    client.force_login(office_staff)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PAGE).status_code == 200
        return len(captured)

    _stuck(communes[0]), _failed(communes[1], requested_by=office_staff), _failed_job(0)
    one_each = queries()
    for i in range(2, 7):
        _stuck(communes[i]), _failed(communes[i + 5], requested_by=office_staff)
        job = _failed_job(i)
        JobRun.objects.filter(pk=job.pk).update(sent_by=office_staff, retried_by=office_staff)
    assert queries() == one_each


# --- Retry buttons -------------------------------------------------------------------------


def test_retrying_a_stuck_report_queues_it_again_in_the_staffs_name(
    client, office_staff, nghe_an, django_capture_on_commit_callbacks
):
    report = _stuck(nghe_an)
    client.force_login(office_staff)
    with (
        mock.patch.object(generate_report, "apply_async") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(f"/operations/reports/{report.pk}/retry/", follow=True)

    assert response.redirect_chain == [(PAGE, 302)]
    assert "Báo cáo đã được đưa lại vào hàng đợi" in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.QUEUED and report.requested_by == office_staff
    sent = JobRun.objects.get(task_name="reports.generate")
    assert (sent.state, sent.sent_by, sent.arguments["args"]) == (JobState.SENT, office_staff, [report.pk])
    queued.assert_called_once_with(args=[report.pk], task_id=sent.task_id)


def test_retrying_a_failed_report_clears_its_error(
    client, office_staff, commune, django_capture_on_commit_callbacks
):
    report = _failed(commune)
    client.force_login(office_staff)
    with mock.patch.object(generate_report, "apply_async"), django_capture_on_commit_callbacks(execute=True):
        client.post(f"/operations/reports/{report.pk}/retry/")
    report.refresh_from_db()
    assert (report.status, report.error, report.requested_by) == (ReportStatus.QUEUED, "", office_staff)


def test_a_ready_report_is_not_sent_again(client, office_staff, commune):
    report = _report(commune, 0, status=ReportStatus.QUEUED)  # asked for a moment ago: on its way
    client.force_login(office_staff)
    with mock.patch.object(generate_report, "apply_async") as queued:
        response = client.post(f"/operations/reports/{report.pk}/retry/", follow=True)
    assert "đang được xử lý" in response.content.decode()
    assert not queued.called and not JobRun.objects.exists()


def test_retrying_a_failed_job_sends_it_again_and_records_who(
    client, office_staff, django_capture_on_commit_callbacks
):
    job = _failed_job(29)
    client.force_login(office_staff)
    with (
        mock.patch.object(greening_jobs.greening_recompute_date, "apply_async") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(f"/operations/jobs/{job.pk}/retry/", follow=True)
    assert "Tác vụ đã được gửi lại" in response.content.decode()
    job.refresh_from_db()
    assert job.retried_by == office_staff and job.retried_at is not None
    sent = JobRun.objects.get(state=JobState.SENT)
    queued.assert_called_once_with(args=["2026-11-30"], task_id=sent.task_id)
    assert sent.sent_by == office_staff
    # A second press (a double submit) sends nothing more.
    with mock.patch.object(greening_jobs.greening_recompute_date, "apply_async") as again:
        client.post(f"/operations/jobs/{job.pk}/retry/")
    assert not again.called and JobRun.objects.filter(state=JobState.SENT).count() == 1


def test_the_backlog_button_queues_the_refresh(
    client, office_staff, commune, django_capture_on_commit_callbacks
):
    GreeningBacklog.objects.create(unit=commune)
    client.force_login(office_staff)
    with (
        mock.patch.object(greening_jobs.greening_refresh_stale, "apply_async") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post("/operations/greening/", {"what": "backlog"})
    assert response.status_code == 302 and response["Location"] == PAGE
    assert queued.call_count == 1
    assert JobRun.objects.get(task_name="greening.refresh_stale").sent_by == office_staff


def test_buttons_work_as_plain_forms_and_need_the_csrf_token(
    office_staff, commune, django_capture_on_commit_callbacks
):
    report = _failed(commune)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(office_staff)
    action = f"/operations/reports/{report.pk}/retry/"
    assert browser.post(action).status_code == 403  # no token
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED

    forms, _ = parse_page(browser.get(PAGE).content.decode())
    form = next(f for f in forms if f.action == action)
    assert form.method == "post"
    with mock.patch.object(generate_report, "apply_async"), django_capture_on_commit_callbacks(execute=True):
        response = browser.post(action, form.submission())  # no HX-Request, no X-CSRFToken header
    assert response.status_code == 302 and response["Location"] == PAGE
    report.refresh_from_db()
    assert report.status == ReportStatus.QUEUED


def test_a_get_on_a_button_goes_back_to_the_page(client, office_staff, commune):
    report = _failed(commune)
    client.force_login(office_staff)
    response = client.get(f"/operations/reports/{report.pk}/retry/")
    assert response.status_code == 302 and response["Location"] == PAGE
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED


def test_a_fresh_web_process_can_send_every_job():
    """A web process imports the job modules only when something uses them; Celery finds
    them by itself only in a worker. The first retry after a restart must not fail."""
    script = (
        "import django; django.setup()\n"
        "from tasks_app.actions.operations import _job\n"
        "from tasks_app.models.operations import JOB_LABELS\n"
        "print(sorted(_job(name).name for name in JOB_LABELS))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "nq57.settings_test"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith(str(sorted(JOB_LABELS)))


# --- The record the worker writes ------------------------------------------------------------


def test_a_failed_job_is_recorded_with_its_error(db):
    with mock.patch.object(
        greening_jobs.greening, "greening_refresh_backlog", side_effect=ValueError("<b>hỏng</b>")
    ):
        result = greening_jobs.greening_refresh_stale.apply(throw=False)  # as a worker runs it
    job = JobRun.objects.get(task_id=result.id)
    assert (job.task_name, job.state, job.attempts) == ("greening.refresh_stale", JobState.FAILED, 1)
    assert job.error == "ValueError: <b>hỏng</b>" and job.arguments == {"args": [], "kwargs": {}}


def test_a_job_retried_until_it_gives_up_counts_its_attempts(db, monkeypatch):
    # A worker catches each retry; in-process, a retry re-runs the job at once and must not raise.
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)
    lost = OperationalError("server closed the connection unexpectedly")
    with mock.patch.object(greening_jobs.greening, "greening_recompute", side_effect=lost):
        result = greening_jobs.greening_recompute_date.apply(args=["2026-11-30"], throw=False)
    job = JobRun.objects.get(task_id=result.id)
    assert (job.state, job.attempts) == (JobState.FAILED, 7)  # the first run and six retries
    assert job.arguments["args"] == ["2026-11-30"] and "server closed" in job.error


def test_a_sent_job_that_succeeds_says_so(db):
    sent = JobRun.objects.create(task_name="greening.refresh_stale", task_id="sent-1", state=JobState.SENT)
    greening_jobs.greening_refresh_stale.apply(task_id="sent-1")
    sent.refresh_from_db()
    assert sent.state == JobState.SUCCEEDED


def test_old_rows_are_pruned_when_a_new_one_is_written(db):
    old = _failed_job(1)
    JobRun.objects.filter(pk=old.pk).update(last_seen_at=timezone.now() - datetime.timedelta(days=31))
    ops_actions.job_record(
        task_name="greening.nightly", task_id="new", args=[], kwargs={}, state=JobState.FAILED, attempts=1,
        error=ValueError("x"),
    )  # fmt: skip
    assert list(JobRun.objects.values_list("task_id", flat=True)) == ["new"]


def test_ages_dates_and_job_names_read_as_a_person_writes_them(client, office_staff, commune):
    """Review of issue 16: "0 phút" for a moment ago, a date argument as Python's
    '2026-12-01', a foreign job's name twice, and a heading that called sent jobs failed."""
    GreeningBacklog.objects.create(unit=commune)  # queued just now
    job = _failed_job()
    JobRun.objects.filter(pk=job.pk).update(arguments={"args": ["2026-12-01"], "kwargs": {}})
    foreign = JobRun.objects.create(
        task_id="f-1", task_name="some.other_job", state=JobState.FAILED, arguments={}, attempts=1
    )
    client.force_login(office_staff)
    html = re.sub(r"\s+", " ", client.get(PAGE).content.decode())
    assert "chưa đến một phút" in html and "0 phút" not in html
    assert "(01/12/2026)" in html and "'2026-12-01'" not in html
    assert html.count(foreign.task_name) == 1
    assert "Tác vụ bị lỗi, được thử lại hoặc gửi lại" in html


def test_the_job_record_cannot_be_deleted_in_the_admin(client, staff_admin):
    _failed_job()
    client.force_login(staff_admin)
    changelist = client.get("/admin/tasks_app/jobrun/").content.decode()
    assert 'value="delete_selected"' not in changelist
    assert '<link rel="icon" href="data:,">' in changelist  # no request for /favicon.ico


def test_retrying_a_report_that_does_not_exist_is_not_found(client, office_staff):
    client.force_login(office_staff)
    assert client.post("/operations/reports/99999/retry/").status_code == 404
