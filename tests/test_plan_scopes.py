"""A plan may implement a higher plan (Plan.implements): filtering by the higher plan
includes the plans below it, on every board, in the reasons and in "my tasks"."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tasks_app.actions.greening import greening_recompute
from tasks_app.clock import local_today
from tasks_app.models import (
    GreeningSnapshot,
    Plan,
    TaskGroup,
    group_scope_ids,
    groups_implemented_by,
    plan_scope_ids,
    plans_implemented_by,
)
from tasks_app.selectors.greening import explain_unit_colour

pytestmark = pytest.mark.django_db

TODAY = local_today()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def plans(root, nghe_an, plan):
    """02-KH/BCĐTW (central); the province's plan implements it; a commune-level plan
    implements the province's."""
    central = Plan.objects.create(issuing_unit=root, code="02-KH/BCĐTW", title="KH TW", issue_date=days(-400))
    plan.implements = central
    plan.save(update_fields=["implements"])
    local = Plan.objects.create(
        issuing_unit=nghe_an, code="07-KH", title="KH chi tiết", issue_date=days(-100), implements=plan
    )
    return central, plan, local


def test_the_plan_tree_is_read_both_ways(plans):
    central, province, local = plans
    assert plan_scope_ids(central.pk) == {central.pk, province.pk, local.pk}
    assert plan_scope_ids(province.pk) == {province.pk, local.pk}
    assert plan_scope_ids(local.pk) == {local.pk}
    assert plans_implemented_by()[local.pk] == {central.pk, province.pk, local.pk}


def test_a_loop_of_implements_ends(plans):
    central, province, _local = plans
    Plan.objects.filter(pk=central.pk).update(implements=province)
    assert plan_scope_ids(central.pk) == plan_scope_ids(province.pk)
    greening_recompute()  # the recursive SQL ends too


def test_the_national_board_filtered_by_the_central_plan_counts_the_provinces_plans(
    client, central_viewer, plans, make_task, nghe_an, commune, xa_officer
):
    central, _province, local = plans
    overdue = make_task(code="X-1", plan=local, start_date=days(-90), deadline=days(-10))
    make_task(code="X-2", start_date=days(-5), deadline=days(200), progress=10)  # the province's plan
    other_plan = Plan.objects.create(issuing_unit=nghe_an, code="99-KH", title="Khác", issue_date=days(-50))
    make_task(code="X-3", plan=other_plan, start_date=days(-5), deadline=days(200), progress=10)
    greening_recompute()
    scope = f"plan:{central.pk}"
    province_row = GreeningSnapshot.objects.get(unit=nghe_an, on_date=TODAY, scope=scope)
    assert province_row.subtree_overdue == 1 and province_row.colour != "none"
    commune_row = GreeningSnapshot.objects.get(unit=commune, on_date=TODAY, scope=scope)
    assert (commune_row.n_counted, commune_row.n_green) == (2, 1)

    client.force_login(central_viewer)
    html = client.get("/dashboard/national/", {"plan": central.pk}).content.decode()
    rate = re.search(rf'id="unit-{nghe_an.pk}" data-rate="([^"]*)"', html).group(1)
    assert rate not in ("", "None")
    # The reasons and the task list read the same scope.
    why = explain_unit_colour(unit=commune, scope=scope)
    assert [r.code for r in why.tasks] == [overdue.code]
    client.force_login(xa_officer)
    page = client.get(reverse("my_tasks"), {"plan": central.pk}).content.decode()
    assert "X-1" in page and "X-2" in page and "X-3" not in page
    # A commune's officer can pick the central plan, which its tasks carry out.
    assert f'<option value="{central.pk}"' in page


# --- Task groups: a province plan's group implements the central plan's group ------------


@pytest.fixture
def groups(plans):
    """Group 2 of each plan; the province's group 2 implements the central group 2, the
    local one the province's."""
    central, province, local = plans
    top = TaskGroup.objects.create(plan=central, number=2, name="Xây dựng hạ tầng số")
    middle = TaskGroup.objects.create(plan=province, number=2, name="Xây dựng hạ tầng số", implements=top)
    bottom = TaskGroup.objects.create(plan=local, number=2, name="Hạ tầng số cấp xã", implements=middle)
    return top, middle, bottom


def test_the_group_tree_is_read_both_ways(groups):
    top, middle, bottom = groups
    assert group_scope_ids(top.pk) == {top.pk, middle.pk, bottom.pk}
    assert group_scope_ids(middle.pk) == {middle.pk, bottom.pk}
    assert group_scope_ids(bottom.pk) == {bottom.pk}
    assert groups_implemented_by()[bottom.pk] == {top.pk, middle.pk, bottom.pk}


def test_a_group_implements_only_a_group_of_the_plan_its_plan_implements(plans, groups, nghe_an):
    _central, province, _local = plans
    top, middle, bottom = groups
    other = Plan.objects.create(issuing_unit=nghe_an, code="99-KH", title="Khác", issue_date=days(-50))
    stray = TaskGroup(plan=other, number=1, name="Lạc", implements=top)  # 99-KH implements nothing
    with pytest.raises(ValidationError) as error:
        stray.full_clean()
    assert "implements" in error.value.message_dict
    skipping = TaskGroup(plan=province, number=3, name="Nhảy cấp", implements=bottom)  # wrong direction
    with pytest.raises(ValidationError):
        skipping.full_clean()
    middle.full_clean()  # the right link is accepted


def test_the_national_board_filtered_by_a_central_group_counts_the_provinces_groups(
    client, central_viewer, plans, groups, make_task, nghe_an, commune, xa_officer
):
    central, _province, local = plans
    top, middle, bottom = groups
    overdue = make_task(code="G-1", plan=local, task_group=bottom, start_date=days(-90), deadline=days(-10))
    make_task(code="G-2", task_group=middle, start_date=days(-5), deadline=days(200), progress=10)
    make_task(code="G-3", start_date=days(-5), deadline=days(200), progress=10)  # no group
    greening_recompute()
    scope = f"group:{top.pk}"
    province_row = GreeningSnapshot.objects.get(unit=nghe_an, on_date=TODAY, scope=scope)
    assert province_row.subtree_overdue == 1 and province_row.colour != "none"
    commune_row = GreeningSnapshot.objects.get(unit=commune, on_date=TODAY, scope=scope)
    assert (commune_row.n_counted, commune_row.n_green) == (2, 1)

    client.force_login(central_viewer)
    html = client.get("/dashboard/national/", {"plan": central.pk, "group": top.pk}).content.decode()
    rate = re.search(rf'id="unit-{nghe_an.pk}" data-rate="([^"]*)"', html).group(1)
    assert rate not in ("", "None")
    # The province's board lists the overdue task among its bottlenecks under the central group.
    html = client.get(
        reverse("dashboard_province", args=[nghe_an.pk]), {"plan": central.pk, "group": top.pk}
    ).content.decode()
    assert "G-1" in html
    why = explain_unit_colour(unit=commune, scope=scope)
    assert [r.code for r in why.tasks] == [overdue.code]
    client.force_login(xa_officer)
    page = client.get(reverse("my_tasks"), {"group": top.pk}).content.decode()
    assert "G-1" in page and "G-2" in page and "G-3" not in page
    # A commune's officer can pick the central group, which its tasks carry out.
    assert f'<option value="{top.pk}"' in page


def test_the_admin_shows_and_checks_the_link(client, admin_user, plans, groups):
    _central, province, _local = plans
    top, middle, bottom = groups
    client.force_login(admin_user)
    page = client.get(reverse("admin:tasks_app_plan_change", args=[province.pk])).content.decode()
    assert 'name="task_groups-0-implements"' in page
    answer = client.post(
        reverse("admin:tasks_app_taskgroup_change", args=[middle.pk]),
        {"plan": province.pk, "number": 2, "name": middle.name, "implements": bottom.pk},
    )
    assert answer.status_code == 200 and "implements" in answer.context["adminform"].form.errors
    middle.refresh_from_db()
    assert middle.implements == top
