"""Writes to tasks. Each one locks the row, checks the version the caller saw,
applies the change, bumps the version and appends a TaskUpdate naming who, when and what."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from tasks_app.actions.greening import greening_mark_stale
from tasks_app.clock import local_today
from tasks_app.models import Task, TaskStatus, TaskUpdate, Unit, UpdateKind, User

# Every field a person may edit on a task, in the order forms show them.
EDITABLE_FIELDS = (
    "plan",
    "code",
    "title",
    "description",
    "task_group",
    "phase",
    "parent",
    "lead_unit",
    "coordinating_units",
    "responsible_user",
    "responsible_name",
    "responsible_position",
    "approving_authority",
    "start_date",
    "deadline",
    "expected_product",
    "status",
    "progress",
    "completed_on",
    "is_key",
)
# Status and progress have their own columns in TaskUpdate; coordinating units are diffed
# as a set. The rest are recorded in TaskUpdate.changes.
DETAIL_FIELDS = tuple(f for f in EDITABLE_FIELDS if f not in ("status", "progress", "coordinating_units"))


class StaleTaskVersion(Exception):
    """The task changed after the caller loaded it; nothing was written."""

    def __init__(self, current: Task):
        self.current = current
        super().__init__(f"task {current.pk} is at version {current.version}")


def _apply_completion_rules(task: Task) -> None:
    # "Completed" means the product is delivered: always 100%, and dated.
    if task.status == TaskStatus.COMPLETED:
        task.progress = 100
        task.completed_on = task.completed_on or local_today()
    else:
        task.completed_on = None


@transaction.atomic
def task_create(
    *,
    task: Task,
    author: User | None,
    coordinating_units: Iterable[Unit] = (),
    note: str = "",
) -> Task:
    """Save a new task (an unsaved instance) and record its creation."""
    _apply_completion_rules(task)
    task.version = 1
    task.created_by = task.created_by or author
    task.created_at = task.updated_at = timezone.now()
    task.save(force_insert=True)
    if coordinating_units:
        task.coordinating_units.set(coordinating_units)
    TaskUpdate.objects.create(
        task=task,
        author=author,
        created_at=task.created_at,
        kind=UpdateKind.CREATED,
        version=1,
        status_after=task.status,
        progress_after=task.progress,
        note=note,
    )
    greening_mark_stale(unit_ids=[task.lead_unit_id])
    return task


@transaction.atomic
def task_change(
    *,
    task: Task,
    expected_version: int,
    author: User | None,
    note: str = "",
    coordinating_units: Iterable[Unit] | None = None,
) -> TaskUpdate | None:
    """Write the edited instance `task` if nobody changed the row since `expected_version`.

    Returns the recorded update, or None when nothing actually changed.
    Raises StaleTaskVersion, with the current row, when someone else wrote first.
    """
    current = Task.objects.select_for_update().get(pk=task.pk)
    if current.version != expected_version:
        raise StaleTaskVersion(current)

    _apply_completion_rules(task)
    changes = _detail_changes(current, task)
    if coordinating_units is not None:
        before_units = list(current.coordinating_units.all())
        after_units = list(coordinating_units)
        if {u.pk for u in before_units} != {u.pk for u in after_units}:
            changes["coordinating_units"] = [
                sorted(str(u) for u in before_units),
                sorted(str(u) for u in after_units),
            ]
            task.coordinating_units.set(after_units)
    status_changed = current.status != task.status
    progress_changed = current.progress != task.progress
    if not (changes or status_changed or progress_changed or note):
        return None

    task.version = current.version + 1
    task.updated_at = timezone.now()
    task.created_at, task.created_by_id = current.created_at, current.created_by_id
    task.save()
    # A task moved to another unit leaves the old unit's figures stale too.
    greening_mark_stale(unit_ids={current.lead_unit_id, task.lead_unit_id})
    return TaskUpdate.objects.create(
        task=task,
        author=author,
        created_at=task.updated_at,
        kind=UpdateKind.EDITED if changes else UpdateKind.PROGRESS,
        version=task.version,
        status_before=current.status,
        status_after=task.status,
        progress_before=current.progress,
        progress_after=task.progress,
        note=note,
        changes=changes,
    )


def _detail_changes(before: Task, after: Task) -> dict[str, list[Any]]:
    changes = {}
    for name in DETAIL_FIELDS:
        field = Task._meta.get_field(name)
        attname = field.attname
        old, new = getattr(before, attname), getattr(after, attname)
        if old != new:
            if field.is_relation:
                old_obj, new_obj = getattr(before, name), getattr(after, name)
                changes[name] = [_display(old_obj), _display(new_obj)]
            else:
                changes[name] = [_display(old), _display(new)]
    return changes


def _display(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)
