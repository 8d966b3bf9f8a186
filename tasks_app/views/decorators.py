"""View decorators shared by the pages."""

import functools

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils.translation import gettext as _


def require_post_or_back(url_name: str, *, with_arguments: bool = True):
    """POST only, but a GET goes back to the page the form lives on (`url_name`, with the
    view's own arguments) with a message, rather than a blank 405. A GET comes here when a
    session ran out while a form was being filled in: the login page sends the user back
    to the form's address. `with_arguments=False`: the page takes none (a button on a
    list page that acts on one row)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                return view(request, *args, **kwargs)
            if request.method in ("GET", "HEAD"):
                messages.warning(
                    request,
                    _("The form was not sent (your session may have ended). Fill it in again and send it."),
                )
                if not with_arguments:
                    return redirect(url_name)
                return redirect(url_name, *args, **kwargs)
            return HttpResponseNotAllowed(["POST"])

        return wrapped

    return decorator
