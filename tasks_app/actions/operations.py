"""Writes for the operators' page: the record of jobs that failed or were retried (from
the worker's signals), and a person sending a job again.

A person's re-send is recorded as its own job row (state "sent", who, when, what), with
the job id Celery will use, so if it fails again its failure lands on the same row."""

import datetime
import json
import logging
import uuid

from celery import current_app
from django.db import transaction
from django.utils import timezone

from tasks_app.clock import local_today
from tasks_app.models import JobRun, JobState, User
from tasks_app.models.operations import JOB_LABELS

log = logging.getLogger(__name__)

ERROR_CHARS = 2000
ARGUMENT_CHARS = 1000  # a job's arguments are ids and dates; anything longer is not kept
KEEP_DAYS = 30


class NotResendable(Exception):
    """This job cannot be sent again from the page (unknown job, or its arguments were not kept)."""


def error_text(error: BaseException | str | None) -> str:
    if error is None:
        return ""
    if isinstance(error, str):
        return error[:ERROR_CHARS]
    return f"{type(error).__name__}: {error}"[:ERROR_CHARS]


def _arguments(args, kwargs) -> dict:
    arguments = {"args": list(args or []), "kwargs": dict(kwargs or {})}
    try:
        text = json.dumps(arguments)
    except (TypeError, ValueError):
        return {}
    return arguments if len(text) <= ARGUMENT_CHARS else {}


def job_record(
    *,
    task_name: str,
    task_id: str,
    args,
    kwargs,
    state: str,
    attempts: int,
    error: BaseException | str | None,
) -> None:
    """Insert or update the job's row in one statement (the worker calls this on every
    failure and retry), and drop rows nobody has looked at for KEEP_DAYS."""
    now = timezone.now()
    JobRun.objects.bulk_create(
        [
            JobRun(
                task_name=task_name[:100],
                task_id=task_id,
                arguments=_arguments(args, kwargs),
                state=state,
                attempts=min(attempts, 32767),
                error=error_text(error),
                first_seen_at=now,
                last_seen_at=now,
            )
        ],
        update_conflicts=True,
        unique_fields=["task_id"],
        update_fields=["state", "attempts", "error", "last_seen_at"],
    )
    JobRun.objects.filter(last_seen_at__lt=now - datetime.timedelta(days=KEEP_DAYS)).delete()


def job_succeeded(*, task_id: str) -> None:
    """A job on record (retried, or sent again by a person) finished: say so. Jobs with
    no row cost one indexed UPDATE that touches nothing."""
    JobRun.objects.filter(task_id=task_id).exclude(state=JobState.SUCCEEDED).update(
        state=JobState.SUCCEEDED, last_seen_at=timezone.now()
    )


def _job(task_name: str):
    """The job itself. Importing the job modules registers them: a web process has not
    necessarily imported them yet (Celery discovers them only when a worker starts)."""
    import reports.tasks  # noqa: F401
    import tasks_app.tasks  # noqa: F401

    return current_app.tasks[task_name]


def job_send(*, task_name: str, args: list, user: User) -> JobRun:
    """Queue `task_name` after commit, recorded as sent by `user`. The caller's
    transaction holds the row, so the record and the job stand or fall together."""
    if task_name not in JOB_LABELS:
        raise NotResendable(task_name)
    task_id = str(uuid.uuid4())
    job = JobRun.objects.create(
        task_name=task_name,
        task_id=task_id,
        arguments={"args": list(args), "kwargs": {}},
        state=JobState.SENT,
        sent_by=user,
    )
    log.info("%s sent %s%s again (job %s)", user, task_name, args, task_id)
    task = _job(task_name)
    # robust: if the broker is unreachable the row stays "sent" for the page to show, and
    # the periodic sweep picks the work up; the person's request does not fail.
    transaction.on_commit(lambda: task.apply_async(args=args, task_id=task_id), robust=True)
    return job


@transaction.atomic
def job_retry(*, job_id: int, user: User) -> JobRun | None:
    """Send a failed job again with its own arguments; record who and when on the failed
    row. None: nothing to retry (someone already did, or the job is not failed)."""
    job = (
        JobRun.objects.select_for_update()
        .filter(pk=job_id, state=JobState.FAILED, retried_at__isnull=True)
        .first()
    )
    if job is None:
        return None
    if not job.resendable:
        raise NotResendable(job.task_name)
    if job.task_name == "reports.generate":
        from reports.documents.actions import report_retry  # reports import this module

        report_retry(report_id=job.arguments["args"][0], user=user)
    else:
        job_send(task_name=job.task_name, args=job.arguments["args"], user=user)
    job.retried_by, job.retried_at = user, timezone.now()
    job.save(update_fields=["retried_by", "retried_at"])
    return job


@transaction.atomic
def greening_refresh_now(*, user: User) -> JobRun:
    """Drain the greening backlog now rather than at the next change or the nightly run."""
    return job_send(task_name="greening.refresh_stale", args=[], user=user)


@transaction.atomic
def greening_recompute_today(*, user: User) -> JobRun:
    """Recompute today's figures for every unit (the newest snapshot is too old)."""
    return job_send(task_name="greening.recompute_date", args=[local_today().isoformat()], user=user)
