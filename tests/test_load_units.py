import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tasks_app.actions.units import default_source_path
from tasks_app.models import DivisionType, Unit, UnitKind


def run(*args) -> str:
    out = StringIO()
    call_command("load_units", *args, stdout=out)
    return out.getvalue()


def wipe_units():
    # Units protect each other (parent, province); a raw delete clears the table at once.
    Unit.objects.all()._raw_delete(using="default")


def test_it_loads_the_official_counts(db):
    wipe_units()
    output = run()
    assert "34 tỉnh, thành phố (28 tỉnh, 6 thành phố)" in output
    assert "3321 đơn vị cấp xã (2621 xã, 687 phường, 13 đặc khu)" in output
    assert Unit.objects.filter(kind=UnitKind.PROVINCE).count() == 34
    communes = Unit.objects.filter(kind=UnitKind.COMMUNE)
    assert communes.count() == 3321
    assert communes.filter(division_type=DivisionType.XA).count() == 2621
    assert communes.filter(division_type=DivisionType.PHUONG).count() == 687
    assert communes.filter(division_type=DivisionType.DAC_KHU).count() == 13
    assert Unit.objects.filter(kind=UnitKind.CENTRAL).count() == 1
    assert Unit.objects.filter(kind=UnitKind.MINISTRY).count() >= 14


def test_it_links_the_hierarchy(db):
    hanoi = Unit.objects.get(code="01")
    assert hanoi.name == "Thành phố Hà Nội"
    assert hanoi.division_type == DivisionType.THANH_PHO
    assert hanoi.province_id == hanoi.pk
    assert hanoi.parent.kind == UnitKind.CENTRAL
    hoan_kiem = Unit.objects.get(code="00070")
    assert hoan_kiem.name == "Phường Hoàn Kiếm"
    assert hoan_kiem.parent_id == hanoi.pk and hoan_kiem.province_id == hanoi.pk
    assert Unit.objects.filter(code="40").get().children.count() == 130  # Nghệ An


def test_a_second_run_changes_nothing_and_says_so(db):
    before = dict(Unit.objects.values_list("code", "pk"))
    output = run()
    assert "không có thay đổi" in output
    assert dict(Unit.objects.values_list("code", "pk")) == before


def test_it_corrects_a_unit_that_drifted(db):
    Unit.objects.filter(code="00070").update(name="Sai tên")
    output = run()
    assert output.startswith("Đã tạo 0, cập nhật 1, ngừng hoạt động 0 đơn vị.")
    assert Unit.objects.get(code="00070").name == "Phường Hoàn Kiếm"


def test_it_deactivates_units_the_source_no_longer_lists(db, tmp_path):
    data = json.loads(default_source_path().read_text(encoding="utf-8"))
    data[0]["wards"] = data[0]["wards"][1:]
    dropped = str(json.loads(default_source_path().read_text(encoding="utf-8"))[0]["wards"][0]["code"]).zfill(
        5
    )
    source = tmp_path / "divisions.json"
    source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    run("--source", str(source))
    assert Unit.objects.get(code=dropped).is_active is False


@pytest.mark.parametrize(
    "content",
    [
        None,  # missing file
        "{not json",
        "[]",
        json.dumps([{"name": "Tỉnh X", "code": 99, "division_type": "tỉnh", "wards": []}]),
        json.dumps(
            [
                {
                    "name": "Tỉnh X",
                    "code": 99,
                    "division_type": "tỉnh",
                    "wards": [{"name": "Xã Y", "code": 1, "division_type": "huyện"}],
                }
            ]
        ),
    ],
    ids=["missing", "not-json", "empty", "no-communes", "unknown-division-type"],
)
def test_it_refuses_unreadable_data_and_writes_nothing(db, tmp_path, content):
    wipe_units()
    source = tmp_path / "divisions.json"
    if content is not None:
        source.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError) as excinfo:
        run("--source", str(source))
    assert "không ghi dữ liệu nào" in str(excinfo.value)
    assert Unit.objects.count() == 0


def test_it_speaks_english_when_asked(db, settings):
    from django.utils import translation

    with translation.override("en"):
        assert "nothing changed" in run()
