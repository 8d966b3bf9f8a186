"""A database connection that dies (a restart, a failover, pg_terminate_backend) during a
request or a job ends in a clear answer or a retry, never in a half-written state, and the
next request works on the same processes without a restart (issue 16, "Database faults")."""

import uuid
from unittest import mock

import pytest
from django.db import close_old_connections
from django.test import Client, override_settings

from nq57.errors import DATABASE_UNAVAILABLE
from reports.documents.actions import report_generate
from reports.models import Report, ReportKind, ReportStatus, Week
from tasks_app.models import Task, TaskStatus
from tests.live_stack import (
    Browser,
    backend_pid,
    control_connection,
    database_backends,
    form_fields,
    gunicorn_server,
    postgres_only,
    reference_data_survives,  # noqa: F401  (a fixture, used by name)
    terminate_backends,
)
from tests.test_background_jobs import _wait_for, folder_broker  # noqa: F401  (a fixture)

TRY_AGAIN = "Hệ thống tạm thời gián đoạn"
NOTHING_HALF_SAVED = "không có gì bị lưu dở dang"


@pytest.mark.django_db
@override_settings(DEBUG=False, ROOT_URLCONF="tests.urls_failing")
def test_a_lost_database_connection_answers_try_again_not_a_bug_page(xa_officer):
    client = Client(raise_request_exception=False)
    client.force_login(xa_officer)
    response = client.get("/lose-database/")
    page = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert f"<h1>{TRY_AGAIN}</h1>" in page and NOTHING_HALF_SAVED in page
    assert 'class="site-header"' in page and 'href="/"' in page
    # Any other error is still the bug page.
    assert client.get("/fail/").status_code == 500


@pytest.mark.django_db
@override_settings(DEBUG=False, ROOT_URLCONF="tests.urls_failing")
def test_with_htmx_an_action_shows_the_error_page_and_a_poll_keeps_the_board(xa_officer):
    client = Client(raise_request_exception=False)
    client.force_login(xa_officer)
    # A person's own action: the whole page becomes the error page (templates/base.html's
    # htmx-config swaps 500 and 503 answers).
    for path, status in (("/lose-database/", 503), ("/fail/", 500)):
        response = client.get(path, headers={"HX-Request": "true"})
        assert response.status_code == status
        assert (response["HX-Retarget"], response["HX-Reswap"]) == ("body", "innerHTML")
    # A board's own poll: nothing is swapped, the next poll tries again.
    poll = {"HX-Request": "true", "X-NQ57-Poll": "board", "HX-Trigger": "board"}
    response = client.get("/lose-database/", headers=poll)
    assert response.status_code == 503 and response["HX-Reswap"] == "none"
    assert "HX-Retarget" not in response


def _terminate(pid: int) -> None:
    with control_connection() as control, control.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


def _kill_own_connection(*args, **kwargs) -> None:
    _terminate(backend_pid())


@postgres_only("it terminates the request's own PostgreSQL backend")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("reference_data_survives")
@override_settings(DEBUG=False)
def test_an_update_whose_connection_dies_between_its_writes_leaves_nothing_half_saved(
    xa_officer,
    make_task,
):
    task = make_task()
    client = Client(raise_request_exception=False)
    client.force_login(xa_officer)
    form = {
        "version": 1,
        "submission_key": str(uuid.uuid4()),
        "status": TaskStatus.IN_PROGRESS,
        "progress": 70,
        "note": "Đã số hóa 700 hồ sơ",
    }
    # task_change has saved the task row and not yet written its history row.
    with mock.patch("tasks_app.actions.tasks.greening_mark_stale", side_effect=_kill_own_connection):
        response = client.post(f"/tasks/{task.pk}/update/", form)
    page = response.content.decode()
    assert response.status_code == 503
    assert TRY_AGAIN in page and NOTHING_HALF_SAVED in page

    close_old_connections()  # as Django does at the end of every request
    task = Task.objects.get(pk=task.pk)
    assert (task.version, task.progress) == (1, 40)
    assert not task.updates.exists()
    # Sending the same form again, as the page says, saves it once.
    client.force_login(xa_officer)
    assert client.post(f"/tasks/{task.pk}/update/", form).status_code == 302
    assert client.post(f"/tasks/{task.pk}/update/", form).status_code == 302
    task = Task.objects.get(pk=task.pk)
    assert (task.version, task.progress) == (2, 70)
    assert task.updates.get().note == "Đã số hóa 700 hồ sơ"


@postgres_only("it terminates the render's own PostgreSQL backend")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("reference_data_survives")
def test_a_render_that_loses_its_connection_is_marked_failed_so_its_retry_can_claim_it(
    nghe_an,
):
    week = Week.last_finished()
    report = Report.objects.create(kind=ReportKind.PROVINCE_WEEKLY, unit=nghe_an, period_start=week.start)

    def lose_the_connection_mid_render(*args, **kwargs):
        _terminate(backend_pid())
        Task.objects.exists()  # the render's next query meets the dead connection

    lose_the_connection = mock.patch(
        "reports.documents.actions.report_content", side_effect=lose_the_connection_mid_render
    )
    with lose_the_connection, pytest.raises(DATABASE_UNAVAILABLE):
        report_generate(report.pk)

    close_old_connections()
    report.refresh_from_db()
    # Not "rendering": the job's retry (reports.tasks.generate_report) claims it again.
    assert report.status == ReportStatus.FAILED and not report.file
    assert "OperationalError" in report.error or "InterfaceError" in report.error


@postgres_only("it terminates the web server's PostgreSQL backends")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("reference_data_survives")
def test_after_the_database_dropped_every_connection_the_next_requests_succeed(
    tmp_path,
    xa_officer,
    make_task,
):
    task = make_task()
    workers = 2
    with gunicorn_server(tmp_path, workers=workers, threads=1) as (base_url, log):
        browser = Browser(base_url, xa_officer)
        # Every worker holds a persistent connection (CONN_MAX_AGE): ask until each has
        # served, however unevenly a busy machine hands the requests out.
        own = {backend_pid()}
        for _ in range(300):
            assert browser.get(f"/tasks/{task.pk}/").status == 200
            if len(database_backends(keep=own)) >= workers:
                break
        killed = terminate_backends(keep=own)
        assert len(killed) >= workers

        # No request after the drop fails, on any worker: each opens a new connection. Ask
        # until every worker has opened one again.
        answers = []
        while len(answers) < 300 and (
            len(answers) < 6 * workers or len(database_backends(keep=own)) < workers
        ):
            answers.append(browser.get(f"/tasks/{task.pk}/").status)
        assert answers == [200] * len(answers), log.read_text()[-3000:]
        assert len(database_backends(keep=own)) >= workers
        page = browser.get(f"/tasks/{task.pk}/").body
        fields = form_fields(page, f"/tasks/{task.pk}/update/")
        fields.update(status=TaskStatus.IN_PROGRESS, progress="55", note="Sau khi mất kết nối")
        assert browser.post(f"/tasks/{task.pk}/update/", fields).status == 302

    task.refresh_from_db()
    assert (task.version, task.progress) == (2, 55)


@postgres_only("it terminates the worker's own PostgreSQL backend")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("reference_data_survives", "folder_broker")
def test_a_recompute_that_loses_its_connection_before_commit_writes_nothing_and_is_retried(make_task):
    from celery.contrib.testing.worker import start_worker

    from nq57.celery import app
    from tasks_app.clock import local_today
    from tasks_app.greening import recompute
    from tasks_app.models import GreeningSnapshot
    from tasks_app.tasks import greening_recompute_date

    make_task()
    on = local_today()
    real_apply_changes = recompute._apply_changes
    stored_before_each_try = []

    def write_then_lose_the_connection_once(cursor, **kwargs):
        stored_before_each_try.append(GreeningSnapshot.objects.filter(on_date=on).count())
        counts = real_apply_changes(cursor, **kwargs)
        if len(stored_before_each_try) == 1:
            _terminate(backend_pid())  # every row written, the commit still to come
        return counts

    greening_recompute_date.delay(on.isoformat())
    with (
        mock.patch.object(recompute, "_apply_changes", write_then_lose_the_connection_once),
        start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"),
    ):
        _wait_for(
            lambda: len(stored_before_each_try) == 2 and GreeningSnapshot.objects.filter(on_date=on), 30
        )
    # The first try's rows died with its transaction; the retry, on a new connection, wrote them.
    assert stored_before_each_try == [0, 0]
    assert GreeningSnapshot.objects.filter(on_date=on).exists()
