"""Celery jobs for the reports, and the sweeper: thin shells around the actions.

generate_report is acknowledged only after it finishes (a worker lost mid-render hands
the job to another), limited in time (REPORT_TIME_LIMIT) and retried with backoff; the
report row keeps the last error for the staff to see, and stays claimable.

Each job's Celery options follow from whether running it twice is harmless
(docs/operations.md): only such jobs are acknowledged late and redelivered when their
worker is lost. The scheduled ones also run alone (tasks_app.job_locks), so two beats
started by mistake do their work once."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from reports.documents import actions
from tasks_app.actions.greening import greening_drain_forgotten_backlog
from tasks_app.job_locks import runs_alone

# Running these twice is harmless: the render is claimed once (reports.documents.actions), the
# weekly batch gets or creates one row per kind, unit and week.
IDEMPOTENT = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(
    name="reports.generate",
    bind=True,
    **IDEMPOTENT,
    max_retries=3,
    soft_time_limit=settings.REPORT_SOFT_TIME_LIMIT,
    time_limit=settings.REPORT_TIME_LIMIT,
)
def generate_report(self, report_id: int) -> dict:
    try:
        report = actions.report_generate(report_id)
    except (Exception, SoftTimeLimitExceeded) as error:
        if self.request.is_eager:
            # In-process jobs (no Redis): the failure is on the report for staff to see
            # and retry; raising here would fail the web request that asked for it.
            return {"report": report_id, "status": "failed"}
        raise self.retry(exc=error, countdown=report_retry_delay(self.request.retries)) from error
    return {"report": report.pk, "status": report.status, "duration_ms": report.duration_ms}


def report_retry_delay(retries: int) -> int:
    """Seconds before retry number `retries` + 1: 30, 60, 120. The broker's visibility
    timeout must outlast the longest (nq57/settings.py checks it)."""
    return 30 * 2**retries


@shared_task(name="reports.weekly", **IDEMPOTENT)
@runs_alone("reports.weekly")
def weekly_reports() -> list[int] | None:
    return [requested.report.pk for requested in actions.reports_weekly()]


@shared_task(
    name="jobs.sweep",
    # Cheap and sent every JOBS_SWEEP_SECONDS: a lost sweep is replaced by the next one,
    # so it is acknowledged at once and never redelivered, and sweeps that waited for a
    # worker longer than one interval are dropped rather than run in a pile.
    acks_late=False,
    expires=settings.JOBS_SWEEP_SECONDS,
)
@runs_alone("jobs.sweep")
def sweep() -> dict | None:
    """Nothing stays stuck: reports no worker is going to finish are queued again, and a
    greening backlog no refresh is going to drain is drained here."""
    requeued = actions.reports_requeue_stuck()
    drained = greening_drain_forgotten_backlog()
    return {"reports_requeued": requeued, "backlog_units_drained": drained is not None}
