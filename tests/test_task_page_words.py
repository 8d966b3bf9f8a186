"""What the task page says: the task a commune's copy came from, why a user may do only
some things, the names and dates of the history, and what is kept for auditors."""

import datetime
import hashlib
import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from tasks_app.actions.tasks import EvidenceUpload, task_cascade, task_change
from tasks_app.models import Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def province_task(make_task, nghe_an, tinh_officer):
    return make_task(
        code="NV-008",
        lead_unit=nghe_an,
        title="Chỉ đạo số hóa toàn tỉnh",
        expected_product="Báo cáo tổng hợp của tỉnh",
        deadline=datetime.date(2026, 11, 30),
        created_by=tinh_officer,
    )


@pytest.fixture
def copies(province_task, commune, other_commune, tinh_officer):
    mine, theirs = task_cascade(
        parent=province_task,
        communes=[commune, other_commune],
        author=tinh_officer,
        responsible_position="Chủ tịch",
    )
    return mine, theirs


def test_a_commune_opens_the_task_it_was_assigned_from_without_the_other_copies(
    client, xa_officer, province_task, copies, other_commune, tinh_officer
):
    mine, theirs = copies
    # The province wrote a note on its own task: history the commune does not get.
    edited = Task.objects.get(pk=province_task.pk)
    task_change(task=edited, expected_version=1, author=tinh_officer, note="Ghi chú nội bộ của tỉnh")
    client.force_login(xa_officer)
    own_page = client.get(reverse("task_detail", args=[mine.pk])).content.decode()
    parent_url = reverse("task_detail", args=[province_task.pk])
    assert f'href="{parent_url}"' in own_page

    response = client.get(parent_url)
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("NV-008", "Chỉ đạo số hóa toàn tỉnh", "Báo cáo tổng hợp của tỉnh", "30/11/2026", "Giao bởi"):
        assert text in page, text
    assert tinh_officer.full_name in page  # who assigned it
    assert "bản giao cho đơn vị bạn" in page  # the hint says why the page is short
    # Not the other commune's copy, the roll-up of copies, the history, or a form.
    assert other_commune.name not in page
    assert theirs.code not in page
    assert "giao xuống xã" not in page  # the copies roll-up, "Đã giao xuống xã"
    assert "Ghi chú nội bộ của tỉnh" not in page
    assert 'id="update-form"' not in page
    # Its history's files and the list of its copies stay closed.
    assert (
        client.get(reverse("my_tasks") + f"?parent={province_task.pk}").content.decode().count(theirs.code)
        == 0
    )


def test_the_other_communes_copy_stays_not_found(client, xa_officer, copies):
    _mine, theirs = copies
    client.force_login(xa_officer)
    assert client.get(reverse("task_detail", args=[theirs.pk])).status_code == 404


def test_a_commune_leader_is_told_the_limit_is_the_role_not_the_unit(client, xa_leader, make_task):
    task = make_task()
    client.force_login(xa_leader)
    page = client.get(reverse("task_detail", args=[task.pk])).content.decode()
    assert "lãnh đạo của đơn vị chủ trì" in page
    assert "đơn vị phối hợp" not in page


def test_a_coordinating_unit_is_told_it_coordinates(client, neighbour_officer, make_task, other_commune):
    task = make_task()
    task.coordinating_units.add(other_commune)
    client.force_login(neighbour_officer)
    page = client.get(reverse("task_detail", args=[task.pk])).content.decode()
    assert "đơn vị phối hợp" in page


def test_a_province_viewer_is_told_why_the_page_is_read_only(client, tinh_leader, make_task):
    client.force_login(tinh_leader)
    page = client.get(reverse("task_detail", args=[make_task().pk])).content.decode()
    assert "chỉ xem" in page and 'id="update-form"' not in page


def test_file_hashes_are_folded_away_for_auditors(client, xa_officer, make_task, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    task = make_task()
    content = b"%PDF-1.4 bien ban"
    digest = hashlib.sha256(content).hexdigest()
    from django.core.files.storage import default_storage

    stored = default_storage.save(f"evidence/{digest[:2]}/{digest}", ContentFile(content))
    task_change(
        task=Task.objects.get(pk=task.pk),
        expected_version=1,
        author=xa_officer,
        note="Biên bản",
        evidence=[EvidenceUpload(stored, "bien-ban.pdf", "application/pdf", len(content), digest)],
    )
    client.force_login(xa_officer)
    page = client.get(reverse("task_detail", args=[task.pk])).content.decode()
    assert "bien-ban.pdf" in page and digest in page
    details = page.index("<details")
    assert details < page.index(digest) < page.index("</details>", details)
    assert page.index("bien-ban.pdf") < details  # the file itself is in the main view


# --- The history: each change named for what it is, dates as dd/mm/yyyy -----------------------


def _history(client, task) -> dict[int, str]:
    page = client.get(reverse("task_detail", args=[task.pk])).content.decode()
    entries = {}
    for version in range(1, Task.objects.get(pk=task.pk).version + 1):
        start = page.index(f'id="update-{version}"')
        entries[version] = page[start : page.index("</li>", start)]
    return entries


def _change(task, author, *, version, note="", evidence=(), **fields):
    edited = Task.objects.get(pk=task.pk)
    for name, value in fields.items():
        setattr(edited, name, value)
    return task_change(task=edited, expected_version=version, author=author, note=note, evidence=evidence)


def test_each_change_is_named_for_what_it_is(
    client, xa_officer, tinh_officer, province_task, commune, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    (task,) = task_cascade(
        parent=province_task, communes=[commune], author=tinh_officer, responsible_position="Chủ tịch"
    )
    _change(task, xa_officer, version=1, status="in_progress", progress=10)  # 2: status
    _change(task, xa_officer, version=2, progress=60)  # 3: progress
    _change(task, xa_officer, version=3, note="Đã họp")  # 4: note
    content = b"%PDF-1.4"
    digest = hashlib.sha256(content).hexdigest()
    from django.core.files.storage import default_storage

    stored = default_storage.save(f"evidence/{digest[:2]}/{digest}", ContentFile(content))
    upload = EvidenceUpload(stored, "bien-ban.pdf", "application/pdf", len(content), digest)
    _change(task, xa_officer, version=4, note="Biên bản", evidence=[upload])  # 5: evidence
    _change(task, tinh_officer, version=5, deadline=datetime.date(2026, 12, 15), is_key=True)  # 6: edit
    _change(task, xa_officer, version=6, status="awaiting_approval")  # 7: submitted
    _change(task, xa_officer, version=7, status="completed")  # 8: completed
    client.force_login(xa_officer)
    history = _history(client, task)
    expected = {
        1: "Được giao từ nhiệm vụ của cấp trên",
        2: "Đổi trạng thái",
        3: "Báo cáo tiến độ",
        4: "Thêm ghi chú",
        5: "Thêm minh chứng",
        6: "Sửa thông tin",
        7: "Trình phê duyệt",
        8: "Hoàn thành",
    }
    for version, label in expected.items():
        head = history[version][: history[version].index("</p>")]
        assert head.endswith(label), (version, head)
    # Dates in the diffs as dd/mm/yyyy, never ISO; yes/no in words.
    assert "30/11/2026 → 15/12/2026" in history[6]
    assert "Không → Có" in history[6]
    completed_on = Task.objects.get(pk=task.pk).completed_on
    assert f"Ngày hoàn thành: – → {completed_on:%d/%m/%Y}" in history[8]
    assert "Sửa thông tin" not in history[8]
    for entry in history.values():
        assert not re.search(r"\d{4}-\d{2}-\d{2}", _without_datetime_attr(entry))


def _without_datetime_attr(html: str) -> str:
    return re.sub(r'datetime="[^"]*"', "", html)


def test_a_completion_recorded_before_the_fix_is_still_named_a_completion(client, xa_officer, make_task):
    """Old rows: a completion stored as an edit because its date changed with it."""
    from tasks_app.models import TaskUpdate, UpdateKind

    task = make_task(status="completed", progress=100, completed_on=datetime.date(2026, 12, 2), version=2)
    TaskUpdate.objects.create(
        task=task, kind=UpdateKind.CREATED, version=1, status_after="in_progress", progress_after=40
    )
    TaskUpdate.objects.create(
        task=task,
        kind=UpdateKind.EDITED,
        version=2,
        status_before="in_progress",
        status_after="completed",
        progress_before=40,
        progress_after=100,
        changes={"completed_on": [None, "2026-12-02"]},
    )
    client.force_login(xa_officer)
    entry = _history(client, task)[2]
    assert "Ngày hoàn thành: – → 02/12/2026" in entry
    assert "2026-12-02" not in _without_datetime_attr(entry)
