"""bench_greening builds its own throwaway database, times the recompute against the SQL
floor, checks both count the same, and ends with one JSON line."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_it_prints_the_figures_and_ends_with_a_json_line():
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "nq57.settings"}
    env.pop("REDIS_URL", None)  # the bench runs the refresh itself
    result = subprocess.run(
        [sys.executable, "manage.py", "bench_greening", "--tasks", "3000", "--runs", "1", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    assert figures["tasks"] == 3000
    assert figures["recompute_s"] > 0 and figures["floor_s"] > 0
    assert figures["ratio"] == pytest.approx(figures["recompute_s"] / figures["floor_s"], rel=0.05)
    assert figures["agree"] is True
    assert any("3,000 tasks, 30,000 updates" in line for line in lines)
