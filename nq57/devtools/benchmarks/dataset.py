"""A national-shaped dataset for benchmarks: one action plan per province with eight task
groups, N tasks spread over the 34 provinces and 3,321 communes (1% led by provinces,
the rest by communes), and ten recorded updates per task.

Rows are written in bulk (COPY on PostgreSQL) because the point is to time the reads,
not the writes; the statuses, dates and progress follow the demo's proportions so that
every task state occurs in realistic numbers.
"""

import csv
import datetime
import io
import random
from collections.abc import Callable, Iterator
from decimal import Decimal

from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from tasks_app.clock import LOCAL_TZ
from tasks_app.models import Plan, TaskGroup, TaskStatus, TaskUpdate, Unit, UnitKind
from tasks_app.text import task_search_text

UPDATES_PER_TASK = 10
GROUPS_PER_PLAN = 8
TASK_COLUMNS = (
    "plan_id",
    "code",
    "title",
    "description",
    "task_group_id",
    "lead_unit_id",
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
    "version",
    "created_at",
    "updated_at",
    # As if each task's last update was its unit's own report: the quiet-unit queries
    # then read a realistic index, not one full of empty entries.
    "last_own_update_at",
    "search_text",
)
TITLES = (
    "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính còn hiệu lực",
    "Triển khai dịch vụ công trực tuyến toàn trình trên Cổng dịch vụ công quốc gia",
    "Thành lập và duy trì hoạt động Tổ công nghệ số cộng đồng",
    "Bảo đảm hạ tầng mạng, thiết bị cho Trung tâm phục vụ hành chính công",
    "Cập nhật, làm sạch dữ liệu dân cư phục vụ Đề án 06",
    "Tập huấn kỹ năng số cho cán bộ, công chức",
)
STATUS_WEIGHTS = (
    (TaskStatus.COMPLETED, 36),
    (TaskStatus.IN_PROGRESS, 41),
    (TaskStatus.NOT_STARTED, 13),
    (TaskStatus.AWAITING_APPROVAL, 3),
    (TaskStatus.PAUSED, 3),
    (TaskStatus.CANCELLED, 4),
)


def build_dataset(
    *, tasks: int, today: datetime.date, seed: int = 57, log: Callable[[str], None] = print
) -> int:
    """Create the plans and `tasks` tasks with their updates; returns the update count."""
    with transaction.atomic():
        lead_units = _plans_and_lead_units()
        log(f"  {len(lead_units)} lead units; writing {tasks:,} tasks…")
        _write_tasks(_task_rows(tasks, lead_units, today, random.Random(seed)))
        log(f"  writing {tasks * UPDATES_PER_TASK:,} updates…")
        with connection.cursor() as cursor:
            cursor.execute(_UPDATES_SQL[connection.vendor])
            updates = cursor.rowcount
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE tasks_app_task")
            cursor.execute("VACUUM ANALYZE tasks_app_taskupdate")
    return updates


def _plans_and_lead_units() -> list[tuple[int, int, list[int]]]:
    """(unit id, plan id, group ids): every province and commune, led by its province's plan.
    Each province plan implements one central plan, and each of its groups the central
    group of the same number, as in the demo: the national board filtered by the central
    plan or group counts them all."""
    central = Plan.objects.create(
        issuing_unit=Unit.objects.get(kind=UnitKind.CENTRAL),
        code="BENCH-02/KH-BCĐTW",
        title="Kế hoạch triển khai Nghị quyết 57 (benchmark)",
        issue_date=datetime.date(2025, 6, 1),
    )
    central_groups = TaskGroup.objects.bulk_create(
        TaskGroup(plan=central, number=n, name=f"Nhóm nhiệm vụ {n}") for n in range(1, GROUPS_PER_PLAN + 1)
    )
    plan_of: dict[int, tuple[int, list[int]]] = {}
    for province in Unit.objects.filter(kind=UnitKind.PROVINCE).order_by("code"):
        plan = Plan.objects.create(
            issuing_unit=province,
            code=f"BENCH-{province.code}/KH-UBND",
            title=f"Kế hoạch thực hiện Nghị quyết 57 năm 2026 của {province.name}",
            issue_date=datetime.date(2026, 1, 10),
            implements=central,
        )
        groups = TaskGroup.objects.bulk_create(
            TaskGroup(plan=plan, number=higher.number, name=higher.name, implements=higher)
            for higher in central_groups
        )
        plan_of[province.id] = (plan.id, [g.id for g in groups])
    units = Unit.objects.filter(kind__in=[UnitKind.PROVINCE, UnitKind.COMMUNE]).values_list(
        "id", "province_id"
    )
    return [(unit_id, *plan_of[province_id]) for unit_id, province_id in units.order_by("kind", "code")]


def _task_rows(total: int, lead_units, today: datetime.date, rng: random.Random) -> Iterator[tuple]:
    province_ids = set(Unit.objects.filter(kind=UnitKind.PROVINCE).values_list("id", flat=True))
    provinces = [u for u in lead_units if u[0] in province_ids]
    communes = [u for u in lead_units if u[0] not in province_ids]
    province_share = max(len(provinces), total // 100)
    assignments = [(provinces, province_share), (communes, total - province_share)]
    statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
    year_start = datetime.date(today.year, 1, 1)
    number = 0
    for units, count in assignments:
        for index in range(count):
            unit_id, plan_id, group_ids = units[index % len(units)]
            number += 1
            start = year_start + datetime.timedelta(days=rng.randint(-60, 300))
            deadline = start + datetime.timedelta(days=rng.choice((14, 30, 60, 90, 180, 270, 365)))
            status = rng.choices(statuses, weights)[0]
            progress, completed_on = _progress(status, start, deadline, today, rng)
            created = datetime.datetime.combine(
                start - datetime.timedelta(days=rng.randint(0, 20)), datetime.time(8), LOCAL_TZ
            )
            last_day = completed_on or min(today, deadline + datetime.timedelta(days=30))
            updated = max(created, datetime.datetime.combine(last_day, datetime.time(16), LOCAL_TZ))
            code, title = f"NV-{number:07d}", rng.choice(TITLES)  # drawn where it always was
            yield (
                plan_id,
                code,
                title,
                "",
                rng.choice(group_ids),
                unit_id,
                "Nguyễn Văn An",
                "Phó Chủ tịch UBND",
                "Chủ tịch UBND",
                start,
                deadline,
                "Báo cáo kết quả thực hiện kèm số liệu",
                status,
                progress,
                completed_on,
                rng.random() < 0.1,
                UPDATES_PER_TASK,
                created,
                updated,
                updated,
                task_search_text(code, title),
            )


def _progress(status, start, deadline, today, rng) -> tuple[int, datetime.date | None]:
    if status == TaskStatus.COMPLETED:
        latest = min(today, deadline + datetime.timedelta(days=45))
        span = max((latest - start).days, 0)
        return 100, start + datetime.timedelta(days=rng.randint(0, span))
    if status == TaskStatus.NOT_STARTED:
        return 0, None
    if status == TaskStatus.AWAITING_APPROVAL:
        return 100, None
    return 5 * rng.randint(1, 19), None


def _write_tasks(rows: Iterator[tuple]) -> None:
    copy_rows("tasks_app_task", TASK_COLUMNS, rows)


def copy_rows(table: str, columns: tuple[str, ...] | list[str], rows: Iterator[tuple]) -> int:
    """Write `rows` (tuples in `columns` order) into `table` the fastest way the database
    has: COPY on PostgreSQL, batched INSERTs on SQLite. Returns the rows written."""
    names = ", ".join(columns)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for chunk in _chunks(rows, 100_000):
                buffer = io.StringIO()
                csv.writer(buffer).writerows(_csv_row(row) for row in chunk)
                buffer.seek(0)
                cursor.cursor.copy_expert(
                    f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer
                )
                written += len(chunk)
        else:
            marks = ", ".join(["%s"] * len(columns))
            for chunk in _chunks(rows, 20_000):
                cursor.executemany(
                    f"INSERT INTO {table} ({names}) VALUES ({marks})", [_sqlite_row(row) for row in chunk]
                )
                written += len(chunk)
    return written


def _sqlite_row(row: tuple) -> tuple:
    """Times as Django stores them in SQLite: naive UTC text. sqlite3 alone would write an
    aware time as local text with its offset ("… 16:00:00+07:00"), which sorts and compares
    as text against Django's "… 09:01:00" and puts 16:00 after 16:01."""
    return tuple(
        timezone.make_naive(value, datetime.UTC)
        if isinstance(value, datetime.datetime) and timezone.is_aware(value)
        else str(value)
        if isinstance(value, Decimal)
        else value
        for value in row
    )


def _csv_row(row: tuple) -> tuple:
    return tuple(
        "\\N" if value is None else ("t" if value is True else "f" if value is False else value)
        for value in row
    )


def _chunks(rows: Iterator[tuple], size: int) -> Iterator[list[tuple]]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# Ten updates per task, the last one leaving the task as it is now, dated evenly
# between the task's creation and its last change.
_STEPS = " UNION ALL ".join(f"SELECT {n} AS n" for n in range(1, UPDATES_PER_TASK + 1))
_AFTER = (
    f"CASE WHEN s.n = {UPDATES_PER_TASK} THEN t.status WHEN t.status = 'not_started' OR s.n = 1 "
    "THEN 'not_started' ELSE 'in_progress' END"
)
_BEFORE = (
    "CASE WHEN s.n = 1 THEN '' WHEN t.status = 'not_started' OR s.n = 2 THEN 'not_started' "
    "ELSE 'in_progress' END"
)
_PROGRESS_AFTER = (
    f"CASE WHEN s.n = {UPDATES_PER_TASK} THEN t.progress ELSE t.progress * (s.n - 1) / {UPDATES_PER_TASK} END"
)
_PROGRESS_BEFORE = f"CASE WHEN s.n = 1 THEN NULL ELSE t.progress * (s.n - 2) / {UPDATES_PER_TASK} END"
# One update in seven on an unfinished task reports an obstacle, as weekly reports quote.
_DIFFICULTIES = (
    "CASE WHEN t.status <> 'completed' AND (t.id + s.n) % 7 = 0 "
    "THEN 'Vướng mắc: thiếu kinh phí và nhân lực chuyên trách, đề nghị tỉnh hỗ trợ.' ELSE '' END"
)
_WHEN = {
    "postgresql": f"t.created_at + (t.updated_at - t.created_at) * ((s.n - 1) / {UPDATES_PER_TASK - 1}.0)",
    "sqlite": (
        "strftime('%Y-%m-%d %H:%M:%f', julianday(t.created_at) + "
        f"(julianday(t.updated_at) - julianday(t.created_at)) * (s.n - 1) / {UPDATES_PER_TASK - 1}.0)"
    ),
}
_UPDATES_SQL = {
    vendor: (
        "INSERT INTO tasks_app_taskupdate (task_id, author_id, created_at, kind, version, status_before, "
        "status_after, progress_before, progress_after, note, difficulties, changes) "
        f"SELECT t.id, NULL, {when}, CASE WHEN s.n = 1 THEN 'created' ELSE 'progress' END, s.n, "
        f"{_BEFORE}, {_AFTER}, {_PROGRESS_BEFORE}, {_PROGRESS_AFTER}, 'Cập nhật tiến độ định kỳ', "
        f"{_DIFFICULTIES}, '{{}}' "
        f"FROM tasks_app_task t CROSS JOIN ({_STEPS}) s"
    )
    for vendor, when in _WHEN.items()
}


def largest_province() -> Unit:
    """The province with the most communes: where a province's figures cost the most."""
    province = (
        Unit.objects.filter(kind=UnitKind.PROVINCE)
        .annotate(communes=Count("children", filter=Q(children__kind=UnitKind.COMMUNE)))
        .order_by("-communes", "code")
        .first()
    )
    if province is None:
        raise CommandError("No province loaded.")
    return province


def updates_in_time_order() -> bool:
    """Rewrite the updates table in the order the updates were made, as production's
    append-only table lies; False where the database cannot (SQLite, whose datasets here
    are small). build_dataset writes each task's ten updates side by side, which scatters
    one week's updates over the whole table: a report's queries on the week would read
    most of its pages instead of the few a real week fills."""
    if connection.vendor != "postgresql":
        return False
    table = TaskUpdate._meta.db_table
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
        by_time = next(
            name for name, info in constraints.items() if info["index"] and info["columns"] == ["created_at"]
        )
        cursor.execute(f"CLUSTER {quote(table)} USING {quote(by_time)}")
        # A rewritten table has no visibility map: index-only scans would visit the heap.
        cursor.execute(f"VACUUM ANALYZE {quote(table)}")
    return True
