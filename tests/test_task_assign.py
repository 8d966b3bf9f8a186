"""A province officer creates a task and assigns it down to communes in one action; the
parent task's page shows the children's roll-up."""

import datetime
import re

import pytest
from django.urls import reverse

from tasks_app.clock import local_today
from tasks_app.models import GreeningBacklog, Task, TaskStatus, TaskUpdate, Unit, UnitKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def province_client(client, tinh_officer):
    client.force_login(tinh_officer)
    return client


def form_data(plan, **overrides):
    data = {
        "plan": plan.pk,
        "code": "NV-200",
        "title": "Triển khai nền tảng họp không giấy tờ",
        "description": "",
        "responsible_name": "Trần Văn Cường",
        "responsible_position": "Chủ tịch UBND tỉnh",
        "approving_authority": "Ban Chỉ đạo tỉnh Nghệ An",
        "start_date": "2026-02-01",
        "deadline": "30/09/2026",
        "expected_product": "100% xã họp trên nền tảng",
        "cascade": "all",
        "commune_responsible": "Chủ tịch UBND",
    }
    data.update(overrides)
    return data


def test_create_and_cascade_to_all_communes(province_client, plan, nghe_an, tinh_officer):
    communes = Unit.objects.filter(parent=nghe_an, kind=UnitKind.COMMUNE, is_active=True)
    response = province_client.post(reverse("task_new"), form_data(plan))
    assert response.status_code == 302
    parent = Task.objects.get(code="NV-200")
    assert response["Location"] == reverse("task_detail", args=[parent.pk])
    assert (parent.lead_unit, parent.created_by, parent.deadline) == (
        nghe_an,
        tinh_officer,
        datetime.date(2026, 9, 30),
    )
    children = parent.children.all()
    assert children.count() == communes.count() > 100
    child = children.select_related("lead_unit").get(lead_unit=communes.first())
    assert child.code == f"NV-200/{child.lead_unit.code}"
    assert (child.title, child.deadline, child.plan_id, child.status) == (
        parent.title,
        parent.deadline,
        plan.pk,
        TaskStatus.NOT_STARTED,
    )
    assert child.responsible_name == f"Chủ tịch UBND {child.lead_unit.name}"
    assert TaskUpdate.objects.filter(task__parent=parent, author=tinh_officer).count() == children.count()
    assert GreeningBacklog.objects.filter(unit=child.lead_unit).exists()


def test_cascade_to_selected_communes(province_client, plan, commune, other_commune):
    data = form_data(plan, cascade="selected", communes=[commune.pk, other_commune.pk])
    assert province_client.post(reverse("task_new"), data).status_code == 302
    parent = Task.objects.get(code="NV-200")
    assert set(parent.children.values_list("lead_unit", flat=True)) == {commune.pk, other_commune.pk}


def test_selected_with_no_commune_is_an_error_and_saves_nothing(province_client, plan):
    response = province_client.post(reverse("task_new"), form_data(plan, cascade="selected"))
    assert response.status_code == 422
    assert not Task.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"deadline": "01/01/2026"},  # before the start
        {"deadline": "31/02/2026"},
        {"responsible_name": ""},
        {"expected_product": ""},
        {"communes": [999999], "cascade": "selected"},
    ],
)
def test_bad_input_is_refused_with_nothing_saved(province_client, plan, overrides):
    response = province_client.post(reverse("task_new"), form_data(plan, **overrides))
    assert response.status_code == 422
    assert not Task.objects.exists()


def test_a_used_code_is_refused(province_client, plan, make_task, nghe_an):
    make_task(code="NV-200", lead_unit=nghe_an)
    response = province_client.post(reverse("task_new"), form_data(plan))
    assert response.status_code == 422
    assert Task.objects.count() == 1


def test_only_a_province_officer_may_create(client, xa_officer, tinh_leader, plan):
    for user in (xa_officer, tinh_leader):
        client.force_login(user)
        assert client.get(reverse("task_new")).status_code == 403
        assert client.post(reverse("task_new"), form_data(plan)).status_code == 403
    assert not Task.objects.exists()


def test_plans_of_another_province_cannot_be_used(province_client, far_commune):
    from tasks_app.models import Plan

    other_plan = Plan.objects.create(
        issuing_unit=far_commune.province, code="9/KH", title="Khác", issue_date=datetime.date(2026, 1, 1)
    )
    response = province_client.post(reverse("task_new"), form_data(other_plan))
    assert response.status_code == 422
    assert not Task.objects.exists()


def test_cascading_an_existing_task_skips_communes_that_have_it(province_client, make_task, nghe_an, commune):
    parent = make_task(code="NV-7", lead_unit=nghe_an)
    make_task(code="NV-7/old", lead_unit=commune, parent=parent)
    page = province_client.get(reverse("task_cascade", args=[parent.pk])).content.decode()
    assert f'value="{commune.pk}"' not in page
    response = province_client.post(
        reverse("task_cascade", args=[parent.pk]), {"cascade": "all", "commune_responsible": "Chủ tịch UBND"}
    )
    assert response.status_code == 302
    communes = Unit.objects.filter(parent=nghe_an, kind=UnitKind.COMMUNE, is_active=True).count()
    assert parent.children.count() == communes
    assert parent.children.filter(lead_unit=commune).count() == 1


def test_only_the_provinces_officer_cascades(client, make_task, nghe_an, xa_officer, outsider):
    parent = make_task(code="NV-8", lead_unit=nghe_an)
    client.force_login(xa_officer)
    assert client.post(reverse("task_cascade", args=[parent.pk]), {"cascade": "all"}).status_code == 404
    client.force_login(outsider)
    assert client.get(reverse("task_cascade", args=[parent.pk])).status_code == 404
    assert not parent.children.exists()


def test_parent_page_shows_the_childrens_rollup(province_client, make_task, nghe_an):
    today = local_today()
    parent = make_task(code="NV-9", lead_unit=nghe_an)
    communes = list(Unit.objects.filter(parent=nghe_an, kind=UnitKind.COMMUNE).order_by("code")[:4])
    late = {"start_date": today - datetime.timedelta(days=60), "deadline": today - datetime.timedelta(days=1)}
    make_task(
        code="c1",
        lead_unit=communes[0],
        parent=parent,
        status=TaskStatus.COMPLETED,
        progress=100,
        completed_on=today,
        start_date=today - datetime.timedelta(days=60),
        deadline=today,
    )
    make_task(code="c2", lead_unit=communes[1], parent=parent, progress=20, **late)
    make_task(code="c3", lead_unit=communes[2], parent=parent, progress=40, **late)
    make_task(
        code="c4",
        lead_unit=communes[3],
        parent=parent,
        progress=80,
        start_date=today - datetime.timedelta(days=10),
        deadline=today + datetime.timedelta(days=60),
    )
    page = province_client.get(reverse("task_detail", args=[parent.pk])).content.decode()
    rollup = page[page.index('class="rollup"') : page.index("</dl>", page.index('class="rollup"'))]
    assert "<dd>4</dd>" in rollup  # communes
    assert "<dd>1 (25%)</dd>" in rollup  # completed
    assert "<dd>60%</dd>" in rollup  # average progress (100+20+40+80)/4
    by_icon = dict(re.findall(r'aria-hidden="true">(.)</span> [^<]+</dt><dd>(\d+)</dd>', rollup))
    assert by_icon == {"✕": "2", "!": "0", "✓": "2"}  # two overdue children are red
    assert page.index(communes[1].name) < page.index(communes[0].name)  # red before green


def test_the_communes_copies_list_with_filters_and_scope(
    province_client, client, make_task, nghe_an, outsider
):
    parent = make_task(code="NV-10", lead_unit=nghe_an, title="Nhiệm vụ cha")
    communes = list(Unit.objects.filter(parent=nghe_an, kind=UnitKind.COMMUNE).order_by("code")[:35])
    for n, unit in enumerate(communes):
        make_task(code=f"NV-10/{unit.code}", lead_unit=unit, parent=parent, progress=n)
    page = province_client.get(reverse("task_detail", args=[parent.pk])).content.decode()
    assert page.count('class="badge') >= 30 and f"?parent={parent.pk}" in page
    listing = province_client.get(reverse("my_tasks"), {"parent": parent.pk}).content.decode()
    assert "Nhiệm vụ cha" in listing and "35 nhiệm vụ" in listing
    client.force_login(outsider)
    foreign = client.get(reverse("my_tasks"), {"parent": parent.pk}).content.decode()
    assert "Nhiệm vụ cha" not in foreign and "0 nhiệm vụ" in foreign


def test_a_deadline_outside_the_chosen_phase_is_refused(province_client, plan):
    from tasks_app.models import PlanPhase

    first_half = PlanPhase.objects.create(
        plan=plan,
        name="6 tháng đầu năm 2026",
        sort_order=1,
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2026, 6, 30),
    )
    response = province_client.post(reverse("task_new"), form_data(plan, phase=first_half.pk))
    assert response.status_code == 422
    assert "Thời hạn 30/09/2026 nằm ngoài giai đoạn “6 tháng đầu năm 2026” (01/01/2026 – 30/06/2026)." in (
        response.content.decode()
    )
    assert not Task.objects.exists()
    ok = province_client.post(
        reverse("task_new"), form_data(plan, phase=first_half.pk, deadline="30/06/2026")
    )
    assert ok.status_code == 302


def test_a_copy_names_the_position_once_until_a_person_is_named(province_client, plan, nghe_an):
    province_client.post(reverse("task_new"), form_data(plan))
    child = Task.objects.filter(parent__code="NV-200").first()
    assert child.responsible_display == f"Chủ tịch UBND {child.lead_unit.name}"
    child.responsible_name = "Nguyễn Văn An"
    assert child.responsible_display == f"Nguyễn Văn An (Chủ tịch UBND {child.lead_unit.name})"
