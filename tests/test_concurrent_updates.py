"""Many officials saving at once, through HTTP, on a real multi-worker server over
PostgreSQL (issue 16, "Concurrency"): 25 writers on one task and 25 on their own tasks,
each of those submitting twice at once (a double tap on a slow phone). No update is lost
or recorded twice, no request answers 500, and no transaction deadlocks."""

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tasks_app.models import Membership, Role, Task, TaskStatus, TaskUpdate, UpdateKind, User
from tests.live_stack import (
    Answer,
    Browser,
    form_fields,
    gunicorn_server,
    postgres_only,
    reference_data_survives,  # noqa: F401  (a fixture, used by name)
)

WRITERS = 25
# A writer whose save meets a conflict (409) sends its input again on the version the
# conflict page offers, as an official would; each try is one more chance to lose a race.
MAX_TRIES = 40

pytestmark = [
    postgres_only("row locks and concurrent transactions across server processes"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("reference_data_survives"),
]


def _officers(commune, count: int) -> list[User]:
    officers = []
    for number in range(count):
        user = User.objects.create_user(f"officer{number:02d}", password="x", full_name=f"Cán bộ {number}")
        Membership.objects.create(user=user, unit=commune, role=Role.COMMUNE_OFFICER)
        officers.append(user)
    return officers


def _update_form(browser: Browser, task: Task) -> dict[str, str]:
    answer = browser.get(f"/tasks/{task.pk}/")
    assert answer.status == 200, answer.body[-2000:]
    return form_fields(answer.body, f"/tasks/{task.pk}/update/")


def test_25_writers_on_one_task_and_25_double_submits_on_their_own_tasks(tmp_path, commune, make_task):
    shared = make_task(code="SHARED", progress=10)
    own_tasks = [make_task(code=f"OWN-{n:02d}", progress=10) for n in range(WRITERS)]
    officers = _officers(commune, 2 * WRITERS)
    answers: list[tuple[str, int]] = []  # (who, status) of every POST
    lock = threading.Lock()

    def record(who: str, answer: Answer) -> Answer:
        with lock:
            answers.append((who, answer.status))
        return answer

    with gunicorn_server(tmp_path, workers=3, threads=4) as (base_url, log):
        shared_writers = [Browser(base_url, user) for user in officers[:WRITERS]]
        own_writers = [Browser(base_url, user) for user in officers[WRITERS:]]
        # Everyone opens the page first (the same version of the shared task), then all
        # post at the same moment.
        shared_forms = [_update_form(browser, shared) for browser in shared_writers]
        own_forms = [
            _update_form(browser, task) for browser, task in zip(own_writers, own_tasks, strict=True)
        ]
        start = threading.Barrier(WRITERS + 2 * WRITERS)

        def write_shared(number: int) -> int:
            """Save progress 11 + number on the shared task; the number of tries it took."""
            browser, form = shared_writers[number], shared_forms[number]
            form.update(status=TaskStatus.IN_PROGRESS, progress=str(11 + number), note=f"Người viết {number}")
            start.wait()
            for attempt in range(1, MAX_TRIES + 1):
                # With htmx, as from a phone with JavaScript: a save answers 200 with the task's
                # live part, a conflict 409 with the form again.
                answer = record(
                    f"shared-{number}", browser.post(f"/tasks/{shared.pk}/update/", form, htmx=True)
                )
                if answer.status == 200:
                    return attempt
                assert answer.status == 409, answer.body[-2000:]
                # The conflict keeps the input and the submission key, on the new version.
                form["version"] = form_fields(answer.body, f"/tasks/{shared.pk}/update/")["version"]
            return 0

        def write_own_twice(number: int, tap: int) -> int:
            """Both taps of a double submit, without JavaScript: a save redirects (302)."""
            browser, form, task = own_writers[number], dict(own_forms[number]), own_tasks[number]
            form.update(status=TaskStatus.IN_PROGRESS, progress="60", note=f"Báo cáo {number}")
            start.wait()
            return record(f"own-{number}-{tap}", browser.post(f"/tasks/{task.pk}/update/", form)).status

        with ThreadPoolExecutor(max_workers=3 * WRITERS) as pool:
            shared_jobs = [pool.submit(write_shared, n) for n in range(WRITERS)]
            own_jobs = [pool.submit(write_own_twice, n, tap) for n in range(WRITERS) for tap in (1, 2)]
            tries = [job.result(timeout=120) for job in shared_jobs]
            own_statuses = [job.result(timeout=120) for job in own_jobs]
        server_log = log.read_text()

    assert not [a for a in answers if a[1] >= 500], server_log[-3000:]
    assert "deadlock detected" not in server_log
    assert all(tries), f"writers that never got through: {[n for n, t in enumerate(tries) if not t]}"

    # The shared task: every accepted save is in its history once, in order, none lost,
    # and the task is what the last one made it.
    history = list(TaskUpdate.objects.filter(task=shared).order_by("version"))
    assert [u.version for u in history] == list(range(2, WRITERS + 2))
    assert sorted(u.note for u in history) == sorted(f"Người viết {n}" for n in range(WRITERS))
    assert all(u.kind == UpdateKind.PROGRESS for u in history)
    assert len({u.submission_key for u in history}) == WRITERS
    for before, after in itertools.pairwise(history):
        assert after.progress_before == before.progress_after  # each save saw the one before
    shared.refresh_from_db()
    assert (shared.version, shared.progress) == (WRITERS + 1, history[-1].progress_after)

    # Own tasks: both taps answered as a save, and recorded once.
    assert own_statuses == [302] * (2 * WRITERS)
    for task in own_tasks:
        task.refresh_from_db()
        assert (task.version, task.progress) == (2, 60)
        assert task.updates.count() == 1
