"""The page for an uncaught error. A lost database connection is not a bug to report but
a moment to wait: it gets its own answer (503, "try again"), so an official whose save
met a restarted or failed-over database knows that nothing was half saved.

With htmx (a phone with JavaScript), an error page would otherwise never be shown: the
page's htmx-config swaps 500 and 503 answers, and these headers say where. A person's
own action gets the whole page replaced by the error page; a page's own poll swaps
nothing, so a board keeps its figures and tries again at the next poll."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext
from django.views import defaults

from nq57.middleware import API_PREFIX, is_poll

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
    else:
        response = defaults.server_error(request, template_name)
    if request.headers.get("HX-Request") == "true":
        if is_poll(request):
            response["HX-Reswap"] = "none"
        else:
            response["HX-Retarget"] = "body"
            response["HX-Reswap"] = "innerHTML"
    return response


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """An address under /api/ that matches no route (a malformed id, a typo) answers in
    the API's one error shape, in JSON, like every other API error; pages get the page."""
    if request.path_info.startswith(API_PREFIX):
        from tasks_app.api.errors import error_body

        return JsonResponse(error_body(code="not_found", detail=gettext("Not found.")), status=404)
    return defaults.page_not_found(request, exception)
