"""The access helpers, tested once and thoroughly: every page and download relies on them."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tasks_app.access import (
    TaskAccess,
    get_task_for_user,
    may_cascade,
    own_unit_tasks,
    task_access,
    visible_tasks,
)
from tasks_app.models import Membership, Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks(make_task, commune, other_commune, far_commune, nghe_an):
    province_task = make_task(lead_unit=nghe_an, code="NA-1")
    return {
        "mine": make_task(code="C-1"),
        "coordinated": make_task(lead_unit=other_commune, code="C-2"),
        "neighbour": make_task(lead_unit=other_commune, code="C-3"),
        "province": province_task,
        "cascaded": make_task(code="NA-1/x", parent=province_task),
        "far": make_task(lead_unit=far_commune, code="F-1"),
    }


@pytest.fixture
def coordinated(tasks, commune):
    tasks["coordinated"].coordinating_units.add(commune)
    return tasks


def test_commune_officer_edits_own_unit_tasks_and_notes_on_coordinated(coordinated, xa_officer):
    assert task_access(xa_officer, coordinated["mine"]) == TaskAccess.EDIT
    assert task_access(xa_officer, coordinated["cascaded"]) == TaskAccess.EDIT
    assert task_access(xa_officer, coordinated["coordinated"]) == TaskAccess.NOTE
    assert task_access(xa_officer, coordinated["neighbour"]) == TaskAccess.NONE
    assert task_access(xa_officer, coordinated["province"]) == TaskAccess.NONE
    assert task_access(xa_officer, coordinated["far"]) == TaskAccess.NONE


def test_commune_leader_adds_notes_but_does_not_edit(coordinated, xa_leader):
    assert task_access(xa_leader, coordinated["mine"]) == TaskAccess.NOTE
    assert task_access(xa_leader, coordinated["neighbour"]) == TaskAccess.NONE


def test_province_officer_edits_province_tasks_and_sees_its_communes(coordinated, tinh_officer):
    assert task_access(tinh_officer, coordinated["province"]) == TaskAccess.EDIT
    assert task_access(tinh_officer, coordinated["mine"]) == TaskAccess.VIEW
    assert task_access(tinh_officer, coordinated["neighbour"]) == TaskAccess.VIEW
    assert task_access(tinh_officer, coordinated["far"]) == TaskAccess.NONE
    assert may_cascade(tinh_officer, coordinated["province"])
    assert not may_cascade(tinh_officer, coordinated["mine"])


def test_province_leader_notes_on_province_tasks_and_cannot_cascade(coordinated, tinh_leader):
    assert task_access(tinh_leader, coordinated["province"]) == TaskAccess.NOTE
    assert task_access(tinh_leader, coordinated["mine"]) == TaskAccess.VIEW
    assert not may_cascade(tinh_leader, coordinated["province"])


def test_central_viewer_sees_everything_read_only(coordinated, central_viewer):
    for task in coordinated.values():
        assert task_access(central_viewer, task) == TaskAccess.VIEW
    assert visible_tasks(central_viewer).count() == len(coordinated)


def test_user_without_membership_sees_nothing(coordinated, alice):
    assert visible_tasks(alice).count() == 0
    assert task_access(alice, coordinated["mine"]) == TaskAccess.NONE


def test_visible_and_own_task_sets(coordinated, xa_officer, tinh_officer, outsider):
    codes = lambda qs: sorted(qs.values_list("code", flat=True))  # noqa: E731
    assert codes(visible_tasks(xa_officer)) == ["C-1", "C-2", "NA-1/x"]
    assert codes(own_unit_tasks(xa_officer)) == ["C-1", "C-2", "NA-1/x"]
    assert codes(visible_tasks(tinh_officer)) == ["C-1", "C-2", "C-3", "NA-1", "NA-1/x"]
    assert codes(own_unit_tasks(tinh_officer)) == ["NA-1"]
    assert codes(visible_tasks(outsider)) == ["F-1"]


def test_inactive_unit_membership_grants_nothing(coordinated, xa_officer, commune):
    commune.is_active = False
    commune.save(update_fields=["is_active"])
    fresh = User.objects.get(pk=xa_officer.pk)
    assert task_access(fresh, coordinated["mine"]) == TaskAccess.NONE


def test_get_task_for_user_hides_existence_with_404(coordinated, xa_officer):
    with pytest.raises(Http404):
        get_task_for_user(xa_officer, coordinated["far"].pk)
    with pytest.raises(Http404):
        get_task_for_user(xa_officer, 987654321)
    with pytest.raises(PermissionDenied):
        get_task_for_user(xa_officer, coordinated["coordinated"].pk, need=TaskAccess.EDIT)
    task, access = get_task_for_user(xa_officer, coordinated["mine"].pk, need=TaskAccess.EDIT)
    assert (task.pk, access) == (coordinated["mine"].pk, TaskAccess.EDIT)


def test_two_roles_in_one_unit_take_the_stronger(coordinated, xa_leader, commune):
    Membership.objects.create(user=xa_leader, unit=commune, role=Role.COMMUNE_OFFICER)
    fresh = User.objects.get(pk=xa_leader.pk)
    assert task_access(fresh, coordinated["mine"]) == TaskAccess.EDIT
