"""The settings module read under different environments, without touching the running one."""

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

import nq57

SETTINGS_FILE = Path(nq57.__file__).parent / "settings.py"
VARIABLES = [
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "TIME_ZONE",
    "LANGUAGE_CODE",
    "SESSION_IDLE_SECONDS",
    "JOBS_DIR",
    "JOBS_IN_PROCESS",
    "SECURE_COOKIES",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "TRUSTED_PROXY_COUNT",
    "DEMO_MODE",
    "DEVTOOLS",
]


@pytest.fixture
def load(monkeypatch):
    def load_with(**env) -> dict:
        for name in VARIABLES:
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(SETTINGS_FILE))

    return load_with


def test_without_database_url_it_uses_a_sqlite_file(load):
    s = load(DEBUG="1")
    assert s["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert str(s["DATABASES"]["default"]["NAME"]).endswith("db.sqlite3")


def test_with_database_url_it_uses_postgresql(load):
    s = load(DEBUG="1", DATABASE_URL="postgres://nq57:pw@db.example:5433/nq57")
    db = s["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"]) == ("db.example", 5433, "nq57", "nq57")
    assert db["CONN_HEALTH_CHECKS"] is True


def test_without_redis_jobs_queue_in_a_folder_for_the_background_worker(load, tmp_path):
    s = load(DEBUG="1", JOBS_DIR=str(tmp_path))
    assert s["CELERY_TASK_ALWAYS_EAGER"] is False  # never inside the request (issue 14)
    assert s["CELERY_BROKER_URL"] == "filesystem://"
    assert s["CELERY_BROKER_TRANSPORT_OPTIONS"]["data_folder_in"] == str(tmp_path / "queue")
    assert (tmp_path / "queue").is_dir() and (tmp_path / "control").is_dir()
    # The web process and the worker share it (greening's "refresh queued" flag).
    assert s["CACHES"]["default"]["BACKEND"].endswith("FileBasedCache")


def test_jobs_in_process_when_asked(load, tmp_path):
    assert load(DEBUG="1", JOBS_DIR=str(tmp_path), JOBS_IN_PROCESS="1")["CELERY_TASK_ALWAYS_EAGER"] is True


def test_the_test_suite_runs_jobs_in_process_without_redis(monkeypatch, tmp_path):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("JOBS_DIR", str(tmp_path))
    # settings_test imports nq57.settings: read it afresh, without REDIS_URL (CI sets it).
    monkeypatch.delitem(sys.modules, "nq57.settings", raising=False)
    s = runpy.run_path(str(SETTINGS_FILE.parent / "settings_test.py"))
    assert s["CELERY_TASK_ALWAYS_EAGER"] is True
    assert s["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")


def test_with_redis_it_is_broker_result_store_and_cache(load):
    s = load(DEBUG="1", REDIS_URL="redis://cache.example:6379/2")
    assert s["CELERY_TASK_ALWAYS_EAGER"] is False
    assert s["CELERY_BROKER_URL"] == s["CELERY_RESULT_BACKEND"] == "redis://cache.example:6379/2"
    assert s["CACHES"]["default"]["BACKEND"].endswith("RedisCache")
    assert s["CACHES"]["default"]["LOCATION"] == "redis://cache.example:6379/2"


def test_every_redis_client_gives_up_within_half_a_second(load):
    """A frozen Redis must not hold a web request (tests/test_redis_faults.py shows it)."""
    s = load(DEBUG="1", REDIS_URL="redis://cache.example:6379/2")
    cache_options = s["CACHES"]["default"]["OPTIONS"]
    broker_options = s["CELERY_BROKER_TRANSPORT_OPTIONS"]
    for options in (cache_options, broker_options):
        assert options["socket_connect_timeout"] == options["socket_timeout"] == 0.5
    assert cache_options["retry"].get_retries() == 1  # on a dropped connection, never on a timeout
    assert broker_options["max_retries"] == 0
    assert s["CELERY_REDIS_SOCKET_TIMEOUT"] == s["CELERY_REDIS_SOCKET_CONNECT_TIMEOUT"] == 0.5
    assert load(DEBUG="1", REDIS_URL="redis://r/0", REDIS_TIMEOUT_MS="200")["REDIS_TIMEOUT_SECONDS"] == 0.2


def test_it_refuses_to_start_without_debug_on_the_default_key(load):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        load()


def test_with_a_secret_key_it_starts_without_debug(load):
    s = load(SECRET_KEY="x" * 50, ALLOWED_HOSTS="nq57.example.vn, www.nq57.example.vn")
    assert s["DEBUG"] is False and s["SECRET_KEY"] == "x" * 50
    assert s["ALLOWED_HOSTS"] == ["nq57.example.vn", "www.nq57.example.vn"]
    assert s["SESSION_COOKIE_SECURE"] is True


def test_debug_accepts_only_clear_values(load):
    with pytest.raises(ValueError, match="DEBUG"):
        load(DEBUG="maybe")


def test_defaults_are_vietnamese_and_hanoi_time(load):
    s = load(DEBUG="1")
    assert s["LANGUAGE_CODE"] == "vi" and s["TIME_ZONE"] == "Asia/Ho_Chi_Minh"
    assert dict(s["LANGUAGES"]).keys() == {"vi", "en"}
    assert s["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost", "[::1]"]


def test_language_and_time_zone_can_be_set(load):
    s = load(DEBUG="1", LANGUAGE_CODE="en", TIME_ZONE="UTC", SESSION_IDLE_SECONDS="600")
    assert (s["LANGUAGE_CODE"], s["TIME_ZONE"], s["SESSION_COOKIE_AGE"]) == ("en", "UTC", 600)


def test_an_unsupported_language_is_refused(load):
    with pytest.raises(ImproperlyConfigured, match="LANGUAGE_CODE"):
        load(DEBUG="1", LANGUAGE_CODE="fr")


def test_without_debug_it_is_https_only_with_hsts(load):
    s = load(SECRET_KEY="x" * 50)
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["SECURE_HSTS_SECONDS"] == 365 * 24 * 60 * 60
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True and s["SECURE_HSTS_PRELOAD"] is True
    assert s["SESSION_COOKIE_SECURE"] is True and s["CSRF_COOKIE_SECURE"] is True
    assert s["SECURE_REDIRECT_EXEMPT"] == [r"^healthz$"]  # the container's plain-HTTP health check


def test_https_parts_can_be_turned_off_for_plain_http(load):
    # What `make serve` does on 127.0.0.1, or a proxy that redirects to HTTPS itself.
    s = load(SECRET_KEY="x" * 50, SECURE_COOKIES="0", SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="0")
    assert s["SECURE_SSL_REDIRECT"] is False and s["SECURE_HSTS_SECONDS"] == 0
    assert s["SESSION_COOKIE_SECURE"] is False


def test_with_debug_nothing_forces_https(load):
    s = load(DEBUG="1")
    assert "SECURE_SSL_REDIRECT" not in s and "SECURE_HSTS_SECONDS" not in s


def test_forwarded_headers_are_ignored_unless_a_proxy_is_trusted(load):
    s = load(DEBUG="1")
    assert s["TRUSTED_PROXY_COUNT"] == 0 and "SECURE_PROXY_SSL_HEADER" not in s
    assert s["AXES_CLIENT_IP_CALLABLE"] == "nq57.proxy.client_ip"  # also honours the count
    s = load(SECRET_KEY="x" * 50, TRUSTED_PROXY_COUNT="1")
    assert s["TRUSTED_PROXY_COUNT"] == 1
    assert s["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


def test_a_negative_proxy_count_is_refused(load):
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXY_COUNT"):
        load(DEBUG="1", TRUSTED_PROXY_COUNT="-1")


def test_the_content_security_policy_allows_only_our_own_files(load):
    directives = load(DEBUG="1")["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert directives["default-src"] == directives["script-src"] == directives["style-src"] == ["'self'"]
    assert directives["object-src"] == directives["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in source for sources in directives.values() for source in sources)


def test_production_leaves_the_development_app_out(load):
    assert "nq57.devtools" not in load(SECRET_KEY="x" * 50)["INSTALLED_APPS"]
    assert "nq57.devtools" not in load(SECRET_KEY="x" * 50, DEVTOOLS="0")["INSTALLED_APPS"]


@pytest.mark.parametrize(
    "env",
    [{"DEBUG": "1"}, {"SECRET_KEY": "x" * 50, "DEMO_MODE": "1"}, {"SECRET_KEY": "x" * 50, "DEVTOOLS": "1"}],
    ids=["debug", "demo-mode", "devtools-flag"],
)
def test_the_demo_and_the_flag_install_the_development_app(load, env):
    s = load(**env)
    assert s["INSTALLED_APPS"].count("nq57.devtools") == 1 and s["DEVTOOLS"] is True


def test_the_test_suite_always_has_the_development_app(monkeypatch, tmp_path):
    for name in ("DEBUG", "DEMO_MODE", "DEVTOOLS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JOBS_DIR", str(tmp_path))
    monkeypatch.delitem(sys.modules, "nq57.settings", raising=False)
    s = runpy.run_path(str(SETTINGS_FILE.parent / "settings_test.py"))
    assert s["DEMO_MODE"] is False
    assert s["INSTALLED_APPS"].count("nq57.devtools") == 1


def _manage_help(tmp_path, command: str, **extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {*VARIABLES, "DJANGO_SETTINGS_MODULE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="nq57.settings",
        DEBUG="0",
        SECRET_KEY="x" * 50,
        JOBS_DIR=str(tmp_path),
        **extra,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "help", command],
        cwd=SETTINGS_FILE.parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("command", ["seed_demo", "serve", "bench_reports"])
def test_production_does_not_know_the_development_commands(tmp_path, command):
    result = _manage_help(tmp_path, command)
    assert result.returncode != 0 and f"Unknown command: '{command}'" in result.stderr


def test_the_demo_knows_the_development_commands(tmp_path):
    result = _manage_help(tmp_path, "seed_demo", DEMO_MODE="1")
    assert result.returncode == 0, result.stderr
    assert "--scale" in result.stdout
    assert _manage_help(tmp_path, "load_units").returncode == 0  # an operator's command stays
