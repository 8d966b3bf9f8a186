"""Writes to tasks. Each one locks the row, checks the version the caller saw,
applies the change, bumps the version and appends a TaskUpdate naming who, when and what."""

import datetime
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from tasks_app.actions.greening import greening_mark_stale
from tasks_app.clock import local_today
from tasks_app.models import (
    RECORDED_AS_CHANGES,
    SHARED_WITH_COPIES,
    Evidence,
    Membership,
    Task,
    TaskStatus,
    TaskUpdate,
    Unit,
    UpdateKind,
    User,
)


class StaleTaskVersion(Exception):
    """The task changed after the caller loaded it; nothing was written. `since` holds the
    updates recorded after the caller's version, to show what changed."""

    def __init__(self, current: Task, since: list[TaskUpdate] | None = None):
        self.current = current
        self.since = since or []
        super().__init__(f"task {current.pk} is at version {current.version}")


@dataclass(frozen=True)
class EvidenceUpload:
    """A checked file ready to attach: its content is already in storage under `stored_name`."""

    stored_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str

    def as_fields(self) -> dict[str, Any]:
        """The columns of an evidence row (a task's or an indicator value's) for this file."""
        return {
            "file": self.stored_name,
            "original_name": self.original_name,
            "size": self.size,
            "content_type": self.content_type,
            "sha256": self.sha256,
        }


def _author_unit_ids(author: User | None) -> set[int]:
    """The units whose own people include `author`: a change by them is that unit reporting."""
    if author is None:
        return set()
    return set(Membership.objects.filter(user=author).values_list("unit_id", flat=True))


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
    task.last_own_update_at = task.created_at if task.lead_unit_id in _author_unit_ids(author) else None
    task.save(force_insert=True)
    if coordinating_units:
        task.coordinating_units.set(coordinating_units)
    TaskUpdate.for_creation(task, author=author, note=note).save(force_insert=True)
    greening_mark_stale(unit_ids=[task.lead_unit_id])
    return task


@transaction.atomic
def task_change(
    *,
    task: Task,
    expected_version: int,
    author: User | None,
    note: str = "",
    difficulties: str = "",
    coordinating_units: Iterable[Unit] | None = None,
    evidence: Sequence[EvidenceUpload] = (),
    submission_key: uuid.UUID | None = None,
) -> TaskUpdate | None:
    """Write the edited instance `task` if nobody changed the row since `expected_version`.

    Updates recorded since then that only added notes or evidence do not conflict: they
    changed nothing the caller edited. Anything else raises StaleTaskVersion with the
    current row and those updates. With `submission_key`, a second call with the same key
    records nothing and returns the first call's update (a double submit).

    Returns the recorded update, or None when nothing actually changed.
    """
    current = Task.objects.select_for_update().get(pk=task.pk)
    if submission_key is not None:
        earlier = TaskUpdate.objects.filter(submission_key=submission_key, task=current).first()
        if earlier is not None:
            return earlier
    check_version(current, expected_version)

    _apply_completion_rules(task)
    changes = detail_changes(current, task)
    if coordinating_units is not None:
        before_units = list(current.coordinating_units.all())
        after_units = list(coordinating_units)
        if {u.pk for u in before_units} != {u.pk for u in after_units}:
            changes["coordinating_units"] = [
                [str(u) for u in sorted(before_units, key=lambda u: u.sort_key)],
                [str(u) for u in sorted(after_units, key=lambda u: u.sort_key)],
            ]
            task.coordinating_units.set(after_units)
    status_changed = current.status != task.status
    progress_changed = current.progress != task.progress
    if not (changes or status_changed or progress_changed or note or difficulties or evidence):
        return None

    # A completion date set or cleared by a change of status follows from that change
    # (see _apply_completion_rules): it is recorded, but the change is still a status change.
    edited = [name for name in changes if not (name == "completed_on" and status_changed)]
    if edited:
        kind = UpdateKind.EDITED
    elif status_changed or progress_changed:
        kind = UpdateKind.PROGRESS
    else:
        kind = UpdateKind.NOTE
    task.version = current.version + 1
    task.updated_at = timezone.now()
    own = task.lead_unit_id in _author_unit_ids(author)
    task.last_own_update_at = task.updated_at if own else current.last_own_update_at
    # Only the columns this change writes. An edited field left out holds the same value in
    # `task` and in the locked row (detail_changes compared them); the rest (who created the
    # task and when) are not the caller's to write. Coordinating units were set above.
    changed = [name for name in changes if name != "coordinating_units"]
    changed += ["status"] if status_changed else []
    changed += ["progress"] if progress_changed else []
    task.save(update_fields=[*changed, "version", "updated_at", "last_own_update_at"])
    if kind != UpdateKind.NOTE:
        # A task moved to another unit leaves the old unit's figures stale too.
        greening_mark_stale(unit_ids={current.lead_unit_id, task.lead_unit_id})
    update = TaskUpdate.objects.create(
        task=task,
        author=author,
        created_at=task.updated_at,
        kind=kind,
        version=task.version,
        status_before=current.status,
        status_after=task.status,
        progress_before=current.progress,
        progress_after=task.progress,
        note=note,
        difficulties=difficulties,
        changes=changes,
        submission_key=submission_key,
    )
    Evidence.objects.bulk_create([Evidence(update=update, **item.as_fields()) for item in evidence])
    return update


def check_version(current: Task, expected_version: int) -> None:
    """Raise StaleTaskVersion unless `current` (locked) is at `expected_version`, or only
    notes and evidence were added since: they changed nothing a form edits."""
    if current.version == expected_version:
        return
    since = list(
        current.updates.filter(version__gt=expected_version).select_related("author").order_by("version")
    )
    if expected_version > current.version or any(u.kind != UpdateKind.NOTE for u in since):
        raise StaleTaskVersion(current, since)


def task_column(name: str) -> models.Field:
    """One of the task's own fields by name (get_field also answers reverse relations,
    which have no attname; the names written here are never those)."""
    field = Task._meta.get_field(name)
    assert isinstance(field, models.Field), name
    return field


def detail_changes(before: Task, after: Task) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    for name in RECORDED_AS_CHANGES:
        field = task_column(name)
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


@transaction.atomic
def task_cascade(
    *, parent: Task, communes: Sequence[Unit], author: User | None, responsible_position: str
) -> list[Task]:
    """Give each commune its own child of `parent`, linked to it, in one transaction.

    A commune that already has a child of this task is skipped, so assigning again after
    adding communes is safe. Returns the tasks created."""
    parent = Task.objects.select_for_update().get(pk=parent.pk)
    already = set(parent.children.values_list("lead_unit_id", flat=True))
    now = timezone.now()
    # Being given a task is not the commune reporting: its last own update stays as it was.
    authors_units = _author_unit_ids(author)
    shared = {
        field.attname: getattr(parent, field.attname)
        for field in (task_column(name) for name in SHARED_WITH_COPIES)
    }
    children = [
        Task(
            **shared,
            plan_id=parent.plan_id,
            code=f"{parent.code}/{commune.code}",
            parent=parent,
            lead_unit=commune,
            responsible_name=f"{responsible_position} {commune.name}",
            responsible_position=f"{responsible_position} {commune.name}",
            status=TaskStatus.NOT_STARTED,
            progress=0,
            version=1,
            created_by=author,
            created_at=now,
            updated_at=now,
            last_own_update_at=now if commune.pk in authors_units else None,
        )
        for commune in communes
        if commune.pk not in already
    ]
    created = Task.objects.bulk_create(children, batch_size=500)
    TaskUpdate.objects.bulk_create(
        [
            TaskUpdate.for_creation(child, author=author, note=f"{parent.lead_unit.name}: {parent.code}")
            for child in created
        ],
        batch_size=500,
    )
    if created:
        greening_mark_stale(unit_ids=[child.lead_unit_id for child in created])
    return created


@transaction.atomic
def task_assign(
    *, task: Task, communes: Sequence[Unit], author: User | None, responsible_position: str
) -> tuple[Task, list[Task]]:
    """Create a unit's task and cascade it to the chosen communes, all or nothing."""
    task = task_create(task=task, author=author)
    children = task_cascade(
        parent=task, communes=communes, author=author, responsible_position=responsible_position
    )
    return task, children
