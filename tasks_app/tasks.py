"""Celery jobs. Each is a thin shell around an action in tasks_app.actions.greening.
The nightly run and "recompute one day" also recompute the indicator figures.

Every job is idempotent (the actions upsert by unit, date and scope), so each is
acknowledged only after it finishes and handed to another worker when its own is lost
(acks_late, reject_on_worker_lost), and retried with exponential backoff when the
database is briefly unavailable. The nightly run, sent by beat, also runs alone
(tasks_app.job_locks): two beats started by mistake recompute once."""

import datetime

from celery import shared_task
from django.db import InterfaceError, OperationalError

from tasks_app.actions import greening
from tasks_app.job_locks import runs_alone

RETRY = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 300,  # the broker's visibility timeout outlasts it (nq57/settings.py)
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(name="greening.nightly", **RETRY)
@runs_alone("greening.nightly")
def greening_nightly() -> list[dict] | None:
    return [_summary(result) for result in greening.greening_nightly()]


@shared_task(name="greening.refresh_stale", **RETRY)
def greening_refresh_stale() -> dict | None:
    result = greening.greening_refresh_backlog()
    return _summary(result) if result else None


# Sent by name, not called: the operations page's "Recompute today's figures" button
# (actions.operations.greening_recompute_today) and its "send again" of a failed run.
@shared_task(name="greening.recompute_date", **RETRY)
def greening_recompute_date(on: str) -> dict:
    # The indicator figures first, in every period: the day's rates read them.
    figures = greening.indicator_figures_recompute()
    return _summary(greening.greening_recompute(on=datetime.date.fromisoformat(on))) | {
        "indicator_figures_written": figures.written,
        "indicator_figures_removed": figures.removed,
    }


def _summary(result: greening.RecomputeResult) -> dict:
    return {
        "on_date": result.on_date.isoformat(),
        "rows_written": result.rows_written,
        "rows_removed": result.rows_removed,
        "full": result.full,
    }
