"""The week's notes of a report ("highlights / difficulties and obstacles / tasks for next
week"), from the updates recorded during the week and the deadlines of the week after."""

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from reports.models import Week
from tasks_app.clock import end_of_day
from tasks_app.models import OPEN_STATUSES, Task, TaskStatus, TaskUpdate

NOTE_ROWS = 10  # items per heading of the week's notes


@dataclass(frozen=True)
class NoteItem:
    task_id: int
    code: str
    title: str
    unit_name: str
    is_key: bool
    text: str
    day: datetime.date


@dataclass
class WeekNotes:
    updates: int = 0  # updates recorded in the week
    units_reporting: int = 0  # units with at least one update in the week
    tasks_progressed: int = 0  # tasks whose progress went up
    completed: list[NoteItem] = field(default_factory=list)
    completed_total: int = 0
    difficulties: list[NoteItem] = field(default_factory=list)
    difficulties_total: int = 0
    next_week: list[NoteItem] = field(default_factory=list)
    next_week_total: int = 0


def week_notes(week: Week, *, unit_ids: list[int] | None, rows: int = NOTE_ROWS) -> WeekNotes:
    """Highlights (completions and progress), difficulties reported, and what falls due
    the week after, for the tasks led by `unit_ids` (None: every unit): the totals, and
    the first `rows` of each list (the full lists are `week_note_lists`)."""
    updates, completions, obstacles, due = _note_queries(week, unit_ids=unit_ids)
    notes = WeekNotes()
    totals = updates.aggregate(
        updates=Count("pk"),
        units=Count("task__lead_unit", distinct=True),
        progressed=Count("task", distinct=True, filter=Q(progress_after__gt=F("progress_before"))),
    )
    notes.updates, notes.units_reporting = totals["updates"], totals["units"]
    notes.tasks_progressed = totals["progressed"]
    notes.completed_total = completions.values("task").distinct().count()
    notes.completed = _first_items(completions, text_field="note", limit=rows)
    notes.difficulties_total = obstacles.values("task").distinct().count()
    notes.difficulties = _first_items(obstacles, text_field="difficulties", limit=rows)
    notes.next_week_total = due.count()
    notes.next_week = list(_due_items(due[:rows]))
    return notes


@dataclass(frozen=True)
class WeekNoteLists:
    completed: Iterator[NoteItem]
    difficulties: Iterator[NoteItem]
    next_week: Iterator[NoteItem]


def week_note_lists(week: Week, *, unit_ids: list[int] | None) -> WeekNoteLists:
    """Every item of the week's notes, in the report's order, streamed from the database:
    the Excel file's lists, where staff look for what the PDF leaves out."""
    _updates, completions, obstacles, due = _note_queries(week, unit_ids=unit_ids)
    return WeekNoteLists(
        completed=_all_items(completions, text_field="note"),
        difficulties=_all_items(obstacles, text_field="difficulties"),
        next_week=_due_items(due),
    )


def _note_queries(week: Week, *, unit_ids: list[int] | None) -> tuple[QuerySet, QuerySet, QuerySet, QuerySet]:
    """The week's updates; the completions and the difficulties among them, key tasks and
    the newest first; the tasks due the week after, still open when the week ended."""
    since, until = end_of_day(week.start - datetime.timedelta(days=1)), end_of_day(week.end)
    updates = TaskUpdate.objects.filter(created_at__gte=since, created_at__lt=until)
    tasks = Task.objects.all()
    if unit_ids is not None:
        updates = updates.filter(task__lead_unit__in=unit_ids)
        tasks = tasks.filter(lead_unit__in=unit_ids)
    completions = updates.filter(status_after=TaskStatus.COMPLETED).exclude(
        status_before=TaskStatus.COMPLETED
    )
    obstacles = updates.exclude(difficulties="")
    # Due the week after and still open when the week ended (completed later counts too).
    next_start, next_end = week.end + datetime.timedelta(days=1), week.end + datetime.timedelta(days=7)
    due = tasks.filter(deadline__gte=next_start, deadline__lte=next_end).filter(
        Q(status__in=OPEN_STATUSES) | Q(status=TaskStatus.COMPLETED, completed_on__gt=week.end)
    )
    newest_first = ("-task__is_key", "-created_at", "pk")
    return (
        updates,
        completions.order_by(*newest_first),
        obstacles.order_by(*newest_first),
        due.order_by("-is_key", "deadline", "code"),
    )


def _due_items(due: QuerySet[Task]) -> Iterator[NoteItem]:
    rows = due.values("pk", "code", "title", "lead_unit__name", "is_key", "deadline")
    for row in rows.iterator(chunk_size=2000):
        yield NoteItem(
            task_id=row["pk"],
            code=row["code"],
            title=row["title"],
            unit_name=row["lead_unit__name"],
            is_key=row["is_key"],
            text="",
            day=row["deadline"],
        )


def _first_items(updates: QuerySet[TaskUpdate], *, text_field: str, limit: int) -> list[NoteItem]:
    """The newest update of each task, for the first `limit` tasks. A few extra rows are
    read, so that a task updated twice in the week does not take two places."""
    rows = _item_rows(updates, text_field)
    return list(islice(_newest_per_task(rows[: limit * 4], text_field), limit))


def _all_items(updates: QuerySet[TaskUpdate], *, text_field: str) -> Iterator[NoteItem]:
    """The newest update of each task, for every task, streamed."""
    rows = _item_rows(updates, text_field)
    return _newest_per_task(rows.iterator(chunk_size=2000), text_field)


def _item_rows(updates: QuerySet[TaskUpdate], text_field: str) -> QuerySet[TaskUpdate, dict[str, Any]]:
    return updates.values(
        "task_id",
        "task__code",
        "task__title",
        "task__lead_unit__name",
        "task__is_key",
        "created_at",
        text_field,
    )


def _newest_per_task(rows: Iterable[dict[str, Any]], text_field: str) -> Iterator[NoteItem]:
    seen: set[int] = set()
    for row in rows:
        if row["task_id"] in seen:
            continue
        seen.add(row["task_id"])
        yield NoteItem(
            task_id=row["task_id"],
            code=row["task__code"],
            title=row["task__title"],
            unit_name=row["task__lead_unit__name"],
            is_key=row["task__is_key"],
            text=row[text_field],
            day=timezone.localdate(row["created_at"]),
        )
