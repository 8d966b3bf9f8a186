"""Redis cannot take the web app down (issue 16).

A private redis-server, started here on a free port, is the cache and the broker, with
the production settings' timeouts (nq57/settings.py, REDIS_CACHE_OPTIONS and
REDIS_BROKER_TRANSPORT_OPTIONS). The tests stop it, or freeze it with SIGSTOP (as a full
disk or a network partition would), while officials save through the real forms: every
save answers success, its change and the work it leaves (the greening backlog, the
queued report) are in the database, pages are still served, and /healthz names Redis.
The shared Redis of CI (REDIS_URL) is never touched."""

import contextlib
import datetime
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from nq57.celery import app
from reports.models import Report, ReportStatus, Week
from tasks_app.actions.greening import INCREMENTAL_QUEUED_KEY
from tasks_app.models import GreeningBacklog, Task
from tasks_app.tasks import greening_refresh_stale
from tests.conftest import reference_data_kept

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

REDIS_SERVER = shutil.which("redis-server")
# The promise: a save, or a page, within 2 s while Redis is frozen.
PROMISED_SECONDS = 2
NO_PERSISTENCE = ("--save", "", "--appendonly", "no")


@pytest.fixture(scope="module", autouse=True)
def _reference_data_survives(django_db_setup, django_db_blocker):
    """These tests commit (the app's on_commit enqueue must run), so each ends with a
    flush; serialized_rollback restores the units from this snapshot (as in
    tests/test_background_jobs.py)."""
    with reference_data_kept(django_db_blocker):
        yield


class PrivateRedis:
    """A redis-server of our own, which the tests may stop, restart and freeze."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", *NO_PERSISTENCE],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a frozen server cannot act on SIGTERM
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    @contextlib.contextmanager
    def frozen(self):
        """SIGSTOP: connections are accepted by the kernel and never answered. Thawed
        afterwards whatever happens, and by a watchdog after 15 s, so that code without
        timeouts fails the test's clock instead of hanging the suite."""
        self.process.send_signal(signal.SIGSTOP)
        watchdog = threading.Timer(15, self.process.send_signal, args=[signal.SIGCONT])
        watchdog.start()
        try:
            yield
        finally:
            watchdog.cancel()
            self.process.send_signal(signal.SIGCONT)

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=2)


@pytest.fixture(scope="module")
def private_redis():
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed: the Redis fault tests need their own server")
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


def _forget_connections() -> None:
    # Celery keeps its connection and producer pools for the broker it first used.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def redis_app(private_redis, settings):
    """The app as production runs it with REDIS_URL: the cache, the broker and the result
    backend on the private Redis, with the settings' own options and timeouts."""
    if private_redis.process is None:
        private_redis.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": private_redis.url,
            "KEY_PREFIX": "nq57-fault-tests",
            "OPTIONS": django_settings.REDIS_CACHE_OPTIONS,
        }
    }
    keys = ("broker_url", "broker_transport_options", "task_always_eager", "result_backend")
    previous = {key: app.conf[key] for key in keys}
    app.conf.update(
        broker_url=private_redis.url,
        broker_transport_options=django_settings.REDIS_BROKER_TRANSPORT_OPTIONS,
        task_always_eager=False,
        result_backend=private_redis.url,
    )
    _forget_connections()
    private_redis.client().flushdb()
    yield private_redis
    if private_redis.process is None:
        private_redis.start()
    app.conf.update(previous)
    _forget_connections()
    cache.close()


@pytest.fixture
def officer(xa_officer) -> Client:
    browser = Client()
    browser.force_login(xa_officer)
    return browser


def save_progress(browser: Client, task: Task, progress: int) -> tuple[int, float]:
    """The update form, as the phone posts it; returns the status and the seconds taken."""
    task.refresh_from_db()
    started = time.monotonic()
    response = browser.post(
        reverse("task_update", args=[task.pk]),
        {
            "version": task.version,
            "submission_key": str(uuid.uuid4()),
            "status": task.status,
            "progress": progress,
            "note": f"Đã làm {progress}%",
        },
    )
    return response.status_code, time.monotonic() - started


def timed_get(browser: Client, path: str) -> tuple[int, float]:
    started = time.monotonic()
    response = browser.get(path)
    return response.status_code, time.monotonic() - started


def ask_for_report(browser: Client, unit) -> tuple[int, float]:
    started = time.monotonic()
    response = browser.post(
        reverse("report_request"), {"unit": unit.pk, "week": Week.last_finished().start.isoformat()}
    )
    return response.status_code, time.monotonic() - started


def queued_jobs(private_redis) -> list[bytes]:
    return private_redis.client().lrange("celery", 0, -1)


def test_saves_go_on_while_redis_is_stopped_and_the_backlog_drains_when_it_returns(
    redis_app, officer, make_task, commune
):
    tasks = [make_task(start_date=datetime.date(2026, 1, 1)) for _ in range(3)]
    redis_app.stop()

    for progress, task in zip((50, 60, 70), tasks, strict=True):
        status, _ = save_progress(officer, task, progress)
        assert status == 302  # saved, so it says so: the official must not save twice
    assert sorted(Task.objects.values_list("progress", flat=True)) == [50, 60, 70]
    assert GreeningBacklog.objects.filter(unit=commune).exists()  # the figures' work, recorded
    # The board is served, and says its figures are pending.
    board = officer.get(reverse("dashboard_commune", args=[commune.pk]))
    assert board.status_code == 200
    assert "Đang tính các thay đổi mới" in board.content.decode()
    # A report asked for now is recorded as queued, for the sweeper to send when Redis is back.
    status, _ = ask_for_report(officer, commune)
    assert status == 302
    assert Report.objects.get().status == ReportStatus.QUEUED

    redis_app.start()
    # The next change reaches the broker again (the pools reconnect by themselves) ...
    status, _ = save_progress(officer, tasks[0], 80)
    assert status == 302
    assert len(queued_jobs(redis_app)) == 1
    # ... and the refresh job (run here, in this process) drains the whole backlog.
    greening_refresh_stale.apply()
    assert not GreeningBacklog.objects.exists()
    assert cache.get(INCREMENTAL_QUEUED_KEY) is None


def test_a_job_the_broker_refused_is_sent_by_the_next_change(redis_app, officer, make_task, settings):
    """The cache answers but the broker does not (another Redis, or a full one refusing
    writes): the "refresh queued" flag is taken back, so the next change sends the job
    instead of waiting for the flag to expire."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    task = make_task(start_date=datetime.date(2026, 1, 1))
    redis_app.stop()
    status, seconds = save_progress(officer, task, 50)
    assert status == 302 and seconds < PROMISED_SECONDS
    assert cache.get(INCREMENTAL_QUEUED_KEY) is None

    redis_app.start()
    status, _ = save_progress(officer, task, 60)
    assert status == 302
    assert len(queued_jobs(redis_app)) == 1


def test_a_frozen_redis_never_holds_a_save_or_a_page(redis_app, officer, make_task, commune):
    task = make_task(start_date=datetime.date(2026, 1, 1))
    status, _ = save_progress(officer, task, 45)  # the pools hold live connections now
    assert status == 302

    with redis_app.frozen():
        status, seconds = save_progress(officer, task, 55)
        assert (status, Task.objects.get(pk=task.pk).progress) == (302, 55)
        assert seconds < PROMISED_SECONDS
        assert GreeningBacklog.objects.filter(unit=commune).exists()

        for page in (reverse("dashboard_commune", args=[commune.pk]), reverse("my_tasks")):
            status, seconds = timed_get(officer, page)
            assert status == 200, page
            assert seconds < PROMISED_SECONDS, page

        status, seconds = ask_for_report(officer, commune)
        assert status == 302 and seconds < PROMISED_SECONDS
        assert Report.objects.get().status == ReportStatus.QUEUED

        status, seconds = timed_get(officer, reverse("healthz"))
        assert status == 200 and seconds < PROMISED_SECONDS  # degraded, still serving


def test_health_is_quick_when_all_is_well_and_names_the_dependency_that_is_down(redis_app, client):
    client.get(reverse("healthz"))
    started = time.monotonic()
    for _ in range(5):
        response = client.get(reverse("healthz"))
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok"}
    assert (time.monotonic() - started) / 5 < 0.2

    redis_app.stop()
    started = time.monotonic()
    response = client.get(reverse("healthz"))
    assert time.monotonic() - started < PROMISED_SECONDS
    # Degraded, not dead: the web app serves on without Redis, so it stays in the pool.
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "down", "broker": "down"}
