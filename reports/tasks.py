"""Celery jobs for the reports: thin shells around reports.actions.

generate_report is acknowledged only after it finishes (a worker lost mid-render hands
the job to another), limited in time (REPORT_TIME_LIMIT) and retried with backoff; the
report row keeps the last error for the staff to see, and stays claimable."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from reports import actions


@shared_task(
    name="reports.generate",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
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
        raise self.retry(exc=error, countdown=30 * 2**self.request.retries) from error
    return {"report": report.pk, "status": report.status, "duration_ms": report.duration_ms}


@shared_task(name="reports.weekly", acks_late=True)
def weekly_reports() -> list[int]:
    return [requested.report.pk for requested in actions.reports_weekly()]
