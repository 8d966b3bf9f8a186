"""Behind reverse proxies: X-Forwarded-For and X-Forwarded-Proto are believed only as far
as TRUSTED_PROXY_COUNT proxies wrote them, for the HTTPS check and for the address that
failed logins are counted against (nq57/proxy.py)."""

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse

from nq57.proxy import client_ip

PROXY = "10.0.0.2"  # our TLS-terminating proxy, as the app sees it
VICTIM = "203.0.113.7"
ATTACKER = "198.51.100.66"


def _request(remote_addr: str, forwarded_for: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote_addr, **extra)


def test_without_a_trusted_proxy_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(ATTACKER, forwarded_for=VICTIM)) == ATTACKER


def test_behind_one_proxy_the_address_it_saw_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request(PROXY, forwarded_for=VICTIM)) == VICTIM
    # Entries the client wrote itself come first (leftmost); the proxy appends the real one.
    assert client_ip(_request(PROXY, forwarded_for=f"1.2.3.4, {VICTIM}, {ATTACKER}")) == ATTACKER


def test_behind_two_proxies_it_is_the_second_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    # client -> CDN (appends the client) -> nginx (appends the CDN) -> app
    assert client_ip(_request(PROXY, forwarded_for=f"9.9.9.9, {VICTIM}, 10.0.0.1")) == VICTIM


def test_a_request_with_fewer_hops_than_proxies_counts_as_the_peer(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request(PROXY, forwarded_for=VICTIM)) == PROXY
    assert client_ip(_request(PROXY)) == PROXY


def _fail_login(client, username: str, forwarded_for: str, remote_addr: str = PROXY):
    return client.post(
        reverse("login"),
        {"username": username, "password": "sai"},
        REMOTE_ADDR=remote_addr,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_failed_logins_count_against_the_peer_without_a_proxy(client, xa_officer, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    _fail_login(client, "xa_officer", forwarded_for=VICTIM, remote_addr=ATTACKER)
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [ATTACKER]


def test_behind_a_proxy_nobody_can_lock_out_another_address(client, xa_officer, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The attacker claims to be the victim; the proxy appends the attacker's real address.
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        _fail_login(client, "xa_officer", forwarded_for=f"{VICTIM}, {ATTACKER}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    assert _fail_login(client, "xa_officer", forwarded_for=ATTACKER).status_code == 429
    # The victim, behind the same proxy, still logs in.
    victim = client.post(
        reverse("login"),
        {"username": "xa_officer", "password": "pw-xa_officer"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=VICTIM,
    )
    assert victim.status_code == 302 and victim["Location"] == reverse("my_tasks")


@pytest.mark.parametrize(("count", "secure"), [(0, False), (1, True)])
def test_forwarded_proto_is_believed_only_from_a_trusted_proxy(client, settings, count, secure):
    # What the settings module derives from TRUSTED_PROXY_COUNT (tests/test_settings.py).
    settings.TRUSTED_PROXY_COUNT = count
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if count else None
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR=PROXY)
    if secure:
        assert response.status_code == 200
    else:  # a forged "https" from a client does not skip the redirect to HTTPS
        assert response.status_code == 301 and response["Location"].startswith("https://")
