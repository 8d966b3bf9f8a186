"""bench_dashboard builds the national-shaped dataset with its weekly snapshots in a
throwaway database, times every board (each must answer 200, or the command fails) and a
trivial page, and ends with one JSON object of page -> p50/p95."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = {"national", "national_group", "province", "province_sorted", "province_htmx", "commune", "trivial"}


@pytest.mark.slow
def test_it_times_every_board_and_ends_with_one_json_object():
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "nq57.settings"}
    env.pop("REDIS_URL", None)  # no worker: the freshness part is skipped and says so
    env.pop("DATABASE_URL", None)  # SQLite: a small dataset is enough to prove the plumbing
    result = subprocess.run(
        [sys.executable, "manage.py", "bench_dashboard", "--tasks", "4000", "--runs", "2", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    assert set(figures) == PAGES
    assert list(figures)[-1] == "trivial"
    for name, page in figures.items():
        assert 0 < page["p50_ms"] <= page["p95_ms"], name
    assert any("skipped" in line.lower() for line in lines)  # freshness needs Redis
