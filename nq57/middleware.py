import time
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, cast
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from django.http.request import _ImmutableQueryDict

API_PREFIX = "/api/"


class IgnoreBrowserLanguageMiddleware:
    """Vietnamese first: the interface language is LANGUAGE_CODE unless the user chose
    another with the language switch (a cookie). Many officials' phones are set to
    English; that alone must not switch a Vietnamese government tool to English."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # A machine client of the API asks for its language with Accept-Language, and gets it.
        if not request.path_info.startswith(API_PREFIX):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class NormaliseInputMiddleware:
    """Every text a user sends reaches the app composed (NFC): query strings, form fields
    and uploaded file names. Some phones and pasted text send "ế" decomposed (NFD); stored
    as is, it would look the same and compare different (search, uniqueness, sorting)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.GET = _composed(request.GET)
        if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
            try:
                request.POST = _composed(request.POST)
                files = request.FILES
            except OSError:  # an unreadable body: left to the CSRF check to refuse, as before
                return self.get_response(request)
            for upload in (f for name in files for f in files.getlist(name)):
                if upload.name and not unicodedata.is_normalized("NFC", upload.name):
                    upload.name = unicodedata.normalize("NFC", upload.name)
        return self.get_response(request)


def _composed(query: "_ImmutableQueryDict") -> "_ImmutableQueryDict":
    pairs = list(query.lists())
    if all(_is_nfc(key) and all(_is_nfc(v) for v in values) for key, values in pairs):
        return query
    composed = QueryDict(mutable=True, encoding=query.encoding)
    for key, values in pairs:
        composed.setlist(unicodedata.normalize("NFC", key), [unicodedata.normalize("NFC", v) for v in values])
    composed._mutable = False
    return cast("_ImmutableQueryDict", composed)  # immutable now, as request.GET and POST are


def _is_nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)


LAST_ACTIVITY_KEY = "last_activity"  # epoch seconds of the user's last real request
POLL_HEADER = "X-NQ57-Poll"


def is_poll(request: HttpRequest) -> bool:
    """A request a page sends by itself (a dashboard refreshing, a report's progress),
    not something the person did. The polling element names itself in the X-NQ57-Poll
    header (hx-headers), and htmx sends the id of the element that triggered a request
    in HX-Trigger: both must agree, because elements inside the poller (the communes
    table's sorting and filters) inherit its hx-headers but are triggered by themselves.
    A forged header can only make its own session end sooner."""
    poller = request.headers.get(POLL_HEADER)
    from_htmx = request.headers.get("HX-Request") == "true"
    return bool(poller) and from_htmx and request.headers.get("HX-Trigger") == poller


class IdleSessionMiddleware:
    """The idle timeout (SESSION_IDLE_SECONDS): a session ends that long after the
    person's last real request. A poll does not count as activity, so an open dashboard
    no longer keeps a session alive for ever. A request after the timeout is served as
    anonymous: a page goes to the login page with ?next= (login_required), and an htmx
    request is told to send the whole page there (HX-Redirect) rather than swap the
    login form into the board."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_ACTIVITY_KEY)
            if last is not None and now - last >= settings.SESSION_IDLE_SECONDS:
                logout(request)
            elif last is None or not is_poll(request):
                # A change to the session saves it, and saving renews the cookie and the
                # stored session's expiry (SESSION_COOKIE_AGE): only real requests do.
                request.session[LAST_ACTIVITY_KEY] = now
        response = self.get_response(request)
        htmx = getattr(request, "htmx", None)
        if htmx and _is_login_redirect(response):
            return HttpResponseClientRedirect(_login_url_for_page(request, htmx))
        return response


def _is_login_redirect(response: HttpResponse) -> bool:
    if response.status_code not in (301, 302, 303, 307, 308):
        return False
    return urlsplit(response["Location"]).path == resolve_url(settings.LOGIN_URL)


def _login_url_for_page(request: HttpRequest, htmx: HtmxDetails) -> str:
    """The login page, with ?next= the page the person is on (not the fragment's URL)."""
    page = htmx.current_url_abs_path or request.get_full_path()
    return f"{resolve_url(settings.LOGIN_URL)}?{urlencode({REDIRECT_FIELD_NAME: page})}"
