"""Indicators and targets in the admin: the filters staff need, and every save through the
actions, so it is version checked and a target change is recorded with its reason."""

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks_app.actions.indicators import assignment_create, assignment_targets_update, indicator_create
from tasks_app.models import (
    Colour,
    FigureReason,
    Indicator,
    IndicatorAssignment,
    IndicatorFigure,
    IndicatorMilestone,
    IndicatorValue,
    TargetChange,
    Unit,
    UnitKind,
    ValueEvent,
    ValueEventKind,
    ValueState,
)
from tests.forms_html import parse_page

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def admin_client(client, staff_admin):
    client.force_login(staff_admin)
    return client


@pytest.fixture
def indicator(nghe_an, plan) -> Indicator:
    return indicator_create(
        indicator=Indicator(
            owner_unit=nghe_an,
            plan=plan,
            code="CT-05",
            name="Tỷ lệ hồ sơ nộp trực tuyến",
            kind="operational",
            unit_of_measure="%",
            value_type="ratio",
            accumulation="per_period",
            periodicity="monthly",
            rollup="ratio",
        ),
        author=None,
    )


@pytest.fixture
def assignment(indicator, nghe_an) -> IndicatorAssignment:
    return assignment_create(
        indicator=indicator,
        unit=nghe_an,
        baseline_value=Decimal(60),
        baseline_date=D(2025, 12, 31),
        target_value=Decimal(80),
        target_date=D(2026, 12, 14),
        author=None,
    )


@pytest.fixture
def world(assignment, staff_admin):
    """A value with its history and a figure, so every list has a row."""
    value = IndicatorValue.objects.create(
        assignment=assignment,
        period_start=D(2026, 10, 15),
        period_end=D(2026, 11, 14),
        value=Decimal("74.57"),
        numerator=Decimal(7457),
        denominator=Decimal(10000),
        state=ValueState.SUBMITTED,
    )
    ValueEvent.objects.create(
        value=value,
        author=staff_admin,
        kind=ValueEventKind.SUBMITTED,
        version=1,
        state_after=ValueState.SUBMITTED,
    )
    # One known figure in place of those the assignment's creation computed.
    IndicatorFigure.objects.all().delete()
    IndicatorFigure.objects.create(
        assignment=assignment,
        unit=assignment.unit,
        indicator=assignment.indicator,
        period_end=D(2026, 11, 14),
        due_date=D(2026, 11, 17),
        value=Decimal("74.57"),
        milestone=Decimal("78.28"),
        progress=Decimal("79.70"),
        colour=Colour.YELLOW,
        reason=FigureReason.PROGRESS,
        computed_at=timezone.now(),
    )
    IndicatorMilestone.objects.create(assignment=assignment, period_end=D(2026, 6, 14), value=Decimal(70))
    return value


def changelist(model) -> str:
    return reverse(f"admin:tasks_app_{model._meta.model_name}_changelist")


def change_url(obj) -> str:
    return reverse(f"admin:tasks_app_{obj._meta.model_name}_change", args=[obj.pk])


def admin_form(client, url):
    response = client.get(url)
    assert response.status_code == 200
    forms, _links = parse_page(response.content.decode())
    # The model's form, not the header's language or logout forms.
    return next(f for f in forms if f.method == "post" and f.attrs.get("id", "").endswith("_form"))


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize(
    ("model", "query"),
    [
        (Indicator, "owner_unit__kind__exact=province"),
        (
            Indicator,
            "value_type__exact=ratio&periodicity__exact=monthly&rollup__exact=ratio&is_active__exact=1",
        ),
        (Indicator, "kind__exact=operational&q=CT-05"),
        (IndicatorAssignment, "unit__kind__exact=province&rolls_up__exact=0&is_active__exact=1"),
        (IndicatorAssignment, "province={province}"),
        (TargetChange, ""),
        (IndicatorMilestone, ""),
        (IndicatorValue, "state__exact=submitted"),
        (ValueEvent, "kind__exact=submitted"),
        (IndicatorFigure, "colour__exact=yellow&period_end__gte=2026-11-01"),
    ],
)
def test_the_lists_filter_as_staff_need(admin_client, world, nghe_an, model, query):
    response = admin_client.get(changelist(model) + "?" + query.format(province=nghe_an.pk))
    assert response.status_code == 200
    assert "CT-05" in text(response)


def test_filters_leave_out_what_does_not_match(admin_client, world):
    assert "CT-05" not in text(admin_client.get(changelist(IndicatorValue) + "?state__exact=approved"))
    assert "CT-05" not in text(admin_client.get(changelist(IndicatorFigure) + "?colour__exact=red"))
    assert "CT-05" not in text(admin_client.get(changelist(Indicator) + "?owner_unit__kind__exact=central"))


def test_an_indicator_edit_goes_through_the_version_check(admin_client, indicator):
    url = change_url(indicator)
    form = admin_form(admin_client, url)
    response = admin_client.post(url, form.submission(name="Tỷ lệ hồ sơ trực tuyến toàn trình"))
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.name == "Tỷ lệ hồ sơ trực tuyến toàn trình" and indicator.version == 2
    # The form opened before that save is stale: refused, nothing overwritten.
    response = admin_client.post(url, form.submission(name="Tên cũ"))
    assert response.status_code == 200
    assert "Chỉ tiêu này đã được thay đổi lúc" in text(response)
    indicator.refresh_from_db()
    assert indicator.name == "Tỷ lệ hồ sơ trực tuyến toàn trình"


def test_an_indicator_rule_is_a_message_in_the_admin(admin_client, indicator):
    url = change_url(indicator)
    form = admin_form(admin_client, url)
    response = admin_client.post(url, form.submission(value_type="count"))
    assert response.status_code == 200
    assert "Chỉ chỉ tiêu dạng tỷ số (tử số và mẫu số) mới tổng hợp" in text(response)
    indicator.refresh_from_db()
    assert indicator.value_type == "ratio"


def test_a_target_change_in_the_admin_needs_a_reason_and_is_recorded(admin_client, assignment, staff_admin):
    url = change_url(assignment)
    form = admin_form(admin_client, url)
    refused = admin_client.post(url, form.submission(target_value="85"))
    assert refused.status_code == 200
    assert "Hãy nêu lý do thay đổi chỉ tiêu" in text(refused)
    assignment.refresh_from_db()
    assert assignment.target_value == 80

    response = admin_client.post(
        url,
        form.submission(
            target_value="85",
            change_note="Quyết định điều chỉnh của UBND tỉnh",
            **{"milestones-0-period_end": "14/06/2026", "milestones-0-value": "70"},
        ),
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.target_value == 85 and assignment.version == 2
    change = TargetChange.objects.get(assignment=assignment, version=2)
    assert change.author == staff_admin and change.reason == "Quyết định điều chỉnh của UBND tỉnh"
    assert change.changes == {"target_value": ["80", "85"], "milestone 2026-06-14": [None, "70"]}
    assert IndicatorMilestone.objects.get(assignment=assignment).period_end == D(2026, 6, 14)


def test_a_milestone_off_the_calendar_is_refused_in_the_admin(admin_client, assignment):
    url = change_url(assignment)
    form = admin_form(admin_client, url)
    response = admin_client.post(
        url,
        form.submission(
            change_note="Thử", **{"milestones-0-period_end": "20/06/2026", "milestones-0-value": "70"}
        ),
    )
    assert response.status_code == 200
    assert "20/06/2026 không phải ngày chốt của một kỳ của chỉ tiêu này" in text(response)
    assert not IndicatorMilestone.objects.exists()


def test_a_stale_admin_target_form_is_refused(admin_client, assignment):
    url = change_url(assignment)
    form = admin_form(admin_client, url)
    assignment_targets_update(
        assignment=assignment,
        expected_version=1,
        author=None,
        reason="Điều chỉnh",
        baseline_value=Decimal(60),
        baseline_date=D(2025, 12, 31),
        target_value=Decimal(90),
        target_date=D(2026, 12, 14),
        milestones={},
    )
    response = admin_client.post(url, form.submission(target_value="85", change_note="Của tôi"))
    assert response.status_code == 200
    assert "Mục tiêu này đã được" in text(response)
    assignment.refresh_from_db()
    assert assignment.target_value == 90


def test_adding_a_commune_assignment_in_the_admin_cascades_it(admin_client, assignment, nghe_an):
    commune = Unit.objects.filter(parent=nghe_an, kind=UnitKind.COMMUNE, is_active=True).first()
    url = reverse("admin:tasks_app_indicatorassignment_add")
    form = admin_form(admin_client, url)
    data = form.submission(
        indicator=str(assignment.indicator_id),
        unit=str(commune.pk),
        parent=str(assignment.pk),
        baseline_value="55",
        baseline_date="31/12/2025",
        target_value="80",
        target_date="14/12/2026",
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302
    child = IndicatorAssignment.objects.get(unit=commune)
    assert child.parent == assignment and child.target_value == 80
    assert TargetChange.objects.filter(assignment=child, version=1).exists()
    assignment.refresh_from_db()
    assert assignment.rolls_up


def test_a_commune_cannot_be_given_an_indicator_without_its_province(admin_client, assignment, far_commune):
    url = reverse("admin:tasks_app_indicatorassignment_add")
    form = admin_form(admin_client, url)
    data = form.submission(
        indicator=str(assignment.indicator_id),
        unit=str(far_commune.pk),
        baseline_value="55",
        baseline_date="31/12/2025",
        target_value="80",
        target_date="14/12/2026",
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert not IndicatorAssignment.objects.filter(unit=far_commune).exists()


def test_history_values_and_figures_are_read_only(admin_client, world, assignment):
    change = TargetChange.objects.get(assignment=assignment)
    for obj in (change, world, world.events.get(), IndicatorFigure.objects.get()):
        url = change_url(obj)
        assert admin_client.get(url).status_code == 200
        assert admin_client.post(url, {}).status_code == 403
    assert admin_client.get(reverse("admin:tasks_app_targetchange_add")).status_code == 403
    assert admin_client.get(reverse("admin:tasks_app_indicatorvalue_add")).status_code == 403


ENGLISH = [
    "owner unit",
    "value type",
    "Value type",
    "Roll-up",
    "roll-up",
    "Monthly",
    "Operational",
    "Ratio (",
    "periodicity",
    "baseline",
    "Baseline",
    "milestone",
    "Milestone",
    "target change",
    "indicator",
    "Indicator",
]


@pytest.mark.parametrize(
    "model",
    [Indicator, IndicatorAssignment, TargetChange, IndicatorMilestone, IndicatorValue, IndicatorFigure],
)
def test_the_indicator_admin_speaks_vietnamese(admin_client, world, assignment, model):
    pages = [admin_client.get(changelist(model))]
    obj = {Indicator: assignment.indicator, IndicatorAssignment: assignment}.get(model)
    if obj is not None:
        pages.append(admin_client.get(change_url(obj)))
    for response in pages:
        assert response.status_code == 200
        shown = text(response).split("<body", 1)[1].split(">", 1)[1]
        # Class names, URLs and ids are English by design; the words people read are not.
        words = re.sub(r"<[^>]+>", " ", shown)
        words = re.sub(r"CT-05 · [^<\n]+", " ", words)
        assert [w for w in ENGLISH if w in words] == []


def test_a_commune_cannot_own_an_indicator(admin_client, indicator, nghe_an):
    commune = Unit.objects.filter(parent=nghe_an, kind=UnitKind.COMMUNE).first()
    url = change_url(indicator)
    form = admin_form(admin_client, url)
    response = admin_client.post(url, form.submission(owner_unit=str(commune.pk)))
    assert response.status_code == 200
    assert "Chỉ tiêu do Trung ương, bộ ngành hoặc tỉnh ban hành" in text(response)
    indicator.refresh_from_db()
    assert indicator.owner_unit == nghe_an
