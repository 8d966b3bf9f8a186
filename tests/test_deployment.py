"""The promised ways to run the app stay wired up: compose services, CI, Makefile."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_compose_runs_the_full_stack():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert set(compose["services"]) == {"web", "worker", "beat", "postgres", "redis"}
    for name in ("web", "worker", "beat"):
        env = compose["services"][name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://")
    assert "celery -A nq57 worker" in compose["services"]["worker"]["command"]
    assert "celery -A nq57 beat" in compose["services"]["beat"]["command"]
    assert (ROOT / compose["services"]["web"]["build"]["dockerfile"]).exists()


def test_gunicorn_runs_without_its_control_socket():
    """gunicorn 25.1+ opens a control socket (worker count, reload, shutdown) unless told
    not to; both ways of running the web server turn it off, with an option the installed
    gunicorn knows."""
    from gunicorn.config import Config

    from nq57 import gunicorn_conf

    # Both ways of starting the web server read nq57/gunicorn_conf.py
    # (test_the_container_runs_gunicorn_with_its_config_file), which turns the socket off
    # under a setting name the installed gunicorn knows.
    assert gunicorn_conf.control_socket_disable is True
    assert "control_socket_disable" in Config().settings


def test_ci_runs_make_test_against_postgres_and_redis():
    script = (ROOT / ".ci" / "run").read_text()
    assert "make test" in script
    assert "DATABASE_URL=" in script and "REDIS_URL=" in script


def test_the_repository_top_level_is_as_designed():
    allowed = {
        "manage.py",
        "nq57",
        "tasks_app",
        "reports",
        "templates",
        "static",
        "tests",
        "pyproject.toml",
        "docker-compose.yml",
        "README.md",
        "Makefile",
        "docs",
    }
    visible = {p.name for p in ROOT.iterdir() if not p.name.startswith(".")}
    generated = {"db.sqlite3", "db.sqlite3-wal", "db.sqlite3-shm", "var", "build"}
    visible = {name for name in visible if not name.endswith(".egg-info")}
    assert visible - generated <= allowed


def test_compose_is_https_only_unless_told_otherwise():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    env = compose["services"]["web"]["environment"]
    assert env["SECURE_COOKIES"] == "${SECURE_COOKIES:-1}"
    assert env["SECURE_SSL_REDIRECT"] == "${SECURE_SSL_REDIRECT:-1}"
    assert env["TRUSTED_PROXY_COUNT"] == "${TRUSTED_PROXY_COUNT:-0}"


def test_the_container_runs_gunicorn_with_its_config_file():
    # The config file is what drops the Server header (tests/test_security_headers.py).
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert "gunicorn -c python:nq57.gunicorn_conf" in compose["services"]["web"]["command"]
    dockerfile = (ROOT / ".docker" / "Dockerfile").read_text()
    assert 'CMD ["gunicorn", "-c", "python:nq57.gunicorn_conf"]' in dockerfile


def test_the_image_and_ci_install_harfbuzz_subset_for_weasyprint():
    """WeasyPrint 70 subsets the embedded fonts with HarfBuzz; without the library it falls
    back to fontTools and warns that a future version will require it."""
    from weasyprint.text import ffi

    assert "libharfbuzz-subset0" in (ROOT / ".docker" / "Dockerfile").read_text()
    assert "libharfbuzz-subset0" in (ROOT / ".ci" / "run").read_text()
    assert ffi.harfbuzz_subset is not None
