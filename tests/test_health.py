from django.urls import reverse


def test_health_reports_database_and_cache(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok"}


def test_the_front_door_leads_to_log_in(client, db):
    response = client.get("/")
    # No fixed destination: after logging in, each role goes to its own start page.
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
