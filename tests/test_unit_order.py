"""Units in the order a Vietnamese reader expects: by the name without its division type,
letters in the Vietnamese alphabet (Đ after D), tones after the letters of a syllable.
The same on PostgreSQL and SQLite, in every table, select list, PDF and Excel file."""

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports.boards.selectors.boards import sort_rows
from reports.documents.content import report_content
from reports.documents.excel import report_workbook
from reports.models import ReportKind, Week
from tasks_app.models import DivisionType, Unit, UnitKind
from tasks_app.text import sort_key, unit_sort_key

# Worked out by hand from the rule: "Thành phố" dropped, so Hà Nội sorts under H; Đ after D
# (no province starts with D) and before G; ă and â after a (Cà Mau, Cao Bằng, Cần Thơ);
# tones last within a syllable (Hà Nội, Hà Tĩnh, Hải Phòng); ô after o, u before ư
# (Hồ Chí Minh, Huế, Hưng Yên); "lang" < "lao" < "lâm" whatever the tones.
PROVINCES_IN_ORDER = [
    "An Giang",
    "Bắc Ninh",
    "Cà Mau",
    "Cao Bằng",
    "Thành phố Cần Thơ",
    "Thành phố Đà Nẵng",
    "Đắk Lắk",
    "Điện Biên",
    "Đồng Nai",
    "Đồng Tháp",
    "Gia Lai",
    "Thành phố Hà Nội",
    "Hà Tĩnh",
    "Thành phố Hải Phòng",
    "Thành phố Hồ Chí Minh",
    "Thành phố Huế",
    "Hưng Yên",
    "Khánh Hòa",
    "Lai Châu",
    "Lạng Sơn",
    "Lào Cai",
    "Lâm Đồng",
    "Nghệ An",
    "Ninh Bình",
    "Phú Thọ",
    "Quảng Ngãi",
    "Quảng Ninh",
    "Quảng Trị",
    "Sơn La",
    "Tây Ninh",
    "Thái Nguyên",
    "Thanh Hóa",
    "Tuyên Quang",
    "Vĩnh Long",
]


# --- The key ------------------------------------------------------------------------------------


def test_syllables_compare_by_letters_then_tone():
    words = ["mai", "má", "ma", "mạ", "mà", "mác", "mả", "mã", "mạc", "mắc", "măng"]
    assert sorted(words, key=sort_key) == [
        "ma",
        "mà",
        "mả",
        "mã",
        "má",
        "mạ",
        "mác",
        "mạc",
        "mai",
        "mắc",
        "măng",
    ]


def test_vietnamese_letters_follow_their_base_letter():
    words = ["Đức", "Dung", "Em", "Ê-đê", "Ơn", "Ông", "Ong", "Ưng", "Ủng", "Vân"]
    assert sorted(words, key=sort_key) == [
        "Dung",
        "Đức",
        "Em",
        "Ê-đê",
        "Ong",
        "Ông",
        "Ơn",
        "Ủng",
        "Ưng",
        "Vân",
    ]


def test_case_spelling_of_the_tone_and_numbers():
    assert sort_key("HÀ NỘI") == sort_key("hà nội")
    assert sort_key("Thanh Hoá") == sort_key("Thanh Hóa")  # old and new tone placement
    names = ["Xã A Lưới 10", "Xã A Lưới 2", "Xã A Lưới 1", "Xã A Lưới"]
    assert sorted(names, key=sort_key) == ["Xã A Lưới", "Xã A Lưới 1", "Xã A Lưới 2", "Xã A Lưới 10"]


def test_the_division_type_is_not_part_of_the_name():
    assert unit_sort_key("Thành phố Hà Nội", DivisionType.THANH_PHO) == sort_key("Hà Nội")
    assert unit_sort_key("Phường Cửa Lò", DivisionType.PHUONG) == sort_key("Cửa Lò")
    assert unit_sort_key("Đặc khu Phú Quốc", DivisionType.DAC_KHU) == sort_key("Phú Quốc")


def test_the_key_is_digits_only_so_every_collation_agrees():
    assert re.fullmatch(r"\d+", unit_sort_key("Xã Ea H'Leo", DivisionType.XA))


# --- In the database (run on SQLite and on PostgreSQL) -----------------------------------------------


@pytest.mark.django_db
def test_the_database_orders_the_34_provinces_in_vietnamese_order():
    names = list(Unit.objects.filter(kind=UnitKind.PROVINCE).values_list("name", flat=True))
    assert names == PROVINCES_IN_ORDER  # Unit's default ordering
    by_key = Unit.objects.filter(kind=UnitKind.PROVINCE).order_by("sort_key").values_list("name", flat=True)
    assert list(by_key) == PROVINCES_IN_ORDER


@pytest.mark.django_db
def test_a_renamed_unit_moves_to_its_new_place(nghe_an):
    Unit.objects.filter(pk=nghe_an.pk).update(name="Tỉnh Á Đông")
    assert Unit.objects.filter(kind=UnitKind.PROVINCE).first().pk == nghe_an.pk


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    return re.findall(r"<option [^>]*>([^<]+)</option>", select)


@pytest.mark.django_db
def test_the_report_select_list_is_in_vietnamese_order(client, central_viewer):
    client.force_login(central_viewer)
    html = client.get(reverse("report_archive")).content.decode()
    assert _options(html, "unit") == ["Trung ương", *PROVINCES_IN_ORDER]


def _ranking_names(html: str) -> list[str]:
    ranking = html[html.index('id="ranking-title"') :]
    return re.findall(r'<th scope="row"[^>]*><a href="/dashboard/province/\d+/[^"]*">([^<]+)</a>', ranking)


@pytest.mark.django_db
def test_the_national_ranking_names_unranked_provinces_in_vietnamese_order(client, central_viewer):
    client.force_login(central_viewer)
    html = client.get(reverse("dashboard_national")).content.decode()
    assert _ranking_names(html) == PROVINCES_IN_ORDER  # no figures yet: none is ranked


@pytest.mark.django_db
def test_the_national_report_excel_lists_provinces_in_vietnamese_order(root):
    content = report_content(ReportKind.NATIONAL_WEEKLY, root, Week.last_finished())
    book = load_workbook(io.BytesIO(report_workbook(content)))
    names = [row[1] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert names == PROVINCES_IN_ORDER


# Nghệ An's communes: the prefix "Xã"/"Phường" is ignored, D before Đ, o before ô before ơ.
NGHE_AN_NEIGHBOURS = [
    ("Xã Con Cuông", "Phường Cửa Lò", "Xã Diễn Châu"),
    ("Xã Diễn Châu", "Xã Đại Đồng", "Xã Đại Huệ"),
    ("Xã Đức Châu", "Xã Giai Lạc", "Xã Giai Xuân"),
    ("Xã Hoa Quân", "Phường Hoàng Mai", "Xã Hợp Minh"),
]


def _assert_neighbours(names: list[str]) -> None:
    for before, name, after in NGHE_AN_NEIGHBOURS:
        position = names.index(name)
        assert names[position - 1 : position + 2] == [before, name, after]


@pytest.mark.django_db
def test_the_commune_checklist_of_the_create_form_is_in_vietnamese_order(client, tinh_officer, plan):
    client.force_login(tinh_officer)
    html = client.get(reverse("task_new")).content.decode()
    names = re.findall(r'name="communes" value="\d+"[^>]*>\s*([^<]+?)\s*</label>', html)
    assert len(names) == Unit.objects.filter(parent=plan.issuing_unit, is_active=True).count()
    _assert_neighbours(names)


@pytest.mark.django_db
def test_the_communes_table_sorts_by_name_in_vietnamese_order(nghe_an):
    from reports.boards.selectors.figures import UnitFigures

    communes = Unit.objects.filter(parent=nghe_an).order_by("code")
    rows = [UnitFigures(unit=unit, snapshot=None) for unit in communes]
    names = [row.unit.name for row in sort_rows(rows, "name")]
    _assert_neighbours(names)
    assert [row.unit.name for row in sort_rows(rows, "-name")] == names[::-1]
