"""Once a task is in the approval flow, the officer cannot bypass or undo the approving
authority's decision: a returned (or ever submitted, not yet approved) task is completed
only through approval again, and an approved completion is closed to status and progress
changes until its approving authority reopens it. Through the task page's real forms, as a
browser without JavaScript posts them."""

import datetime

import pytest
from django.urls import reverse

from tasks_app.actions.tasks import task_change
from tasks_app.clock import local_today
from tasks_app.models import Task, TaskStatus, UpdateKind
from tests.forms_html import parse_page

pytestmark = pytest.mark.django_db
TODAY = local_today()


@pytest.fixture
def parent(make_task, nghe_an):
    return make_task(lead_unit=nghe_an, code="NV-700")


@pytest.fixture
def awaiting(make_task, parent, xa_officer):
    task = make_task(code="NV-700/x", parent=parent, deadline=TODAY + datetime.timedelta(days=30))
    task.status, task.progress = TaskStatus.AWAITING_APPROVAL, 100
    task_change(task=task, expected_version=1, author=xa_officer, note="Đã xong, đề nghị phê duyệt")
    return Task.objects.get(pk=task.pk)


def page_form(client, task, action_name):
    html = client.get(reverse("task_detail", args=[task.pk])).content.decode()
    forms, _links = parse_page(html)
    action = reverse(action_name, args=[task.pk])
    return next(form for form in forms if form.action == action), html


def update_form(client, task):
    return page_form(client, task, "task_update")


def status_options(form):
    (select,) = form.named("status")
    return [value for value, _selected in select.options]


def post_form(client, form, **typed):
    return client.post(form.action, form.submission(**typed))


def decide(client, task, decision, note=""):
    form, _html = page_form(client, task, "task_decide")
    return client.post(form.action, {**form.submission(note=note), "decision": decision})


@pytest.fixture
def returned(client, awaiting, tinh_leader):
    client.force_login(tinh_leader)
    assert decide(client, awaiting, "return", note="Thiếu biên bản nghiệm thu").status_code == 302
    return Task.objects.get(pk=awaiting.pk)


@pytest.fixture
def approved(client, awaiting, xa_leader):
    client.force_login(xa_leader)
    assert decide(client, awaiting, "approve", note="Đạt").status_code == 302
    task = Task.objects.get(pk=awaiting.pk)
    assert task.status == TaskStatus.COMPLETED
    return task


# --- A returned task goes back through approval -------------------------------------------------


def test_a_returned_task_does_not_offer_completed_to_its_officer(client, returned, xa_officer):
    client.force_login(xa_officer)
    form, html = update_form(client, returned)
    options = status_options(form)
    assert TaskStatus.COMPLETED not in options
    assert TaskStatus.AWAITING_APPROVAL in options
    assert "chỉ hoàn thành khi được phê duyệt" in html


def test_completing_a_returned_task_anyway_is_refused_and_nothing_is_saved(client, returned, xa_officer):
    client.force_login(xa_officer)
    form, _html = update_form(client, returned)
    response = post_form(client, form, status=TaskStatus.COMPLETED, progress="100", note="Tự hoàn thành")
    assert response.status_code == 422
    assert "chỉ hoàn thành khi được phê duyệt" in response.content.decode()
    fresh = Task.objects.get(pk=returned.pk)
    assert (fresh.status, fresh.version) == (TaskStatus.IN_PROGRESS, returned.version)
    # The "returned" box is still there: the decision stands.
    assert "Bị trả lại để làm tiếp" in client.get(reverse("task_detail", args=[returned.pk])).content.decode()


def test_the_officer_resubmits_a_returned_task(client, returned, xa_officer):
    client.force_login(xa_officer)
    form, _html = update_form(client, returned)
    response = post_form(client, form, status=TaskStatus.AWAITING_APPROVAL, note="Đã bổ sung biên bản")
    assert response.status_code == 302
    assert Task.objects.get(pk=returned.pk).status == TaskStatus.AWAITING_APPROVAL


def test_a_task_the_officer_took_back_from_approval_is_not_completed_directly(client, awaiting, xa_officer):
    client.force_login(xa_officer)
    form, _html = update_form(client, awaiting)
    assert post_form(client, form, status=TaskStatus.IN_PROGRESS, note="Rút lại để sửa").status_code == 302
    taken_back = Task.objects.get(pk=awaiting.pk)
    form, _html = update_form(client, taken_back)
    assert TaskStatus.COMPLETED not in status_options(form)
    response = post_form(client, form, status=TaskStatus.COMPLETED, progress="100", note="Xong")
    assert response.status_code == 422
    assert Task.objects.get(pk=awaiting.pk).status == TaskStatus.IN_PROGRESS


def test_a_task_never_submitted_for_approval_may_be_completed_directly(client, make_task, xa_officer):
    task = make_task()
    client.force_login(xa_officer)
    form, _html = update_form(client, task)
    assert TaskStatus.COMPLETED in status_options(form)
    response = post_form(client, form, status=TaskStatus.COMPLETED, note="Đã xong")
    assert response.status_code == 302
    assert Task.objects.get(pk=task.pk).status == TaskStatus.COMPLETED


# --- An approved completion stays closed -------------------------------------------------------------


def test_an_approved_task_offers_its_officer_no_status_or_progress(client, approved, xa_officer):
    client.force_login(xa_officer)
    form, html = update_form(client, approved)
    assert not form.named("status") and not form.named("progress")
    assert "chỉ lãnh đạo phê duyệt mới mở lại được" in html


@pytest.mark.parametrize(
    "typed",
    [
        {"status": TaskStatus.NOT_STARTED, "progress": "0"},
        {"status": TaskStatus.IN_PROGRESS, "progress": "60"},
        {"progress": "0"},
    ],
)
def test_undoing_an_approval_is_refused_and_nothing_is_saved(client, approved, xa_officer, typed):
    client.force_login(xa_officer)
    form, _html = update_form(client, approved)
    response = post_form(client, form, note="Làm lại", **typed)
    assert response.status_code == 422
    assert "chỉ lãnh đạo phê duyệt mới mở lại được" in response.content.decode()
    fresh = Task.objects.get(pk=approved.pk)
    assert (fresh.status, fresh.progress, fresh.version) == (TaskStatus.COMPLETED, 100, approved.version)


def test_notes_and_files_are_still_added_to_an_approved_task(client, approved, xa_officer):
    client.force_login(xa_officer)
    form, _html = update_form(client, approved)
    assert post_form(client, form, note="Bổ sung ảnh nghiệm thu").status_code == 302
    fresh = Task.objects.get(pk=approved.pk)
    assert fresh.status == TaskStatus.COMPLETED
    assert fresh.updates.order_by("-version").first().kind == UpdateKind.NOTE


@pytest.mark.parametrize("persona", ["xa_leader", "tinh_leader"])
def test_the_approving_authority_reopens_an_approved_task_with_a_reason(
    client, approved, xa_officer, persona, request
):
    leader = request.getfixturevalue(persona)
    client.force_login(leader)
    assert decide(client, approved, "reopen", note="  ").status_code == 422
    assert Task.objects.get(pk=approved.pk).status == TaskStatus.COMPLETED
    response = decide(client, approved, "reopen", note="Sản phẩm chưa đạt khi kiểm tra lại")
    assert response.status_code == 302
    fresh = Task.objects.get(pk=approved.pk)
    assert (fresh.status, fresh.completed_on) == (TaskStatus.IN_PROGRESS, None)
    assert fresh.version == approved.version + 1
    update = fresh.updates.get(version=fresh.version)
    assert (update.kind, update.author, update.note) == (
        UpdateKind.REOPENED,
        leader,
        "Sản phẩm chưa đạt khi kiểm tra lại",
    )
    assert (update.status_before, update.status_after) == (TaskStatus.COMPLETED, TaskStatus.IN_PROGRESS)
    # The officer sees who reopened it and why, and completes it only through approval again.
    client.force_login(xa_officer)
    form, html = update_form(client, fresh)
    assert "Mở lại" in html and "Sản phẩm chưa đạt khi kiểm tra lại" in html
    assert TaskStatus.COMPLETED not in status_options(form)


@pytest.mark.parametrize("persona", ["xa_officer", "tinh_officer", "central_viewer"])
def test_only_the_approving_authority_may_reopen(client, approved, persona, request):
    client.force_login(request.getfixturevalue(persona))
    html = client.get(reverse("task_detail", args=[approved.pk])).content.decode()
    assert 'value="reopen"' not in html
    response = client.post(
        reverse("task_decide", args=[approved.pk]),
        {"version": approved.version, "decision": "reopen", "note": "Mở lại"},
    )
    assert response.status_code == 403
    assert Task.objects.get(pk=approved.pk).status == TaskStatus.COMPLETED


def test_a_stale_reopen_is_a_conflict(client, approved, xa_officer, xa_leader):
    client.force_login(xa_leader)
    form, _html = page_form(client, approved, "task_decide")
    moved = Task.objects.get(pk=approved.pk)
    moved.progress = 100
    task_change(task=moved, expected_version=approved.version, author=xa_officer, note="Ghi chú")  # a note
    edited = Task.objects.get(pk=approved.pk)
    edited.title = "Đổi tên"
    task_change(task=edited, expected_version=edited.version, author=xa_officer)
    response = client.post(form.action, {**form.submission(note="Mở lại"), "decision": "reopen"})
    assert response.status_code == 409
    assert Task.objects.get(pk=approved.pk).status == TaskStatus.COMPLETED


def test_the_approving_authority_also_reopens_a_task_its_officer_completed_directly(
    client, make_task, parent, xa_officer, xa_leader
):
    # Never put up for approval: the officer may complete it, and the authority keeps the
    # last word on what is done.
    task = make_task(code="NV-700/y", parent=parent, deadline=TODAY + datetime.timedelta(days=30))
    client.force_login(xa_officer)
    form, _html = update_form(client, task)
    assert post_form(client, form, status="completed", progress="100", note="Xong").status_code == 302
    done = Task.objects.get(pk=task.pk)
    assert done.status == TaskStatus.COMPLETED
    client.force_login(xa_leader)
    response = decide(client, done, "reopen", note="Chưa có sản phẩm kèm theo")
    assert response.status_code == 302
    fresh = Task.objects.get(pk=task.pk)
    assert fresh.status == TaskStatus.IN_PROGRESS
    assert fresh.updates.get(version=fresh.version).kind == UpdateKind.REOPENED
    # Reopened, it is completed only through approval from now on.
    client.force_login(xa_officer)
    form, _html = update_form(client, fresh)
    assert TaskStatus.COMPLETED not in status_options(form)
