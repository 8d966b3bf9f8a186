"""Reads for a task's life after creation: what waits for a leader's approval, what was
returned to a unit or withdrawn from it, and the last such decision on one task."""

from dataclasses import dataclass
from enum import Enum

from django.db.models import OuterRef, Q, QuerySet, Subquery

from tasks_app.models import Task, TaskStatus, TaskUpdate, UpdateKind

NOTICE_ROWS = 5
# The decisions a task page states at the top, beside its status.
DECISION_KINDS = (UpdateKind.WITHDRAWN, UpdateKind.RETURNED, UpdateKind.APPROVED, UpdateKind.REOPENED)
# The approving authority's decisions on a completion.
APPROVAL_DECISIONS = (UpdateKind.APPROVED, UpdateKind.RETURNED, UpdateKind.REOPENED)


def _last_kind() -> Subquery:
    """The kind of the task's last update that did more than add a note."""
    return Subquery(
        TaskUpdate.objects.filter(task=OuterRef("pk"))
        .exclude(kind=UpdateKind.NOTE)
        .order_by("-version")
        .values("kind")[:1]
    )


def returned_tasks(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """Tasks sent back (or reopened) by their approver and not reported on since: still
    to be noticed."""
    return (
        tasks.filter(status=TaskStatus.IN_PROGRESS)
        .annotate(last_kind=_last_kind())
        .filter(last_kind__in=(UpdateKind.RETURNED, UpdateKind.REOPENED))
        .order_by("deadline", "code")
    )


def awaiting_approval(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """Tasks to approve, the longest waiting first."""
    return tasks.select_related("lead_unit").order_by("updated_at", "code")


@dataclass(frozen=True)
class Notices:
    """What "My tasks" points out above the list."""

    returned: list[Task]
    returned_total: int
    withdrawn_total: int
    to_approve: list[Task]
    to_approve_total: int


def my_task_notices(own: QuerySet[Task], to_approve: QuerySet[Task]) -> Notices:
    returned = returned_tasks(own).only("code", "title", "deadline")
    approve = awaiting_approval(to_approve).only("code", "title", "deadline", "lead_unit__name")
    returned_rows = list(returned[: NOTICE_ROWS + 1])
    approve_rows = list(approve[: NOTICE_ROWS + 1])
    return Notices(
        returned=returned_rows[:NOTICE_ROWS],
        returned_total=returned.count() if len(returned_rows) > NOTICE_ROWS else len(returned_rows),
        withdrawn_total=own.filter(status=TaskStatus.WITHDRAWN).count(),
        to_approve=approve_rows[:NOTICE_ROWS],
        to_approve_total=approve.count() if len(approve_rows) > NOTICE_ROWS else len(approve_rows),
    )


def last_decision(task: Task) -> TaskUpdate | None:
    """The update behind the task's current state, when it was a decision taken above
    the unit: its withdrawal, or its return or approval (while still in that state)."""
    decisions: dict[str, tuple[str, ...]] = {
        TaskStatus.WITHDRAWN: (UpdateKind.WITHDRAWN,),
        TaskStatus.IN_PROGRESS: (UpdateKind.RETURNED, UpdateKind.REOPENED),
        TaskStatus.COMPLETED: (UpdateKind.APPROVED,),
    }
    expected = decisions.get(task.status, ())
    if not expected:
        return None
    last = task.updates.exclude(kind=UpdateKind.NOTE).select_related("author").order_by("-version").first()
    return last if last is not None and last.kind in expected else None


class ApprovalStage(Enum):
    """Where a task stands in the approval flow."""

    NONE = "none"  # never put up for approval: its unit may complete it directly
    IN_FLOW = "in_flow"  # put up for approval and not (or no longer) approved
    APPROVED = "approved"  # completed by its approving authority's approval


def approval_stage(task: Task) -> ApprovalStage:
    """From the history: the last time the task was put up for approval or decided on.
    Once a task was submitted, only its approving authority's approval completes it, and
    only they reopen an approved completion."""
    last = (
        task.updates.filter(Q(status_after=TaskStatus.AWAITING_APPROVAL) | Q(kind__in=APPROVAL_DECISIONS))
        .order_by("-version")
        .values_list("kind", flat=True)
        .first()
    )
    if last is None:
        return ApprovalStage.NONE
    if last == UpdateKind.APPROVED and task.status == TaskStatus.COMPLETED:
        return ApprovalStage.APPROVED
    return ApprovalStage.IN_FLOW
