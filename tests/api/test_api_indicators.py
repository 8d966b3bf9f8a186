"""A unit's indicators through the API: each assignment with its figures per period, the
period filter, a roll-up's "n of m", bad input and who sees what."""

import datetime
from decimal import Decimal

import pytest

from tasks_app.greening.rules import Rules
from tasks_app.indicators.figures import refresh_figures
from tasks_app.models import Indicator, IndicatorAssignment, IndicatorValue, ValueState
from tasks_app.periods import Periodicity

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2026, 11, 20)


@pytest.fixture
def indicators(nghe_an, commune, other_commune, plan):
    indicator = Indicator.objects.create(
        owner_unit=nghe_an,
        plan=plan,
        code="CT-05",
        name="Tỷ lệ hồ sơ nộp trực tuyến <b>",
        kind="operational",
        unit_of_measure="%",
        value_type="ratio",
        accumulation="per_period",
        periodicity=Periodicity.MONTHLY,
        rollup="ratio",
    )
    line = {
        "baseline_value": Decimal(60),
        "baseline_date": D(2025, 12, 31),
        "target_value": Decimal(80),
        "target_date": D(2026, 12, 14),
    }
    province = IndicatorAssignment.objects.create(indicator=indicator, unit=nghe_an, rolls_up=True, **line)
    home = IndicatorAssignment.objects.create(indicator=indicator, unit=commune, parent=province, **line)
    neighbour = IndicatorAssignment.objects.create(
        indicator=indicator, unit=other_commune, parent=province, **line
    )
    IndicatorValue.objects.create(
        assignment=home,
        period_start=D(2026, 10, 15),
        period_end=D(2026, 11, 14),
        numerator=Decimal(7457),
        denominator=Decimal(10000),
        value=Decimal("74.57"),
        state=ValueState.APPROVED,
    )
    refresh_figures(assignment_ids=[home.pk, neighbour.pk], rules=Rules(), today=TODAY)
    return {"province": province, "home": home, "neighbour": neighbour}


def test_a_commune_officer_reads_its_indicators(client_as, xa_officer, commune, indicators):
    response = client_as(xa_officer).get(f"/api/v1/units/{commune.pk}/indicators/")
    assert response.status_code == 200
    body = response.json()
    assert body["unit"]["id"] == commune.pk
    (row,) = body["indicators"]
    assert (row["code"], row["name"], row["rolls_up"]) == ("CT-05", "Tỷ lệ hồ sơ nộp trực tuyến <b>", False)
    november = next(p for p in row["periods"] if p["period_end"] == "2026-11-14")
    assert (november["value"], november["milestone"], november["progress"]) == (74.57, 78.28, 79.7)
    assert (november["colour"], november["reason"], november["value_state"]) == (
        "yellow",
        "progress",
        "approved",
    )
    assert november["due_date"] == "2026-11-17"
    assert [p["period_end"] for p in row["periods"]] == sorted(p["period_end"] for p in row["periods"])


def test_the_province_reads_its_roll_up_for_one_period(client_as, tinh_leader, nghe_an, indicators):
    response = client_as(tinh_leader).get(f"/api/v1/units/{nghe_an.pk}/indicators/?period=2026-11-14")
    assert response.status_code == 200
    (row,) = response.json()["indicators"]
    (november,) = row["periods"]
    assert row["rolls_up"] is True
    assert (november["children_counted"], november["children_total"]) == (1, 2)
    assert (november["numerator"], november["denominator"]) == (7457, 10000)


def test_a_bad_period_is_refused_with_a_message(client_as, xa_officer, commune, indicators):
    response = client_as(xa_officer).get(f"/api/v1/units/{commune.pk}/indicators/?period=14/13/2026")
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["attr"] == "period"


def test_a_commune_does_not_see_another_communes_indicators(client_as, xa_officer, other_commune, indicators):
    assert client_as(xa_officer).get(f"/api/v1/units/{other_commune.pk}/indicators/").status_code == 404


def test_a_fixed_number_of_queries(
    client_as, tinh_leader, nghe_an, indicators, django_assert_max_num_queries
):
    client = client_as(tinh_leader)
    with django_assert_max_num_queries(12):
        assert client.get(f"/api/v1/units/{nghe_an.pk}/indicators/").status_code == 200
