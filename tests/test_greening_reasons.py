"""Each state's reason sentence comes from the rule that decided it (rules.task_verdict),
with that rule's own figures: the task page, the boards and the PDFs all say the same."""

import datetime

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks_app.greening.rules import Rule, Rules, task_state, task_verdict
from tasks_app.models import TaskState, TaskStatus
from tasks_app.selectors.greening import task_reason

D = datetime.date
ON = D(2026, 6, 1)
RULES = Rules()  # grace 14 days, tolerance 20 pp, near 7 days / 50 %

# (status, progress, start, deadline, completed_on) on 01/06/2026 -> (state, rule, the sentence)
CASES = [
    ("paused", 30, D(2026, 1, 1), D(2026, 12, 31), None, TaskState.PAUSED, Rule.PAUSED,
     "Tạm dừng: không tính vào số liệu của đơn vị."),
    ("cancelled", 0, D(2026, 1, 1), D(2026, 12, 31), None, TaskState.CANCELLED, Rule.CANCELLED,
     "Đã hủy: không tính vào số liệu của đơn vị."),
    ("completed", 100, D(2026, 1, 1), D(2026, 3, 31), D(2026, 3, 31), TaskState.COMPLETED_ON_TIME,
     Rule.COMPLETED_BY_DEADLINE, "Hoàn thành đúng hạn."),
    ("completed", 100, D(2026, 1, 1), D(2026, 3, 31), D(2026, 4, 3), TaskState.COMPLETED_LATE,
     Rule.COMPLETED_AFTER_DEADLINE, "Hoàn thành trễ hạn 3 ngày."),
    ("in_progress", 95, D(2026, 1, 1), D(2026, 5, 20), None, TaskState.OVERDUE, Rule.PAST_DEADLINE,
     "Quá hạn 12 ngày: thời hạn là 20/05/2026."),
    # The case: a long task, not started 16 days after its start. Only 16 % of its
    # time is gone, so "time ahead of progress" did not fire: the 14-day grace did.
    ("not_started", 0, D(2026, 5, 16), D(2026, 10, 1), None, TaskState.NOT_STARTED_LATE,
     Rule.NOT_STARTED_PAST_GRACE,
     "Chưa triển khai 16 ngày sau ngày bắt đầu: quá 14 ngày cho phép để bắt đầu."),
    # Within the grace, but a short task whose time has mostly gone.
    ("not_started", 0, D(2026, 5, 22), D(2026, 6, 21), None, TaskState.NOT_STARTED_LATE,
     Rule.NOT_STARTED_TIME_AHEAD,
     "Chưa triển khai dù đã qua 33% thời gian: thời gian đi trước tiến độ (0%) hơn 20 điểm phần trăm."),
    # Within the grace and little time gone (1 day of 6), but due within a week.
    ("not_started", 0, D(2026, 5, 31), D(2026, 6, 6), None, TaskState.NOT_STARTED_LATE,
     Rule.NOT_STARTED_NEAR_DEADLINE, "Chưa triển khai khi chỉ còn 5 ngày đến hạn."),
    ("not_started", 0, D(2026, 5, 25), D(2026, 12, 31), None, TaskState.NOT_STARTED_ON_TIME,
     Rule.NOT_STARTED_WITHIN_GRACE,
     "Chưa triển khai, 7 ngày sau ngày bắt đầu: còn trong 14 ngày cho phép để bắt đầu."),
    ("not_started", 0, D(2026, 7, 1), D(2026, 12, 31), None, TaskState.NOT_STARTED_ON_TIME,
     Rule.NOT_STARTED_WITHIN_GRACE, "Chưa triển khai: dự kiến bắt đầu ngày 01/07/2026."),
    ("in_progress", 21, D(2026, 1, 1), D(2026, 12, 31), None, TaskState.BEHIND_SCHEDULE,
     Rule.TIME_AHEAD_OF_PROGRESS,
     "Đã qua 41% thời gian nhưng tiến độ mới đạt 21%: chậm hơn quá 20 điểm phần trăm."),
    # 13 of 20 days gone (65 %) at 45 %: within the tolerance, but due in 7 days below 50 %.
    ("in_progress", 45, D(2026, 5, 19), D(2026, 6, 8), None, TaskState.BEHIND_SCHEDULE,
     Rule.NEAR_DEADLINE_LOW_PROGRESS,
     "Còn 7 ngày đến hạn mà tiến độ mới đạt 45%, dưới mức 50% cần có lúc này."),
    ("in_progress", 60, D(2026, 1, 1), D(2026, 12, 31), None, TaskState.ON_TRACK, Rule.ON_SCHEDULE,
     "Đúng tiến độ: đã qua 41% thời gian, tiến độ đạt 60%."),
]  # fmt: skip


def _reason(status, progress, start, deadline, completed_on, *, on=ON, rules=RULES):
    return task_reason(
        task_id=1, code="T", title="t", is_key=False, status=status, progress=progress,
        start_date=start, deadline=deadline, completed_on=completed_on, on=on, rules=rules,
    )  # fmt: skip


@pytest.mark.parametrize("status,progress,start,deadline,completed_on,state,rule,sentence", CASES)
def test_each_state_is_explained_by_the_rule_that_decided_it(
    status, progress, start, deadline, completed_on, state, rule, sentence
):
    reason = _reason(status, progress, start, deadline, completed_on)
    assert (reason.state, reason.rule) == (state, rule)
    with translation.override("vi"):
        assert reason.sentence == sentence


def test_every_rule_has_a_case_and_every_state_a_rule():
    assert {case[6] for case in CASES} == set(Rule)
    assert {case[5] for case in CASES} == set(TaskState)


def test_the_sentence_follows_the_policy_in_force():
    strict = Rules(not_started_grace_days=7)
    reason = _reason("not_started", 0, D(2026, 5, 22), D(2026, 12, 31), None, rules=strict)
    assert reason.rule == Rule.NOT_STARTED_PAST_GRACE
    with translation.override("vi"):
        assert "quá 7 ngày" in reason.sentence


# Which states each rule may decide: a sentence never speaks of a rule for another state.
RULE_STATES = {
    Rule.PAUSED: TaskState.PAUSED,
    Rule.CANCELLED: TaskState.CANCELLED,
    Rule.COMPLETED_BY_DEADLINE: TaskState.COMPLETED_ON_TIME,
    Rule.COMPLETED_AFTER_DEADLINE: TaskState.COMPLETED_LATE,
    Rule.PAST_DEADLINE: TaskState.OVERDUE,
    Rule.NOT_STARTED_PAST_GRACE: TaskState.NOT_STARTED_LATE,
    Rule.NOT_STARTED_TIME_AHEAD: TaskState.NOT_STARTED_LATE,
    Rule.NOT_STARTED_NEAR_DEADLINE: TaskState.NOT_STARTED_LATE,
    Rule.NOT_STARTED_WITHIN_GRACE: TaskState.NOT_STARTED_ON_TIME,
    Rule.TIME_AHEAD_OF_PROGRESS: TaskState.BEHIND_SCHEDULE,
    Rule.NEAR_DEADLINE_LOW_PROGRESS: TaskState.BEHIND_SCHEDULE,
    Rule.ON_SCHEDULE: TaskState.ON_TRACK,
}


@settings(max_examples=300, deadline=None)
@given(
    status=st.sampled_from(TaskStatus.values),
    progress=st.integers(0, 100),
    start=st.dates(D(2025, 1, 1), D(2026, 12, 31)),
    span=st.integers(0, 400),
    completed_after=st.integers(-30, 430),
    on=st.dates(D(2025, 1, 1), D(2027, 12, 31)),
    grace=st.integers(0, 60),
    tolerance=st.integers(0, 100),
)
def test_the_rule_always_agrees_with_the_state_and_reads(
    status, progress, start, span, completed_after, on, grace, tolerance
):
    deadline = start + datetime.timedelta(days=span)
    completed_on = (
        start + datetime.timedelta(days=completed_after) if status == TaskStatus.COMPLETED else None
    )
    rules = Rules(not_started_grace_days=grace, behind_tolerance_pp=tolerance)
    fields = dict(
        status=status, progress=progress, start_date=start, deadline=deadline, completed_on=completed_on
    )
    verdict = task_verdict(**fields, on=on, rules=rules)
    assert verdict.state == task_state(**fields, on=on, rules=rules) == RULE_STATES[verdict.rule]
    reason = _reason(status, progress, start, deadline, completed_on, on=on, rules=rules)
    with translation.override("vi"):
        assert reason.sentence and "None" not in reason.sentence


@pytest.mark.django_db
def test_the_board_and_the_task_page_say_the_same_sentence(client, make_task, commune, xa_leader):
    from django.urls import reverse

    from tasks_app.actions.greening import greening_recompute
    from tasks_app.clock import local_today

    today = local_today()
    task = make_task(
        code="NS-1",
        status="not_started",
        progress=0,
        start_date=today - datetime.timedelta(days=16),
        deadline=today + datetime.timedelta(days=84),
    )
    greening_recompute()
    client.force_login(xa_leader)
    expected = "Chưa triển khai 16 ngày sau ngày bắt đầu: quá 14 ngày cho phép để bắt đầu."
    board = client.get(reverse("dashboard_commune", args=[commune.pk])).content.decode()
    page = client.get(reverse("task_detail", args=[task.pk])).content.decode()
    assert expected in board and expected in page
    assert "16% thời gian" not in board
