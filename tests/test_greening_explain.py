""" "Why this colour": the tasks and child units that make a unit yellow or red."""

import datetime

from tasks_app.actions.greening import greening_recompute
from tasks_app.actions.tasks import task_change
from tasks_app.clock import local_today
from tasks_app.models import Colour, TaskState, TaskStatus, Unit, UnitKind
from tasks_app.selectors.greening import explain_unit_colour

TODAY = local_today()
DAY = datetime.timedelta(days=1)


def test_it_lists_red_then_yellow_tasks_with_days_late_or_how_far_behind(make_task, commune):
    late = make_task(lead_unit=commune, code="A", start_date=TODAY - 60 * DAY, deadline=TODAY - 12 * DAY)
    key_late = make_task(
        lead_unit=commune, code="B", start_date=TODAY - 60 * DAY, deadline=TODAY - 2 * DAY, is_key=True
    )
    behind = make_task(
        lead_unit=commune, code="C", start_date=TODAY - 50 * DAY, deadline=TODAY + 50 * DAY, progress=10
    )
    make_task(lead_unit=commune, code="D", start_date=TODAY - 5 * DAY, deadline=TODAY + 95 * DAY, progress=10)
    greening_recompute()

    why = explain_unit_colour(unit=commune)
    assert why.colour == Colour.RED and why.snapshot.n_overdue_key == 1
    assert why.tasks_total == 3
    assert [r.code for r in why.tasks] == ["B", "A", "C"]  # the key task first, then the longest overdue
    by_code = {r.code: r for r in why.tasks}
    assert (by_code["A"].state, by_code["A"].days_late) == (TaskState.OVERDUE, 12)
    assert by_code["B"].is_key and by_code["B"].task_id == key_late.pk
    assert (by_code["C"].state, by_code["C"].elapsed_percent, by_code["C"].behind_by_pp) == (
        TaskState.BEHIND_SCHEDULE,
        50,
        40,
    )
    assert by_code["C"].colour == Colour.YELLOW and late.pk == by_code["A"].task_id and behind.pk


def test_it_gives_the_reason_a_task_is_not_counted(make_task, commune):
    task = make_task(lead_unit=commune, code="P", start_date=TODAY - 60 * DAY, deadline=TODAY + 60 * DAY)
    task.status = TaskStatus.PAUSED
    task_change(task=task, expected_version=task.version, author=None, note="Chờ kinh phí năm 2027")
    why = explain_unit_colour(unit=commune)
    assert [(r.code, r.state, r.note) for r in why.not_counted] == [
        ("P", TaskState.PAUSED, "Chờ kinh phí năm 2027")
    ]
    assert why.tasks == []


def test_for_a_province_it_names_the_communes_that_are_not_green(make_task, nghe_an):
    first, second = Unit.objects.filter(province=nghe_an, kind=UnitKind.COMMUNE).order_by("code")[:2]
    make_task(lead_unit=first, start_date=TODAY - 60 * DAY, deadline=TODAY - DAY)
    make_task(lead_unit=second, start_date=TODAY - 5 * DAY, deadline=TODAY + 90 * DAY, progress=5)
    greening_recompute()
    why = explain_unit_colour(unit=nghe_an)
    assert [(s.unit, s.colour) for s in why.child_units] == [(first, Colour.RED)]


def test_a_past_date_is_explained_as_it_was_then(make_task, commune):
    task = make_task(lead_unit=commune, start_date=TODAY - 60 * DAY, deadline=TODAY - 10 * DAY, progress=40)
    # Today's state is overdue; as of a date before the task existed there is nothing to explain.
    assert [r.task_id for r in explain_unit_colour(unit=commune).tasks] == [task.pk]
    assert explain_unit_colour(unit=commune, on=TODAY - 400 * DAY).tasks == []
