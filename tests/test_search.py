"""Search as people type it: without diacritics, in capitals, in decomposed Unicode (NFD),
with "d" for "đ"; the same on PostgreSQL and SQLite, in "My tasks", the communes table
and the admin. And every text a user sends is stored composed (NFC)."""

import re
import unicodedata

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from nq57.middleware import NormaliseInputMiddleware
from tasks_app.actions.tasks import task_change
from tasks_app.models import Task, Unit, UnitKind
from tasks_app.text import fold, task_search_text

pytestmark = pytest.mark.django_db


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def codes(response) -> list[str]:
    return re.findall(r'<span class="code">([^<]+)</span>', response.content.decode())


# --- The folding --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "chuyển đổi số",
        "chuyen doi so",
        "CHUYỂN ĐỔI SỐ",
        "Chuyen  Doi   So",
        nfd("Chuyển đổi số"),
        "CHUYEN DOI SO",
    ],
)
def test_every_way_of_typing_folds_alike(typed):
    assert fold(typed) == "chuyen doi so"


def test_d_with_stroke_folds_to_d():
    assert fold("Đắk Lắk, đường") == "dak lak, duong"


# --- My tasks -----------------------------------------------------------------------------------


@pytest.fixture
def officer_client(client, xa_officer):
    client.force_login(xa_officer)
    return client


@pytest.fixture
def titles(make_task):
    make_task(code="CDS-1", title="Ban hành kế hoạch chuyển đổi số năm 2026 của xã")
    make_task(code="CDS-2", title="Bố trí kinh phí Chuyển đổi số")
    make_task(code="MT-1", title="Trang bị máy tính cho bộ phận một cửa")
    make_task(code="DT-1", title="Đầu tư hạ tầng Đô thị thông minh")
    make_task(code="DT-2", title="Dau tu ha tang do thi (gõ không dấu)")
    make_task(code="NFD-1", title=nfd("Số hóa hồ sơ hộ tịch"))  # stored decomposed, as old data may be
    make_task(code="X-1", title="Tập huấn kỹ năng số")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("chuyển đổi số", {"CDS-1", "CDS-2"}),
        ("chuyen doi so", {"CDS-1", "CDS-2"}),
        ("CHUYỂN ĐỔI SỐ", {"CDS-1", "CDS-2"}),
        (nfd("chuyển đổi số"), {"CDS-1", "CDS-2"}),
        ("may tinh", {"MT-1"}),
        ("máy tính", {"MT-1"}),
        ("dau tu", {"DT-1", "DT-2"}),
        ("đầu tư", {"DT-1", "DT-2"}),
        ("ĐÔ THỊ", {"DT-1", "DT-2"}),
        ("số hóa hồ sơ", {"NFD-1"}),  # an NFC query finds an NFD title
        ("ho tich", {"NFD-1"}),
        ("cds-1", {"CDS-1"}),  # the code too
        ("ban hanh chuyen", set()),  # the words as typed, in their order
    ],
)
def test_my_tasks_search_ignores_case_diacritics_and_normal_form(officer_client, titles, query, expected):
    response = officer_client.get(reverse("my_tasks"), {"q": query})
    assert response.status_code == 200
    assert set(codes(response)) == expected


def test_search_stays_within_the_users_tasks(client, outsider, titles):
    client.force_login(outsider)
    assert codes(client.get(reverse("my_tasks"), {"q": "chuyen doi so"})) == []


# --- The folded column stays current on every write --------------------------------------------


def test_the_search_column_follows_every_write(make_task, plan, commune, other_commune, staff_admin):
    task = make_task(code="S-1", title="Số hóa")
    assert task.search_text == "s-1 so hoa"

    # The actions layer (the admin and the forms go through it)
    task.title = "Máy tính bảng"
    task_change(task=task, author=staff_admin, expected_version=task.version)
    assert Task.objects.get(pk=task.pk).search_text == "s-1 may tinh bang"

    # save(update_fields=...) naming the title only
    task.title = "Điện toán đám mây"
    task.save(update_fields=["title"])
    assert Task.objects.get(pk=task.pk).search_text == "s-1 dien toan dam may"

    # QuerySet.update(), also with expressions
    Task.objects.filter(pk=task.pk).update(title="Cổng dịch vụ công")
    assert Task.objects.get(pk=task.pk).search_text == "s-1 cong dich vu cong"

    # bulk_create and bulk_update
    fields = {f: getattr(task, f) for f in ("plan_id", "responsible_name", "approving_authority",
                                             "start_date", "deadline", "expected_product")}  # fmt: skip
    created = Task.objects.bulk_create(
        [Task(code="B-1", title="Bản đồ số", lead_unit=commune, **fields),
         Task(code="B-2", title="Bảo mật", lead_unit=other_commune, **fields)]
    )  # fmt: skip
    assert sorted(Task.objects.filter(code__in=["B-1", "B-2"]).values_list("search_text", flat=True)) == [
        "b-1 ban do so",
        "b-2 bao mat",
    ]
    created[0].title = "Đô thị"
    Task.objects.bulk_update(created[:1], ["title"])
    assert Task.objects.get(code="B-1").search_text == "b-1 do thi"


def test_cascaded_copies_are_searchable(client, tinh_officer, plan, nghe_an, xa_officer):
    client.force_login(tinh_officer)
    data = {
        "plan": plan.pk,
        "code": "NV-300",
        "title": nfd("Triển khai nền tảng họp không giấy tờ"),
        "responsible_name": "Trần Văn Cường",
        "responsible_position": "Chủ tịch UBND tỉnh",
        "approving_authority": "Ban Chỉ đạo tỉnh Nghệ An",
        "start_date": "2026-02-01",
        "deadline": "30/09/2026",
        "expected_product": "100% xã họp trên nền tảng",
        "cascade": "all",
        "commune_responsible": "Chủ tịch UBND",
    }
    response = client.post(reverse("task_new"), data)
    assert response.status_code == 302
    parent = Task.objects.get(code="NV-300")
    # Posted decomposed, stored composed
    assert parent.title == "Triển khai nền tảng họp không giấy tờ"
    assert unicodedata.is_normalized("NFC", parent.title)
    assert parent.search_text == "nv-300 trien khai nen tang hop khong giay to"
    child = parent.children.get(lead_unit=xa_officer.memberships.get().unit)
    assert child.search_text == task_search_text(child.code, parent.title)
    client.force_login(xa_officer)
    assert codes(client.get(reverse("my_tasks"), {"q": "HOP KHONG GIAY TO"})) == [child.code]


# --- Everything users send is composed -----------------------------------------------------------


def test_form_fields_query_strings_and_file_names_arrive_composed():
    seen = {}

    def view(request):
        upload = request.FILES["file"]
        seen.update(q=request.GET["q"], note=request.POST["note"], name=upload.name)
        return HttpResponse()

    upload = SimpleUploadedFile(nfd("Biên bản nghiệm thu.pdf"), b"%PDF-1.4", content_type="application/pdf")
    request = RequestFactory().post("/x/?q=" + nfd("tìm"), {"note": nfd("Đã hoàn thành"), "file": upload})
    NormaliseInputMiddleware(view)(request)
    assert seen == {"q": "tìm", "note": "Đã hoàn thành", "name": "Biên bản nghiệm thu.pdf"}
    assert all(unicodedata.is_normalized("NFC", value) for value in seen.values())


def test_the_middleware_is_installed(settings):
    assert "nq57.middleware.NormaliseInputMiddleware" in settings.MIDDLEWARE


# --- Units: the communes table and the admin -----------------------------------------------------


def test_units_are_searched_folded_in_the_admin(client, staff_admin):
    client.force_login(staff_admin)
    dien_bien = Unit.objects.get(kind=UnitKind.PROVINCE, name="Điện Biên")
    for query in ("dien bien", "ĐIỆN BIÊN", nfd("Điện Biên")):
        html = client.get(reverse("admin:tasks_app_unit_changelist"), {"q": query}).content.decode()
        assert f"/admin/tasks_app/unit/{dien_bien.pk}/change/" in html, query
    # The autocomplete of unit pickers uses the same search.
    response = client.get(
        reverse("admin:autocomplete"),
        {"term": "dak lak", "app_label": "tasks_app", "model_name": "task", "field_name": "lead_unit"},
    )
    assert "Đắk Lắk" in {row["text"] for row in response.json()["results"]}


def test_tasks_are_searched_folded_in_the_admin(client, staff_admin, titles, commune):
    client.force_login(staff_admin)
    html = client.get(reverse("admin:tasks_app_task_changelist"), {"q": "CHUYEN DOI SO"}).content.decode()
    found = set(re.findall(r"/admin/tasks_app/task/\d+/change/[^>]*>([^<]+)<", html))
    assert found == {"CDS-1", "CDS-2"}
    # or by the lead unit's name, typed without diacritics
    html = client.get(reverse("admin:tasks_app_task_changelist"), {"q": fold(commune.name).upper()})
    found = set(re.findall(r"/admin/tasks_app/task/\d+/change/[^>]*>([^<]+)<", html.content.decode()))
    assert found == set(Task.objects.filter(lead_unit=commune).values_list("code", flat=True)) != set()


def test_the_communes_table_finds_a_commune_typed_decomposed(client, tinh_leader, nghe_an):
    client.force_login(tinh_leader)
    commune = Unit.objects.get(province=nghe_an, name="Xã Quế Phong")
    for query in (nfd("Quế Phong"), "QUE PHONG"):
        html = client.get(reverse("dashboard_province", args=[nghe_an.pk]), {"q": query}).content.decode()
        assert f'id="unit-{commune.pk}"' in html, query


# --- Fast on PostgreSQL: the search is a LIKE the trigram index answers ---------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index exists on PostgreSQL only")
def test_the_search_can_use_the_trigram_index(titles):
    query = Task.objects.filter(search_text__matches="chuyển đổi số").values("pk")
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "task_search_trgm_idx" in plan


# --- Other text in the admin: names, notes, titles ----------------------------------------------


@pytest.mark.parametrize("typed", ["nguyen van duc", "NGUYỄN VĂN ĐỨC", nfd("Nguyễn Văn Đức"), " van  DUC "])
def test_any_text_column_matches_folded_in_the_database(staff_admin, typed):
    # Stored decomposed, as text from before the middleware may be: folded all the same.
    staff_admin.full_name = nfd("Nguyễn Văn Đức")
    staff_admin.save(update_fields=["full_name"])
    from tasks_app.models import User

    assert list(User.objects.filter(full_name__matches=typed)) == [staff_admin]
    assert not User.objects.filter(full_name__matches="van duc x").exists()


def test_the_database_folds_exactly_as_python_does(db):
    samples = ["Đặc khu Phú Quốc", "CHUYỂN   ĐỔI SỐ", nfd("Ứng dụng Ỹ"), "Ça ñ İ", "  a\tb  "]
    with connection.cursor() as cursor:
        for text in samples:
            cursor.execute("SELECT nq57_fold(%s)", [text])
            assert cursor.fetchone()[0] == fold(text), text


def test_names_and_notes_are_searched_folded_in_the_admin(client, staff_admin, tinh_officer):
    tinh_officer.full_name = "Trần Thị Đào"
    tinh_officer.save(update_fields=["full_name"])
    client.force_login(staff_admin)
    html = client.get(reverse("admin:tasks_app_user_changelist"), {"q": "TRAN THI DAO"}).content.decode()
    assert f"/admin/tasks_app/user/{tinh_officer.pk}/change/" in html
