"""gunicorn's configuration for the container (`gunicorn -c python:nq57.gunicorn_conf`).

Read once by gunicorn's master process before it starts the workers, which inherit it.
"""

import gunicorn.http.wsgi

wsgi_app = "nq57.wsgi:application"
bind = "0.0.0.0:8000"
workers = 3
timeout = 60

# Which proxies to believe about HTTPS is the app's decision alone (TRUSTED_PROXY_COUNT in
# settings): gunicorn would otherwise take X-Forwarded-Proto from any local peer as well.
forwarded_allow_ips = ""

# gunicorn 25.1+ otherwise opens a Unix socket in the home folder through which gunicornc can
# change the worker count or stop the server; the app never uses it.
control_socket_disable = True


def drop_server_header() -> None:
    """Send no `Server: gunicorn` header: it tells an attacker what to try for nothing in return.

    gunicorn (23 to 27 at least) writes the header itself in Response.default_headers, with
    no setting to turn it off, ahead of the application's own headers. Wrap that method and
    leave the header out. Idempotent.
    """
    response = gunicorn.http.wsgi.Response
    if getattr(response.default_headers, "drops_server_header", False):
        return
    default_headers = response.default_headers

    def default_headers_without_server(self) -> list[str]:
        return [line for line in default_headers(self) if not line.lower().startswith("server:")]

    # mypy has no notion of attributes set on a function; this one marks the wrapper.
    default_headers_without_server.drops_server_header = True  # type: ignore[attr-defined]
    response.default_headers = default_headers_without_server


drop_server_header()
