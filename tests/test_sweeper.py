"""Nothing stays stuck: the sweeper (beat, every JOBS_SWEEP_SECONDS) queues again the
reports no worker is going to finish and drains a greening backlog no refresh is going to
drain. It is idempotent and runs alone, as every scheduled job does (tasks_app.job_locks),
so two beats started by mistake never make two of anything."""

import datetime
import threading
from pathlib import Path
from unittest import mock

import pytest
import yaml
from django.conf import settings
from django.test import TestCase
from django.utils import timezone

from nq57.celery import app
from reports.documents import actions
from reports.models import Report, ReportKind, ReportStatus, Week
from reports.tasks import report_retry_delay, sweep, weekly_reports
from tasks_app.actions import greening
from tasks_app.clock import local_today
from tasks_app.job_locks import job_lock
from tasks_app.models import GreeningBacklog, GreeningSnapshot, TaskStatus, Unit, UnitKind
from tasks_app.tasks import greening_nightly

ROOT = Path(__file__).resolve().parent.parent
WEEK = Week.last_finished()


def _ago(seconds: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=seconds)


def _report(unit, *, status, kind=ReportKind.COMMUNE_SUMMARY, **fields) -> Report:
    return Report.objects.create(kind=kind, unit=unit, period_start=WEEK.start, status=status, **fields)


def _sweep() -> tuple[dict | None, list[int]]:
    """One sweep, as beat's job runs it; returns its result and the reports it queued."""
    with (
        mock.patch("reports.tasks.generate_report.apply_async") as delay,
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        result = sweep()
    return result, [call.args[0][0] for call in delay.call_args_list]


@pytest.fixture
def communes(nghe_an):
    return list(Unit.objects.filter(province=nghe_an, kind=UnitKind.COMMUNE).order_by("code")[:4])


# --- Reports -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_report_rendering_past_its_time_limit_is_queued_again(communes):
    stuck = _report(
        communes[0],
        status=ReportStatus.RENDERING,
        started_at=_ago(settings.REPORT_TIME_LIMIT + 11),
        attempts=1,
    )
    result, queued = _sweep()
    assert queued == [stuck.pk]
    assert result["reports_requeued"] == [stuck.pk]
    stuck.refresh_from_db()
    assert stuck.status == ReportStatus.QUEUED
    assert stuck.requested_at > _ago(5)


@pytest.mark.django_db
def test_a_report_queued_long_ago_whose_job_was_lost_is_queued_again(communes):
    lost = _report(
        communes[0], status=ReportStatus.QUEUED, requested_at=_ago(settings.REPORT_QUEUED_LOST_SECONDS + 1)
    )
    _, queued = _sweep()
    assert queued == [lost.pk]
    lost.refresh_from_db()
    assert lost.status == ReportStatus.QUEUED and lost.requested_at > _ago(5)
    # Queued again, it waits a full REPORT_QUEUED_LOST_SECONDS before the next try.
    assert _sweep()[1] == []


@pytest.mark.django_db
def test_reports_on_their_way_ready_or_failed_are_left_alone(communes):
    untouched = [
        _report(communes[0], status=ReportStatus.RENDERING, started_at=_ago(settings.REPORT_TIME_LIMIT - 5)),
        _report(communes[1], status=ReportStatus.QUEUED, requested_at=_ago(30)),
        _report(communes[2], status=ReportStatus.FAILED, error="WeasyPrint: boom", requested_at=_ago(3600)),
    ]
    before = {r.pk: (r.status, r.requested_at) for r in untouched}
    result, queued = _sweep()
    assert queued == [] and result["reports_requeued"] == []
    assert {r.pk: (r.status, r.requested_at) for r in Report.objects.all()} == before


@pytest.mark.django_db
def test_a_report_that_kills_its_worker_every_time_fails_instead_of_looping(communes):
    poison = _report(
        communes[0],
        status=ReportStatus.RENDERING,
        started_at=_ago(settings.REPORT_TIME_LIMIT + 11),
        attempts=actions.MAX_RENDERS_LOST,
    )
    assert _sweep()[1] == []
    poison.refresh_from_db()
    assert poison.status == ReportStatus.FAILED and "worker was lost" in poison.error


@pytest.mark.django_db
def test_a_person_asking_for_a_lost_queued_report_queues_it_again(communes):
    """One rule for the sweeper and a person (reports.documents.actions._stuck)."""
    lost = _report(
        communes[0], status=ReportStatus.QUEUED, requested_at=_ago(settings.REPORT_QUEUED_LOST_SECONDS + 1)
    )
    with (
        mock.patch("reports.tasks.generate_report.apply_async") as delay,
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        asked = actions.report_request(kind=lost.kind, unit=lost.unit, week=WEEK)
    assert asked.queued and delay.call_args.args[0] == (lost.pk,)


@pytest.mark.django_db
def test_monday_s_batch_is_made_whole_while_the_broker_is_down_and_queued_once_it_is_back():
    provinces = Unit.objects.filter(kind=UnitKind.PROVINCE, is_active=True).count()
    with (
        mock.patch("reports.tasks.generate_report.apply_async", side_effect=ConnectionError("Redis is down")),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        weekly_reports()
    assert Report.objects.filter(status=ReportStatus.QUEUED).count() == provinces + 1
    Report.objects.update(requested_at=_ago(settings.REPORT_QUEUED_LOST_SECONDS + 1))
    assert len(_sweep()[1]) == provinces + 1


@pytest.mark.django_db
def test_sweeping_twice_queues_each_stuck_report_once(communes):
    stuck = _report(
        communes[0], status=ReportStatus.RENDERING, started_at=_ago(settings.REPORT_TIME_LIMIT + 11)
    )
    assert _sweep()[1] == [stuck.pk]
    assert _sweep()[1] == []


# --- The greening backlog ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_forgotten_backlog_is_drained(make_task, commune):
    """Redis was down when the task changed: no refresh was queued, the backlog waits."""
    make_task(lead_unit=commune, status=TaskStatus.IN_PROGRESS, progress=40)
    GreeningBacklog.objects.create(unit=commune, queued_at=_ago(settings.GREENING_COALESCE_SECONDS + 11))
    result, _ = _sweep()
    assert result["backlog_units_drained"] is True
    assert not GreeningBacklog.objects.exists()
    assert GreeningSnapshot.objects.get(unit=commune, on_date=local_today(), scope="all").n_counted == 1
    assert _sweep()[0]["backlog_units_drained"] is False  # nothing left: nothing done


@pytest.mark.django_db
def test_a_backlog_its_queued_refresh_is_about_to_drain_is_left_to_it(commune):
    GreeningBacklog.objects.create(unit=commune)  # just now: the refresh runs in a few seconds
    with mock.patch.object(greening, "greening_refresh_backlog") as refresh:
        assert _sweep()[0]["backlog_units_drained"] is False
    refresh.assert_not_called()
    assert GreeningBacklog.objects.exists()


@pytest.mark.django_db
def test_an_empty_sweep_costs_a_few_queries(django_assert_max_num_queries):
    with django_assert_max_num_queries(4):  # + the PostgreSQL lock and unlock
        assert sweep() == {"reports_requeued": [], "backlog_units_drained": False}


# --- Runs alone ----------------------------------------------------------------------------


def _in_thread(job) -> dict:
    """Run `job` in another thread (another database connection, as another worker)."""
    outcome: dict = {}

    def run():
        from django.db import connection

        try:
            outcome["result"] = job()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    return outcome


@pytest.mark.django_db
def test_a_sweep_while_another_is_running_does_nothing(communes):
    stuck = _report(
        communes[0], status=ReportStatus.RENDERING, started_at=_ago(settings.REPORT_TIME_LIMIT + 11)
    )
    with job_lock("jobs.sweep") as held:  # this worker's sweep, in progress
        assert held
        assert _in_thread(sweep) == {"result": None}  # another worker's copy
    assert _sweep()[1] == [stuck.pk]


def _with_a_second_copy(job, real):
    """`real`, wrapped: on entering it, a second copy of `job` starts in another thread (as
    a second beat's message taken by another worker) and runs to its end. Returns the
    wrapper, the entries into `real` and the second copy's outcome."""
    entries: list[str] = []
    second: dict = {}

    def wrapper(**kwargs):
        entries.append(threading.current_thread().name)
        if len(entries) > 1:
            return []  # only without the lock: the copy would do the same work again
        second.update(_in_thread(job))
        return real(**kwargs)

    return wrapper, entries, second


@pytest.mark.django_db
def test_two_beats_make_one_set_of_weekly_reports():
    """Two beats send Monday's job twice; two workers run the copies at the same moment."""
    provinces = Unit.objects.filter(kind=UnitKind.PROVINCE, is_active=True).count()
    wrapper, entries, second = _with_a_second_copy(weekly_reports, actions.reports_weekly)
    with (
        mock.patch("reports.tasks.generate_report.apply_async") as delay,
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        with mock.patch.object(actions, "reports_weekly", wrapper):
            first = weekly_reports()
        later = weekly_reports()  # the second beat's copy, a moment after the first ended
    assert second == {"result": None}  # it found the first at work and left it to it
    assert len(entries) == 1
    assert len(first) == provinces + 1
    assert later == first  # the same reports, none queued again
    assert Report.objects.count() == provinces + 1  # one set: the nation and each province
    assert delay.call_count == provinces + 1  # each rendered once


@pytest.mark.django_db
def test_two_beats_recompute_the_night_once(make_task, commune):
    make_task(lead_unit=commune, status=TaskStatus.IN_PROGRESS, progress=40)
    wrapper, entries, second = _with_a_second_copy(greening_nightly, greening.greening_nightly)
    with mock.patch.object(greening, "greening_nightly", wrapper):
        first = greening_nightly()
    assert second == {"result": None}
    assert len(entries) == 1
    assert [run["on_date"] for run in first] == [
        (local_today() - datetime.timedelta(days=1)).isoformat(),
        local_today().isoformat(),
    ]


# --- Settings ------------------------------------------------------------------------------


def test_beat_sends_the_sweeper_every_half_minute_also_without_redis():
    """The schedule is shared by docker-compose's beat and `manage.py serve`'s worker --beat."""
    entry = settings.CELERY_BEAT_SCHEDULE["jobs-sweep"]
    assert entry["task"] == "jobs.sweep"
    assert entry["schedule"] == settings.JOBS_SWEEP_SECONDS <= 60
    # A sweep that waited longer than an interval for a worker is dropped, not run in a pile.
    assert app.tasks["jobs.sweep"].expires == settings.JOBS_SWEEP_SECONDS
    assert app.tasks["jobs.sweep"].acks_late is False


def test_only_jobs_that_are_safe_to_run_twice_are_redelivered():
    assert settings.CELERY_TASK_ACKS_LATE is False and settings.CELERY_TASK_REJECT_ON_WORKER_LOST is False
    idempotent = {
        "reports.generate",
        "reports.weekly",
        "greening.nightly",
        "greening.refresh_stale",
        "greening.recompute_date",
    }
    ours = {name for name in app.tasks if not name.startswith("celery.")}
    assert idempotent <= ours
    for name in idempotent:
        assert app.tasks[name].acks_late and app.tasks[name].reject_on_worker_lost, name


def test_the_broker_never_redelivers_a_job_that_is_running_or_waiting(monkeypatch):
    """Redis hands an unacknowledged message out again after the visibility timeout: it
    must outlast the longest job and the longest delay a worker holds a message for."""
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    longest_hold = max(
        settings.CELERY_TASK_TIME_LIMIT,
        settings.REPORT_TIME_LIMIT,
        report_retry_delay(app.tasks["reports.generate"].max_retries - 1),
        app.tasks["greening.refresh_stale"].retry_backoff_max,
        settings.GREENING_COALESCE_SECONDS,
    )
    assert longest_hold < settings.CELERY_VISIBILITY_TIMEOUT
    assert settings.CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT > 0

    import runpy

    import nq57

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6399/0")
    loaded = runpy.run_path(str(Path(nq57.__file__).parent / "settings.py"))
    assert (
        loaded["CELERY_BROKER_TRANSPORT_OPTIONS"]["visibility_timeout"] == settings.CELERY_VISIBILITY_TIMEOUT
    )
    monkeypatch.setenv("CELERY_VISIBILITY_TIMEOUT", "200")
    with pytest.raises(Exception, match="CELERY_VISIBILITY_TIMEOUT"):
        runpy.run_path(str(Path(nq57.__file__).parent / "settings.py"))


def test_compose_s_redis_never_evicts_the_queue_and_runs_one_beat():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert "--maxmemory-policy noeviction" in compose["services"]["redis"]["command"]
    assert compose["services"]["beat"].get("deploy", {}).get("replicas", 1) == 1
    assert compose["services"]["worker"]["environment"]["REMAP_SIGTERM"] == "SIGQUIT"
