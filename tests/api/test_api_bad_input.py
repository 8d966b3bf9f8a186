"""Bad input in a list's query answers 400 in the one error shape, never a quiet default
or a 500 (found by tests/api/test_schema_conformance.py); an address under /api/ that
matches no route answers a JSON 404."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("size", ["0", "501", "ten", "", "2.5"])
def test_a_page_size_out_of_bounds_is_refused_not_replaced_by_the_default(client_as, xa_officer, size):
    response = client_as(xa_officer).get("/api/v1/units/", {"page_size": size}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"code": "invalid", "detail": "Ask for between 1 and 500 rows a page.", "attr": "page_size"}
    ]


def test_a_page_size_within_bounds_is_obeyed(client_as, tinh_officer):
    body = client_as(tinh_officer).get("/api/v1/units/", {"page_size": 3}).json()
    assert len(body["results"]) == 3 and body["count"] > 3


@pytest.mark.parametrize("value", ["yes", "null", "2"])
def test_a_flag_that_is_not_true_or_false_is_refused(client_as, xa_officer, value):
    response = client_as(xa_officer).get("/api/v1/plans/", {"is_active": value})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["attr"] == "is_active" and error["detail"] == "Hãy gửi true hoặc false."


def test_true_and_false_filter(client_as, xa_officer, commune):
    api = client_as(xa_officer)
    assert api.get("/api/v1/units/", {"is_active": "true"}).json()["count"] == 1
    assert api.get("/api/v1/units/", {"is_active": "false"}).json()["count"] == 0


@pytest.mark.parametrize("value", ["-1", "0", "1.5", "9" * 30, "-8.5e307"])
def test_an_id_filter_takes_a_whole_number_in_the_keys_range(client_as, tinh_officer, value):
    response = client_as(tinh_officer).get("/api/v1/plans/", {"issuing_unit": value})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "issuing_unit"


@pytest.mark.parametrize("path", ["/api/v1/units/1.5/", "/api/v1/nothing-here/", "/api/v2/units/"])
def test_an_api_address_that_matches_no_route_answers_json(client_as, xa_officer, path):
    response = client_as(xa_officer).get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "type": "client_error",
        "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}],
    }


def test_a_page_that_matches_no_route_elsewhere_keeps_the_html_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
