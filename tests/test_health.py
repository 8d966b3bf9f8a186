from unittest import mock

from django.db import OperationalError
from django.urls import reverse

from tasks_app.views import system


def test_health_reports_each_dependency(client, db, settings):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    checks = response.json()
    assert checks["status"] == checks["database"] == checks["cache"] == "ok"
    # Jobs in the request's own thread (the suite without Redis) have no broker to check.
    assert checks.get("broker", "ok") == "ok"


def test_without_the_database_it_is_down_and_answers_503(client, db):
    with mock.patch.object(system, "connection") as lost:
        lost.cursor.side_effect = OperationalError("server closed the connection unexpectedly")
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["status"] == "down" and response.json()["database"] == "down"


def test_without_the_cache_it_is_degraded_and_still_answers_200(client, db):
    with mock.patch.object(system.cache, "set", side_effect=ConnectionError("Redis is down")):
        response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["status"] == "degraded" and response.json()["cache"] == "down"


def test_the_front_door_leads_to_log_in(client, db):
    response = client.get("/")
    # No fixed destination: after logging in, each role goes to its own start page.
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
