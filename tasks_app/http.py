"""Request types for the views: Django's HttpRequest with what the middleware adds.

Annotating a view's request with these lets the type checker see `request.htmx`
(django-htmx's middleware) and, behind `login_required`, a signed-in `User` rather than
`User | AnonymousUser`. They are annotations only: Django still passes its own request.
"""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from tasks_app.models import User


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails


class AuthenticatedRequest(HtmxRequest):
    """A request to a view behind `login_required`: its user has signed in."""

    user: User
