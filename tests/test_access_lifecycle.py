"""Who may correct a task, withdraw a copy and approve a completion: the access helpers
behind every page of a task's life after creation, tested once and thoroughly."""

import pytest

from tasks_app.access import (
    TaskAccess,
    may_approve,
    may_cascade,
    may_edit_details,
    may_withdraw,
    task_access,
    tasks_to_approve,
)
from tasks_app.models import Membership, Plan, Role, TaskStatus, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def far_province_officer(far_commune) -> User:
    user = User.objects.create_user("far_tinh", password="x")
    Membership.objects.create(user=user, unit=far_commune.province, role=Role.PROVINCE_OFFICER)
    return user


@pytest.fixture
def far_province_leader(far_commune) -> User:
    user = User.objects.create_user("far_leader", password="x")
    Membership.objects.create(user=user, unit=far_commune.province, role=Role.PROVINCE_LEADER)
    return user


@pytest.fixture
def tasks(make_task, nghe_an, commune, plan):
    province_task = make_task(lead_unit=nghe_an, code="NA-1")
    commune_plan = Plan.objects.create(
        issuing_unit=commune, code="01/KH-UBND", title="Kế hoạch của xã", issue_date=plan.issue_date
    )
    return {
        "province": province_task,
        "copy": make_task(code="NA-1/x", parent=province_task),
        # The commune's own task under the province's plan, not cascaded.
        "commune_own": make_task(code="C-1"),
        # The commune's own task under its own plan: the commune assigned it.
        "commune_plan": make_task(code="C-2", plan=commune_plan),
    }


def test_the_province_officer_corrects_the_province_task_and_its_copies(tasks, tinh_officer):
    assert may_edit_details(tinh_officer, tasks["province"])
    assert may_edit_details(tinh_officer, tasks["copy"])
    assert not may_edit_details(tinh_officer, tasks["commune_own"])
    assert not may_edit_details(tinh_officer, tasks["commune_plan"])


@pytest.mark.parametrize("persona", ["xa_officer", "xa_leader", "tinh_leader", "central_viewer", "outsider"])
def test_nobody_else_corrects_a_task(tasks, persona, request, far_province_officer):
    for user in (request.getfixturevalue(persona), far_province_officer):
        assert not any(may_edit_details(user, task) for task in tasks.values())
        assert not any(may_withdraw(user, task) for task in tasks.values())


def test_only_a_cascaded_copy_is_withdrawn_by_the_province_officer(tasks, tinh_officer):
    assert may_withdraw(tinh_officer, tasks["copy"])
    assert not may_withdraw(tinh_officer, tasks["province"])
    assert not may_withdraw(tinh_officer, tasks["commune_own"])


def test_a_withdrawn_copy_is_read_only_for_everyone(tasks, xa_officer, xa_leader, tinh_officer):
    copy = tasks["copy"]
    copy.status = TaskStatus.WITHDRAWN
    assert task_access(xa_officer, copy) == TaskAccess.VIEW
    assert task_access(xa_leader, copy) == TaskAccess.VIEW
    assert task_access(tinh_officer, copy) == TaskAccess.VIEW
    assert not may_withdraw(tinh_officer, copy)
    assert not may_edit_details(tinh_officer, copy)
    assert not may_cascade(tinh_officer, copy)


def test_leaders_of_the_lead_or_assigning_unit_approve(tasks, xa_leader, tinh_leader):
    assert may_approve(xa_leader, tasks["copy"])  # leader of the lead unit
    assert may_approve(tinh_leader, tasks["copy"])  # leader of the unit that cascaded it
    assert may_approve(tinh_leader, tasks["province"])
    assert may_approve(tinh_leader, tasks["commune_own"])  # the province issued its plan
    assert may_approve(xa_leader, tasks["commune_plan"])
    assert not may_approve(tinh_leader, tasks["commune_plan"])  # the commune assigned it itself
    assert not may_approve(xa_leader, tasks["province"])


@pytest.mark.parametrize(
    "persona", ["xa_officer", "tinh_officer", "central_viewer", "outsider", "neighbour_officer"]
)
def test_officers_and_outsiders_do_not_approve(tasks, persona, request, far_province_leader):
    for user in (request.getfixturevalue(persona), far_province_leader):
        assert not any(may_approve(user, task) for task in tasks.values())


def test_the_approval_list_matches_may_approve(
    tasks, xa_leader, tinh_leader, far_province_leader, tinh_officer
):
    for task in tasks.values():
        task.status, task.progress = TaskStatus.AWAITING_APPROVAL, 95
        task.save()
    for user in (xa_leader, tinh_leader, far_province_leader, tinh_officer):
        expected = {task.pk for task in tasks.values() if may_approve(user, task)}
        assert set(tasks_to_approve(user).values_list("pk", flat=True)) == expected
    assert set(tasks_to_approve(tinh_leader).values_list("code", flat=True)) == {"NA-1", "NA-1/x", "C-1"}


def test_the_approval_list_holds_only_tasks_awaiting_approval(tasks, tinh_leader):
    assert not tasks_to_approve(tinh_leader).exists()
