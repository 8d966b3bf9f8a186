"""Without Redis, jobs still run in the background, as in production: the web request
only queues them (in a folder, Kombu's filesystem transport) and a real Celery worker
runs them, so the report page shows queued, then rendering, then ready.

The rest of the suite runs jobs in the caller's thread (nq57/settings_test.py); these
tests put the real broker and worker back."""

import datetime
import os
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from nq57.celery import app
from reports.models import Report, ReportStatus
from tasks_app.actions.greening import INCREMENTAL_QUEUED_KEY, greening_recompute
from tasks_app.clock import local_today
from tasks_app.models import GreeningSnapshot
from tests.conftest import reference_data_kept
from tests.forms_html import parse_page

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(scope="module", autouse=True)
def _reference_data_survives(django_db_setup, django_db_blocker):
    """The worker runs in another thread, so these tests commit, and each ends with a
    flush. serialized_rollback puts the units back from a snapshot, which tests/conftest.py
    takes only with REDIS_URL: take it here otherwise (as tests/e2e/conftest.py does)."""
    with reference_data_kept(django_db_blocker):
        yield


@pytest.fixture
def folder_broker(tmp_path, settings):
    """The embedded configuration of nq57/settings.py (no REDIS_URL), in a temporary folder."""
    queue = tmp_path / "queue"
    queue.mkdir()
    (tmp_path / "control").mkdir()
    options = {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "control_folder": str(tmp_path / "control"),
    }
    keys = (
        "broker_url",
        "broker_transport_options",
        "task_always_eager",
        "result_backend",
        "worker_enable_remote_control",
    )
    previous = {key: app.conf[key] for key in keys}
    app.conf.update(
        broker_url="filesystem://",
        broker_transport_options=options,
        task_always_eager=False,
        result_backend=None,
        worker_enable_remote_control=False,
    )
    _forget_connections()
    settings.MEDIA_ROOT = tmp_path / "media"
    # An earlier test's "refresh queued" flag (in Redis on CI) would keep this one from queueing.
    cache.delete(INCREMENTAL_QUEUED_KEY)
    yield queue
    cache.delete(INCREMENTAL_QUEUED_KEY)
    app.conf.update(previous)
    _forget_connections()


def _forget_connections():
    # Celery keeps its connection and producer pools for the broker it first used.
    app._pool = None
    app.amqp._producer_pool = None


def _wait_for(check, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"not done within {seconds} s")


def test_the_settings_without_redis_queue_jobs_for_a_worker(folder_broker):
    import runpy
    from pathlib import Path

    import nq57

    env = {name: os.environ.pop(name) for name in ("REDIS_URL", "JOBS_IN_PROCESS") if name in os.environ}
    os.environ["JOBS_DIR"] = str(folder_broker.parent / "jobs")
    try:
        loaded = runpy.run_path(str(Path(nq57.__file__).parent / "settings.py"))
    finally:
        os.environ.pop("JOBS_DIR")
        os.environ.update(env)
    assert loaded["CELERY_TASK_ALWAYS_EAGER"] is False
    assert loaded["CELERY_BROKER_URL"] == "filesystem://"
    assert (folder_broker.parent / "jobs" / "queue").is_dir()
    # Shared by the web process and the worker: greening's "refresh queued" flag lives there.
    assert loaded["CACHES"]["default"]["BACKEND"].endswith("FileBasedCache")


def test_a_report_is_queued_by_the_click_and_made_by_the_worker(
    folder_broker, xa_officer, commune, make_task
):
    make_task(start_date=local_today() - datetime.timedelta(days=60), deadline=local_today())
    browser = Client()
    browser.force_login(xa_officer)
    form = next(
        f
        for f in parse_page(browser.get("/reports/").content.decode())[0]
        if f.method == "post" and f.action == "/reports/request/"
    )
    started = time.monotonic()
    response = browser.post(form.action, form.submission(unit=str(commune.pk)))
    assert response.status_code == 302
    assert time.monotonic() - started < 5  # the click only queues
    report = Report.objects.get()
    assert report.status == ReportStatus.QUEUED
    assert "Đang chờ máy chủ xử lý" in browser.get(response["Location"]).content.decode()
    assert len(os.listdir(folder_broker)) == 1  # the job waits in the folder

    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        _wait_for(lambda: Report.objects.filter(pk=report.pk, status=ReportStatus.READY).exists(), 90)
    report.refresh_from_db()
    assert (
        report.started_at is not None and report.generated_at >= report.started_at
    )  # it went through rendering
    assert "Tải tệp PDF" in browser.get(response["Location"]).content.decode()
    assert os.listdir(folder_broker) == []


def test_a_task_change_refreshes_the_figures_in_the_background(folder_broker, xa_officer, commune, make_task):
    today = local_today()
    task = make_task(
        start_date=today - datetime.timedelta(days=30), deadline=today + datetime.timedelta(days=30)
    )
    greening_recompute(on=today)
    browser = Client()
    browser.force_login(xa_officer)
    page = browser.get(f"/tasks/{task.pk}/")
    form = next(f for f in parse_page(page.content.decode())[0] if f.attrs.get("id") == "update-form")
    browser.post(form.action, form.submission(status="completed", progress="100", note="Xong"))
    snapshot = GreeningSnapshot.objects.get(unit=commune, on_date=today, scope="all")
    assert snapshot.n_completed_on_time == 0  # not inside the request: queued for the worker
    assert len(os.listdir(folder_broker)) == 1

    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        _wait_for(
            lambda: GreeningSnapshot.objects.filter(
                unit=commune, on_date=today, scope="all", n_completed_on_time=1
            ).exists(),
            settings.GREENING_COALESCE_SECONDS + 30,
        )


def test_a_benchmark_s_jobs_never_reach_the_demo_s_worker(folder_broker):
    """Benchmarks queue jobs for their throwaway database; in the shared folder, the demo's
    worker would take them and read other rows under the same ids."""
    from nq57.devtools.benchmarks.throwaway import _jobs_kept_apart
    from reports.tasks import generate_report

    with _jobs_kept_apart():
        generate_report.delay(123)
    assert os.listdir(folder_broker) == []
    assert app.conf.broker_url == "filesystem://"
    generate_report.delay(123)
    assert len(os.listdir(folder_broker)) == 1
