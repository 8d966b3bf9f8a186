"""Indicator figures as refresh_figures writes them: an entered assignment's colour per
period, a province's roll-up of its communes, and the refresh after one commune's value."""

import datetime
from decimal import Decimal

import pytest

from tasks_app.greening.rules import Rules
from tasks_app.indicators.figures import figure_periods, refresh_figures
from tasks_app.models import (
    Colour,
    FigureReason,
    Indicator,
    IndicatorAssignment,
    IndicatorFigure,
    IndicatorMilestone,
    IndicatorValue,
    Unit,
    UnitKind,
    ValueState,
)
from tasks_app.periods import Periodicity

pytestmark = pytest.mark.django_db
D = datetime.date
RULES = Rules()
TODAY = D(2026, 11, 20)  # Tháng 11/2026 closed on 14/11 and was due on 17/11


@pytest.fixture
def online_share(nghe_an, plan):
    return Indicator.objects.create(
        owner_unit=nghe_an,
        plan=plan,
        code="CT-05",
        name="Tỷ lệ hồ sơ nộp trực tuyến",
        kind="operational",
        unit_of_measure="%",
        value_type="ratio",
        accumulation="per_period",
        periodicity=Periodicity.MONTHLY,
        rollup="ratio",
    )


def _assign(indicator, unit, parent=None, rolls_up=False, baseline=60, target=80):
    return IndicatorAssignment.objects.create(
        indicator=indicator,
        unit=unit,
        parent=parent,
        rolls_up=rolls_up,
        baseline_value=Decimal(baseline),
        baseline_date=D(2025, 12, 31),
        target_value=Decimal(target),
        target_date=D(2026, 12, 14),
    )


def _value(assignment, close, numerator, denominator, state=ValueState.SUBMITTED):
    return IndicatorValue.objects.create(
        assignment=assignment,
        period_start=D(close.year, close.month - 1, 15) if close.month > 1 else D(close.year - 1, 12, 15),
        period_end=close,
        numerator=Decimal(numerator),
        denominator=Decimal(denominator),
        value=Decimal(numerator) * 100 / Decimal(denominator),
        state=state,
    )


def test_periods_run_from_the_baseline_to_today():
    periods = figure_periods(Periodicity.MONTHLY, D(2025, 12, 31), TODAY)
    assert [p.end for p in periods][:2] == [D(2026, 1, 14), D(2026, 2, 14)]
    assert periods[-1].end == D(2026, 12, 14)  # the running period, not yet due
    assert len(periods) == 12


def test_entered_assignment_is_coloured_per_period(online_share, commune):
    assignment = _assign(online_share, commune)
    _value(assignment, D(2026, 11, 14), 7457, 10000)
    IndicatorValue.objects.create(
        assignment=assignment, period_start=D(2026, 9, 15), period_end=D(2026, 10, 14), state=ValueState.DRAFT
    )
    refresh_figures(assignment_ids=[assignment.pk], rules=RULES, today=TODAY)
    figures = {f.period_end: f for f in IndicatorFigure.objects.filter(assignment=assignment)}
    november = figures[D(2026, 11, 14)]
    assert (november.milestone, november.progress, november.colour) == (
        Decimal("78.28"),
        Decimal("79.70"),
        "yellow",
    )
    # A draft does not count: October is due and has no counted value.
    assert (figures[D(2026, 10, 14)].colour, figures[D(2026, 10, 14)].reason) == (
        Colour.RED,
        FigureReason.MISSING,
    )
    assert figures[D(2026, 12, 14)].colour == Colour.NONE
    assert november.unit_id == commune.pk and november.due_date == D(2026, 11, 17)


def test_a_set_milestone_changes_the_colour(online_share, commune):
    assignment = _assign(online_share, commune)
    _value(assignment, D(2026, 11, 14), 7457, 10000)
    IndicatorMilestone.objects.create(assignment=assignment, period_end=D(2026, 11, 14), value=Decimal(75))
    refresh_figures(assignment_ids=[assignment.pk], rules=RULES, today=TODAY)
    assert IndicatorFigure.objects.get(assignment=assignment, period_end=D(2026, 11, 14)).colour == "green"


def test_province_rolls_up_its_communes_and_follows_each_save(online_share, nghe_an, commune):
    province = _assign(online_share, nghe_an, rolls_up=True)
    communes = Unit.objects.filter(parent=nghe_an, kind=UnitKind.COMMUNE).order_by("code")[:3]
    kids = [_assign(online_share, unit, parent=province, baseline=55) for unit in communes]
    _value(kids[0], D(2026, 11, 14), 300, 400, state=ValueState.APPROVED)
    _value(kids[1], D(2026, 11, 14), 150, 250)
    refresh_figures(assignment_ids=[k.pk for k in kids], rules=RULES, today=TODAY)
    rolled = IndicatorFigure.objects.get(assignment=province, period_end=D(2026, 11, 14))
    assert (rolled.numerator, rolled.denominator) == (450, 650)
    assert rolled.value.quantize(Decimal("0.01")) == Decimal("69.23")
    assert (rolled.children_counted, rolled.children_total, rolled.value_state) == (2, 3, "submitted")

    # The third commune reports: only its own figures are refreshed, the others are read.
    _value(kids[2], D(2026, 11, 14), 100, 100)
    refresh_figures(assignment_ids=[kids[2].pk], rules=RULES, today=TODAY)
    rolled = IndicatorFigure.objects.get(assignment=province, period_end=D(2026, 11, 14))
    assert (rolled.numerator, rolled.denominator, rolled.children_counted) == (550, 750, 3)


def test_share_meeting_target(nghe_an, plan):
    teams = Indicator.objects.create(
        owner_unit=nghe_an,
        plan=plan,
        code="CT-09",
        name="Tổ công nghệ số cộng đồng",
        kind="operational",
        unit_of_measure="tổ",
        value_type="count",
        accumulation="cumulative",
        periodicity=Periodicity.MONTHLY,
        rollup="share_meeting_target",
    )
    province = _assign(teams, nghe_an, rolls_up=True, baseline=0, target=100)
    communes = Unit.objects.filter(parent=nghe_an, kind=UnitKind.COMMUNE).order_by("code")[:4]
    kids = [_assign(teams, unit, parent=province, baseline=0, target=1) for unit in communes]
    for kid in kids[:3]:
        IndicatorValue.objects.create(
            assignment=kid,
            period_start=D(2026, 10, 15),
            period_end=D(2026, 11, 14),
            value=Decimal(1),
            state=ValueState.APPROVED,
        )
    refresh_figures(assignment_ids=[k.pk for k in kids], rules=RULES, today=TODAY)
    rolled = IndicatorFigure.objects.get(assignment=province, period_end=D(2026, 11, 14))
    # Three communes are at their line's milestone or beyond; the fourth reported nothing.
    assert rolled.value == 75
    assert rolled.value_state == "approved"
