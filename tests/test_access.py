"""The access helpers, tested once and thoroughly: every page and download relies on them."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import translation

from tasks_app.access import (
    ACCESS_BY_REASON,
    ACCESS_HINTS,
    AccessReason,
    TaskAccess,
    get_task_for_user,
    get_task_grant,
    may_cascade,
    may_see_task_history,
    own_unit_tasks,
    task_access,
    task_grant,
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
    # "cascaded" is the commune's copy of the province's task: the commune reads that task.
    assert task_access(xa_officer, coordinated["province"]) == TaskAccess.ASSIGNMENT
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


# --- The task a unit's copy was assigned from -----------------------------------------------


@pytest.fixture
def cascade(make_task, nghe_an, commune, other_commune, root):
    """A central task, the province's task cascaded from it, and two communes' copies."""
    from tasks_app.models import Plan

    central_plan = Plan.objects.create(
        issuing_unit=root,
        code="02-KH/BCĐTW",
        title="Kế hoạch trung ương",
        issue_date=datetime.date(2025, 1, 1),
    )
    central = make_task(plan=central_plan, lead_unit=root, code="TW-1")
    province = make_task(lead_unit=nghe_an, code="NV-008", parent=central)
    return {
        "central": central,
        "province": province,
        "mine": make_task(code="NV-008/a", parent=province),
        "theirs": make_task(lead_unit=other_commune, code="NV-008/b", parent=province),
    }


def test_a_commune_reads_the_task_its_copy_was_assigned_from_and_nothing_more(cascade, xa_officer, xa_leader):
    for user in (xa_officer, xa_leader):
        grant = task_grant(user, cascade["province"])
        assert grant.access == TaskAccess.ASSIGNMENT and grant.reason == AccessReason.ASSIGNED_COPY
        assert not may_see_task_history(grant.access)
        # The other commune's copy, and the central task above the province's, stay hidden.
        assert task_access(user, cascade["theirs"]) == TaskAccess.NONE
        assert task_access(user, cascade["central"]) == TaskAccess.NONE
        # Reading the assignment does not put the task in any list.
        assert cascade["province"] not in visible_tasks(user)
        assert cascade["province"] not in own_unit_tasks(user)
    # The detail page asks for the assignment level; anything that needs more is refused.
    task, grant = get_task_grant(xa_officer, cascade["province"].pk, need=TaskAccess.ASSIGNMENT)
    assert task == cascade["province"] and grant.access == TaskAccess.ASSIGNMENT
    with pytest.raises(PermissionDenied):
        get_task_for_user(xa_officer, cascade["province"].pk)
    with pytest.raises(PermissionDenied):
        get_task_for_user(xa_officer, cascade["province"].pk, need=TaskAccess.NOTE)


def test_a_unit_without_a_copy_does_not_see_the_parent(cascade, outsider, alice, make_task, commune):
    far_copy_parent = make_task(code="X-1")  # a commune task with no copies at all
    for user in (outsider, alice):
        assert task_access(user, cascade["province"]) == TaskAccess.NONE
        with pytest.raises(Http404):
            get_task_grant(user, cascade["province"].pk, need=TaskAccess.ASSIGNMENT)
    assert task_access(outsider, far_copy_parent) == TaskAccess.NONE


def test_a_province_reads_the_central_task_its_copy_came_from(cascade, tinh_officer):
    grant = task_grant(tinh_officer, cascade["central"])
    assert grant.access == TaskAccess.ASSIGNMENT


def test_stronger_rights_win_over_the_assigned_copy(cascade, tinh_officer, tinh_leader, central_viewer):
    assert task_access(tinh_officer, cascade["province"]) == TaskAccess.EDIT
    assert task_access(tinh_leader, cascade["province"]) == TaskAccess.NOTE
    assert task_access(central_viewer, cascade["province"]) == TaskAccess.VIEW


# --- Why: the reason behind each level, and the hint the task page shows --------------------


def test_each_grant_names_its_reason_and_a_hint_that_says_it(
    coordinated, xa_officer, xa_leader, tinh_officer, tinh_leader, central_viewer
):
    cases = [
        (xa_officer, "mine", TaskAccess.EDIT, AccessReason.LEAD_OFFICER, None),
        (xa_leader, "mine", TaskAccess.NOTE, AccessReason.LEAD_LEADER, "leader of the lead unit"),
        (xa_officer, "coordinated", TaskAccess.NOTE, AccessReason.COORDINATING, "coordinates this task"),
        (tinh_officer, "mine", TaskAccess.VIEW, AccessReason.PROVINCE, "province role"),
        (tinh_leader, "province", TaskAccess.NOTE, AccessReason.LEAD_LEADER, "leader of the lead unit"),
        (central_viewer, "mine", TaskAccess.VIEW, AccessReason.NATIONWIDE, "every task in the country"),
    ]
    with translation.override("en"):
        for user, key, access, reason, words in cases:
            grant = task_grant(user, coordinated[key])
            assert (grant.access, grant.reason) == (access, reason), (user, key)
            if words is None:
                assert grant.hint is None
            else:
                assert words in str(grant.hint), (user, key)
    # A commune leader on their own commune's task is never told the unit "coordinates" it.
    assert "coordinates" not in str(task_grant(xa_leader, coordinated["mine"]).hint)


def test_every_reason_has_a_level_and_a_hint_entry():
    assert set(ACCESS_BY_REASON) == set(AccessReason) == set(ACCESS_HINTS)
    for reason, access in ACCESS_BY_REASON.items():
        # Everyone who cannot do everything is told why.
        assert (ACCESS_HINTS[reason] is None) == (access in (TaskAccess.EDIT, TaskAccess.NONE))
