from django.urls import reverse


def test_health_reports_each_dependency(client, db, settings):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    checks = response.json()
    assert checks["database"] == checks["cache"] == "ok"
    # Jobs in the request's own thread (the suite without Redis) have no broker to check.
    assert checks.get("broker", "ok") == "ok"


def test_the_front_door_leads_to_log_in(client, db):
    response = client.get("/")
    # No fixed destination: after logging in, each role goes to its own start page.
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
