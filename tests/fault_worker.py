"""A real Celery worker (prefork, with beat) for tests/test_worker_faults.py, whose report
renders can be held mid-way: while the file named by NQ57_HOLD_RENDERS exists, a render
that has claimed its report waits, after writing its process id next to that file, so the
test knows which process to kill. Run: python tests/fault_worker.py worker [options]."""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nq57.settings_test")

import django

django.setup()

from nq57.celery import app  # noqa: E402
from reports.documents import actions  # noqa: E402
from reports.documents.pdf import pdf_from_html  # noqa: E402

HOLD = Path(os.environ["NQ57_HOLD_RENDERS"])
real_render_pdf = actions.render_pdf


def held_render_pdf(*args, **kwargs):
    if HOLD.exists():
        HOLD.with_suffix(".pid").write_text(str(os.getpid()))
        while HOLD.exists():
            time.sleep(0.05)
    return real_render_pdf(*args, **kwargs)


actions.render_pdf = held_render_pdf
# Load WeasyPrint and its fonts once, before the pool forks: each render then takes about
# a second, well inside the short time limit the test sets.
pdf_from_html("<p>warm-up</p>")

if __name__ == "__main__":
    app.worker_main(sys.argv[1:])
