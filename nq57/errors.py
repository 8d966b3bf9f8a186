"""The page for an uncaught error. A lost database connection is not a bug to report but
a moment to wait: it gets its own answer (503, "try again"), so an official whose save
met a restarted or failed-over database knows that nothing was half saved."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views import defaults

# OperationalError: the server went away, refused a connection, or gave up on a deadlock
# or a timeout. InterfaceError: Django tried to use a connection that was already closed.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)

# Long enough for Django to open a new connection, short enough that nobody gives up.
RETRY_AFTER_SECONDS = 5


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    # Django calls handler500 inside its `except` block, so the error is still current.
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        # Like 500.html, rendered with no request and no context: the database may be down.
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return defaults.server_error(request, template_name)
