"""bench_indicators builds its indicator dataset in a throwaway database, times the
recompute (every period and the nightly subset), the refresh after one value, the greening
recompute with indicators and the pages, and ends with one JSON line."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_it_times_the_recompute_and_ends_with_a_json_line():
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "nq57.settings"}
    env.pop("REDIS_URL", None)
    env.pop("DATABASE_URL", None)  # SQLite: a small dataset proves the plumbing
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "bench_indicators",
            "--provinces",
            "1",
            "--indicators",
            "6",
            "--runs",
            "1",
            "--page-runs",
            "2",
            "--json",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    assert figures["assignments"] > 6 and figures["figures"] >= figures["assignments"] * 11
    assert figures["next_day_changes"] > 0  # missing values turned red the day after the due date
    for name in ("recompute_all_unchanged_s", "recompute_open_next_day_s", "incremental_ms"):
        assert figures[name] > 0, name
    assert figures["province_board"]["p95_ms"] >= figures["province_board"]["p50_ms"] > 0
    assert figures["trivial"]["p50_ms"] > 0
    assert "approval_queue" in figures
