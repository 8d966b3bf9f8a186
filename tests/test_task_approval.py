"""A task awaiting approval ("Chờ phê duyệt") is approved (→ completed) or returned
(→ in progress, with a reason) by its approving authority; the officer sees the decision,
and approvers find what awaits them."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks_app.actions.lifecycle import task_approve
from tasks_app.actions.tasks import task_change
from tasks_app.clock import LOCAL_TZ, local_today
from tasks_app.models import GreeningBacklog, Task, TaskStatus, TaskUpdate, UpdateKind

pytestmark = pytest.mark.django_db
TODAY = local_today()


@pytest.fixture
def parent(make_task, nghe_an):
    return make_task(lead_unit=nghe_an, code="NV-500")


@pytest.fixture
def awaiting(make_task, parent, xa_officer):
    """A commune's copy its officer reported done and put up for approval."""
    task = make_task(code="NV-500/x", parent=parent, deadline=TODAY + datetime.timedelta(days=30))
    task.status, task.progress = TaskStatus.AWAITING_APPROVAL, 100
    task_change(task=task, expected_version=1, author=xa_officer, note="Đã xong, đề nghị phê duyệt")
    return Task.objects.get(pk=task.pk)


def decide(client, task, decision, note="", version=None):
    return client.post(
        reverse("task_decide", args=[task.pk]),
        {"version": version or task.version, "decision": decision, "note": note},
    )


def test_the_approver_sees_a_plain_approval_form(client, tinh_leader, awaiting):
    client.force_login(tinh_leader)
    page = client.get(reverse("task_detail", args=[awaiting.pk])).content.decode()
    assert f'action="{reverse("task_decide", args=[awaiting.pk])}"' in page
    assert 'name="decision" value="approve"' in page and 'name="decision" value="return"' in page
    assert "Phê duyệt hoàn thành" in page


def test_the_lead_units_leader_approves_and_it_is_completed_on_the_day_it_was_submitted(
    client, xa_leader, xa_officer, awaiting, django_capture_on_commit_callbacks
):
    GreeningBacklog.objects.all().delete()
    client.force_login(xa_leader)
    with django_capture_on_commit_callbacks():
        response = decide(client, awaiting, "approve", note="Đạt yêu cầu")
    assert response.status_code == 302
    awaiting.refresh_from_db()
    submitted = awaiting.updates.get(version=2).created_at.astimezone(LOCAL_TZ).date()
    assert (awaiting.status, awaiting.progress, awaiting.completed_on, awaiting.version) == (
        TaskStatus.COMPLETED,
        100,
        submitted,
        3,
    )
    update = awaiting.updates.get(version=3)
    assert (update.kind, update.author, update.note) == (UpdateKind.APPROVED, xa_leader, "Đạt yêu cầu")
    assert (update.status_before, update.status_after) == (TaskStatus.AWAITING_APPROVAL, TaskStatus.COMPLETED)
    assert list(GreeningBacklog.objects.values_list("unit_id", flat=True)) == [awaiting.lead_unit_id]
    # The officer sees who approved it.
    client.force_login(xa_officer)
    page = client.get(reverse("task_detail", args=[awaiting.pk])).content.decode()
    assert "Đã phê duyệt hoàn thành" in page and "Đạt yêu cầu" in page


def test_a_late_approval_does_not_make_the_task_late(make_task, parent, tinh_leader):
    # Put up for approval ten days ago, before the deadline; approved today, after it.
    task = make_task(
        code="NV-500/y",
        parent=parent,
        status=TaskStatus.AWAITING_APPROVAL,
        progress=100,
        deadline=TODAY - datetime.timedelta(days=1),
        version=2,
    )
    submitted = timezone.now() - datetime.timedelta(days=10)
    for version, (before, after) in enumerate(
        [("", TaskStatus.IN_PROGRESS), (TaskStatus.IN_PROGRESS, TaskStatus.AWAITING_APPROVAL)], start=1
    ):
        TaskUpdate.objects.create(
            task=task,
            created_at=submitted - datetime.timedelta(days=2 - version),
            kind=UpdateKind.CREATED if version == 1 else UpdateKind.PROGRESS,
            version=version,
            status_before=before,
            status_after=after,
            progress_after=100,
        )
    task_approve(task=task, expected_version=2, author=tinh_leader)
    task.refresh_from_db()
    assert task.status == TaskStatus.COMPLETED
    assert task.completed_on == submitted.astimezone(LOCAL_TZ).date() < task.deadline


def test_the_assigning_units_leader_returns_it_with_a_reason(client, tinh_leader, xa_officer, awaiting):
    client.force_login(tinh_leader)
    response = decide(client, awaiting, "return", note="Thiếu biên bản nghiệm thu")
    assert response.status_code == 302
    awaiting.refresh_from_db()
    assert (awaiting.status, awaiting.progress, awaiting.completed_on) == (TaskStatus.IN_PROGRESS, 100, None)
    update = awaiting.updates.get(version=3)
    assert (update.kind, update.author, update.note) == (
        UpdateKind.RETURNED,
        tinh_leader,
        "Thiếu biên bản nghiệm thu",
    )
    # The officer's "My tasks" points it out, and the task page says why.
    client.force_login(xa_officer)
    listing = client.get(reverse("my_tasks")).content.decode()
    assert "1 nhiệm vụ bị trả lại hoặc mở lại để làm tiếp" in listing
    assert reverse("task_detail", args=[awaiting.pk]) in listing
    page = client.get(reverse("task_detail", args=[awaiting.pk])).content.decode()
    assert "Bị trả lại để làm tiếp" in page and "Thiếu biên bản nghiệm thu" in page
    # Once the officer reports again, it is no longer flagged as returned.
    fresh = Task.objects.get(pk=awaiting.pk)
    fresh.status = TaskStatus.AWAITING_APPROVAL
    task_change(task=fresh, expected_version=3, author=xa_officer, note="Đã bổ sung biên bản")
    assert "bị trả lại hoặc mở lại để làm tiếp" not in client.get(reverse("my_tasks")).content.decode()


def test_returning_needs_a_reason(client, tinh_leader, awaiting):
    client.force_login(tinh_leader)
    response = decide(client, awaiting, "return", note="  ")
    assert response.status_code == 422
    assert "Hãy ghi lý do trả lại để đơn vị biết cần làm gì." in response.content.decode()
    assert Task.objects.get(pk=awaiting.pk).status == TaskStatus.AWAITING_APPROVAL


def test_a_stale_decision_gets_a_conflict_and_keeps_the_comments(client, tinh_leader, xa_officer, awaiting):
    moved = Task.objects.get(pk=awaiting.pk)
    moved.status, moved.progress = TaskStatus.IN_PROGRESS, 90
    task_change(task=moved, expected_version=2, author=xa_officer, note="Rút lại để sửa")
    client.force_login(tinh_leader)
    response = decide(client, awaiting, "return", note="Nhận xét của tôi", version=2)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Rút lại để sửa" in page
    assert Task.objects.get(pk=awaiting.pk).version == 3


def test_a_task_no_longer_awaiting_is_not_decided(client, tinh_leader, awaiting):
    client.force_login(tinh_leader)
    assert decide(client, awaiting, "approve").status_code == 302
    response = decide(client, Task.objects.get(pk=awaiting.pk), "return", note="Muộn")
    assert response.status_code == 302
    assert Task.objects.get(pk=awaiting.pk).status == TaskStatus.COMPLETED
    assert awaiting.updates.count() == 2  # submitted, approved: the late return wrote nothing


@pytest.mark.parametrize("persona", ["xa_officer", "tinh_officer", "central_viewer"])
def test_officers_and_viewers_may_not_decide(client, persona, request, awaiting):
    client.force_login(request.getfixturevalue(persona))
    assert "task_decide" not in client.get(reverse("task_detail", args=[awaiting.pk])).content.decode()
    assert decide(client, awaiting, "approve").status_code == 403
    assert Task.objects.get(pk=awaiting.pk).status == TaskStatus.AWAITING_APPROVAL


@pytest.mark.parametrize("persona", ["outsider", "neighbour_officer"])
def test_outsiders_get_404(client, persona, request, awaiting):
    client.force_login(request.getfixturevalue(persona))
    assert decide(client, awaiting, "approve").status_code == 404


def test_the_officer_cannot_complete_a_task_awaiting_approval_themself(client, xa_officer, awaiting):
    client.force_login(xa_officer)
    response = client.post(
        reverse("task_update", args=[awaiting.pk]),
        {
            "version": awaiting.version,
            "submission_key": "5b0f0a8e-8f57-4a57-9c8e-1d2f3a4b5c6d",
            "status": TaskStatus.COMPLETED,
            "progress": 100,
            "note": "Tự hoàn thành",
        },
    )
    assert response.status_code == 422
    assert "Nhiệm vụ đang chờ phê duyệt" in response.content.decode()
    assert Task.objects.get(pk=awaiting.pk).status == TaskStatus.AWAITING_APPROVAL


def test_approvers_find_what_awaits_them(client, tinh_leader, xa_leader, xa_officer, awaiting, make_task):
    for user in (tinh_leader, xa_leader):
        client.force_login(user)
        listing = client.get(reverse("my_tasks")).content.decode()
        assert "1 nhiệm vụ chờ bạn phê duyệt" in listing
        assert reverse("task_detail", args=[awaiting.pk]) in listing
        page = client.get(reverse("task_approvals")).content.decode()
        assert awaiting.code in page
    client.force_login(xa_officer)
    assert "chờ bạn phê duyệt" not in client.get(reverse("my_tasks")).content.decode()
    assert awaiting.code not in client.get(reverse("task_approvals")).content.decode()
