"""Two saves of one value at the same moment, on PostgreSQL's row locks: a double tap
records once, and two people starting from the same version never both write."""

import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection

from tasks_app.actions.indicator_values import StaleValueVersion, value_save
from tasks_app.greening.rules import Rules
from tasks_app.models import IndicatorValue, ValueEvent
from tests.indicator_world import CLOSED, assign, make_indicator
from tests.live_stack import postgres_only, reference_data_survives  # noqa: F401  (a fixture)

pytestmark = [
    postgres_only("row locks and concurrent transactions"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("reference_data_survives"),
]


def _race(calls) -> list:
    """Run the calls at once, each in its own thread and connection; their results or errors."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            start.wait()
            results[index] = call()
        except Exception as error:  # kept to assert on
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _save(assignment, officer, number, key):
    return lambda: value_save(
        assignment=assignment,
        period=CLOSED,
        value=Decimal(number),
        author=officer,
        expected_version=0,
        submission_key=key,
        submit=True,
        rules=Rules(),
    )


def test_a_double_tap_records_once_and_a_race_never_overwrites(xa_officer, nghe_an, commune, plan):
    province = assign(make_indicator(nghe_an, plan), nghe_an, rolls_up=True)
    assignment = assign(province.indicator, commune, parent=province)
    key = uuid.uuid4()
    results = _race([_save(assignment, xa_officer, 70, key), _save(assignment, xa_officer, 70, key)])
    assert not any(isinstance(r, Exception) for r in results), results
    assert sorted(r.repeated for r in results) == [False, True]
    assert ValueEvent.objects.count() == 1

    other = assign(make_indicator(nghe_an, plan, code="CT-06"), commune)
    results = _race([_save(other, xa_officer, 70, uuid.uuid4()), _save(other, xa_officer, 75, uuid.uuid4())])
    stale = [r for r in results if isinstance(r, StaleValueVersion)]
    saved = [r for r in results if not isinstance(r, Exception)]
    assert len(stale) == 1 and len(saved) == 1, results
    value = IndicatorValue.objects.get(assignment=other)
    assert (value.version, value.value) == (1, saved[0].value.value)
