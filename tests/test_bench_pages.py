"""bench_pages seeds a throwaway database, times every page (each must answer 200, or the
command fails), adds up the first load, and ends with one JSON line."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = (
    "my_tasks_commune",
    "my_tasks_commune_filtered",
    "my_tasks_province",
    "task_page_commune",
    "task_page_province_parent",
    *(
        f"search_{label}_{who}"
        for label in ("diacritics", "plain")
        for who in ("commune", "central", "admin_all")
    ),
)


@pytest.mark.slow
def test_it_times_every_page_and_ends_with_a_json_line():
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "nq57.settings"}
    env.pop("REDIS_URL", None)  # jobs run in-process, as in bench_greening
    result = subprocess.run(
        [sys.executable, "manage.py", "bench_pages", "--scale", "demo", "--runs", "2", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    # A page that does not answer 200 makes the command fail with a CommandError.
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    figures = json.loads(lines[-1])

    assert figures["tasks"] > 0
    assert set(figures["pages"]) == set(PAGES)
    for name, page in [*figures["pages"].items(), ("trivial", figures["trivial"])]:
        assert page["p50_ms"] > 0, name
        assert page["p95_ms"] >= page["p50_ms"], name
        assert isinstance(page["queries"], int) and page["queries"] >= 1, name
        assert isinstance(page["bytes"], int) and page["bytes"] > 0, name
    assert 0 < figures["first_load_gzip_bytes"] < figures["first_load_bytes"]
    assert figures["static_cache_control"] == "max-age=315360000, public, immutable"
    assert any(line.startswith("my_tasks_commune ") for line in lines)
