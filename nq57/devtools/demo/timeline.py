"""Fabricated but consistent task lives for the demo: dates, a final state, and the
history of updates that led there, all relative to a reference day."""

import datetime
import random
from dataclasses import dataclass, field

from nq57.devtools.demo import catalogue as cat
from tasks_app.models import TaskStatus

# How often each life appears; communes shift these by their diligence.
SCENARIO_WEIGHTS = {
    "completed_on_time": 22,
    "completed_late": 8,
    "on_track": 22,
    "behind": 12,
    "overdue": 10,
    "not_started_on_time": 10,
    "not_started_late": 5,
    "awaiting": 5,
    "paused": 3,
    "cancelled": 3,
}
_GOOD = {"completed_on_time", "on_track", "not_started_on_time", "awaiting"}


@dataclass
class Step:
    day: datetime.date
    status: str
    progress: int
    note: str
    difficulties: str = ""
    by_assigner: bool = False  # made by the unit that assigned the task (a withdrawal), not its own


@dataclass
class Life:
    scenario: str
    start: datetime.date
    deadline: datetime.date
    status: str
    progress: int
    completed_on: datetime.date | None
    created: datetime.date
    steps: list[Step] = field(default_factory=list)


def pick_scenario(rng: random.Random, diligence: float = 0.5) -> str:
    """diligence 0..1 tilts the mix: diligent communes finish, others fall behind."""
    names = list(SCENARIO_WEIGHTS)
    weights = [
        SCENARIO_WEIGHTS[n] * ((0.4 + 1.2 * diligence) if n in _GOOD else (1.6 - 1.2 * diligence))
        for n in names
    ]
    return rng.choices(names, weights)[0]


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def round5(value: float) -> int:
    """Progress as officials report it: whole steps of 5%, within 0..100."""
    return max(0, min(100, round(value / 5.0) * 5))


def build_life(rng: random.Random, scenario: str, today: datetime.date) -> Life:
    r = rng.randint
    if scenario == "completed_on_time":
        start = today - _days(r(120, 300))
        deadline = min(start + _days(r(60, 180)), today + _days(r(10, 60)))
        completed = start + _days(r(20, max(21, (min(deadline, today - _days(1)) - start).days)))
        return _finish(rng, scenario, start, deadline, TaskStatus.COMPLETED, 100, completed, today)
    if scenario == "completed_late":
        start = today - _days(r(150, 300))
        deadline = start + _days(r(40, 100))
        completed = min(deadline + _days(r(3, 40)), today - _days(1))
        return _finish(rng, scenario, start, deadline, TaskStatus.COMPLETED, 100, completed, today)
    if scenario == "on_track":
        start = today - _days(r(20, 120))
        deadline = today + _days(r(30, 180))
        progress = round5(100 * _elapsed(start, deadline, today) + r(0, 15))
        return _finish(rng, scenario, start, deadline, TaskStatus.IN_PROGRESS, max(progress, 10), None, today)
    if scenario == "behind":
        start = today - _days(r(60, 150))
        deadline = today + _days(r(3, 25))
        progress = round5(100 * _elapsed(start, deadline, today) - r(35, 55))
        return _finish(rng, scenario, start, deadline, TaskStatus.IN_PROGRESS, max(progress, 5), None, today)
    if scenario == "overdue":
        start = today - _days(r(120, 250))
        deadline = today - _days(r(3, 60))
        return _finish(rng, scenario, start, deadline, TaskStatus.IN_PROGRESS, round5(r(20, 80)), None, today)
    if scenario == "not_started_on_time":
        start = today + _days(r(5, 45))
        deadline = start + _days(r(60, 180))
        return _finish(rng, scenario, start, deadline, TaskStatus.NOT_STARTED, 0, None, today)
    if scenario == "not_started_late":
        start = today - _days(r(10, 40))
        deadline = today + _days(r(20, 90))
        return _finish(rng, scenario, start, deadline, TaskStatus.NOT_STARTED, 0, None, today)
    if scenario == "awaiting":
        start = today - _days(r(60, 150))
        deadline = today + _days(r(2, 30))
        return _finish(rng, scenario, start, deadline, TaskStatus.AWAITING_APPROVAL, 95, None, today)
    if scenario == "paused":
        start = today - _days(r(60, 150))
        deadline = today + _days(r(10, 60))
        return _finish(rng, scenario, start, deadline, TaskStatus.PAUSED, round5(r(20, 50)), None, today)
    if scenario == "cancelled":
        start = today - _days(r(60, 150))
        deadline = today + _days(r(10, 90))
        return _finish(rng, scenario, start, deadline, TaskStatus.CANCELLED, round5(r(0, 30)), None, today)
    raise ValueError(f"unknown scenario {scenario}")


def _elapsed(start: datetime.date, deadline: datetime.date, today: datetime.date) -> float:
    span = max((deadline - start).days, 1)
    return min(max((today - start).days / span, 0.0), 1.0)


def _finish(rng, scenario, start, deadline, status, progress, completed_on, today) -> Life:
    created = min(start, today) - _days(rng.randint(3, 20))
    life = Life(scenario, start, deadline, status, progress, completed_on, created)
    if status == TaskStatus.NOT_STARTED:
        return life
    # The history runs from the start to the last day something happened.
    last_day = completed_on or today - _days(rng.randint(1, 12))
    last_day = max(last_day, start + _days(2))
    started = start + _days(rng.randint(0, min(7, max((last_day - start).days - 1, 0))))
    if started > today:
        started = today
    steps = [Step(started, TaskStatus.IN_PROGRESS, min(5, progress), cat.START_NOTE)]
    middle_count = rng.randint(0, 3)
    span = max((last_day - started).days, 1)
    target = 95 if status == TaskStatus.COMPLETED else progress
    previous = steps[0].progress
    difficulty = scenario in ("behind", "overdue", "completed_late", "paused")
    for i in range(middle_count):
        day = started + _days(max(1, span * (i + 1) // (middle_count + 1)))
        if day >= last_day or day <= steps[-1].day:
            continue
        value = round5(previous + (target - previous) * (i + 1) / (middle_count + 1))
        value = max(value, previous)
        reports_obstacle = difficulty and rng.random() < 0.6
        note_pool = cat.DIFFICULTY_NOTES if reports_obstacle else cat.PROGRESS_NOTES
        note = rng.choice(note_pool).format(n=rng.randint(5, 400), p=value, k=rng.randint(2, 9))
        steps.append(_step(day, TaskStatus.IN_PROGRESS, value, note, obstacle=reports_obstacle))
        previous = value
    final_note = {
        TaskStatus.COMPLETED: rng.choice(cat.COMPLETION_NOTES),
        TaskStatus.AWAITING_APPROVAL: cat.AWAITING_NOTE,
        TaskStatus.PAUSED: cat.PAUSED_NOTE,
        TaskStatus.CANCELLED: cat.CANCELLED_NOTE,
    }.get(status)
    if final_note:
        day = max(last_day, steps[-1].day + _days(1))
        steps.append(Step(min(day, today), status, progress, final_note))
    elif steps[-1].progress != progress:
        day = max(last_day, steps[-1].day + _days(1))
        note = rng.choice(cat.DIFFICULTY_NOTES if difficulty else cat.PROGRESS_NOTES)
        steps.append(
            _step(
                min(day, today),
                status,
                progress,
                note.format(n=rng.randint(5, 400), p=progress, k=rng.randint(2, 9)),
                obstacle=difficulty,
            )
        )
    life.steps = steps
    return life


def _step(day: datetime.date, status: str, progress: int, text: str, *, obstacle: bool) -> Step:
    """An update; an obstacle goes where officers write it (difficulties), with a plain
    progress note beside it."""
    if not obstacle:
        return Step(day, status, progress, text)
    return Step(day, status, progress, cat.OBSTACLE_PROGRESS_NOTE.format(p=progress), difficulties=text)
