"""A unit's greening through the API: scope, the board's own figures, history ranges,
"why this colour" and the ranking of a unit's children."""

import datetime
import re

import pytest
from django.utils import translation

from reports.boards.selectors.reasons import unit_reason
from tasks_app.actions.greening import greening_recompute
from tasks_app.clock import local_today
from tasks_app.greening.rules import Rules
from tasks_app.models import GreeningPolicy, GreeningSnapshot, Membership, Role, Unit, UnitKind, User

pytestmark = pytest.mark.django_db

TODAY = local_today()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def figures(make_task, commune, other_commune, nghe_an):
    """`commune`: one overdue task and one on track; `other_commune`: one on track; the
    province: one own task on track. Snapshots for today."""
    make_task(
        code="QH-1", title="Số hóa hồ sơ đất đai", start_date=days(-120), deadline=days(-40), progress=30
    )
    make_task(code="OK-1", start_date=days(-10), deadline=days(300), progress=10)
    make_task(code="OK-2", lead_unit=other_commune, start_date=days(-10), deadline=days(300), progress=10)
    make_task(code="TINH-1", lead_unit=nghe_an, start_date=days(-10), deadline=days(300), progress=10)
    greening_recompute()


def url(unit: Unit, what: str = "") -> str:
    return f"/api/v1/units/{unit.pk}/greening/" + (f"{what}/" if what else "")


# --- Scope -------------------------------------------------------------------------------------


def test_a_commune_officer_sees_their_own_commune_only(
    client_as, xa_officer, commune, other_commune, nghe_an, figures
):
    api = client_as(xa_officer)
    assert api.get(url(commune)).status_code == 200
    for foreign in (other_commune, nghe_an):
        for what in ("", "history", "why", "ranking"):
            response = api.get(url(foreign, what))
            assert response.status_code == 404, (foreign, what)
            assert response.json()["errors"][0]["code"] == "not_found"


def test_a_province_officer_sees_the_province_and_its_communes_but_not_another(
    client_as, tinh_officer, commune, nghe_an, far_commune, root, figures
):
    api = client_as(tinh_officer)
    assert api.get(url(nghe_an)).status_code == 200
    assert api.get(url(commune)).status_code == 200
    assert api.get(url(far_commune)).status_code == 404
    assert api.get(url(far_commune.province)).status_code == 404
    assert api.get(url(root)).status_code == 404
    assert api.get("/api/v1/units/999999/greening/").status_code == 404


def test_a_central_viewer_sees_every_unit(client_as, central_viewer, root, far_commune, commune, figures):
    api = client_as(central_viewer)
    for unit in (root, far_commune, far_commune.province, commune):
        assert api.get(url(unit)).status_code == 200


# --- Figures -----------------------------------------------------------------------------------


def test_the_figures_are_the_boards_snapshot(client, client_as, tinh_officer, nghe_an, commune, figures):
    body = client_as(tinh_officer).get(url(commune), {"date": TODAY.isoformat()}).json()
    snapshot = GreeningSnapshot.objects.get(unit=commune, on_date=TODAY, scope="all")
    assert body["date"] == TODAY.isoformat() and body["has_figures"]
    assert body["colour"] == snapshot.colour
    assert body["rate"] == float(snapshot.rate)
    assert body["counts"]["overdue"] == snapshot.n_overdue == 1
    assert body["counts"]["on_track"] == snapshot.n_on_track == 1
    assert body["counted"] == snapshot.n_counted and body["green"] == snapshot.n_green
    assert body["policy_version"] == snapshot.policy_version
    assert body["computed_at"] and body["unit"]["code"] == commune.code
    assert body["scope"] == {"plan": None, "group": None}

    # The province board shows the same rate for the commune.
    client.force_login(tinh_officer)
    html = client.get(f"/dashboard/province/{nghe_an.pk}/").content.decode()
    shown = re.search(rf'id="unit-{commune.pk}" data-rate="([^"]*)"', html).group(1)
    assert float(shown) == body["rate"] == 50.0  # 1 of 2 tasks green
    province = client_as(tinh_officer).get(url(nghe_an)).json()
    province_snapshot = GreeningSnapshot.objects.get(unit=nghe_an, on_date=TODAY, scope="all")
    assert province["rate"] == float(province_snapshot.rate)
    assert province["children_counted"] == province_snapshot.children_counted == 2
    assert province["children_green"] == province_snapshot.children_green
    assert province["subtree_counts"]["overdue"] == 1


def test_the_plan_scope_and_bad_filters(client_as, tinh_officer, commune, plan, figures):
    api = client_as(tinh_officer)
    scoped = api.get(url(commune), {"plan": plan.pk}).json()
    assert scoped["scope"] == {"plan": plan.pk, "group": None}
    assert scoped["counted"] == 2
    bad_plan = api.get(url(commune), {"plan": 987654}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad_plan.status_code == 400 and bad_plan.json()["errors"][0]["attr"] == "plan"
    future = api.get(url(commune), {"date": days(3).isoformat()}, HTTP_ACCEPT_LANGUAGE="en")
    assert future.status_code == 400
    assert future.json()["errors"][0] == {
        "code": "future",
        "detail": "Figures exist only up to today.",
        "attr": "date",
    }
    gap = api.get(url(commune), {"date": days(-5).isoformat()})
    assert gap.status_code == 400 and gap.json()["errors"][0]["code"] == "no_figures"
    garbage = api.get(url(commune), {"date": "hôm qua"})
    assert garbage.status_code == 400 and garbage.json()["errors"][0]["attr"] == "date"


# --- History -----------------------------------------------------------------------------------


def test_the_history_has_one_row_per_day_with_gaps_marked(client_as, tinh_officer, commune, figures):
    greening_recompute(on=days(-2))
    body = client_as(tinh_officer).get(url(commune, "history"), {"from": days(-3), "to": TODAY}).json()
    assert [row["date"] for row in body["results"]] == [days(n).isoformat() for n in range(-3, 1)]
    assert [row["has_figures"] for row in body["results"]] == [False, True, False, True]
    assert body["results"][-1]["rate"] == float(
        GreeningSnapshot.objects.get(unit=commune, on_date=TODAY, scope="all").rate
    )
    default = client_as(tinh_officer).get(url(commune, "history")).json()
    assert default["date_to"] == TODAY.isoformat() and len(default["results"]) == 30


@pytest.mark.parametrize(
    "query, code",
    [
        ({"from": "2026-01-01", "to": "2027-06-01"}, "range_too_long"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "invalid_range"),
        ({"from": "01/13/2026"}, "invalid"),
    ],
)
def test_a_bad_history_range_is_refused_with_a_clear_message(client_as, tinh_officer, commune, query, code):
    response = client_as(tinh_officer).get(url(commune, "history"), query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == code
    if code == "range_too_long":
        assert error["detail"] == "Ask for at most 366 days at a time."


def test_a_long_range_from_a_start_alone_is_refused_too(client_as, tinh_officer, commune, figures):
    response = client_as(tinh_officer).get(url(commune, "history"), {"from": days(-400)})
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "range_too_long"


# --- Why ---------------------------------------------------------------------------------------


def test_why_gives_the_boards_sentences_and_the_tasks_pulling_it_down(
    client_as, xa_officer, commune, figures
):
    body = client_as(xa_officer).get(url(commune, "why"), HTTP_ACCEPT_LANGUAGE="en").json()
    snapshot = GreeningSnapshot.objects.select_related("unit").get(unit=commune, on_date=TODAY, scope="all")
    with translation.override("en"):
        expected = unit_reason(snapshot, rules=Rules.from_policy(GreeningPolicy.objects.get()))
    assert body["sentences"] == expected
    assert body["colour"] == snapshot.colour
    assert [task["code"] for task in body["tasks"]] == ["QH-1"]
    assert body["tasks"][0]["state"] == "overdue" and body["tasks"][0]["sentence"]
    assert body["tasks_total"] == 1


def test_why_for_a_unit_without_figures_says_so(client_as, xa_officer, commune):
    greening_recompute()
    body = client_as(xa_officer).get(url(commune, "why"), HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["colour"] == "none"
    assert body["sentences"] == ["No counted tasks: nothing to judge yet."]


# --- Ranking -----------------------------------------------------------------------------------


def test_the_ranking_lists_the_communes_best_first(
    client_as, tinh_officer, nghe_an, commune, other_commune, figures
):
    body = client_as(tinh_officer).get(url(nghe_an, "ranking")).json()
    communes = Unit.objects.filter(parent=nghe_an, kind=UnitKind.COMMUNE, is_active=True).count()
    assert len(body["results"]) == communes
    ranked = [row for row in body["results"] if row["rank"] is not None]
    assert [row["unit"]["id"] for row in ranked] == [other_commune.pk, commune.pk]
    assert [row["rank"] for row in ranked] == [1, 2]
    assert (
        ranked[1]["reason"]
        and ranked[1]["colour"]
        == GreeningSnapshot.objects.get(unit=commune, on_date=TODAY, scope="all").colour
    )
    assert all(row["rank"] is None for row in body["results"][2:])


def test_the_national_ranking_lists_the_provinces(client_as, central_viewer, root, nghe_an, figures):
    body = client_as(central_viewer).get(url(root, "ranking")).json()
    assert len(body["results"]) == Unit.objects.filter(kind=UnitKind.PROVINCE, is_active=True).count()
    assert body["results"][0]["unit"]["id"] == nghe_an.pk  # the only province with counted tasks


def test_the_ranking_holds_only_children_the_user_may_see(client_as, root, figures):
    # A member of the central unit without a nationwide role opens its board only.
    member = User.objects.create_user("tw_member", password="x")
    Membership.objects.create(user=member, unit=root, role=Role.COMMUNE_OFFICER)
    body = client_as(member).get(url(root, "ranking")).json()
    assert body["results"] == []


def test_a_commune_has_no_children_to_rank(client_as, xa_officer, commune, figures):
    assert client_as(xa_officer).get(url(commune, "ranking")).json()["results"] == []


def test_the_ranking_costs_a_fixed_number_of_queries(
    client_as, central_viewer, root, django_assert_max_num_queries, figures
):
    api = client_as(central_viewer)
    with django_assert_max_num_queries(12):
        assert api.get(url(root, "ranking")).status_code == 200
