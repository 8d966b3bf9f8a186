import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tasks_app.actions.tasks import StaleTaskVersion, task_change, task_create
from tasks_app.models import Task, TaskStatus, TaskUpdate, Unit, UpdateKind, User


def new_task(plan, commune, **fields) -> Task:
    values = {
        "plan": plan,
        "code": "NV-1",
        "title": "Kết nối mạng",
        "lead_unit": commune,
        "responsible_name": "Lê Văn Nam",
        "approving_authority": "UBND tỉnh",
        "start_date": datetime.date(2026, 1, 1),
        "deadline": datetime.date(2026, 3, 31),
        "expected_product": "Biên bản nghiệm thu",
    }
    values.update(fields)
    return Task(**values)


def test_creating_a_task_records_who_and_when(plan, commune, alice):
    task = task_create(task=new_task(plan, commune), author=alice, note="Giao nhiệm vụ")
    update = task.updates.get()
    assert (update.kind, update.version, update.author, update.note) == (
        UpdateKind.CREATED,
        1,
        alice,
        "Giao nhiệm vụ",
    )
    assert task.created_by == alice and task.version == 1


def test_a_change_bumps_the_version_and_records_before_and_after(plan, commune, alice):
    task = task_create(task=new_task(plan, commune), author=alice)
    task.status, task.progress = TaskStatus.IN_PROGRESS, 30
    task.deadline = datetime.date(2026, 4, 30)
    update = task_change(task=task, expected_version=1, author=alice, note="Gia hạn")
    task.refresh_from_db()
    assert task.version == 2
    assert (update.status_before, update.status_after) == (
        TaskStatus.NOT_STARTED,
        TaskStatus.IN_PROGRESS,
    )
    assert (update.progress_before, update.progress_after) == (0, 30)
    assert update.changes == {"deadline": ["2026-03-31", "2026-04-30"]}
    assert update.kind == UpdateKind.EDITED


def test_a_stale_version_is_refused_and_nothing_is_written(plan, commune, alice):
    task = task_create(task=new_task(plan, commune), author=alice)
    first = Task.objects.get(pk=task.pk)
    second = Task.objects.get(pk=task.pk)
    first.progress = 20
    task_change(task=first, expected_version=1, author=alice)
    second.progress = 60
    with pytest.raises(StaleTaskVersion) as excinfo:
        task_change(task=second, expected_version=1, author=alice)
    assert excinfo.value.current.progress == 20
    task.refresh_from_db()
    assert (task.progress, task.version, task.updates.count()) == (20, 2, 2)


def test_completing_sets_full_progress_and_the_date(plan, commune, alice):
    task = task_create(task=new_task(plan, commune), author=alice)
    task.status = TaskStatus.COMPLETED
    update = task_change(task=task, expected_version=1, author=alice, note="Xong")
    task.refresh_from_db()
    assert task.progress == 100 and task.completed_on is not None
    # The date follows from the status: recorded, but this is a status change, not an edit.
    assert update.kind == UpdateKind.PROGRESS
    assert update.changes == {"completed_on": [None, task.completed_on.isoformat()]}


def test_reopening_clears_the_completion_date(plan, commune, alice):
    task = task_create(task=new_task(plan, commune, status=TaskStatus.COMPLETED), author=alice)
    task.status, task.progress = TaskStatus.IN_PROGRESS, 80
    update = task_change(task=task, expected_version=1, author=alice, note="Mở lại")
    task.refresh_from_db()
    assert task.completed_on is None
    assert update.kind == UpdateKind.PROGRESS


def test_coordinating_units_changes_are_recorded(plan, commune, alice):
    task = task_create(task=new_task(plan, commune), author=alice)
    ministry = Unit.objects.get(code="TW-BKHCN")
    update = task_change(task=task, expected_version=1, author=alice, coordinating_units=[ministry])
    assert update.changes["coordinating_units"] == [[], ["Bộ Khoa học và Công nghệ"]]
    assert list(task.coordinating_units.all()) == [ministry]


def test_saving_without_a_change_records_nothing(plan, commune, alice):
    task = task_create(task=new_task(plan, commune), author=alice)
    assert task_change(task=task, expected_version=1, author=alice) is None
    assert TaskUpdate.objects.filter(task=task).count() == 1


def test_a_change_writes_only_the_columns_it_changes(plan, commune, alice):
    task = task_create(task=new_task(plan, commune), author=alice)
    created_at = task.created_at
    # The caller's copy is not the judge of who created the task, or when.
    task.created_at = created_at - datetime.timedelta(days=30)
    task.created_by = User.objects.create_user("other", password="x", full_name="Người khác")
    task.deadline = datetime.date(2026, 4, 30)
    with CaptureQueriesContext(connection) as queries:
        task_change(task=task, expected_version=1, author=alice, note="Gia hạn")
    [written] = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "tasks_app_task"')]
    assert '"deadline"' in written and '"version"' in written
    assert '"title"' not in written and '"expected_product"' not in written and '"created_at"' not in written
    stored = Task.objects.get(pk=task.pk)
    assert (stored.deadline, stored.version) == (datetime.date(2026, 4, 30), 2)
    assert (stored.created_at, stored.created_by) == (created_at, alice)


def test_the_creation_row_can_say_how_a_task_started(plan, commune, alice):
    """A task built with a later state (the demo's, say) still starts its history not started."""
    task = task_create(task=new_task(plan, commune, status=TaskStatus.COMPLETED), author=alice)
    as_is = TaskUpdate.for_creation(task, author=alice)
    as_started = TaskUpdate.for_creation(
        task, author=alice, note="Giao", status_after=TaskStatus.NOT_STARTED, progress_after=0
    )
    assert (as_is.kind, as_is.version, as_is.created_at) == (UpdateKind.CREATED, 1, task.created_at)
    assert (as_is.status_after, as_is.progress_after) == (TaskStatus.COMPLETED, 100)
    assert (as_started.status_after, as_started.progress_after, as_started.note) == (
        TaskStatus.NOT_STARTED,
        0,
        "Giao",
    )
