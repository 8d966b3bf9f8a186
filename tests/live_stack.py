"""A real web server for the tests that need one: gunicorn, several workers, on the test
database, with persistent connections (CONN_MAX_AGE) as in production. pytest-django's
live_server would not do: it serves from threads of the test process and closes every
connection after each request, so a dropped connection or two workers' locks never meet.

Sessions are made in the test process (Client.force_login) and handed to a small cookie
browser built on urllib, which speaks to the server as a phone would."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from tests.conftest import reference_data_kept

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


@dataclass
class Answer:
    status: int
    body: str
    location: str = ""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the test looks at the 302 itself


class Browser:
    """One person's session against the server: cookies kept, redirects not followed."""

    def __init__(self, base_url: str, user=None):
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects
        )
        if user is not None:
            client = Client()
            client.force_login(user)  # a session row in the test database, which the server reads
            self._set_cookie("sessionid", client.cookies["sessionid"].value)

    def _set_cookie(self, name: str, value: str) -> None:
        host = urllib.parse.urlsplit(self.base_url).hostname
        self.cookies.set_cookie(
            http.cookiejar.Cookie(
                0, name, value, None, False, host, False, False, "/", True, False, None, False, None, None, {}
            )
        )

    def request(self, path: str, data: dict | None = None, *, htmx: bool = False) -> Answer:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = {"Referer": self.base_url + path}  # CSRF checks the referer only on HTTPS
        if htmx:
            headers["HX-Request"] = "true"  # as the page's htmx sends: the answer is the live part
        try:
            with self.opener.open(
                urllib.request.Request(self.base_url + path, body, headers), timeout=30
            ) as r:
                return Answer(r.status, r.read().decode())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read().decode(), error.headers.get("Location", ""))

    def get(self, path: str) -> Answer:
        return self.request(path)

    def post(self, path: str, data: dict, *, htmx: bool = False) -> Answer:
        return self.request(path, data, htmx=htmx)


def form_fields(page: str, action: str) -> dict[str, str]:
    """The hidden and prefilled inputs of the form posting to `action` on `page`."""
    start = page.index(f'action="{action}"')
    form = page[start : page.index("</form>", start)]
    fields = {}
    for tag in re.findall(r"<input\b[^>]*>", form):
        name = re.search(r'\bname="([^"]*)"', tag)
        value = re.search(r'\bvalue="([^"]*)"', tag)
        if name and value and ('type="hidden"' in tag or "csrfmiddlewaretoken" in tag):
            fields[unescape(name.group(1))] = unescape(value.group(1))
    return fields


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn_server(tmp_path: Path, *, workers: int = 3, threads: int = 4) -> Iterator[tuple[str, Path]]:
    """Serve the app from the test database; yields its base URL and its log file."""
    database = connection.settings_dict
    password = urllib.parse.quote(database["PASSWORD"] or "", safe="")
    url = f"postgres://{database['USER']}:{password}@{database['HOST']}:{database['PORT']}/"
    port = int(os.environ.get("LIVE_SERVER_PORT") or _free_port())
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "nq57.settings_test",
        "DATABASE_URL": url + database["NAME"],
        "DB_CONN_MAX_AGE": "60",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        "JOBS_DIR": str(tmp_path / "jobs"),
        # Jobs run inside the server's requests (nq57/settings_test.py without Redis), so
        # none is left queued in a shared Redis for another test's worker to pick up.
        "REDIS_URL": "",
    }
    log = tmp_path / "gunicorn.log"
    command = [str(GUNICORN), "-c", "python:nq57.gunicorn_conf", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--threads", str(threads), "--access-logfile", "-"]
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 40
        while not _answers(base_url, port):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start:\n" + log.read_text())
            time.sleep(0.3)
        yield base_url, log
    finally:
        server.terminate()
        server.wait(timeout=30)


def _answers(base_url: str, port: int) -> bool:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) != 0:
            return False
    return Browser(base_url).get("/accounts/login/").status == 200


@pytest.fixture(scope="module")
def reference_data_survives(django_db_setup, django_db_blocker):
    """Tests against a server commit, so each ends with a flush; serialized_rollback puts
    the units back from a snapshot, which tests/conftest.py takes only with REDIS_URL:
    take it here otherwise (as tests/test_background_jobs.py does)."""
    with reference_data_kept(django_db_blocker):
        yield


def postgres_only(reason: str):
    return pytest.mark.skipif(
        connection.vendor != "postgresql", reason=f"needs PostgreSQL (CI runs it): {reason}"
    )


@contextmanager
def control_connection() -> Iterator:
    """A connection of the test's own, outside Django, to terminate others' backends."""
    import psycopg2

    database = connection.settings_dict
    control = psycopg2.connect(
        dbname=database["NAME"],
        user=database["USER"],
        password=database["PASSWORD"] or None,
        host=database["HOST"],
        port=database["PORT"] or None,
    )
    control.autocommit = True
    try:
        yield control
    finally:
        control.close()


def database_backends(*, keep: set[int] = frozenset()) -> list[int]:
    """The pids of the test database's backends but those in `keep` (and the control
    connection itself)."""
    with control_connection() as control, control.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall() if pid not in keep]


def terminate_backends(*, keep: set[int] = frozenset()) -> list[int]:
    """pg_terminate_backend for every backend of the test database but those in `keep`
    (and the control connection itself); returns the pids that were terminated."""
    pids = database_backends(keep=keep)
    with control_connection() as control, control.cursor() as cursor:
        for pid in pids:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    return pids


def backend_pid() -> int:
    """The pid of the server backend behind Django's connection in this thread."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]
