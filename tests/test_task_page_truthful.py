"""The task pages say what is true: who approves in the app (the same rule as may_approve),
a progress field that takes every value the server accepts, and the withdrawn unit named
as what it is (a ward is not a commune)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from tasks_app.access import approving_units, may_approve
from tasks_app.greening.rules import Rule, Rules
from tasks_app.models import Task, TaskStatus, Unit, UnitKind
from tasks_app.selectors.greening import task_reason
from tests.forms_html import parse_page

pytestmark = pytest.mark.django_db


def task_html(client, task):
    return client.get(reverse("task_detail", args=[task.pk])).content.decode()


# --- Who approves in the app ---------------------------------------------------------------------


def test_a_copy_names_its_commune_and_the_province_as_approvers(
    client, make_task, nghe_an, commune, xa_officer
):
    parent = make_task(lead_unit=nghe_an, code="NV-800")
    copy = make_task(code="NV-800/x", parent=parent)
    assert [unit.pk for unit in approving_units(copy)] == [commune.pk, nghe_an.pk]
    client.force_login(xa_officer)
    page = task_html(client, copy)
    assert "UBND tỉnh Nghệ An" in page  # the text field stays, as assigned
    assert f"Phê duyệt trên hệ thống: lãnh đạo {commune.name} hoặc {nghe_an.name}" in page


def test_a_province_task_names_the_province_once(client, make_task, nghe_an, tinh_officer):
    task = make_task(lead_unit=nghe_an)
    client.force_login(tinh_officer)
    assert f"Phê duyệt trên hệ thống: lãnh đạo {nghe_an.name}</" in task_html(client, task)


def test_the_approvers_named_are_those_may_approve_lets_approve(make_task, nghe_an, xa_leader, tinh_leader):
    parent = make_task(lead_unit=nghe_an, code="NV-801")
    copy = make_task(code="NV-801/x", parent=parent)
    named = {unit.pk for unit in approving_units(copy)}
    for leader in (xa_leader, tinh_leader):
        assert may_approve(leader, copy)
        assert set(leader.memberships.values_list("unit_id", flat=True)) & named


# --- Progress takes any whole percentage ---------------------------------------------------------


def test_progress_takes_any_whole_number(client, make_task, xa_officer):
    task = make_task()
    client.force_login(xa_officer)
    page = task_html(client, task)
    assert 'name="progress"' in page
    (progress_input,) = [line for line in page.split("<input") if 'name="progress"' in line]
    assert 'step="1"' in progress_input and 'step="5"' not in progress_input
    forms, _links = parse_page(page)
    form = next(f for f in forms if f.action == reverse("task_update", args=[task.pk]))
    response = client.post(form.action, form.submission(progress="62", note="Đã số hóa thêm"))
    assert response.status_code == 302
    assert Task.objects.get(pk=task.pk).progress == 62


# --- The withdrawn unit is named as it is ----------------------------------------------------------


@pytest.fixture
def ward(nghe_an) -> Unit:
    return Unit.objects.filter(province=nghe_an, kind=UnitKind.COMMUNE, name__startswith="Phường").first()


def test_withdrawing_from_a_ward_names_the_ward(client, make_task, nghe_an, ward, tinh_officer):
    parent = make_task(lead_unit=nghe_an, code="NV-802")
    copy = make_task(
        code=f"NV-802/{ward.code}", parent=parent, lead_unit=ward, status=TaskStatus.NOT_STARTED, progress=0
    )
    client.force_login(tinh_officer)
    page = task_html(client, copy)
    assert f"Thu hồi khỏi {ward.name}" in page and "Thu hồi khỏi xã này" not in page
    withdraw = client.get(reverse("task_withdraw", args=[copy.pk])).content.decode()
    assert f"{ward.name} sẽ không còn nhiệm vụ này" in withdraw
    assert "Xã sẽ không còn" not in withdraw and "số liệu của xã" not in withdraw


# --- A reason states the real gap ------------------------------------------------------------------


def test_the_behind_reason_states_the_real_gap_in_vietnamese():
    start = datetime.date(2026, 1, 1)
    reason = task_reason(
        task_id=1,
        code="NV-1",
        title="Số hóa",
        is_key=False,
        status=TaskStatus.IN_PROGRESS,
        progress=15,
        start_date=start,
        deadline=start + datetime.timedelta(days=100),
        completed_on=None,
        on=start + datetime.timedelta(days=80),
        rules=Rules(),
    )
    assert reason.rule == Rule.TIME_AHEAD_OF_PROGRESS
    with translation.override("vi"):
        assert reason.sentence == (
            "Đã qua 80% thời gian nhưng tiến độ mới đạt 15%: chậm 65 điểm phần trăm, "
            "quá mức cho phép 20 điểm."
        )


def test_a_gap_rounded_down_to_the_tolerance_still_reads_true():
    # 41 of 200 days is 20.5 % of the time, shown as 20 %: behind by more than 20 points
    # by the rule, but 20 - 0 = 20 in the figures shown, so the sentence says "more than 20".
    start = datetime.date(2026, 1, 1)
    reason = task_reason(
        task_id=1,
        code="NV-1",
        title="Số hóa",
        is_key=False,
        status=TaskStatus.IN_PROGRESS,
        progress=0,
        start_date=start,
        deadline=start + datetime.timedelta(days=200),
        completed_on=None,
        on=start + datetime.timedelta(days=41),
        rules=Rules(not_started_grace_days=400),
    )
    assert reason.rule == Rule.TIME_AHEAD_OF_PROGRESS
    with translation.override("vi"):
        assert reason.sentence == (
            "Đã qua 20% thời gian nhưng tiến độ mới đạt 0%: chậm hơn quá 20 điểm phần trăm."
        )
