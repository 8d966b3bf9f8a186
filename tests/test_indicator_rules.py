"""The indicator rules of docs/indicators.md, held to the page's worked examples: the
calendar that closes on the 14th, milestones on the line, progress and colour, what is
refused and flagged, and the four roll-ups."""

import datetime
from decimal import Decimal

import pytest

from tasks_app.greening.rules import Rules
from tasks_app.indicators.rules import (
    ChildFigure,
    Line,
    flags,
    judge,
    milestone,
    needs_note,
    progress,
    refusals,
    roll_up,
)
from tasks_app.models import Colour, FigureReason, Rollup, ValueFlag, ValueType
from tasks_app.periods import Periodicity, add_working_days, period_containing, period_ending

D = datetime.date
RULES = Rules()
BASE = D(2025, 12, 31)
DEADLINE = D(2026, 12, 14)


# --- Periods (§2) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("periodicity", "day", "start", "end", "label"),
    [
        (Periodicity.MONTHLY, D(2026, 11, 5), D(2026, 10, 15), D(2026, 11, 14), "Tháng 11/2026"),
        (Periodicity.MONTHLY, D(2026, 11, 14), D(2026, 10, 15), D(2026, 11, 14), "Tháng 11/2026"),
        (Periodicity.MONTHLY, D(2026, 11, 15), D(2026, 11, 15), D(2026, 12, 14), "Tháng 12/2026"),
        (Periodicity.MONTHLY, D(2026, 12, 20), D(2026, 12, 15), D(2027, 1, 14), "Tháng 1/2027"),
        (Periodicity.QUARTERLY, D(2026, 10, 1), D(2026, 9, 15), D(2026, 12, 14), "Quý IV/2026"),
        (Periodicity.QUARTERLY, D(2026, 12, 15), D(2026, 12, 15), D(2027, 3, 14), "Quý I/2027"),
        (Periodicity.SIX_MONTHLY, D(2026, 1, 3), D(2025, 12, 15), D(2026, 6, 14), "6 tháng đầu năm 2026"),
        (Periodicity.YEARLY, D(2026, 3, 1), D(2025, 12, 15), D(2026, 12, 14), "Năm 2026"),
    ],
)
def test_periods_close_on_the_14th(periodicity, day, start, end, label):
    period = period_containing(periodicity, day)
    assert (period.start, period.end, period.label) == (start, end, label)
    assert period.next().start == period.end + datetime.timedelta(days=1)
    assert period.previous().end == period.start - datetime.timedelta(days=1)
    assert period_ending(periodicity, end) == period


def test_a_date_that_closes_no_period_is_refused():
    with pytest.raises(ValueError):
        period_ending(Periodicity.QUARTERLY, D(2026, 11, 14))


def test_due_date_counts_working_days_after_the_close():
    # Tháng 11/2026 closes on Saturday 14/11: two working days later is Tuesday 17/11.
    assert period_containing(Periodicity.MONTHLY, D(2026, 11, 1)).due_date(2) == D(2026, 11, 17)
    assert add_working_days(D(2026, 11, 13), 1) == D(2026, 11, 16)
    assert add_working_days(D(2026, 11, 13), 1, holidays={D(2026, 11, 16)}) == D(2026, 11, 17)
    assert add_working_days(D(2026, 11, 13), 0) == D(2026, 11, 13)


# --- Milestones and colour: the worked examples (§3, §4) ---------------------------------------


def _line(value_type, baseline, target, target_date=DEADLINE):
    return Line(value_type, Decimal(baseline), BASE, Decimal(target), target_date)


def _milestone(line, close, **kwargs):
    period = period_ending(Periodicity.MONTHLY, close)
    return milestone(line, close, period_start=period.start, **kwargs)


def test_share_of_dossiers_online_is_yellow():
    line = _line(ValueType.RATIO, 60, 80)
    expected = _milestone(line, D(2026, 11, 14))
    assert expected == Decimal("78.28")
    achieved = progress(Decimal("74.57"), baseline=Decimal(60), milestone=expected, direction="higher")
    assert achieved == Decimal("79.70")
    verdict = judge(
        value=Decimal("74.57"),
        value_type=ValueType.RATIO,
        direction="higher",
        baseline=Decimal(60),
        milestone=expected,
        due_date=D(2026, 11, 17),
        today=D(2026, 11, 20),
        rules=RULES,
    )
    assert (verdict.colour, verdict.reason) == (Colour.YELLOW, FigureReason.PROGRESS)


def test_digital_signatures_are_green():
    line = _line(ValueType.COUNT, 12000, 50000)
    expected = milestone(line, D(2026, 9, 14), period_start=D(2026, 6, 15))
    assert expected == Decimal(40063)
    achieved = progress(Decimal(39000), baseline=Decimal(12000), milestone=expected, direction="higher")
    assert achieved == Decimal("96.21")
    assert (
        judge(
            value=Decimal(39000),
            value_type=ValueType.COUNT,
            direction="higher",
            baseline=Decimal(12000),
            milestone=expected,
            due_date=D(2026, 9, 16),
            today=D(2026, 9, 20),
            rules=RULES,
        ).colour
        == Colour.GREEN
    )


def test_days_to_settle_lower_is_better_is_red():
    line = _line(ValueType.AMOUNT, 10, 5)
    expected = _milestone(line, D(2026, 6, 14))
    assert expected == Decimal("7.63")
    achieved = progress(Decimal(9), baseline=Decimal(10), milestone=expected, direction="lower")
    assert achieved == Decimal("42.19")
    assert progress(Decimal(7), baseline=Decimal(10), milestone=expected, direction="lower") > 100


def test_after_the_deadline_the_milestone_is_the_target():
    line = _line(ValueType.COUNT, 0, 1, target_date=D(2026, 6, 14))
    expected = _milestone(line, D(2026, 12, 14))
    assert expected == 1
    assert progress(Decimal(1), baseline=Decimal(0), milestone=expected, direction="higher") == 100


def test_a_set_milestone_wins_over_the_line():
    line = _line(ValueType.PERCENTAGE, 60, 80)
    assert _milestone(line, D(2026, 11, 14), set_milestones={D(2026, 11, 14): Decimal(70)}) == 70


def test_yes_no_before_its_deadline_period_is_not_coloured():
    line = _line(ValueType.YES_NO, 0, 1, target_date=D(2026, 12, 31))
    assert _milestone(line, D(2026, 11, 14)) is None
    # 31/12/2026 falls in Tháng 1/2027 (15/12/2026 – 14/01/2027).
    assert _milestone(line, D(2027, 1, 14)) == 1
    kwargs = {"value_type": ValueType.YES_NO, "direction": "higher", "baseline": Decimal(0), "rules": RULES}
    before = judge(
        value=Decimal(0), milestone=None, due_date=D(2026, 11, 17), today=D(2026, 11, 20), **kwargs
    )
    assert (before.colour, before.reason) == (Colour.NONE, FigureReason.BEFORE_DEADLINE)
    done = judge(value=Decimal(1), milestone=None, due_date=D(2026, 11, 17), today=D(2026, 11, 20), **kwargs)
    assert done.colour == Colour.GREEN
    late = judge(
        value=Decimal(0), milestone=Decimal(1), due_date=D(2027, 1, 18), today=D(2027, 1, 20), **kwargs
    )
    assert (late.colour, late.reason) == (Colour.RED, FigureReason.NO)


def test_no_value_is_red_only_after_the_due_date():
    kwargs = {
        "value": None,
        "value_type": ValueType.RATIO,
        "direction": "higher",
        "baseline": Decimal(55),
        "milestone": Decimal("78.28"),
        "due_date": D(2026, 11, 17),
        "rules": RULES,
    }
    assert judge(today=D(2026, 11, 17), **kwargs).colour == Colour.NONE
    missing = judge(today=D(2026, 11, 18), **kwargs)
    assert (missing.colour, missing.reason) == (Colour.RED, FigureReason.MISSING)


def test_milestone_equal_to_baseline():
    assert progress(Decimal(5), baseline=Decimal(5), milestone=Decimal(5), direction="higher") == 100
    assert progress(Decimal(4), baseline=Decimal(5), milestone=Decimal(5), direction="higher") == 0
    assert progress(Decimal(4), baseline=Decimal(5), milestone=Decimal(5), direction="lower") == 100


def test_thresholds_come_from_the_policy():
    strict = Rules(indicator_green_from=100, indicator_yellow_from=90)
    kwargs = {
        "value": Decimal(96),
        "value_type": ValueType.COUNT,
        "direction": "higher",
        "baseline": Decimal(0),
        "milestone": Decimal(100),
        "due_date": D(2026, 11, 17),
        "today": D(2026, 11, 20),
    }
    assert judge(rules=RULES, **kwargs).colour == Colour.GREEN
    assert judge(rules=strict, **kwargs).colour == Colour.YELLOW


# --- Refused and flagged (§5) ---------------------------------------------------------------


def _codes(**kwargs):
    kwargs.setdefault("period_start", D(2026, 10, 15))
    kwargs.setdefault("today", D(2026, 11, 20))
    return [r.code for r in refusals(**kwargs)]


def test_refusals():
    assert _codes(value_type=ValueType.PERCENTAGE, value=Decimal("100.5")) == ["percentage_range"]
    assert _codes(value_type=ValueType.PERCENTAGE, value=Decimal(-1)) == ["percentage_range"]
    assert _codes(value_type=ValueType.PERCENTAGE, value=Decimal(100)) == []
    assert _codes(value_type=ValueType.RATIO, value=None, numerator=Decimal(5), denominator=Decimal(4)) == [
        "numerator_above_denominator"
    ]
    assert _codes(value_type=ValueType.RATIO, value=None, numerator=Decimal(0), denominator=Decimal(0)) == [
        "denominator_zero"
    ]
    assert _codes(value_type=ValueType.RATIO, value=None, numerator=Decimal(3), denominator=None) == [
        "ratio_incomplete"
    ]
    assert _codes(value_type=ValueType.COUNT, value=Decimal("2.5")) == ["count_whole"]
    assert _codes(value_type=ValueType.COUNT, value=Decimal(-2)) == ["count_whole"]
    assert _codes(value_type=ValueType.YES_NO, value=Decimal(2)) == ["yes_no"]
    assert _codes(value_type=ValueType.AMOUNT, value=Decimal(3), period_start=D(2026, 11, 21)) == [
        "period_not_started"
    ]


def test_flags():
    base = {"natural_min": Decimal(0), "natural_max": Decimal(1000), "rules": RULES}
    assert flags(value=Decimal(1200), accumulation="per_period", previous=None, **base) == [
        ValueFlag.OUTSIDE_LIMITS
    ]
    assert flags(value=Decimal(90), accumulation="cumulative", previous=Decimal(100), **base) == [
        ValueFlag.WENT_DOWN
    ]
    assert flags(value=Decimal(160), accumulation="per_period", previous=Decimal(100), **base) == [
        ValueFlag.JUMP
    ]
    assert flags(value=Decimal(150), accumulation="per_period", previous=Decimal(100), **base) == []
    assert needs_note(value=Decimal(90), accumulation="cumulative", previous=Decimal(100))
    assert not needs_note(value=Decimal(90), accumulation="per_period", previous=Decimal(100))


# --- Roll-up (§6) ---------------------------------------------------------------------------


def test_roll_up_worked_examples():
    assert roll_up(Rollup.SUM, [ChildFigure(Decimal(1200)), ChildFigure(Decimal(800))]).value == 2000
    assert roll_up(Rollup.MEAN, [ChildFigure(Decimal(6)), ChildFigure(Decimal(9))]).value == Decimal("7.5")
    ratio = roll_up(
        Rollup.RATIO,
        [
            ChildFigure(Decimal(75), Decimal(300), Decimal(400)),
            ChildFigure(Decimal(60), Decimal(150), Decimal(250)),
        ],
    )
    assert (ratio.numerator, ratio.denominator) == (450, 650)
    assert ratio.value.quantize(Decimal("0.01")) == Decimal("69.23")
    share = roll_up(
        Rollup.SHARE_MEETING_TARGET,
        [ChildFigure(Decimal(1), colour=c) for c in ("green", "green", "green", "red")],
    )
    assert share.value == 75


def test_a_child_without_a_value_is_left_out_and_counted_as_missing_the_target():
    total = roll_up(Rollup.SUM, [ChildFigure(Decimal(5), value_state="approved"), ChildFigure(None)])
    assert (total.value, total.counted, total.total, total.value_state) == (5, 1, 2, "approved")
    share = roll_up(Rollup.SHARE_MEETING_TARGET, [ChildFigure(Decimal(1), colour="green"), ChildFigure(None)])
    assert share.value == 50
    nothing = roll_up(Rollup.MEAN, [ChildFigure(None), ChildFigure(None)])
    assert (nothing.value, nothing.value_state) == (None, "")
    pending = roll_up(
        Rollup.SUM,
        [ChildFigure(Decimal(5), value_state="submitted"), ChildFigure(Decimal(1), value_state="approved")],
    )
    assert pending.value_state == "submitted"


def test_a_share_roll_up_says_its_value_is_a_share_of_units():
    from tasks_app.indicators.words import reported_words

    assert reported_words(3, 4, "commune") == "3 trên 4 xã đã báo cáo"
    assert reported_words(3, 4, "commune", rollup=Rollup.SHARE_MEETING_TARGET) == (
        "Giá trị là tỷ lệ xã đạt mục tiêu của mình trong 4 xã"
    )
    assert reported_words(0, 0, "commune", rollup=Rollup.SHARE_MEETING_TARGET) == ""
