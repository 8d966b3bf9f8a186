"""What a weekly report shows, read with the dashboards' own selectors for the week's last
day, so a report and the dashboard for that date show the same figures: the unit's board,
the ranking, the bottlenecks, the quiet units, the week's notes (notes.py) and who issues
the report."""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet
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
from reports.documents.notes import NOTE_ROWS, WeekNoteLists, WeekNotes, week_note_lists, week_notes
from reports.models import ReportKind, Week
from tasks_app.clock import end_of_day, local_today
from tasks_app.greening.rules import Rules
from tasks_app.models import CommitteeRole, SteeringCommittee, Task, TaskUpdate, Unit, UnitKind
from tasks_app.selectors.greening import current_policy

# The commune summary is one page with its signature: shorter lists (the Excel file has all).
COMMUNE_NOTE_ROWS = 3
COMMUNE_REASON_ROWS = 4
COMMUNE_INDICATOR_ROWS = 4
# The indicators a weekly report's PDF lists, worst first, in each of its two tables.
INDICATOR_ROWS = 20


# --- Quiet units, nationwide -----------------------------------------------------------------


def quiet_unit_ids(on: datetime.date) -> set[int]:
    """Units with tasks and no update in the 7 days up to the end of `on`: the dashboards'
    "quiet" (see reports.boards.selectors.bottlenecks.is_silent), for every unit at once, from
    one week of updates instead of each unit's newest one."""
    cutoff = end_of_day(on)
    window = cutoff - datetime.timedelta(days=SILENT_AFTER_DAYS)
    # Only the units' own people count as the unit reporting (see last_updates).
    reporting: QuerySet[Any, int]  # the reporting units' ids, from tasks or from updates
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
    rules: Rules  # the greening rules the board was counted with
    rows: list[UnitFigures] = field(default_factory=list)  # communes or provinces, ranked
    quiet_by_province: dict[int, int] = field(default_factory=dict)  # national only
    bottlenecks: Bottlenecks | None = None
    unit_ids: list[int] | None = None  # the units whose tasks the lists cover; None: all
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

    def note_lists(self) -> WeekNoteLists:
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
        unit_ids = [unit.pk, *(row.unit.pk for row in rows)]
        return ReportContent(
            kind=kind,
            unit=unit,
            week=week,
            board=board,
            reason=board.reason,
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
        reason=board.reason,
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
        reason=board.reason,
        notes=week_notes(week, unit_ids=None),
        rows=rows,
        quiet_by_province=quiet_by_province,
        bottlenecks=found,
        unit_ids=None,
        rules=rules,
    )
