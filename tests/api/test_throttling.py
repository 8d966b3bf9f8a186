"""Request rates through HTTP: per token and per user, a 429 in the one error shape with
Retry-After, and requests let through when the cache cannot be reached."""

import pytest
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from tasks_app.models import ApiToken

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(monkeypatch, settings):
    """`rates(token="2/min", user="100/min")`: small rates for this test, on a clean cache.

    DRF's throttles read DEFAULT_THROTTLE_RATES into a class attribute when they are imported,
    so the settings change alone would not reach them: set both."""

    def set_rates(*, token: str = "100/min", user: str = "100/min", anon: str = "100/min") -> None:
        chosen = {"token": token, "user": user, "anon": anon}
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": chosen}
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", chosen)

    cache.clear()
    yield set_rates
    cache.clear()


def _bearer(client, secret: str):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_a_token_over_its_rate_gets_429_with_retry_after(rates, api, token_for, xa_officer):
    rates(token="2/min")
    _bearer(api, token_for(xa_officer))
    assert [api.get("/api/v1/units/").status_code for _ in range(2)] == [200, 200]
    response = api.get("/api/v1/units/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    body = response.json()
    assert body["type"] == "client_error"
    assert body["errors"][0]["code"] == "throttled" and body["errors"][0]["attr"] is None
    assert body["errors"][0]["detail"].startswith("Request was throttled. Expected available in ")


def test_the_rate_is_per_token(rates, api, token_for, xa_officer):
    """A second token of the same user has its own count under the token rate."""
    rates(token="2/min")
    first, second = token_for(xa_officer), token_for(xa_officer)
    for _ in range(2):
        assert _bearer(api, first).get("/api/v1/units/").status_code == 200
    assert _bearer(api, first).get("/api/v1/units/").status_code == 429
    assert _bearer(api, second).get("/api/v1/units/").status_code == 200


def test_the_user_rate_counts_all_their_tokens_and_their_session(rates, api, token_for, xa_officer):
    rates(token="100/min", user="3/min")
    first, second = token_for(xa_officer), token_for(xa_officer)
    assert _bearer(api, first).get("/api/v1/units/").status_code == 200
    assert _bearer(api, second).get("/api/v1/units/").status_code == 200
    api.credentials()
    api.force_login(xa_officer)
    assert api.get("/api/v1/units/").status_code == 200
    assert api.get("/api/v1/units/").status_code == 429
    api.logout()
    assert _bearer(api, second).get("/api/v1/units/").status_code == 429


def test_another_user_is_not_slowed_by_a_throttled_one(rates, api, token_for, xa_officer, tinh_officer):
    rates(user="1/min")
    assert _bearer(api, token_for(xa_officer)).get("/api/v1/units/").status_code == 200
    assert api.get("/api/v1/units/").status_code == 429
    assert _bearer(api, token_for(tinh_officer)).get("/api/v1/units/").status_code == 200


def test_anonymous_requests_are_counted_by_address(rates, api):
    """Only the open doors (the schema) reach the throttle without credentials: elsewhere
    the 401 comes first."""
    rates(anon="1/min")
    assert api.get("/api/v1/schema/", REMOTE_ADDR="10.0.0.1").status_code == 200
    assert api.get("/api/v1/schema/", REMOTE_ADDR="10.0.0.1").status_code == 429
    assert api.get("/api/v1/units/", REMOTE_ADDR="10.0.0.2").status_code == 401


class _UnreachableCache:
    def get(self, *args, **kwargs):
        raise ConnectionError("cache down")

    set = add = incr = delete = get


def test_requests_go_through_when_the_cache_is_unavailable(rates, monkeypatch, api, token_for, xa_officer):
    rates(token="1/min", user="1/min", anon="1/min")
    monkeypatch.setattr(SimpleRateThrottle, "cache", _UnreachableCache())
    _bearer(api, token_for(xa_officer))
    assert [api.get("/api/v1/units/").status_code for _ in range(3)] == [200, 200, 200]
    assert ApiToken.objects.get(user=xa_officer).last_used_at is not None
