"""The greening policy: band validation, the change log, stale edits, and the admin."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from tasks_app.actions.greening import StalePolicyVersion, greening_policy_update, greening_recompute
from tasks_app.clock import local_today
from tasks_app.greening.rules import Band, validate_bands
from tasks_app.models import Colour, GreeningPolicy, GreeningPolicyChange, GreeningSnapshot

R, Y, G = Colour.RED, Colour.YELLOW, Colour.GREEN


def bands(*spec) -> list[Band]:
    return [Band(colour, Decimal(lo), Decimal(hi)) for colour, lo, hi in spec]


def test_bands_that_cover_0_to_100_exactly_are_accepted():
    validate_bands(bands((R, 0, 40), (Y, 40, 75.5), (G, 75.5, 100)))
    validate_bands(bands((G, 0, 100)))


@pytest.mark.parametrize(
    "spec,message",
    [
        (((R, 0, 50), (Y, 60, 80), (G, 80, 100)), "Gap"),
        (((R, 0, 50), (Y, 40, 80), (G, 80, 100)), "Overlap"),
        (((R, 10, 50), (Y, 50, 80), (G, 80, 100)), "0%"),
        (((R, 0, 50), (Y, 50, 80), (G, 80, 95)), "100%"),
        (((G, 0, 50), (R, 50, 100)), "worse colour"),
        (((R, 0, 50), (Y, 50, 50), (G, 50, 100)), "empty"),
    ],
)
def test_bad_bands_are_rejected_with_a_reason(spec, message):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        validate_bands(bands(*spec))
    assert any(message in m for m in error.value.messages), error.value.messages


def test_a_change_is_logged_and_applies_from_the_next_recompute(db, staff_admin, make_task, commune):
    today = local_today()
    # Half the time gone, 10 % done: 40 pp behind, so yellow, and the commune's rate is 0 %.
    make_task(
        lead_unit=commune,
        progress=10,
        start_date=today - datetime.timedelta(days=100),
        deadline=today + datetime.timedelta(days=100),
    )
    greening_recompute()
    assert GreeningSnapshot.objects.get(unit=commune, scope="all", on_date=local_today()).colour == R

    change = greening_policy_update(
        values={"behind_tolerance_pp": 90},
        bands=bands((R, 0, 30), (Y, 30, 60), (G, 60, 100)),
        author=staff_admin,
        note="Nới ngưỡng theo chỉ đạo",
        expected_version=1,
    )
    assert change.policy_version == 2
    assert change.changes["behind_tolerance_pp"] == [20, 90]
    assert change.changes["bands"][1] == [["red", "0", "30"], ["yellow", "30", "60"], ["green", "60", "100"]]
    assert change.author == staff_admin and change.note == "Nới ngưỡng theo chỉ đạo"
    row = GreeningSnapshot.objects.get(unit=commune, scope="all", on_date=local_today())
    assert row.colour == R and row.policy_version == 1  # unchanged until recomputed

    greening_recompute()
    row = GreeningSnapshot.objects.get(unit=commune, scope="all", on_date=local_today())
    assert (row.colour, row.policy_version) == (G, 2)


def test_an_edit_from_an_older_version_is_refused(staff_admin):
    current = bands((R, 0, 50), (Y, 50, 80), (G, 80, 100))
    greening_policy_update(
        values={"near_deadline_days": 10}, bands=current, author=staff_admin, expected_version=1
    )
    with pytest.raises(StalePolicyVersion):
        greening_policy_update(
            values={"near_deadline_days": 3}, bands=current, author=staff_admin, expected_version=1
        )
    assert GreeningPolicy.objects.get().near_deadline_days == 10


def test_bad_bands_write_nothing(staff_admin):
    with pytest.raises(ValidationError):
        greening_policy_update(
            values={"near_deadline_days": 3}, bands=bands((R, 0, 50), (G, 60, 100)), author=staff_admin
        )
    assert GreeningPolicy.objects.get().version == 1
    assert GreeningPolicyChange.objects.count() == 1


def _admin_form(policy: GreeningPolicy, band_rows, **overrides) -> dict:
    data = {
        "behind_tolerance_pp": policy.behind_tolerance_pp,
        "near_deadline_days": policy.near_deadline_days,
        "near_deadline_min_progress": policy.near_deadline_min_progress,
        "not_started_grace_days": policy.not_started_grace_days,
        "overdue_key_task_makes_red": "on",
        "own_tasks_weight": policy.own_tasks_weight,
        "completion_proof": policy.completion_proof,
        "indicator_green_from": policy.indicator_green_from,
        "indicator_yellow_from": policy.indicator_yellow_from,
        "indicator_jump_percent": policy.indicator_jump_percent,
        "indicator_due_working_days": policy.indicator_due_working_days,
        "indicator_weight": policy.indicator_weight,
        "loaded_version": policy.version,
        "change_note": "",
        "bands-TOTAL_FORMS": len(band_rows),
        "bands-INITIAL_FORMS": policy.bands.count(),
        "bands-MIN_NUM_FORMS": 1,
        "bands-MAX_NUM_FORMS": 1000,
    }
    existing = list(policy.bands.order_by("lower"))
    for i, (colour, lower, upper) in enumerate(band_rows):
        data.update({f"bands-{i}-colour": colour, f"bands-{i}-lower": lower, f"bands-{i}-upper": upper})
        data[f"bands-{i}-policy"] = policy.pk
        if i < len(existing):
            data[f"bands-{i}-id"] = existing[i].pk
    data.update(overrides)
    return data


def test_staff_edit_the_policy_in_the_admin(client, staff_admin):
    client.force_login(staff_admin)
    policy = GreeningPolicy.objects.get()
    url = f"/admin/tasks_app/greeningpolicy/{policy.pk}/change/"
    assert client.get(url).status_code == 200

    data = _admin_form(policy, [("red", "0", "45"), ("yellow", "45", "85"), ("green", "85", "100")])
    data.update(behind_tolerance_pp=25, change_note="Điều chỉnh quý IV")
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    policy.refresh_from_db()
    assert (policy.version, policy.behind_tolerance_pp) == (2, 25)
    assert [(b.colour, b.upper) for b in policy.bands.order_by("lower")] == [
        ("red", Decimal("45")),
        ("yellow", Decimal("85")),
        ("green", Decimal("100")),
    ]
    change = GreeningPolicyChange.objects.get(policy_version=2)
    assert change.author == staff_admin and change.note == "Điều chỉnh quý IV"


def test_the_admin_rejects_a_gap_in_vietnamese(client, staff_admin):
    client.force_login(staff_admin)
    policy = GreeningPolicy.objects.get()
    url = f"/admin/tasks_app/greeningpolicy/{policy.pk}/change/"
    data = _admin_form(policy, [("red", "0", "40"), ("yellow", "50", "80"), ("green", "80", "100")])
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Khoảng trống" in response.content.decode()
    assert GreeningPolicy.objects.get().version == 1


def test_the_admin_refuses_a_stale_form(client, staff_admin):
    client.force_login(staff_admin)
    policy = GreeningPolicy.objects.get()
    url = f"/admin/tasks_app/greeningpolicy/{policy.pk}/change/"
    stale = _admin_form(policy, [("red", "0", "50"), ("yellow", "50", "80"), ("green", "80", "100")])
    greening_policy_update(
        values={"near_deadline_days": 9},
        bands=bands((R, 0, 50), (Y, 50, 80), (G, 80, 100)),
        author=staff_admin,
    )
    stale.update(near_deadline_days=3)
    response = client.post(url, stale)
    assert response.status_code == 200
    assert GreeningPolicy.objects.get().near_deadline_days == 9


def test_staff_set_the_indicator_thresholds_and_weight(client, staff_admin):
    client.force_login(staff_admin)
    policy = GreeningPolicy.objects.get()
    url = f"/admin/tasks_app/greeningpolicy/{policy.pk}/change/"
    data = _admin_form(policy, [("red", "0", "50"), ("yellow", "50", "80"), ("green", "80", "100")])
    data.update(
        indicator_green_from=90, indicator_yellow_from=70, indicator_weight=20, change_note="Chỉ tiêu"
    )
    assert client.post(url, data).status_code == 302
    policy.refresh_from_db()
    assert (policy.version, policy.indicator_green_from, policy.indicator_yellow_from) == (2, 90, 70)
    assert GreeningPolicyChange.objects.get(policy_version=2).changes["indicator_weight"] == [0, 20]


def test_the_admin_refuses_a_yellow_threshold_above_the_green_one(client, staff_admin):
    client.force_login(staff_admin)
    policy = GreeningPolicy.objects.get()
    url = f"/admin/tasks_app/greeningpolicy/{policy.pk}/change/"
    data = _admin_form(policy, [("red", "0", "50"), ("yellow", "50", "80"), ("green", "80", "100")])
    data.update(indicator_green_from=60, indicator_yellow_from=70)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Ngưỡng vàng của chỉ tiêu không thể cao hơn ngưỡng xanh." in response.content.decode()
    assert GreeningPolicy.objects.get().version == 1
