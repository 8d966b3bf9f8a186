"""bench_api builds the national-shaped dataset in a throwaway database, times the API
with a token as a machine client sends it (each request must answer as it should, or the
command fails), and ends with one JSON object of the figures."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIGURES = {"tasks_page_province", "sync_changed", "task_update", "trivial", "healthz"}
CHANGED = 40


@pytest.mark.slow
def test_it_times_the_api_and_ends_with_one_json_object():
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "nq57.settings"}
    env.pop("REDIS_URL", None)  # jobs stay in the process (an in-memory broker)
    env.pop("DATABASE_URL", None)  # SQLite: a small dataset is enough to prove the plumbing
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "bench_api",
            "--tasks",
            "4000",  # the largest province then has more than a page of 100 tasks
            "--runs",
            "2",
            "--changed",
            str(CHANGED),
            # Small pages: the pull follows several `next` cursors through tasks that all
            # share one timestamp, as a cascade leaves them.
            "--sync-page-size",
            "7",
            "--json",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert FIGURES.issubset(report)
    assert isinstance(report["over_budget"], list)

    page = report["tasks_page_province"]
    assert page["queries"] == page["queries_page_2"]  # a fixed number, not one per task
    assert 0 < page["p50_ms"] <= page["p95_ms"]

    sync = report["sync_changed"]
    assert sync["changed"] == CHANGED
    assert sync["tasks"] == CHANGED  # every changed task once, none missed at the ties
    assert sync["pages"] == 6  # ceil(40 / 7)
    assert sync["queries_per_page"] == sync["queries_per_page_min"]

    for name in ("task_update", "trivial", "healthz"):
        assert 0 < report[name]["p50_ms"] <= report[name]["p95_ms"], name
        assert report[name]["queries"] > 0 or name == "healthz", name
