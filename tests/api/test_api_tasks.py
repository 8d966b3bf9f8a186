"""Tasks through the API: scope, the filters of "My tasks", the sync cursor, the detail with
its ETag, the history, updates through the web form's rules, and evidence files."""

import datetime
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from django.utils.translation import gettext

from tasks_app.actions.tasks import task_change
from tasks_app.models import Evidence, Plan, Task, TaskStatus, TaskUpdate, UpdateKind
from tests.evidence_samples import PDF

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def task(make_task):
    return make_task(description="Số hóa toàn bộ sổ hộ tịch từ năm 1945", is_key=True)


def etag(task: Task) -> str:
    task.refresh_from_db()
    return f'"task-{task.pk}-v{task.version}"'


def post_update(api, task, data, *, if_match=None, multipart=False, **headers):
    if if_match is None:
        if_match = etag(task)
    if if_match:
        headers["HTTP_IF_MATCH"] = if_match
    return api.post(
        f"/api/v1/tasks/{task.pk}/updates/", data, format="multipart" if multipart else "json", **headers
    )


def pdf(name="Biên bản nghiệm thu.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# --- Scope -----------------------------------------------------------------------------------


def test_officers_see_their_tasks_and_an_outsider_sees_nothing(
    client_as, task, xa_officer, tinh_officer, outsider, alice
):
    for user in (xa_officer, tinh_officer):
        api = client_as(user)
        assert [row["code"] for row in api.get("/api/v1/tasks/").json()["results"]] == [task.code]
        assert api.get(f"/api/v1/tasks/{task.pk}/").status_code == 200
    for user in (outsider, alice):
        api = client_as(user)
        assert api.get("/api/v1/tasks/").json()["results"] == []
        for url in (f"/api/v1/tasks/{task.pk}/", f"/api/v1/tasks/{task.pk}/updates/"):
            response = api.get(url)
            assert response.status_code == 404
            assert response.json()["errors"][0]["code"] == "not_found"
        assert post_update(api, task, {"note": "x"}).status_code == 404


def test_a_task_id_that_is_not_a_number_or_too_long_is_a_404(client_as, xa_officer):
    api = client_as(xa_officer)
    assert api.get("/api/v1/tasks/abc/").status_code == 404
    assert api.get(f"/api/v1/tasks/{10**30}/").status_code == 404


# --- Filters and the sync cursor -------------------------------------------------------------------


def codes(api, **query):
    response = api.get("/api/v1/tasks/", query)
    assert response.status_code == 200, response.json()
    return sorted(row["code"] for row in response.json()["results"])


def test_the_filters_of_my_tasks(client_as, tinh_officer, make_task, plan, other_commune, nghe_an):
    implementing = Plan.objects.create(
        code="9/KH-XA",
        title="Kế hoạch của xã",
        issuing_unit=nghe_an,
        issue_date=plan.issue_date,
        implements=plan,
    )
    make_task(code="A-1", title="Chuyển đổi số hồ sơ đất đai", is_key=True)
    make_task(code="A-2", status=TaskStatus.COMPLETED, progress=100, completed_on=datetime.date(2026, 3, 1))
    make_task(code="B-1", plan=implementing, lead_unit=other_commune, deadline=datetime.date(2099, 1, 1))
    api = client_as(tinh_officer)
    assert codes(api) == ["A-1", "A-2", "B-1"]
    assert codes(api, status="completed") == ["A-2"]
    assert codes(api, is_key="true") == ["A-1"]
    assert codes(api, q="CHUYEN DOI SO") == ["A-1"]
    assert codes(api, unit=other_commune.pk) == ["B-1"]
    # A plan brings the plans that implement it, as on the page and the boards.
    assert codes(api, plan=plan.pk) == ["A-1", "A-2", "B-1"]
    assert codes(api, plan=implementing.pk) == ["B-1"]
    assert codes(api, deadline_after="2030-01-01") == ["B-1"]
    assert codes(api, deadline_before="2030-01-01") == ["A-1", "A-2"]
    # Today is after the first tasks' deadline: open and late is red, completed on time green.
    assert codes(api, colour="red") == ["A-1"]
    assert codes(api, colour="green") == ["A-2", "B-1"]
    rows = {row["code"]: row for row in api.get("/api/v1/tasks/").json()["results"]}
    assert rows["A-1"]["colour"] == "red" and rows["A-1"]["state"] == "overdue"
    assert rows["A-2"]["colour"] == "green"
    assert codes(api, own="true") == []  # the province leads none of these itself


def test_a_bad_filter_value_is_a_400_in_the_one_shape(client_as, xa_officer):
    api = client_as(xa_officer)
    for query in ({"status": "done"}, {"plan": "x"}, {"updated_since": "yesterday"}, {"plan": str(2**70)}):
        response = api.get("/api/v1/tasks/", query)
        assert response.status_code == 400, query
        body = response.json()
        assert body["type"] == "validation_error" and body["errors"][0]["attr"] == next(iter(query))
    assert api.get("/api/v1/tasks/", {"cursor": "bm9wZQ"}).status_code == 404


def test_updated_since_and_the_cursor_page_through_thousands_of_ties(
    client_as, tinh_officer, make_task, django_assert_max_num_queries
):
    before = timezone.now() - datetime.timedelta(days=2)
    cascade = timezone.now() - datetime.timedelta(hours=1)
    old = make_task(code="OLD")
    tied = [make_task(code=f"C-{n:03d}") for n in range(23)]
    later = make_task(code="LATER")
    Task.objects.filter(pk=old.pk).update(updated_at=before)
    Task.objects.filter(pk__in=[t.pk for t in tied]).update(updated_at=cascade)
    Task.objects.filter(pk=later.pk).update(updated_at=cascade + datetime.timedelta(seconds=1))
    api = client_as(tinh_officer)
    url = (
        "/api/v1/tasks/?" + f"updated_since={(before + datetime.timedelta(hours=1)).isoformat()}&page_size=5"
    )
    url = url.replace("+", "%2B")
    seen = []
    pages = 0
    while url:
        with django_assert_max_num_queries(12):
            body = api.get(url).json()
        seen += [row["code"] for row in body["results"]]
        url = body["next"]
        pages += 1
    assert seen == [t.code for t in sorted(tied, key=lambda t: t.pk)] + ["LATER"]
    assert pages == 5
    # The next pull starts from the last change it saw: that task again (at or after), and
    # the task changed since.
    last_seen = body["results"][-1]["updated_at"]
    task_change(task=Task.objects.get(pk=old.pk), expected_version=1, author=None, note="Cập nhật")
    assert codes(api, updated_since=last_seen) == ["LATER", "OLD"]


def test_a_page_costs_the_same_queries_for_5_tasks_and_for_60(
    client_as, tinh_officer, make_task, other_commune, django_assert_max_num_queries
):
    api = client_as(tinh_officer)
    for n in range(5):
        make_task(code=f"S-{n}").coordinating_units.add(other_commune)
    with django_assert_max_num_queries(12) as few:
        assert len(api.get("/api/v1/tasks/").json()["results"]) == 5
    for n in range(55):
        make_task(code=f"M-{n}").coordinating_units.add(other_commune)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get("/api/v1/tasks/").json()["results"]) == 60


# --- One task -------------------------------------------------------------------------------------


def test_the_detail_has_6_ro_the_colour_reason_parent_and_children_in_scope(
    client_as, make_task, nghe_an, commune, other_commune, far_commune, tinh_officer, xa_officer, xa_leader
):
    parent = make_task(code="P", lead_unit=nghe_an, description="Nhiệm vụ của tỉnh")
    mine = make_task(code="P/1", parent=parent, lead_unit=commune)
    make_task(code="P/2", parent=parent, lead_unit=other_commune)
    make_task(code="P/3", parent=parent, lead_unit=far_commune)  # not the province's to see
    mine.coordinating_units.add(other_commune)
    body = client_as(tinh_officer).get(f"/api/v1/tasks/{parent.pk}/").json()
    for name in (
        "code",
        "title",
        "description",
        "plan",
        "lead_unit",
        "coordinating_units",
        "responsible",
        "approving_authority",
        "start_date",
        "deadline",
        "expected_product",
        "status",
        "progress",
        "version",
    ):
        assert name in body
    assert body["responsible"]["name"] == "Phạm Văn Bình"
    assert body["colour"] == "red" and body["colour_reason"]["state"] == "overdue"
    assert body["colour_reason"]["rule"] == "past_deadline" and body["colour_reason"]["days_late"] > 0
    assert body["colour_reason"]["sentence"]
    assert sorted(child["code"] for child in body["children"]) == ["P/1", "P/2"]
    assert body["children_hidden"] is True
    # The commune reads the task it was assigned from, but not the other communes' copies.
    response = client_as(xa_officer).get(f"/api/v1/tasks/{parent.pk}/")
    assert response.status_code == 200 and response.json()["children"] == []
    assert client_as(xa_officer).get(f"/api/v1/tasks/{parent.pk}/updates/").status_code == 403
    own = client_as(xa_leader).get(f"/api/v1/tasks/{mine.pk}/").json()
    assert own["parent"] == {
        "id": parent.pk,
        "code": "P",
        "title": parent.title,
        "lead_unit": {"id": nghe_an.pk, "code": nghe_an.code, "name": nghe_an.name, "kind": nghe_an.kind},
        "may_open": True,
    }
    assert [unit["id"] for unit in own["coordinating_units"]] == [other_commune.pk]


def test_the_detail_carries_an_etag_and_answers_304_when_unchanged(client_as, xa_officer, task):
    api = client_as(xa_officer)
    first = api.get(f"/api/v1/tasks/{task.pk}/")
    assert first["ETag"] == f'"task-{task.pk}-v1"' == first.json()["etag"]
    again = api.get(f"/api/v1/tasks/{task.pk}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"]
    task_change(task=task, expected_version=1, author=None, note="Ghi chú")
    changed = api.get(f"/api/v1/tasks/{task.pk}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] == f'"task-{task.pk}-v2"'


# --- Updates -----------------------------------------------------------------------------------------


def test_an_officer_reports_progress_in_json(client_as, xa_officer, task):
    response = post_update(client_as(xa_officer), task, {"progress": 60, "note": "Đã số hóa 600 hồ sơ"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["ETag"] == body["etag"] == f'"task-{task.pk}-v2"'
    assert (body["version"], body["kind"], body["progress_before"], body["progress_after"]) == (
        2,
        UpdateKind.PROGRESS,
        40,
        60,
    )
    assert body["author"]["name"] == str(xa_officer)
    task.refresh_from_db()
    assert (task.progress, task.version, task.status) == (60, 2, TaskStatus.IN_PROGRESS)


def test_an_officer_attaches_a_file_and_it_downloads_as_an_attachment(
    client_as, xa_officer, task, tinh_officer
):
    api = client_as(xa_officer)
    response = post_update(api, task, {"note": "Biên bản", "evidence": [pdf()]}, multipart=True)
    assert response.status_code == 201, response.json()
    [item] = response.json()["evidence"]
    assert item["name"] == "Biên_bản_nghiệm_thu.pdf" and item["content_type"] == "application/pdf"
    assert item["sha256"] == hashlib.sha256(PDF).hexdigest() and item["size"] == len(PDF)
    history = client_as(tinh_officer).get(f"/api/v1/tasks/{task.pk}/updates/").json()
    assert history["results"][0]["evidence"] == [item]
    assert history["results"][0]["event"] == "evidence"
    download = api.get(item["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment")
    assert api.get(item["url"], HTTP_ACCEPT="application/pdf").status_code == 200
    other = Evidence.objects.get()
    assert api.get(f"/api/v1/tasks/{task.pk + 1000}/evidence/{other.pk}/").status_code == 404


def test_a_file_that_is_not_what_it_claims_is_refused_on_the_evidence_field(client_as, xa_officer, task):
    fake = SimpleUploadedFile("bao-cao.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = post_update(client_as(xa_officer), task, {"note": "x", "evidence": [fake]}, multipart=True)
    assert response.status_code == 400
    assert {error["attr"] for error in response.json()["errors"]} == {"evidence"}
    assert TaskUpdate.objects.count() == 0


def test_a_coordinating_unit_adds_a_note_but_not_a_status(
    client_as, make_task, other_commune, commune, xa_officer
):
    task = make_task(lead_unit=other_commune)
    task.coordinating_units.add(commune)
    api = client_as(xa_officer)
    assert post_update(api, task, {"note": "Đã phối hợp cung cấp số liệu"}).status_code == 201
    response = post_update(api, task, {"status": "completed", "note": "x"})
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "permission_denied"
    assert task.updates.get().kind == UpdateKind.NOTE


def test_a_province_officer_reads_but_does_not_report_and_is_told_why(client_as, tinh_officer, task):
    response = post_update(client_as(tinh_officer), task, {"note": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert response.json()["errors"][0]["detail"].startswith("Your province role lets you follow this task")


def test_a_read_only_token_cannot_report(client_as, xa_officer, task):
    response = post_update(
        client_as(xa_officer, read_only=True), task, {"note": "x"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["detail"] == "This token is read-only: it cannot change anything."


def test_nothing_changed_answers_200_and_records_nothing(client_as, xa_officer, task):
    response = post_update(
        client_as(xa_officer), task, {"progress": task.progress}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert response.json() == {
        "detail": "Nothing changed, so nothing was recorded.",
        "version": 1,
        "etag": f'"task-{task.pk}-v1"',
    }
    assert TaskUpdate.objects.count() == 0


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_form_rules_answer_in_the_request_language(client_as, xa_officer, task, language):
    response = post_update(client_as(xa_officer), task, {"status": "paused"}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    [error] = body["errors"]
    assert (error["attr"], error["code"]) == ("note", "note_required")
    with translation.override(language):
        expected = gettext("Explain in a note why the status changed or progress went down.")
    assert error["detail"] == expected
    if language == "vi":
        assert expected != "Explain in a note why the status changed or progress went down."


def test_a_json_body_that_is_not_an_object_is_a_400(client_as, xa_officer, task):
    response = post_update(client_as(xa_officer), task, ["note"])
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "non_field_errors"


def test_the_history_costs_the_same_queries_however_long(
    client_as, tinh_officer, task, django_assert_max_num_queries
):
    api = client_as(tinh_officer)
    for n in range(3):
        task_change(
            task=Task.objects.get(pk=task.pk), expected_version=n + 1, author=None, note=f"Ghi chú {n}"
        )
    with django_assert_max_num_queries(12) as few:
        assert len(api.get(f"/api/v1/tasks/{task.pk}/updates/").json()["results"]) == 3
    for n in range(3, 30):
        task_change(
            task=Task.objects.get(pk=task.pk), expected_version=n + 1, author=None, note=f"Ghi chú {n}"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get(f"/api/v1/tasks/{task.pk}/updates/").json()["results"]) == 30
