"""Snapshots: roll-ups from commune to province to nation, ranks, scopes, idempotence,
as-of backfill from the update history, and incremental runs matching full ones."""

import datetime
from decimal import Decimal

import pytest

from tasks_app.actions.greening import greening_recompute, greening_refresh_backlog
from tasks_app.actions.tasks import task_change
from tasks_app.clock import LOCAL_TZ, local_today
from tasks_app.models import Colour, GreeningSnapshot, Task, TaskStatus, TaskUpdate, Unit, UnitKind

TODAY = local_today()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def communes(nghe_an) -> list[Unit]:
    return list(Unit.objects.filter(province=nghe_an, kind=UnitKind.COMMUNE).order_by("code")[:2])


def green(make_task, unit, **extra) -> Task:
    return make_task(
        lead_unit=unit, start_date=TODAY - 10 * DAY, deadline=TODAY + 200 * DAY, progress=10, **extra
    )


def overdue(make_task, unit, **extra) -> Task:
    return make_task(
        lead_unit=unit, start_date=TODAY - 90 * DAY, deadline=TODAY - 3 * DAY, progress=60, **extra
    )


def snapshot(unit, scope="all", on=TODAY) -> GreeningSnapshot:
    return GreeningSnapshot.objects.get(unit=unit, on_date=on, scope=scope)


def test_it_rolls_up_from_communes_to_the_province_and_the_nation(make_task, communes, nghe_an, root):
    first, second = communes
    for _ in range(3):
        green(make_task, first)
    overdue(make_task, first)
    green(make_task, second)
    green(make_task, nghe_an)

    greening_recompute()

    a = snapshot(first)
    assert (a.n_on_track, a.n_overdue, a.n_counted, a.n_green) == (3, 1, 4, 3)
    assert (a.rate, a.colour) == (75, Colour.YELLOW)
    b = snapshot(second)
    assert (b.rate, b.colour) == (100, Colour.GREEN)
    assert (b.rank, a.rank, a.rank_among) == (1, 2, 2)

    province = snapshot(nghe_an)
    # Own tasks 100 %, communes 1 of 2 green (50 %), weighted half and half: 75 %.
    assert (province.own_rate, province.children_green, province.children_counted) == (100, 1, 2)
    assert (province.children_green_share, province.rate, province.colour) == (50, 75, Colour.YELLOW)
    assert province.subtree_counts == {"on_track": 5, "overdue": 1}
    assert (province.rank, province.rank_among) == (1, 1)

    nation = snapshot(root)
    # Only Nghệ An has counted tasks, and it is not green.
    assert (nation.children_counted, nation.children_green, nation.rate, nation.colour) == (
        1,
        0,
        0,
        Colour.RED,
    )
    assert nation.subtree_counts == {"on_track": 5, "overdue": 1}
    assert snapshot(Unit.objects.get(code="01")).colour == Colour.NONE


def test_an_overdue_key_task_makes_an_otherwise_green_unit_red(make_task, commune):
    for _ in range(9):
        green(make_task, commune)
    overdue(make_task, commune, is_key=True)
    greening_recompute()
    row = snapshot(commune)
    assert (row.rate, row.colour, row.red_by_key_task, row.n_overdue_key) == (90, Colour.RED, True, 1)


def test_paused_and_cancelled_tasks_are_not_counted(make_task, commune):
    green(make_task, commune)
    overdue(make_task, commune, status=TaskStatus.PAUSED)
    overdue(make_task, commune, status=TaskStatus.CANCELLED)
    greening_recompute()
    row = snapshot(commune)
    assert (row.n_paused, row.n_cancelled, row.n_counted, row.rate, row.colour) == (
        1,
        1,
        1,
        100,
        Colour.GREEN,
    )


def test_rerunning_upserts_instead_of_adding_rows(make_task, commune):
    green(make_task, commune)
    first = greening_recompute()
    rows = GreeningSnapshot.objects.filter(on_date=TODAY).count()
    again = greening_recompute()
    assert GreeningSnapshot.objects.filter(on_date=TODAY).count() == rows == first.rows_written
    assert again.rows_removed == 0
    assert snapshot(commune).n_on_track == 1


def test_plan_and_group_scopes_are_kept_and_removed_when_empty(make_task, commune, plan):
    group = plan.task_groups.create(number=1, name="Hạ tầng số")
    task = green(make_task, commune, task_group=group)
    greening_recompute()
    assert snapshot(commune, f"plan:{plan.pk}").n_on_track == 1
    assert snapshot(commune, f"group:{group.pk}").n_on_track == 1

    task.task_group = None
    task_change(task=task, expected_version=task.version, author=None, note="Bỏ nhóm")
    result = greening_recompute()
    assert result.rows_removed >= 1
    assert not GreeningSnapshot.objects.filter(
        unit=commune, on_date=TODAY, scope=f"group:{group.pk}"
    ).exists()


def test_a_past_date_is_recomputed_from_the_update_history(make_task, commune, alice):
    def at(day: datetime.date) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(9), LOCAL_TZ)

    start, deadline = datetime.date(2026, 1, 1), datetime.date(2026, 3, 31)
    task = make_task(
        lead_unit=commune,
        start_date=start,
        deadline=deadline,
        status=TaskStatus.COMPLETED,
        progress=100,
        completed_on=datetime.date(2026, 4, 10),
        version=2,
    )
    TaskUpdate.objects.create(
        task=task, author=alice, created_at=at(datetime.date(2026, 1, 5)), kind="created", version=1,
        status_after=TaskStatus.IN_PROGRESS, progress_after=10,
    )  # fmt: skip
    TaskUpdate.objects.create(
        task=task, author=alice, created_at=at(datetime.date(2026, 4, 10)), kind="progress", version=2,
        status_before=TaskStatus.IN_PROGRESS, status_after=TaskStatus.COMPLETED, progress_before=10,
        progress_after=100,
    )  # fmt: skip

    expectations = {
        datetime.date(2026, 1, 3): None,  # not yet assigned
        datetime.date(2026, 3, 15): "n_behind_schedule",  # 82 % of the time gone, 10 % done
        datetime.date(2026, 4, 5): "n_overdue",
        datetime.date(2026, 4, 20): "n_completed_late",
    }
    for day, counter in expectations.items():
        greening_recompute(on=day)
        row = snapshot(commune, on=day)
        if counter is None:
            assert row.n_counted == 0
        else:
            assert getattr(row, counter) == 1, (day, row.state_counts)


def test_an_incremental_run_gives_the_same_figures_as_a_full_one(make_task, communes, nghe_an):
    first, second = communes
    tasks = [green(make_task, first) for _ in range(3)] + [green(make_task, second)]
    greening_recompute()

    task = Task.objects.get(pk=tasks[0].pk)
    task.status, task.deadline = TaskStatus.IN_PROGRESS, TODAY - DAY
    task_change(task=task, expected_version=task.version, author=None, note="Lùi hạn")
    result = greening_refresh_backlog()
    assert result is not None and not result.full
    incremental = _figures()

    greening_recompute()
    assert _figures() == incremental
    assert snapshot(first).n_overdue == 1
    assert snapshot(nghe_an).children_green == 1


def _figures() -> dict:
    rows = GreeningSnapshot.objects.filter(on_date=TODAY).exclude(colour=Colour.NONE, n_counted=0)
    return {(r["unit_id"], r["scope"]): r for r in rows.values(*_compared_fields())}


def _compared_fields() -> list[str]:
    skip = {"id", "computed_at"}
    return [f.attname for f in GreeningSnapshot._meta.concrete_fields if f.attname not in skip]


def test_the_policy_version_is_recorded_on_each_row(make_task, commune):
    green(make_task, commune)
    greening_recompute()
    assert snapshot(commune).policy_version == 1


def test_stored_percentages_round_half_up_from_the_exact_rate(make_task, commune):
    for _ in range(2):
        green(make_task, commune)
    overdue(make_task, commune)  # 2 of 3 green: 66.666…%
    greening_recompute()
    row = snapshot(commune)
    assert (row.own_rate, row.rate, row.colour) == (Decimal("66.67"), Decimal("66.67"), Colour.YELLOW)
