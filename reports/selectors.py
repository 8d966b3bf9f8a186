"""What a weekly report says, read with the dashboards' own selectors for the week's last
day, so a report and the dashboard for that date show the same figures; and the archive.

The week's notes ("highlights / difficulties and obstacles / tasks for next week") come
from the updates recorded during the week and the deadlines of the week after."""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from reports.boards.selectors.boards import (
    CommuneTableQuery,
    NationalBoard,
    UnitBoard,
    commune_board,
    national_board,
    province_board,
    sort_rows,
)
from reports.boards.selectors.bottlenecks import (
    SILENT_AFTER_DAYS,
    Bottlenecks,
    BottleneckTask,
    bottleneck_tasks,
    bottlenecks,
)
from reports.boards.selectors.figures import BoardFilters, UnitFigures
from reports.boards.selectors.reasons import unit_reason, unit_reason_short
from reports.models import Report, ReportKind, week_of
from tasks_app.access import visible_reports
from tasks_app.clock import end_of_day, local_today
from tasks_app.greening.rules import Rules
from tasks_app.models import (
    OPEN_STATUSES,
    CommitteeRole,
    SteeringCommittee,
    Task,
    TaskStatus,
    TaskUpdate,
    Unit,
    UnitKind,
    User,
)
from tasks_app.selectors.greening import current_policy

NOTE_ROWS = 10  # items per heading of the week's notes
# The commune summary is one page with its signature: shorter lists (the Excel file has all).
COMMUNE_NOTE_ROWS = 3
COMMUNE_REASON_ROWS = 4
ARCHIVE_WEEKS = 52  # how far back a report may be asked for


@dataclass(frozen=True)
class Week:
    """Monday to Sunday."""

    start: datetime.date

    @property
    def end(self) -> datetime.date:
        return self.start + datetime.timedelta(days=6)

    @property
    def number(self) -> int:
        return self.start.isocalendar().week

    @property
    def label(self) -> str:
        return _("Week %(number)s (%(start)s – %(end)s)") % {
            "number": self.number,
            "start": date_format(self.start, "d/m/Y"),
            "end": date_format(self.end, "d/m/Y"),
        }

    @property
    def short_label(self) -> str:
        """For a list of weeks on a phone: "Tuần 48 (23/11 – 29/11/2026)", the year once
        unless the week spans two."""
        same_year = self.start.year == self.end.year
        return _("Week %(number)s (%(start)s – %(end)s)") % {
            "number": self.number,
            "start": date_format(self.start, "d/m" if same_year else "d/m/Y"),
            "end": date_format(self.end, "d/m/Y"),
        }

    @property
    def previous(self) -> "Week":
        return Week(self.start - datetime.timedelta(days=7))


def last_finished_week(today: datetime.date | None = None) -> Week:
    """The week before the current one: what Monday's reports cover."""
    return Week(week_of(today or local_today()) - datetime.timedelta(days=7))


def reportable_weeks(today: datetime.date | None = None) -> list[Week]:
    """Finished weeks, newest first. The current week is not over, and its figures are on
    the dashboards; a report of it would be out of date before anyone read it."""
    newest = last_finished_week(today)
    return [Week(newest.start - datetime.timedelta(weeks=n)) for n in range(ARCHIVE_WEEKS)]


# --- The week's notes --------------------------------------------------------------------


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
    notes.completed = _items(completions, text_field="note", limit=rows)
    notes.difficulties_total = obstacles.values("task").distinct().count()
    notes.difficulties = _items(obstacles, text_field="difficulties", limit=rows)
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
        completed=_items(completions, text_field="note", limit=None),
        difficulties=_items(obstacles, text_field="difficulties", limit=None),
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


def _items(updates: QuerySet[TaskUpdate], *, text_field: str, limit: int | None) -> Iterator[NoteItem] | list:
    """The newest update of each task: the first `limit` tasks as a list, or (limit None)
    every task, streamed. With a limit a few extra rows are read, so that a task updated
    twice in the week does not take two places."""
    rows = updates.values(
        "task_id",
        "task__code",
        "task__title",
        "task__lead_unit__name",
        "task__is_key",
        "created_at",
        text_field,
    )
    if limit is not None:
        return list(islice(_newest_per_task(rows[: limit * 4], text_field), limit))
    return _newest_per_task(rows.iterator(chunk_size=2000), text_field)


def _newest_per_task(rows, text_field: str) -> Iterator[NoteItem]:
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


# --- Quiet units, nationwide -----------------------------------------------------------------


def quiet_unit_ids(on: datetime.date) -> set[int]:
    """Units with tasks and no update in the 7 days up to the end of `on`: the dashboards'
    "quiet" (see reports.boards.selectors.bottlenecks.is_silent), for every unit at once, from
    one week of updates instead of each unit's newest one."""
    cutoff = end_of_day(on)
    window = cutoff - datetime.timedelta(days=SILENT_AFTER_DAYS)
    # Only the units' own people count as the unit reporting (see last_updates).
    if on >= local_today():
        reporting = Task.objects.filter(last_own_update_at__gte=window).values_list("lead_unit", flat=True)
    else:
        reporting = TaskUpdate.objects.filter(
            created_at__gte=window, created_at__lt=cutoff, author__memberships__unit=F("task__lead_unit")
        ).values_list("task__lead_unit", flat=True)
    with_tasks = Unit.objects.filter(
        Exists(Task.objects.filter(lead_unit=OuterRef("pk"), created_at__lt=window))
    )
    # order_by(): an update's default ordering (its task's deadline and code, its version)
    # would join the DISTINCT and return a row per update instead of one per unit.
    return set(with_tasks.values_list("pk", flat=True)) - set(reporting.order_by().distinct())


# --- Who issues a report ----------------------------------------------------------------------

# Where a document is issued is written without the division type ("Nghệ An", "Hồ Chí Minh").
DIVISION_PREFIXES = ("Thành phố ", "Tỉnh ", "Đặc khu ", "Phường ", "Xã ")
CAPITAL = "Hà Nội"  # where the central committee issues its documents


@dataclass(frozen=True)
class Issuer:
    """The report's issuing office and signatory, as an administrative document names them
    (Decree 30/2020/NĐ-CP): the unit's steering committee, the place, and the head who
    signs for it (empty: left blank to sign by hand)."""

    committee: str
    place: str
    head_name: str = ""


def report_issuer(unit: Unit) -> Issuer:
    committee = SteeringCommittee.objects.filter(unit=unit).first()
    place = CAPITAL if unit.kind == UnitKind.CENTRAL else _without_division(unit.name)
    if committee is None:
        return Issuer(committee=_("Steering committee of %(unit)s") % {"unit": unit.name}, place=place)
    head = committee.members.filter(role=CommitteeRole.HEAD).first()  # at most one (a constraint)
    return Issuer(committee=committee.name, place=place, head_name=head.full_name if head else "")


def _without_division(name: str) -> str:
    for prefix in DIVISION_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


# --- The reports' contents -------------------------------------------------------------------


@dataclass
class ReportContent:
    """Everything one report shows. `board` is the dashboard's own board for the week's
    last day, so the figures are the dashboard's."""

    kind: str
    unit: Unit
    week: Week
    board: UnitBoard | NationalBoard
    reason: list[str]
    notes: WeekNotes
    rows: list[UnitFigures] = field(default_factory=list)  # communes or provinces, ranked
    quiet_by_province: dict[int, int] = field(default_factory=dict)  # national only
    bottlenecks: Bottlenecks | None = None
    unit_ids: list[int] | None = None  # the units whose tasks the lists cover; None: all
    rules: Rules | None = None
    issuer: Issuer | None = None

    @property
    def on(self) -> datetime.date:
        return self.board.on

    def bottleneck_lists(self) -> tuple[Iterator[BottleneckTask], Iterator[BottleneckTask]]:
        """Every overdue task and every task behind and due within 7 days (the PDF shows
        the first ten of each)."""
        return bottleneck_tasks(
            unit_ids=self.unit_ids, filters=BoardFilters(on=self.on), on=self.on, rules=self.rules
        )

    def note_lists(self) -> "WeekNoteLists":
        return week_note_lists(self.week, unit_ids=self.unit_ids)


def report_content(kind: str, unit: Unit, week: Week) -> ReportContent:
    content = _content(kind, unit, week)
    content.issuer = report_issuer(unit)
    return content


def _content(kind: str, unit: Unit, week: Week) -> ReportContent:
    policy = current_policy()
    rules = Rules.from_policy(policy)
    filters = BoardFilters(on=week.end)
    if kind == ReportKind.NATIONAL_WEEKLY:
        return _national_content(unit, week, filters, policy, rules)
    if kind == ReportKind.PROVINCE_WEEKLY:
        board = province_board(unit, filters, policy=policy, table=CommuneTableQuery())
        rows = sort_rows(board.communes, "rank")
        for row in rows:
            row.reason = unit_reason_short(row.snapshot)
        unit_ids = [unit.pk, *(row.unit.pk for row in rows)]
        return ReportContent(
            kind=kind,
            unit=unit,
            week=week,
            board=board,
            reason=unit_reason(board.snapshot, rules=rules),
            notes=week_notes(week, unit_ids=unit_ids),
            rows=rows,
            bottlenecks=board.bottlenecks,
            unit_ids=unit_ids,
            rules=rules,
        )
    board = commune_board(unit, filters, policy=policy)
    return ReportContent(
        kind=kind,
        unit=unit,
        week=week,
        board=board,
        reason=unit_reason(board.snapshot, rules=rules),
        notes=week_notes(week, unit_ids=[unit.pk], rows=COMMUNE_NOTE_ROWS),
        bottlenecks=board.bottlenecks,
        unit_ids=[unit.pk],
        rules=rules,
    )


def _national_content(unit, week, filters, policy, rules) -> ReportContent:
    board = national_board(filters, policy=policy)
    quiet = quiet_unit_ids(board.on)
    quiet_by_province: dict[int, int] = {}
    for province_id in Unit.objects.filter(pk__in=quiet, kind=UnitKind.COMMUNE).values_list(
        "province_id", flat=True
    ):
        quiet_by_province[province_id] = quiet_by_province.get(province_id, 0) + 1
    rows = board.ranking
    for row in rows:
        row.reason = unit_reason_short(row.snapshot)
    silent = [
        UnitFigures(unit=row.unit, snapshot=row.snapshot, silent=True)
        for row in sorted(rows, key=lambda r: (-quiet_by_province.get(r.unit.pk, 0), r.unit.sort_key))
        if quiet_by_province.get(row.unit.pk)
    ]
    # The nation's snapshot holds the overdue total: counting it again over every task's
    # history for a past week takes seconds at national scale (as for a province's board).
    found = bottlenecks(
        unit_ids=None,
        filters=filters,
        on=board.on,
        rules=rules,
        overdue_total=UnitFigures(unit=unit, snapshot=board.snapshot).overdue,
    )
    found.silent, found.silent_total = silent[:NOTE_ROWS], len(silent)
    return ReportContent(
        kind=ReportKind.NATIONAL_WEEKLY,
        unit=unit,
        week=week,
        board=board,
        reason=unit_reason(board.snapshot, rules=rules),
        notes=week_notes(week, unit_ids=None),
        rows=rows,
        quiet_by_province=quiet_by_province,
        bottlenecks=found,
        unit_ids=None,
        rules=rules,
    )


# --- The archive -------------------------------------------------------------------------------


def archive(user: User, *, week: Week | None = None, kind: str = "") -> QuerySet[Report]:
    reports = visible_reports(user)
    if week is not None:
        reports = reports.filter(period_start=week.start)
    if kind:
        reports = reports.filter(kind=kind)
    return reports.order_by("-period_start", "kind", "unit__code")
