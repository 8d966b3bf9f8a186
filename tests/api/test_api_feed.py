"""The daily feed: every unit in scope with its colour, rate and counts, as JSON pages and as
CSV (formula-safe, with a BOM for Excel), for feed tokens and no further; a fixed number of
queries whatever the number of units."""

import csv
import datetime
import io

import pytest

from tasks_app.actions.greening import greening_recompute
from tasks_app.clock import local_today
from tasks_app.models import ApiTokenPurpose, GreeningSnapshot, Unit

pytestmark = pytest.mark.django_db

YESTERDAY = local_today() - datetime.timedelta(days=1)


@pytest.fixture
def figures(make_task, commune, other_commune, nghe_an):
    """Yesterday's figures: `commune` has an overdue task and one on track. (Computed as
    today's, then dated yesterday: a past day is otherwise computed from the tasks' history.)"""
    start = YESTERDAY - datetime.timedelta(days=120)
    make_task(code="QH-1", start_date=start, deadline=YESTERDAY - datetime.timedelta(days=40), progress=30)
    make_task(code="OK-1", start_date=start, deadline=YESTERDAY + datetime.timedelta(days=300), progress=60)
    make_task(
        code="OK-2",
        lead_unit=other_commune,
        start_date=start,
        deadline=YESTERDAY + datetime.timedelta(days=300),
        progress=60,
    )
    greening_recompute()
    GreeningSnapshot.objects.filter(on_date=local_today()).update(on_date=YESTERDAY)


def csv_rows(response) -> list[dict]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_a_province_officer_gets_the_province_and_its_communes(
    client_as, tinh_officer, nghe_an, commune, figures
):
    body = client_as(tinh_officer).get("/api/v1/feed/daily/").json()
    assert body["date"] == YESTERDAY.isoformat()  # the latest finished day
    expected = Unit.objects.filter(province=nghe_an, is_active=True).count()
    assert body["count"] == expected and len(body["results"]) == expected
    assert {row["province_code"] for row in body["results"]} == {nghe_an.code}
    row = next(row for row in body["results"] if row["unit_id"] == commune.pk)
    snapshot = GreeningSnapshot.objects.get(unit=commune, on_date=YESTERDAY, scope="all")
    assert row["code"] == commune.code and row["name"] == commune.name and row["kind"] == "commune"
    assert row["colour"] == snapshot.colour and row["rate"] == float(snapshot.rate)
    assert row["counts"]["overdue"] == 1 and row["counted"] == snapshot.n_counted
    assert row["subtree_counts"]["overdue"] == 1


def test_a_commune_officer_gets_their_commune_only(client_as, xa_officer, commune, figures):
    body = client_as(xa_officer).get("/api/v1/feed/daily/", {"date": YESTERDAY.isoformat()}).json()
    assert [row["unit_id"] for row in body["results"]] == [commune.pk]


def test_a_day_without_figures_lists_the_units_without_colour(client_as, xa_officer, commune, figures):
    day = YESTERDAY - datetime.timedelta(days=10)
    body = client_as(xa_officer).get("/api/v1/feed/daily/", {"date": day.isoformat()}).json()
    assert body["results"][0]["colour"] == "none" and body["results"][0]["rate"] is None


def test_a_bad_date_is_a_400(client_as, xa_officer):
    response = client_as(xa_officer).get("/api/v1/feed/daily/", {"date": "31/02/2026"})
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "date"
    csv_asked = client_as(xa_officer).get("/api/v1/feed/daily/", {"date": "x", "format": "csv"})
    assert csv_asked.status_code == 400 and csv_asked["Content-Type"] == "application/json"


def test_the_national_feed_pages_with_a_fixed_number_of_queries(
    client_as, central_viewer, figures, django_assert_max_num_queries
):
    api = client_as(central_viewer)
    total = Unit.objects.filter(is_active=True).count()
    with django_assert_max_num_queries(12):
        first = api.get("/api/v1/feed/daily/").json()
    assert first["count"] == total and len(first["results"]) == min(total, 1000)
    with django_assert_max_num_queries(12):
        big = api.get("/api/v1/feed/daily/", {"page_size": 5000}).json()
    assert len(big["results"]) == total and big["next"] is None


def test_the_csv_has_every_unit_with_a_bom_and_no_live_formula(
    client_as, tinh_officer, nghe_an, commune, figures, django_assert_max_num_queries
):
    Unit.objects.filter(pk=commune.pk).update(name='=HYPERLINK("http://evil.example","Bấm")')
    api = client_as(tinh_officer)
    with django_assert_max_num_queries(10):
        response = api.get("/api/v1/feed/daily/", {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="nq57-feed-{YESTERDAY.isoformat()}.csv"'
    rows = csv_rows(response)
    assert len(rows) == Unit.objects.filter(province=nghe_an, is_active=True).count()
    row = next(row for row in rows if row["unit_id"] == str(commune.pk))
    assert row["name"] == '\'=HYPERLINK("http://evil.example","Bấm")'
    assert row["date"] == YESTERDAY.isoformat() and row["n_overdue"] == "1"
    snapshot = GreeningSnapshot.objects.get(unit=commune, on_date=YESTERDAY, scope="all")
    assert row["colour"] == snapshot.colour and float(row["rate"]) == float(snapshot.rate)
    # Accept: text/csv gives the same file.
    by_accept = api.get("/api/v1/feed/daily/", HTTP_ACCEPT="text/csv")
    assert by_accept.content == response.content


def test_a_feed_token_opens_the_feed_and_nothing_else(client_as, tinh_officer, nghe_an, figures):
    from reports.models import Report, ReportKind, Week

    report = Report.objects.create(
        kind=ReportKind.PROVINCE_WEEKLY, unit=nghe_an, period_start=Week.last_finished().start
    )
    api = client_as(tinh_officer, purpose=ApiTokenPurpose.FEED)
    assert api.get("/api/v1/feed/daily/").status_code == 200
    assert api.get("/api/v1/feed/daily/", {"format": "csv"}).status_code == 200
    for path in (
        "/api/v1/units/",
        f"/api/v1/units/{nghe_an.pk}/greening/",
        f"/api/v1/units/{nghe_an.pk}/greening/history/",
        f"/api/v1/units/{nghe_an.pk}/greening/why/",
        f"/api/v1/units/{nghe_an.pk}/greening/ranking/",
        "/api/v1/reports/",
        f"/api/v1/reports/{report.pk}/",
        f"/api/v1/reports/{report.pk}/pdf/",
    ):
        response = api.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 403, path
        assert response.json()["errors"][0]["detail"] == "A feed token opens only the daily feed."


def test_a_user_with_no_unit_gets_an_empty_feed(client_as, alice, figures):
    body = client_as(alice).get("/api/v1/feed/daily/").json()
    assert body["count"] == 0 and body["results"] == []


def test_without_credentials_the_feed_is_401(api):
    assert api.get("/api/v1/feed/daily/").status_code == 401
