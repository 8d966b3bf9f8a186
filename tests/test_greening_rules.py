"""The greening rules: worked examples from docs/greening.md, and a property test that the
SQL CASE used everywhere agrees with the small Python reference on random tasks and dates."""

import datetime

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks_app.clock import local_date
from tasks_app.greening.rules import Rules, state_colour, task_state, task_state_expression
from tasks_app.models import Colour, Task, TaskState, TaskStatus

D = datetime.date
RULES = Rules()  # the default policy: tolerance 20 pp, near 7 days / 50 %, grace 14 days

# (status, progress, start, deadline, completed_on, on) -> expected state; the docs' examples.
WORKED_EXAMPLES = [
    (
        "completed",
        100,
        D(2026, 1, 1),
        D(2026, 3, 31),
        D(2026, 3, 31),
        D(2026, 6, 1),
        TaskState.COMPLETED_ON_TIME,
    ),
    ("completed", 100, D(2026, 1, 1), D(2026, 3, 31), D(2026, 4, 1), D(2026, 6, 1), TaskState.COMPLETED_LATE),
    ("in_progress", 60, D(2026, 1, 1), D(2026, 12, 31), None, D(2026, 6, 1), TaskState.ON_TRACK),
    # 151 of 364 days gone (41.5 %) against 21 % done: 20.5 pp behind, over the 20 pp tolerance.
    ("in_progress", 21, D(2026, 1, 1), D(2026, 12, 31), None, D(2026, 6, 1), TaskState.BEHIND_SCHEDULE),
    ("in_progress", 22, D(2026, 1, 1), D(2026, 12, 31), None, D(2026, 6, 1), TaskState.ON_TRACK),
    # Due in 5 days at 45 %: near the deadline and below 50 %.
    ("in_progress", 45, D(2026, 1, 1), D(2026, 6, 6), None, D(2026, 6, 1), TaskState.BEHIND_SCHEDULE),
    ("in_progress", 95, D(2026, 1, 1), D(2026, 5, 31), None, D(2026, 6, 1), TaskState.OVERDUE),
    ("awaiting_approval", 100, D(2026, 1, 1), D(2026, 5, 31), None, D(2026, 6, 1), TaskState.OVERDUE),
    # The deadline day itself is not late.
    ("in_progress", 90, D(2026, 1, 1), D(2026, 6, 1), None, D(2026, 6, 1), TaskState.ON_TRACK),
    ("not_started", 0, D(2026, 5, 25), D(2026, 12, 31), None, D(2026, 6, 1), TaskState.NOT_STARTED_ON_TIME),
    ("not_started", 0, D(2026, 5, 1), D(2026, 12, 31), None, D(2026, 6, 1), TaskState.NOT_STARTED_LATE),
    ("not_started", 0, D(2026, 7, 1), D(2026, 12, 31), None, D(2026, 6, 1), TaskState.NOT_STARTED_ON_TIME),
    ("paused", 30, D(2026, 1, 1), D(2026, 3, 1), None, D(2026, 6, 1), TaskState.PAUSED),
    ("cancelled", 0, D(2026, 1, 1), D(2026, 3, 1), None, D(2026, 6, 1), TaskState.CANCELLED),
    # Leap day: on 29/02/2024, 28 of 59 days are gone (47.5 %); 30 % done is within 20 pp, 27 % is not.
    ("in_progress", 30, D(2024, 2, 1), D(2024, 3, 31), None, D(2024, 2, 29), TaskState.ON_TRACK),
    ("in_progress", 27, D(2024, 2, 1), D(2024, 3, 31), None, D(2024, 2, 29), TaskState.BEHIND_SCHEDULE),
]


@pytest.mark.parametrize("status,progress,start,deadline,completed_on,on,expected", WORKED_EXAMPLES)
def test_the_worked_examples_hold_in_python_and_in_sql(
    make_task, status, progress, start, deadline, completed_on, on, expected
):
    assert (
        task_state(
            status=status,
            progress=progress,
            start_date=start,
            deadline=deadline,
            completed_on=completed_on,
            on=on,
            rules=RULES,
        )
        == expected
    )
    task = make_task(
        status=status, progress=progress, start_date=start, deadline=deadline, completed_on=completed_on
    )
    assert _sql_states([task.pk], on, RULES) == {task.pk: expected}


def test_colours_follow_the_state():
    assert state_colour(TaskState.ON_TRACK, RULES) == Colour.GREEN
    assert state_colour(TaskState.NOT_STARTED_ON_TIME, RULES) == Colour.GREEN
    assert state_colour(TaskState.BEHIND_SCHEDULE, RULES) == Colour.YELLOW
    assert state_colour(TaskState.NOT_STARTED_LATE, RULES) == Colour.YELLOW
    assert state_colour(TaskState.COMPLETED_LATE, RULES) == Colour.YELLOW
    assert state_colour(TaskState.OVERDUE, RULES) == Colour.RED
    assert state_colour(TaskState.PAUSED, RULES) is None
    assert state_colour(TaskState.COMPLETED_LATE, Rules(completed_late_is_green=True)) == Colour.GREEN


def test_a_task_turns_overdue_at_midnight_in_ho_chi_minh_city(make_task):
    task = make_task(deadline=D(2026, 3, 10), progress=90)
    utc = datetime.UTC
    last_moment = datetime.datetime(2026, 3, 10, 16, 59, 59, tzinfo=utc)  # 23:59:59 in Vietnam
    midnight = datetime.datetime(2026, 3, 10, 17, 0, 0, tzinfo=utc)  # 00:00 on 11/03 in Vietnam
    assert local_date(last_moment) == D(2026, 3, 10)
    assert local_date(midnight) == D(2026, 3, 11)
    for instant, expected in ((last_moment, TaskState.ON_TRACK), (midnight, TaskState.OVERDUE)):
        on = local_date(instant)
        assert _sql_states([task.pk], on, RULES)[task.pk] == expected
        assert _reference(task, on, RULES) == expected


def _sql_states(ids, on, rules) -> dict[int, str]:
    rows = Task.objects.filter(pk__in=ids).annotate(state=task_state_expression(on=on, rules=rules))
    return dict(rows.values_list("pk", "state"))


def _reference(task: Task, on, rules) -> str:
    return task_state(
        status=task.status,
        progress=task.progress,
        start_date=task.start_date,
        deadline=task.deadline,
        completed_on=task.completed_on,
        on=on,
        rules=rules,
    )


# --- Property: the SQL CASE and the reference agree ------------------------------------

LEAP_DAY = D(2024, 2, 29)
days = st.integers(min_value=0, max_value=500)


@st.composite
def task_fields(draw):
    start = draw(st.one_of(st.just(LEAP_DAY), st.dates(D(2023, 11, 1), D(2025, 3, 31))))
    deadline = start + datetime.timedelta(days=draw(st.one_of(st.just(0), days)))
    status = draw(st.sampled_from(TaskStatus.values))
    progress = 100 if status == TaskStatus.COMPLETED else draw(st.integers(0, 100))
    completed_on = None
    if status == TaskStatus.COMPLETED:
        completed_on = start + datetime.timedelta(days=draw(st.integers(-10, (deadline - start).days + 60)))
    return {
        "status": status,
        "progress": progress,
        "start_date": start,
        "deadline": deadline,
        "completed_on": completed_on,
    }


@st.composite
def cases(draw):
    tasks = draw(st.lists(task_fields(), min_size=1, max_size=25))
    # The date: any day near the tasks, often exactly a deadline, a start, or 29 February.
    pivot = draw(st.sampled_from(tasks))
    on = draw(
        st.one_of(
            st.just(pivot["deadline"]),
            st.just(pivot["start_date"]),
            st.just(LEAP_DAY),
            st.builds(
                lambda d, n: d + datetime.timedelta(days=n), st.just(pivot["deadline"]), st.integers(-40, 40)
            ),
            st.dates(D(2023, 10, 1), D(2026, 6, 30)),
        )
    )
    rules = Rules(
        behind_tolerance_pp=draw(st.integers(0, 60)),
        near_deadline_days=draw(st.integers(0, 30)),
        near_deadline_min_progress=draw(st.integers(0, 100)),
        not_started_grace_days=draw(st.integers(0, 60)),
    )
    return tasks, on, rules


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases())
def test_sql_and_reference_agree_on_random_tasks_and_dates(make_task, case):
    tasks, on, rules = case
    with transaction.atomic():
        made = [make_task(**fields) for fields in tasks]
        sql = _sql_states([t.pk for t in made], on, rules)
        for task in made:
            assert sql[task.pk] == _reference(task, on, rules), (task.__dict__, on, rules)
        transaction.set_rollback(True)
