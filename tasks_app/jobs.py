"""Sending a job to the worker from a web request, without letting the broker decide
whether the request succeeds.

A request's work is committed to the database before its job is sent, and the database
records that the work is owed (the greening backlog, a report "queued"). So when the
broker is stopped or frozen, the job is logged and dropped here, the request answers
with what it did, and the periodic sweeper sends the owed work once the broker is back.
The broker's short timeouts (nq57/settings.py, REDIS_BROKER_TRANSPORT_OPTIONS) bound
how long a try can take; `retry=False` makes it one try."""

import logging

from celery import Task
from django.db import transaction
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# What a lost or frozen broker raises through Celery: kombu wraps most connection
# errors, but a timeout can reach us as redis-py's own or as a bare socket error.
BROKER_ERRORS = (KombuError, RedisError, OSError)


def enqueue(task: Task, *args, countdown: float | None = None) -> bool:
    """Send `task(*args)` to the worker; False, logged, if the broker cannot take it now.
    Its results are never read (each job writes its outcome on its own rows), so the
    publish does not subscribe to a result either."""
    try:
        task.apply_async(args, countdown=countdown, retry=False, ignore_result=True)
    except BROKER_ERRORS:
        log.warning("Job %s not sent (broker unavailable); the sweeper sends it.", task.name, exc_info=True)
        return False
    return True


def enqueue_on_commit(task: Task, *args, countdown: float | None = None) -> None:
    """`enqueue` once the caller's transaction commits, so the worker finds the rows."""
    transaction.on_commit(lambda: enqueue(task, *args, countdown=countdown))
