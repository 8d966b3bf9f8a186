"""`manage.py serve` (what `make serve` and `make demo` run): the existing database, served
with the background worker that runs the jobs when there is no Redis."""

from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command

from nq57.devtools.management.commands import serve

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def embedded(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("RUN_MAIN", raising=False)
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.JOBS_DIR = tmp_path


def _serve(*args):
    with (
        mock.patch.object(serve.subprocess, "Popen") as popen,
        mock.patch.object(serve, "call_command") as run,
        mock.patch.object(serve.signal, "signal"),
    ):
        popen.return_value.poll.return_value = None
        call_command("serve", *args)
    return popen, run


def test_it_serves_with_the_worker_and_stops_it_after(embedded):
    popen, run = _serve("127.0.0.1:8102")
    command = popen.call_args.args[0]
    assert command[1:6] == ["-m", "celery", "-A", "nq57", "worker"] and "--beat" in command
    run.assert_called_once_with("runserver", "127.0.0.1:8102", use_reloader=True)
    popen.return_value.terminate.assert_called_once()


def test_it_stops_the_worker_even_when_the_server_fails(embedded):
    with (
        mock.patch.object(serve.subprocess, "Popen") as popen,
        mock.patch.object(serve, "call_command", side_effect=KeyboardInterrupt),
        mock.patch.object(serve.signal, "signal"),
    ):
        popen.return_value.poll.return_value = None
        with pytest.raises(KeyboardInterrupt):
            call_command("serve", "--noreload")
    popen.return_value.terminate.assert_called_once()


def test_the_reloaded_server_process_starts_no_second_worker(embedded, monkeypatch):
    monkeypatch.setenv("RUN_MAIN", "true")  # set by runserver's autoreloader in its child
    popen, run = _serve()
    popen.assert_not_called()
    run.assert_called_once()


def test_no_worker_when_jobs_run_in_process_or_when_asked(settings, embedded):
    assert not _serve("--no-worker")[0].called
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert not _serve()[0].called


def test_it_neither_migrates_nor_seeds(embedded):
    _popen, run = _serve()
    assert [c.args[0] for c in run.call_args_list] == ["runserver"]


def test_make_serve_runs_it_and_make_demo_ends_with_it():
    makefile = (ROOT / "Makefile").read_text()
    serve_recipe = makefile.split("\nserve:", 1)[1].split("\n\n", 1)[0]
    assert "manage.py serve $(HOST):$(PORT)" in serve_recipe and "seed_demo" not in serve_recipe
    demo_recipe = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    assert demo_recipe.rstrip().endswith("serve") and "runserver" not in demo_recipe


def test_make_serve_runs_with_production_settings_on_this_host():
    # The demo shows what users get: the app's own error pages, not Django's debug pages.
    makefile = (ROOT / "Makefile").read_text()
    serve_recipe = makefile.split("\nserve:", 1)[1].split("\n\n", 1)[0]
    env = makefile.split("\nSERVE_ENV = ", 1)[1].split("\n", 1)[0]
    assert "DEBUG=0" in env and "SECRET_KEY=" in env and "SECURE_COOKIES=0" in env
    assert "SECURE_SSL_REDIRECT=0" in env  # plain HTTP on this host: no redirect to HTTPS
    assert "ALLOWED_HOSTS=$(HOST)" in env
    assert "collectstatic" in serve_recipe and "DEBUG=1" not in serve_recipe
