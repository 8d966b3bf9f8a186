"""The assigning unit defines indicators, assigns them (cascading a province's to its
communes) and sets baselines, targets and milestones with their history
(docs/indicators.md §1, §3), through the pages, in Vietnamese, without JavaScript."""

import datetime
import html
from decimal import Decimal

import pytest
from django.urls import reverse

from tasks_app.actions.indicators import (
    StaleAssignmentVersion,
    TargetChangeRefused,
    assignment_create,
    assignment_targets_update,
    indicator_create,
)
from tasks_app.forms.indicators import AmbiguousNumber, parse_decimal
from tasks_app.models import (
    GreeningBacklog,
    Indicator,
    IndicatorAssignment,
    IndicatorMilestone,
    Membership,
    Role,
    TargetChange,
    Unit,
    UnitKind,
    User,
)
from tests.forms_html import parse_page

pytestmark = pytest.mark.django_db

D = datetime.date


def body(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def province_client(client, tinh_officer):
    client.force_login(tinh_officer)
    return client


@pytest.fixture
def tw_admin(root) -> User:
    """The centre's system administrator (the steering committee's office)."""
    user = User.objects.create_user("tw_admin", password="x", full_name="Văn phòng BCĐ")
    Membership.objects.create(user=user, unit=root, role=Role.SYSTEM_ADMIN)
    return user


def make_indicator(owner: Unit, plan, **overrides) -> Indicator:
    fields = {
        "owner_unit": owner,
        "plan": plan,
        "code": "CT-05",
        "name": "Tỷ lệ hồ sơ nộp trực tuyến",
        "kind": "operational",
        "unit_of_measure": "%",
        "value_type": "ratio",
        "accumulation": "per_period",
        "direction": "higher",
        "periodicity": "monthly",
        "rollup": "ratio",
    }
    fields.update(overrides)
    return indicator_create(indicator=Indicator(**fields), author=None)


@pytest.fixture
def indicator(nghe_an, plan) -> Indicator:
    return make_indicator(nghe_an, plan)


@pytest.fixture
def province_assignment(indicator, nghe_an) -> IndicatorAssignment:
    return assignment_create(
        indicator=indicator,
        unit=nghe_an,
        baseline_value=Decimal(60),
        baseline_date=D(2025, 12, 31),
        target_value=Decimal(80),
        target_date=D(2026, 12, 14),
        author=None,
    )


def new_indicator_data(plan, owner, **overrides) -> dict:
    data = {
        "owner_unit": owner.pk,
        "code": "CT-07",
        "name": "Số chữ ký số đã cấp",
        "description": "Lũy kế từ đầu năm",
        "kind": "strategic",
        "plan": plan.pk,
        "task_group": "",
        "unit_of_measure": "chữ ký số",
        "value_type": "count",
        "accumulation": "cumulative",
        "direction": "higher",
        "natural_min": "0",
        "natural_max": "1.000.000",
        "periodicity": "quarterly",
        "rollup": "sum",
        "assign": "on",
        "baseline_value": "12000",
        "baseline_date": "31/12/2025",
        "target_value": "50000",
        "target_date": "2026-12-14",
    }
    data.update(overrides)
    return data


# --- A new indicator ---------------------------------------------------------------------------


def test_a_province_officer_creates_an_indicator_assigned_to_the_province(
    province_client, plan, nghe_an, tinh_officer
):
    response = province_client.post(reverse("indicator_new"), new_indicator_data(plan, nghe_an))
    assert response.status_code == 302
    indicator = Indicator.objects.get(code="CT-07")
    assert indicator.owner_unit == nghe_an and indicator.created_by == tinh_officer
    assert indicator.natural_max == Decimal(1_000_000)  # "1.000.000": grouped thousands
    assignment = IndicatorAssignment.objects.get(indicator=indicator)
    assert (assignment.unit, assignment.baseline_value, assignment.target_value) == (nghe_an, 12000, 50000)
    assert (assignment.baseline_date, assignment.target_date) == (D(2025, 12, 31), D(2026, 12, 14))
    # A province's indicator goes on to its communes: the cascade page is next.
    assert response["Location"] == reverse("assignment_cascade", args=[assignment.pk])
    first = TargetChange.objects.get(assignment=assignment)
    assert first.version == 1 and first.author == tinh_officer
    assert first.changes["target_value"] == [None, "50000"]
    assert GreeningBacklog.objects.filter(unit=nghe_an).exists()


def test_an_indicator_may_be_created_without_assigning_it(province_client, plan, nghe_an):
    data = new_indicator_data(plan, nghe_an, baseline_value="", target_value="")
    del data["assign"]
    response = province_client.post(reverse("indicator_new"), data)
    assert response.status_code == 302
    assert Indicator.objects.filter(code="CT-07").exists()
    assert not IndicatorAssignment.objects.exists()


def test_vietnamese_decimal_commas_are_read(province_client, plan, nghe_an):
    data = new_indicator_data(
        plan,
        nghe_an,
        value_type="percentage",
        rollup="mean",
        natural_max="100",
        baseline_value="72,63",
        target_value="80.5",
    )
    assert province_client.post(reverse("indicator_new"), data).status_code == 302
    assignment = IndicatorAssignment.objects.get()
    assert (assignment.baseline_value, assignment.target_value) == (Decimal("72.63"), Decimal("80.5"))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"value_type": "count", "rollup": "ratio"},
            "Chỉ chỉ tiêu dạng tỷ số (tử số và mẫu số) mới tổng hợp bằng tổng tử số chia tổng mẫu số",
        ),
        (
            {"value_type": "yes_no", "rollup": "sum", "baseline_value": "0", "target_value": "1"},
            "Chỉ tiêu có/không được tổng hợp theo tỷ lệ đơn vị đạt mục tiêu",
        ),
        (
            {"natural_min": "500", "natural_max": "100"},
            "Giá trị hợp lý lớn nhất không được nhỏ hơn giá trị hợp lý nhỏ nhất.",
        ),
        (
            {
                "value_type": "percentage",
                "rollup": "mean",
                "natural_max": "120",
                "baseline_value": "60",
                "target_value": "80",
            },
            "Với tỷ lệ phần trăm, các giá trị hợp lý nằm trong khoảng 0 đến 100.",
        ),
        ({"target_date": "30/12/2025"}, "Thời hạn đạt mục tiêu phải sau ngày của giá trị nền."),
        ({"baseline_value": "12000,5"}, "Số đếm phải là số nguyên, từ 0 trở lên."),
        ({"target_value": "-3"}, "Số đếm phải là số nguyên, từ 0 trở lên."),
        (
            {"value_type": "percentage", "rollup": "mean", "natural_max": "", "target_value": "101"},
            "Tỷ lệ phần trăm phải nằm trong khoảng 0 đến 100.",
        ),
        (
            {
                "value_type": "yes_no",
                "rollup": "share_meeting_target",
                "natural_max": "",
                "baseline_value": "2",
            },
            "Giá trị nền của chỉ tiêu có/không là 0 (không) hoặc 1 (có).",
        ),
        (
            {
                "value_type": "yes_no",
                "rollup": "share_meeting_target",
                "natural_max": "",
                "baseline_value": "0",
                "target_value": "0",
            },
            "Mục tiêu của chỉ tiêu có/không là 1 (có).",
        ),
        ({"target_value": "50.000"}, "“50.000” có thể hiểu theo hai cách."),
        ({"target_value": "năm mươi"}, "Nhập một số."),
        ({"baseline_date": ""}, "Hãy nhập mục này để giao chỉ tiêu, hoặc bỏ chọn “giao”."),
        ({"name": ""}, "Trường này là bắt buộc."),
    ],
)
def test_an_invalid_indicator_is_refused_with_its_message(province_client, plan, nghe_an, overrides, message):
    response = province_client.post(reverse("indicator_new"), new_indicator_data(plan, nghe_an, **overrides))
    assert response.status_code == 422
    assert message in body(response)
    assert not Indicator.objects.exists() and not IndicatorAssignment.objects.exists()


def test_a_code_is_unique_per_owner_unit(province_client, plan, nghe_an, indicator):
    response = province_client.post(reverse("indicator_new"), new_indicator_data(plan, nghe_an, code="ct-05"))
    assert response.status_code == 422
    assert "Nghệ An đã có chỉ tiêu mang mã ct-05." in body(response)
    assert Indicator.objects.count() == 1


def test_the_plan_must_be_one_the_user_sees(province_client, nghe_an, far_commune):
    from tasks_app.models import Plan

    elsewhere = Plan.objects.create(
        issuing_unit=far_commune.province, code="9/KH", title="Kế hoạch tỉnh khác", issue_date=D(2026, 1, 1)
    )
    response = province_client.post(reverse("indicator_new"), new_indicator_data(elsewhere, nghe_an))
    assert response.status_code == 422
    assert not Indicator.objects.exists()


def test_the_centre_defines_an_indicator_and_sets_its_own_targets(client, tw_admin, root, plan):
    client.force_login(tw_admin)
    page = client.get(reverse("indicator_new"))
    assert page.status_code == 200
    response = client.post(reverse("indicator_new"), new_indicator_data(plan, root))
    assert response.status_code == 302
    assignment = IndicatorAssignment.objects.get(unit=root)
    assert response["Location"] == reverse("assignment_targets", args=[assignment.pk])


def test_a_province_officer_cannot_define_in_the_centres_name(province_client, plan, root, nghe_an):
    response = province_client.post(reverse("indicator_new"), new_indicator_data(plan, root))
    assert response.status_code == 422
    assert not Indicator.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("xa_officer", 403),
        ("xa_leader", 403),
        ("tinh_officer", 200),
        ("tinh_leader", 403),
        ("outsider", 403),
        ("central_viewer", 403),
        ("staff_admin", 403),  # no unit: defines indicators in the admin
        ("tw_admin", 200),
    ],
)
def test_who_may_define_an_indicator(client, request, persona, status, plan, nghe_an):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("indicator_new")).status_code == status
    posted = client.post(reverse("indicator_new"), new_indicator_data(plan, nghe_an))
    assert posted.status_code == (302 if persona == "tinh_officer" else 422 if status == 200 else 403)
    assert Indicator.objects.exists() == (persona == "tinh_officer")


# --- Cascading to the communes ---------------------------------------------------------------


def communes_of(province: Unit) -> list[Unit]:
    return list(
        Unit.objects.filter(parent=province, kind=UnitKind.COMMUNE, is_active=True).order_by(
            "sort_key", "code"
        )
    )


def cascade_data(communes, *, include=None, **values) -> dict:
    row = {
        "baseline_value": "55",
        "baseline_date": "31/12/2025",
        "target_value": "80",
        "target_date": "14/12/2026",
        **values,
    }
    data: dict = {"save": "1"}
    for commune in communes:
        if include is None or commune in include:
            data[f"c{commune.pk}-include"] = "on"
        for name, value in row.items():
            data[f"c{commune.pk}-{name}"] = value
    return data


def test_apply_the_same_to_all_fills_the_table_without_saving(province_client, province_assignment, nghe_an):
    url = reverse("assignment_cascade", args=[province_assignment.pk])
    page = province_client.get(url)
    assert page.status_code == 200
    communes = communes_of(nghe_an)
    form = next(f for f in parse_page(page.content.decode())[0] if f.action == url)
    # The user fills the "same for all" boxes and presses "Apply the same to all".
    data = form.submission(**{"same-baseline_value": "55,5", "same-target_value": "80"})
    assert data.get("fill") == "1"  # the first button: Enter in a box fills, never saves
    filled = province_client.post(url, data)
    assert filled.status_code == 200
    assert not IndicatorAssignment.objects.exclude(pk=province_assignment.pk).exists()
    refilled = next(f for f in parse_page(filled.content.decode())[0] if f.action == url)
    for commune in communes:
        assert refilled.named(f"c{commune.pk}-baseline_value")[0].value == "55,5"
        assert refilled.named(f"c{commune.pk}-target_value")[0].value == "80"
        assert refilled.named(f"c{commune.pk}-target_date")[0].value == "2026-12-14"
    # Then "Save", as a browser sends it: the table is saved for every commune.
    saved = province_client.post(url, {**refilled.submission(), "save": "1", "fill": []})
    assert saved.status_code == 302
    children = IndicatorAssignment.objects.filter(parent=province_assignment)
    assert children.count() == len(communes) > 50
    assert {(c.baseline_value, c.target_value) for c in children} == {(Decimal("55.5"), Decimal(80))}
    province_assignment.refresh_from_db()
    assert province_assignment.rolls_up and province_assignment.version == 2
    assert TargetChange.objects.get(assignment=province_assignment, version=2).changes == {
        "rolls_up": ["False", "True"]
    }
    assert TargetChange.objects.filter(assignment__parent=province_assignment, version=1).count() == len(
        communes
    )


def test_each_commune_can_have_its_own_targets(
    province_client, province_assignment, nghe_an, commune, other_commune
):
    url = reverse("assignment_cascade", args=[province_assignment.pk])
    data = cascade_data(communes_of(nghe_an), include=[commune, other_commune])
    data[f"c{other_commune.pk}-baseline_value"] = "40"
    data[f"c{other_commune.pk}-target_value"] = "70,25"
    assert province_client.post(url, data).status_code == 302
    mine = IndicatorAssignment.objects.get(unit=commune)
    theirs = IndicatorAssignment.objects.get(unit=other_commune)
    assert (mine.baseline_value, mine.target_value) == (55, 80)
    assert (theirs.baseline_value, theirs.target_value) == (40, Decimal("70.25"))
    assert mine.parent == theirs.parent == province_assignment
    assert IndicatorAssignment.objects.count() == 3  # unticked communes were not assigned


def test_one_bad_row_saves_nothing_and_says_where(province_client, province_assignment, nghe_an, commune):
    url = reverse("assignment_cascade", args=[province_assignment.pk])
    communes = communes_of(nghe_an)
    data = cascade_data(communes)
    data[f"c{commune.pk}-target_value"] = "120"
    data[f"c{communes[-1].pk}-target_date"] = ""
    response = province_client.post(url, data)
    assert response.status_code == 422
    text = body(response)
    assert "2 xã có lỗi: xem các dòng bên dưới. Chưa có gì được lưu." in text
    assert "Tỷ lệ phần trăm phải nằm trong khoảng 0 đến 100." in text
    assert "Hãy nhập mục này, hoặc bỏ chọn xã này." in text
    assert IndicatorAssignment.objects.count() == 1
    province_assignment.refresh_from_db()
    assert not province_assignment.rolls_up


def test_nothing_ticked_is_an_error(province_client, province_assignment, nghe_an):
    url = reverse("assignment_cascade", args=[province_assignment.pk])
    response = province_client.post(url, cascade_data(communes_of(nghe_an), include=[]))
    assert response.status_code == 422
    assert "Hãy chọn ít nhất một xã, phường." in body(response)


def test_cascading_again_leaves_assigned_communes_as_they_were(
    province_client, province_assignment, nghe_an, commune, other_commune
):
    url = reverse("assignment_cascade", args=[province_assignment.pk])
    province_client.post(url, cascade_data(communes_of(nghe_an), include=[commune]))
    first = IndicatorAssignment.objects.get(unit=commune)
    # A second cascade, even one that posts the first commune's row (an old page), skips it.
    data = cascade_data(communes_of(nghe_an), include=[commune, other_commune], target_value="90")
    response = province_client.post(url, data, follow=True)
    assert "Đã giao cho 1 xã, phường." in body(response)
    again = IndicatorAssignment.objects.get(unit=commune)
    assert (again.pk, again.target_value, again.version) == (first.pk, 80, 1)
    assert IndicatorAssignment.objects.get(unit=other_commune).target_value == 90
    assert (
        IndicatorAssignment.objects.filter(indicator=province_assignment.indicator, unit=commune).count() == 1
    )
    page = body(province_client.get(url))
    assert "Các xã, phường đã có chỉ tiêu" in page
    assert reverse("assignment_targets", args=[again.pk]) in page


def test_a_cascade_never_reaches_another_provinces_commune(province_client, province_assignment, far_commune):
    url = reverse("assignment_cascade", args=[province_assignment.pk])
    data = cascade_data([far_commune])
    response = province_client.post(url, data)
    assert response.status_code == 422  # the row is not in the table: nothing ticked
    assert not IndicatorAssignment.objects.filter(unit=far_commune).exists()


def test_only_a_provinces_assignment_cascades(province_client, province_assignment, nghe_an, commune):
    province_client.post(
        reverse("assignment_cascade", args=[province_assignment.pk]),
        cascade_data(communes_of(nghe_an), include=[commune]),
    )
    child = IndicatorAssignment.objects.get(unit=commune)
    assert province_client.get(reverse("assignment_cascade", args=[child.pk])).status_code == 404


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("xa_officer", 404),  # a commune does not see its province's assignment
        ("xa_leader", 404),
        ("tinh_officer", 200),
        ("tinh_leader", 403),
        ("outsider", 404),
        ("central_viewer", 403),
        ("staff_admin", 403),
        ("tw_admin", 403),  # the province, not the centre, gives its communes their targets
    ],
)
def test_who_may_cascade(client, request, persona, status, province_assignment, nghe_an):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("assignment_cascade", args=[province_assignment.pk])
    assert client.get(url).status_code == status
    response = client.post(url, cascade_data(communes_of(nghe_an)))
    assert response.status_code == (302 if status == 200 else status)
    assert IndicatorAssignment.objects.filter(parent=province_assignment).exists() == (status == 200)


# --- Targets and milestones --------------------------------------------------------------------


def targets_data(assignment, **overrides) -> dict:
    data = {
        "version": assignment.version,
        "baseline_value": "60",
        "baseline_date": "31/12/2025",
        "target_value": "80",
        "target_date": "14/12/2026",
        "reason": "",
    }
    data.update(overrides)
    return data


def test_the_targets_page_shows_the_line_beside_the_milestones(province_client, province_assignment):
    response = province_client.get(reverse("assignment_targets", args=[province_assignment.pk]))
    assert response.status_code == 200
    text = body(response)
    # docs/indicators.md §4: Tháng 11/2026 on the line from 60 % to 80 % is 78.28 %.
    assert "Tháng 11/2026" in text and "78,28" in text
    assert "Tháng 1/2026" in text and "Tháng 12/2026" in text
    assert 'name="m_2026-11-14"' in text


def test_a_target_change_is_recorded_with_who_when_what_and_why(
    province_client, province_assignment, tinh_officer
):
    url = reverse("assignment_targets", args=[province_assignment.pk])
    data = targets_data(
        province_assignment,
        target_value="85",
        **{"m_2026-06-14": "70,5"},
        reason="Nghị quyết HĐND tỉnh nâng mục tiêu",
    )
    response = province_client.post(url, data)
    assert response.status_code == 302
    province_assignment.refresh_from_db()
    assert province_assignment.target_value == 85 and province_assignment.version == 2
    assert IndicatorMilestone.objects.get(assignment=province_assignment).value == Decimal("70.5")
    change = TargetChange.objects.get(assignment=province_assignment, version=2)
    assert change.author == tinh_officer and change.reason == "Nghị quyết HĐND tỉnh nâng mục tiêu"
    assert change.changes == {"target_value": ["80", "85"], "milestone 2026-06-14": [None, "70.5"]}
    page = body(province_client.get(url))
    assert "Mục tiêu cuối cùng: 80 → 85" in page
    assert "Mốc Tháng 6/2026: — → 70,5" in page
    assert "Nghị quyết HĐND tỉnh nâng mục tiêu" in page
    local = change.created_at.astimezone(datetime.timezone(datetime.timedelta(hours=7)))
    assert local.strftime("%d/%m/%Y %H:%M") in page

    # Clearing the milestone puts the period back on the line, recorded too.
    data = targets_data(province_assignment, target_value="85", reason="Bỏ mốc riêng", **{"m_2026-06-14": ""})
    assert province_client.post(url, data).status_code == 302
    assert not IndicatorMilestone.objects.exists()
    assert TargetChange.objects.get(assignment=province_assignment, version=3).changes == {
        "milestone 2026-06-14": ["70.5", None]
    }


def test_a_change_needs_a_reason(province_client, province_assignment):
    url = reverse("assignment_targets", args=[province_assignment.pk])
    response = province_client.post(url, targets_data(province_assignment, target_value="85"))
    assert response.status_code == 422
    assert "Hãy nêu lý do thay đổi chỉ tiêu: lý do được lưu trong lịch sử." in body(response)
    province_assignment.refresh_from_db()
    assert province_assignment.target_value == 80 and province_assignment.version == 1


def test_saving_unchanged_targets_records_nothing(province_client, province_assignment):
    url = reverse("assignment_targets", args=[province_assignment.pk])
    response = province_client.post(url, targets_data(province_assignment), follow=True)
    assert "Không có thay đổi nào nên không ghi nhận." in body(response)
    assert TargetChange.objects.filter(assignment=province_assignment).count() == 1


def test_a_stale_version_is_a_conflict_and_saves_nothing(province_client, province_assignment, tinh_officer):
    url = reverse("assignment_targets", args=[province_assignment.pk])
    opened = targets_data(province_assignment, target_value="90", reason="Theo chỉ đạo mới")
    # Someone else saves first.
    assignment_targets_update(
        assignment=province_assignment,
        expected_version=1,
        author=tinh_officer,
        reason="Điều chỉnh giữa kỳ",
        baseline_value=Decimal(60),
        baseline_date=D(2025, 12, 31),
        target_value=Decimal(85),
        target_date=D(2026, 12, 14),
        milestones={},
    )
    response = province_client.post(url, opened)
    assert response.status_code == 409
    text = body(response)
    assert "Người khác đã thay đổi mục tiêu này sau khi bạn mở trang." in text
    assert "Mục tiêu cuối cùng: 80 → 85" in text  # what changed
    form = next(f for f in parse_page(response.content.decode())[0] if f.action == url)
    assert form.named("target_value")[0].value == "90"  # the user's input, kept
    assert form.named("version")[0].value == "2"  # on the current version
    province_assignment.refresh_from_db()
    assert province_assignment.target_value == 85 and province_assignment.version == 2


@pytest.mark.parametrize(
    ("milestone", "value", "message"),
    [
        ("m_2026-11-20", "70", "20/11/2026 không phải ngày chốt của một kỳ của chỉ tiêu này"),
        ("m_2026-11-14", "170", "Tỷ lệ phần trăm phải nằm trong khoảng 0 đến 100."),
        ("m_2026-11-14", "bảy mươi", "Nhập một số."),
    ],
)
def test_a_bad_milestone_is_refused(province_client, province_assignment, milestone, value, message):
    url = reverse("assignment_targets", args=[province_assignment.pk])
    response = province_client.post(
        url, targets_data(province_assignment, reason="Thử", **{milestone: value})
    )
    assert response.status_code == 422
    assert message in body(response)
    assert not IndicatorMilestone.objects.exists()
    assert TargetChange.objects.filter(assignment=province_assignment).count() == 1


def test_the_action_refuses_a_milestone_off_the_calendar(province_assignment):
    with pytest.raises(TargetChangeRefused):
        assignment_targets_update(
            assignment=province_assignment,
            expected_version=1,
            author=None,
            reason="Thử",
            baseline_value=Decimal(60),
            baseline_date=D(2025, 12, 31),
            target_value=Decimal(80),
            target_date=D(2026, 12, 14),
            milestones={D(2026, 11, 20): Decimal(70)},
        )
    with pytest.raises(StaleAssignmentVersion):
        assignment_targets_update(
            assignment=province_assignment,
            expected_version=7,
            author=None,
            reason="Thử",
            baseline_value=Decimal(60),
            baseline_date=D(2025, 12, 31),
            target_value=Decimal(80),
            target_date=D(2026, 12, 14),
            milestones={},
        )
    assert not IndicatorMilestone.objects.exists()


def test_a_commune_target_change_marks_the_commune_stale(
    province_client, province_assignment, nghe_an, commune
):
    province_client.post(
        reverse("assignment_cascade", args=[province_assignment.pk]),
        cascade_data(communes_of(nghe_an), include=[commune]),
    )
    child = IndicatorAssignment.objects.get(unit=commune)
    GreeningBacklog.objects.all().delete()
    url = reverse("assignment_targets", args=[child.pk])
    response = province_client.post(
        url, targets_data(child, baseline_value="55", target_value="75", reason="Sát thực tế")
    )
    assert response.status_code == 302
    assert list(GreeningBacklog.objects.values_list("unit_id", flat=True)) == [commune.pk]


@pytest.mark.parametrize(
    ("persona", "on_province", "on_commune"),
    [
        # A commune sees its own assignment but never sets its targets; its province's it
        # does not see at all.
        ("xa_officer", 404, 403),
        ("xa_leader", 404, 403),
        ("tinh_officer", 200, 200),
        ("tinh_leader", 403, 403),
        ("outsider", 404, 404),
        ("central_viewer", 403, 403),
        ("staff_admin", 403, 403),
        ("tw_admin", 403, 403),  # the province's own indicator: the province sets its targets
    ],
)
def test_who_may_set_targets(client, request, persona, on_province, on_commune, province_assignment, commune):
    child = IndicatorAssignment.objects.create(
        indicator=province_assignment.indicator,
        unit=commune,
        parent=province_assignment,
        baseline_value=55,
        baseline_date=D(2025, 12, 31),
        target_value=80,
        target_date=D(2026, 12, 14),
    )
    client.force_login(request.getfixturevalue(persona))
    for assignment, status in ((province_assignment, on_province), (child, on_commune)):
        url = reverse("assignment_targets", args=[assignment.pk])
        assert client.get(url).status_code == status
        posted = client.post(url, targets_data(assignment, target_value="81", reason="Thử"))
        assert posted.status_code == (302 if status == 200 else status)
        assignment.refresh_from_db()
        assert assignment.target_value == (81 if status == 200 else 80)


def test_another_provinces_officer_cannot_see_the_targets(client, province_assignment, far_commune):
    other = User.objects.create_user("qt_officer", password="x")
    Membership.objects.create(user=other, unit=far_commune.province, role=Role.PROVINCE_OFFICER)
    client.force_login(other)
    url = reverse("assignment_targets", args=[province_assignment.pk])
    assert client.get(url).status_code == 404
    assert (
        client.post(url, targets_data(province_assignment, target_value="81", reason="x")).status_code == 404
    )
    assert client.get(reverse("assignment_cascade", args=[province_assignment.pk])).status_code == 404


def test_the_centre_sets_a_provinces_targets_for_its_own_indicator(client, tw_admin, root, plan, nghe_an):
    indicator = make_indicator(root, plan, code="QG-01")
    assignment = assignment_create(
        indicator=indicator,
        unit=nghe_an,
        baseline_value=Decimal(50),
        baseline_date=D(2025, 12, 31),
        target_value=Decimal(80),
        target_date=D(2026, 12, 14),
        author=tw_admin,
    )
    client.force_login(tw_admin)
    url = reverse("assignment_targets", args=[assignment.pk])
    data = targets_data(assignment, baseline_value="50", target_value="82", reason="Theo Kế hoạch")
    assert client.post(url, data).status_code == 302
    assignment.refresh_from_db()
    assert assignment.target_value == 82


# --- Plain HTML ---------------------------------------------------------------------------------


def test_the_pages_post_plain_forms_without_javascript(province_client, province_assignment, plan, nghe_an):
    for url in (
        reverse("indicator_new"),
        reverse("assignment_cascade", args=[province_assignment.pk]),
        reverse("assignment_targets", args=[province_assignment.pk]),
    ):
        response = province_client.get(url)
        assert response.status_code == 200
        forms = [f for f in parse_page(response.content.decode())[0] if f.method == "post"]
        assert forms, url
        for form in forms:
            assert form.action, url
            assert form.named("csrfmiddlewaretoken"), url
        assert "<script" not in response.content.decode().split("<main", 1)[-1], url
    # The targets form as a browser sends it, with a reason typed in, saves.
    url = reverse("assignment_targets", args=[province_assignment.pk])
    form = next(f for f in parse_page(province_client.get(url).content.decode())[0] if f.action == url)
    response = province_client.post(url, form.submission(target_value="82", reason="Theo Kế hoạch"))
    assert response.status_code == 302
    province_assignment.refresh_from_db()
    assert province_assignment.target_value == 82


def test_parse_decimal_reads_both_marks_and_refuses_ambiguity():
    assert parse_decimal("74,57") == parse_decimal("74.57") == Decimal("74.57")
    assert parse_decimal("1.234.567") == parse_decimal("1,234,567") == Decimal(1234567)
    assert parse_decimal("1.234,5") == parse_decimal("1,234.5") == Decimal("1234.5")
    assert parse_decimal(" 50 000 ") == Decimal(50000)
    assert parse_decimal("0,125") == Decimal("0.125")
    with pytest.raises(AmbiguousNumber):
        parse_decimal("50.000")


def test_a_province_cascades_the_centres_indicator_and_sets_its_communes_targets(
    client, tinh_officer, root, plan, nghe_an, commune
):
    indicator = make_indicator(root, plan, code="QG-01")
    assignment = assignment_create(
        indicator=indicator,
        unit=nghe_an,
        baseline_value=Decimal(50),
        baseline_date=D(2025, 12, 31),
        target_value=Decimal(80),
        target_date=D(2026, 12, 14),
        author=None,
    )
    client.force_login(tinh_officer)
    # The centre gave the province its targets: the province cannot change them...
    assert client.get(reverse("assignment_targets", args=[assignment.pk])).status_code == 403
    # ...but it gives its communes theirs, and then keeps them.
    cascade_url = reverse("assignment_cascade", args=[assignment.pk])
    page = body(client.get(cascade_url))
    assert reverse("assignment_targets", args=[assignment.pk]) not in page
    assert client.post(cascade_url, cascade_data(communes_of(nghe_an), include=[commune])).status_code == 302
    child = IndicatorAssignment.objects.get(unit=commune, indicator=indicator)
    url = reverse("assignment_targets", args=[child.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, targets_data(child, baseline_value="55", target_value="78", reason="Theo tỉnh")
    )
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.target_value == 78


def test_an_empty_milestone_box_shows_the_line_as_a_hint(province_client, province_assignment):
    form = next(
        f
        for f in parse_page(
            province_client.get(reverse("assignment_targets", args=[province_assignment.pk])).content.decode()
        )[0]
        if f.named("m_2026-11-14")
    )
    assert form.named("m_2026-11-14")[0].value == ""  # not set: the period follows the line
    text = province_client.get(reverse("assignment_targets", args=[province_assignment.pk])).content.decode()
    assert 'placeholder="78,28"' in text


def test_a_bad_same_for_all_value_is_not_copied(province_client, province_assignment, nghe_an, commune):
    url = reverse("assignment_cascade", args=[province_assignment.pk])
    data = cascade_data(communes_of(nghe_an), baseline_value="")
    data.update({"fill": "1", "same-baseline_value": "năm lăm", "same-target_value": "80,5"})
    del data["save"]
    response = province_client.post(url, data)
    assert response.status_code == 200
    assert "Nhập một số." in body(response)
    form = next(f for f in parse_page(response.content.decode())[0] if f.action == url)
    assert form.named(f"c{commune.pk}-baseline_value")[0].value == ""
    assert form.named(f"c{commune.pk}-target_value")[0].value == "80,5"
    assert IndicatorAssignment.objects.count() == 1


# --- Figures follow the definitions at once ------------------------------------------------------


def test_a_cascade_and_a_target_change_refresh_the_figures_at_once(
    province_client, province_assignment, nghe_an, commune, other_commune
):
    from tasks_app.models import IndicatorFigure

    url = reverse("assignment_cascade", args=[province_assignment.pk])
    assert province_client.post(url, cascade_data(communes_of(nghe_an), include=[commune])).status_code == 302
    mine = IndicatorAssignment.objects.get(unit=commune)
    assert IndicatorFigure.objects.filter(assignment=mine).exists()
    province_rows = IndicatorFigure.objects.filter(assignment=province_assignment)
    assert province_rows.exists() and {f.children_total for f in province_rows} == {1}

    june = IndicatorFigure.objects.get(assignment=mine, period_end=D(2026, 6, 14))
    data = targets_data(mine, **{"m_2026-06-14": "70"}, reason="Mốc riêng của xã")
    assert province_client.post(reverse("assignment_targets", args=[mine.pk]), data).status_code == 302
    june_after = IndicatorFigure.objects.get(assignment=mine, period_end=D(2026, 6, 14))
    assert (june.milestone, june_after.milestone) != (Decimal(70), Decimal(70))
    assert june_after.milestone == 70
