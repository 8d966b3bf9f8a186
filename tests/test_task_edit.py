"""A province officer corrects a task's "6 rõ" on /tasks/<id>/edit/: the version check,
the history naming each change, and the shared fields carried to the communes' copies."""

import datetime

import pytest
from django.urls import reverse

from tasks_app.actions.tasks import task_assign, task_change
from tasks_app.models import GreeningBacklog, Task, TaskStatus, Unit, UnitKind, UpdateKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def province_task(plan, nghe_an, commune, other_commune, tinh_officer):
    parent = Task(
        plan=plan,
        code="NV-300",
        title="Triển khai chữ ký số",
        lead_unit=nghe_an,
        responsible_name="Trần Văn Cường",
        approving_authority="UBND tỉnh Nghệ An",
        start_date=datetime.date(2026, 2, 1),
        deadline=datetime.date(2026, 9, 30),
        expected_product="Chữ ký số cho 100% cán bộ",
    )
    parent, _children = task_assign(
        task=parent,
        communes=[commune, other_commune],
        author=tinh_officer,
        responsible_position="Chủ tịch UBND",
    )
    return parent


def form_data(task: Task, **overrides) -> dict:
    data = {
        "version": task.version,
        "title": task.title,
        "description": task.description,
        "task_group": task.task_group_id or "",
        "phase": task.phase_id or "",
        "coordinating_units": [u.pk for u in task.coordinating_units.all()],
        "responsible_name": task.responsible_name,
        "responsible_position": task.responsible_position,
        "approving_authority": task.approving_authority,
        "start_date": task.start_date.isoformat(),
        "deadline": task.deadline.isoformat(),
        "expected_product": task.expected_product,
        "is_key": "on" if task.is_key else "",
        "note": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v != "" or k in ("description", "note")}


def post_edit(client, task, **overrides):
    return client.post(reverse("task_edit", args=[task.pk]), form_data(task, **overrides))


def test_the_edit_page_is_a_plain_form(client, tinh_officer, province_task):
    client.force_login(tinh_officer)
    response = client.get(reverse("task_edit", args=[province_task.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Sửa nhiệm vụ" in page
    assert f'action="{reverse("task_edit", args=[province_task.pk])}"' in page and 'method="post"' in page
    assert "csrfmiddlewaretoken" in page
    assert f'name="version" value="{province_task.version}"' in page


def test_it_saves_and_records_each_change_with_dates_as_on_the_page(
    client, tinh_officer, province_task, commune
):
    client.force_login(tinh_officer)
    response = post_edit(
        client,
        province_task,
        title="Triển khai chữ ký số cho cán bộ",
        deadline="31/10/2026",
        coordinating_units=[commune.pk],
        note="Theo Công văn 12/UBND",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("task_detail", args=[province_task.pk])
    province_task.refresh_from_db()
    assert (province_task.title, province_task.deadline, province_task.version) == (
        "Triển khai chữ ký số cho cán bộ",
        datetime.date(2026, 10, 31),
        2,
    )
    update = province_task.updates.get(version=2)
    assert (update.kind, update.author, update.note) == (
        UpdateKind.EDITED,
        tinh_officer,
        "Theo Công văn 12/UBND",
    )
    assert update.changes["title"] == ["Triển khai chữ ký số", "Triển khai chữ ký số cho cán bộ"]
    assert update.changes["deadline"] == ["2026-09-30", "2026-10-31"]
    assert update.changes["coordinating_units"] == [[], [str(commune)]]
    page = client.get(reverse("task_detail", args=[province_task.pk])).content.decode()
    assert "Thời hạn: 30/09/2026 → 31/10/2026" in page


def test_shared_fields_follow_to_open_copies_that_still_had_the_old_value(
    client, tinh_officer, province_task, commune, other_commune, django_capture_on_commit_callbacks
):
    copy_a = province_task.children.get(lead_unit=commune)
    copy_b = province_task.children.get(lead_unit=other_commune)
    # One commune was given a deadline of its own; the other has completed its copy.
    task_change(
        task=_with(copy_a, deadline=datetime.date(2026, 12, 31)),
        expected_version=1,
        author=tinh_officer,
        note="Gia hạn riêng",
    )
    third = Unit.objects.filter(parent=province_task.lead_unit, kind=UnitKind.COMMUNE).exclude(
        pk__in=[commune.pk, other_commune.pk]
    )[0]
    from tasks_app.actions.tasks import task_cascade

    (copy_c,) = task_cascade(
        parent=province_task, communes=[third], author=tinh_officer, responsible_position="CT"
    )
    task_change(
        task=_with(copy_b, status=TaskStatus.COMPLETED, progress=100),
        expected_version=1,
        author=None,
        note="Xong",
    )
    GreeningBacklog.objects.all().delete()
    client.force_login(tinh_officer)
    with django_capture_on_commit_callbacks():
        response = post_edit(
            client, province_task, title="Tiêu đề mới", deadline="2026-11-15", note="Điều chỉnh"
        )
    assert response.status_code == 302

    copy_a.refresh_from_db()
    copy_b.refresh_from_db()
    copy_c.refresh_from_db()
    assert (copy_a.title, copy_a.deadline) == (
        "Tiêu đề mới",
        datetime.date(2026, 12, 31),
    )  # its own date stays
    assert (copy_b.title, copy_b.deadline) == (
        "Triển khai chữ ký số",
        datetime.date(2026, 9, 30),
    )  # completed
    assert (copy_c.title, copy_c.deadline) == ("Tiêu đề mới", datetime.date(2026, 11, 15))
    followed = copy_c.updates.get(version=copy_c.version)
    assert (followed.kind, followed.author) == (UpdateKind.PARENT_EDITED, tinh_officer)
    assert followed.changes == {
        "title": ["Triển khai chữ ký số", "Tiêu đề mới"],
        "deadline": ["2026-09-30", "2026-11-15"],
    }
    assert followed.note == "NV-300: Điều chỉnh"
    assert copy_a.updates.get(version=copy_a.version).changes == {
        "title": ["Triển khai chữ ký số", "Tiêu đề mới"]
    }
    assert copy_b.updates.count() == 2  # created, completed: nothing more
    # The copies' communes and the province get their figures refreshed.
    stale = set(GreeningBacklog.objects.values_list("unit_id", flat=True))
    assert {province_task.lead_unit_id, copy_a.lead_unit_id, copy_c.lead_unit_id} <= stale
    assert copy_b.lead_unit_id not in stale


def test_a_stale_edit_gets_a_conflict_and_keeps_the_input(client, tinh_officer, province_task):
    task_change(
        task=_with(province_task, progress=20, status=TaskStatus.IN_PROGRESS),
        expected_version=1,
        author=tinh_officer,
        note="Đã bắt đầu",
    )
    client.force_login(tinh_officer)
    response = post_edit(
        client, province_task, version=1, title="Tiêu đề tôi đang sửa", deadline="2026-10-01"
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Người khác đã cập nhật nhiệm vụ này sau khi bạn mở" in page
    assert "Đã bắt đầu" in page
    assert "Tiêu đề tôi đang sửa" in page and 'value="2026-10-01"' in page
    assert 'name="version" value="2"' in page
    province_task.refresh_from_db()
    assert (province_task.title, province_task.version) == ("Triển khai chữ ký số", 2)
    # Saving again from the conflict page, on the current version, goes through.
    response = post_edit(
        client, province_task, version=2, title="Tiêu đề tôi đang sửa", deadline="2026-10-01"
    )
    assert response.status_code == 302
    assert Task.objects.get(pk=province_task.pk).title == "Tiêu đề tôi đang sửa"


def test_bad_input_is_refused_in_vietnamese_and_nothing_is_saved(client, tinh_officer, province_task):
    client.force_login(tinh_officer)
    response = post_edit(client, province_task, deadline="2026-01-01", title="  ")
    assert response.status_code == 422
    page = response.content.decode()
    assert "Thời hạn không được trước ngày bắt đầu." in page
    assert Task.objects.get(pk=province_task.pk).version == 1


def test_nothing_changed_records_nothing(client, tinh_officer, province_task):
    client.force_login(tinh_officer)
    assert post_edit(client, province_task).status_code == 302
    assert province_task.updates.count() == 1


def test_a_copy_can_be_given_its_own_deadline(client, tinh_officer, province_task, commune):
    copy = province_task.children.get(lead_unit=commune)
    client.force_login(tinh_officer)
    assert post_edit(client, copy, deadline="2026-12-15", note="Gia hạn cho xã").status_code == 302
    copy.refresh_from_db()
    assert copy.deadline == datetime.date(2026, 12, 15)
    assert Task.objects.get(pk=province_task.pk).deadline == datetime.date(2026, 9, 30)


def test_a_commune_officer_gets_403(client, xa_officer, province_task, commune):
    copy = province_task.children.get(lead_unit=commune)
    client.force_login(xa_officer)
    assert client.get(reverse("task_edit", args=[copy.pk])).status_code == 403
    assert post_edit(client, copy, title="Sửa trái phép").status_code == 403
    assert Task.objects.get(pk=copy.pk).version == 1


def test_another_province_gets_404(client, province_task, far_commune):
    from tasks_app.models import Membership, Role, User

    officer = User.objects.create_user("far_tinh", password="x")
    Membership.objects.create(user=officer, unit=far_commune.province, role=Role.PROVINCE_OFFICER)
    client.force_login(officer)
    assert client.get(reverse("task_edit", args=[province_task.pk])).status_code == 404
    assert post_edit(client, province_task, title="Sửa trái phép").status_code == 404
    assert Task.objects.get(pk=province_task.pk).version == 1


def test_the_task_page_offers_edit_only_to_who_may(client, tinh_officer, tinh_leader, province_task):
    url = reverse("task_edit", args=[province_task.pk])
    client.force_login(tinh_officer)
    assert url in client.get(reverse("task_detail", args=[province_task.pk])).content.decode()
    client.force_login(tinh_leader)
    assert url not in client.get(reverse("task_detail", args=[province_task.pk])).content.decode()


def _with(task: Task, **fields) -> Task:
    fresh = Task.objects.get(pk=task.pk)
    for name, value in fields.items():
        setattr(fresh, name, value)
    return fresh
