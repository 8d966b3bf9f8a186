"""A province officer withdraws a commune's copy (thu hồi) with a reason: it leaves the
commune's list and the greening figures, nothing is deleted, and the commune sees why."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks_app.actions.greening import greening_recompute
from tasks_app.actions.tasks import task_assign, task_change
from tasks_app.clock import local_today
from tasks_app.greening.counting import STATES, count_states, task_source
from tasks_app.greening.rollup import UnitNode, roll_up, scope_counts
from tasks_app.greening.rules import Rules
from tasks_app.models import (
    STATE_COUNT_FIELDS,
    SUBTREE_COUNT_FIELDS,
    GreeningBacklog,
    GreeningPolicy,
    GreeningSnapshot,
    Membership,
    Role,
    Task,
    TaskStatus,
    TaskUpdate,
    Unit,
    UpdateKind,
    User,
)

pytestmark = pytest.mark.django_db
TODAY = local_today()


@pytest.fixture
def parent(plan, nghe_an, commune, other_commune, tinh_officer):
    task = Task(
        plan=plan,
        code="NV-400",
        title="Số hóa hồ sơ đất đai",
        lead_unit=nghe_an,
        responsible_name="Trần Văn Cường",
        approving_authority="UBND tỉnh Nghệ An",
        start_date=TODAY - datetime.timedelta(days=60),
        deadline=TODAY - datetime.timedelta(days=1),  # overdue: the copies are red
        expected_product="Hồ sơ số",
    )
    task, _children = task_assign(
        task=task,
        communes=[commune, other_commune],
        author=tinh_officer,
        responsible_position="Chủ tịch UBND",
    )
    return task


@pytest.fixture
def copy(parent, commune):
    return parent.children.get(lead_unit=commune)


def withdraw(client, task, **data):
    return client.post(reverse("task_withdraw", args=[task.pk]), {"version": task.version, **data})


def test_the_withdraw_page_is_a_plain_form(client, tinh_officer, copy):
    client.force_login(tinh_officer)
    page = client.get(reverse("task_withdraw", args=[copy.pk])).content.decode()
    assert "Thu hồi nhiệm vụ" in page and "csrfmiddlewaretoken" in page
    assert f'action="{reverse("task_withdraw", args=[copy.pk])}"' in page and 'method="post"' in page


def test_a_reason_is_required(client, tinh_officer, copy):
    client.force_login(tinh_officer)
    response = withdraw(client, copy, reason="   ")
    assert response.status_code == 422
    assert "Hãy ghi lý do thu hồi nhiệm vụ." in response.content.decode()
    assert Task.objects.get(pk=copy.pk).status == TaskStatus.NOT_STARTED


def test_it_withdraws_and_records_who_when_why(client, tinh_officer, copy, parent):
    client.force_login(tinh_officer)
    response = withdraw(client, copy, reason="Giao nhầm xã")
    assert response.status_code == 302
    assert response["Location"] == reverse("task_detail", args=[parent.pk])
    copy.refresh_from_db()
    assert (copy.status, copy.version) == (TaskStatus.WITHDRAWN, 2)
    update = copy.updates.get(version=2)
    assert (update.kind, update.author, update.note) == (UpdateKind.WITHDRAWN, tinh_officer, "Giao nhầm xã")
    assert (update.status_before, update.status_after) == (TaskStatus.NOT_STARTED, TaskStatus.WITHDRAWN)
    assert copy.updates.count() == 2  # nothing deleted
    # The parent's page counts only the copies still assigned and links to the withdrawn one.
    page = client.get(reverse("task_detail", args=[parent.pk])).content.decode()
    assert "1 bản giao cho xã đã bị thu hồi" in page


def test_the_commune_no_longer_lists_it_but_can_read_why(client, tinh_officer, xa_officer, copy):
    client.force_login(tinh_officer)
    withdraw(client, copy, reason="Giao nhầm xã")
    client.force_login(xa_officer)
    listing = client.get(reverse("my_tasks")).content.decode()
    assert reverse("task_detail", args=[copy.pk]) not in listing
    assert "1 nhiệm vụ đã bị thu hồi khỏi đơn vị của bạn" in listing
    withdrawn = client.get(reverse("my_tasks"), {"status": "withdrawn"}).content.decode()
    assert reverse("task_detail", args=[copy.pk]) in withdrawn
    page = client.get(reverse("task_detail", args=[copy.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Đã bị đơn vị giao thu hồi" in text and "Giao nhầm xã" in text
    assert 'id="update-form"' not in text  # nothing left to report on
    # A forged update is refused: the copy is read-only now.
    response = client.post(
        reverse("task_update", args=[copy.pk]),
        {
            "version": 2,
            "submission_key": "5b0f0a8e-8f57-4a57-9c8e-1d2f3a4b5c6d",
            "status": "in_progress",
            "progress": 10,
            "note": "x",
        },
    )
    assert response.status_code == 403


def test_a_withdrawn_copy_leaves_the_greening_counts(
    client, tinh_officer, copy, commune, nghe_an, django_capture_on_commit_callbacks
):
    greening_recompute()
    before = GreeningSnapshot.objects.get(unit=commune, scope="all", on_date=TODAY)
    assert before.n_overdue == 1 and before.colour == "red"
    GreeningBacklog.objects.all().delete()
    client.force_login(tinh_officer)
    with django_capture_on_commit_callbacks():
        withdraw(client, copy, reason="Giao nhầm xã")
    assert list(GreeningBacklog.objects.values_list("unit_id", flat=True)) == [commune.pk]
    greening_recompute(unit_ids=[commune.pk])
    after = GreeningSnapshot.objects.get(unit=commune, scope="all", on_date=TODAY)
    # Not even among the tasks not counted: as if it had never been assigned.
    assert (after.n_overdue, after.n_cancelled, after.n_counted, after.colour) == (0, 0, 0, "none")
    province = GreeningSnapshot.objects.get(unit=nghe_an, scope="all", on_date=TODAY)
    assert province.subtree_overdue == 2  # the province's own task and the other copy


def test_the_recompute_and_the_reference_agree_and_leave_withdrawn_tasks_out(copy, commune):
    """The SQL recompute and the Python reference roll-up agree, and neither holds the
    withdrawn copy in any count."""
    withdrawn = Task.objects.get(pk=copy.pk)
    withdrawn.status = TaskStatus.WITHDRAWN
    task_change(task=withdrawn, expected_version=1, author=None, note="Thu hồi")
    greening_recompute()
    rules = Rules.from_policy(GreeningPolicy.objects.get())
    own = count_states(task_source(on=TODAY, today=TODAY), on=TODAY, rules=rules)
    assert not any(unit == commune.pk for unit, _plan, _group in own)
    nodes = [
        UnitNode(*row) for row in Unit.objects.filter(is_active=True).values_list("id", "parent_id", "kind")
    ]
    expected = roll_up(units=nodes, own=scope_counts(own), rules=rules)
    for unit in (commune, commune.province):
        stored = GreeningSnapshot.objects.get(unit=unit, scope="all", on_date=TODAY)
        figures = expected[(unit.pk, "all")]
        assert tuple(getattr(stored, STATE_COUNT_FIELDS[state]) for state in STATES) == figures.counts[:-1]
        assert tuple(getattr(stored, SUBTREE_COUNT_FIELDS[state]) for state in STATES) == figures.subtree
        assert (stored.rate, stored.colour) == (figures.rate, figures.colour)
    assert sum(expected[(commune.province_id, "all")].subtree) == 2


def test_a_past_date_counts_the_copy_as_it_was_before_the_withdrawal(make_task, commune):
    """The as-of source reads each task's last update by the end of a day: before the
    withdrawal the copy is counted, from its day on it is not."""
    task = make_task(
        status=TaskStatus.IN_PROGRESS, progress=40, deadline=TODAY + datetime.timedelta(days=100)
    )
    three_days_ago = timezone.now() - datetime.timedelta(days=3)
    TaskUpdate.objects.create(
        task=task,
        created_at=three_days_ago,
        kind=UpdateKind.CREATED,
        version=1,
        status_after=TaskStatus.IN_PROGRESS,
        progress_after=40,
    )
    task.status = TaskStatus.WITHDRAWN
    task_change(task=task, expected_version=1, author=None, note="Thu hồi")
    rules = Rules()

    def counted(on):
        own = count_states(task_source(on=on, today=TODAY), on=on, rules=rules)
        return sum(sum(n[:-1]) for (unit, _p, _g), n in own.items() if unit == commune.pk)

    assert counted(TODAY - datetime.timedelta(days=1)) == 1
    assert counted(TODAY) == 0


def test_a_completed_copy_cannot_be_withdrawn(client, tinh_officer, copy):
    done = Task.objects.get(pk=copy.pk)
    done.status, done.progress = TaskStatus.COMPLETED, 100
    task_change(task=done, expected_version=1, author=None, note="Xong")
    client.force_login(tinh_officer)
    response = withdraw(client, Task.objects.get(pk=copy.pk), reason="Nhầm")
    assert response.status_code == 409
    assert "không thể thu hồi" in response.content.decode()
    assert Task.objects.get(pk=copy.pk).status == TaskStatus.COMPLETED


def test_a_stale_withdrawal_keeps_the_reason(client, tinh_officer, xa_officer, copy):
    moved = Task.objects.get(pk=copy.pk)
    moved.status, moved.progress = TaskStatus.IN_PROGRESS, 10
    task_change(task=moved, expected_version=1, author=xa_officer, note="Xã đã bắt đầu")
    client.force_login(tinh_officer)
    response = withdraw(client, copy, reason="Giao nhầm xã")  # version 1, now 2
    assert response.status_code == 409
    page = response.content.decode()
    assert "Xã đã bắt đầu" in page and "Giao nhầm xã" in page and 'name="version" value="2"' in page
    assert Task.objects.get(pk=copy.pk).status == TaskStatus.IN_PROGRESS


def test_the_province_task_itself_is_not_withdrawn(client, tinh_officer, parent):
    client.force_login(tinh_officer)
    assert withdraw(client, parent, reason="x").status_code == 403


@pytest.mark.parametrize("persona", ["xa_officer", "xa_leader", "tinh_leader"])
def test_commune_roles_and_the_province_leader_get_403(client, persona, request, copy):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("task_withdraw", args=[copy.pk])).status_code == 403
    assert withdraw(client, copy, reason="x").status_code == 403
    assert Task.objects.get(pk=copy.pk).status == TaskStatus.NOT_STARTED


def test_another_province_and_neighbours_get_404(client, copy, far_commune, neighbour_officer):
    officer = User.objects.create_user("far_tinh", password="x")
    Membership.objects.create(user=officer, unit=far_commune.province, role=Role.PROVINCE_OFFICER)
    for user in (officer, neighbour_officer):
        client.force_login(user)
        assert client.get(reverse("task_withdraw", args=[copy.pk])).status_code == 404
        assert withdraw(client, copy, reason="x").status_code == 404
    assert Task.objects.get(pk=copy.pk).status == TaskStatus.NOT_STARTED


@pytest.mark.parametrize("persona", ["xa_officer", "tinh_officer"])
def test_withdrawing_is_not_a_status_the_update_form_offers(client, persona, request, copy, parent):
    """Only the assigning unit withdraws, with its reason, through its own page: the
    progress form neither offers nor accepts the status."""
    task = copy if persona == "xa_officer" else parent
    client.force_login(request.getfixturevalue(persona))
    page = client.get(reverse("task_detail", args=[task.pk])).content.decode()
    assert 'value="withdrawn"' not in page
    response = client.post(
        reverse("task_update", args=[task.pk]),
        {
            "version": task.version,
            "submission_key": "5b0f0a8e-8f57-4a57-9c8e-1d2f3a4b5c6d",
            "status": TaskStatus.WITHDRAWN,
            "progress": 0,
            "note": "Tự thu hồi",
        },
    )
    assert response.status_code == 422
    assert Task.objects.get(pk=task.pk).status == TaskStatus.NOT_STARTED
