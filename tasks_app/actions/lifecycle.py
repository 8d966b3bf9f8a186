"""Writes to a task after it is created: correcting its "6 rõ" (and carrying the shared
fields to its cascaded copies), withdrawing a copy, approving or returning a task that
awaits approval, and reopening an approved one. Like task_change, each locks the row,
checks the version the caller saw, bumps it, records a TaskUpdate naming the change, and
refreshes the greening figures once the transaction commits."""

import copy
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from tasks_app.actions.greening import greening_mark_stale
from tasks_app.actions.tasks import check_version, detail_changes, task_change, task_column
from tasks_app.clock import LOCAL_TZ, local_today
from tasks_app.models import SHARED_WITH_COPIES, Task, TaskStatus, TaskUpdate, Unit, UpdateKind, User

# Copies that no longer follow their parent: their work is closed, and changing, say,
# the deadline of a completed copy would rewrite whether it was on time.
CLOSED_STATUSES = (TaskStatus.COMPLETED, TaskStatus.CANCELLED, TaskStatus.WITHDRAWN)


class WrongTaskStatus(Exception):
    """The task is not in a status this change applies to; nothing was written."""

    def __init__(self, current: Task):
        self.current = current
        super().__init__(f"task {current.pk} is {current.status}")


@transaction.atomic
def task_edit_details(
    *,
    task: Task,
    expected_version: int,
    author: User | None,
    coordinating_units: Iterable[Unit] | None = None,
    note: str = "",
) -> tuple[TaskUpdate | None, list[TaskUpdate]]:
    """Write the corrected details of `task` (an edited instance), then carry the shared
    fields that changed to its open copies: each copy takes a new value only where it
    still had the parent's old one, so a deadline given to one commune alone stays.

    Returns the task's update (None when nothing changed) and the copies' updates."""
    before = Task.objects.select_for_update().get(pk=task.pk)
    update = task_change(
        task=task,
        expected_version=expected_version,
        author=author,
        note=note,
        coordinating_units=coordinating_units,
    )
    if update is None or not any(name in update.changes for name in SHARED_WITH_COPIES):
        return update, []
    return update, _carry_to_copies(parent_before=before, parent=task, author=author, note=note)


def _carry_to_copies(
    *, parent_before: Task, parent: Task, author: User | None, note: str
) -> list[TaskUpdate]:
    shared = [task_column(name) for name in SHARED_WITH_COPIES]
    changed = [f for f in shared if getattr(parent_before, f.attname) != getattr(parent, f.attname)]
    copies = list(
        Task.objects.select_for_update(of=("self",))
        .filter(parent=parent)
        .exclude(status__in=CLOSED_STATUSES)
        .select_related("task_group", "phase")
        .order_by("pk")
    )
    now = timezone.now()
    written, updates = [], []
    for child in copies:
        edited = copy.copy(child)
        for field in changed:
            if getattr(child, field.attname) == getattr(parent_before, field.attname):
                # The object too, not only the id, so the history names it without a query.
                setattr(edited, field.name, getattr(parent, field.name))
        if edited.deadline < edited.start_date:
            # The copy has dates of its own that the parent's new ones would cross: keep them.
            edited.start_date, edited.deadline = child.start_date, child.deadline
        changes = detail_changes(child, edited)
        if not changes:
            continue
        edited.version, edited.updated_at = child.version + 1, now
        written.append(edited)
        updates.append(
            TaskUpdate(
                task=edited,
                author=author,
                created_at=now,
                kind=UpdateKind.PARENT_EDITED,
                version=edited.version,
                status_before=child.status,
                status_after=child.status,
                progress_before=child.progress,
                progress_after=child.progress,
                note=f"{parent.code}: {note}" if note else parent.code,
                changes=changes,
            )
        )
    if written:
        fields = sorted({name for update in updates for name in update.changes} | {"version", "updated_at"})
        attnames = [task_column(name).attname for name in fields]
        Task.objects.bulk_update(written, attnames, batch_size=500)
        TaskUpdate.objects.bulk_create(updates, batch_size=500)
        greening_mark_stale(unit_ids={child.lead_unit_id for child in written})
    return updates


def _record(
    current: Task,
    *,
    status: str,
    kind: str,
    author: User | None,
    note: str,
    completed_on=None,
) -> TaskUpdate:
    """Move the locked task to `status` and append the update that says so."""
    before_status, before_progress = current.status, current.progress
    current.status = status
    if status == TaskStatus.COMPLETED:
        current.progress = 100
    current.completed_on = completed_on if status == TaskStatus.COMPLETED else None
    current.version += 1
    current.updated_at = timezone.now()
    current.save(update_fields=["status", "progress", "completed_on", "version", "updated_at"])
    greening_mark_stale(unit_ids=[current.lead_unit_id])
    return TaskUpdate.objects.create(
        task=current,
        author=author,
        created_at=current.updated_at,
        kind=kind,
        version=current.version,
        status_before=before_status,
        status_after=current.status,
        progress_before=before_progress,
        progress_after=current.progress,
        note=note,
    )


@transaction.atomic
def task_withdraw(*, task: Task, expected_version: int, author: User | None, reason: str) -> TaskUpdate:
    """Take a cascaded copy back from its unit, with the reason. The row and its history
    stay; it leaves the unit's lists and the greening figures. A completed copy is kept:
    its work was done and counts."""
    current = Task.objects.select_for_update().get(pk=task.pk)
    check_version(current, expected_version)
    if current.parent_id is None or current.status in (TaskStatus.COMPLETED, TaskStatus.WITHDRAWN):
        raise WrongTaskStatus(current)
    return _record(
        current, status=TaskStatus.WITHDRAWN, kind=UpdateKind.WITHDRAWN, author=author, note=reason
    )


@transaction.atomic
def task_approve(*, task: Task, expected_version: int, author: User | None, note: str = "") -> TaskUpdate:
    """Approve the completion of a task that awaits approval. It is completed on the day
    its unit submitted it, not on the day of approval: a slow approval does not make the
    unit late."""
    current = _awaiting(task, expected_version)
    return _record(
        current,
        status=TaskStatus.COMPLETED,
        kind=UpdateKind.APPROVED,
        author=author,
        note=note,
        completed_on=_submitted_on(current),
    )


@transaction.atomic
def task_return(*, task: Task, expected_version: int, author: User | None, reason: str) -> TaskUpdate:
    """Send a task that awaits approval back to its unit, in progress, with the reason."""
    current = _awaiting(task, expected_version)
    return _record(
        current, status=TaskStatus.IN_PROGRESS, kind=UpdateKind.RETURNED, author=author, note=reason
    )


@transaction.atomic
def task_reopen(*, task: Task, expected_version: int, author: User | None, reason: str) -> TaskUpdate:
    """Open a completion again (→ in progress, progress kept), with the reason: the
    approving authority's own decision, whether it approved the completion or the lead
    unit completed the task directly. From then on it is completed through approval."""
    current = Task.objects.select_for_update().get(pk=task.pk)
    check_version(current, expected_version)
    if current.status != TaskStatus.COMPLETED:
        raise WrongTaskStatus(current)
    return _record(
        current, status=TaskStatus.IN_PROGRESS, kind=UpdateKind.REOPENED, author=author, note=reason
    )


def _awaiting(task: Task, expected_version: int) -> Task:
    current = Task.objects.select_for_update().get(pk=task.pk)
    check_version(current, expected_version)
    if current.status != TaskStatus.AWAITING_APPROVAL:
        raise WrongTaskStatus(current)
    return current


def _submitted_on(task: Task):
    """The local day of the update that last put the task up for approval."""
    submitted = (
        task.updates.filter(status_after=TaskStatus.AWAITING_APPROVAL)
        .exclude(status_before=TaskStatus.AWAITING_APPROVAL)
        .order_by("-version")
        .values_list("created_at", flat=True)
        .first()
    )
    return submitted.astimezone(LOCAL_TZ).date() if submitted else local_today()
