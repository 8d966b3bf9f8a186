"""What the task page says: the task a commune's copy came from, why a user may do only
some things, the names and dates of the history, and what is kept for auditors."""

import datetime
import hashlib

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
