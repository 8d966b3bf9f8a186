"""If-Match and Idempotency-Key on task updates, through HTTP: 428 without an ETag, 412 with
what changed since, notes added meanwhile that do not conflict, and a POST sent twice that
writes once."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from rest_framework.test import APIClient

from tasks_app.actions.tasks import task_change
from tasks_app.api import concurrency
from tasks_app.models import IdempotentRequest, Task, TaskStatus, TaskUpdate
from tests.evidence_samples import PDF
from tests.live_stack import postgres_only, reference_data_survives  # noqa: F401  (a fixture, used by name)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def task(make_task):
    return make_task()


@pytest.fixture
def api(client_as, xa_officer):
    return client_as(xa_officer)


def post(api, task, data, *, version=1, key=None, multipart=False, **headers):
    if version is not None:
        headers["HTTP_IF_MATCH"] = f'"task-{task.pk}-v{version}"'
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return api.post(
        f"/api/v1/tasks/{task.pk}/updates/", data, format="multipart" if multipart else "json", **headers
    )


# --- If-Match ----------------------------------------------------------------------------------------


def test_a_write_without_if_match_answers_428(api, task):
    response = post(api, task, {"note": "x"}, version=None, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 428
    error = response.json()["errors"][0]
    assert error["code"] == "precondition_required" and "If-Match" in error["detail"]
    assert TaskUpdate.objects.count() == 0


def test_a_stale_etag_answers_412_with_what_changed_since(api, task, tinh_leader, xa_leader):
    task_change(task=Task.objects.get(pk=task.pk), expected_version=1, author=xa_leader, note="Họp giao ban")
    paused = Task.objects.get(pk=task.pk)
    paused.status = TaskStatus.PAUSED
    task_change(task=paused, expected_version=2, author=tinh_leader, note="Chờ kinh phí")
    response = post(api, task, {"progress": 70, "note": "Tiến độ"}, version=1)
    assert response.status_code == 412
    body = response.json()
    assert body["errors"][0]["code"] == "precondition_failed"
    assert body["current_version"] == 3 and body["etag"] == f'"task-{task.pk}-v3"'
    assert [change["version"] for change in body["changes_since"]] == [2, 3]
    last = body["changes_since"][-1]
    assert (last["author"], last["kind"], last["status"], last["progress"], last["note"]) == (
        str(tinh_leader),
        "progress",
        "paused",
        40,
        "Chờ kinh phí",
    )
    assert set(last) == {"version", "at", "author", "kind", "status", "progress", "note", "changes"}
    task.refresh_from_db()
    assert (task.version, task.progress) == (3, 40)
    # With the new ETag the same update goes through.
    assert post(api, task, {"progress": 70, "note": "Tiến độ"}, version=3).status_code == 201


@pytest.mark.parametrize("header", ['"task-999999-v1"', "garbage", 'W/"task-{pk}-v9"'])
def test_an_etag_of_another_task_or_version_answers_412(api, task, header):
    response = api.post(
        f"/api/v1/tasks/{task.pk}/updates/",
        {"note": "x"},
        format="json",
        HTTP_IF_MATCH=header.format(pk=task.pk),
    )
    assert response.status_code == 412
    assert response.json()["current_version"] == 1


def test_a_weak_etag_of_the_current_version_matches(api, task):
    response = api.post(
        f"/api/v1/tasks/{task.pk}/updates/",
        {"note": "x"},
        format="json",
        HTTP_IF_MATCH=f'W/"task-{task.pk}-v1"',
    )
    assert response.status_code == 201


def test_notes_added_meanwhile_do_not_conflict(api, task, xa_leader):
    task_change(
        task=Task.objects.get(pk=task.pk), expected_version=1, author=xa_leader, note="Lãnh đạo ghi chú"
    )
    response = post(api, task, {"progress": 55, "note": "Đã làm thêm"}, version=1)
    assert response.status_code == 201, response.json()
    assert response.json()["version"] == 3
    task.refresh_from_db()
    assert (task.progress, task.version) == (55, 3)


# --- Idempotency-Key -------------------------------------------------------------------------------


def test_the_same_key_and_body_replays_the_answer_and_writes_once(api, task):
    first = post(api, task, {"progress": 60, "note": "Đã số hóa"}, key="k-1")
    assert first.status_code == 201
    # Sent again after the write (the client never saw the answer): its ETag is stale now,
    # but the replay answers before any check.
    again = post(api, task, {"progress": 60, "note": "Đã số hóa"}, key="k-1")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["ETag"] == first["ETag"] and again["Idempotent-Replayed"] == "true"
    assert TaskUpdate.objects.filter(task=task).count() == 1
    assert IdempotentRequest.objects.get().status_code == 201


def test_the_same_key_with_another_body_answers_422(api, task):
    assert post(api, task, {"note": "Một"}, key="k-2").status_code == 201
    response = post(api, task, {"note": "Hai"}, version=2, key="k-2", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["code"] == "idempotency_key_reused"
    assert TaskUpdate.objects.filter(task=task).count() == 1


def test_keys_belong_to_their_user(client_as, api, task, xa_leader):
    assert post(api, task, {"note": "Một"}, key="shared").status_code == 201
    response = post(client_as(xa_leader), task, {"note": "Hai"}, version=2, key="shared")
    assert response.status_code == 201
    assert TaskUpdate.objects.filter(task=task).count() == 2


def test_a_refused_request_keeps_no_answer_so_the_corrected_one_goes_through(api, task):
    refused = post(api, task, {"status": "paused"}, key="k-3")
    assert refused.status_code == 400
    assert not IdempotentRequest.objects.exists()
    assert post(api, task, {"status": "paused", "note": "Chờ kinh phí"}, key="k-3").status_code == 201


def test_a_replayed_upload_stores_one_update_with_its_file(api, task):
    def upload():
        return {
            "note": "Biên bản",
            "evidence": [SimpleUploadedFile("bb.pdf", PDF, content_type="application/pdf")],
        }

    first = post(api, task, upload(), key="k-4", multipart=True)
    again = post(api, task, upload(), key="k-4", multipart=True)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert TaskUpdate.objects.filter(task=task).count() == 1


def test_a_concurrent_duplicate_gives_the_first_answer(api, task, monkeypatch):
    """The other request committed between this one's look-up and its claim: the claim
    fails on the unique (user, key), nothing is written, and the kept answer is given."""
    first = post(api, task, {"note": "Một"}, key="k-5")
    looked_up = []
    real = concurrency._kept

    def late(user, key):
        looked_up.append(key)
        return None if len(looked_up) == 1 else real(user, key)

    monkeypatch.setattr(concurrency, "_kept", late)
    again = post(api, task, {"note": "Một"}, key="k-5")
    assert looked_up == ["k-5", "k-5"]
    assert again.status_code == 201 and again.json() == first.json()
    assert TaskUpdate.objects.filter(task=task).count() == 1


def test_an_overlong_key_is_a_400(api, task):
    response = post(api, task, {"note": "x"}, key="k" * 256)
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "Idempotency-Key"


@postgres_only("concurrent transactions waiting on the unique (user, key) index")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("reference_data_survives")
def test_racing_duplicates_on_postgresql_write_once_and_all_get_the_same_answer(
    token_for, xa_officer, make_task
):
    """A double tap on a slow phone, sent by several clients at once: one writes, the others
    wait on the key's row and replay its answer."""
    task = make_task()
    secret = token_for(xa_officer)
    racers = 6
    start = threading.Barrier(racers)

    def send(_n: int) -> tuple[int, dict]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        start.wait()
        try:
            response = post(client, task, {"progress": 70, "note": "Cùng một lần gửi"}, key="race")
            return response.status_code, response.json()
        finally:
            connection.close()

    with ThreadPoolExecutor(racers) as pool:
        answers = list(pool.map(send, range(racers)))
    assert {status for status, _body in answers} == {201}
    assert all(body == answers[0][1] for _status, body in answers)
    assert TaskUpdate.objects.filter(task=task).count() == 1
    assert IdempotentRequest.objects.count() == 1
