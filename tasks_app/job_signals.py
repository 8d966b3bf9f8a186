"""The worker tells the operators' page about jobs that failed or will be retried, and
about recorded jobs that finished. Celery sends these signals in the worker process (and
for jobs run in-process with `task.apply()`); a job that raises straight through an eager
`delay()` sends none, which only the tests do.

A failure to write the record is logged and swallowed: the page is a view of the jobs,
and must never make a job fail or stop its retry."""

import logging

from celery.signals import task_failure, task_retry, task_success

from tasks_app.models import JobState

log = logging.getLogger(__name__)


def _record(**fields) -> None:
    from tasks_app.actions.operations import job_record  # apps are ready by the first job

    try:
        job_record(**fields)
    except Exception:
        log.exception("Could not record job %s", fields.get("task_id"))


def on_failure(sender=None, task_id=None, exception=None, args=None, kwargs=None, **extra) -> None:
    request = getattr(sender, "request", None)
    _record(
        task_name=getattr(sender, "name", "?"),
        task_id=task_id or "",
        args=args,
        kwargs=kwargs,
        state=JobState.FAILED,
        attempts=(getattr(request, "retries", 0) or 0) + 1,
        error=exception,
    )


def on_retry(sender=None, request=None, reason=None, **extra) -> None:
    _record(
        task_name=getattr(sender, "name", "?"),
        task_id=request.id,
        args=request.args,
        kwargs=request.kwargs,
        state=JobState.RETRYING,
        attempts=(request.retries or 0) + 1,
        error=getattr(reason, "exc", None) or reason,
    )


def on_success(sender=None, **extra) -> None:
    from tasks_app.actions.operations import job_succeeded

    task_id = getattr(getattr(sender, "request", None), "id", None)
    if not task_id:
        return
    try:
        job_succeeded(task_id=task_id)
    except Exception:
        log.exception("Could not record job %s", task_id)


def connect() -> None:
    task_failure.connect(on_failure, weak=False, dispatch_uid="nq57_job_failure")
    task_retry.connect(on_retry, weak=False, dispatch_uid="nq57_job_retry")
    task_success.connect(on_success, weak=False, dispatch_uid="nq57_job_success")
