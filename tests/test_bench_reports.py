"""bench_reports builds the national-shaped dataset with the report week's snapshots in a
throwaway database, renders the largest province's and the nation's weekly reports in
fresh processes and Monday's 35 reports on two processes (each must come out ready, or
the command fails), and ends with one JSON object of the four figures."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIGURES = {"province_s", "province_mb", "national_s", "all_weekly_s"}


@pytest.mark.slow
def test_it_times_the_weekly_reports_and_ends_with_one_json_object(tmp_path):
    media_root = tmp_path / "media"
    env = {
        **os.environ,
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "nq57.settings",
        # The bench must write its PDFs to a folder of its own, never to the media folder.
        "MEDIA_ROOT": str(media_root),
    }
    env.pop("REDIS_URL", None)  # no worker: the 35 reports run on the process-pool fallback
    env.pop("DATABASE_URL", None)  # SQLite: a small dataset is enough to prove the plumbing
    result = subprocess.run(
        [sys.executable, "manage.py", "bench_reports", "--tasks", "4000", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    assert set(figures) == FIGURES
    for name, value in figures.items():
        assert isinstance(value, int | float), name
        assert value > 0, name
    assert any("process-pool fallback" in line for line in lines)
    assert not media_root.exists() or not any(media_root.iterdir())
