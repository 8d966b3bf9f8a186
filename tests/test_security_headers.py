"""Production headers: the Content-Security-Policy on pages, htmx partials and the admin;
templates that need nothing the policy refuses; `check --deploy` clean with production
settings; and gunicorn sending no Server header."""

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)


def _policy(response) -> set[str]:
    return {part.strip() for part in response["Content-Security-Policy"].split(";")}


def test_pages_carry_the_policy(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert _policy(response) == set(POLICY)


def test_htmx_partials_carry_the_policy(client, xa_officer):
    client.force_login(xa_officer)
    partial = client.get(reverse("my_tasks"), HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and b"<html" not in partial.content
    assert _policy(partial) == set(POLICY)


def test_the_admin_carries_the_policy(client, staff_admin):
    client.force_login(staff_admin)
    response = client.get("/admin/tasks_app/task/")
    assert response.status_code == 200
    assert _policy(response) == set(POLICY)


# Templates served to browsers (the PDF's, read only by WeasyPrint, keep their <style>).
PAGE_TEMPLATES = [p for p in (ROOT / "templates").rglob("*.html") if "pdf" not in p.relative_to(ROOT).parts]
REFUSED = {
    "a style attribute": re.compile(r"\sstyle\s*="),
    "a <style> element": re.compile(r"<style[\s>]"),
    "an inline <script>": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>"),
    "an event handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "hx-on (evaluated)": re.compile(r"\shx-on"),
    "an hx-trigger filter (evaluated)": re.compile(r"hx-trigger=\"[^\"]*\["),
    "a js: value (evaluated)": re.compile(r"=\s*['\"]js:"),
    "a javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


@pytest.mark.parametrize("template", PAGE_TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_templates_need_nothing_the_policy_refuses(template):
    text = template.read_text()
    found = [what for what, pattern in REFUSED.items() if pattern.search(text)]
    assert found == [], f"{template.name} has {', '.join(found)}"


def _production_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SECURE_", "DJANGO_")) and k not in {"DEBUG", "TRUSTED_PROXY_COUNT"}
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="nq57.example.vn",
        DJANGO_SETTINGS_MODULE="nq57.settings",
    )
    env.update(extra)
    return env


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(JOBS_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_sends_no_server_header(tmp_path):
    port = _free_port()
    env = _production_env(
        JOBS_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", ALLOWED_HOSTS="127.0.0.1"
    )
    env.pop("REDIS_URL", None)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:nq57.gunicorn_conf",
            "-w",
            "1",
            "-b",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                # /healthz answers over plain HTTP (exempt from the HTTPS redirect); any
                # status will do (a 503 without tables): the header is the point.
                response = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
                headers = response.headers
                break
            except urllib.error.HTTPError as error:
                headers = error.headers
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.2)
        assert "Date" in headers  # gunicorn's own headers are still there
        assert "Server" not in headers, headers["Server"]
        assert "Content-Security-Policy" in headers
    finally:
        server.terminate()
        server.wait(timeout=10)
