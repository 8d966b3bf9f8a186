"""Celery jobs: the nightly schedule, the incremental refresh after a task change (in
process without Redis, on a real worker with it), coalescing, and retries."""

import datetime
import os
import time
from unittest import mock

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError

from nq57.celery import app
from tasks_app import tasks as jobs
from tasks_app.actions import greening
from tasks_app.actions.greening import INCREMENTAL_QUEUED_KEY, greening_recompute
from tasks_app.actions.tasks import task_change
from tasks_app.clock import local_today
from tasks_app.models import GreeningBacklog, GreeningSnapshot, Task, TaskStatus

TODAY = local_today()


@pytest.fixture(autouse=True)
def no_queued_flag():
    cache.delete(INCREMENTAL_QUEUED_KEY)
    yield
    cache.delete(INCREMENTAL_QUEUED_KEY)


@pytest.fixture
def jobs_in_process():
    """Run queued jobs in this process even where CI points Celery at Redis."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def test_the_nightly_recompute_runs_at_five_past_midnight_vietnam_time():
    entry = settings.CELERY_BEAT_SCHEDULE["greening-nightly"]
    assert entry["task"] == "greening.nightly"
    assert entry["schedule"] == crontab(hour=0, minute=5)
    assert app.conf.timezone == "Asia/Ho_Chi_Minh"
    assert "greening.nightly" in app.tasks


def test_the_jobs_acknowledge_late_and_retry_database_errors():
    for job in (jobs.greening_nightly, jobs.greening_refresh_stale, jobs.greening_recompute_date):
        assert job.acks_late is True
        assert OperationalError in job.autoretry_for
        assert job.retry_backoff


def test_the_nightly_job_settles_yesterday_and_starts_today(make_task, commune):
    make_task(lead_unit=commune, deadline=TODAY - datetime.timedelta(days=1), progress=70)
    result = jobs.greening_nightly.apply().get()
    assert [r["on_date"] for r in result] == [
        (TODAY - datetime.timedelta(days=1)).isoformat(),
        TODAY.isoformat(),
    ]
    yesterday = GreeningSnapshot.objects.get(
        unit=commune, scope="all", on_date=TODAY - datetime.timedelta(days=1)
    )
    today = GreeningSnapshot.objects.get(unit=commune, scope="all", on_date=TODAY)
    assert (yesterday.n_overdue, today.n_overdue) == (0, 1)


def test_a_task_change_refreshes_its_units_after_commit(
    make_task, commune, django_capture_on_commit_callbacks, jobs_in_process
):
    task = make_task(lead_unit=commune, deadline=TODAY + datetime.timedelta(days=100), progress=90)
    greening_recompute()
    assert GreeningSnapshot.objects.get(unit=commune, scope="all", on_date=TODAY).n_on_track == 1

    task.deadline = TODAY - datetime.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        task_change(task=task, expected_version=task.version, author=None, note="Hạn đã qua")

    row = GreeningSnapshot.objects.get(unit=commune, scope="all", on_date=TODAY)
    assert (row.n_on_track, row.n_overdue) == (0, 1)
    assert not GreeningBacklog.objects.exists()


def test_a_burst_of_a_thousand_changes_queues_one_job(make_task, commune, django_capture_on_commit_callbacks):
    task = make_task(lead_unit=commune, progress=0)
    with mock.patch.object(jobs.greening_refresh_stale, "apply_async") as enqueue:
        for step in range(1000):
            task = Task.objects.get(pk=task.pk)
            task.progress = step % 100
            with django_capture_on_commit_callbacks(execute=True):
                task_change(task=task, expected_version=task.version, author=None, note=f"Lần {step}")
    assert enqueue.call_count == 1
    assert list(GreeningBacklog.objects.values_list("unit_id", flat=True)) == [commune.pk]

    result = jobs.greening_refresh_stale.apply().get()
    assert result is not None and result["full"] is True  # nothing stored yet: one full run
    assert not GreeningBacklog.objects.exists()
    assert cache.get(INCREMENTAL_QUEUED_KEY) is None  # the next change queues a new job


def test_a_database_error_is_retried(make_task, commune):
    make_task(lead_unit=commune)
    GreeningBacklog.objects.create(unit=commune)
    real = greening.greening_refresh_backlog
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real()

    with mock.patch.object(greening, "greening_refresh_backlog", flaky):
        # throw=False: let apply() run the retry, as a worker would, instead of raising it.
        result = jobs.greening_refresh_stale.apply(throw=False)
    assert len(calls) == 2
    assert result.successful()
    assert GreeningSnapshot.objects.filter(unit=commune, on_date=TODAY).exists()


def test_two_runs_for_the_same_date_never_double_count(make_task, commune):
    make_task(lead_unit=commune, status=TaskStatus.IN_PROGRESS, progress=40)
    jobs.greening_recompute_date.apply(args=[TODAY.isoformat()])
    jobs.greening_recompute_date.apply(args=[TODAY.isoformat()])
    rows = GreeningSnapshot.objects.filter(unit=commune, on_date=TODAY, scope="all")
    assert rows.count() == 1
    assert rows.get().n_counted == 1


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (CI sets REDIS_URL)")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_refreshes_the_figures_after_a_change(commune, plan):
    from celery.contrib.testing.worker import start_worker

    from tasks_app.actions.tasks import task_create

    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        task = task_create(
            task=Task(
                plan=plan,
                code="W-1",
                title="Kiểm thử với worker thật",
                lead_unit=commune,
                responsible_name="Lê Văn Cường",
                approving_authority="UBND xã",
                start_date=TODAY - datetime.timedelta(days=30),
                deadline=TODAY - datetime.timedelta(days=1),
                expected_product="Biên bản",
                status=TaskStatus.IN_PROGRESS,
                progress=50,
            ),
            author=None,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            row = GreeningSnapshot.objects.filter(unit=commune, on_date=TODAY, scope="all").first()
            if row is not None and row.n_overdue == 1:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the worker did not refresh the commune's snapshot within 20 s")
    assert Task.objects.get(pk=task.pk).version == 1
    assert not GreeningBacklog.objects.exists()
