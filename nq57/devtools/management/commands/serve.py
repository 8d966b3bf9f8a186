"""Serve the data already in the database, without migrating or seeding: the web server,
and, when jobs are queued in the embedded folder broker (no Redis), the Celery worker
that runs them in the background with the nightly and weekly schedules (docs/jobs.md)."""

import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV

STOP_SECONDS = 30  # a warm shutdown lets the running job finish; then it is killed


def worker_command() -> list[str]:
    # One job at a time in one child process: time limits work as in production, and
    # SQLite sees one writer from the jobs. Beat runs inside for the schedules.
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "nq57",
        "worker",
        "--beat",
        "--pool=prefork",
        "--concurrency=1",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]


def needs_embedded_worker() -> bool:
    return settings.CELERY_BROKER_URL.startswith("filesystem://") and not settings.CELERY_TASK_ALWAYS_EAGER


class Command(BaseCommand):
    help = (
        "Serve the existing database (no migration, no seeding), with the background worker "
        "for the jobs when there is no Redis."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "addrport", nargs="?", default="127.0.0.1:8000", help="Address and port to serve on."
        )
        parser.add_argument("--no-worker", action="store_true", help="Do not start the background worker.")
        parser.add_argument("--noreload", action="store_true", help="Do not restart on code changes.")

    def handle(self, *args, addrport: str, no_worker: bool, noreload: bool, **options):
        worker = None
        # The autoreloader runs this command again in a child process that it restarts on
        # each code change; the worker belongs to the first process, started once.
        if os.environ.get(DJANGO_AUTORELOAD_ENV) != "true":
            if needs_embedded_worker() and not no_worker:
                worker = subprocess.Popen(worker_command(), cwd=settings.BASE_DIR)
                # Stopped by a process manager rather than Ctrl-C: still stop the worker.
                signal.signal(signal.SIGTERM, _exit_on_sigterm)
                self.stdout.write(
                    f"Background worker started (pid {worker.pid}); jobs queue in {settings.JOBS_DIR}."
                )
            elif not settings.CELERY_TASK_ALWAYS_EAGER and not needs_embedded_worker():
                self.stdout.write(
                    "Jobs go to the broker in REDIS_URL: run `celery -A nq57 worker --beat` beside."
                )
        try:
            call_command("runserver", addrport, use_reloader=not noreload)
        finally:
            if worker is not None:
                _stop(worker)


def _exit_on_sigterm(signum, frame):
    raise SystemExit(0)


def _stop(worker: subprocess.Popen) -> None:
    if worker.poll() is not None:
        return
    worker.terminate()
    try:
        worker.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
