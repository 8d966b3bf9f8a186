"""Who is on the other end of a request, when the app runs behind reverse proxies.

Headers such as X-Forwarded-For and X-Forwarded-Proto are only as trustworthy as whoever
wrote them. A client can send any it likes; only the proxies we run append (or set) them
honestly. TRUSTED_PROXY_COUNT says how many such proxies stand in front of the app, and
both the HTTPS check (SECURE_PROXY_SSL_HEADER, in settings) and the client address that
django-axes counts failed logins against read the headers only that far.
"""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as our outermost trusted proxy saw it.

    Each proxy appends the address it received the request from to X-Forwarded-For, so
    with N trusted proxies the client is the Nth entry from the right. Anything to its left
    was written by the client and is ignored: trusting the leftmost entry would let anyone
    pick the address a failed login is counted against, and so lock out any account.
    With no trusted proxy (the default) the headers are ignored and the peer address is used.
    """
    count = settings.TRUSTED_PROXY_COUNT
    peer = request.META.get("REMOTE_ADDR")
    if count <= 0:
        return peer
    forwarded = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [hop for hop in forwarded if hop]
    if len(forwarded) < count:
        # Fewer hops than proxies: the request skipped the outer proxies (for example a
        # health check made from inside the network), so what it claims proves nothing.
        return peer
    return forwarded[-count]
