"""Celery jobs. Each is a thin shell around an action in tasks_app.actions.greening.

Every job is idempotent (the actions upsert by unit, date and scope), acknowledged only
after it finishes (acks_late, so a worker lost mid-run hands the job to another), and
retried with exponential backoff when the database is briefly unavailable."""

import datetime

from celery import shared_task
from django.db import InterfaceError, OperationalError

from tasks_app.actions import greening

RETRY = {
    "acks_late": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(name="greening.nightly", **RETRY)
def greening_nightly() -> list[dict]:
    return [_summary(result) for result in greening.greening_nightly()]


@shared_task(name="greening.refresh_stale", **RETRY)
def greening_refresh_stale() -> dict | None:
    result = greening.greening_refresh_backlog()
    return _summary(result) if result else None


@shared_task(name="greening.recompute_date", **RETRY)
def greening_recompute_date(on: str) -> dict:
    return _summary(greening.greening_recompute(on=datetime.date.fromisoformat(on)))


def _summary(result: greening.RecomputeResult) -> dict:
    return {
        "on_date": result.on_date.isoformat(),
        "rows_written": result.rows_written,
        "rows_removed": result.rows_removed,
        "full": result.full,
    }
