"""The update form, through HTTP: the rules, evidence files, conflicts and double submits."""

import datetime
import hashlib
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tasks_app.actions.tasks import task_change
from tasks_app.models import (
    CompletionProof,
    Evidence,
    GreeningPolicy,
    Task,
    TaskStatus,
    TaskUpdate,
    UpdateKind,
)
from tests.evidence_samples import PDF

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def task(make_task):
    return make_task()


@pytest.fixture
def officer_client(client, xa_officer):
    client.force_login(xa_officer)
    return client


def post_update(client, task, *, version=None, key=None, files=(), htmx=False, **fields):
    data = {
        "version": version if version is not None else task.version,
        "submission_key": str(key or uuid.uuid4()),
        "status": task.status,
        "progress": task.progress,
        "note": "",
        **fields,
    }
    if files:
        data["evidence"] = list(files)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse("task_update", args=[task.pk]), data, **headers)


def pdf(name="Biên bản nghiệm thu.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_it_records_progress_with_who_and_what(officer_client, task, xa_officer):
    response = post_update(officer_client, task, progress=60, note="Đã số hóa 600 hồ sơ")
    assert response.status_code == 302
    assert response["Location"] == reverse("task_detail", args=[task.pk])
    task.refresh_from_db()
    assert (task.progress, task.version) == (60, 2)
    update = task.updates.get(version=2)
    assert (update.author, update.kind, update.progress_before, update.progress_after) == (
        xa_officer,
        UpdateKind.PROGRESS,
        40,
        60,
    )
    assert update.note == "Đã số hóa 600 hồ sơ"
    page = officer_client.get(reverse("task_detail", args=[task.pk])).content.decode()
    assert "Đã số hóa 600 hồ sơ" in page and "40% → <strong>60%</strong>" in page


@pytest.mark.parametrize(
    "fields",
    [{"status": TaskStatus.PAUSED}, {"progress": 30}],
    ids=["status-change", "progress-backwards"],
)
def test_it_requires_a_note_when_status_changes_or_progress_goes_back(officer_client, task, fields):
    response = post_update(officer_client, task, **fields)
    assert response.status_code == 422
    assert "Hãy ghi chú lý do khi đổi trạng thái hoặc giảm tiến độ." in response.content.decode()
    task.refresh_from_db()
    assert (task.version, task.status, task.progress) == (1, TaskStatus.IN_PROGRESS, 40)
    assert task.updates.count() == 0


def test_it_refuses_progress_on_a_task_marked_not_started(officer_client, task):
    response = post_update(officer_client, task, status=TaskStatus.NOT_STARTED, progress=20, note="x")
    assert response.status_code == 422
    assert Task.objects.get(pk=task.pk).version == 1


def test_completing_needs_evidence_or_a_note_by_default(officer_client, task):
    response = post_update(officer_client, task, status=TaskStatus.COMPLETED)
    assert response.status_code == 422
    assert "Để đánh dấu hoàn thành" in response.content.decode()
    response = post_update(officer_client, task, status=TaskStatus.COMPLETED, note="Đã nghiệm thu")
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.progress, task.completed_on) == (TaskStatus.COMPLETED, 100, task.completed_on)
    assert task.completed_on is not None


def test_completing_under_an_evidence_policy_needs_a_file(officer_client, task):
    GreeningPolicy.objects.update(completion_proof=CompletionProof.EVIDENCE)
    response = post_update(officer_client, task, status=TaskStatus.COMPLETED, note="Xong")
    assert response.status_code == 422
    response = post_update(officer_client, task, status=TaskStatus.COMPLETED, note="Xong", files=[pdf()])
    assert response.status_code == 302
    assert Task.objects.get(pk=task.pk).status == TaskStatus.COMPLETED


def test_earlier_evidence_counts_for_completion(officer_client, task):
    GreeningPolicy.objects.update(completion_proof=CompletionProof.EVIDENCE)
    assert post_update(officer_client, task, files=[pdf()]).status_code == 302
    task.refresh_from_db()
    response = post_update(officer_client, task, status=TaskStatus.COMPLETED, note="Xong")
    assert response.status_code == 302


def test_evidence_is_stored_by_hash_with_a_clean_name_and_downloads(officer_client, task, settings):
    response = post_update(officer_client, task, progress=50, files=[pdf("../../Báo cáo.PDF")])
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    digest = hashlib.sha256(PDF).hexdigest()
    assert (evidence.sha256, evidence.size, evidence.content_type) == (digest, len(PDF), "application/pdf")
    assert evidence.original_name == "Báo_cáo.PDF.pdf" or evidence.original_name.endswith(".pdf")
    assert "/" not in evidence.original_name
    assert evidence.file.name == f"evidence/{digest[:2]}/{digest}"
    download = officer_client.get(reverse("evidence_download", args=[task.pk, evidence.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"


def test_it_checks_file_type_from_content_and_saves_nothing(officer_client, task):
    fake = SimpleUploadedFile("hop-dong.pdf", b"MZ\x90\x00 this is a program", content_type="application/pdf")
    response = post_update(officer_client, task, progress=50, note="x", files=[fake])
    assert response.status_code == 422
    assert "hop-dong.pdf" in response.content.decode()
    assert Task.objects.get(pk=task.pk).version == 1
    assert not TaskUpdate.objects.exists() and not Evidence.objects.exists()


def test_too_large_file_is_refused(officer_client, task, settings):
    settings.EVIDENCE_MAX_BYTES = 1000
    response = post_update(officer_client, task, files=[pdf(content=PDF + b"0" * 1000)])
    assert response.status_code == 422
    assert not Evidence.objects.exists()


def test_valid_files_are_kept_when_the_form_fails(officer_client, task):
    response = post_update(officer_client, task, status=TaskStatus.PAUSED, files=[pdf()])
    assert response.status_code == 422
    tokens = re.findall(r'name="kept_evidence" value="([^"]+)"', response.content.decode())
    assert len(tokens) == 1
    response = officer_client.post(
        reverse("task_update", args=[task.pk]),
        {
            "version": 1,
            "submission_key": str(uuid.uuid4()),
            "status": TaskStatus.PAUSED,
            "progress": 40,
            "note": "Chờ kinh phí",
            "kept_evidence": tokens,
        },
    )
    assert response.status_code == 302
    assert Evidence.objects.get().update.note == "Chờ kinh phí"


def test_a_forged_kept_file_token_is_ignored(officer_client, task):
    response = post_update(officer_client, task, note="x", kept_evidence=["forged:token"])
    assert response.status_code == 302
    assert not Evidence.objects.exists()


def test_a_stale_form_gets_a_conflict_and_keeps_the_input(officer_client, task, tinh_officer):
    other = Task.objects.get(pk=task.pk)
    other.progress = 70
    task_change(task=other, expected_version=1, author=tinh_officer, note="Tỉnh cập nhật theo báo cáo")
    response = post_update(officer_client, task, version=1, progress=55, note="Ghi chú của tôi")
    assert response.status_code == 409
    page = response.content.decode()
    assert "Người khác đã cập nhật nhiệm vụ này sau khi bạn mở" in page
    assert "Tỉnh cập nhật theo báo cáo" in page and "40% → <strong>70%</strong>" in page
    assert "Ghi chú của tôi" in page and 'value="55"' in page
    assert 'name="version" value="2"' in page
    task.refresh_from_db()
    assert (task.progress, task.version) == (70, 2)
    assert (
        post_update(officer_client, task, version=2, progress=55, note="Ghi chú của tôi").status_code == 302
    )
    assert Task.objects.get(pk=task.pk).progress == 55


def test_a_note_added_meanwhile_does_not_block_a_progress_update(officer_client, task, xa_leader):
    task_change(
        task=Task.objects.get(pk=task.pk), expected_version=1, author=xa_leader, note="Đề nghị đẩy nhanh"
    )
    response = post_update(officer_client, task, version=1, progress=50)
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.progress, task.version) == (50, 3)


def test_a_double_submit_records_one_update(officer_client, task):
    key = uuid.uuid4()
    first = post_update(officer_client, task, key=key, progress=65, note="Một lần", files=[pdf()])
    second = post_update(officer_client, task, key=key, progress=65, note="Một lần", files=[pdf()])
    assert first.status_code == second.status_code == 302
    assert TaskUpdate.objects.filter(task=task).count() == 1
    assert Evidence.objects.count() == 1
    assert Task.objects.get(pk=task.pk).version == 2


def test_htmx_save_returns_the_new_colour_at_once(officer_client, make_task):
    today = datetime.date.today()
    task = make_task(
        start_date=today - datetime.timedelta(days=80),
        deadline=today + datetime.timedelta(days=20),
        progress=10,
    )
    before = officer_client.get(reverse("task_detail", args=[task.pk])).content.decode()
    assert "colour-card yellow" in before
    response = post_update(officer_client, task, progress=90, htmx=True)
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "<html" not in fragment and 'id="task-live"' in fragment
    assert "colour-card green" in fragment and "Đã lưu" in fragment


def test_htmx_errors_come_back_inline(officer_client, task):
    response = post_update(officer_client, task, status=TaskStatus.PAUSED, htmx=True)
    assert response.status_code == 422
    fragment = response.content.decode()
    assert "<html" not in fragment and "Hãy ghi chú lý do" in fragment


# --- Who may post ------------------------------------------------------------------------------


def test_coordinating_unit_adds_a_note_but_cannot_change_status(
    client, make_task, other_commune, commune, xa_officer
):
    task = make_task(lead_unit=other_commune)
    task.coordinating_units.add(commune)
    client.force_login(xa_officer)
    form = client.get(reverse("task_detail", args=[task.pk])).content.decode()
    assert 'name="status"' not in form and 'name="note"' in form
    response = client.post(
        reverse("task_update", args=[task.pk]),
        {"version": 1, "submission_key": str(uuid.uuid4()), "note": "Đã phối hợp cung cấp số liệu"},
    )
    assert response.status_code == 302
    assert task.updates.get().kind == UpdateKind.NOTE
    response = post_update(client, Task.objects.get(pk=task.pk), status=TaskStatus.COMPLETED, note="x")
    assert response.status_code == 403
    assert Task.objects.get(pk=task.pk).status == TaskStatus.IN_PROGRESS


def test_province_officer_can_view_but_not_update_a_commune_task(client, task, tinh_officer):
    client.force_login(tinh_officer)
    assert client.get(reverse("task_detail", args=[task.pk])).status_code == 200
    assert post_update(client, task, progress=90).status_code == 403
    assert Task.objects.get(pk=task.pk).progress == 40


@pytest.mark.parametrize("persona", ["neighbour_officer", "outsider", "alice"])
def test_others_get_404_for_existing_and_missing_tasks_alike(client, task, persona, request):
    client.force_login(request.getfixturevalue(persona))
    for task_id in (task.pk, 999_999):
        assert client.get(reverse("task_detail", args=[task_id])).status_code == 404
        response = client.post(reverse("task_update", args=[task_id]), {"version": 1, "note": "x"})
        assert response.status_code == 404
    assert Task.objects.get(pk=task.pk).version == 1


def test_evidence_download_is_scoped_to_the_task_and_its_viewers(
    officer_client, client, task, make_task, outsider
):
    post_update(officer_client, task, files=[pdf()])
    evidence = Evidence.objects.get()
    other_task = make_task()
    assert (
        officer_client.get(reverse("evidence_download", args=[other_task.pk, evidence.pk])).status_code == 404
    )
    client.force_login(outsider)
    assert client.get(reverse("evidence_download", args=[task.pk, evidence.pk])).status_code == 404


def test_anonymous_users_are_sent_to_log_in(client, task):
    response = client.get(reverse("task_detail", args=[task.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    response = client.post(reverse("task_update", args=[task.pk]), {"note": "x"})
    assert response.status_code == 302
    assert Task.objects.get(pk=task.pk).version == 1


def test_a_cascaded_task_cannot_be_cancelled_by_the_commune(officer_client, make_task, nghe_an):
    parent = make_task(lead_unit=nghe_an, code="P-1")
    child = make_task(parent=parent)
    response = post_update(officer_client, child, status=TaskStatus.CANCELLED, note="Không làm")
    assert response.status_code == 422
    assert Task.objects.get(pk=child.pk).status == TaskStatus.IN_PROGRESS


def test_an_officer_reports_difficulties_which_the_weekly_notes_quote(officer_client, task):
    from reports.documents.notes import week_notes
    from reports.models import Week
    from tasks_app.clock import local_today

    response = post_update(
        officer_client, task, progress=task.progress + 10, difficulties="  Thiếu kinh phí mua máy chủ  "
    )
    assert response.status_code == 302
    update = task.updates.get()
    assert update.difficulties == "Thiếu kinh phí mua máy chủ"  # trimmed
    page = officer_client.get(reverse("task_detail", args=[task.pk])).content.decode()
    assert "Khó khăn, vướng mắc, kiến nghị" in page and "Thiếu kinh phí mua máy chủ" in page

    notes = week_notes(Week.of(local_today()), unit_ids=[task.lead_unit_id])
    assert [item.text for item in notes.difficulties] == ["Thiếu kinh phí mua máy chủ"]
    assert notes.tasks_progressed == 1 and notes.updates == 1


def test_a_difficulty_alone_is_worth_recording(officer_client, task):
    response = post_update(officer_client, task, difficulties="Đường truyền chập chờn")
    assert response.status_code == 302
    assert task.updates.get().difficulties == "Đường truyền chập chờn"


def test_a_get_of_the_update_address_goes_back_to_the_task_page(client, xa_officer, make_task):
    # After the session ran out, the login page sends the officer back to the form's address.
    task = make_task()
    client.force_login(xa_officer)
    response = client.get(f"/tasks/{task.pk}/update/", follow=True)
    assert response.redirect_chain == [(f"/tasks/{task.pk}/", 302)]
    assert "Biểu mẫu chưa được gửi" in response.content.decode()


def test_a_post_after_the_session_ended_lands_on_the_task_after_login(client, xa_officer, make_task):
    task = make_task()
    response = client.post(f"/tasks/{task.pk}/update/", {"note": "x"})
    assert response.status_code == 302 and "/accounts/login/" in response.url
    client.force_login(xa_officer)
    assert client.get(f"/tasks/{task.pk}/update/").url == f"/tasks/{task.pk}/"


def test_the_home_page_answers_head(client):
    assert client.head("/").status_code == 302
